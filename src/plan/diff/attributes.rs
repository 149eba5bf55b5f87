//! What changed, attribute by attribute, and which of it is drift; and the substitution of the
//! references whose values are known.

use super::super::AttributeChange;
use crate::model::reference::{
    has_resource_reference, substitute_resources, value_has_resource_reference,
};
use crate::state::{applied, ResourceState};
use serde_json::Value;
use std::collections::BTreeMap;

/// Substitute every `${resource.*}` whose value is known now; the rest stay for apply time.
pub fn resolve(value: &Value, known: &BTreeMap<String, Option<BTreeMap<String, String>>>) -> Value {
    match value {
        Value::String(s) if has_resource_reference(s) => {
            let lookup = |name: &str, attr: &str| known.get(name)?.as_ref()?.get(attr).cloned();
            Value::String(substitute_resources(s, &lookup).unwrap_or_else(|| s.clone()))
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(v, known)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), resolve(v, known)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Label as drift each attribute whose live value differs while its configuration is what was last
/// applied: the difference can only have come from outside dtr. `wanted`: the desired properties in
/// the canonical form the provider compares, as digested when applied.
pub(super) fn mark_drift(
    attrs: &mut [AttributeChange],
    owned: &ResourceState,
    wanted: &Value,
    sensitive: &[String],
) {
    for attr in attrs {
        let key = attr.path.split('.').next().unwrap_or_default();
        attr.drift = applied::unchanged_since(&owned.applied, wanted, sensitive, key) == Some(true);
    }
}

/// Attribute-level differences: objects (maps such as tags) are compared key by key, everything else
/// as a whole. `replace_reasons` are the top-level attributes that force a replacement.
pub fn attribute_changes(
    before: Option<&Value>,
    after: &Value,
    replace_reasons: &[String],
) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    let empty = serde_json::Map::new();
    let before_map = before.and_then(Value::as_object);
    let after_map = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = after_map
        .keys()
        .chain(before_map.map(|m| m.keys()).into_iter().flatten())
        .collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (b, a) = (before_map.and_then(|m| m.get(key)), after_map.get(key));
        if b == a {
            continue;
        }
        let forces = replace_reasons.iter().any(|r| r == key);
        match (b, a, before.is_some()) {
            (Some(Value::Object(bm)), Some(Value::Object(am)), _) if !forces => {
                let nested = attribute_changes(
                    Some(&Value::Object(bm.clone())),
                    &Value::Object(am.clone()),
                    &[],
                );
                out.extend(nested.into_iter().map(|c| AttributeChange {
                    path: format!("{key}.{}", c.path),
                    ..c
                }));
            }
            _ => out.push(AttributeChange {
                path: key.clone(),
                before: b.cloned(),
                after: a.cloned(),
                after_unknown: a.is_some_and(value_has_resource_reference),
                forces_replacement: forces,
                drift: false,
            }),
        }
    }
    out
}
