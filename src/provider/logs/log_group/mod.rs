//! `log_group`: read (2 calls, or fewer in batches), create, update retention, key and tags in place, delete.

use crate::model::log_group::LogGroupSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, converge_tags, ignore_not_found, AwsError};
use aws_sdk_cloudwatchlogs::Client;
use std::collections::BTreeMap;

mod read;

impl ResourceType for LogGroupSpec {
    // A key is associated and disassociated in place (AssociateKmsKey), keeping the group's logs.
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_cloudwatch_log_group",
        physical_id: |a| tf_attr(a, "name"),
        folded: &[],
    });
    const TAGGING_SERVICE: Option<&'static str> = Some("logs");

    /// Large: a batch reads a shared prefix's pages (50 groups each) one after another, at most as
    /// many as it has names, and a smaller batch would read the same pages again for its share.
    const BATCH: usize = 1000;

    /// 2 calls: DescribeLogGroups by the name as prefix, ListTagsForResource.
    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        match read::describe(&clients.logs, name).await? {
            Some(live) => Ok(Some(Self::complete(clients, live).await?)),
            None => Ok(None),
        }
    }

    /// DescribeLogGroups by pages of the prefix the names share; their tags follow one call each
    /// ([`Self::complete`]).
    async fn read_batch(
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<Live<Self>>>> {
        Ok(read::describe_many(&clients.logs, names).await?)
    }

    /// Its tags: from the environment's tag index when it holds them, else ListTagsForResource.
    async fn complete(clients: &Clients, mut live: Live<Self>) -> Result<Live<Self>> {
        let (name, arn) = (live.physical_id.clone(), live.arn().to_string());
        let native = read::tags(&clients.logs, &name, &arn);
        live.spec.tags = clients.tags_of(&arn, &mut live.provisional, native).await?;
        Ok(live)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        create(&clients.logs, spec).await?;
        reread(clients, &spec.name).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        update(&clients.logs, desired, live).await?;
        reread(clients, &desired.name).await
    }

    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<()> {
        Ok(delete(&clients.logs, name).await?)
    }
}

fn what(name: &str) -> String {
    format!("log group {name}")
}

async fn create(client: &Client, spec: &LogGroupSpec) -> Result<(), AwsError> {
    let name = &spec.name;
    let r = client
        .create_log_group()
        .log_group_name(name)
        .set_kms_key_id(spec.kms_key_arn.clone())
        .set_tags(
            Some(spec.tags.clone().into_iter().collect())
                .filter(|t: &std::collections::HashMap<_, _>| !t.is_empty()),
        )
        .send()
        .await;
    if let Err(e) = r {
        return Err(aws_error("CreateLogGroup", what(name), e));
    }
    if let Some(days) = spec.retention_days {
        put_retention(client, name, days).await?;
    }
    Ok(())
}

async fn put_retention(client: &Client, name: &str, days: i32) -> Result<(), AwsError> {
    client
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(days)
        .send()
        .await
        .map_err(|e| aws_error("PutRetentionPolicy", what(name), e))?;
    Ok(())
}

async fn update(
    client: &Client,
    desired: &LogGroupSpec,
    current: &Live<LogGroupSpec>,
) -> Result<(), AwsError> {
    let name = &desired.name;
    if desired.retention_days != current.spec.retention_days {
        match desired.retention_days {
            Some(days) => put_retention(client, name, days).await?,
            None => {
                client
                    .delete_retention_policy()
                    .log_group_name(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("DeleteRetentionPolicy", what(name), e))?;
            }
        }
    }
    if desired.kms_key_arn != current.spec.kms_key_arn {
        match &desired.kms_key_arn {
            // Associating replaces a key already there: new events are encrypted with it.
            Some(key) => client
                .associate_kms_key()
                .log_group_name(name)
                .kms_key_id(key)
                .send()
                .await
                .map(drop)
                .map_err(|e| aws_error("AssociateKmsKey", what(name), e))?,
            None => client
                .disassociate_kms_key()
                .log_group_name(name)
                .send()
                .await
                .map(drop)
                .map_err(|e| aws_error("DisassociateKmsKey", what(name), e))?,
        }
    }
    converge_tags(
        &desired.tags,
        &current.spec.tags,
        async |removed| {
            let r = client
                .untag_resource()
                .resource_arn(current.arn())
                .set_tag_keys(Some(removed))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("UntagResource", what(name), e))
        },
        async |set| {
            let r = client
                .tag_resource()
                .resource_arn(current.arn())
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("TagResource", what(name), e))
        },
    )
    .await
}

async fn delete(client: &Client, name: &str) -> Result<(), AwsError> {
    let r = client.delete_log_group().log_group_name(name).send().await;
    ignore_not_found(r.map_err(|e| aws_error("DeleteLogGroup", what(name), e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;

    fn spec(key: Option<&str>) -> LogGroupSpec {
        LogGroupSpec {
            name: "/aws/lambda/dtr-dev-tool".into(),
            retention_days: Some(30),
            kms_key_arn: key.map(str::to_string),
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn a_new_kms_key_or_retention_updates_the_group_in_place_keeping_its_logs() {
        let c = compared(&spec(Some("arn:aws:kms:us-east-1:1:key/new")), &spec(None));
        assert!(c.replace_reasons.is_empty(), "{:?}", c.replace_reasons);
        assert_ne!(Some(c.desired), c.observed);
        let longer = LogGroupSpec {
            retention_days: Some(90),
            ..spec(None)
        };
        assert!(compared(&longer, &spec(None)).replace_reasons.is_empty());
    }

    #[test]
    fn a_new_name_replaces_the_group() {
        let renamed = LogGroupSpec {
            name: "/aws/lambda/other".into(),
            ..spec(None)
        };
        assert_eq!(
            compared(&renamed, &spec(None)).replace_reasons,
            vec!["name"]
        );
    }
}
