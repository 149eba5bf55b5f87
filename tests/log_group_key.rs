//! A log group's KMS key is associated and disassociated in place: the group and its logs stay.

mod common;

use common::{apply_dev, assert_converged, dtr_run, Moto};

const GROUP: &str = "/aws/lambda/dtr-local-tool-manager";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/0b4c8f1e-5d2a-4c8e-9f00-1234567890ab";

async fn group(moto: &Moto) -> (Option<String>, usize) {
    let c = moto.clients().await;
    let groups = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix(GROUP)
        .send()
        .await
        .unwrap();
    let key = groups.log_groups()[0].kms_key_id().map(str::to_string);
    let streams = c
        .logs
        .describe_log_streams()
        .log_group_name(GROUP)
        .send()
        .await
        .unwrap();
    (key, streams.log_streams().len())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_group_key_changes_in_place_and_the_logs_stay() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;
    c.logs
        .create_log_stream()
        .log_group_name(GROUP)
        .log_stream_name("2026/11/25/[$LATEST]kept")
        .send()
        .await
        .unwrap();
    assert_eq!(group(&moto).await, (None, 1));

    let stack = "stacks/dynamic-tool-runtime/stack.yaml";
    let plain = "      name: /aws/lambda/${param.name_prefix}-tool-manager\n";
    project.edit(stack, plain, &format!("{plain}      kms_key_arn: {KEY}\n"));
    let plan = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(0);
    assert!(
        plan.stdout.contains("log_group.tool_manager_logs [/aws/lambda/dtr-local-tool-manager] will be updated in place"),
        "{}",
        plan.stdout
    );
    apply_dev(&moto, &project);
    assert_eq!(
        group(&moto).await,
        (Some(KEY.to_string()), 1),
        "key on, logs kept"
    );

    project.edit(stack, &format!("{plain}      kms_key_arn: {KEY}\n"), plain);
    apply_dev(&moto, &project);
    assert_eq!(group(&moto).await, (None, 1), "key off, logs kept");
    assert_converged(&moto, &project, "local", "the key changed in place");
}
