//! `stacks/<stack>/stack.yaml`: declared parameters, resources and outputs, before any resolution.

use super::diagnostics::Collector;
use super::yaml::{check_keys, join, string_field};
use crate::model::{ResourceAddress, ResourceKind};
use marked_yaml::{Node, Span};

/// A stack file, or a module file (`module:` instead of `stack:`, no modules or lifecycle blocks of
/// its own).
pub struct StackFile {
    pub stack: (String, Span),
    pub parameters: Vec<ParameterDecl>,
    pub resources: Vec<ResourceDecl>,
    pub outputs: Vec<(String, Node)>,
    pub modules: Vec<ModuleDecl>,
}

/// Which of the two a file is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Stack,
    Module,
}

/// `modules.<name>`: a module file instantiated under a name, with its parameters' values.
pub struct ModuleDecl {
    pub name: String,
    pub span: Span,
    pub source: (String, Span),
    pub parameters: Vec<(String, Span, Node)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Number,
    Bool,
    List,
    Map,
}

impl ParameterDecl {
    /// Declared with `default: null`: the parameter may be left unset (null).
    pub fn optional(&self) -> bool {
        self.default
            .as_ref()
            .is_some_and(super::substitute::is_null)
    }
}

impl ParamType {
    fn parse(s: &str) -> Option<ParamType> {
        Some(match s {
            "string" => ParamType::String,
            "number" => ParamType::Number,
            "bool" => ParamType::Bool,
            "list" => ParamType::List,
            "map" => ParamType::Map,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Number => "number",
            ParamType::Bool => "bool",
            ParamType::List => "list",
            ParamType::Map => "map",
        }
    }

    /// Whether `node` is a value of this type.
    pub fn accepts(self, node: &Node) -> bool {
        match (self, node) {
            (ParamType::String, Node::Scalar(_)) => true,
            (ParamType::Number, Node::Scalar(s)) => s.as_str().parse::<f64>().is_ok(),
            (ParamType::Bool, Node::Scalar(s)) => matches!(s.as_str(), "true" | "false"),
            (ParamType::List, Node::Sequence(_)) | (ParamType::Map, Node::Mapping(_)) => true,
            _ => false,
        }
    }
}

pub struct ParameterDecl {
    pub name: String,
    pub kind: ParamType,
    pub default: Option<Node>,
    /// Its value is masked wherever a plan is shown.
    pub sensitive: bool,
}

pub struct ResourceDecl {
    pub name: String,
    pub kind: ResourceKind,
    pub span: Span,
    pub depends_on: Vec<(String, Span)>,
    pub properties: Node,
    /// `for_each:` as written (a list, a map, or a `${param.*}` holding one).
    pub for_each: Option<Node>,
    /// Security checks acknowledged on this resource: check name → (reason, where).
    pub acknowledged: Vec<(String, Span)>,
}

const KEYS: &[&str] = &[
    "stack",
    "description",
    "parameters",
    "resources",
    "modules",
    "outputs",
    "moved",
    "removed",
];
const MODULE_FILE_KEYS: &[&str] = &[
    "module",
    "description",
    "parameters",
    "resources",
    "outputs",
];
const MODULE_KEYS: &[&str] = &["source", "parameters"];
const PARAM_KEYS: &[&str] = &["type", "description", "default", "sensitive"];
const RESOURCE_KEYS: &[&str] = &[
    "type",
    "for_each",
    "depends_on",
    "properties",
    "acknowledge",
];

pub fn parse(root: &Node, kind: FileKind, c: &mut Collector) -> Option<StackFile> {
    let (keys, head) = match kind {
        FileKind::Stack => (KEYS, "stack"),
        FileKind::Module => (MODULE_FILE_KEYS, "module"),
    };
    if !check_keys(root, keys, "", c) {
        return None;
    }
    let stack = string_field(root, head, "", true, c);
    let map = root.as_mapping()?;
    let mut parameters = Vec::new();
    if let Some(node) = map.get_node("parameters") {
        match node.as_mapping() {
            Some(params) => {
                for (k, v) in params.iter() {
                    if let Some(p) = parse_parameter(k.as_str(), v, c) {
                        parameters.push(p);
                    }
                }
            }
            None => c.at(
                node.span(),
                "parameters",
                "expected a mapping of parameter declarations",
            ),
        }
    }
    let mut resources = Vec::new();
    match map.get_node("resources") {
        Some(Node::Mapping(rs)) => {
            for (k, v) in rs.iter() {
                if let Some(r) = parse_resource(k.as_str(), *k.span(), v, c) {
                    resources.push(r);
                }
            }
        }
        Some(other) => c.at(other.span(), "resources", "expected a mapping of resources"),
        None => c.at(
            root.span(),
            "resources",
            "missing required field `resources`",
        ),
    }
    let mut outputs = Vec::new();
    if let Some(node) = map.get_node("outputs") {
        match node.as_mapping() {
            Some(outs) => outputs.extend(
                outs.iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.clone())),
            ),
            None => c.at(
                node.span(),
                "outputs",
                "expected a mapping of output templates",
            ),
        }
    }
    let mut modules = Vec::new();
    match map.get_node("modules") {
        None => {}
        Some(Node::Mapping(ms)) => {
            for (k, v) in ms.iter() {
                if let Some(m) = parse_module(k.as_str(), *k.span(), v, c) {
                    modules.push(m);
                }
            }
        }
        Some(other) => c.at(
            other.span(),
            "modules",
            "expected a mapping of module instances",
        ),
    }
    Some(StackFile {
        stack: stack?,
        parameters,
        resources,
        outputs,
        modules,
    })
}

fn parse_module(name: &str, span: Span, node: &Node, c: &mut Collector) -> Option<ModuleDecl> {
    let field = join(&["modules", name]);
    if !ResourceAddress::is_valid_name(name) {
        c.at(&span, &field, format!("`{name}` is not a valid module name: a lowercase letter, then lowercase letters, digits and `_`, at most 64"));
    }
    if !check_keys(node, MODULE_KEYS, &field, c) {
        return None;
    }
    let source = string_field(node, "source", &field, true, c)?;
    let mut parameters = Vec::new();
    match node.as_mapping()?.get_node("parameters") {
        None => {}
        Some(Node::Mapping(ps)) => parameters.extend(
            ps.iter()
                .map(|(k, v)| (k.as_str().to_string(), *k.span(), v.clone())),
        ),
        Some(other) => c.at(
            other.span(),
            join(&[&field, "parameters"]),
            "expected a mapping of parameter values",
        ),
    }
    Some(ModuleDecl {
        name: name.to_string(),
        span,
        source,
        parameters,
    })
}

fn parse_parameter(name: &str, node: &Node, c: &mut Collector) -> Option<ParameterDecl> {
    let field = join(&["parameters", name]);
    if !check_keys(node, PARAM_KEYS, &field, c) {
        return None;
    }
    let (kind_name, kind_span) = string_field(node, "type", &field, true, c)?;
    let Some(kind) = ParamType::parse(&kind_name) else {
        c.at(&kind_span, join(&[&field, "type"]), format!("unknown parameter type `{kind_name}`, expected one of: string, number, bool, list, map"));
        return None;
    };
    let map = node.as_mapping()?;
    let default = map.get_node("default").cloned();
    if let Some(d) = &default {
        if !kind.accepts(d) && !super::substitute::is_null(d) {
            c.at(
                d.span(),
                join(&[&field, "default"]),
                format!("the default is not a {}", kind.name()),
            );
        }
    }
    let sensitive = map.get_node("sensitive");
    if let Some(flag) = sensitive {
        if !ParamType::Bool.accepts(flag) {
            c.at(
                flag.span(),
                join(&[&field, "sensitive"]),
                "expected true or false",
            );
        }
    }
    Some(ParameterDecl {
        name: name.to_string(),
        kind,
        default,
        sensitive: sensitive
            .and_then(Node::as_scalar)
            .is_some_and(|s| s.as_str() == "true"),
    })
}

fn parse_resource(name: &str, span: Span, node: &Node, c: &mut Collector) -> Option<ResourceDecl> {
    let field = join(&["resources", name]);
    if !ResourceAddress::is_valid_name(name) {
        c.at(&span, &field, format!("`{name}` is not a valid resource name: a lowercase letter, then lowercase letters, digits and `_`, at most 64"));
    }
    if !check_keys(node, RESOURCE_KEYS, &field, c) {
        return None;
    }
    let (kind_name, kind_span) = string_field(node, "type", &field, true, c)?;
    let Some(kind) = ResourceKind::parse(&kind_name) else {
        let known: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.as_str()).collect();
        c.at(
            &kind_span,
            join(&[&field, "type"]),
            format!(
                "unknown resource type `{kind_name}`, expected one of: {}",
                known.join(", ")
            ),
        );
        return None;
    };
    let map = node.as_mapping()?;
    let mut depends_on = Vec::new();
    match map.get_node("depends_on") {
        None => {}
        Some(Node::Sequence(items)) => {
            for item in items.iter() {
                match item {
                    Node::Scalar(s) => depends_on.push((s.as_str().to_string(), *s.span())),
                    other => c.at(
                        other.span(),
                        join(&[&field, "depends_on"]),
                        "expected a resource name",
                    ),
                }
            }
        }
        Some(other) => c.at(
            other.span(),
            join(&[&field, "depends_on"]),
            "expected a list of resource names",
        ),
    }
    let Some(properties) = map.get_node("properties").cloned() else {
        c.at(
            node.span(),
            join(&[&field, "properties"]),
            "missing required field `properties`",
        );
        return None;
    };
    let mut acknowledged = Vec::new();
    match map.get_node("acknowledge") {
        None => {}
        Some(Node::Mapping(acks)) => {
            for (check, reason) in acks.iter() {
                let field = join(&[&field, "acknowledge", check.as_str()]);
                if !super::security::CHECKS.contains(&check.as_str()) {
                    c.at(
                        check.span(),
                        field,
                        format!(
                            "unknown check `{}`, expected one of: {}",
                            check.as_str(),
                            super::security::CHECKS.join(", ")
                        ),
                    );
                } else if reason
                    .as_scalar()
                    .is_none_or(|r| r.as_str().trim().is_empty())
                {
                    c.at(check.span(), field, "an acknowledgement needs a reason");
                } else {
                    acknowledged.push((check.as_str().to_string(), *check.span()));
                }
            }
        }
        Some(other) => c.at(
            other.span(),
            join(&[&field, "acknowledge"]),
            "expected a mapping of check: reason",
        ),
    }
    Some(ResourceDecl {
        for_each: map.get_node("for_each").cloned(),
        acknowledged,
        name: name.to_string(),
        kind,
        span,
        depends_on,
        properties,
    })
}
