//! Crash consistency: `dtr apply` killed with SIGKILL after its k-th AWS call, for k across a whole local
//! apply. After each kill a fresh apply (taking over the dead run's lease) converges, a plan then shows
//! no changes, and nothing is orphaned or duplicated: every resource in the account (bar the backend)
//! is in the state, once.
//!
//! The harness holds every request after the k-th unanswered and unprocessed (`after` + `hang`), so the
//! kill lands with exactly k calls done, whatever dtr was doing concurrently. A short sweep always runs;
//! `DTR_CRASH_SWEEP=full cargo test --test crash` kills at every k until an apply finishes unkilled.

mod common;

use common::{assert_converged, bootstrapped, dtr, inventory, Moto};
use serde_json::json;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Spread over a cold local apply (about 170 calls): connecting and locking, reading, the first
/// creates, the bucket's create-then-tag window, the functions, the API and its children, the alarms.
const SHORT_SWEEP: &[u64] = &[1, 3, 8, 20, 40, 60, 80, 100, 122, 145];

enum Crash {
    /// Killed with k calls done.
    Killed,
    /// The apply finished before making k + 1 calls.
    Finished,
}

#[test]
fn killed_applies_converge_without_orphans_or_duplicates() {
    let full = std::env::var("DTR_CRASH_SWEEP").as_deref() == Ok("full");
    // DTR_CRASH_KS=120,121 replays chosen kills (a failure's k).
    let chosen: Vec<u64> = std::env::var("DTR_CRASH_KS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|k| k.trim().parse().ok())
        .collect();
    let ks: Vec<u64> = if full {
        (1..10_000).collect()
    } else if !chosen.is_empty() {
        chosen.clone()
    } else {
        SHORT_SWEEP.to_vec()
    };
    // Two sweeps side by side (one per core), each k on its own server.
    let (odd, even): (Vec<_>, Vec<_>) = ks.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let killed = std::thread::scope(|s| {
        let lanes: Vec<_> = [odd, even]
            .into_iter()
            .map(|lane| {
                s.spawn(move || {
                    let mut killed = 0;
                    for (_, k) in lane {
                        match crash_and_recover(*k) {
                            Crash::Killed => killed += 1,
                            Crash::Finished if full => break,
                            Crash::Finished => {}
                        }
                    }
                    killed
                })
            })
            .collect();
        lanes
            .into_iter()
            .map(|l| l.join().expect("sweep lane"))
            .sum::<usize>()
    });
    assert!(
        !chosen.is_empty() || killed >= ks.len().min(SHORT_SWEEP.len()) - 1,
        "only {killed} of the applies were killed mid-way; the sweep no longer covers a whole apply"
    );
}

fn crash_and_recover(k: u64) -> Crash {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    moto.inject_faults(json!([{"match": "", "after": k, "hang": true}]));

    let mut apply = dtr(&moto, &project)
        .env("DTR_LOCK_LEASE", "2s")
        .args(["apply", "--env", "local", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dtr apply");
    let deadline = Instant::now() + Duration::from_secs(120);
    let crash = loop {
        if apply.try_wait().expect("poll dtr").is_some() {
            break Crash::Finished;
        }
        if moto.fault_hits(0) > 0 {
            // Call k + 1 is held: exactly k were served. Kill now, as the OOM killer or a cancelled
            // CI job would: no signal handler runs, no lock is released, no state is saved.
            apply.kill().expect("SIGKILL dtr");
            apply.wait().expect("reap dtr");
            break Crash::Killed;
        }
        assert!(
            Instant::now() < deadline,
            "k={k}: dtr neither finished nor reached call {}",
            k + 1
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    moto.inject_faults(json!([]));

    let again = common::run(dtr(&moto, &project).env("DTR_LOCK_LEASE", "2s").args([
        "apply",
        "--env",
        "local",
        "--auto-approve",
        "--lock-timeout",
        "60s",
    ]));
    assert_eq!(
        again.code, 0,
        "k={k}: the apply after the kill did not converge\n--- stdout\n{}\n--- stderr\n{}",
        again.stdout, again.stderr
    );
    if std::env::var_os("DTR_CRASH_KS").is_some() {
        eprintln!("k={k}: the apply after the kill:\n{}", again.stderr);
    }
    assert_converged(&moto, &project, "local", &format!("k={k}: after recovery"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(inventory::nothing_orphaned_or_duplicated(
        &moto,
        &format!("k={k}"),
    ));
    crash
}
