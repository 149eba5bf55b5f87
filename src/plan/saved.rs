//! Saved plans (`dtr plan --out plan.json`, `dtr apply plan.json`): the plan, plus fingerprints of
//! what it was computed from, so apply can refuse a plan whose configuration or live resources moved
//! since (Terraform's stale-plan check, terraform issue #24078, done for live state too).
//!
//! A plan file is input, not truth: it travels between CI jobs and anyone who can touch it can edit
//! it. So apply never executes it. It recomputes the plan from the configuration, the state and live
//! reads, executes that, and only if it equals the saved one change for change ([`differences`]).
//! The digest ([`digest`]) gives an early, clear refusal of a file edited after it was written.

use super::Plan;
use crate::model::{Desired, ResourceAddress};
use crate::provider::Observed;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Version 2 binds a digest of the whole file into its fingerprints. Version 1 files had none and are
/// refused (not read): accepting them would let an edit strip the digest by claiming version 1.
pub const SAVED_PLAN_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedPlan {
    pub format_version: u32,
    /// The environment file the plan was made from, relative to the project directory.
    pub environment_file: PathBuf,
    /// `--target` given to `dtr plan --out`: apply recomputes the plan with the same selection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<crate::model::Target>,
    /// `--replace` given to `dtr plan --out`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<ResourceAddress>,
    /// Made by `dtr plan --destroy`: apply recomputes a destroy plan (everything the state owns,
    /// against no configuration) to compare, and carries it out as `dtr destroy` would.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub destroy: bool,
    pub fingerprints: Fingerprints,
    pub plan: Plan,
}

/// Just the version, read first, so an old or newer file is refused by its version rather than by
/// whichever field it lacks.
#[derive(Deserialize)]
pub struct SavedPlanVersion {
    pub format_version: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprints {
    /// SHA-256 of the resolved configuration (every resource's properties, function code included).
    pub configuration: String,
    /// The state object's lineage and serial: any recorded action since moves it.
    pub state: String,
    /// SHA-256 of each planned resource as read live (`absent` when it did not exist).
    pub live: BTreeMap<ResourceAddress, String>,
    /// SHA-256 of this whole file (compact JSON, keys sorted) with this field empty: see
    /// [`digest`]. Not a signature (whoever edits the file can recompute it); the recomputation on
    /// apply is what protects, this names an edit as an edit.
    #[serde(default)]
    pub plan_digest: String,
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn fingerprints(
    desired: &Desired,
    state: &crate::state::State,
    observed: &BTreeMap<ResourceAddress, Option<Observed>>,
) -> Fingerprints {
    let config: Vec<_> = desired
        .resources
        .iter()
        .map(|r| (&r.address, &r.properties, &r.depends_on))
        .collect();
    // `moved` and `removed` entries decide what the state becomes: a plan made without them is stale.
    let lifecycle = (&desired.moved, &desired.removed);
    let config = serde_json::to_vec(&(config, &desired.outputs, &desired.backend, lifecycle))
        .unwrap_or_default();
    Fingerprints {
        configuration: sha256(&config),
        // A state never written (serial 0) has a fresh random lineage each time it is loaded.
        state: match state.serial {
            0 => "none".to_string(),
            serial => format!("{}#{serial}", state.lineage),
        },
        plan_digest: String::new(),
        live: observed
            .iter()
            .map(|(address, live)| {
                let print = match live {
                    Some(o) => sha256(
                        serde_json::to_string(&(&o.physical_id, &o.spec))
                            .unwrap_or_default()
                            .as_bytes(),
                    ),
                    None => "absent".to_string(),
                };
                (address.clone(), print)
            })
            .collect(),
    }
}

/// The digest bound into a saved plan's fingerprints: SHA-256 of the file's canonical form (compact
/// JSON, every object's keys sorted) with `plan_digest` empty.
pub fn digest(saved: &SavedPlan) -> String {
    let mut body = saved.clone();
    body.fingerprints.plan_digest = String::new();
    let body = serde_json::to_value(&body)
        .map(canonical)
        .unwrap_or(Value::Null);
    sha256(&serde_json::to_vec(&body).unwrap_or_default())
}

/// The same value with every object's keys in sorted order (serde_json keeps insertion order here).
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// The saved plan with its digest bound in, ready to write.
pub fn sealed(mut saved: SavedPlan) -> SavedPlan {
    saved.fingerprints.plan_digest = digest(&saved);
    saved
}

/// Where a plan file's environment file may be: a relative path inside the project, no `..`.
pub fn environment_file_in_project(path: &Path) -> Result<(), String> {
    let inside = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    match inside && !path.as_os_str().is_empty() {
        true => Ok(()),
        false => Err(format!(
            "it names the environment file {}, which is not a relative path inside the project",
            path.display()
        )),
    }
}

/// How many differing changes a refusal names.
const SHOWN_DIFFERENCES: usize = 5;

/// How the saved plan differs from the plan recomputed now, change by change: the address and which
/// fields. Empty when they are the same plan. Compared in their saved (JSON) form, so every field a
/// plan file carries is compared, including any added later.
pub fn differences(saved: &Plan, now: &Plan) -> Vec<String> {
    let mut found = Vec::new();
    for (field, a, b) in [
        ("stack", &saved.stack, &now.stack),
        ("environment", &saved.environment, &now.environment),
    ] {
        if a != b {
            found.push(format!(
                "the plan's {field} is {a}, the configuration's {b}"
            ));
        }
    }
    if saved.format_version != now.format_version {
        found.push(format!(
            "plan format {} (this dtr makes {})",
            saved.format_version, now.format_version
        ));
    }
    let json = |c: &super::ResourceChange| serde_json::to_value(c).unwrap_or(Value::Null);
    for i in 0..saved.changes.len().max(now.changes.len()) {
        if found.len() >= SHOWN_DIFFERENCES {
            found.push("…".into());
            break;
        }
        match (saved.changes.get(i), now.changes.get(i)) {
            (Some(s), Some(n)) if s.address != n.address => found.push(format!(
                "change {}: the file has {}, the recomputed plan {}",
                i + 1,
                s.address,
                n.address
            )),
            (Some(s), Some(n)) => {
                let fields = differing_fields(&json(s), &json(n));
                if !fields.is_empty() {
                    found.push(format!("{}: {} differ", s.address, fields.join(", ")));
                }
            }
            (Some(s), None) => found.push(format!("{}: not in the recomputed plan", s.address)),
            (None, Some(n)) => found.push(format!("{}: missing from the file", n.address)),
            (None, None) => {}
        }
    }
    found
}

/// The top-level keys whose values differ between two JSON objects, in first-seen order.
fn differing_fields(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return match a == b {
            true => Vec::new(),
            false => vec!["the change".into()],
        };
    };
    let mut keys: Vec<&String> = a.keys().collect();
    keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.to_string())
        .collect()
}

/// Why a saved plan no longer applies; empty when it still does.
pub fn stale_reasons(saved: &Fingerprints, now: &Fingerprints) -> Vec<String> {
    let mut reasons = Vec::new();
    if saved.configuration != now.configuration {
        reasons.push("the configuration changed".to_string());
    }
    if saved.state != now.state {
        reasons.push(format!("the state moved ({} → {})", saved.state, now.state));
    }
    for (address, print) in &saved.live {
        match now.live.get(address) {
            Some(p) if p == print => {}
            _ => reasons.push(format!("{address} changed live")),
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prints(config: &str, live: &[(&str, &str)]) -> Fingerprints {
        Fingerprints {
            configuration: config.into(),
            state: "l#1".into(),
            plan_digest: String::new(),
            live: live
                .iter()
                .map(|(a, p)| (a.parse().unwrap(), p.to_string()))
                .collect(),
        }
    }

    fn saved() -> SavedPlan {
        let plan: Plan = serde_json::from_value(serde_json::json!({
            "format_version": 1, "stack": "s", "environment": "dev",
            "changes": [
                {"address": "dynamodb_table.t", "action": "no_op", "physical_id": "s-dev-t",
                 "attributes": [], "desired": {"name": "s-dev-t", "ratio": 0.1}, "depends_on": []},
                {"address": "log_group.g", "action": "create", "attributes": [],
                 "desired": {"name": "/g"}, "depends_on": ["dynamodb_table.t"]}
            ]
        }))
        .unwrap();
        sealed(SavedPlan {
            format_version: SAVED_PLAN_VERSION,
            environment_file: "environments/dev.yaml".into(),
            targets: vec![],
            replace: vec![],
            destroy: false,
            fingerprints: prints("c1", &[("dynamodb_table.t", "x")]),
            plan,
        })
    }

    #[test]
    fn the_digest_survives_the_file_and_names_any_edit() {
        let saved = saved();
        let text = serde_json::to_string_pretty(&saved).unwrap();
        let read: SavedPlan = serde_json::from_str(&text).unwrap();
        assert_eq!(digest(&read), read.fingerprints.plan_digest);
        let mut edited = read.clone();
        edited.plan.changes[0].physical_id = Some("someone-elses".into());
        assert_ne!(digest(&edited), read.fingerprints.plan_digest);
        let mut edited = read;
        edited.environment_file = "environments/prod.yaml".into();
        assert_ne!(digest(&edited), edited.fingerprints.plan_digest);
    }

    #[test]
    fn differences_name_the_change_and_its_fields() {
        let now = saved().plan;
        assert!(differences(&now, &now).is_empty());
        let mut edited = now.clone();
        edited.changes[0].action = crate::plan::Action::Delete;
        edited.changes[0].physical_id = Some("someone-elses".into());
        edited.changes[1].depends_on.clear();
        assert_eq!(
            differences(&edited, &now),
            vec![
                "dynamodb_table.t: action, physical_id differ",
                "log_group.g: depends_on differ"
            ]
        );
        let mut fewer = now.clone();
        fewer.changes.remove(0);
        fewer.environment = "prod".into();
        assert_eq!(
            differences(&fewer, &now),
            vec![
                "the plan's environment is prod, the configuration's dev",
                "change 1: the file has log_group.g, the recomputed plan dynamodb_table.t",
                "log_group.g: missing from the file"
            ]
        );
    }

    #[test]
    fn a_plan_names_an_environment_file_only_inside_the_project() {
        assert!(environment_file_in_project(Path::new("environments/dev.yaml")).is_ok());
        for outside in [
            "/etc/dtr/dev.yaml",
            "../elsewhere/dev.yaml",
            "environments/../../x.yaml",
            "",
        ] {
            assert!(
                environment_file_in_project(Path::new(outside)).is_err(),
                "{outside}"
            );
        }
    }

    #[test]
    fn any_moved_input_makes_a_plan_stale() {
        let saved = prints("c1", &[("log_group.a", "x"), ("log_group.b", "absent")]);
        assert!(stale_reasons(&saved, &saved).is_empty());
        let moved = prints("c2", &[("log_group.a", "y"), ("log_group.b", "absent")]);
        assert_eq!(
            stale_reasons(&saved, &moved),
            vec!["the configuration changed", "log_group.a changed live"]
        );
    }
}
