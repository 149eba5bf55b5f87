//! Tags from the Resource Groups Tagging API: a plan reads the environment's tags with one paged
//! GetResources instead of one call per resource, still sees every tag changed outside dtr, and,
//! the index lagging (the harness's stale-index rule), confirms a change of tags with each
//! resource's own calls before showing it, so a stale index never shows a change that is not there.

mod common;

use common::{deployed, dtr_run, harness_python_tests, Moto, Project, Run};

const ACCOUNT: &str = "123456789012";

fn plan_with_stats(moto: &Moto, project: &Project, code: i32) -> Run {
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

fn assert_calls(run: &Run, calls: &[&str]) {
    for call in calls {
        assert!(run.stderr.contains(call), "{call}:\n{}", run.stderr);
    }
}

/// A tag added through the SDK to an alarm, a log group, the table, the topic and the bucket is in
/// the next plan: the index holds it, and each such change is confirmed by the resource's own call.
#[tokio::test(flavor = "multi_thread")]
async fn tags_changed_outside_dtr_are_seen_through_the_index() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    let region = "us-east-1";
    let alarm =
        format!("arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:dtr-local-tool-manager-errors");
    let table = format!("arn:aws:dynamodb:{region}:{ACCOUNT}:table/dtr-local-tools");
    let topic = format!("arn:aws:sns:{region}:{ACCOUNT}:dtr-local-alerts");
    let group =
        format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/dtr-local-authorizer");
    let r = c.cloudwatch.tag_resource().resource_arn(&alarm).tags(
        aws_sdk_cloudwatch::types::Tag::builder()
            .key("owner")
            .value("someone-else")
            .build(),
    );
    r.send().await.unwrap();
    let r = c.logs.tag_resource().resource_arn(&group);
    r.tags("owner", "someone-else").send().await.unwrap();
    let owner = aws_sdk_dynamodb::types::Tag::builder()
        .key("owner")
        .value("someone-else")
        .build()
        .unwrap();
    let r = c.dynamodb.tag_resource().resource_arn(&table).tags(owner);
    r.send().await.unwrap();
    let owner = aws_sdk_sns::types::Tag::builder()
        .key("owner")
        .value("someone-else")
        .build()
        .unwrap();
    let r = c.sns.tag_resource().resource_arn(&topic).tags(owner);
    r.send().await.unwrap();
    let bucket = "dtr-local-artifacts-123456789012";
    let mut set =
        c.s3.get_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .unwrap()
            .tag_set;
    set.push(
        aws_sdk_s3::types::Tag::builder()
            .key("owner")
            .value("someone-else")
            .build()
            .unwrap(),
    );
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .unwrap();
    let r = c.s3.put_bucket_tagging().bucket(bucket).tagging(tagging);
    r.send().await.unwrap();

    let plan = plan_with_stats(&moto, &project, 2);
    for id in [
        "dtr-local-tool-manager-errors",
        "/aws/lambda/dtr-local-authorizer",
        "dtr-local-tools",
        "dtr-local-alerts",
        bucket,
    ] {
        let seen = format!(
            "[{id}] will be updated in place\n      - tags.owner = \"someone-else\"  # changed outside dtr\n"
        );
        assert!(plan.stdout.contains(&seen), "{seen}:\n{}", plan.stdout);
    }
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 5 to change, 0 to replace, 0 to destroy."),
        "{}",
        plan.stdout
    );
    // The index for every alarm, group, table and topic (its pages: moto's hold 100 tags at most);
    // the tags of the four that changed read again with their own calls (the other eight alarms
    // and three groups not at all).
    assert_calls(
        &plan,
        &[
            "  Resource Groups Tagging API GetResources\n",
            "      1  CloudWatch ListTagsForResource\n",
            "      1  CloudWatch Logs ListTagsForResource\n",
            "      1  DynamoDB ListTagsOfResource\n",
            "      1  SNS ListTagsForResource\n",
        ],
    );
}

/// With the index lagging behind an apply that changed every resource's tags, the next plan shows
/// no change: each change the stale index suggests is read again with the resource's own calls.
#[tokio::test(flavor = "multi_thread")]
async fn a_stale_index_costs_calls_never_a_change_that_is_not_there() {
    let moto = Moto::start();
    let project = deployed(&moto);
    // From here on the index answers the tags as the first apply left them.
    moto.inject_faults(serde_json::json!([{"stale_tag_index": true}]));
    project.edit("environments/local.yaml", "team: agents", "team: platform");
    dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(0);
    let c = moto.clients().await;
    let tags = c
        .logs
        .list_tags_for_resource()
        .resource_arn(format!(
            "arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/dtr-local-authorizer"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().and_then(|t| t.get("team")).map(String::as_str),
        Some("platform"),
        "the apply changed the tags"
    );

    let plan = plan_with_stats(&moto, &project, 0);
    assert!(
        plan.stdout.contains("No changes."),
        "the stale index showed changes:\n{}",
        plan.stdout
    );
    assert!(
        moto.fault_rules()[0]["hits"].as_u64().unwrap_or(0) >= 2,
        "the stale index answered the apply's plan and this one: {}",
        moto.fault_rules()
    );
    // The tags of every alarm, group, the table and the topic read again with their own calls
    // (an alarm's and a group's tags alone, their configuration read once, in batches).
    assert_calls(
        &plan,
        &[
            "      1  Resource Groups Tagging API GetResources\n",
            "      1  CloudWatch DescribeAlarms\n",
            "      9  CloudWatch ListTagsForResource\n",
            "      4  CloudWatch Logs ListTagsForResource\n",
            "      1  DynamoDB ListTagsOfResource\n",
            "      1  SNS ListTagsForResource\n",
        ],
    );
}

/// A role that may not call GetResources still plans: every resource reads its own tags.
#[tokio::test(flavor = "multi_thread")]
async fn without_the_tagging_api_each_resource_reads_its_own_tags() {
    let moto = Moto::start();
    let project = deployed(&moto);
    moto.inject_faults(serde_json::json!([{
        "match": "ResourceGroupsTaggingAPI_20170126.GetResources",
        "status": 400, "format": "json", "code": "AccessDeniedException", "times": -1
    }]));
    let plan = plan_with_stats(&moto, &project, 0);
    assert_eq!(
        moto.fault_hits(0),
        1,
        "asked once, not retried per resource"
    );
    assert_calls(
        &plan,
        &[
            "      9  CloudWatch ListTagsForResource\n",
            "      4  CloudWatch Logs ListTagsForResource\n",
            "      1  DynamoDB ListTagsOfResource\n",
            "      1  SNS ListTagsForResource\n",
        ],
    );
}

/// The harness's stale-index rule itself, through boto3.
#[test]
fn the_harness_stale_index_lags_as_told() {
    let moto = Moto::start();
    harness_python_tests(&moto, "tests/harness/test_tagindex.py");
}

/// The harness's tagging API lists schedule groups, as AWS's does and moto's does not.
#[test]
fn the_harness_index_covers_schedule_groups_as_aws_does() {
    let moto = Moto::start();
    harness_python_tests(&moto, "tests/harness/test_tagging_coverage.py");
}
