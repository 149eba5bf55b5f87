//! `destroy` deletes what the state owns, whatever the stack says now: a stack that no longer
//! validates (here a runtime Lambda has since blocked) does not keep an environment alive.

mod common;

use common::{destroy_dev, dtr_run, Moto};

#[tokio::test(flavor = "multi_thread")]
async fn destroy_needs_only_the_environment_not_a_valid_stack() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    // Every function of the stack is an instance of this module.
    let module = "stacks/dynamic-tool-runtime/modules/function.yaml";
    project.edit(
        module,
        "      source: ${param.source}\n",
        "      source: ${param.source}\n      runtime: python3.7\n",
    );
    let r = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(1);
    assert!(
        r.stderr.contains("python3.7"),
        "the stack no longer validates: {}",
        r.stderr
    );

    let r = destroy_dev(&moto, &project).expect_code(0);
    assert!(
        r.stderr
            .contains("Complete destroy: 0 added, 0 changed, 0 replaced, 38 destroyed"),
        "{}",
        r.stderr
    );
    let c = moto.clients().await;
    let functions = c.lambda.list_functions().send().await.unwrap();
    assert!(functions.functions().is_empty(), "the functions are gone");
    let tables = c.dynamodb.list_tables().send().await.unwrap();
    assert_eq!(
        tables.table_names(),
        ["dtr-locks"],
        "only the backend stays"
    );
}
