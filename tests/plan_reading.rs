//! Reading a plan: a JSON document (an IAM policy) diffs structurally, one added action one `+` line
//! inside its statement; and a change made outside dtr (drift) is labelled apart from a change of
//! configuration, in the human, Markdown and JSON plans.

mod common;

use common::{dtr_run, Moto};
use serde_json::Value;

const GROUP: &str = "/aws/lambda/dtr-local-tool-manager";
const LOG_GROUP: &str = "module.tool_manager.log_group.logs";
const ROLE: &str = "module.tool_manager.iam_role.role";

fn attribute<'a>(plan: &'a Value, address: &str, path: &str) -> &'a Value {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .and_then(|c| {
            c["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["path"].as_str().unwrap().starts_with(path))
        })
        .unwrap_or_else(|| panic!("no {address} {path} in {plan:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_is_told_apart_and_a_policy_diff_is_one_line_per_action() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;
    let state = common::local_state(&c).await;
    assert_eq!(state["format_version"], 3, "digests need format 3");
    let digests = &state["resources"][LOG_GROUP]["applied"];
    assert!(digests["retention_days"].is_string(), "{state:#}");

    // Outside dtr: someone raises the retention by hand.
    c.logs
        .put_retention_policy()
        .log_group_name(GROUP)
        .retention_in_days(30)
        .send()
        .await
        .unwrap();
    // In the configuration: one more action in the Tool Manager's table statement.
    project.edit(
        "stacks/dynamic-tool-runtime/stack.yaml",
        "Action: [dynamodb:PutItem, dynamodb:GetItem, dynamodb:DeleteItem, dynamodb:Query]",
        "Action: [dynamodb:PutItem, dynamodb:GetItem, dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:Query]",
    );

    let plan = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(0);
    let text = &plan.stdout;
    assert!(
        text.contains(&format!(
            "Changed outside dtr since dtr last applied them (marked `# changed outside dtr`; the apply puts them back):\n    {LOG_GROUP}\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("~ retention_days: 30 → 7  # changed outside dtr"),
        "{text}"
    );
    let added: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("dynamodb:UpdateItem"))
        .collect();
    assert_eq!(added.len(), 1, "{text}");
    assert!(
        added[0]
            .trim_start()
            .starts_with("+ \"dynamodb:UpdateItem\""),
        "{text}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.contains("dynamodb:PutItem") && l.contains('→')),
        "the statement is not printed whole before → after: {text}"
    );
    assert!(
        text.lines()
            .any(|l| l.trim_start() == "\"dynamodb:PutItem\""),
        "unchanged actions stay as context: {text}"
    );
    let policy_lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains(ROLE))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(
        !policy_lines
            .iter()
            .any(|l| l.contains("changed outside dtr")),
        "a change of configuration is not drift: {policy_lines:#?}"
    );

    let json = dtr_run(&moto, &project, &["plan", "--env", "local", "--json"]).expect_code(0);
    let json: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(attribute(&json, LOG_GROUP, "retention_days")["drift"], true);
    assert!(attribute(&json, ROLE, "inline_policies")
        .get("drift")
        .is_none());

    let md = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--format", "markdown"],
    )
    .expect_code(0);
    assert!(
        md.stdout.contains(&format!(
            "| `~` | `{LOG_GROUP}` | update in place | changed outside dtr (drift) |"
        )),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .lines()
            .any(|l| l.starts_with('+') && l[1..].trim() == "\"dynamodb:UpdateItem\""),
        "an added action is a `+` line of the diff block: {}",
        md.stdout
    );

    // Applied, both are what was applied: nothing is drift any more, and nothing is left to do.
    common::apply_dev(&moto, &project);
    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
    .expect_code(0);
    c.logs
        .put_retention_policy()
        .log_group_name(GROUP)
        .retention_in_days(14)
        .send()
        .await
        .unwrap();
    let plan = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(0);
    assert!(
        plan.stdout
            .contains("~ retention_days: 14 → 7  # changed outside dtr"),
        "{}",
        plan.stdout
    );
}
