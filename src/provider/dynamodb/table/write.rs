//! Create and delete a table, and wait for what they start.

use super::read::read;
use super::request::gsi_create;
use super::request::{attribute_definitions, key_schema, sse_specification, tags, throughput};
use super::TableError;
use crate::model::table::TableSpec;
use crate::provider::kind::Live;
use crate::provider::{
    aws_error, build_error, ignore_not_found, waiter_error, AwsError, WaitError,
};
use crate::retry::{Poll, Waiter};
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput;
use aws_sdk_dynamodb::types::{self as ddb, TableStatus};
use aws_sdk_dynamodb::Client;

/// Create the table with everything CreateTable accepts (tags included, so a crash right after is
/// discoverable by its `dtr:*` tags), wait for ACTIVE, then set TTL and PITR.
pub async fn create(client: &Client, spec: &TableSpec) -> Result<Live<TableSpec>, TableError> {
    let gsis = spec
        .global_secondary_indexes
        .iter()
        .map(|g| {
            let c = gsi_create(g)?;
            ddb::GlobalSecondaryIndex::builder()
                .index_name(c.index_name)
                .set_key_schema(Some(c.key_schema))
                .set_projection(c.projection)
                .set_provisioned_throughput(c.provisioned_throughput)
                .build()
                .map_err(|e| build_error("global secondary index", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    client
        .create_table()
        .table_name(&spec.name)
        .billing_mode(ddb::BillingMode::from(spec.billing_mode.as_str()))
        .set_provisioned_throughput(throughput(spec.read_capacity, spec.write_capacity)?)
        .set_key_schema(Some(key_schema(&spec.hash_key, spec.range_key.as_ref())?))
        .set_attribute_definitions(Some(attribute_definitions(spec)?))
        .set_global_secondary_indexes((!gsis.is_empty()).then_some(gsis))
        .sse_specification(sse_specification(spec))
        .deletion_protection_enabled(spec.deletion_protection)
        .set_tags(
            (!spec.tags.is_empty())
                .then(|| tags(&spec.tags))
                .transpose()?,
        )
        .send()
        .await
        .map_err(|e| aws_error("CreateTable", format!("table {}", spec.name), e))?;
    wait_active(client, &spec.name).await?;
    if let Some(attr) = &spec.ttl_attribute {
        set_ttl(client, &spec.name, attr, true).await?;
    }
    if spec.point_in_time_recovery {
        set_pitr(client, &spec.name, true).await?;
    }
    read(client, &spec.name).await?.ok_or_else(|| {
        TableError::Refused(
            spec.name.clone(),
            "disappeared right after it was created".into(),
        )
    })
}

/// Wait until the table and every index on it are ACTIVE. Not the SDK's `TableExists` waiter: it
/// looks at the table's status only, and an index being built or dropped keeps its table ACTIVE.
pub async fn wait_active(client: &Client, name: &str) -> Result<(), WaitError> {
    Waiter::TABLE
        .wait(&format!("table {name} to become ACTIVE"), || async {
            let out = client
                .describe_table()
                .table_name(name)
                .send()
                .await
                .map_err(|e| aws_error("DescribeTable", format!("table {name}"), e))?;
            let table = out
                .table
                .unwrap_or_else(|| ddb::TableDescription::builder().build());
            let table_active = table.table_status == Some(TableStatus::Active);
            let pending: Vec<String> = table
                .global_secondary_indexes()
                .iter()
                .filter(|g| g.index_status != Some(ddb::IndexStatus::Active))
                .map(|g| g.index_name.clone().unwrap_or_default())
                .collect();
            Ok(if table_active && pending.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending(format!(
                    "table {:?}, indexes not active: {pending:?}",
                    table.table_status
                ))
            })
        })
        .await
}

pub(super) async fn set_ttl(
    client: &Client,
    name: &str,
    attr: &str,
    enabled: bool,
) -> Result<(), AwsError> {
    let spec = ddb::TimeToLiveSpecification::builder()
        .attribute_name(attr)
        .enabled(enabled)
        .build()
        .map_err(|e| build_error("ttl", e))?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(|e| aws_error("UpdateTimeToLive", format!("table {name}"), e))?;
    Ok(())
}

pub(super) async fn set_pitr(client: &Client, name: &str, enabled: bool) -> Result<(), AwsError> {
    let spec = ddb::PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(enabled)
        .build()
        .map_err(|e| build_error("point-in-time recovery", e))?;
    client
        .update_continuous_backups()
        .table_name(name)
        .point_in_time_recovery_specification(spec)
        .send()
        .await
        .map_err(|e| aws_error("UpdateContinuousBackups", format!("table {name}"), e))?;
    Ok(())
}

/// Delete a table and wait until it is gone. Refuses while deletion protection is on.
pub async fn delete(client: &Client, name: &str) -> Result<(), TableError> {
    if let Some(live) = read(client, name).await? {
        if live.spec.deletion_protection {
            return Err(TableError::Refused(
                name.to_string(),
                "deletion protection is enabled; set `deletion_protection: false` and apply before deleting".into(),
            ));
        }
    }
    let r = client.delete_table().table_name(name).send().await;
    ignore_not_found(r.map_err(|e| aws_error("DeleteTable", format!("table {name}"), e)))?;
    // The SDK's own waiter: DescribeTable until ResourceNotFoundException.
    let gone = client
        .wait_until_table_not_exists()
        .table_name(name)
        .wait(Waiter::TABLE.timeout)
        .await;
    gone.map_err(|e| {
        let what = format!("table {name} to be deleted");
        let describe = |out: &DescribeTableOutput| {
            format!(
                "status {:?}",
                out.table.as_ref().and_then(|t| t.table_status.as_ref())
            )
        };
        waiter_error("DescribeTable", format!("table {name}"), &what, describe, e)
    })?;
    Ok(())
}
