//! A [`TableSpec`] in the shapes the SDK's requests take. A builder that refuses is a bug in dtr,
//! reported as a construction failure.

use crate::model::table::{GlobalSecondaryIndex, SseKind, TableSpec};
use crate::provider::{build_error, AwsError};
use aws_sdk_dynamodb::types::{self as ddb, KeyType};
use std::collections::BTreeMap;

pub(super) fn key_schema(
    hash: &str,
    range: Option<&String>,
) -> Result<Vec<ddb::KeySchemaElement>, AwsError> {
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

pub(super) fn attribute_definitions(
    spec: &TableSpec,
) -> Result<Vec<ddb::AttributeDefinition>, AwsError> {
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

pub(super) fn throughput(
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

pub(super) fn projection(gsi: &GlobalSecondaryIndex) -> ddb::Projection {
    ddb::Projection::builder()
        .projection_type(ddb::ProjectionType::from(gsi.projection.as_str()))
        .set_non_key_attributes(
            (!gsi.non_key_attributes.is_empty()).then(|| gsi.non_key_attributes.clone()),
        )
        .build()
}

pub(super) fn gsi_create(
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

pub(super) fn sse_specification(spec: &TableSpec) -> ddb::SseSpecification {
    match spec.server_side_encryption.kind {
        SseKind::AwsOwned => ddb::SseSpecification::builder().enabled(false).build(),
        SseKind::Kms => ddb::SseSpecification::builder()
            .enabled(true)
            .sse_type(ddb::SseType::Kms)
            .set_kms_master_key_id(spec.server_side_encryption.kms_key_arn.clone())
            .build(),
    }
}

pub(super) fn tags(map: &BTreeMap<String, String>) -> Result<Vec<ddb::Tag>, AwsError> {
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
