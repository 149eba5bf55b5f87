//! `dynamodb_table`: read a live table into a [`TableSpec`], create, update in place, delete.

use crate::model::table::{
    AttributeDefinition, AttributeType, BillingMode, GlobalSecondaryIndex, Projection,
    ServerSideEncryption, SseKind, TableSpec,
};
use crate::provider::aws::Clients;
use crate::provider::kind::{Live, ResourceError, ResourceType};
use crate::provider::WaitError;
use crate::provider::{aws_error, build_error, converge_tags, found, ignore_not_found, AwsError};
use crate::retry::{Poll, Waiter};
use aws_sdk_dynamodb::types::{self as ddb, KeyType, TableStatus};
use aws_sdk_dynamodb::Client;
use std::collections::BTreeMap;

impl ResourceType for TableSpec {
    const FORCE_NEW: &'static [&'static str] = &["name", "hash_key", "range_key"];

    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>, ResourceError> {
        Ok(read(&clients.dynamodb, name).await?)
    }

    /// Create answers with the table as it is once active: no second read.
    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>, ResourceError> {
        Ok(create(&clients.dynamodb, spec).await?)
    }

    async fn update(
        clients: &Clients,
        desired: &Self,
        live: &Live<Self>,
    ) -> Result<Live<Self>, ResourceError> {
        Ok(update(&clients.dynamodb, desired, live).await?)
    }

    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<(), ResourceError> {
        Ok(delete(&clients.dynamodb, name).await?)
    }

    /// Sorted lists, so that order in the file is not a difference.
    fn canonical(mut self) -> Self {
        self.attributes.sort();
        self.global_secondary_indexes
            .sort_by(|a, b| a.name.cmp(&b.name));
        for gsi in &mut self.global_secondary_indexes {
            gsi.non_key_attributes.sort();
        }
        self
    }

    /// With `type: KMS` and no key named, AWS reports the ARN of its managed key, which is what
    /// was asked.
    fn normalize(have: &mut Self, want: &Self, _: &[&'static str]) {
        if want.server_side_encryption.kind == SseKind::Kms
            && want.server_side_encryption.kms_key_arn.is_none()
            && have.server_side_encryption.kind == SseKind::Kms
        {
            have.server_side_encryption.kms_key_arn = None;
        }
    }

    /// A key attribute whose type changed: the key schema is fixed at creation.
    fn replacement_reasons(want: &Self, have: &Self) -> Vec<String> {
        let type_of = |spec: &TableSpec, attr: &str| {
            spec.attributes
                .iter()
                .find(|a| a.name == attr)
                .map(|a| a.attribute_type)
        };
        // A renamed key is its own reason (FORCE_NEW); a key kept under its name whose type changed
        // is this one.
        let hash = (want.hash_key == have.hash_key).then_some(&want.hash_key);
        let range = want
            .range_key
            .as_ref()
            .filter(|_| want.range_key == have.range_key);
        if hash
            .into_iter()
            .chain(range)
            .any(|k| type_of(want, k) != type_of(have, k))
        {
            vec!["attributes".to_string()]
        } else {
            Vec::new()
        }
    }

    fn update_refusal(want: &Self, have: &Self) -> Option<String> {
        update_refusal(want, have)
    }
}

impl From<TableError> for ResourceError {
    fn from(e: TableError) -> Self {
        match e {
            TableError::Aws(e) => ResourceError::Aws(e),
            TableError::Wait(e) => ResourceError::Wait(e),
            refused @ TableError::Refused(..) => ResourceError::Refused(refused.to_string()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Wait(#[from] WaitError),
    #[error("table {0}: {1}")]
    Refused(String, String),
}

/// Read everything dtr manages about a table: 4 calls (DescribeTable, DescribeTimeToLive,
/// DescribeContinuousBackups, ListTagsOfResource). `None` when it does not exist.
pub async fn read(client: &Client, name: &str) -> Result<Option<Live<TableSpec>>, AwsError> {
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

    spec.tags = list_tags(client, &arn).await?;
    Ok(Some(Live::named(name, spec, arn)))
}

async fn list_tags(client: &Client, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
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

/// Renaming the TTL attribute takes two `UpdateTimeToLive` calls (disable the old, enable the new),
/// and DynamoDB accepts one per table per hour ("Time to live has been modified multiple times within
/// a fixed interval"): an apply would disable TTL, then fail, leaving it off. So it is planned as the
/// two steps it is, one apply each, an hour apart.
/// <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html>
fn update_refusal(desired: &TableSpec, observed: &TableSpec) -> Option<String> {
    match (&observed.ttl_attribute, &desired.ttl_attribute) {
        (Some(old), Some(new)) if old != new => Some(format!(
            "renaming the TTL attribute of table {} from `{old}` to `{new}` takes two UpdateTimeToLive calls, and DynamoDB allows one per table per hour. \
             Do it in two applies: remove `ttl_attribute` and apply (TTL is disabled on `{old}`), then, an hour later, set `ttl_attribute: {new}` and apply",
            desired.name
        )),
        _ => None,
    }
}

fn key_schema(hash: &str, range: Option<&String>) -> Result<Vec<ddb::KeySchemaElement>, AwsError> {
    let mut schema = vec![ddb::KeySchemaElement::builder()
        .attribute_name(hash)
        .key_type(KeyType::Hash)
        .build()
        .map_err(|e| build_error("key schema", e))?];
    if let Some(range) = range {
        schema.push(
            ddb::KeySchemaElement::builder()
                .attribute_name(range)
                .key_type(KeyType::Range)
                .build()
                .map_err(|e| build_error("key schema", e))?,
        );
    }
    Ok(schema)
}

fn attribute_definitions(spec: &TableSpec) -> Result<Vec<ddb::AttributeDefinition>, AwsError> {
    spec.attributes
        .iter()
        .map(|a| {
            ddb::AttributeDefinition::builder()
                .attribute_name(&a.name)
                .attribute_type(ddb::ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(|e| build_error("attribute definitions", e))
        })
        .collect()
}

fn throughput(
    read: Option<i64>,
    write: Option<i64>,
) -> Result<Option<ddb::ProvisionedThroughput>, AwsError> {
    match (read, write) {
        (Some(r), Some(w)) => ddb::ProvisionedThroughput::builder()
            .read_capacity_units(r)
            .write_capacity_units(w)
            .build()
            .map(Some)
            .map_err(|e| build_error("provisioned throughput", e)),
        _ => Ok(None),
    }
}

fn projection(gsi: &GlobalSecondaryIndex) -> ddb::Projection {
    ddb::Projection::builder()
        .projection_type(ddb::ProjectionType::from(gsi.projection.as_str()))
        .set_non_key_attributes(
            (!gsi.non_key_attributes.is_empty()).then(|| gsi.non_key_attributes.clone()),
        )
        .build()
}

fn gsi_create(
    gsi: &GlobalSecondaryIndex,
) -> Result<ddb::CreateGlobalSecondaryIndexAction, AwsError> {
    ddb::CreateGlobalSecondaryIndexAction::builder()
        .index_name(&gsi.name)
        .set_key_schema(Some(key_schema(&gsi.hash_key, gsi.range_key.as_ref())?))
        .projection(projection(gsi))
        .set_provisioned_throughput(throughput(gsi.read_capacity, gsi.write_capacity)?)
        .build()
        .map_err(|e| build_error("global secondary index", e))
}

fn sse_specification(spec: &TableSpec) -> ddb::SseSpecification {
    match spec.server_side_encryption.kind {
        SseKind::AwsOwned => ddb::SseSpecification::builder().enabled(false).build(),
        SseKind::Kms => ddb::SseSpecification::builder()
            .enabled(true)
            .sse_type(ddb::SseType::Kms)
            .set_kms_master_key_id(spec.server_side_encryption.kms_key_arn.clone())
            .build(),
    }
}

fn tags(map: &BTreeMap<String, String>) -> Result<Vec<ddb::Tag>, AwsError> {
    map.iter()
        .map(|(k, v)| {
            ddb::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| build_error("tags", e))
        })
        .collect()
}

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

/// Wait until the table and every index on it are ACTIVE.
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

async fn set_ttl(client: &Client, name: &str, attr: &str, enabled: bool) -> Result<(), AwsError> {
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

async fn set_pitr(client: &Client, name: &str, enabled: bool) -> Result<(), AwsError> {
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
    Waiter::TABLE
        .wait(&format!("table {name} to be deleted"), || async {
            let r = client.describe_table().table_name(name).send().await;
            Ok(
                match found(r.map_err(|e| aws_error("DescribeTable", format!("table {name}"), e)))?
                {
                    Some(out) => Poll::Pending(format!(
                        "status {:?}",
                        out.table.and_then(|t| t.table_status)
                    )),
                    None => Poll::Ready(()),
                },
            )
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TableSpec {
        serde_json::from_value(serde_json::json!({
            "name": "t1", "hash_key": "id",
            "attributes": [{"name": "id", "type": "S"}, {"name": "agent", "type": "S"}],
            "global_secondary_indexes": [{"name": "by-agent", "hash_key": "agent"}],
            "server_side_encryption": {"type": "KMS"}
        }))
        .unwrap()
    }

    fn replacement_reasons(want: &TableSpec, have: &TableSpec) -> Vec<String> {
        crate::provider::kind::compared(want, have).replace_reasons
    }

    #[test]
    fn key_changes_force_replacement_and_others_do_not() {
        let a = spec();
        let mut b = spec();
        b.point_in_time_recovery = true;
        assert!(replacement_reasons(&b, &a).is_empty());
        b.hash_key = "agent".into();
        assert_eq!(replacement_reasons(&b, &a), vec!["hash_key"]);
        b.attributes[0].attribute_type = AttributeType::N;
        assert_eq!(replacement_reasons(&b, &a), vec!["hash_key"]);
        let mut c = spec();
        c.attributes[0].attribute_type = AttributeType::N;
        assert_eq!(replacement_reasons(&c, &a), vec!["attributes"]);
    }

    #[test]
    fn renaming_the_ttl_attribute_is_refused_but_enabling_or_disabling_it_is_not() {
        let with = |ttl: Option<&str>| TableSpec {
            ttl_attribute: ttl.map(str::to_string),
            ..spec()
        };
        let why = update_refusal(&with(Some("b")), &with(Some("a"))).expect("a rename");
        assert!(
            why.contains("from `a` to `b`") && why.contains("two applies"),
            "{why}"
        );
        assert_eq!(update_refusal(&with(None), &with(Some("a"))), None);
        assert_eq!(update_refusal(&with(Some("b")), &with(None)), None);
        assert_eq!(update_refusal(&with(Some("a")), &with(Some("a"))), None);
    }

    #[test]
    fn aws_managed_kms_key_arn_is_not_a_difference() {
        let desired = spec().canonical();
        let mut observed = desired.clone();
        observed.server_side_encryption.kms_key_arn = Some("arn:aws:kms:us-east-1:1:key/x".into());
        TableSpec::normalize(&mut observed, &desired, &[]);
        assert_eq!(observed, desired);
    }

    #[test]
    fn canonical_sorts_what_aws_does_not_order() {
        let c = spec().canonical();
        assert_eq!(c.attributes[0].name, "agent");
    }
}
