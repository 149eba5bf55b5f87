//! One resource's properties → its kind's typed spec: deserialised, validated, tagged, and back to
//! the JSON the model carries. Generic over the kind's [`ResourceSpec`]: no kind is named here.

use super::diagnostics::Collector;
use super::yaml;
use crate::model::kinds::{self, SpecVisitor};
use crate::model::{ResourceKind, ResourceSpec};
use marked_yaml::Node;
use std::path::PathBuf;

/// Deserialise and validate the kind's spec; merge the engine's tags; JSON for the model.
pub(super) fn build(
    kind: ResourceKind,
    node: &Node,
    field: &str,
    tags: &[(String, String); 3],
    stack_dir: &StackDir,
    c: &mut Collector,
) -> Option<serde_json::Value> {
    kinds::visit(
        kind,
        Build {
            node,
            field,
            tags,
            stack_dir,
            c,
        },
    )
}

struct Build<'a> {
    node: &'a Node,
    field: &'a str,
    tags: &'a [(String, String); 3],
    stack_dir: &'a StackDir,
    c: &'a mut Collector,
}

impl SpecVisitor for Build<'_> {
    type Output = Option<serde_json::Value>;
    fn visit<S: ResourceSpec>(self) -> Self::Output {
        typed::<S>(self.node, self.field, self.tags, self.stack_dir, self.c)
    }
}

/// Replace the free-form value at `path` with its YAML-typed JSON (numbers and booleans kept as such).
fn retype(value: &mut serde_json::Value, node: &Node, path: &[String]) {
    let source = yaml::locate(node, path);
    let Some(target) = path.iter().try_fold(&mut *value, |v, key| v.get_mut(key)) else {
        return;
    };
    *target = yaml::to_json(source);
}

/// The stack's directory as read, and as shown (relative to the project root, which is the working
/// directory when commands run).
pub(super) struct StackDir {
    pub real: PathBuf,
    pub shown: PathBuf,
}

/// Resolve a function's `source` against the stack's directory and record its package hash, so the
/// plan can tell whether the code changed.
fn package(
    value: &mut serde_json::Value,
    source: &str,
    node: &Node,
    field: &str,
    stack_dir: &StackDir,
    c: &mut Collector,
) -> Option<()> {
    match crate::provider::package::build_source(&stack_dir.real, source) {
        Ok(package) => {
            let shown = stack_dir.shown.join(source);
            value["source"] = serde_json::Value::String(shown.to_string_lossy().into_owned());
            value["code_sha256"] = serde_json::Value::String(package.sha256);
            Some(())
        }
        Err(e) => {
            let at = *yaml::locate(node, &["source".to_string()]).span();
            c.at(
                &at,
                yaml::join(&[field, "source"]),
                format!("cannot package the function: {e}"),
            );
            None
        }
    }
}

/// Where the key of the tag at `path` (`["tags", key]`) is written.
fn tag_key_span(node: &Node, path: &[String]) -> Option<marked_yaml::Span> {
    let [tags, key] = path else { return None };
    let map = yaml::locate(node, std::slice::from_ref(tags)).as_mapping()?;
    map.keys().find(|k| k.as_str() == key).map(|k| *k.span())
}

fn typed<S: ResourceSpec>(
    node: &Node,
    field: &str,
    tags: &[(String, String); 3],
    stack_dir: &StackDir,
    c: &mut Collector,
) -> Option<serde_json::Value> {
    let mut spec: S = match marked_yaml::from_node(node) {
        Ok(spec) => spec,
        Err(e) => {
            let path = e
                .path()
                .filter(|p| !p.is_empty() && *p != ".")
                .map(str::to_string);
            let at = match (e.start_mark(), &path) {
                (Some(m), _) => marked_yaml::Span::new_start(m),
                (None, Some(p)) => {
                    *yaml::locate(node, &p.split('.').map(str::to_string).collect::<Vec<_>>())
                        .span()
                }
                (None, None) => *node.span(),
            };
            let full = yaml::join(&[field, path.as_deref().unwrap_or("")]);
            c.at(&at, full, e.into_inner().to_string());
            return None;
        }
    };
    for problem in spec.validate() {
        let at = *yaml::locate(node, &problem.path).span();
        let path: Vec<&str> = problem.path.iter().map(String::as_str).collect();
        c.at(&at, yaml::join(&[field, &path.join(".")]), problem.message);
    }
    if let Some(map) = S::TAGS.map(|tags_of| tags_of(&mut spec)) {
        let reserved: Vec<String> = map
            .keys()
            .filter(|k| k.starts_with("dtr:"))
            .cloned()
            .collect();
        for key in reserved {
            let at = *yaml::locate(node, &["tags".to_string(), key.clone()]).span();
            c.at(
                &at,
                yaml::join(&[field, "tags", &key]),
                "tag keys starting with `dtr:` are reserved for dtr's own tags",
            );
        }
        map.extend(tags.iter().cloned());
        for problem in crate::model::tags::validate(map, &S::TAG_RULES, tags.len()) {
            let at = tag_key_span(node, &problem.path)
                .unwrap_or_else(|| *yaml::locate(node, &problem.path).span());
            // A tag from the environment's parameters is reported once, where it is written.
            let from_elsewhere =
                at.start().map(|m| m.source()) != node.span().start().map(|m| m.source());
            let path = problem.path.join(".");
            let field = if from_elsewhere {
                path
            } else {
                yaml::join(&[field, &path])
            };
            c.at(&at, field, problem.message);
        }
    }
    let mut value = match serde_json::to_value(&spec) {
        Ok(v) => v,
        Err(e) => {
            c.at(
                node.span(),
                field,
                format!("cannot represent the properties: {e}"),
            );
            return None;
        }
    };
    for path in spec.documents() {
        retype(&mut value, node, &path);
    }
    if let Some(source) = spec.code_source() {
        package(&mut value, source, node, field, stack_dir, c)?;
    }
    Some(value)
}
