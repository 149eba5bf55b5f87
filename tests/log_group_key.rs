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

    // The function module's log group takes an optional key; only the Tool Manager's instance sets it.
    project.edit(
        "stacks/dynamic-tool-runtime/modules/function.yaml",
        "      retention_days: ${param.log_retention_days}\n",
        "      retention_days: ${param.log_retention_days}\n      kms_key_arn: ${param.log_kms_key_arn}\n",
    );
    project.edit(
        "stacks/dynamic-tool-runtime/modules/function.yaml",
        "  log_retention_days: {type: number}\n",
        "  log_retention_days: {type: number}\n  log_kms_key_arn: {type: string, default: null}\n",
    );
    let stack = "stacks/dynamic-tool-runtime/stack.yaml";
    let plain = "      source: functions/tool_manager\n";
    project.edit(
        stack,
        plain,
        &format!("{plain}      log_kms_key_arn: {KEY}\n"),
    );
    let plan = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(0);
    assert!(
        plan.stdout.contains("module.tool_manager.log_group.logs [/aws/lambda/dtr-local-tool-manager] will be updated in place"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy"),
        "only the Tool Manager's group changes: {}",
        plan.stdout
    );
    apply_dev(&moto, &project);
    assert_eq!(
        group(&moto).await,
        (Some(KEY.to_string()), 1),
        "key on, logs kept"
    );

    project.edit(
        stack,
        &format!("{plain}      log_kms_key_arn: {KEY}\n"),
        plain,
    );
    apply_dev(&moto, &project);
    assert_eq!(group(&moto).await, (None, 1), "key off, logs kept");
    assert_converged(&moto, &project, "local", "the key changed in place");
}
