//! Alarms and log groups are read in batches (DescribeAlarms by a hundred names, DescribeLogGroups by
//! pages of a shared prefix) and still show every change made outside dtr; a batch says a resource is
//! absent only when it read every page that could hold it.

mod common;

use common::{deployed, dtr_run, Moto};

const ALARM: &str = "dtr-local-tool-manager-errors";
const GROUP: &str = "/aws/lambda/dtr-local-tool-manager";
const OTHER_GROUP: &str = "/aws/lambda/dtr-local-authorizer";

fn plan_with_stats(moto: &Moto, project: &common::Project, code: i32) -> common::Run {
    dtr_run(
        moto,
        project,
        &[
            "plan",
            "--env",
            "local",
            "--lock=false",
            "--stats",
            "--detailed-exitcode",
        ],
    )
    .expect_code(code)
}

/// An alarm's threshold and tags and a log group's retention and tags, changed through the SDK, are
/// in the next plan, read with one DescribeAlarms for every alarm and one DescribeLogGroups per prefix.
#[tokio::test(flavor = "multi_thread")]
async fn changes_outside_dtr_are_seen_through_the_batched_reads() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_names(ALARM)
        .send()
        .await
        .unwrap();
    let a = &alarms.metric_alarms()[0];
    c.cloudwatch
        .put_metric_alarm()
        .alarm_name(ALARM)
        .set_alarm_description(a.alarm_description.clone())
        .set_namespace(a.namespace.clone())
        .set_metric_name(a.metric_name.clone())
        .set_dimensions(a.dimensions.clone())
        .set_statistic(a.statistic.clone())
        .set_period(a.period)
        .set_evaluation_periods(a.evaluation_periods)
        .set_comparison_operator(a.comparison_operator.clone())
        .set_treat_missing_data(a.treat_missing_data.clone())
        .set_alarm_actions(a.alarm_actions.clone())
        .set_ok_actions(a.ok_actions.clone())
        .threshold(42.0)
        .send()
        .await
        .unwrap();
    c.cloudwatch
        .tag_resource()
        .resource_arn(a.alarm_arn().unwrap())
        .tags(
            aws_sdk_cloudwatch::types::Tag::builder()
                .key("owner")
                .value("someone-else")
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.logs
        .put_retention_policy()
        .log_group_name(GROUP)
        .retention_in_days(1)
        .send()
        .await
        .unwrap();
    let groups = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix(OTHER_GROUP)
        .send()
        .await
        .unwrap();
    let arn = groups.log_groups()[0].arn().unwrap();
    c.logs
        .tag_resource()
        .resource_arn(arn.strip_suffix(":*").unwrap_or(arn))
        .tags("owner", "someone-else")
        .send()
        .await
        .unwrap();

    let plan = plan_with_stats(&moto, &project, 2);
    for seen in [
        "~ module.tool_manager.metric_alarm.alarm[\"errors\"] [dtr-local-tool-manager-errors] will be updated in place\n      - tags.owner = \"someone-else\"  # changed outside dtr\n      ~ threshold: 42.0 → 5.0  # changed outside dtr\n",
        "~ module.tool_manager.log_group.logs [/aws/lambda/dtr-local-tool-manager] will be updated in place\n      ~ retention_days: 1 → 7  # changed outside dtr\n",
        "~ module.authorizer.log_group.logs [/aws/lambda/dtr-local-authorizer] will be updated in place\n      - tags.owner = \"someone-else\"  # changed outside dtr\n",
        "Plan: 0 to add, 3 to change, 0 to replace, 0 to destroy.",
    ] {
        assert!(plan.stdout.contains(seen), "{seen}:\n{}", plan.stdout);
    }
    for calls in [
        "      1  CloudWatch DescribeAlarms\n",
        "      2  CloudWatch Logs DescribeLogGroups\n",
    ] {
        assert!(plan.stderr.contains(calls), "{calls}:\n{}", plan.stderr);
    }
}

/// Groups of another owner under the environment's prefix fill more pages than the batch has names:
/// the batch stops paging and reads its groups alone, so none of them is taken for absent.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_reads_alone_what_its_pages_did_not_reach() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    // Sorted before the environment's groups: 160 of them fill more than three pages of 50.
    for i in 0..160 {
        c.logs
            .create_log_group()
            .log_group_name(format!("/aws/lambda/dtr-local-aaa-{i:03}"))
            .send()
            .await
            .unwrap();
    }
    let plan = plan_with_stats(&moto, &project, 0);
    // Three pages for the three Lambda groups, then each read alone; one for the API's group.
    assert!(
        plan.stderr
            .contains("      7  CloudWatch Logs DescribeLogGroups\n"),
        "{}",
        plan.stderr
    );
}

/// A route's key and an integration's timeout, changed through the SDK, are in the next plan, read
/// with one GetRoutes and one GetIntegrations for the API.
#[tokio::test(flavor = "multi_thread")]
async fn api_children_changed_outside_dtr_are_seen_through_one_listing_each() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    let apis = c.apigateway.get_apis().send().await.unwrap();
    let api_id = apis.items()[0].api_id().unwrap().to_string();
    let health = common::route_id(&c, &api_id, "GET /health").await;
    c.apigateway
        .update_route()
        .api_id(&api_id)
        .route_id(&health)
        .route_key("GET /healthz")
        .send()
        .await
        .unwrap();
    let integrations = c
        .apigateway
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .unwrap();
    c.apigateway
        .update_integration()
        .api_id(&api_id)
        .integration_id(integrations.items()[0].integration_id().unwrap())
        .timeout_in_millis(29000)
        .send()
        .await
        .unwrap();

    let plan = plan_with_stats(&moto, &project, 2);
    for seen in [
        "~ route_key: \"GET /healthz\" → \"GET /health\"  # changed outside dtr\n",
        "~ timeout_ms: 29000 → 15000  # changed outside dtr\n",
        "Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.",
    ] {
        assert!(plan.stdout.contains(seen), "{seen}:\n{}", plan.stdout);
    }
    for calls in [
        "      1  ApiGatewayV2 GetRoutes\n",
        "      1  ApiGatewayV2 GetIntegrations\n",
    ] {
        assert!(plan.stderr.contains(calls), "{calls}:\n{}", plan.stderr);
    }
}

/// A batch that fails fails the plan once, naming the first of its resources in the configuration
/// and how many more it read; nothing is taken for absent.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_batch_names_its_first_resource_and_how_many_more() {
    let moto = Moto::start();
    let project = deployed(&moto);
    moto.inject_faults(serde_json::json!([
        {"match": "/operation/DescribeAlarms", "status": 400, "code": "AccessDeniedException", "times": -1}
    ]));
    let plan = plan_with_stats(&moto, &project, 1);
    assert!(
        plan.stderr.contains(
            "error: reading module.tool_manager.metric_alarm.alarm[\"errors\"] \
             (dtr-local-tool-manager-errors): DescribeAlarms on alarms \
             dtr-local-tool-manager-errors and 8 more failed: AccessDeniedException"
        ),
        "{}",
        plan.stderr
    );
    assert_eq!(moto.fault_hits(0), 1, "one DescribeAlarms for every alarm");
}
