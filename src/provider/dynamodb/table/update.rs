//! Bring a live table to its spec in place.

use super::read::read;
use super::request::{attribute_definitions, gsi_create, sse_specification, tags, throughput};
use super::write::{set_pitr, set_ttl, wait_active};
use super::TableError;
use crate::model::table::{GlobalSecondaryIndex, TableSpec};
use crate::provider::kind::Live;
use crate::provider::{aws_error, build_error, converge_tags, AwsError};
use aws_sdk_dynamodb::types as ddb;
use aws_sdk_dynamodb::Client;
use std::collections::BTreeMap;

/// Bring a live table to `desired` without replacing it. Index changes go one per UpdateTable, as
/// DynamoDB requires, waiting for ACTIVE between them.
pub async fn update(
    client: &Client,
    desired: &TableSpec,
    observed: &Live<TableSpec>,
) -> Result<Live<TableSpec>, TableError> {
    let name = &desired.name;
    let current = &observed.spec;
    let table_err = |op: &str| {
        let op = op.to_string();
        move |e| aws_error(&op, format!("table {name}"), e)
    };
    if desired.billing_mode != current.billing_mode
        || desired.read_capacity != current.read_capacity
        || desired.write_capacity != current.write_capacity
    {
        let mut req = client
            .update_table()
            .table_name(name)
            .billing_mode(ddb::BillingMode::from(desired.billing_mode.as_str()))
            .set_provisioned_throughput(throughput(desired.read_capacity, desired.write_capacity)?);
        // Switching to PROVISIONED needs capacity for every index that stays.
        for gsi in &desired.global_secondary_indexes {
            let kept = current
                .global_secondary_indexes
                .iter()
                .any(|g| g.name == gsi.name);
            if let (true, Some(t)) = (kept, throughput(gsi.read_capacity, gsi.write_capacity)?) {
                let update = ddb::UpdateGlobalSecondaryIndexAction::builder()
                    .index_name(&gsi.name)
                    .provisioned_throughput(t)
                    .build()
                    .map_err(|e| build_error("index capacity", e))?;
                req = req.global_secondary_index_updates(
                    ddb::GlobalSecondaryIndexUpdate::builder()
                        .update(update)
                        .build(),
                );
            }
        }
        req.send().await.map_err(table_err("UpdateTable"))?;
        wait_active(client, name).await?;
    }
    if desired.deletion_protection != current.deletion_protection {
        client
            .update_table()
            .table_name(name)
            .deletion_protection_enabled(desired.deletion_protection)
            .send()
            .await
            .map_err(table_err("UpdateTable"))?;
    }
    if desired.server_side_encryption != current.server_side_encryption {
        client
            .update_table()
            .table_name(name)
            .sse_specification(sse_specification(desired))
            .send()
            .await
            .map_err(table_err("UpdateTable"))?;
        wait_active(client, name).await?;
    }
    update_indexes(client, desired, current).await?;
    if desired.ttl_attribute != current.ttl_attribute {
        if let Some(old) = &current.ttl_attribute {
            set_ttl(client, name, old, false).await?;
        }
        if let Some(new) = &desired.ttl_attribute {
            set_ttl(client, name, new, true).await?;
        }
    }
    if desired.point_in_time_recovery != current.point_in_time_recovery {
        set_pitr(client, name, desired.point_in_time_recovery).await?;
    }
    update_tags(client, observed.arn(), &desired.tags, &current.tags).await?;
    read(client, name)
        .await?
        .ok_or_else(|| TableError::Refused(name.clone(), "disappeared during the update".into()))
}

async fn update_indexes(
    client: &Client,
    desired: &TableSpec,
    current: &TableSpec,
) -> Result<(), TableError> {
    let name = &desired.name;
    let by_name = |spec: &TableSpec| -> BTreeMap<String, GlobalSecondaryIndex> {
        spec.global_secondary_indexes
            .iter()
            .map(|g| (g.name.clone(), g.clone()))
            .collect()
    };
    let (want, have) = (by_name(desired), by_name(current));
    // An index whose keys or projection changed cannot be altered: drop it and build it again.
    let same_shape = |a: &GlobalSecondaryIndex, b: &GlobalSecondaryIndex| {
        a.hash_key == b.hash_key
            && a.range_key == b.range_key
            && a.projection == b.projection
            && a.non_key_attributes == b.non_key_attributes
    };
    let to_delete: Vec<&String> = have
        .iter()
        .filter(|(n, g)| want.get(*n).is_none_or(|w| !same_shape(w, g)))
        .map(|(n, _)| n)
        .collect();
    let to_create: Vec<&GlobalSecondaryIndex> = want
        .iter()
        .filter(|(n, g)| have.get(*n).is_none_or(|h| !same_shape(g, h)))
        .map(|(_, g)| g)
        .collect();
    let to_resize: Vec<&GlobalSecondaryIndex> = want
        .iter()
        .filter(|(n, g)| {
            have.get(*n).is_some_and(|h| {
                same_shape(g, h)
                    && (g.read_capacity, g.write_capacity) != (h.read_capacity, h.write_capacity)
            })
        })
        .map(|(_, g)| g)
        .filter(|g| g.read_capacity.is_some())
        .collect();
    let mut updates = Vec::new();
    for index in to_delete {
        updates.push(
            ddb::GlobalSecondaryIndexUpdate::builder()
                .delete(
                    ddb::DeleteGlobalSecondaryIndexAction::builder()
                        .index_name(index)
                        .build()
                        .map_err(|e| build_error("index", e))?,
                )
                .build(),
        );
    }
    for gsi in to_create {
        updates.push(
            ddb::GlobalSecondaryIndexUpdate::builder()
                .create(gsi_create(gsi)?)
                .build(),
        );
    }
    for gsi in to_resize {
        if let Some(t) = throughput(gsi.read_capacity, gsi.write_capacity)? {
            updates.push(
                ddb::GlobalSecondaryIndexUpdate::builder()
                    .update(
                        ddb::UpdateGlobalSecondaryIndexAction::builder()
                            .index_name(&gsi.name)
                            .provisioned_throughput(t)
                            .build()
                            .map_err(|e| build_error("index", e))?,
                    )
                    .build(),
            );
        }
    }
    for update in updates {
        // AttributeDefinitions must cover the new index's keys; the desired set is a superset of them.
        client
            .update_table()
            .table_name(name)
            .set_attribute_definitions(Some(attribute_definitions(desired)?))
            .global_secondary_index_updates(update)
            .send()
            .await
            .map_err(|e| aws_error("UpdateTable", format!("table {name}"), e))?;
        wait_active(client, name).await?;
    }
    Ok(())
}

async fn update_tags(
    client: &Client,
    arn: &str,
    want: &BTreeMap<String, String>,
    have: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    converge_tags(
        want,
        have,
        async |removed| {
            let r = client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await;
            r.map(drop).map_err(|e| aws_error("UntagResource", arn, e))
        },
        async |set| {
            let r = client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags(&set)?))
                .send()
                .await;
            r.map(drop).map_err(|e| aws_error("TagResource", arn, e))
        },
    )
    .await
}
