//! Stopping while the state lock is held: SIGINT (Ctrl-C), SIGTERM (a cancelled CI job) and a closed
//! standard output (`dtr apply | head -1`) all end a command the same way. It stops at its next safe
//! point (reads and the confirmation prompt are abandoned, actions in flight finish and are recorded,
//! none start), releases the lock, and exits 130, 143, or by SIGPIPE (141).
//!
//! Outside the lock (between [`arm`] and [`disarm`]) there is nothing to clean up, so a signal ends
//! dtr at once, as it would without a handler. A second signal while the lock is held exits at once
//! (a CI runner follows SIGINT with SIGTERM seconds later), releasing the lock on the way; what was
//! in flight is then unrecorded, and found again by the next plan as after a crash.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// Why the command is stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// SIGINT.
    Interrupt,
    /// SIGTERM.
    Terminate,
    /// A write to standard output found its reader gone.
    ClosedStdout,
}

impl Reason {
    /// The shell's convention: 128 + the signal's number.
    pub fn exit_code(self) -> u8 {
        128 + self.signal() as u8
    }

    fn signal(self) -> libc::c_int {
        match self {
            Reason::Interrupt => libc::SIGINT,
            Reason::Terminate => libc::SIGTERM,
            Reason::ClosedStdout => libc::SIGPIPE,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Interrupt => "interrupted (Ctrl-C, SIGINT)",
            Reason::Terminate => "terminated (SIGTERM)",
            Reason::ClosedStdout => "standard output was closed",
        })
    }
}

/// The state lock is held, or being taken: a signal must not end the process before it is released.
static ARMED: AtomicBool = AtomicBool::new(false);
/// Signals received while armed.
static SIGNALS: AtomicU32 = AtomicU32::new(0);
static STOP: OnceLock<watch::Sender<Option<Reason>>> = OnceLock::new();

fn stop() -> &'static watch::Sender<Option<Reason>> {
    STOP.get_or_init(|| watch::channel(None).0)
}

/// Record `reason` unless another came first; true if it was the first.
fn record(reason: Reason) -> bool {
    stop().send_if_modified(|current| {
        let first = current.is_none();
        if first {
            *current = Some(reason);
        }
        first
    })
}

/// Handle SIGINT and SIGTERM from now on. Call once, inside the runtime.
pub fn install() {
    listen(
        tokio::signal::unix::SignalKind::interrupt(),
        Reason::Interrupt,
    );
    listen(
        tokio::signal::unix::SignalKind::terminate(),
        Reason::Terminate,
    );
}

fn listen(kind: tokio::signal::unix::SignalKind, reason: Reason) {
    match tokio::signal::unix::signal(kind) {
        Ok(mut signals) => {
            tokio::spawn(async move {
                while signals.recv().await.is_some() {
                    on_signal(reason).await;
                }
            });
        }
        // Without a handler the signal keeps its default action: dtr ends at once, as before.
        Err(e) => crate::errln!("warning: cannot handle {reason}: {e}"),
    }
}

async fn on_signal(reason: Reason) {
    if !ARMED.load(Ordering::SeqCst) {
        end_by(reason);
    }
    if SIGNALS.fetch_add(1, Ordering::SeqCst) > 0 {
        // Exit now, but not with the lock held (a CI runner sends SIGINT, then SIGTERM seconds
        // later): one conditional delete on our lock id, a few seconds at most. What was in flight
        // is not recorded; the next plan finds it again by name, tags or parent, as after a crash.
        let release = RELEASE.lock().ok().and_then(|mut r| r.take());
        let released = match release {
            Some(release) => tokio::time::timeout(Duration::from_secs(5), release())
                .await
                .unwrap_or(false),
            None => false,
        };
        if released {
            crate::errln!(
                "{reason} again: exiting now; the state lock was released, and what was in flight is not recorded (the next plan finds it again)"
            );
        } else {
            crate::errln!(
                "{reason} again: exiting now; the state lock stays held until its lease ends"
            );
        }
        std::process::exit(reason.exit_code().into());
    }
    record(reason);
    crate::errln!(
        "{reason}: stopping. Actions in flight finish and are recorded, no new ones start, then the \
         state lock is released (signal again to exit at once)"
    );
}

/// Releases the held lock; true if it did.
pub type Release = Box<dyn Fn() -> BoxFuture<bool> + Send + Sync>;
pub type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// How to release the lock if a second signal ends dtr at once.
static RELEASE: Mutex<Option<Release>> = Mutex::new(None);

/// The lock is held: a second signal releases it this way before exiting.
pub fn release_on_exit(release: Release) {
    if let Ok(mut r) = RELEASE.lock() {
        *r = Some(release);
    }
}

/// The state lock is about to be taken: from now on a signal stops the command instead of ending dtr.
pub fn arm() {
    ARMED.store(true, Ordering::SeqCst);
}

/// The state lock is released: a signal ends dtr at once again.
pub fn disarm() {
    ARMED.store(false, Ordering::SeqCst);
    if let Ok(mut r) = RELEASE.lock() {
        *r = None;
    }
}

/// Why the command must stop, if it must.
pub fn received() -> Option<Reason> {
    *stop().borrow()
}

/// Standard output was found closed. While the lock is held this stops the command (true: go on to
/// release it, and end by SIGPIPE afterwards); otherwise false: end now.
pub fn stdout_closed() -> bool {
    if ARMED.load(Ordering::SeqCst) {
        if record(Reason::ClosedStdout) {
            crate::errln!(
                "{}: stopping; finished work is recorded and the state lock released first",
                Reason::ClosedStdout
            );
        }
        true
    } else {
        false
    }
}

/// Whether standard output was found closed while the lock was held (nothing more is written to it).
pub fn is_stdout_closed() -> bool {
    received() == Some(Reason::ClosedStdout)
}

/// Run `work` unless the command is told to stop first; `Err` with the reason if it was. Only for work
/// that is safe to abandon midway: reads, waiting for an answer.
pub async fn or_stop<T>(work: impl std::future::Future<Output = T>) -> Result<T, Reason> {
    let mut stop = stop().subscribe();
    tokio::select! {
        biased;
        reason = stop.wait_for(Option::is_some) => match reason {
            Ok(reason) => Err((*reason).unwrap_or(Reason::Interrupt)),
            // The sender is a static: it is never dropped.
            Err(_) => Err(Reason::Interrupt),
        },
        done = work => Ok(done),
    }
}

/// End the process as `reason`'s signal does by default (SIGPIPE: as a closed pipe ends a Unix tool).
pub fn end_by(reason: Reason) -> ! {
    // SAFETY: restoring a signal's default action and raising it; nothing runs after.
    unsafe {
        libc::signal(reason.signal(), libc::SIG_DFL);
        libc::raise(reason.signal());
    }
    std::process::exit(reason.exit_code().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell_convention() {
        assert_eq!(Reason::Interrupt.exit_code(), 130);
        assert_eq!(Reason::Terminate.exit_code(), 143);
        assert_eq!(Reason::ClosedStdout.exit_code(), 141);
    }
}
