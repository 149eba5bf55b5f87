//! What Cargo.lock may not hold (issue 14): the AWS SDK's legacy HTTPS stack (hyper 0.14, rustls
//! 0.21, h2 0.3 and their glue), crates deprecated upstream, and a second major version of a crate
//! dtr uses itself where the SDK already brings one. Offline: it reads the lock file only.

use std::collections::BTreeMap;

/// Every (name, version) in Cargo.lock.
fn locked() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .expect("Cargo.lock");
    let mut out = Vec::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("version = ") {
            if let Some(n) = name.take() {
                out.push((n, v.trim_matches('"').to_string()));
            }
        }
    }
    assert!(out.iter().any(|(n, _)| n == "dtr"), "read Cargo.lock");
    out
}

/// `major.minor` as numbers (0.x crates break at the minor).
fn major_minor(version: &str) -> (u64, u64) {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn the_legacy_https_stack_of_the_aws_sdk_stays_out() {
    // (crate, the first version of the current stack)
    let current = [
        ("hyper", (1, 0)),
        ("h2", (0, 4)),
        ("rustls", (0, 23)),
        ("hyper-rustls", (0, 27)),
        ("tokio-rustls", (0, 26)),
    ];
    let old: Vec<String> = locked()
        .into_iter()
        .filter(|(n, v)| {
            current
                .iter()
                .any(|(c, first)| c == n && major_minor(v) < *first)
        })
        .map(|(n, v)| format!("{n} {v}"))
        .collect();
    assert!(
        old.is_empty(),
        "the legacy HTTPS stack came back (an aws-sdk-* or aws-config with its default features?): {old:?}"
    );
}

#[test]
fn no_deprecated_crate_and_no_second_major_of_what_dtr_uses_itself() {
    let locked = locked();
    for deprecated in ["serde_yaml", "atty", "ansi_term", "tempdir", "failure"] {
        assert!(
            !locked.iter().any(|(n, _)| n == deprecated),
            "{deprecated} is deprecated upstream"
        );
    }
    let mut versions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (n, v) in &locked {
        versions.entry(n.as_str()).or_default().push(v.as_str());
    }
    // (http 0.2 and http-body 0.4 stay: even the current aws-sdk-cloudwatch turns on aws-smithy-types'
    // `http-body-0-4-x` feature, which brings them. dtr uses neither.)
    for own in ["base64", "sha2", "indicatif", "zip"] {
        let seen = versions.get(own).cloned().unwrap_or_default();
        assert!(seen.len() <= 1, "{own}: {seen:?}");
    }
}
