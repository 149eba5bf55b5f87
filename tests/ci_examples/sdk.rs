//! The AWS operations dtr's code can call, read from the code: every `.operation_name(` in a
//! service's provider folder (and the lock's in src/state) that is an operation of that service's SDK
//! crate (its `src/operation/` entries, found through `cargo metadata`).

use super::tools::ROOT;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Source folder, SDK crate, and the service's name as `--stats` prints it.
const SERVICES: [(&str, &str, &str); 11] = [
    (
        "src/provider/apigateway",
        "aws-sdk-apigatewayv2",
        "ApiGatewayV2",
    ),
    (
        "src/provider/cloudwatch",
        "aws-sdk-cloudwatch",
        "CloudWatch",
    ),
    ("src/provider/dynamodb", "aws-sdk-dynamodb", "DynamoDB"),
    ("src/provider/iam", "aws-sdk-iam", "IAM"),
    ("src/provider/lambda", "aws-sdk-lambda", "Lambda"),
    (
        "src/provider/logs",
        "aws-sdk-cloudwatchlogs",
        "CloudWatch Logs",
    ),
    ("src/provider/s3", "aws-sdk-s3", "S3"),
    ("src/provider/scheduler", "aws-sdk-scheduler", "Scheduler"),
    ("src/provider/sns", "aws-sdk-sns", "SNS"),
    ("src/state", "aws-sdk-dynamodb", "DynamoDB"),
    (
        "src/provider/tag_index.rs",
        "aws-sdk-resourcegroupstagging",
        "Resource Groups Tagging API",
    ),
];

/// Where each SDK crate's sources are (the versions Cargo.lock names).
fn crate_dirs() -> Vec<(String, PathBuf)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Only this platform's dependencies: a build downloads no others, and offline metadata of all
    // platforms would ask for them.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names the host");
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .arg("--manifest-path")
        .arg(Path::new(ROOT).join("Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str()?);
            Some((
                p["name"].as_str()?.to_string(),
                manifest.parent()?.to_path_buf(),
            ))
        })
        .collect()
}

/// An SDK crate's operations, snake_case (`get_function`).
fn operations(dirs: &[(String, PathBuf)], krate: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, dir) in dirs.iter().filter(|(name, _)| name == krate) {
        for entry in std::fs::read_dir(dir.join("src/operation")).expect("the crate's operations") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            out.insert(name.trim_end_matches(".rs").to_string());
        }
    }
    assert!(!out.is_empty(), "no operations found for {krate}");
    out
}

/// Every `.name(` in the Rust files under `dir`.
fn method_calls(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read a source folder") {
                stack.push(entry.expect("entry").path());
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read a source file");
        for piece in text.split('.').skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.is_empty() && piece[name.len()..].starts_with('(') {
                out.insert(name);
            }
        }
    }
    out
}

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `(service, Operation)` for every operation the code names.
pub fn called_operations() -> BTreeSet<(String, String)> {
    let dirs = crate_dirs();
    let mut out = BTreeSet::new();
    for (folder, krate, service) in SERVICES {
        let ops = operations(&dirs, krate);
        for name in method_calls(&Path::new(ROOT).join(folder)) {
            if ops.contains(&name) {
                out.insert((service.to_string(), camel(&name)));
            }
        }
    }
    out
}
