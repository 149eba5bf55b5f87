//! What the account holds, against what the local state records: the check that nothing was orphaned
//! or duplicated, for tests that disturb an apply (crashes, lost answers).

use super::{local_state, Moto, LOCAL_STATE_BUCKET as STATE_BUCKET};
use std::collections::BTreeSet;

const LOCK_TABLE: &str = "dtr-locks";

/// Every resource in the account (the backend aside) is recorded in the state, and the state records
/// each once: the account was empty before this apply, so anything else is an orphan or a duplicate.
pub async fn nothing_orphaned_or_duplicated(moto: &Moto, label: &str) {
    let c = moto.clients().await;
    let state = local_state(&c).await;
    let resources = state["resources"].as_object().expect("resources");
    let ids = |kind: &str| -> BTreeSet<String> {
        resources
            .iter()
            .filter(|(address, _)| {
                address
                    .parse::<dtr::model::ResourceAddress>()
                    .is_ok_and(|a| a.kind.as_str() == kind)
            })
            .map(|(_, r)| r["physical_id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut live: Vec<(&str, BTreeSet<String>)> = Vec::new();

    let tables = c.dynamodb.list_tables().send().await.unwrap();
    live.push((
        "dynamodb_table",
        tables
            .table_names()
            .iter()
            .filter(|t| *t != LOCK_TABLE)
            .cloned()
            .collect(),
    ));
    let buckets = c.s3.list_buckets().send().await.unwrap();
    live.push((
        "s3_bucket",
        buckets
            .buckets()
            .iter()
            .filter_map(|b| b.name.clone())
            .filter(|b| b != STATE_BUCKET)
            .collect(),
    ));
    let roles = c.iam.list_roles().send().await.unwrap();
    live.push((
        "iam_role",
        roles.roles().iter().map(|r| r.role_name.clone()).collect(),
    ));
    let functions = c.lambda.list_functions().send().await.unwrap();
    live.push((
        "lambda_function",
        functions
            .functions()
            .iter()
            .filter_map(|f| f.function_name.clone())
            .collect(),
    ));
    // A function's permissions are the statements of its resource policy: `<function>/<sid>`.
    let mut permissions = BTreeSet::new();
    for function in &live.last().expect("functions listed").1 {
        let policy = c.lambda.get_policy().function_name(function).send().await;
        let Ok(policy) = policy else { continue };
        let doc: serde_json::Value =
            serde_json::from_str(policy.policy().unwrap_or("{}")).expect("policy JSON");
        for statement in doc["Statement"].as_array().into_iter().flatten() {
            let sid = statement["Sid"].as_str().expect("statement id");
            permissions.insert(format!("{function}/{sid}"));
        }
    }
    live.push(("lambda_permission", permissions));
    let groups = c.logs.describe_log_groups().send().await.unwrap();
    live.push((
        "log_group",
        groups
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name.clone())
            .collect(),
    ));
    let alarms = c.cloudwatch.describe_alarms().send().await.unwrap();
    live.push((
        "metric_alarm",
        alarms
            .metric_alarms()
            .iter()
            .filter_map(|a| a.alarm_name.clone())
            .collect(),
    ));
    let dashboards = c.cloudwatch.list_dashboards().send().await.unwrap();
    live.push((
        "dashboard",
        dashboards
            .dashboard_entries()
            .iter()
            .filter_map(|d| d.dashboard_name.clone())
            .collect(),
    ));
    let apis = c.apigateway.get_apis().send().await.unwrap();
    let api_ids: BTreeSet<String> = apis
        .items()
        .iter()
        .filter_map(|a| a.api_id.clone())
        .collect();
    let (mut routes, mut integrations, mut authorizers, mut stages) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    for api in &api_ids {
        let gw = &c.apigateway;
        let r = gw.get_routes().api_id(api).send().await.unwrap();
        routes.extend(
            r.items()
                .iter()
                .map(|x| format!("{api}/{}", x.route_id.clone().unwrap())),
        );
        let i = gw.get_integrations().api_id(api).send().await.unwrap();
        integrations.extend(
            i.items()
                .iter()
                .map(|x| format!("{api}/{}", x.integration_id.clone().unwrap())),
        );
        let a = gw.get_authorizers().api_id(api).send().await.unwrap();
        authorizers.extend(
            a.items()
                .iter()
                .map(|x| format!("{api}/{}", x.authorizer_id.clone().unwrap())),
        );
        let s = gw.get_stages().api_id(api).send().await.unwrap();
        stages.extend(
            s.items()
                .iter()
                .map(|x| format!("{api}/{}", x.stage_name.clone().unwrap())),
        );
    }
    live.push(("http_api", api_ids));
    live.push(("api_route", routes));
    live.push(("api_integration", integrations));
    live.push(("api_authorizer", authorizers));
    live.push(("api_stage", stages));

    let topics = c.sns.list_topics().send().await.unwrap();
    let topic_arns: Vec<String> = topics
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn.clone())
        .collect();
    live.push((
        "sns_topic",
        topic_arns
            .iter()
            .filter_map(|arn| arn.rsplit(':').next().map(str::to_string))
            .collect(),
    ));
    let subscriptions = c.sns.list_subscriptions().send().await.unwrap();
    live.push((
        "sns_subscription",
        subscriptions
            .subscriptions()
            .iter()
            .filter_map(|s| s.subscription_arn.clone())
            .filter(|arn| arn.starts_with("arn:"))
            .collect(),
    ));
    // Every account has the `default` schedule group, which nothing declares.
    let groups = c.scheduler.list_schedule_groups().send().await.unwrap();
    live.push((
        "schedule_group",
        groups
            .schedule_groups()
            .iter()
            .filter_map(|g| g.name.clone())
            .filter(|g| g != "default")
            .collect(),
    ));
    let schedules = c.scheduler.list_schedules().send().await.unwrap();
    live.push((
        "schedule",
        schedules
            .schedules()
            .iter()
            .map(|s| {
                let group = s.group_name.as_deref().unwrap_or("default");
                format!("{group}/{}", s.name.as_deref().unwrap_or_default())
            })
            .collect(),
    ));
    // Every kind dtr manages is listed here: a kind added to dtr fails this until it is.
    let listed: BTreeSet<&str> = live.iter().map(|(kind, _)| *kind).collect();
    let kinds: BTreeSet<&str> = dtr::model::ResourceKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        listed, kinds,
        "the inventory lists every kind of resource dtr manages"
    );
    for (kind, found) in live {
        let recorded = ids(kind);
        assert_eq!(
            found, recorded,
            "{label}: live {kind} resources (left) differ from the state's (right): orphans or duplicates"
        );
    }
    assert!(
        resources.values().all(|r| r.get("pending").is_none()),
        "{label}: a creation intent was left in the state"
    );
}
