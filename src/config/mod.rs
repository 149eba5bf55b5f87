//! Stack + environment YAML → [`crate::model::Desired`], with every problem reported at once, each with
//! its file, line, column and field.

mod applied;
mod diagnostics;
mod environment;
mod expand;
mod inputs;
mod lifecycle;
mod modules;
mod resolve;
mod security;
mod sensitive;
mod spec;
mod stack;
mod substitute;
mod yaml;

pub use applied::security_findings;
pub use diagnostics::{Diagnostic, Diagnostics};
pub use inputs::{parse_flag, Inputs, ENV_PREFIX};

use crate::model::{
    Desired, DesiredResource, ResourceAddress, ResourceKind, SourceLocation, TAG_ADDRESS, TAG_ENV,
    TAG_STACK,
};
use diagnostics::Collector;
use marked_yaml::Node;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `--env dev` → `<root>/environments/dev.yaml`; anything with a `/` or a YAML extension is a path.
pub fn environment_path(env: &str, root: &Path) -> PathBuf {
    if env.contains('/') || env.ends_with(".yaml") || env.ends_with(".yml") {
        root.join(env)
    } else {
        root.join("environments").join(format!("{env}.yaml"))
    }
}

/// How a path is shown: relative to the project root when it is under it.
fn shown(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Only the environment file (stack name, region, account, backend), with no resources: what
/// `destroy` needs, which deletes what the state owns whatever the stack says now. A stack that no
/// longer validates (a runtime Lambda has since blocked, a source that cannot be packaged, a file
/// gone) must not keep an environment from being destroyed. No AWS calls.
pub fn load_environment(env: &str, root: &Path) -> Result<Desired, Diagnostics> {
    let env_path = environment_path(env, root);
    let mut c = Collector::default();
    c.sources.files.push(shown(&env_path, root));
    let parsed =
        yaml::read(&env_path, 0, &mut c).and_then(|node| environment::parse(&node, &mut c));
    match parsed {
        Some(env) if c.found.is_empty() => Ok(Desired {
            stack: env.stack.0,
            environment: env.name,
            region: env.region,
            account_id: env.account_id,
            backend: env.backend,
            resources: Vec::new(),
            outputs: BTreeMap::new(),
            sources: vec![env_path],
            sensitive_outputs: BTreeSet::new(),
            moved: Vec::new(),
            removed: Vec::new(),
            destroying: true,
            parameters: BTreeMap::new(),
            parameter_origins: BTreeMap::new(),
        }),
        _ => Err(Diagnostics(c.found)),
    }
}

/// Load and fully validate an environment and the stack it names. No AWS calls.
pub fn load(env: &str, root: &Path) -> Result<Desired, Diagnostics> {
    load_with(env, root, &Inputs::default())
}

/// [`load`], with parameter values also from `inputs` (`DTR_PARAM_*`, `--param-file`, `--param`).
pub fn load_with(env: &str, root: &Path, inputs: &Inputs) -> Result<Desired, Diagnostics> {
    let env_path = environment_path(env, root);
    let mut c = Collector::default();
    c.sources.files.push(shown(&env_path, root));
    let fail = |c: Collector| Diagnostics(c.found);

    let Some(env_root) = yaml::read(&env_path, 0, &mut c) else {
        return Err(fail(c));
    };
    let Some(env) = environment::parse(&env_root, &mut c) else {
        return Err(fail(c));
    };
    // The stack lives beside environments/: <env file>/../../stacks/<stack>/stack.yaml.
    let project = env_path.parent().and_then(Path::parent).unwrap_or(root);
    let stack_path = project.join("stacks").join(&env.stack.0).join("stack.yaml");
    c.sources.files.push(shown(&stack_path, root));
    let Some(stack_root) = yaml::read(&stack_path, 1, &mut c) else {
        return Err(fail(c));
    };
    let Some(stack) = stack::parse(&stack_root, stack::FileKind::Stack, &mut c) else {
        return Err(fail(c));
    };
    if stack.stack.0 != env.stack.0 {
        c.at(
            &stack.stack.1,
            "stack",
            format!(
                "this file declares stack `{}` but the environment asks for `{}`",
                stack.stack.0, env.stack.0
            ),
        );
    }

    let anchor = env_root
        .as_mapping()
        .and_then(|m| {
            m.keys()
                .find(|k| k.as_str() == "parameters")
                .map(|k| *k.span())
        })
        .unwrap_or(*env_root.span());
    let given = inputs::given(
        &stack.parameters,
        &env.parameters,
        &shown(&env_path, root),
        inputs,
        &mut c,
    );
    let parameter_origins = inputs::origins(&stack.parameters, &given);
    let given: Vec<(String, marked_yaml::Span, Node)> = given
        .into_iter()
        .map(|g| (g.name, g.span, g.value))
        .collect();
    let params = resolve::parameter_values(&stack.parameters, &given, &anchor, "", "stack", &mut c);
    let stack_dir = stack_path.parent().unwrap_or(root).to_path_buf();
    let mut scopes = vec![substitute::Scope {
        module: None,
        params,
        secret: substitute::whole(
            stack
                .parameters
                .iter()
                .filter(|p| p.sensitive)
                .map(|p| p.name.clone()),
        ),
        outputs: Some(BTreeMap::new()),
        env: [
            ("name", Some(&env.name)),
            ("region", Some(&env.region)),
            ("account_id", env.account_id.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            let node = marked_yaml::types::MarkedScalarNode::new(
                marked_yaml::Span::new_blank(),
                v?.as_str(),
            );
            Some((k.to_string(), Node::Scalar(node)))
        })
        .collect(),
    }];
    let mut instances = expand::instances(&stack.resources, 0, &scopes[0], &mut c);
    for i in expand::module_order(&stack.modules, &mut c) {
        let decl = &stack.modules[i];
        let Some(file) = modules::read(decl, &stack_dir, root, &mut c) else {
            continue;
        };
        let scope = expand::module_scope(decl, &file.parameters, &scopes[0], &mut c);
        let outputs = expand::module_outputs(&file.outputs, &file.resources, &scope, &mut c);
        scopes.push(scope);
        instances.extend(expand::instances(
            &file.resources,
            scopes.len() - 1,
            &scopes[scopes.len() - 1],
            &mut c,
        ));
        if let Some(all) = scopes[0].outputs.as_mut() {
            all.extend(outputs);
        }
    }
    let kinds: BTreeMap<String, ResourceKind> = instances
        .iter()
        .map(|r| (r.address.reference(), r.kind))
        .collect();
    let addresses: BTreeMap<String, ResourceAddress> = instances
        .iter()
        .map(|r| (r.address.reference(), r.address.clone()))
        .collect();
    let (moved, removed) = lifecycle::parse(&stack_root, &kinds, &mut c);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut built: BTreeMap<String, Built> = BTreeMap::new();
    let dirs = spec::StackDir {
        real: stack_dir.clone(),
        shown: shown(&stack_dir, root),
    };
    for inst in &instances {
        let reference = inst.address.reference();
        let field = yaml::join(&[&inst.field, "properties"]);
        let substituted =
            substitute::substitute_params(&inst.properties, &scopes[inst.scope], &field, &mut c);
        let properties = substituted.node;
        let mut deps = resolve::resource_references(&properties, &kinds, &field, &mut c);
        for (dep, _) in &inst.depends_on {
            match dep.strip_suffix("[*]") {
                Some(base) => deps.extend(
                    kinds
                        .keys()
                        .filter(|k| k.starts_with(&format!("{base}[")))
                        .cloned(),
                ),
                None => {
                    deps.insert(dep.clone());
                }
            }
        }
        if deps.contains(&reference) {
            c.at(
                &inst.span,
                inst.field.clone(),
                format!(
                    "dependency cycle: {0} -> {0} (it references itself)",
                    reference
                ),
            );
            deps.remove(&reference);
        }
        edges.insert(reference.clone(), deps.clone());
        let address = inst.address.clone();
        let tags = [
            (TAG_STACK, env.stack.0.as_str()),
            (TAG_ENV, env.name.as_str()),
            (TAG_ADDRESS, &address.tag_value()),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let Some(value) = spec::build(inst.kind, &properties, &field, &tags, &dirs, &mut c) else {
            continue;
        };
        if let Some(part) = backend_part(inst.kind, &value, &env.backend) {
            let at = *yaml::locate(&properties, &["name".to_string()]).span();
            c.at(
                &at,
                yaml::join(&[&field, "name"]),
                format!("this names the environment's own {part}; dtr never manages its backend (bootstrap keeps it), under any address"),
            );
        }
        let location = location(&inst.properties, &c);
        let flows = sensitive::anchor(&value, &substituted.sensitive);
        let resource = DesiredResource {
            address,
            properties: value,
            depends_on: deps
                .iter()
                .filter_map(|d| addresses.get(d).cloned())
                .collect(),
            location,
            sensitive_paths: Vec::new(),
            acknowledged: inst.acknowledged.iter().map(|(c, _)| c.clone()).collect(),
        };
        built.insert(reference, (resource, properties, flows));
    }
    let spans: Vec<(String, marked_yaml::Span)> = instances
        .iter()
        .map(|i| (i.address.reference(), i.span))
        .collect();
    let order = resolve::order(&spans, &edges, &mut c);

    // Sensitive values flow on through references: resolved in dependency order.
    let mut flows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in &order {
        if let Some((resource, _, from_params)) = built.get(name) {
            let mut paths = from_params.clone();
            paths.extend(sensitive::through_references(&resource.properties, &flows));
            flows.insert(name.clone(), sensitive::dotted(&paths));
        }
    }
    for inst in &instances {
        let field = yaml::join(&[&inst.field, "properties"]);
        if let Some((resource, properties, _)) = built.get_mut(&inst.address.reference()) {
            resource.sensitive_paths = flows
                .get(&inst.address.reference())
                .cloned()
                .unwrap_or_default();
            security::report(resource, properties, &field, &mut c);
        }
    }

    let mut outputs = BTreeMap::new();
    let mut sensitive_outputs = BTreeSet::new();
    for (name, node) in &stack.outputs {
        let field = yaml::join(&["outputs", name]);
        let value = substitute::substitute_params(node, &scopes[0], &field, &mut c);
        resolve::resource_references(&value.node, &kinds, &field, &mut c);
        match value.node {
            Node::Scalar(s) => {
                if !value.sensitive.is_empty() || sensitive::reads_sensitive(s.as_str(), &flows) {
                    sensitive_outputs.insert(name.clone());
                }
                outputs.insert(name.clone(), s.as_str().to_string());
            }
            other => c.at(other.span(), field, "an output must be a string template"),
        }
    }

    if !c.found.is_empty() {
        return Err(fail(c));
    }
    Ok(Desired {
        stack: env.stack.0,
        environment: env.name,
        region: env.region,
        account_id: env.account_id,
        backend: env.backend,
        resources: order
            .iter()
            .filter_map(|n| built.remove(n).map(|(resource, _, _)| resource))
            .collect(),
        outputs,
        sources: vec![env_path, stack_path],
        sensitive_outputs,
        moved,
        removed,
        destroying: false,
        parameters: scopes[0]
            .params
            .iter()
            .filter(|(name, _)| !scopes[0].secret.contains_key(*name))
            .filter_map(|(name, node)| Some((name.clone(), node.as_scalar()?.as_str().to_string())))
            .collect(),
        parameter_origins: parameter_origins
            .into_iter()
            .map(|(name, origin)| {
                let shown = match scopes[0].params.get(&name) {
                    _ if scopes[0].secret.contains_key(&name) => "(sensitive)".to_string(),
                    Some(node) if substitute::is_null(node) => "(unset)".to_string(),
                    Some(Node::Scalar(v)) => v.as_str().to_string(),
                    Some(node) => yaml::to_json(node).to_string(),
                    None => "(missing)".to_string(),
                };
                (name, (shown, origin))
            })
            .collect(),
    })
}

/// Which part of the backend a resource would be, if its name is the state bucket's or the lock
/// table's.
fn backend_part(
    kind: ResourceKind,
    properties: &serde_json::Value,
    backend: &crate::model::Backend,
) -> Option<String> {
    let name = properties.get("name")?.as_str()?;
    match kind {
        ResourceKind::S3Bucket if name == backend.state_bucket => {
            Some(format!("state bucket ({name})"))
        }
        ResourceKind::DynamodbTable if name == backend.lock_table => {
            Some(format!("lock table ({name})"))
        }
        _ => None,
    }
}

/// A resource as built: the model, its substituted properties (to locate findings) and the paths a
/// sensitive parameter went to.
type Built = (DesiredResource, Node, BTreeSet<Vec<String>>);

fn location(node: &Node, c: &Collector) -> SourceLocation {
    let (line, column, source) = node
        .span()
        .start()
        .map(|m| (m.line(), m.column(), m.source()))
        .unwrap_or((1, 1, 1));
    SourceLocation {
        file: c.sources.files.get(source).cloned().unwrap_or_default(),
        line,
        column,
    }
}

#[cfg(test)]
mod tests;
