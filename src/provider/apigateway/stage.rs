//! `api_stage`: a stage of an API, addressed `<api>/<stage name>`; its tags hang on its ARN.

use super::{child, converge_tags, split};
use crate::model::api::ApiStageSpec;
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
        let spec = ApiStageSpec {
            api_id: api.to_string(),
            name: out.stage_name.clone().unwrap_or_default(),
            auto_deploy: out.auto_deploy.unwrap_or_default(),
            access_log_group_arn: logs.and_then(|l| l.destination_arn.clone()),
            access_log_format: logs.and_then(|l| l.format.clone()),
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
