//! Saved plans (`dtr plan --out plan.json`, `dtr apply plan.json`): the plan, plus fingerprints of
//! what it was computed from, so apply can refuse a plan whose configuration or live resources moved
//! since (Terraform's stale-plan check, terraform issue #24078, done for live state too).

use super::Plan;
use crate::model::{Desired, ResourceAddress};
use crate::provider::resources::Observed;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const SAVED_PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedPlan {
    pub format_version: u32,
    /// The environment file the plan was made from, relative to the project directory.
    pub environment_file: PathBuf,
    pub fingerprints: Fingerprints,
    pub plan: Plan,
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
    let config =
        serde_json::to_vec(&(config, &desired.outputs, &desired.backend)).unwrap_or_default();
    Fingerprints {
        configuration: sha256(&config),
        // A state never written (serial 0) has a fresh random lineage each time it is loaded.
        state: match state.serial {
            0 => "none".to_string(),
            serial => format!("{}#{serial}", state.lineage),
        },
        live: observed
            .iter()
            .map(|(address, live)| {
                let print = match live {
                    Some(o) => sha256(
                        serde_json::to_string(&(&o.physical_id, &o.properties))
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
            live: live
                .iter()
                .map(|(a, p)| (a.parse().unwrap(), p.to_string()))
                .collect(),
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
