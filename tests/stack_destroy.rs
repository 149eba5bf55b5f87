//! Destroying the whole local stack: nothing of it stays but the backend, and a bucket holding artifacts
//! is kept unless the configuration says `force_destroy: true`.

mod common;

use common::{apply_dev, bootstrapped, destroy_dev, Moto};

#[tokio::test(flavor = "multi_thread")]
async fn destroy_leaves_nothing_of_the_stack_but_keeps_the_backend() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    apply_dev(&moto, &project);
    let c = moto.clients().await;
    c.s3.put_object()
        .bucket("dtr-local-artifacts-123456789012")
        .key("code/abc")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let r = destroy_dev(&moto, &project).expect_code(0);
    assert!(r.stderr.contains("38 destroyed"), "{}", r.stderr);
    let functions = c.lambda.list_functions().send().await.unwrap();
    assert!(functions.functions().is_empty());
    let roles = c.iam.list_roles().send().await.unwrap();
    assert!(roles
        .roles()
        .iter()
        .all(|r| !r.role_name.starts_with("dtr-local-")));
    let buckets = c.s3.list_buckets().send().await.unwrap();
    let names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(
        names,
        vec!["dtr-state-123456789012-local"],
        "only the state bucket stays"
    );
    let tables = c
        .dynamodb
        .list_tables()
        .send()
        .await
        .unwrap()
        .table_names
        .unwrap_or_default();
    assert_eq!(tables, vec!["dtr-locks"]);
    assert!(c
        .logs
        .describe_log_groups()
        .send()
        .await
        .unwrap()
        .log_groups()
        .is_empty());
    assert!(c
        .cloudwatch
        .describe_alarms()
        .send()
        .await
        .unwrap()
        .metric_alarms()
        .is_empty());
    // The alert topic and its subscription, the schedule and its group.
    let topics = c.sns.list_topics().send().await.unwrap();
    assert!(topics.topics().is_empty(), "{topics:?}");
    let subscriptions = c.sns.list_subscriptions().send().await.unwrap();
    assert!(
        subscriptions.subscriptions().is_empty(),
        "{subscriptions:?}"
    );
    let schedules = c.scheduler.list_schedules().send().await.unwrap();
    assert!(schedules.schedules().is_empty(), "{schedules:?}");
    let groups = c.scheduler.list_schedule_groups().send().await.unwrap();
    let names: Vec<&str> = groups
        .schedule_groups()
        .iter()
        .filter_map(|g| g.name())
        .collect();
    assert_eq!(names, ["default"], "only AWS's own group stays");
    let dashboards = c.cloudwatch.list_dashboards().send().await.unwrap();
    assert!(dashboards.dashboard_entries().is_empty());
    let apis = c.apigateway.get_apis().send().await.unwrap();
    assert!(apis.items().is_empty());
}

/// A bucket holding artifacts is not deleted unless the configuration says `force_destroy: true`.
#[tokio::test(flavor = "multi_thread")]
async fn a_non_empty_bucket_is_kept_without_force_destroy() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    project.edit(
        "environments/local.yaml",
        "force_destroy_artifacts: true",
        "force_destroy_artifacts: false",
    );
    apply_dev(&moto, &project);
    let c = moto.clients().await;
    let bucket = "dtr-local-artifacts-123456789012";
    c.s3.put_object()
        .bucket(bucket)
        .key("code/abc")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let r = destroy_dev(&moto, &project).expect_code(1);
    assert!(
        r.stderr.contains("is not empty; set `force_destroy: true`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("37 destroyed, 1 failed"),
        "everything else went: {}",
        r.stderr
    );
    assert!(
        c.s3.head_bucket().bucket(bucket).send().await.is_ok(),
        "the artifacts are still there"
    );
}
