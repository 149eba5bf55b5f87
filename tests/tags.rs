//! Tags converge on every kind: a change of the environment's tags (one added, one changed, one
//! removed) is applied to all resources, and the next plan has nothing left to do.

mod common;

use common::{apply_dev, assert_converged, Moto};

#[tokio::test(flavor = "multi_thread")]
async fn a_tag_change_converges_on_every_resource() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    project.edit(
        "environments/local.yaml",
        "    team: agents\n    environment: local\n    cost-center: rnd-sandbox",
        "    team: agents\n    cost-center: rnd-platform\n    owner: platform",
    );
    let r = apply_dev(&moto, &project);
    // Every kind that takes tags (routes, integrations, the authorizer, permissions, the
    // subscription, the schedule and the dashboard take none).
    assert!(
        r.stderr.contains("Complete apply: 0 added, 26 changed"),
        "{}",
        r.stderr
    );
    assert_converged(
        &moto,
        &project,
        "local",
        "after a tag change on every resource",
    );

    // The stage, checked through the SDK: its tags are the new ones.
    let c = moto.clients().await;
    let apis = c.apigateway.get_apis().send().await.unwrap();
    let api = apis.items()[0].api_id().unwrap().to_string();
    let stage = c
        .apigateway
        .get_stage()
        .api_id(&api)
        .stage_name("$default")
        .send()
        .await
        .unwrap();
    let tags = stage.tags().cloned().unwrap_or_default();
    assert_eq!(
        tags.get("owner").map(String::as_str),
        Some("platform"),
        "{tags:?}"
    );
    assert_eq!(
        tags.get("cost-center").map(String::as_str),
        Some("rnd-platform")
    );
    assert!(!tags.contains_key("environment"), "{tags:?}");
}
