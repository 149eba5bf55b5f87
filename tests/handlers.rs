//! The three Lambda handlers' Python unit tests, run against a real local endpoint (moto over HTTPS)
//! with the project's pinned virtualenv. Invoking the deployed functions needs Docker, which moto's
//! Lambda uses and this machine lacks; the handlers are tested as code instead.

mod common;

use common::{Moto, ROOT};
use std::process::Command;

#[test]
fn python_handler_unit_tests_pass() {
    let moto = Moto::start();
    // The virtualenv the harness made (DTR_TEST_VENV overrides where, as for the launcher).
    let venv = std::env::var("DTR_TEST_VENV").unwrap_or_else(|_| format!("{ROOT}/.venv"));
    let python = format!("{venv}/bin/python");
    let out = Command::new(&python)
        .args([
            "-m",
            "unittest",
            "discover",
            "-v",
            "-s",
            "stacks/dynamic-tool-runtime/functions/tests",
        ])
        .current_dir(ROOT)
        .env("AWS_ENDPOINT_URL", &moto.https_url)
        .env("AWS_CA_BUNDLE", &moto.ca_bundle)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("the harness's virtualenv python");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python tests failed:\n{stderr}");
    assert!(
        stderr.contains("OK") && !stderr.contains("Ran 0 tests"),
        "{stderr}"
    );
}
