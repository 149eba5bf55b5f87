//! Taking over what Terraform created: read its state, find each resource live, match it to this
//! configuration's addresses (through each kind's `ResourceType::TERRAFORM` in the registry), and
//! say what becomes dtr's, what Terraform keeps, and what the next apply would create or replace.
//! Writing the state and the `terraform state rm` commands is the command's (`commands::migrate`).

pub mod mapping;
pub mod tfstate;

use crate::engine::{refuse_backend, EngineError};
use crate::model::{Desired, ResourceAddress, ResourceKind};
use crate::provider::aws::Clients;
use crate::provider::kind::tf_attr;
use crate::provider::{registry, ResourceError};
use futures_util::stream::{self, StreamExt};
use mapping::{Candidate, Mapping};
use tfstate::{TfInstance, TfState};

/// What a Terraform resource is to dtr.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// A resource of `kind`, known to AWS by `id`.
    Modelled { kind: ResourceKind, id: String },
    /// Part of the resource of `kind` known by `parent_id` (a bucket's versioning).
    Folded {
        kind: ResourceKind,
        parent_id: String,
    },
    /// A type dtr does not model, or one whose state lacks the attributes that identify it.
    Unmodelled,
}

/// What a Terraform resource of `instance`'s type is to dtr, from the registry.
pub fn role(instance: &TfInstance) -> Role {
    for kind in ResourceKind::ALL {
        let Some(terraform) = registry::of(*kind).terraform() else {
            continue;
        };
        if terraform.resource == instance.resource_type {
            return match (terraform.physical_id)(&instance.attributes) {
                Some(id) => Role::Modelled { kind: *kind, id },
                None => Role::Unmodelled,
            };
        }
        let folded = terraform
            .folded
            .iter()
            .find(|f| f.resource == instance.resource_type);
        if let Some(folded) = folded {
            return match tf_attr(&instance.attributes, folded.parent_attribute) {
                Some(parent_id) => Role::Folded {
                    kind: *kind,
                    parent_id,
                },
                None => Role::Unmodelled,
            };
        }
    }
    Role::Unmodelled
}

/// The whole outcome of a migration, before anything is written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Migration {
    pub mapping: Mapping,
    /// Terraform resources dtr models as part of a matched resource: (Terraform address, the dtr
    /// address they fold into).
    pub folded: Vec<(String, ResourceAddress)>,
    /// Terraform resources that would fold into a resource that matched nothing: Terraform keeps them.
    pub folded_unclaimed: Vec<String>,
    /// Terraform resources dtr does not model (with their type): Terraform keeps them.
    pub unmodelled: Vec<String>,
    /// In the Terraform state but not in AWS (deleted behind Terraform's back): nothing to take over.
    pub not_live: Vec<String>,
    /// Terraform's data sources: nobody's to take over.
    pub data_sources: Vec<String>,
}

impl Migration {
    /// The Terraform addresses dtr takes over, for `terraform state rm`: matched and folded.
    pub fn taken_over(&self) -> Vec<&str> {
        let matched = self.mapping.matched.iter().map(|m| m.from.as_str());
        matched
            .chain(self.folded.iter().map(|(from, _)| from.as_str()))
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    State(#[from] tfstate::TfStateError),
    #[error("reading {from} ({id}) live: {source}")]
    Read {
        from: String,
        id: String,
        source: ResourceError,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Read live every resource `state` names that dtr models (up to `parallelism` at once), and match
/// them to `desired`. A match that is a dtr backend is refused.
pub async fn survey(
    clients: &Clients,
    desired: &Desired,
    state: &TfState,
    parallelism: usize,
) -> Result<Migration, MigrateError> {
    let mut migration = Migration {
        data_sources: state.data_sources.clone(),
        ..Default::default()
    };
    let mut modelled = Vec::new();
    let mut folded = Vec::new();
    for instance in &state.instances {
        match role(instance) {
            Role::Modelled { kind, id } => modelled.push((instance.address.clone(), kind, id)),
            Role::Folded { kind, parent_id } => {
                folded.push((instance.address.clone(), kind, parent_id))
            }
            Role::Unmodelled => migration
                .unmodelled
                .push(format!("{} ({})", instance.address, instance.resource_type)),
        }
    }
    let reads = modelled.into_iter().map(|(from, kind, id)| async move {
        let live = registry::of(kind).read(clients, &id).await;
        (from, kind, id, live)
    });
    let mut read: Vec<_> = stream::iter(reads).buffered(parallelism).collect().await;
    let mut candidates = Vec::new();
    for (from, kind, id, live) in read.drain(..) {
        match live {
            Ok(Some(live)) => candidates.push(Candidate { from, kind, live }),
            Ok(None) => migration.not_live.push(from),
            Err(source) => return Err(MigrateError::Read { from, id, source }),
        }
    }
    migration.mapping = mapping::map(desired, candidates);
    for m in &migration.mapping.matched {
        refuse_backend(&desired.backend, &m.address, &m.live)?;
    }
    for (from, kind, parent_id) in folded {
        let into = migration
            .mapping
            .matched
            .iter()
            .find(|m| m.address.kind == kind && m.live.physical_id == parent_id);
        match into {
            Some(m) => migration.folded.push((from, m.address.clone())),
            None => migration.folded_unclaimed.push(from),
        }
    }
    Ok(migration)
}

/// `terraform state rm` for each address, quoted for a POSIX shell (addresses hold `"` and spaces).
pub fn state_rm_commands(addresses: &[&str]) -> Vec<String> {
    addresses
        .iter()
        .map(|a| format!("terraform state rm '{}'", a.replace('\'', r"'\''")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn instance(resource_type: &str, attributes: serde_json::Value) -> TfInstance {
        TfInstance {
            address: format!("{resource_type}.x"),
            resource_type: resource_type.to_string(),
            attributes,
        }
    }

    #[test]
    fn terraform_types_map_through_the_registry() {
        assert_eq!(
            role(&instance(
                "aws_dynamodb_table",
                json!({"name": "t", "id": "t"})
            )),
            Role::Modelled {
                kind: ResourceKind::DynamodbTable,
                id: "t".into()
            }
        );
        assert_eq!(
            role(&instance(
                "aws_apigatewayv2_route",
                json!({"id": "r1", "api_id": "a1", "route_key": "GET /"})
            )),
            Role::Modelled {
                kind: ResourceKind::ApiRoute,
                id: "a1/r1".into()
            }
        );
        assert_eq!(
            role(&instance(
                "aws_s3_bucket_versioning",
                json!({"bucket": "b"})
            )),
            Role::Folded {
                kind: ResourceKind::S3Bucket,
                parent_id: "b".into()
            }
        );
        assert_eq!(
            role(&instance("aws_sqs_queue", json!({"name": "t"}))),
            Role::Unmodelled
        );
        // A state without the identifying attribute is not guessed at.
        assert_eq!(
            role(&instance("aws_lambda_function", json!({"arn": "x"}))),
            Role::Unmodelled
        );
    }

    #[test]
    fn every_kind_says_how_terraform_records_it() {
        for kind in ResourceKind::ALL {
            assert!(registry::of(*kind).terraform().is_some(), "{kind}");
        }
    }

    #[test]
    fn state_rm_commands_are_quoted_for_the_shell() {
        assert_eq!(
            state_rm_commands(&["module.api.aws_apigatewayv2_route.r[\"GET /it's\"]"]),
            [r#"terraform state rm 'module.api.aws_apigatewayv2_route.r["GET /it'\''s"]'"#]
        );
    }
}
