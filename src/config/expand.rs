//! `for_each` and modules, expanded before resources are built: every declaration becomes one
//! instance per `for_each` key, inside the module instance it was declared in, with `${each.*}`
//! substituted and a module's own `${resource.*}` references made global
//! (`${resource.errors.arn}` in module `alarms` → `${resource.module.alarms.errors.arn}`). What
//! follows (parameters, references, order, specs) works on instances and never sees a module.

use super::diagnostics::Collector;
use super::resolve;
use super::stack::{ModuleDecl, ResourceDecl};
use super::substitute::{self, Scope};
use super::yaml::{join, map_scalars};
use crate::model::reference::{find_references, Reference};
use crate::model::{ResourceAddress, ResourceKind};
use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{Node, Span};
use std::collections::{BTreeMap, BTreeSet};

/// One resource as the plan will know it.
pub struct Instance {
    pub address: ResourceAddress,
    /// Index of its [`Scope`] (0 is the stack).
    pub scope: usize,
    /// `resources.<name>` or `resources.<name>["key"]`, for diagnostics (the span names the file).
    pub field: String,
    pub kind: ResourceKind,
    pub span: Span,
    pub properties: Node,
    /// References (see [`ResourceAddress::reference`]) it must come after, with where each was
    /// written.
    pub depends_on: Vec<(String, Span)>,
    pub acknowledged: Vec<(String, Span)>,
}

/// Every instance of `decls`, declared in the file of `scope`.
pub fn instances(
    decls: &[ResourceDecl],
    scope_index: usize,
    scope: &Scope,
    c: &mut Collector,
) -> Vec<Instance> {
    let module = scope.module.clone();
    let local: BTreeMap<&str, bool> = decls
        .iter()
        .map(|d| (d.name.as_str(), d.for_each.is_some()))
        .collect();
    let mut out = Vec::new();
    for decl in decls {
        let field = join(&["resources", &decl.name]);
        let keys: Vec<(Option<String>, Option<Node>)> = match &decl.for_each {
            None => vec![(None, None)],
            Some(node) => for_each_keys(node, scope, &join(&[&field, "for_each"]), c)
                .into_iter()
                .map(|(k, v)| (Some(k), Some(v)))
                .collect(),
        };
        for (key, value) in keys {
            let address = ResourceAddress::new(decl.kind, decl.name.clone())
                .scoped(module.clone(), key.clone());
            let field = match &key {
                Some(k) => format!("{field}[\"{k}\"]"),
                None => field.clone(),
            };
            let each = key.as_deref().zip(value.as_ref());
            let props_field = join(&[&field, "properties"]);
            let properties = each_substitute(&decl.properties, each, &props_field, c);
            let properties = match &module {
                Some(m) => globalise(&properties, m, &local, &props_field, c),
                None => properties,
            };
            let mut depends_on = Vec::new();
            for (dep, span) in &decl.depends_on {
                let Some(&keyed) = local.get(dep.as_str()) else {
                    c.at(
                        span,
                        join(&[&field, "depends_on"]),
                        format!("no resource `{dep}` in this file"),
                    );
                    continue;
                };
                let target = match &module {
                    Some(m) => format!("module.{m}.{dep}"),
                    None => dep.clone(),
                };
                // A resource with for_each is depended on as a whole: marked, expanded in `load`.
                let reference = match keyed {
                    true => format!("{target}[*]"),
                    false => target,
                };
                depends_on.push((reference, *span));
            }
            out.push(Instance {
                address,
                scope: scope_index,
                field,
                kind: decl.kind,
                span: decl.span,
                properties,
                depends_on,
                acknowledged: decl.acknowledged.clone(),
            });
        }
    }
    out
}

/// The keys (and `each.value`s) of a `for_each`: a list of distinct strings (each its own value) or
/// a map. Known when the configuration is loaded: parameters only, never a resource attribute, and
/// never a sensitive value (keys appear in addresses and plans).
fn for_each_keys(
    node: &Node,
    scope: &Scope,
    field: &str,
    c: &mut Collector,
) -> Vec<(String, Node)> {
    let substituted = substitute::substitute_params(node, scope, field, c);
    if !substituted.sensitive.is_empty() {
        c.at(
            node.span(),
            field,
            "a for_each cannot be a sensitive value: its keys appear in addresses and plans",
        );
        return Vec::new();
    }
    let mut keys: Vec<(String, Node)> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut add = |key: &MarkedScalarNode, value: Node, c: &mut Collector| {
        let k = key.as_str();
        if find_references(k)
            .iter()
            .any(|(_, r)| matches!(r, Reference::Resource { .. }))
        {
            c.at(key.span(), field, "a for_each key must be known before anything is read: a parameter or a literal, not a resource attribute");
        } else if !ResourceAddress::is_valid_key(k) {
            c.at(
                key.span(),
                field,
                format!("`{k}` is not a valid for_each key: 1 to 64 letters, digits, `_` or `-`"),
            );
        } else if !seen.insert(k.to_string()) {
            c.at(
                key.span(),
                field,
                format!("`{k}` appears twice: for_each keys are unique"),
            );
        } else {
            keys.push((k.to_string(), value));
        }
    };
    match &substituted.node {
        Node::Sequence(items) => {
            for item in items.iter() {
                match item {
                    Node::Scalar(s) => add(s, item.clone(), c),
                    other => c.at(
                        other.span(),
                        field,
                        "a for_each list holds strings (use a map for structured values)",
                    ),
                }
            }
        }
        Node::Mapping(map) => {
            for (k, v) in map.iter() {
                add(k, v.clone(), c);
            }
        }
        Node::Scalar(s) => c.at(
            s.span(),
            field,
            "for_each takes a list or a map (or a parameter holding one)",
        ),
    }
    keys
}

/// `node` with `${each.key}` and `${each.value[.x]}` replaced; outside a `for_each` (`each` is
/// `None`) any of them is an error. A scalar that is exactly one `${each.value...}` takes the
/// value's node, of any type.
fn each_substitute(
    node: &Node,
    each: Option<(&str, &Node)>,
    field: &str,
    c: &mut Collector,
) -> Node {
    map_scalars(node, &mut |s: &MarkedScalarNode| {
        let text = s.as_str();
        let refs = find_references(text);
        if !refs
            .iter()
            .any(|(_, r)| matches!(r, Reference::Each { .. }))
        {
            return Node::Scalar(s.clone());
        }
        let Some((key, value)) = each else {
            c.at(
                s.span(),
                field,
                "`${each.*}` is only defined in a resource with for_each",
            );
            return Node::Scalar(s.clone());
        };
        let lookup = |path: &[String], c: &mut Collector| -> Option<Node> {
            if path.is_empty() {
                return Some(Node::Scalar(MarkedScalarNode::new(*s.span(), key)));
            }
            let mut here = value.clone();
            for part in &path[1..] {
                let next = here.as_mapping().and_then(|m| m.get_node(part)).cloned();
                match next {
                    Some(n) => here = n,
                    None => {
                        c.at(
                            s.span(),
                            field,
                            format!(
                                "`${{each.{}}}`: the value of `{key}` has no `{part}`",
                                path.join(".")
                            ),
                        );
                        return None;
                    }
                }
            }
            Some(here)
        };
        if let [(range, Reference::Each { path })] = refs.as_slice() {
            if range.start == 0 && range.end == text.len() {
                return lookup(path, c).unwrap_or_else(|| Node::Scalar(s.clone()));
            }
        }
        let mut out = String::new();
        let mut last = 0;
        for (range, reference) in &refs {
            out.push_str(&text[last..range.start]);
            match reference {
                Reference::Each { path } => match lookup(path, c) {
                    Some(Node::Scalar(v)) => out.push_str(v.as_str()),
                    Some(_) => c.at(
                        s.span(),
                        field,
                        format!(
                            "`{}` is a list or map and cannot be part of a string",
                            &text[range.clone()]
                        ),
                    ),
                    None => {}
                },
                _ => out.push_str(&text[range.clone()]),
            }
            last = range.end;
        }
        out.push_str(&text[last..]);
        Node::Scalar(MarkedScalarNode::new(*s.span(), out))
    })
}

/// A module file's `${resource.<name>...}` references made global (`module.<m>.<name>...`); a
/// module sees only its own resources (the stack's come in through its parameters).
fn globalise(
    node: &Node,
    module: &str,
    local: &BTreeMap<&str, bool>,
    field: &str,
    c: &mut Collector,
) -> Node {
    map_scalars(node, &mut |s: &MarkedScalarNode| {
        let text = s.as_str();
        let refs = find_references(text);
        if !refs
            .iter()
            .any(|(_, r)| matches!(r, Reference::Resource { .. }))
        {
            return Node::Scalar(s.clone());
        }
        let mut out = String::new();
        let mut last = 0;
        for (range, reference) in &refs {
            out.push_str(&text[last..range.start]);
            match reference {
                Reference::Resource { name, attribute } => {
                    let base = name.split('[').next().unwrap_or(name);
                    if name.starts_with("module.") || !local.contains_key(base) {
                        c.at(s.span(), field, format!("`${{resource.{name}.{attribute}}}`: no resource `{base}` in this module file (a module reads the stack's resources through its parameters)"));
                        // Reported: kept as literal text, so it is not reported again as dangling.
                        out.push('$');
                        out.push_str(&text[range.clone()]);
                    } else {
                        out.push_str(&format!("${{resource.module.{module}.{name}.{attribute}}}"));
                    }
                }
                _ => out.push_str(&text[range.clone()]),
            }
            last = range.end;
        }
        out.push_str(&text[last..]);
        Node::Scalar(MarkedScalarNode::new(*s.span(), out))
    })
}

/// The scope of module instance `decl` of `file`: its parameters' values, given in the stack's
/// scope (stack parameters and earlier modules' outputs), checked against the module's
/// declarations. A parameter given a sensitive value is sensitive inside the module where that
/// value is: a map holding one sensitive entry keeps its other entries plain.
pub fn module_scope(
    decl: &ModuleDecl,
    declared: &[super::stack::ParameterDecl],
    stack: &Scope,
    c: &mut Collector,
) -> Scope {
    let mut given = Vec::new();
    let mut secret = substitute::whole(
        declared
            .iter()
            .filter(|p| p.sensitive)
            .map(|p| p.name.clone()),
    );
    for (name, span, node) in &decl.parameters {
        let field = join(&["modules", &decl.name, "parameters", name]);
        let value = substitute::substitute_params(node, stack, &field, c);
        if !value.sensitive.is_empty() {
            secret
                .entry(name.clone())
                .or_default()
                .extend(value.sensitive.iter().cloned());
        }
        given.push((name.clone(), *span, value.node));
    }
    let field = join(&["modules", &decl.name]);
    let params = resolve::parameter_values(declared, &given, &decl.span, &field, "module", c);
    Scope {
        module: Some(decl.name.clone()),
        params,
        secret,
        outputs: None,
        env: stack.env.clone(),
    }
}

/// A module instance's outputs as the stack reads them: `<module>.<output>` → value (its
/// references global) and whether it is sensitive.
pub fn module_outputs(
    outputs: &[(String, Node)],
    decls: &[ResourceDecl],
    scope: &Scope,
    c: &mut Collector,
) -> BTreeMap<String, (Node, bool)> {
    let module = scope.module.clone().unwrap_or_default();
    let local: BTreeMap<&str, bool> = decls
        .iter()
        .map(|d| (d.name.as_str(), d.for_each.is_some()))
        .collect();
    outputs
        .iter()
        .map(|(name, node)| {
            let field = join(&["outputs", name]);
            let node = each_substitute(node, None, &field, c);
            let node = globalise(&node, &module, &local, &field, c);
            let value = substitute::substitute_params(&node, scope, &field, c);
            (
                format!("{module}.{name}"),
                (value.node, !value.sensitive.is_empty()),
            )
        })
        .collect()
}

/// The modules in an order where each comes after those whose outputs its parameters read; a
/// cycle is reported and its modules left out.
pub fn module_order(modules: &[ModuleDecl], c: &mut Collector) -> Vec<usize> {
    let reads = |m: &ModuleDecl| -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        for (_, _, node) in &m.parameters {
            map_scalars(node, &mut |s: &MarkedScalarNode| {
                for (_, r) in find_references(s.as_str()) {
                    if let Reference::Module { module, .. } = r {
                        found.insert(module);
                    }
                }
                Node::Scalar(s.clone())
            });
        }
        found
    };
    let deps: Vec<BTreeSet<String>> = modules.iter().map(reads).collect();
    let mut done: Vec<usize> = Vec::new();
    let mut left: Vec<usize> = (0..modules.len()).collect();
    while !left.is_empty() {
        let names: BTreeSet<&str> = left.iter().map(|&i| modules[i].name.as_str()).collect();
        let ready = left
            .iter()
            .position(|&i| deps[i].iter().all(|d| !names.contains(d.as_str())));
        match ready {
            Some(p) => done.push(left.remove(p)),
            None => {
                let shown: Vec<&str> = left.iter().map(|&i| modules[i].name.as_str()).collect();
                for &i in &left {
                    c.at(
                        &modules[i].span,
                        join(&["modules", &modules[i].name]),
                        format!(
                            "module cycle: the parameters of {} read each other's outputs",
                            shown.join(", ")
                        ),
                    );
                }
                break;
            }
        }
    }
    done
}

#[cfg(test)]
#[path = "expand_tests.rs"]
mod tests;
