//! Parameter values given besides the environment file, as Terraform takes `TF_VAR_<name>`,
//! `-var-file` and `-var`: `DTR_PARAM_<name>` variables, `--param-file FILE` and `--param
//! name=value`. Precedence, lowest first: the stack's default, `DTR_PARAM_<name>`, the environment
//! file, each `--param-file` in the order given, each `--param` in the order given.

use super::diagnostics::Collector;
use super::stack::{ParamType, ParameterDecl};
use super::yaml::{self, join};
use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{Marker, Node, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The prefix of the environment variables that give parameter values.
pub const ENV_PREFIX: &str = "DTR_PARAM_";

/// What was given on the command line and in the process environment.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `DTR_PARAM_<name>` variables: (name, value).
    pub variables: Vec<(String, String)>,
    /// `--param-file` files, in the order given.
    pub files: Vec<PathBuf>,
    /// `--param name=value`, in the order given.
    pub flags: Vec<(String, String)>,
}

impl Inputs {
    /// `files` and `flags` from the command line, and every `DTR_PARAM_*` of this process.
    pub fn from_process(files: &[PathBuf], flags: &[(String, String)]) -> Inputs {
        let mut variables: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| {
                let name = k.to_str()?.strip_prefix(ENV_PREFIX)?.to_string();
                Some((name, v.into_string().ok()?))
            })
            .collect();
        variables.sort();
        Inputs {
            variables,
            files: files.to_vec(),
            flags: flags.to_vec(),
        }
    }
}

/// A parameter's value as given, with where it was written and where it came from.
pub struct Given {
    pub name: String,
    pub span: Span,
    pub value: Node,
    pub origin: String,
}

/// Every value given for the stack's parameters, the one that wins for each name last: variables
/// (only for declared names: a pipeline's environment may hold others), the environment file's
/// (`from_file`, shown as `file`), then the command line's. Unreadable files and malformed values
/// are reported; unknown names from the file and the command line are left to the caller's check.
pub fn given(
    declared: &[ParameterDecl],
    from_file: &[(String, Span, Node)],
    file: &Path,
    inputs: &Inputs,
    c: &mut Collector,
) -> Vec<Given> {
    let mut out = Vec::new();
    for (name, text) in &inputs.variables {
        let Some(decl) = declared.iter().find(|d| &d.name == name) else {
            continue;
        };
        let origin = format!("{ENV_PREFIX}{name}");
        if let Some(value) = from_text(text, decl.kind, &origin, c) {
            out.push(Given {
                name: name.clone(),
                span: *value.span(),
                value,
                origin,
            });
        }
    }
    out.extend(from_file.iter().map(|(name, span, value)| Given {
        name: name.clone(),
        span: *span,
        value: value.clone(),
        origin: file.display().to_string(),
    }));
    for path in &inputs.files {
        out.extend(read_file(path, c));
    }
    for (name, text) in &inputs.flags {
        let origin = format!("--param {name}");
        let kind = declared
            .iter()
            .find(|d| &d.name == name)
            .map_or(ParamType::String, |d| d.kind);
        if let Some(value) = from_text(text, kind, &origin, c) {
            out.push(Given {
                name: name.clone(),
                span: *value.span(),
                value,
                origin,
            });
        }
    }
    out
}

/// The values of a `--param-file`: a YAML mapping of parameter name to value, as an environment
/// file's `parameters`.
fn read_file(path: &Path, c: &mut Collector) -> Vec<Given> {
    c.sources.files.push(path.to_path_buf());
    let index = c.sources.files.len() - 1;
    let Some(root) = yaml::read(path, index, c) else {
        return Vec::new();
    };
    let Some(map) = root.as_mapping() else {
        return Vec::new();
    };
    map.iter()
        .map(|(k, v)| Given {
            name: k.as_str().to_string(),
            span: *k.span(),
            value: v.clone(),
            origin: path.display().to_string(),
        })
        .collect()
}

/// A value given as text: a string, number or bool as it is; a list or map as YAML (JSON is YAML),
/// e.g. `["https://a.example", "https://b.example"]`. Diagnostics name `origin` as their file.
fn from_text(text: &str, kind: ParamType, origin: &str, c: &mut Collector) -> Option<Node> {
    c.sources.files.push(PathBuf::from(origin));
    let index = c.sources.files.len() - 1;
    let at = Span::new_start(Marker::new(index, 0, 1, 1));
    match kind {
        ParamType::String | ParamType::Number | ParamType::Bool => {
            Some(Node::Scalar(MarkedScalarNode::new(at, text)))
        }
        ParamType::List | ParamType::Map => {
            let wrapped = format!("value: {}", text.replace('\n', " "));
            match marked_yaml::parse_yaml(index, &wrapped) {
                Ok(node) => node.as_mapping()?.get_node("value").cloned(),
                Err(e) => {
                    c.at(
                        &at,
                        join(&["parameters"]),
                        format!("not a YAML (or JSON) {}: {e}", kind.name()),
                    );
                    None
                }
            }
        }
    }
}

/// `name=value` of `--param`.
pub fn parse_flag(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("`{text}`: expected NAME=VALUE")),
    }
}

/// Where each parameter's value comes from: the last given, else the stack's default.
pub fn origins(declared: &[ParameterDecl], given: &[Given]) -> BTreeMap<String, String> {
    declared
        .iter()
        .map(|d| {
            let origin = given
                .iter()
                .rev()
                .find(|g| g.name == d.name)
                .map_or_else(|| "the stack's default".to_string(), |g| g.origin.clone());
            (d.name.clone(), origin)
        })
        .collect()
}
