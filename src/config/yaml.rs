//! Reading YAML into marked nodes (every value keeps its file:line:column), and small helpers to
//! walk them with precise diagnostics.

use super::diagnostics::Collector;
use marked_yaml::loader::{DuplicateKeyInner, LoadError};
use marked_yaml::{LoaderOptions, Node, Span};
use std::path::Path;

/// Parse the file registered as source `source`; `None` (with a diagnostic) if it cannot be used.
pub fn read(path: &Path, source: usize, c: &mut Collector) -> Option<Node> {
    let file = c.sources.files[source].clone();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let hint = match e.kind() {
                std::io::ErrorKind::NotFound => beside(path),
                _ => String::new(),
            };
            c.in_file(
                file,
                1,
                1,
                format!("cannot read {}: {e}{hint}", path.display()),
            );
            return None;
        }
    };
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .toplevel_mapping();
    match marked_yaml::parse_yaml_with_options(source, &text, options) {
        Ok(node) => Some(node),
        Err(e) => {
            let (mark, message) = load_error(&e);
            let (line, column) = mark.map(|m| (m.line(), m.column())).unwrap_or((1, 1));
            c.in_file(file, line, column, message);
            None
        }
    }
}

/// The YAML files beside a missing one (the environments that do exist), as a hint.
fn beside(path: &Path) -> String {
    let Some(Ok(entries)) = path.parent().map(std::fs::read_dir) else {
        return String::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    names.sort();
    match names.is_empty() {
        true => String::new(),
        false => format!("; the YAML files there: {}", names.join(", ")),
    }
}

fn load_error(e: &LoadError) -> (Option<marked_yaml::Marker>, String) {
    match e {
        LoadError::TopLevelMustBeMapping(m) => (
            Some(*m),
            "the file must be a YAML mapping (key: value)".into(),
        ),
        LoadError::TopLevelMustBeSequence(m) => {
            (Some(*m), "the file must be a YAML sequence".into())
        }
        LoadError::UnexpectedAnchor(m) => (
            Some(*m),
            "YAML anchors and aliases are not supported".into(),
        ),
        LoadError::MappingKeyMustBeScalar(m) => {
            (Some(*m), "mapping keys must be plain scalars".into())
        }
        LoadError::UnexpectedTag(m) => (Some(*m), "YAML tags (!name) are not supported".into()),
        LoadError::DuplicateKey(inner) => {
            let DuplicateKeyInner { prev_key, key } = inner.as_ref();
            let first = prev_key
                .span()
                .start()
                .map(|m| format!("line {}", m.line()))
                .unwrap_or_default();
            (
                key.span().start().copied(),
                format!(
                    "duplicate key `{}` (first defined at {first})",
                    key.as_str()
                ),
            )
        }
        LoadError::ScanError(m, scan) => (Some(*m), format!("malformed YAML: {scan}")),
    }
}

/// `a.b.c` joined for diagnostics, skipping empty parts.
pub fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(".")
}

/// Report every key of `mapping` not in `allowed`, and return the mapping's entries as (key, node).
pub fn check_keys(node: &Node, allowed: &[&str], field: &str, c: &mut Collector) -> bool {
    let Some(map) = node.as_mapping() else {
        c.at(node.span(), field, "expected a mapping (key: value)");
        return false;
    };
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            c.at(
                key.span(),
                join(&[field, key.as_str()]),
                format!(
                    "unknown field `{}`, expected one of: {}",
                    key.as_str(),
                    allowed.join(", ")
                ),
            );
        }
    }
    true
}

/// A required or optional scalar string field of a mapping.
pub fn string_field(
    node: &Node,
    key: &str,
    field: &str,
    required: bool,
    c: &mut Collector,
) -> Option<(String, Span)> {
    let map = node.as_mapping()?;
    match map.get_node(key) {
        Some(Node::Scalar(s)) => Some((s.as_str().to_string(), *s.span())),
        Some(other) => {
            c.at(other.span(), join(&[field, key]), "expected a string");
            None
        }
        None => {
            if required {
                c.at(
                    node.span(),
                    join(&[field, key]),
                    format!("missing required field `{key}`"),
                );
            }
            None
        }
    }
}

/// The node at `path` (mapping keys and sequence indices) below `node`, or the deepest one found.
pub fn locate<'a>(node: &'a Node, path: &[String]) -> &'a Node {
    let mut here = node;
    for part in path {
        let next = match here {
            Node::Mapping(m) => m.get_node(part),
            Node::Sequence(s) => part.parse::<usize>().ok().and_then(|i| s.get_node(i)),
            Node::Scalar(_) => None,
        };
        match next {
            Some(n) => here = n,
            None => break,
        }
    }
    here
}

/// A copy of `node` with each scalar transformed by `f` (keys untouched).
pub fn map_scalars(
    node: &Node,
    f: &mut dyn FnMut(&marked_yaml::types::MarkedScalarNode) -> Node,
) -> Node {
    match node {
        Node::Scalar(s) => f(s),
        Node::Sequence(seq) => {
            let items: Vec<Node> = seq.iter().map(|n| map_scalars(n, f)).collect();
            Node::Sequence(marked_yaml::types::MarkedSequenceNode::new(
                *seq.span(),
                items,
            ))
        }
        Node::Mapping(map) => {
            let mut out: marked_yaml::types::MarkedMappingNode = map
                .iter()
                .map(|(k, v)| (k.clone(), map_scalars(v, f)))
                .collect();
            *out.span_mut() = *map.span();
            Node::Mapping(out)
        }
    }
}

/// A node as JSON with YAML's typing of plain scalars (`true`, `12`, `1.5`, `null`); quoted scalars
/// stay strings. For free-form values (a dashboard body, a policy document) where types matter.
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match node {
        Node::Scalar(s) => {
            let text = s.as_str();
            if !s.may_coerce() {
                return Value::String(text.to_string());
            }
            match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" | "~" => Value::Null,
                _ => text
                    .parse::<i64>()
                    .map(Value::from)
                    .ok()
                    .or_else(|| {
                        text.parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite())
                            .map(Value::from)
                    })
                    .unwrap_or_else(|| Value::String(text.to_string())),
            }
        }
        Node::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Node::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().to_string(), to_json(v)))
                .collect(),
        ),
    }
}
