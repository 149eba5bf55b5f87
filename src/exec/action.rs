//! One change carried out against AWS, with owned inputs so it can run as its own task. It never
//! touches the state: it says what happened, and the executor records it.

use crate::model::{ResourceAddress, ResourceKind};
use crate::plan::Action;
use crate::provider::aws::Clients;
use crate::provider::ErrorClass;
use crate::provider::{registry, Observed, ResourceError};
use serde_json::Value;

/// Everything one action needs, owned.
pub struct Work {
    pub address: ResourceAddress,
    pub action: Action,
    pub physical_id: Option<String>,
    /// Desired properties with every reference resolved.
    pub props: Value,
    pub force_destroy: bool,
    /// Outputs known from the plan (for a no-op that only records).
    pub outputs: std::collections::BTreeMap<String, String>,
    /// What the plan read live (`None`: read it again before an update).
    pub live: Option<Observed>,
}

/// What happened in AWS.
pub enum Done {
    /// The resource exists as observed: record it.
    Exists(Observed),
    /// The resource is gone: forget it.
    Gone,
    /// The resource stays in AWS, no longer managed (`removed` with `destroy: false`): forget it,
    /// and remember that it was forgotten.
    Forgotten,
    /// A replace deleted the old resource, then failed to create the new one: forget the old one,
    /// and report the failure.
    GoneThenFailed(ResourceError),
}

pub async fn run(clients: Clients, work: Work) -> Result<Done, ResourceError> {
    let kind = work.address.kind;
    let id = work.physical_id.clone().unwrap_or_default();
    match work.action {
        Action::NoOp => Ok(Done::Exists(Observed {
            physical_id: id,
            spec: work.props,
            outputs: work.outputs,
            unreported: Vec::new(),
            provisional: Vec::new(),
        })),
        Action::Create => Ok(Done::Exists(create(&clients, kind, &work.props).await?)),
        Action::Update => {
            // The plan's read, made under the same lock, is what the update starts from.
            let live = match work.live {
                Some(live) => live,
                None => registry::of(kind)
                    .read(&clients, &id)
                    .await?
                    .ok_or_else(|| {
                        ResourceError::Refused(format!("{id} disappeared since the plan was made"))
                    })?,
            };
            Ok(Done::Exists(
                registry::of(kind)
                    .update(&clients, &work.props, &live)
                    .await?,
            ))
        }
        Action::Replace => {
            registry::of(kind)
                .delete(&clients, &id, work.force_destroy)
                .await?;
            match create(&clients, kind, &work.props).await {
                Ok(observed) => Ok(Done::Exists(observed)),
                Err(e) => Ok(Done::GoneThenFailed(e)),
            }
        }
        Action::Delete => {
            registry::of(kind)
                .delete(&clients, &id, work.force_destroy)
                .await?;
            Ok(Done::Gone)
        }
        // Only the state lets go of it: no AWS call.
        Action::Forget => Ok(Done::Forgotten),
    }
}

const CREATE_ATTEMPTS: u32 = 6;

/// Create, surviving a lost answer. AWS may carry out a create whose answer never arrives; retried
/// blindly, a create without a client token (an API, an integration, an authorizer) makes a second
/// resource, and one with a fixed name fails with "already exists". So after such a failure, look for
/// the resource first, as a plan would after a crash: if it is there and ours, it is the one just
/// made, and it is brought to the configuration; if not, create again (a bounded number of times).
async fn create(
    clients: &Clients,
    kind: ResourceKind,
    props: &Value,
) -> Result<Observed, ResourceError> {
    let backoff = crate::retry::Backoff::DEFAULT;
    let mut attempt = 0;
    loop {
        let error = match registry::of(kind).create(clients, props).await {
            Ok(observed) => return Ok(observed),
            Err(e) => e,
        };
        let Some(aws) = error.aws() else {
            return Err(error);
        };
        // What exists may be this create's own work, done before its answer was lost; on a create,
        // a conflict (a stage or a table by that name, in use) says the same.
        let exists = matches!(aws.class, ErrorClass::AlreadyExists | ErrorClass::Conflict);
        let lost = matches!(aws.class, ErrorClass::Transient | ErrorClass::Throttled);
        if !(exists || lost) {
            return Err(error);
        }
        if let Some(found) = find(clients, kind, props).await? {
            if ours(kind, props, &found) {
                return registry::of(kind).update(clients, props, &found).await;
            }
        }
        attempt += 1;
        if exists || attempt >= CREATE_ATTEMPTS {
            return Err(error);
        }
        tokio::time::sleep(backoff.delay(attempt)).await;
    }
}

/// The resource `props` describes, looked for as the planner does: by name, tags or parent.
async fn find(
    clients: &Clients,
    kind: ResourceKind,
    props: &Value,
) -> Result<Option<Observed>, ResourceError> {
    match registry::of(kind).physical_id(props) {
        Some(id) => registry::of(kind).read(clients, &id).await,
        None => registry::of(kind).discover(clients, props).await,
    }
}

/// Whether a resource found right after our own create failed is ours: it carries the `dtr:*` tags we
/// gave it, or it has no tags to carry (found inside our parent, or a bucket whose name our creation
/// intent claimed before it was made, or a dashboard written whole by one idempotent call).
fn ours(kind: ResourceKind, props: &Value, found: &Observed) -> bool {
    if !kind.taggable() || kind.contained() || registry::of(kind).tagged_after_create() {
        return true;
    }
    let wanted: std::collections::BTreeMap<String, String> = props
        .get("tags")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    let live = found.tags();
    wanted
        .iter()
        .filter(|(k, _)| k.starts_with("dtr:"))
        .all(|(k, v)| live.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn found(tags: Value) -> Observed {
        Observed {
            physical_id: "x".into(),
            spec: json!({ "name": "x", "tags": tags }),
            outputs: Default::default(),
            unreported: Vec::new(),
            provisional: Vec::new(),
        }
    }

    #[test]
    fn a_resource_found_after_a_failed_create_is_ours_only_with_our_tags() {
        let props = json!({"name": "x", "tags": {"dtr:env": "dev", "dtr:address": "log_group.a", "team": "t"}});
        let ours_live = found(json!({"dtr:env": "dev", "dtr:address": "log_group.a"}));
        let theirs = found(json!({"dtr:env": "prod", "dtr:address": "log_group.a"}));
        let untagged = found(json!({}));
        assert!(ours(ResourceKind::LogGroup, &props, &ours_live));
        assert!(!ours(ResourceKind::LogGroup, &props, &theirs));
        assert!(!ours(ResourceKind::LogGroup, &props, &untagged));
        // No tags to carry: found inside our parent, or claimed by a creation intent.
        assert!(ours(ResourceKind::ApiRoute, &props, &untagged));
        assert!(ours(ResourceKind::S3Bucket, &props, &untagged));
    }
}
