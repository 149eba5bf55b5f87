//! Where `sensitive` parameters flow: into the properties that substitute them (found while
//! substituting, see [`super::substitute::substitute_params`]), and on through `${resource.<name>.<attr>}`
//! references to sensitive attributes, resource by resource in dependency order.

use crate::model::reference::{find_references, Reference};
use crate::model::sensitive::exports_sensitive;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Paths found in the YAML, laid on the built properties: each stops at the first list, and at the
/// deepest key the properties have (a property the spec reshaped is masked whole).
pub fn anchor(value: &Value, paths: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    paths
        .iter()
        .map(|path| {
            let mut here = value;
            let mut kept = Vec::new();
            for key in path {
                match here.get(key.as_str()) {
                    Some(next) if here.is_object() => {
                        kept.push(key.clone());
                        if next.is_array() {
                            break;
                        }
                        here = next;
                    }
                    _ => {
                        // Not there as written: keep at least the property itself.
                        if kept.is_empty() {
                            kept.push(key.clone());
                        }
                        break;
                    }
                }
            }
            kept
        })
        .collect()
}

/// The paths of the strings in `value` that read a sensitive attribute of another resource, given
/// the sensitive paths of the resources read so far.
pub fn through_references(
    value: &Value,
    read: &BTreeMap<String, Vec<String>>,
) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    walk(value, &mut Vec::new(), false, read, &mut found);
    found
}

fn walk(
    value: &Value,
    path: &mut Vec<String>,
    in_list: bool,
    read: &BTreeMap<String, Vec<String>>,
    found: &mut BTreeSet<Vec<String>>,
) {
    match value {
        Value::String(s) if reads_sensitive(s, read) => {
            found.insert(path.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, path, true, read, found)),
        Value::Object(map) => {
            for (key, v) in map {
                if !in_list {
                    path.push(key.clone());
                }
                walk(v, path, in_list, read, found);
                if !in_list {
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// Whether the template `s` reads a sensitive attribute of a resource in `read`.
pub fn reads_sensitive(s: &str, read: &BTreeMap<String, Vec<String>>) -> bool {
    find_references(s).iter().any(|(_, r)| match r {
        Reference::Resource { name, attribute } => read
            .get(name)
            .is_some_and(|paths| exports_sensitive(paths, attribute)),
        _ => false,
    })
}

/// Paths as the plan writes them: `environment.API_KEY`.
pub fn dotted(paths: &BTreeSet<Vec<String>>) -> Vec<String> {
    paths.iter().map(|p| p.join(".")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(paths: &[&[&str]]) -> BTreeSet<Vec<String>> {
        paths
            .iter()
            .map(|p| p.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn paths_stop_at_lists_and_at_what_the_properties_have() {
        let value =
            json!({"cors": {"allow_origins": ["a"]}, "environment": {"K": "v"}, "memory": 1});
        let anchored = anchor(
            &value,
            &set(&[
                &["cors", "allow_origins"],
                &["environment", "K"],
                &["memory", "deeper"],
                &["gone", "x"],
            ]),
        );
        assert_eq!(
            dotted(&anchored),
            vec!["cors.allow_origins", "environment.K", "gone", "memory"]
        );
    }

    #[test]
    fn a_sensitive_parameter_flows_through_references_into_resources_and_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("environments/t.yaml", "name: t\nstack: s\nregion: us-east-1\nbackend: {state_bucket: dtr-state-t, lock_table: dtr-locks, state_key: s/t.json}\nparameters:\n  prefix: dtr-t\n  key: k3y\n");
        let table = |name: &str, extra: &str| {
            format!("  {name}:\n    type: dynamodb_table\n    properties:\n      hash_key: id\n      attributes: [{{name: id, type: S}}]\n{extra}")
        };
        let stack = format!(
            "stack: s\nparameters:\n  prefix: {{type: string}}\n  key: {{type: string, sensitive: true}}\nresources:\n{}{}{}outputs:\n  a_arn: ${{resource.a.arn}}\n  c_name: ${{resource.c.name}}\n  key: x-${{param.key}}\n",
            table("a", "      name: ${param.prefix}-${param.key}\n"),
            table("b", "      name: ${param.prefix}-b\n      ttl_attribute: ${resource.a.arn}\n"),
            table("c", "      name: ${param.prefix}-c\n      ttl_attribute: ${resource.b.name}\n"),
        );
        write("stacks/s/stack.yaml", &stack);
        let desired = crate::config::load("t", dir.path()).unwrap_or_else(|d| panic!("{d}"));
        let paths = |name: &str| {
            desired
                .resources
                .iter()
                .find(|r| r.address.name == name)
                .map(|r| r.sensitive_paths.clone())
                .unwrap()
        };
        assert_eq!(paths("a"), vec!["name"]);
        assert_eq!(
            paths("b"),
            vec!["ttl_attribute"],
            "read from a's sensitive ARN"
        );
        assert!(paths("c").is_empty(), "b's name is not sensitive");
        let outputs: Vec<&str> = desired
            .sensitive_outputs
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(outputs, vec!["a_arn", "key"]);
    }

    #[test]
    fn a_reference_to_a_sensitive_attribute_is_sensitive_and_others_are_not() {
        let read = BTreeMap::from([
            ("secret_table".to_string(), vec!["name".to_string()]),
            ("plain".to_string(), vec!["environment.K".to_string()]),
        ]);
        let value = json!({
            "environment": {"A": "x-${resource.secret_table.arn}", "B": "${resource.plain.arn}"},
            "policy": {"Statement": [{"Resource": "${resource.secret_table.arn}"}]}
        });
        assert_eq!(
            dotted(&through_references(&value, &read)),
            vec!["environment.A", "policy.Statement"]
        );
    }
}
