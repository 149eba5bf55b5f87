//! Parameters into values, `${resource.*}` checked, and the dependency graph ordered (cycles reported
//! with their path). Substitution itself is in [`super::substitute`].

use super::diagnostics::Collector;
use super::stack::ParameterDecl;
use super::substitute::is_null;
use super::yaml::{join, map_scalars};
use crate::model::reference::{find_references, Reference};
use crate::model::ResourceKind;
use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{Node, Span};
use std::collections::{BTreeMap, BTreeSet};

/// Every declared parameter's value: the one given (by the environment, or a module instance at
/// `within`), else the default. Reports unknown, missing (at `anchor`, where the values are given)
/// and mistyped values; `owner` says who declares them (`stack`, `module`).
pub fn parameter_values(
    decls: &[ParameterDecl],
    given: &[(String, Span, Node)],
    anchor: &Span,
    within: &str,
    owner: &str,
    c: &mut Collector,
) -> BTreeMap<String, Node> {
    let mut values = BTreeMap::new();
    for (name, span, value) in given {
        match decls.iter().find(|d| &d.name == name) {
            None => {
                let known: Vec<&str> = decls.iter().map(|d| d.name.as_str()).collect();
                c.at(
                    span,
                    join(&[within, "parameters", name]),
                    format!(
                        "unknown parameter `{name}`; the {owner} declares: {}",
                        known.join(", ")
                    ),
                );
            }
            Some(decl) if !(decl.kind.accepts(value) || decl.optional() && is_null(value)) => {
                c.at(
                    value.span(),
                    join(&[within, "parameters", name]),
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
            (None, false) => {
                c.at(
                    anchor,
                    join(&[within, "parameters", &decl.name]),
                    match owner {
                        "stack" => format!(
                            "missing value for parameter `{0}` ({1}), which has no default: set it \
                             in the environment file, as DTR_PARAM_{0}, or with --param / --param-file",
                            decl.name,
                            decl.kind.name()
                        ),
                        _ => format!(
                            "missing value for parameter `{}` ({}), which has no default",
                            decl.name,
                            decl.kind.name()
                        ),
                    },
                );
                // Reported once here: where it is used, it reads as unset, not as unknown.
                let unset = MarkedScalarNode::new(*anchor, "null");
                values.insert(decl.name.clone(), Node::Scalar(unset));
            }
        }
    }
    values
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
                    None if kinds.keys().any(|k| k.starts_with(&format!("{name}["))) => c.at(s.span(), field, format!("`{name}` has for_each: name one instance, as `${{resource.{name}[\"<key>\"].{attribute}}}`")),
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
    resources: &[(String, Span)],
    edges: &BTreeMap<String, BTreeSet<String>>,
    c: &mut Collector,
) -> Vec<String> {
    let names: Vec<&str> = resources.iter().map(|(r, _)| r.as_str()).collect();
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
    resources: &[(String, Span)],
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
                        .find(|(r, _)| r == first)
                        .map(|(_, span)| *span)
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
