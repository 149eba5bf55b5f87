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

const TABLE: &str = "dtr-local-tools";
const BUCKET: &str = "dtr-local-artifacts-123456789012";

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

struct Api<'a> {
    ministack: &'a MiniStack,
    endpoint: String,
}

impl Api<'_> {
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
}

async fn item_agent(ministack: &MiniStack, tool_id: &str) -> Option<String> {
    let c = ministack.clients().await;
    let item = c
        .dynamodb
        .get_item()
        .table_name(TABLE)
        .key(
            "tool_id",
            aws_sdk_dynamodb::types::AttributeValue::S(tool_id.into()),
        )
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem on the tools table");
    item.item()
        .and_then(|i| i.get("agent_id"))
        .and_then(|v| v.as_s().ok())
        .cloned()
}

async fn code_exists(ministack: &MiniStack, code_hash: &str) -> bool {
    let c = ministack.clients().await;
    match c
        .s3
        .head_object()
        .bucket(BUCKET)
        .key(format!("code/{code_hash}"))
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => false,
        Err(e) => panic!("HeadObject on the artifacts bucket: {e:?}"),
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
    ministack
        .dtr(&project, &["bootstrap", "--env", "local"])
        .expect_code(0);
    ministack
        .dtr(&project, &["apply", "--env", "local", "--auto-approve"])
        .expect_code(0);
    let out = ministack
        .dtr(&project, &["output", "--env", "local", "--json"])
        .expect_code(0);
    let outputs: Value = serde_json::from_str(&out.stdout).expect("outputs as JSON");
    let endpoint = outputs["api_endpoint"]
        .as_str()
        .unwrap_or_else(|| panic!("no api_endpoint in {outputs}"))
        .to_string();
    let api = Api {
        ministack: &ministack,
        endpoint,
    };

    // A registers; the item is A's whatever the body says, and its code is in the bucket.
    let code = "def run(a, b):\n    return a + b\n";
    let (status, tool) = api.call(
        "POST",
        "/tools",
        Some(&key_a),
        Some(json!({"name": "add", "code": code})),
    );
    assert_eq!(status, 201, "{tool}");
    assert_eq!(tool["agent_id"], "agent-a");
    let id = tool["tool_id"].as_str().expect("tool_id").to_string();
    assert_eq!(tool["code_hash"], sha256_hex(code));
    assert_eq!(
        item_agent(&ministack, &id).await.as_deref(),
        Some("agent-a")
    );
    assert!(code_exists(&ministack, &sha256_hex(code)).await);
    let (status, _) = api.call(
        "POST",
        "/tools",
        Some(&key_b),
        Some(json!({"agent_id": "agent-a", "name": "spoof", "code": "x"})),
    );
    assert_eq!(status, 403, "B cannot register as A");

    // A lists and gets it; B sees none of it.
    let (status, list) = api.call("GET", "/tools", Some(&key_a), None);
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["tool_id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let (status, got) = api.call("GET", &format!("/tools/{id}"), Some(&key_a), None);
    assert_eq!((status, got["name"].as_str()), (200, Some("add")));
    let (status, list) = api.call("GET", "/tools", Some(&key_b), None);
    assert_eq!((status, list["tools"].clone()), (200, json!([])));

    // B can neither read nor delete A's tool: 404, as for a tool that does not exist.
    let missing = api.call("GET", "/tools/no-such-tool", Some(&key_b), None);
    assert_eq!(missing.0, 404);
    for method in ["GET", "DELETE"] {
        let answer = api.call(method, &format!("/tools/{id}"), Some(&key_b), None);
        assert_eq!(answer, missing, "{method} of A's tool by B");
    }
    assert_eq!(
        item_agent(&ministack, &id).await.as_deref(),
        Some("agent-a")
    );

    // A wrong key and no key are refused before the Tool Manager runs.
    for key in [Some("not-a-key"), None] {
        let (status, body) = api.call("GET", "/tools", key, None);
        assert!(status == 401 || status == 403, "{key:?}: {status} {body}");
        assert!(body.get("tools").is_none(), "{body}");
    }

    // A deletes it: the item and its code (no other tool uses it) are gone.
    let (status, body) = api.call("DELETE", &format!("/tools/{id}"), Some(&key_a), None);
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        api.call("GET", &format!("/tools/{id}"), Some(&key_a), None)
            .0,
        404
    );
    assert_eq!(item_agent(&ministack, &id).await, None);
    assert!(!code_exists(&ministack, &sha256_hex(code)).await);
}
