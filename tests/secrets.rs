//! Sensitive values are masked by where they flow: on both sides of a change, for every type, in the
//! human, Markdown and JSON plans, in apply's output and in the outputs; and nowhere else.

mod common;

use common::{apply_dev, bootstrapped, dtr_run, Moto, Project};

const OLD_HASH: &str = "ed5a18fb8f807f996d649e379d3f35f39c543a91bdbf88c492f2ebd10d4df86c";
const NEW_HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const ORIGIN: &str = "http://localhost:3000";

/// The three renderings of `dtr plan`, each as one text.
fn plans(moto: &Moto, project: &Project) -> [(&'static str, String); 3] {
    let human = dtr_run(moto, project, &["plan", "--env", "local"]).expect_code(0);
    let md = dtr_run(
        moto,
        project,
        &["plan", "--env", "local", "--format", "markdown"],
    )
    .expect_code(0);
    let json = dtr_run(moto, project, &["plan", "--env", "local", "--json"]).expect_code(0);
    [
        ("human", human.stdout + &human.stderr),
        ("markdown", md.stdout + &md.stderr),
        ("json", json.stdout),
    ]
}

fn assert_hidden(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{what} shows the sensitive value {secret}:\n{text}"
        );
    }
}

fn change<'a>(plan: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    plan["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == address))
        .unwrap_or_else(|| panic!("no change for {address} in {plan}"))
}

fn json_plan(moto: &Moto, project: &Project) -> serde_json::Value {
    let run = dtr_run(moto, project, &["plan", "--env", "local", "--json"]).expect_code(0);
    serde_json::from_str(&run.stdout).expect("the JSON plan")
}

async fn authorizer_key(moto: &Moto) -> Option<String> {
    let config = moto
        .clients()
        .await
        .lambda
        .get_function_configuration()
        .function_name("dtr-local-authorizer")
        .send()
        .await
        .expect("the authorizer exists");
    config
        .environment()
        .and_then(|e| e.variables())
        .and_then(|v| v.get("API_KEY_SHA256"))
        .cloned()
}

/// Rotating the API key hash (a `sensitive` parameter flowing into the authorizer's environment)
/// shows neither the old value nor the new one, in any plan or in apply's output; the saved plan
/// still holds the value it applies.
#[tokio::test(flavor = "multi_thread")]
async fn rotating_a_sensitive_value_shows_neither_the_old_nor_the_new_value() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    apply_dev(&moto, &project);
    assert_eq!(authorizer_key(&moto).await.as_deref(), Some(OLD_HASH));

    project.edit("environments/local.yaml", OLD_HASH, NEW_HASH);
    for (what, text) in plans(&moto, &project) {
        assert_hidden(what, &text, &[OLD_HASH, NEW_HASH]);
        assert!(text.contains("(sensitive)"), "{what}:\n{text}");
    }
    let plan = json_plan(&moto, &project);
    let authorizer = change(&plan, "module.authorizer.lambda_function.function");
    assert_eq!(authorizer["action"], "update");
    assert_eq!(
        authorizer["sensitive"],
        serde_json::json!(["environment.API_KEY_SHA256"])
    );
    let attribute = &authorizer["attributes"][0];
    assert_eq!(attribute["path"], "environment.API_KEY_SHA256");
    assert_eq!(attribute["before"], "(sensitive)");
    assert_eq!(attribute["after"], "(sensitive)");

    let file = project.path("rotate.plan");
    let saved = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--out", file.to_str().unwrap()],
    )
    .expect_code(0);
    assert_hidden(
        "plan --out",
        &(saved.stdout + &saved.stderr),
        &[OLD_HASH, NEW_HASH],
    );
    assert!(
        project.read("rotate.plan").contains(NEW_HASH),
        "the saved plan holds the value it applies"
    );
    let applied = dtr_run(
        &moto,
        &project,
        &["apply", file.to_str().unwrap(), "--env", "local"],
    )
    .expect_code(0);
    assert_hidden(
        "apply",
        &(applied.stdout + &applied.stderr),
        &[OLD_HASH, NEW_HASH],
    );
    assert_eq!(authorizer_key(&moto).await.as_deref(), Some(NEW_HASH));
}

/// A `sensitive` list is masked whole wherever it flows, and an output derived from a sensitive
/// value is shown masked; both are applied for real.
#[tokio::test(flavor = "multi_thread")]
async fn a_sensitive_list_and_a_sensitive_output_are_masked() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let stack = "stacks/dynamic-tool-runtime/stack.yaml";
    project.edit(
        stack,
        "  cors_allow_origins: {type: list, ",
        "  cors_allow_origins: {type: list, sensitive: true, ",
    );
    project.edit(
        stack,
        "outputs:\n",
        "outputs:\n  authorizer_key: key-${param.api_key_sha256}\n",
    );
    for (what, text) in plans(&moto, &project) {
        assert_hidden(what, &text, &[ORIGIN, OLD_HASH]);
    }
    let plan = json_plan(&moto, &project);
    let api = change(&plan, "module.api.http_api.api");
    assert_eq!(api["sensitive"], serde_json::json!(["cors.allow_origins"]));
    assert_eq!(api["desired"]["cors"]["allow_origins"], "(sensitive)");
    assert_eq!(api["desired"]["cors"]["max_age_seconds"], 300, "{api}");

    let applied = apply_dev(&moto, &project);
    let all = applied.stdout.clone() + &applied.stderr;
    assert_hidden("apply", &all, &[ORIGIN, OLD_HASH]);
    assert!(
        applied
            .stdout
            .lines()
            .any(|l| l.starts_with("authorizer_key") && l.ends_with("= (sensitive)")),
        "{}",
        applied.stdout
    );
    let output = dtr_run(&moto, &project, &["output", "--env", "local"]).expect_code(0);
    assert_hidden("output", &output.stdout, &[OLD_HASH]);
    assert!(output.stdout.contains("(sensitive)"), "{}", output.stdout);

    let c = moto.clients().await;
    let apis = c.apigateway.get_apis().send().await.expect("APIs");
    let origins: Vec<String> = apis
        .items()
        .iter()
        .find(|a| a.name() == Some("dtr-local-tools-api"))
        .and_then(|a| a.cors_configuration())
        .map(|cors| cors.allow_origins().to_vec())
        .unwrap_or_default();
    assert_eq!(
        origins,
        vec![ORIGIN.to_string()],
        "the real list was applied"
    );
}

/// Adds a `sensitive` parameter `deploy_token` with the value `local` (ordinary text: the environment's
/// name, in every resource name, tag and ARN), flowing into the monitoring function's environment.
fn with_dev_token(project: &Project) {
    let stack = "stacks/dynamic-tool-runtime/stack.yaml";
    project.edit(
        stack,
        "  api_key_sha256:\n",
        "  deploy_token:\n    type: string\n    sensitive: true\n  api_key_sha256:\n",
    );
    project.edit(
        "environments/local.yaml",
        "  name_prefix: dtr-local\n",
        "  name_prefix: dtr-local\n  deploy_token: local\n",
    );
    project.edit(
        stack,
        "        METRIC_NAMESPACE: DynamicToolRuntime\n",
        "        METRIC_NAMESPACE: DynamicToolRuntime\n        DEPLOY_TOKEN: ${param.deploy_token}\n",
    );
}

/// A sensitive value that is also ordinary text (`local`) is masked only where it flows: names, tags
/// and ARNs holding the same text are shown.
#[tokio::test(flavor = "multi_thread")]
async fn a_sensitive_value_masks_only_where_it_flows() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    with_dev_token(&project);
    let plan = json_plan(&moto, &project);
    let monitoring = change(&plan, "module.monitoring.lambda_function.function");
    assert_eq!(
        monitoring["desired"]["environment"]["DEPLOY_TOKEN"],
        "(sensitive)"
    );
    assert_eq!(monitoring["desired"]["name"], "dtr-local-monitoring");
    let table = change(&plan, "dynamodb_table.tools_table");
    assert_eq!(table["desired"]["name"], "dtr-local-tools");
    assert_eq!(table["desired"]["tags"]["environment"], "local");
    assert_eq!(table["desired"]["tags"]["dtr:env"], "local");

    let applied = apply_dev(&moto, &project);
    let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/dtr-local-tools";
    assert!(
        applied.stdout.contains(arn),
        "outputs not derived from the sensitive value are shown:\n{}",
        applied.stdout
    );
    let plan = json_plan(&moto, &project);
    assert_eq!(
        change(&plan, "dynamodb_table.tools_table")["outputs"]["arn"],
        arn
    );
    let human = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(0);
    assert!(human.stdout.starts_with("No changes."), "{}", human.stdout);
}

/// `secret-in-environment` excuses a value only where a sensitive parameter flows, never because its
/// text holds a sensitive value.
#[tokio::test(flavor = "multi_thread")]
async fn a_plain_secret_holding_a_sensitive_value_is_still_refused() {
    let moto = Moto::start();
    let project = Project::copy();
    with_dev_token(&project);
    dtr_run(&moto, &project, &["validate", "--env", "local"]).expect_code(0);
    project.edit(
        "stacks/dynamic-tool-runtime/stack.yaml",
        "        DEPLOY_TOKEN: ${param.deploy_token}\n",
        "        DEPLOY_TOKEN: ${param.deploy_token}\n        DB_PASSWORD: local-in-plain-text\n",
    );
    let refused = dtr_run(&moto, &project, &["validate", "--env", "local"]).expect_code(1);
    // Located at the value given in the monitoring module instance's parameters.
    let line = project
        .read("stacks/dynamic-tool-runtime/stack.yaml")
        .lines()
        .position(|l| l.contains("DB_PASSWORD: local-in-plain-text"))
        .expect("the edit is in the stack")
        + 1;
    assert!(
        refused.stderr.contains(&format!(
            "stack.yaml:{line}:22: resources.function.properties.environment.DB_PASSWORD"
        )) && refused.stderr.contains("secret-in-environment"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("DEPLOY_TOKEN"),
        "{}",
        refused.stderr
    );
}
