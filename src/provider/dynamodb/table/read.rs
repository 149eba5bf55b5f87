//! A live table, read into a [`TableSpec`].

use crate::model::table::{
    AttributeDefinition, AttributeType, BillingMode, GlobalSecondaryIndex, Projection,
    ServerSideEncryption, SseKind, TableSpec,
};
use crate::provider::kind::Live;
use crate::provider::{aws_error, found, AwsError};
use aws_sdk_dynamodb::types::{self as ddb, KeyType, TableStatus};
use aws_sdk_dynamodb::Client;
use std::collections::BTreeMap;

/// Read everything dtr manages about a table: 4 calls (DescribeTable, DescribeTimeToLive,
/// DescribeContinuousBackups, ListTagsOfResource). `None` when it does not exist.
pub async fn read(client: &Client, name: &str) -> Result<Option<Live<TableSpec>>, AwsError> {
    let Some(mut live) = read_untagged(client, name).await? else {
        return Ok(None);
    };
    live.spec.tags = list_tags(client, live.arn()).await?;
    Ok(Some(live))
}

/// A table as [`read`] reads it, without its tags (3 calls).
pub(super) async fn read_untagged(
    client: &Client,
    name: &str,
) -> Result<Option<Live<TableSpec>>, AwsError> {
    let r = client.describe_table().table_name(name).send().await;
    let Some(described) =
        found(r.map_err(|e| aws_error("DescribeTable", format!("table {name}"), e)))?
    else {
        return Ok(None);
    };
    let Some(table) = described.table else {
        return Ok(None);
    };
    if table.table_status == Some(TableStatus::Deleting) {
        return Ok(None);
    }
    let arn = table.table_arn.clone().unwrap_or_default();
    let mut spec = spec_from_description(name, &table);

    let ttl = client
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(|e| aws_error("DescribeTimeToLive", format!("table {name}"), e))?;
    spec.ttl_attribute = ttl.time_to_live_description.and_then(|d| {
        matches!(
            d.time_to_live_status,
            Some(ddb::TimeToLiveStatus::Enabled | ddb::TimeToLiveStatus::Enabling)
        )
        .then_some(d.attribute_name)
        .flatten()
    });

    let backups = client
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .map_err(|e| aws_error("DescribeContinuousBackups", format!("table {name}"), e))?;
    spec.point_in_time_recovery = backups
        .continuous_backups_description
        .and_then(|d| d.point_in_time_recovery_description)
        .and_then(|p| p.point_in_time_recovery_status)
        == Some(ddb::PointInTimeRecoveryStatus::Enabled);

    Ok(Some(Live::named(name, spec, arn)))
}

/// A table's tags (ListTagsOfResource, by pages).
pub(super) async fn list_tags(
    client: &Client,
    arn: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let mut tags = BTreeMap::new();
    let mut token = None;
    loop {
        let page = client
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_error("ListTagsOfResource", arn, e))?;
        for tag in page.tags.unwrap_or_default() {
            tags.insert(tag.key, tag.value);
        }
        token = page.next_token;
        if token.is_none() {
            return Ok(tags);
        }
    }
}

fn key_names(schema: &[ddb::KeySchemaElement]) -> (String, Option<String>) {
    let find = |kind: KeyType| {
        schema
            .iter()
            .find(|k| k.key_type == kind)
            .map(|k| k.attribute_name.clone())
    };
    (
        find(KeyType::Hash).unwrap_or_default(),
        find(KeyType::Range),
    )
}

fn capacity(
    t: Option<&ddb::ProvisionedThroughputDescription>,
    provisioned: bool,
) -> (Option<i64>, Option<i64>) {
    match (provisioned, t) {
        (true, Some(t)) => (t.read_capacity_units, t.write_capacity_units),
        _ => (None, None),
    }
}

fn spec_from_description(name: &str, t: &ddb::TableDescription) -> TableSpec {
    // Tables created before on-demand existed have no billing summary: they are provisioned.
    let billing_mode = match t
        .billing_mode_summary
        .as_ref()
        .and_then(|b| b.billing_mode.as_ref())
    {
        Some(ddb::BillingMode::PayPerRequest) => BillingMode::PayPerRequest,
        _ => BillingMode::Provisioned,
    };
    let provisioned = billing_mode == BillingMode::Provisioned;
    let (hash_key, range_key) = key_names(t.key_schema());
    let (read_capacity, write_capacity) = capacity(t.provisioned_throughput.as_ref(), provisioned);
    let mut attributes: Vec<AttributeDefinition> = t
        .attribute_definitions()
        .iter()
        .map(|a| AttributeDefinition {
            name: a.attribute_name.clone(),
            attribute_type: match a.attribute_type {
                ddb::ScalarAttributeType::N => AttributeType::N,
                ddb::ScalarAttributeType::B => AttributeType::B,
                _ => AttributeType::S,
            },
        })
        .collect();
    attributes.sort();
    let mut global_secondary_indexes: Vec<GlobalSecondaryIndex> = t
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let (hash_key, range_key) = key_names(g.key_schema());
            let projection = g.projection.as_ref();
            let (read_capacity, write_capacity) =
                capacity(g.provisioned_throughput.as_ref(), provisioned);
            let mut non_key_attributes = projection
                .map(|p| p.non_key_attributes().to_vec())
                .unwrap_or_default();
            non_key_attributes.sort();
            GlobalSecondaryIndex {
                name: g.index_name.clone().unwrap_or_default(),
                hash_key,
                range_key,
                projection: match projection.and_then(|p| p.projection_type.as_ref()) {
                    Some(ddb::ProjectionType::KeysOnly) => Projection::KeysOnly,
                    Some(ddb::ProjectionType::Include) => Projection::Include,
                    _ => Projection::All,
                },
                non_key_attributes,
                read_capacity,
                write_capacity,
            }
        })
        .collect();
    global_secondary_indexes.sort_by(|a, b| a.name.cmp(&b.name));
    let server_side_encryption = match t.sse_description.as_ref() {
        Some(sse)
            if matches!(
                sse.status,
                Some(ddb::SseStatus::Enabled | ddb::SseStatus::Enabling | ddb::SseStatus::Updating)
            ) && sse.sse_type == Some(ddb::SseType::Kms) =>
        {
            ServerSideEncryption {
                kind: SseKind::Kms,
                kms_key_arn: sse.kms_master_key_arn.clone(),
            }
        }
        _ => ServerSideEncryption::default(),
    };
    TableSpec {
        name: t.table_name.clone().unwrap_or_else(|| name.to_string()),
        billing_mode,
        read_capacity,
        write_capacity,
        hash_key,
        range_key,
        attributes,
        global_secondary_indexes,
        ttl_attribute: None,
        point_in_time_recovery: false,
        server_side_encryption,
        deletion_protection: t.deletion_protection_enabled.unwrap_or(false),
        tags: BTreeMap::new(),
    }
}
