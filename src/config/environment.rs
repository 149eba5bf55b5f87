//! `environments/<env>.yaml`: which stack, where, which account, the backend, the parameter values.

use super::diagnostics::Collector;
use super::yaml::{check_keys, join, string_field};
use crate::model::bucket::bucket_name_problem;
use crate::model::table::valid_table_name;
use crate::model::Backend;
use marked_yaml::{Node, Span};

pub struct EnvironmentFile {
    pub name: String,
    pub stack: (String, Span),
    pub region: String,
    pub account_id: Option<String>,
    pub backend: Backend,
    /// name → (value, span of the key).
    pub parameters: Vec<(String, Span, Node)>,
}

const KEYS: &[&str] = &[
    "name",
    "stack",
    "region",
    "account_id",
    "backend",
    "parameters",
];
const BACKEND_KEYS: &[&str] = &["state_bucket", "lock_table", "state_key", "region"];

fn valid_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn valid_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

pub fn parse(root: &Node, c: &mut Collector) -> Option<EnvironmentFile> {
    if !check_keys(root, KEYS, "", c) {
        return None;
    }
    let name = string_field(root, "name", "", true, c);
    if let Some((n, span)) = &name {
        if !valid_env_name(n) {
            c.at(span, "name", format!("`{n}` is not a valid environment name: a lowercase letter, then lowercase letters, digits and `-`, at most 32"));
        }
    }
    let stack = string_field(root, "stack", "", true, c);
    let region = string_field(root, "region", "", true, c);
    if let Some((r, span)) = &region {
        if !valid_region(r) {
            c.at(
                span,
                "region",
                format!("`{r}` is not an AWS region name like us-east-1"),
            );
        }
    }
    let account_id = string_field(root, "account_id", "", false, c);
    if let Some((a, span)) = &account_id {
        if a.len() != 12 || !a.chars().all(|ch| ch.is_ascii_digit()) {
            c.at(
                span,
                "account_id",
                format!("`{a}` is not a 12-digit AWS account id (quote it to keep leading zeros)"),
            );
        }
    }
    let backend = parse_backend(root, region.as_ref().map(|r| r.0.as_str()), c);
    let mut parameters = Vec::new();
    if let Some(node) = root.as_mapping().and_then(|m| m.get_node("parameters")) {
        match node.as_mapping() {
            Some(map) => {
                for (k, v) in map.iter() {
                    parameters.push((k.as_str().to_string(), *k.span(), v.clone()));
                }
            }
            None => c.at(
                node.span(),
                "parameters",
                "expected a mapping of parameter values",
            ),
        }
    }
    Some(EnvironmentFile {
        name: name?.0,
        stack: stack?,
        region: region?.0,
        account_id: account_id.map(|a| a.0),
        backend: backend?,
        parameters,
    })
}

fn parse_backend(root: &Node, env_region: Option<&str>, c: &mut Collector) -> Option<Backend> {
    let Some(node) = root.as_mapping().and_then(|m| m.get_node("backend")) else {
        c.at(root.span(), "backend", "missing required field `backend`");
        return None;
    };
    if !check_keys(node, BACKEND_KEYS, "backend", c) {
        return None;
    }
    let bucket = string_field(node, "state_bucket", "backend", true, c);
    if let Some((b, span)) = &bucket {
        if let Some(problem) = bucket_name_problem(b) {
            c.at(
                span,
                "backend.state_bucket",
                format!("`{b}` is not a valid S3 bucket name: it {problem}"),
            );
        }
    }
    let table = string_field(node, "lock_table", "backend", true, c);
    if let Some((t, span)) = &table {
        if !valid_table_name(t) {
            c.at(span, "backend.lock_table", format!("`{t}` is not a valid DynamoDB table name: 3-255 characters of a-z, A-Z, 0-9, `_`, `-`, `.`"));
        }
    }
    let key = string_field(node, "state_key", "backend", true, c);
    if let Some((k, span)) = &key {
        if k.is_empty() || k.starts_with('/') || k.len() > 1024 {
            c.at(
                span,
                join(&["backend", "state_key"]),
                "must be a non-empty S3 key without a leading `/`, at most 1024 bytes",
            );
        }
    }
    let region = string_field(node, "region", "backend", false, c);
    if let Some((r, span)) = &region {
        if !valid_region(r) {
            c.at(
                span,
                "backend.region",
                format!("`{r}` is not an AWS region name like us-east-1"),
            );
        }
    }
    Some(Backend {
        state_bucket: bucket?.0,
        lock_table: table?.0,
        state_key: key?.0,
        region: match region {
            Some((r, _)) => r,
            None => env_region?.to_string(),
        },
    })
}
