//! End to end through the deployed HTTP API: dtr bootstraps and applies env `local` onto MiniStack
//! (an AWS emulator that runs the Python functions without Docker and serves HTTP APIs with Lambda
//! authorizers), then agents call the API: API → authorizer → Tool Manager → table and bucket.
//! What the API did is checked in the table and the bucket through the AWS SDK.
//! Needs python3 and, on first run, PyPI (the harness installs tests/harness/requirements-ministack.txt).

mod common;

use common::ministack::MiniStack;
use common::Project;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The project with env `local` accepting exactly these agents' keys (the environment's
/// `api_key_sha256` line replaced; everything else as shipped).
fn project_for(agents: &[(&str, &str)]) -> Project {
    let project = Project::copy();
    let keys: Vec<String> = agents
        .iter()
        .map(|(agent, key)| format!("{agent}={}", sha256_hex(key)))
        .collect();
    let file = "environments/local.yaml";
    let text = project.read(file);
    let mut replaced = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("api_key_sha256:") {
                replaced += 1;
                format!("  api_key_sha256: \"{}\"", keys.join(","))
            } else {
                line.to_string()
            }
        })
        .collect();
    assert_eq!(replaced, 1, "{file} has one api_key_sha256 line:\n{text}");
    project.write(file, &(lines.join("\n") + "\n"));
    project
}

/// Env `local` applied onto MiniStack, its API's endpoint and the names of its table and bucket, as
/// `dtr output` gives them.
struct Deployed<'a> {
    ministack: &'a MiniStack,
    endpoint: String,
    table: String,
    bucket: String,
}

impl<'a> Deployed<'a> {
    fn apply(ministack: &'a MiniStack, project: &Project) -> Deployed<'a> {
        ministack
            .dtr(project, &["bootstrap", "--env", "local"])
            .expect_code(0);
        ministack
            .dtr(project, &["apply", "--env", "local", "--auto-approve"])
            .expect_code(0);
        let out = ministack
            .dtr(project, &["output", "--env", "local", "--json"])
            .expect_code(0);
        let outputs: Value = serde_json::from_str(&out.stdout).expect("outputs as JSON");
        let output = |name: &str| {
            outputs[name]
                .as_str()
                .unwrap_or_else(|| panic!("no output {name} in {outputs}"))
                .to_string()
        };
        Deployed {
            ministack,
            endpoint: output("api_endpoint"),
            table: output("table_name"),
            bucket: output("artifacts_bucket"),
        }
    }

    /// The API's answer (status, JSON body) to `method path` with `Bearer <key>`.
    fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let bearer = key.map(|k| format!("Bearer {k}"));
        let (status, text) = self.ministack.call_api(
            &self.endpoint,
            method,
            path,
            bearer.as_deref(),
            body.as_ref(),
        );
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    /// The tool's item in the table, read through the SDK (consistently; None: no item).
    async fn item(
        &self,
        tool_id: &str,
    ) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let c = self.ministack.clients().await;
        let got = c
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key(
                "tool_id",
                aws_sdk_dynamodb::types::AttributeValue::S(tool_id.into()),
            )
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem on the tools table");
        got.item
    }

    /// The agent of the tool's item (None: no item).
    async fn item_agent(&self, tool_id: &str) -> Option<String> {
        let item = self.item(tool_id).await?;
        item.get("agent_id")?.as_s().ok().cloned()
    }

    /// The number attribute `name` of the tool's item (None: no item or none).
    async fn item_number(&self, tool_id: &str, name: &str) -> Option<u64> {
        let item = self.item(tool_id).await?;
        item.get(name)?.as_n().ok()?.parse().ok()
    }

    /// Whether the code object of `code` is in the bucket, read through the SDK.
    async fn code_stored(&self, code: &str) -> bool {
        let c = self.ministack.clients().await;
        match c
            .s3
            .head_object()
            .bucket(&self.bucket)
            .key(format!("code/{}", sha256_hex(code)))
            .send()
            .await
        {
            Ok(_) => true,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => false,
            Err(e) => panic!("HeadObject on the artifacts bucket: {e:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_register_list_get_and_delete_their_own_tools_through_the_deployed_api() {
    let ministack = MiniStack::start();
    let (key_a, key_b) = (
        format!("a-{}", uuid::Uuid::new_v4()),
        format!("b-{}", uuid::Uuid::new_v4()),
    );
    let project = project_for(&[("agent-a", &key_a), ("agent-b", &key_b)]);
    let api = Deployed::apply(&ministack, &project);
    let (a, b) = (Some(key_a.as_str()), Some(key_b.as_str()));

    // A registers; the item is A's and its code is in the bucket. B cannot register as A.
    let code = "def run(a, b):\n    return a + b\n";
    let (status, tool) = api.call(
        "POST",
        "/tools",
        a,
        Some(json!({"name": "add", "code": code})),
    );
    assert_eq!(status, 201, "{tool}");
    assert_eq!(tool["agent_id"], "agent-a");
    assert_eq!(tool["code_hash"], sha256_hex(code));
    let id = tool["tool_id"].as_str().expect("tool_id").to_string();
    assert_eq!(api.item_agent(&id).await.as_deref(), Some("agent-a"));
    assert!(api.code_stored(code).await);
    // A temporary tool carries the TTL attribute the table declares (the stack passes its name to
    // the Tool Manager), in epoch seconds; a tool without ttl_seconds has none.
    let (status, temp) = api.call(
        "POST",
        "/tools",
        a,
        Some(json!({"name": "temp", "code": "x = 1\n", "ttl_seconds": 3600})),
    );
    assert_eq!(status, 201, "{temp}");
    let temp_id = temp["tool_id"].as_str().expect("tool_id").to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    let expires = api.item_number(&temp_id, "expires_at").await;
    assert!(
        expires.is_some_and(|e| (now + 3500..=now + 3700).contains(&e)),
        "expires_at = {expires:?}, now = {now}"
    );
    assert_eq!(api.item_number(&id, "expires_at").await, None);
    assert_eq!(
        api.call("DELETE", &format!("/tools/{temp_id}"), a, None).0,
        204
    );

    let spoof = json!({"agent_id": "agent-a", "name": "spoof", "code": "x"});
    assert_eq!(api.call("POST", "/tools", b, Some(spoof)).0, 403);

    // A lists and gets it; B's list is empty.
    let (status, list) = api.call("GET", "/tools", a, None);
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["tool_id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let (status, got) = api.call("GET", &format!("/tools/{id}"), a, None);
    assert_eq!((status, got["name"].as_str()), (200, Some("add")));
    let (status, list) = api.call("GET", "/tools", b, None);
    assert_eq!((status, &list["tools"]), (200, &json!([])));

    // B can neither read nor delete A's tool: the answer of a tool that does not exist.
    let missing = api.call("GET", "/tools/no-such-tool", b, None);
    assert_eq!(missing.0, 404);
    for method in ["GET", "DELETE"] {
        let answer = api.call(method, &format!("/tools/{id}"), b, None);
        assert_eq!(answer, missing, "{method} of A's tool by B");
    }
    assert_eq!(api.item_agent(&id).await.as_deref(), Some("agent-a"));

    // A wrong key and no key are refused before the Tool Manager runs.
    for key in [Some("not-a-key"), None] {
        let (status, body) = api.call("GET", "/tools", key, None);
        assert!(status == 401 || status == 403, "{key:?}: {status} {body}");
        assert!(body.get("tools").is_none(), "{body}");
    }

    // B registers the same code: A's delete keeps it for B; B's delete removes it.
    let (status, mine) = api.call(
        "POST",
        "/tools",
        b,
        Some(json!({"name": "plus", "code": code})),
    );
    assert_eq!(status, 201, "{mine}");
    let (status, body) = api.call("DELETE", &format!("/tools/{id}"), a, None);
    assert_eq!(status, 204, "{body}");
    assert_eq!(api.call("GET", &format!("/tools/{id}"), a, None).0, 404);
    assert_eq!(api.item_agent(&id).await, None);
    assert!(api.code_stored(code).await, "B's tool still uses the code");
    let theirs = mine["tool_id"].as_str().expect("tool_id");
    assert_eq!(
        api.call("DELETE", &format!("/tools/{theirs}"), b, None).0,
        204
    );
    assert!(
        !api.code_stored(code).await,
        "no tool uses the code any more"
    );
}

/// The local addresses (hex, as /proc/net/tcp{,6} gives them) of the TCP sockets `pid` listens on.
fn listening_addresses(pid: u32) -> Vec<String> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("the server's open files")
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_string(),
            )
        })
        .collect();
    let mut listening = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for row in text.lines().skip(1) {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // local_address is column 1, the state column 3 (0A: LISTEN), the inode column 9.
            if cols.len() > 9 && cols[3] == "0A" && inodes.iter().any(|i| i == cols[9]) {
                listening.push(cols[1].to_string());
            }
        }
    }
    listening
}

/// MiniStack's own entry point binds 0.0.0.0 (and 443, and an MQTT broker on 8883): the harness
/// serves it on 127.0.0.1 alone.
#[test]
fn ministack_listens_on_loopback_only() {
    let ministack = MiniStack::start();
    // MiniStack opens its other listeners after its HTTP port.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let listening = listening_addresses(ministack.pid());
    assert!(!listening.is_empty(), "no listening socket found");
    for address in &listening {
        let (ip, _port) = address.split_once(':').expect("address:port");
        // /proc writes an IPv4 address as one little-endian word: 127.x.y.z ends in 7F.
        let loopback =
            (ip.len() == 8 && ip.ends_with("7F")) || ip == "00000000000000000000000001000000";
        assert!(loopback, "MiniStack listens on {address}: {listening:?}");
    }
}
