//! `api_stage`: a stage of an API, addressed `<api>/<stage name>`; its tags hang on its ARN.

use super::{child, converge_tags, split};
use crate::model::api::{ApiStageSpec, StageThrottling};
use crate::provider::aws::Clients;
use crate::provider::kind::{known_str, reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, found, ignore_not_found};
use aws_sdk_apigatewayv2::types as gw;
use serde_json::Value;
use std::collections::BTreeMap;

impl ResourceType for ApiStageSpec {
    const FORCE_NEW: &'static [&'static str] = &["api_id", "name"];
    const IDENTITY: &'static [&'static str] = &["api_id", "name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_apigatewayv2_stage",
        physical_id: |a| Some(format!("{}/{}", tf_attr(a, "api_id")?, tf_attr(a, "name")?)),
        folded: &[],
    });

    fn physical_id(props: &Value) -> Option<String> {
        Some(format!(
            "{}/{}",
            known_str(props, "api_id")?,
            known_str(props, "name")?
        ))
    }

    async fn read(clients: &Clients, id: &str) -> Result<Option<Live<Self>>> {
        let (api, stage) = split(id);
        let r = clients
            .apigateway
            .get_stage()
            .api_id(api)
            .stage_name(stage)
            .send()
            .await;
        let Some(out) = found(r.map_err(|e| aws_error("GetStage", format!("stage {id}"), e)))?
        else {
            return Ok(None);
        };
        let logs = out.access_log_settings.as_ref();
        let route = out.default_route_settings.as_ref();
        let spec = ApiStageSpec {
            api_id: api.to_string(),
            name: out.stage_name.clone().unwrap_or_default(),
            auto_deploy: out.auto_deploy.unwrap_or_default(),
            access_log_group_arn: logs.and_then(|l| l.destination_arn.clone()),
            access_log_format: logs.and_then(|l| l.format.clone()),
            throttling: route.and_then(throttling_of),
            tags: out.tags.clone().unwrap_or_default().into_iter().collect(),
        };
        Ok(Some(child(id, spec, "name")))
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        clients
            .apigateway
            .create_stage()
            .api_id(&spec.api_id)
            .stage_name(&spec.name)
            .auto_deploy(spec.auto_deploy)
            .set_access_log_settings(access_logs(spec))
            .set_default_route_settings(route_settings(spec))
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| aws_error("CreateStage", what(spec), e))?;
        reread(clients, &format!("{}/{}", spec.api_id, spec.name)).await
    }

    /// `UpdateStage` only when a setting other than the tags differs, the tags through the tagging
    /// calls (`UpdateStage` takes none).
    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        let untagged = |s: &ApiStageSpec| ApiStageSpec {
            tags: BTreeMap::new(),
            ..s.clone()
        };
        let client = &clients.apigateway;
        if untagged(desired) != untagged(&live.spec) {
            client
                .update_stage()
                .api_id(&desired.api_id)
                .stage_name(&desired.name)
                .auto_deploy(desired.auto_deploy)
                .set_access_log_settings(access_logs(desired))
                .set_default_route_settings(route_settings(desired))
                .send()
                .await
                .map_err(|e| aws_error("UpdateStage", what(desired), e))?;
        }
        let arn = format!(
            "arn:aws:apigateway:{}::/apis/{}/stages/{}",
            clients.region, desired.api_id, desired.name
        );
        converge_tags(client, &arn, &desired.tags, &live.spec.tags, &what(desired)).await?;
        reread(clients, &live.physical_id).await
    }

    /// AWS cannot take a stage's throttling away in place: UpdateStage without the limits sets them
    /// to 0, which refuses every request (terraform-aws-modules/terraform-aws-apigateway-v2#45). A
    /// new stage has none, so removing it replaces the stage.
    fn replacement_reasons(want: &Self, have: &Self) -> Vec<String> {
        if want.throttling.is_none() && have.throttling.is_some() {
            vec!["throttling".to_string()]
        } else {
            Vec::new()
        }
    }

    async fn delete(clients: &Clients, id: &str, _force: bool) -> Result<()> {
        let (api, stage) = split(id);
        let r = clients
            .apigateway
            .delete_stage()
            .api_id(api)
            .stage_name(stage)
            .send()
            .await;
        Ok(ignore_not_found(
            r.map_err(|e| aws_error("DeleteStage", id, e)),
        )?)
    }
}

fn what(spec: &ApiStageSpec) -> String {
    format!("stage {} of api {}", spec.name, spec.api_id)
}

fn access_logs(spec: &ApiStageSpec) -> Option<gw::AccessLogSettings> {
    spec.access_log_group_arn.as_ref().map(|arn| {
        gw::AccessLogSettings::builder()
            .destination_arn(arn)
            .set_format(spec.access_log_format.clone())
            .build()
    })
}

/// The default route settings dtr manages (throttling), `None` when the stage has none of its own.
fn route_settings(spec: &ApiStageSpec) -> Option<gw::RouteSettings> {
    spec.throttling.as_ref().map(|t| {
        gw::RouteSettings::builder()
            .throttling_burst_limit(t.burst_limit)
            .throttling_rate_limit(t.rate_limit)
            .build()
    })
}

/// Throttling as GetStage reports it: a limit left out is 0, as AWS applies it; neither, none.
fn throttling_of(route: &gw::RouteSettings) -> Option<StageThrottling> {
    if route.throttling_burst_limit.is_none() && route.throttling_rate_limit.is_none() {
        return None;
    }
    Some(StageThrottling {
        burst_limit: route.throttling_burst_limit.unwrap_or(0),
        rate_limit: route.throttling_rate_limit.unwrap_or(0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;

    fn stage(throttling: Option<(i32, f64)>) -> ApiStageSpec {
        ApiStageSpec {
            api_id: "a1".into(),
            name: "$default".into(),
            auto_deploy: true,
            access_log_group_arn: None,
            access_log_format: None,
            throttling: throttling.map(|(burst_limit, rate_limit)| StageThrottling {
                burst_limit,
                rate_limit,
            }),
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn throttling_round_trips_and_a_new_limit_updates_in_place() {
        let want = stage(Some((20, 10.0)));
        let sent = route_settings(&want).expect("route settings");
        assert_eq!(
            throttling_of(&sent),
            want.throttling,
            "read back as it was sent"
        );
        let c = compared(&want, &want);
        assert_eq!(Some(c.desired), c.observed);
        let c = compared(&stage(Some((50, 10.0))), &want);
        assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
        let c = compared(&want, &stage(None));
        assert!(c.replace_reasons.is_empty(), "added in place");
    }

    #[test]
    fn removing_throttling_replaces_the_stage_and_no_settings_read_as_none() {
        let c = compared(&stage(None), &stage(Some((20, 10.0))));
        assert_eq!(c.replace_reasons, vec!["throttling"]);
        let metrics_only = gw::RouteSettings::builder()
            .detailed_metrics_enabled(false)
            .build();
        assert_eq!(throttling_of(&metrics_only), None);
        let rate_only = gw::RouteSettings::builder()
            .throttling_rate_limit(5.0)
            .build();
        assert_eq!(
            throttling_of(&rate_only),
            Some(StageThrottling {
                burst_limit: 0,
                rate_limit: 5.0
            })
        );
    }
}
