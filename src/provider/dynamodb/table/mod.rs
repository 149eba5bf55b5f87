//! `dynamodb_table`: read a live table into a [`TableSpec`], create, update in place, delete.
//! A folder by concern: [`read`] (a live table into a spec), [`request`] (the SDK's shapes of a
//! spec), [`write`] (create, delete, the waits), [`update`] (in place, one index change at a time).

mod read;
mod request;
mod update;
mod write;

pub use read::read;
pub use update::update;
pub use write::{create, delete, wait_active};

use crate::model::table::{SseKind, TableSpec};
use crate::provider::aws::Clients;
use crate::provider::kind::{tf_attr, Live, ResourceError, ResourceType, Terraform};
use crate::provider::{AwsError, WaitError};

impl ResourceType for TableSpec {
    const FORCE_NEW: &'static [&'static str] = &["name", "hash_key", "range_key"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_dynamodb_table",
        physical_id: |a| tf_attr(a, "name"),
        folded: &[],
    });
    const TAGGING_SERVICE: Option<&'static str> = Some("dynamodb");

    /// 4 calls, or 3 when the environment's tag index holds its tags.
    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>, ResourceError> {
        let client = &clients.dynamodb;
        let Some(mut live) = read::read_untagged(client, name).await? else {
            return Ok(None);
        };
        let arn = live.arn().to_string();
        let native = read::list_tags(client, &arn);
        live.spec.tags = clients.tags_of(&arn, &mut live.provisional, native).await?;
        Ok(Some(live))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::table::AttributeType;

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
        crate::provider::adapter::compared(want, have).replace_reasons
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
