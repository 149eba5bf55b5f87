//! `api_stage`'s default route throttling (`DefaultRouteSettings.ThrottlingBurstLimit` /
//! `ThrottlingRateLimit`), the abuse control of a shared-key HTTP API: applied, read back with no
//! difference, drift made through the SDK shown and repaired in place, and removing it replaces the
//! stage (AWS cannot unset it in place: UpdateStage would set both limits to 0 and refuse every
//! request), after which the stage has no throttling of its own. A stack of its own, in env
//! `throttled`. moto has no UpdateStage; the harness adds it (tests/harness/moto_launcher.py).

mod common;

use aws_sdk_apigatewayv2::types::RouteSettings;
use common::*;

const API: &str = "dtr-throttled-api";

const ENVIRONMENT: &str = r#"name: throttled
stack: throttled
region: us-east-1
account_id: "123456789012"
backend:
  state_bucket: dtr-state-123456789012-throttled
  lock_table: dtr-locks
  state_key: throttled/throttled.json
parameters: {}
"#;

fn stack(throttling: &str) -> String {
    format!(
        r#"stack: throttled
resources:
  api:
    type: http_api
    properties:
      name: {API}
  stage:
    type: api_stage
    properties:
      api_id: ${{resource.api.id}}
      name: $default
      auto_deploy: true
{throttling}
"#
    )
}

const THROTTLING: &str = "      throttling: {burst_limit: 20, rate_limit: 10}";

fn plan(moto: &Moto, project: &Project) -> Run {
    dtr_run(
        moto,
        project,
        &["plan", "--env", "throttled", "--detailed-exitcode"],
    )
}

/// The API's id and its stage's (burst, rate) limits as GetStage reports them.
async fn limits(moto: &Moto) -> (String, Option<i32>, Option<f64>) {
    let c = moto.clients().await;
    let apis = c.apigateway.get_apis().send().await.expect("GetApis");
    let id = apis
        .items()
        .iter()
        .find(|a| a.name.as_deref() == Some(API))
        .and_then(|a| a.api_id.clone())
        .expect("the API exists");
    let stage = c
        .apigateway
        .get_stage()
        .api_id(&id)
        .stage_name("$default")
        .send()
        .await
        .expect("GetStage");
    let route = stage.default_route_settings;
    (
        id,
        route.as_ref().and_then(|r| r.throttling_burst_limit),
        route.as_ref().and_then(|r| r.throttling_rate_limit),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn stage_throttling_converges_its_drift_is_repaired_and_removing_it_replaces_the_stage() {
    let moto = Moto::start();
    let project = Project::copy();
    project.write("environments/throttled.yaml", ENVIRONMENT);
    project.write("stacks/throttled/stack.yaml", &stack(THROTTLING));
    bootstrap(&moto, &project, "throttled");
    apply(&moto, &project, "throttled");
    let (api, burst, rate) = limits(&moto).await;
    assert_eq!((burst, rate), (Some(20), Some(10.0)));
    assert_converged(&moto, &project, "throttled", "after the cold apply");

    // Drift behind dtr's back: the burst limit raised.
    let c = moto.clients().await;
    c.apigateway
        .update_stage()
        .api_id(&api)
        .stage_name("$default")
        .default_route_settings(
            RouteSettings::builder()
                .throttling_burst_limit(500)
                .throttling_rate_limit(10.0)
                .build(),
        )
        .send()
        .await
        .expect("UpdateStage behind dtr's back");
    let drift = plan(&moto, &project).expect_code(2);
    assert!(
        drift.stdout.contains("throttling")
            && drift
                .stdout
                .contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
        "{}",
        drift.stdout
    );
    apply(&moto, &project, "throttled");
    assert_eq!(limits(&moto).await, (api.clone(), Some(20), Some(10.0)));
    assert_converged(&moto, &project, "throttled", "after the drift was repaired");

    // Removed from the configuration: the stage is replaced, and the new one has no limits.
    project.write("stacks/throttled/stack.yaml", &stack(""));
    let removal = plan(&moto, &project).expect_code(2);
    assert!(
        removal
            .stdout
            .contains("Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy."),
        "{}",
        removal.stdout
    );
    apply(&moto, &project, "throttled");
    assert_eq!(limits(&moto).await, (api, None, None));
    assert_converged(
        &moto,
        &project,
        "throttled",
        "after the throttling was removed",
    );
}
