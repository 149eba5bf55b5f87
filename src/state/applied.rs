//! What dtr last applied to a resource, kept as one digest per top-level property (never the values:
//! a digest tells whether the configuration of a property changed since, which is all the planner
//! needs to tell drift from a change of configuration). Properties that hold a `sensitive` value get
//! no digest at all: a short hash of a short secret could be guessed from the state.

use crate::model::reference::value_has_resource_reference;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Top-level property → digest of the value applied, for every property that holds no sensitive
/// value (`sensitive` are property paths such as `environment.API_KEY`).
pub fn digests(props: &Value, sensitive: &[String]) -> BTreeMap<String, String> {
    let Some(map) = props.as_object() else {
        return BTreeMap::new();
    };
    map.iter()
        .filter(|(k, v)| !holds_sensitive(k, sensitive) && !value_has_resource_reference(v))
        .map(|(k, v)| (k.clone(), digest(v)))
        .collect()
}

/// Whether the configuration of top-level property `key` is what was last applied: same digest, or
/// absent both then and now. `None` when it cannot be told (nothing was recorded, the property holds a
/// sensitive value, or its value is known only after apply).
pub fn unchanged_since(
    applied: &BTreeMap<String, String>,
    props: &Value,
    sensitive: &[String],
    key: &str,
) -> Option<bool> {
    if applied.is_empty() || holds_sensitive(key, sensitive) {
        return None;
    }
    match props.get(key) {
        Some(v) if value_has_resource_reference(v) => None,
        Some(v) => Some(applied.get(key) == Some(&digest(v))),
        None => Some(!applied.contains_key(key)),
    }
}

fn holds_sensitive(key: &str, sensitive: &[String]) -> bool {
    sensitive.iter().any(|p| {
        p == key
            || p.strip_prefix(key)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

/// SHA-256 of the value with its map keys sorted (YAML order does not count), first 16 bytes in hex.
fn digest(v: &Value) -> String {
    let mut hasher = Sha256::new();
    canonical(v, &mut hasher);
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn canonical(v: &Value, h: &mut Sha256) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            h.update(b"{");
            for k in keys {
                h.update(Value::String(k.clone()).to_string().as_bytes());
                h.update(b":");
                canonical(&m[k], h);
                h.update(b",");
            }
            h.update(b"}");
        }
        Value::Array(items) => {
            h.update(b"[");
            for item in items {
                canonical(item, h);
                h.update(b",");
            }
            h.update(b"]");
        }
        scalar => h.update(scalar.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_property_is_unchanged_until_its_configuration_changes() {
        let props = json!({"retention_days": 7, "tags": {"a": "1", "b": "2"}});
        let applied = digests(&props, &[]);
        let reordered = json!({"tags": {"b": "2", "a": "1"}, "retention_days": 7});
        for key in ["retention_days", "tags"] {
            assert_eq!(unchanged_since(&applied, &reordered, &[], key), Some(true));
        }
        let edited = json!({"retention_days": 30, "tags": {"a": "1", "b": "2"}});
        assert_eq!(
            unchanged_since(&applied, &edited, &[], "retention_days"),
            Some(false)
        );
        // A property added to the configuration, or dropped from it, is a change.
        assert_eq!(
            unchanged_since(&applied, &props, &[], "kms_key"),
            Some(true),
            "absent then and now"
        );
        let added = json!({"retention_days": 7, "tags": {}, "kms_key": "k"});
        assert_eq!(
            unchanged_since(&applied, &added, &[], "kms_key"),
            Some(false)
        );
        let dropped = json!({"tags": {"a": "1", "b": "2"}});
        assert_eq!(
            unchanged_since(&applied, &dropped, &[], "retention_days"),
            Some(false)
        );
    }

    #[test]
    fn nothing_is_told_of_secrets_unknowns_or_an_old_state() {
        let sensitive = vec!["environment.API_KEY".to_string()];
        let props = json!({"environment": {"API_KEY": "s3cret"}, "role": "${resource.r.arn}"});
        let applied = digests(&props, &sensitive);
        assert!(applied.is_empty(), "{applied:?}");
        let old = BTreeMap::new();
        assert_eq!(unchanged_since(&old, &props, &[], "environment"), None);
        let applied = digests(&json!({"memory": 128}), &[]);
        assert_eq!(
            unchanged_since(&applied, &props, &sensitive, "environment"),
            None
        );
        assert_eq!(unchanged_since(&applied, &props, &[], "role"), None);
        assert!(
            !holds_sensitive("env", &sensitive),
            "a prefix of a name is not the name"
        );
    }
}
