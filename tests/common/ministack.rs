//! MiniStack (PyPI `ministack`, an independent AWS emulator) on loopback over HTTPS, for the tests that
//! need what moto cannot do here: run the deployed Python functions (without Docker) and serve the HTTP
//! API with its Lambda authorizer. Started by tests/harness/ministack_launcher.py, in its own
//! virtualenv (DTR_MINISTACK_VENV, default `.venv-ministack`), with a CA generated for it.

use super::{Project, Run, ROOT};
use dtr::provider::aws::{AwsOptions, Clients};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The account MiniStack emulates: environments/local.yaml's.
pub const MINISTACK_ACCOUNT: &str = "123456789012";

/// A MiniStack server on loopback, alive as long as this value.
pub struct MiniStack {
    child: Child,
    pub https_url: String,
    pub ca_bundle: PathBuf,
    _certs: tempfile::TempDir,
}

impl MiniStack {
    pub fn start() -> MiniStack {
        let certs = tempfile::tempdir().expect("temp dir for certificates");
        let mut child = Command::new("python3")
            .arg(Path::new(ROOT).join("tests/harness/ministack_launcher.py"))
            .args([
                "--until-stdin-closes",
                "--account",
                MINISTACK_ACCOUNT,
                "--cert-dir",
            ])
            .arg(certs.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 must be on PATH to run the MiniStack launcher");
        let stdout = child.stdout.take().expect("launcher stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the launcher's ready line");
        let info: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!("the MiniStack launcher did not start (said {line:?}): {e}")
        });
        let field = |k: &str| {
            info[k]
                .as_str()
                .unwrap_or_else(|| panic!("launcher gave no {k}"))
                .to_string()
        };
        MiniStack {
            https_url: field("https_url"),
            ca_bundle: PathBuf::from(field("ca_bundle")),
            child,
            _certs: certs,
        }
    }

    /// The server's process id (the launcher execs MiniStack in place).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SDK clients against this server, to check what the API did.
    pub async fn clients(&self) -> Clients {
        super::set_test_credentials();
        Clients::connect(
            &AwsOptions {
                endpoint_url: Some(self.https_url.clone()),
                region: Some("us-east-1".into()),
                profile: None,
                ca_bundle: Some(self.ca_bundle.clone()),
                ..Default::default()
            },
            "us-east-1",
        )
        .await
        .expect("clients")
    }

    /// `dtr <args>` in `project` against this server, with what a user of it would set.
    pub fn dtr(&self, project: &Project, args: &[&str]) -> Run {
        let home = project.dir.path();
        let output = Command::new(env!("CARGO_BIN_EXE_dtr"))
            .args(args)
            .current_dir(home)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("USER", "tester")
            .env("CI", "true")
            .env("AWS_ENDPOINT_URL", &self.https_url)
            .env("AWS_CA_BUNDLE", &self.ca_bundle)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                home.join("no-aws-credentials"),
            )
            .stdin(Stdio::null())
            .output()
            .expect("run dtr");
        Run::of(output)
    }

    /// One HTTPS request to a deployed HTTP API: `endpoint` is its URL as AWS names it
    /// (`https://<id>.execute-api.localhost:<port>`), sent to this server on 127.0.0.1 with that host
    /// name, since `*.localhost` need not resolve here. Answers (status, body).
    pub fn call_api(
        &self,
        endpoint: &str,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> (u16, String) {
        let mut cmd = Command::new("python3");
        cmd.arg(Path::new(ROOT).join("tests/harness/api_request.py"))
            .args([endpoint, method, path])
            .arg(&self.ca_bundle)
            .env_remove("AWS_CA_BUNDLE");
        if let Some(key) = authorization {
            cmd.env("DTR_API_AUTHORIZATION", key);
        }
        if let Some(body) = body {
            cmd.env("DTR_API_BODY", body.to_string());
        }
        let out = cmd.output().expect("python3");
        assert!(
            out.status.success(),
            "api request failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answer: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("api_request.py prints JSON");
        let status = answer["status"].as_u64().expect("status") as u16;
        (
            status,
            answer["body"].as_str().unwrap_or_default().to_string(),
        )
    }
}

impl Drop for MiniStack {
    fn drop(&mut self) {
        // Closing stdin stops the server; the kill is for one that does not.
        drop(self.child.stdin.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
