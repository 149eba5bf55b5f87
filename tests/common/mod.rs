//! Test harness: a fresh moto server per test (over HTTPS with a CA generated for it), a private copy of
//! the project's stacks/ and environments/, and the built `dtr` binary pointed at both.
//! Nothing here fakes AWS: results are checked with the AWS SDK against the same server.
#![allow(dead_code)]

pub mod context;
pub mod drift;
pub mod inventory;
pub mod ministack;
pub mod pty;
pub mod snapshot;
pub mod table;

pub use context::*;

use dtr::provider::aws::{AwsOptions, Clients};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A moto server on loopback, alive as long as this value.
pub struct Moto {
    child: Child,
    pub https_url: String,
    pub http_url: String,
    pub ca_bundle: PathBuf,
    _certs: tempfile::TempDir,
}

impl Moto {
    /// Start a server; `account` sets MOTO_ACCOUNT_ID (moto's default is 123456789012).
    pub fn start_for_account(account: Option<&str>) -> Moto {
        let certs = tempfile::tempdir().expect("temp dir for certificates");
        let mut cmd = Command::new("python3");
        cmd.arg(Path::new(ROOT).join("tests/harness/moto_launcher.py"))
            .args([
                "--https-port",
                "0",
                "--http-port",
                "0",
                "--until-stdin-closes",
                "--cert-dir",
            ])
            .arg(certs.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(account) = account {
            cmd.env("MOTO_ACCOUNT_ID", account);
        }
        let mut child = cmd
            .spawn()
            .expect("python3 must be on PATH to run the moto launcher");
        let stdout = child.stdout.take().expect("launcher stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the launcher's ready line");
        let info: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the moto launcher did not start (said {line:?}): {e}"));
        let field = |k: &str| {
            info[k]
                .as_str()
                .unwrap_or_else(|| panic!("launcher gave no {k}"))
                .to_string()
        };
        Moto {
            https_url: field("https_url"),
            http_url: field("http_url"),
            ca_bundle: PathBuf::from(field("ca_bundle")),
            child,
            _certs: certs,
        }
    }

    pub fn start() -> Moto {
        Moto::start_for_account(None)
    }

    /// SDK clients against this server, to check what dtr did.
    pub async fn clients(&self) -> Clients {
        self.clients_at(&self.https_url).await
    }

    pub async fn clients_at(&self, url: &str) -> Clients {
        self.clients_at_in(url, "us-east-1").await
    }

    /// SDK clients for another region of this server.
    pub async fn clients_in(&self, region: &str) -> Clients {
        self.clients_at_in(&self.https_url, region).await
    }

    async fn clients_at_in(&self, url: &str, region: &str) -> Clients {
        set_test_credentials();
        Clients::connect(
            &AwsOptions {
                endpoint_url: Some(url.to_string()),
                region: Some(region.into()),
                profile: None,
                ca_bundle: Some(self.ca_bundle.clone()),
                ..Default::default()
            },
            region,
        )
        .await
        .expect("clients")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The SDK in this test process reads credentials from the environment, like dtr does.
pub fn set_test_credentials() {
    // SAFETY (of intent): every test sets the same values, so concurrent writes agree.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
}

/// A private copy of the project (stacks/ and environments/) that a test may edit.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn copy() -> Project {
        let dir = tempfile::tempdir().expect("temp project dir");
        for sub in ["stacks", "environments"] {
            copy_dir(&Path::new(ROOT).join(sub), &dir.path().join(sub));
        }
        Project { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).expect("read project file")
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write project file");
    }

    /// Replace exactly one occurrence of `from` in a file (panics if absent, so a test cannot silently
    /// edit nothing).
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// `dtr` with the environment a user of the local endpoint would set, run in `project`.
pub fn dtr(moto: &Moto, project: &Project) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dtr"));
    cmd.current_dir(project.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", project.dir.path())
        .env("USER", "tester")
        .env("CI", "true")
        .env("AWS_ENDPOINT_URL", &moto.https_url)
        .env("AWS_CA_BUNDLE", &moto.ca_bundle)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", project.dir.path().join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            project.dir.path().join("no-aws-credentials"),
        )
        .stdin(Stdio::null());
    cmd
}

/// Run and capture; stdout and stderr as strings.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panic with both streams when the exit code is not `code`.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub fn run(cmd: &mut Command) -> Run {
    Run::of(cmd.output().expect("run dtr"))
}

/// `dtr <args>` in `project` against `moto`.
pub fn dtr_run(moto: &Moto, project: &Project, args: &[&str]) -> Run {
    run(dtr(moto, project).args(args))
}

impl Moto {
    /// Replace the harness's fault rules (see tests/harness/moto_launcher.py): each a JSON object with
    /// `match`, and `status`/`code`/`format`, `latency_ms`, `times`.
    pub fn inject_faults(&self, rules: serde_json::Value) {
        let post = "import ssl,sys,urllib.request; \
            request = urllib.request.Request(sys.argv[1] + '/dtr-harness/faults', data=sys.argv[3].encode(), method='POST'); \
            urllib.request.urlopen(request, context=ssl.create_default_context(cafile=sys.argv[2])).read()";
        let status = Command::new("python3")
            .args(["-c", post, &self.https_url])
            .arg(&self.ca_bundle)
            .arg(rules.to_string())
            .status()
            .expect("python3");
        assert!(status.success(), "setting fault rules failed");
    }

    /// The fault rules as they stand, `times` counted down by the requests they caught.
    pub fn fault_rules(&self) -> serde_json::Value {
        let get = "import ssl,sys,urllib.request; \
            print(urllib.request.urlopen(sys.argv[1] + '/dtr-harness/faults', context=ssl.create_default_context(cafile=sys.argv[2])).read().decode())";
        let out = Command::new("python3")
            .args(["-c", get, &self.https_url])
            .arg(&self.ca_bundle)
            .output()
            .expect("python3");
        serde_json::from_slice(&out.stdout).expect("fault rules as JSON")
    }
}
