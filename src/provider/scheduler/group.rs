//! `schedule_group`: read (GetScheduleGroup, ListTagsForResource), create (CreateScheduleGroup, with
//! its tags), update (tags only: a group has nothing else to change), delete (DeleteScheduleGroup,
//! which takes the group's schedules with it).

use crate::model::schedule::ScheduleGroupSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, build_error, converge_tags, found, ignore_not_found, AwsError};
use aws_sdk_scheduler::types::{ScheduleGroupState, Tag};
use std::collections::BTreeMap;

impl ResourceType for ScheduleGroupSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_scheduler_schedule_group",
        physical_id: |a| tf_attr(a, "name"),
        folded: &[],
    });
    const TAGGING_SERVICE: Option<&'static str> = Some("scheduler");

    /// A group being deleted (state DELETING: AWS removes its schedules first) is gone already.
    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        let client = &clients.scheduler;
        let r = client.get_schedule_group().name(name).send().await;
        let Some(out) = found(r.map_err(|e| aws_error("GetScheduleGroup", what(name), e)))? else {
            return Ok(None);
        };
        if out.state == Some(ScheduleGroupState::Deleting) {
            return Ok(None);
        }
        let arn = out.arn.unwrap_or_default();
        let native = async {
            let r = client
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await;
            Ok(
                r.map_err(|e| aws_error("ListTagsForResource", what(name), e))?
                    .tags
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| (t.key, t.value))
                    .collect(),
            )
        };
        let mut provisional = Vec::new();
        let tags = clients.tags_of(&arn, &mut provisional, native).await?;
        let spec = ScheduleGroupSpec {
            name: out.name.unwrap_or_else(|| name.to_string()),
            tags,
        };
        let mut live = Live::named(name, spec, arn);
        live.provisional = provisional;
        Ok(Some(live))
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        clients
            .scheduler
            .create_schedule_group()
            .name(&spec.name)
            .set_tags(Some(tags(&spec.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| aws_error("CreateScheduleGroup", what(&spec.name), e))?;
        reread(clients, &spec.name).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        let client = &clients.scheduler;
        let (arn, name) = (live.arn(), &desired.name);
        converge_tags(
            &desired.tags,
            &live.spec.tags,
            async |removed| {
                let r = client
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(removed))
                    .send()
                    .await;
                r.map(drop)
                    .map_err(|e| aws_error("UntagResource", what(name), e))
            },
            async |set| {
                let r = client
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(tags(&set)?))
                    .send()
                    .await;
                r.map(drop)
                    .map_err(|e| aws_error("TagResource", what(name), e))
            },
        )
        .await?;
        reread(clients, name).await
    }

    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<()> {
        let r = clients
            .scheduler
            .delete_schedule_group()
            .name(name)
            .send()
            .await;
        Ok(ignore_not_found(r.map_err(|e| {
            aws_error("DeleteScheduleGroup", what(name), e)
        }))?)
    }
}

fn what(name: &str) -> String {
    format!("schedule group {name}")
}

fn tags(map: &BTreeMap<String, String>) -> std::result::Result<Vec<Tag>, AwsError> {
    map.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| build_error("scheduler tag", e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;

    #[test]
    fn a_rename_replaces_and_tags_update_in_place() {
        let group = ScheduleGroupSpec {
            name: "dtr-local-schedules".into(),
            tags: BTreeMap::from([("team".into(), "agents".into())]),
        };
        let retagged = ScheduleGroupSpec {
            tags: BTreeMap::new(),
            ..group.clone()
        };
        let c = compared(&retagged, &group);
        assert!(c.replace_reasons.is_empty());
        assert_ne!(Some(c.desired), c.observed);
        let renamed = ScheduleGroupSpec {
            name: "other".into(),
            ..group.clone()
        };
        assert_eq!(compared(&renamed, &group).replace_reasons, ["name"]);
    }
}
