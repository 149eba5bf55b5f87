//! Parameters into values, `${param.*}` substituted in place, `${resource.*}` checked, and the
//! dependency graph ordered (cycles reported with their path).

use super::diagnostics::Collector;
use super::stack::{ParameterDecl, ResourceDecl};
use super::yaml::{join, map_scalars};
use crate::model::reference::{find_references, Reference};
use crate::model::ResourceKind;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::{Node, Span};
use std::collections::{BTreeMap, BTreeSet};

/// Every declared parameter's value: the environment's, else the default. Reports unknown, missing
/// (at `anchor`, the environment's `parameters` key) and mistyped values.
pub fn parameter_values(
    decls: &[ParameterDecl],
    given: &[(String, Span, Node)],
    anchor: &Span,
    c: &mut Collector,
) -> BTreeMap<String, Node> {
    let mut values = BTreeMap::new();
    for (name, span, value) in given {
        match decls.iter().find(|d| &d.name == name) {
            None => {
                let known: Vec<&str> = decls.iter().map(|d| d.name.as_str()).collect();
                c.at(
                    span,
                    join(&["parameters", name]),
                    format!(
                        "unknown parameter `{name}`; the stack declares: {}",
                        known.join(", ")
                    ),
                );
            }
            Some(decl) if !decl.kind.accepts(value) => {
                c.at(
                    value.span(),
                    join(&["parameters", name]),
                    format!("expected a {} value", decl.kind.name()),
                );
            }
            Some(_) => {
                values.insert(name.clone(), value.clone());
            }
        }
    }
    for decl in decls {
        let given_here = given.iter().any(|(n, _, _)| n == &decl.name);
        match (&decl.default, given_here) {
            (_, true) => {}
            (Some(default), false) => {
                values.insert(decl.name.clone(), default.clone());
            }
            (None, false) => c.at(
                anchor,
                join(&["parameters", &decl.name]),
                format!(
                    "missing value for parameter `{}` ({}), which has no default",
                    decl.name,
                    decl.kind.name()
                ),
            ),
        }
    }
    values
}

/// A node with its `${param.*}` substituted, and where `sensitive` parameters went: paths of mapping
/// keys below the node, each stopping at the first list (a list holding a sensitive piece is
/// sensitive as a whole).
pub struct Substituted {
    pub node: Node,
    pub sensitive: BTreeSet<Vec<String>>,
}

/// `node` with every `${param.x}` replaced. A scalar that is exactly one reference takes the value's
/// node (any type); a reference inside a longer string is replaced textually (scalars only). Every
/// scalar that takes (part of) its value from a parameter named in `sensitive` is recorded.
pub fn substitute_params(
    node: &Node,
    params: &BTreeMap<String, Node>,
    sensitive: &BTreeSet<String>,
    field: &str,
    c: &mut Collector,
) -> Substituted {
    let with = Params {
        values: params,
        sensitive,
        field,
    };
    let mut found = BTreeSet::new();
    let node = with.walk(node, &mut Vec::new(), false, c, &mut found);
    Substituted {
        node,
        sensitive: found,
    }
}

struct Params<'a> {
    values: &'a BTreeMap<String, Node>,
    sensitive: &'a BTreeSet<String>,
    field: &'a str,
}

impl Params<'_> {
    fn walk(
        &self,
        node: &Node,
        path: &mut Vec<String>,
        in_list: bool,
        c: &mut Collector,
        found: &mut BTreeSet<Vec<String>>,
    ) -> Node {
        match node {
            Node::Scalar(s) => {
                let (out, secret) = self.scalar(s, c);
                if secret {
                    found.insert(path.clone());
                }
                out
            }
            Node::Sequence(seq) => {
                let items: Vec<Node> = seq
                    .iter()
                    .map(|n| self.walk(n, path, true, c, found))
                    .collect();
                Node::Sequence(MarkedSequenceNode::new(*seq.span(), items))
            }
            Node::Mapping(map) => {
                let mut out: MarkedMappingNode = map
                    .iter()
                    .map(|(k, v)| {
                        if !in_list {
                            path.push(k.as_str().to_string());
                        }
                        let v = self.walk(v, path, in_list, c, found);
                        if !in_list {
                            path.pop();
                        }
                        (k.clone(), v)
                    })
                    .collect();
                *out.span_mut() = *map.span();
                Node::Mapping(out)
            }
        }
    }

    /// The scalar substituted, and whether a sensitive parameter went into it.
    fn scalar(&self, s: &MarkedScalarNode, c: &mut Collector) -> (Node, bool) {
        let (params, field) = (self.values, self.field);
        let text = s.as_str();
        let refs = find_references(text);
        let secret = refs.iter().any(|(_, r)| {
            matches!(r, Reference::Param { name } if self.sensitive.contains(name) && params.contains_key(name))
        });
        if refs.is_empty() {
            return (Node::Scalar(s.clone()), false);
        }
        if let [(range, Reference::Param { name })] = refs.as_slice() {
            if range.start == 0 && range.end == text.len() {
                return match params.get(name) {
                    Some(value) => (value.clone(), secret),
                    None => {
                        c.at(
                            s.span(),
                            field,
                            format!("`${{param.{name}}}`: no such parameter"),
                        );
                        (Node::Scalar(s.clone()), false)
                    }
                };
            }
        }
        let mut out = String::new();
        let mut last = 0;
        for (range, reference) in &refs {
            out.push_str(&text[last..range.start]);
            match reference {
                Reference::Param { name } => match params.get(name) {
                    Some(Node::Scalar(v)) => out.push_str(v.as_str()),
                    Some(_) => {
                        c.at(s.span(), field, format!("`${{param.{name}}}` is a list or map and cannot be part of a string"));
                    }
                    None => c.at(
                        s.span(),
                        field,
                        format!("`${{param.{name}}}`: no such parameter"),
                    ),
                },
                Reference::Malformed(inner) => {
                    c.at(s.span(), field, format!("`${{{inner}}}` is not a reference: use ${{param.<name>}} or ${{resource.<name>.<attribute>}}"));
                    out.push_str(&text[range.clone()]);
                }
                Reference::Resource { .. } => out.push_str(&text[range.clone()]),
            }
            last = range.end;
        }
        out.push_str(&text[last..]);
        (Node::Scalar(MarkedScalarNode::new(*s.span(), out)), secret)
    }
}

/// The resources `node` references, each checked to exist and to export the attribute.
pub fn resource_references(
    node: &Node,
    kinds: &BTreeMap<String, ResourceKind>,
    field: &str,
    c: &mut Collector,
) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    map_scalars(node, &mut |s: &MarkedScalarNode| {
        for (_, reference) in find_references(s.as_str()) {
            if let Reference::Resource { name, attribute } = reference {
                match kinds.get(&name) {
                    None => c.at(s.span(), field, format!("dangling reference `${{resource.{name}.{attribute}}}`: no resource `{name}` in the stack")),
                    Some(kind) if !kind.exported_attributes().contains(&attribute.as_str()) => c.at(
                        s.span(),
                        field,
                        format!("`{name}` ({kind}) has no attribute `{attribute}`; it exports: {}", kind.exported_attributes().join(", ")),
                    ),
                    Some(_) => {
                        found.insert(name);
                    }
                }
            }
        }
        Node::Scalar(s.clone())
    });
    found
}

/// Resources in dependency order (ties in declaration order); every cycle reported once.
pub fn order(
    resources: &[ResourceDecl],
    edges: &BTreeMap<String, BTreeSet<String>>,
    c: &mut Collector,
) -> Vec<String> {
    let names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
    let mut state: BTreeMap<String, Visit> = BTreeMap::new();
    let mut reported: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    for start in &names {
        let mut stack = Vec::new();
        visit(
            start,
            edges,
            &mut state,
            &mut stack,
            &mut reported,
            resources,
            c,
        );
    }
    let mut done: Vec<String> = Vec::new();
    let mut remaining: Vec<&str> = names.clone();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|n| {
            edges.get(*n).is_none_or(|deps| {
                deps.iter()
                    .all(|d| done.contains(d) || !names.contains(&d.as_str()))
            })
        });
        match ready {
            Some(i) => done.push(remaining.remove(i).to_string()),
            // Only cycles are left (already reported): keep declaration order.
            None => done.extend(remaining.drain(..).map(str::to_string)),
        }
    }
    done
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    InProgress,
    Done,
}

/// Depth-first search; a dependency still in progress closes a cycle (each node is expanded once).
fn visit(
    node: &str,
    edges: &BTreeMap<String, BTreeSet<String>>,
    state: &mut BTreeMap<String, Visit>,
    stack: &mut Vec<String>,
    reported: &mut BTreeSet<BTreeSet<String>>,
    resources: &[ResourceDecl],
    c: &mut Collector,
) {
    if state.contains_key(node) {
        return;
    }
    state.insert(node.to_string(), Visit::InProgress);
    stack.push(node.to_string());
    for next in edges.get(node).into_iter().flatten() {
        match state.get(next.as_str()) {
            Some(Visit::InProgress) => {
                let pos = stack.iter().position(|p| p == next).unwrap_or(0);
                let cycle: Vec<String> = stack[pos..].to_vec();
                if reported.insert(cycle.iter().cloned().collect()) {
                    let first = &cycle[0];
                    let span = resources
                        .iter()
                        .find(|r| &r.name == first)
                        .map(|r| r.span)
                        .unwrap_or_else(Span::new_blank);
                    let mut shown = cycle.clone();
                    shown.push(next.clone());
                    c.at(
                        &span,
                        join(&["resources", first]),
                        format!("dependency cycle: {}", shown.join(" -> ")),
                    );
                }
            }
            Some(Visit::Done) => {}
            None => visit(next, edges, state, stack, reported, resources, c),
        }
    }
    stack.pop();
    state.insert(node.to_string(), Visit::Done);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Node {
        marked_yaml::parse_yaml(0, text).unwrap()
    }

    #[test]
    fn a_sensitive_parameter_is_tracked_to_every_path_it_reaches() {
        let params: BTreeMap<String, Node> = yaml("key: k1\nlist: [a, b]\nprefix: dev\n")
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.clone()))
            .collect();
        let sensitive = BTreeSet::from(["key".to_string(), "list".to_string()]);
        let props = yaml(concat!(
            "name: ${param.prefix}-x\n",
            "environment:\n  KEY: ${param.key}\n  PART: x-${param.key}-y\n  MODE: dev\n",
            "origins: ${param.list}\n",
            "rules:\n  - id: a\n    token: ${param.key}\n  - id: b\n",
            "plain: [dev]\n",
        ));
        let mut c = Collector::default();
        let out = substitute_params(&props, &params, &sensitive, "f", &mut c);
        assert!(c.found.is_empty());
        let paths: Vec<String> = out.sensitive.iter().map(|p| p.join(".")).collect();
        assert_eq!(
            paths,
            vec!["environment.KEY", "environment.PART", "origins", "rules"],
            "the text `dev` is not tracked, only where the parameters went"
        );
        let env = out
            .node
            .as_mapping()
            .unwrap()
            .get_node("environment")
            .unwrap();
        assert_eq!(
            env.as_mapping()
                .unwrap()
                .get_scalar("PART")
                .unwrap()
                .as_str(),
            "x-k1-y"
        );
    }
}
