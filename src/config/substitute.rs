//! `${param.*}`, `${module.*}` and `${env.*}` substituted in place, with where sensitive values went;
//! YAML merge keys (`<<`) and optional (null) parameters.

use super::diagnostics::Collector;
use super::yaml::join;
use crate::model::reference::{find_references, Reference};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

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
    scope: &Scope,
    field: &str,
    c: &mut Collector,
) -> Substituted {
    let with = Params {
        env: &scope.env,
        values: &scope.params,
        sensitive: &scope.secret,
        outputs: scope.outputs.as_ref(),
        field,
    };
    let mut found = BTreeSet::new();
    let node = with.walk(node, &mut Vec::new(), false, c, &mut found);
    Substituted {
        node,
        sensitive: found,
    }
}

/// Parameter name → where in its value sensitive values are: paths of mapping keys, each stopping at
/// the first list; the empty path is the whole value (a parameter declared `sensitive`).
pub type Secrets = BTreeMap<String, BTreeSet<Vec<String>>>;

/// Every parameter named, sensitive as a whole.
pub fn whole(names: impl IntoIterator<Item = String>) -> Secrets {
    names
        .into_iter()
        .map(|name| (name, BTreeSet::from([Vec::new()])))
        .collect()
}

/// What `${param.*}` and `${module.*}` mean in one file: the stack's parameters and its modules'
/// outputs, or a module instance's parameters (a module sees no other module).
pub struct Scope {
    /// The module instance, or `None` for the stack.
    pub module: Option<String>,
    pub params: BTreeMap<String, Node>,
    /// The parameters whose values are (partly) sensitive: declared so, or given a sensitive value.
    pub secret: Secrets,
    /// `<module>.<output>` → its value (module-local references already made global) and whether
    /// it is sensitive; `None` inside a module.
    pub outputs: Option<BTreeMap<String, (Node, bool)>>,
    /// `${env.<field>}`: the environment's name, region and (when pinned) account id.
    pub env: BTreeMap<String, Node>,
}

struct Params<'a> {
    env: &'a BTreeMap<String, Node>,
    values: &'a BTreeMap<String, Node>,
    sensitive: &'a Secrets,
    outputs: Option<&'a BTreeMap<String, (Node, bool)>>,
    field: &'a str,
}

/// A `${param.*}` or `${module.*}` looked up, with where in it sensitive values are (see `Secrets`).
enum Found<'a> {
    Value(&'a Node, BTreeSet<Vec<String>>),
    Missing(String),
    /// Not a reference this pass substitutes.
    Other,
}

impl Params<'_> {
    fn find(&self, reference: &Reference) -> Found<'_> {
        match reference {
            Reference::Param { name } => match self.values.get(name) {
                Some(v) => Found::Value(v, self.sensitive.get(name).cloned().unwrap_or_default()),
                None => Found::Missing(format!("`${{param.{name}}}`: no such parameter")),
            },
            Reference::Module { module, output } => match self.outputs {
                None => Found::Missing(format!("`${{module.{module}.{output}}}`: a module cannot read another module's outputs; pass the value in as a parameter")),
                Some(outputs) => match outputs.get(&format!("{module}.{output}")) {
                    Some((v, secret)) => Found::Value(v, whole_if(*secret)),
                    None => Found::Missing(format!("`${{module.{module}.{output}}}`: no module `{module}` with an output `{output}` (a module's outputs are read only after it, in module order)")),
                },
            },
            Reference::Env { field } => match self.env.get(field) {
                Some(v) => Found::Value(v, BTreeSet::new()),
                None if field == "account_id" => Found::Missing("`${env.account_id}`: this environment pins no account (`account_id` in its file)".to_string()),
                None => Found::Missing(format!("`${{env.{field}}}`: an environment has `name`, `region` and `account_id`")),
            },
            _ => Found::Other,
        }
    }
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
                for within in secret {
                    // Paths stop at the first list: inside one, the list is sensitive as a whole.
                    let mut at = path.clone();
                    if !in_list {
                        at.extend(within);
                    }
                    found.insert(at);
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
                let mut merged = Vec::new();
                let mut out: MarkedMappingNode = map
                    .iter()
                    .filter_map(|(k, v)| {
                        if k.as_str() == MERGE_KEY {
                            merged.push(self.walk(v, path, in_list, c, found));
                            return None;
                        }
                        if !in_list {
                            path.push(k.as_str().to_string());
                        }
                        let given = self.walk(v, path, in_list, c, found);
                        if !in_list {
                            path.pop();
                        }
                        // An optional parameter left unset leaves the property unset.
                        if is_null(&given) && !is_null(v) {
                            return None;
                        }
                        Some((k.clone(), given))
                    })
                    .collect();
                for from in merged {
                    merge_into(&mut out, &from, self.field, c);
                }
                *out.span_mut() = *map.span();
                Node::Mapping(out)
            }
        }
    }

    /// The scalar substituted, and where in it sensitive values went (relative paths; empty when
    /// none did).
    fn scalar(&self, s: &MarkedScalarNode, c: &mut Collector) -> (Node, BTreeSet<Vec<String>>) {
        let field = self.field;
        let text = s.as_str();
        let refs = find_references(text);
        if refs.is_empty() {
            return (Node::Scalar(s.clone()), BTreeSet::new());
        }
        if let [(range, reference)] = refs.as_slice() {
            if range.start == 0 && range.end == text.len() {
                match self.find(reference) {
                    Found::Value(value, secret) => return (value.clone(), secret),
                    Found::Missing(message) => {
                        c.at(s.span(), field, message);
                        return (Node::Scalar(s.clone()), BTreeSet::new());
                    }
                    Found::Other => {}
                }
            }
        }
        let mut out = String::new();
        let mut last = 0;
        let mut secret = false;
        for (range, reference) in &refs {
            out.push_str(&text[last..range.start]);
            match self.find(reference) {
                Found::Value(Node::Scalar(v), is_secret) => {
                    out.push_str(v.as_str());
                    secret |= !is_secret.is_empty();
                }
                Found::Value(_, _) => {
                    c.at(
                        s.span(),
                        field,
                        format!(
                            "`{}` is a list or map and cannot be part of a string",
                            &text[range.clone()]
                        ),
                    );
                }
                Found::Missing(message) => c.at(s.span(), field, message),
                Found::Other => {
                    if let Reference::Malformed(inner) = reference {
                        c.at(s.span(), field, format!("`${{{inner}}}` is not a reference: use ${{param.<name>}}, ${{resource.<name>.<attribute>}}, ${{module.<module>.<output>}}, ${{env.<name|region|account_id>}} or ${{each.key}} / ${{each.value}}"));
                    }
                    out.push_str(&text[range.clone()]);
                }
            }
            last = range.end;
        }
        out.push_str(&text[last..]);
        (
            Node::Scalar(MarkedScalarNode::new(*s.span(), out)),
            whole_if(secret),
        )
    }
}

/// The whole value (the empty path) when `secret`, else nothing.
fn whole_if(secret: bool) -> BTreeSet<Vec<String>> {
    if secret {
        BTreeSet::from([Vec::new()])
    } else {
        BTreeSet::new()
    }
}

/// YAML's merge key: `<<: ${param.more}` (a map, or a list of maps) adds the entries a mapping
/// does not set itself, so a module can add caller-given entries to its own (a role's inline
/// policies, a function's environment).
const MERGE_KEY: &str = "<<";

fn merge_into(out: &mut MarkedMappingNode, from: &Node, field: &str, c: &mut Collector) {
    match from {
        Node::Mapping(more) => {
            for (k, v) in more.iter() {
                if !out.contains_key(k.as_str()) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        Node::Sequence(items) => {
            for item in items.iter() {
                merge_into(out, item, field, c);
            }
        }
        Node::Scalar(_) if is_null(from) => {}
        other => c.at(
            other.span(),
            join(&[field, MERGE_KEY]),
            "`<<` merges a map (or a list of maps) into this one",
        ),
    }
}

/// YAML's null (`null`, `~`, or nothing): the value of an optional parameter left unset, which
/// leaves the property it is given to unset.
pub fn is_null(node: &Node) -> bool {
    node.as_scalar()
        .is_some_and(|s| matches!(s.as_str(), "null" | "~" | ""))
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
        let sensitive = whole(["key".to_string(), "list".to_string()]);
        let props = yaml(concat!(
            "name: ${param.prefix}-x\n",
            "environment:\n  KEY: ${param.key}\n  PART: x-${param.key}-y\n  MODE: dev\n",
            "origins: ${param.list}\n",
            "rules:\n  - id: a\n    token: ${param.key}\n  - id: b\n",
            "plain: [dev]\n",
        ));
        let mut c = Collector::default();
        let scope = Scope {
            module: None,
            params,
            secret: sensitive,
            outputs: None,
            env: BTreeMap::new(),
        };
        let out = substitute_params(&props, &scope, "f", &mut c);
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
