//! `for_each` and modules, loaded end to end from files (no AWS).

use crate::config::load;
use crate::model::{Desired, TAG_ADDRESS};

const ENV: &str = "name: t\nstack: s\nregion: us-east-1\nbackend: {state_bucket: dtr-state-t, lock_table: dtr-locks, state_key: s/t.json}\nparameters:\n  prefix: dtr-t\n  key: k3y\n";

fn project(stack: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("environments/t.yaml", ENV);
    write(
        "stacks/s/stack.yaml",
        &format!("stack: s\nparameters:\n  prefix: {{type: string}}\n  key: {{type: string, sensitive: true}}\n  groups: {{type: map, default: {{api: {{days: 7}}, jobs: {{days: 30}}}}}}\n{stack}"),
    );
    for (path, text) in files {
        write(&format!("stacks/s/{path}"), text);
    }
    dir
}

fn errors(dir: &tempfile::TempDir) -> Vec<String> {
    load("t", dir.path())
        .unwrap_err()
        .0
        .iter()
        .map(|d| d.to_string())
        .collect()
}

/// The resource at `address` (as written), which must be there.
fn resource<'a>(desired: &'a Desired, address: &str) -> &'a crate::model::DesiredResource {
    desired
        .resources
        .iter()
        .find(|r| r.address.to_string() == address)
        .unwrap_or_else(|| panic!("no {address} in {:?}", addresses(desired)))
}

fn addresses(desired: &Desired) -> Vec<String> {
    desired
        .resources
        .iter()
        .map(|r| r.address.to_string())
        .collect()
}

const MODULE: &str = "module: logs
parameters:
  name: {type: string}
  days: {type: number, default: 14}
  secret: {type: string, default: none}
resources:
  group:
    type: log_group
    properties:
      name: /x/${param.name}
      retention_days: ${param.days}
      tags: {note: '${param.secret}'}
  copy:
    type: log_group
    properties:
      name: ${resource.group.name}-copy
outputs:
  arn: ${resource.group.arn}
  name: ${resource.group.name}
";

#[test]
fn for_each_over_a_map_gives_one_keyed_instance_per_entry() {
    let dir = project(
        "resources:
  logs:
    type: log_group
    for_each: ${param.groups}
    properties:
      name: ${param.prefix}-${each.key}-${env.region}-${env.name}
      retention_days: ${each.value.days}
  after:
    type: log_group
    properties:
      name: ${resource.logs[\"jobs\"].name}-after
",
        &[],
    );
    let desired = load("t", dir.path()).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(
        addresses(&desired),
        vec![
            "log_group.logs[\"api\"]",
            "log_group.logs[\"jobs\"]",
            "log_group.after"
        ]
    );
    let jobs = &desired.resources[1];
    assert_eq!(jobs.properties["name"], "dtr-t-jobs-us-east-1-t");
    assert_eq!(jobs.properties["retention_days"], serde_json::json!(30));
    assert_eq!(jobs.properties["tags"][TAG_ADDRESS], "log_group.logs/jobs");
    let after = &desired.resources[2];
    assert_eq!(
        after.properties["name"],
        "${resource.logs[\"jobs\"].name}-after"
    );
    assert_eq!(after.depends_on[0].to_string(), "log_group.logs[\"jobs\"]");
}

#[test]
fn for_each_mistakes_are_located() {
    let dir = project(
        "resources:
  listed:
    type: log_group
    for_each: [a, a, 'b c']
    properties: {name: '${each.key}'}
  plain:
    type: log_group
    properties: {name: '${each.key}${env.account_id}'}
  reader:
    type: log_group
    properties: {name: '${resource.listed.name}'}
  secret:
    type: log_group
    for_each: ['${param.key}']
    properties: {name: x}
",
        &[],
    );
    let found = errors(&dir);
    let has = |text: &str| assert!(found.iter().any(|e| e.contains(text)), "{text}: {found:#?}");
    has("stack.yaml:9:19: resources.listed.for_each: `a` appears twice");
    has("`b c` is not a valid for_each key");
    has("resources.plain.properties: `${each.*}` is only defined in a resource with for_each");
    has("`listed` has for_each: name one instance");
    has("`${env.account_id}`: this environment pins no account");
    has("resources.secret.for_each: a for_each cannot be a sensitive value");
}

#[test]
fn a_module_instance_scopes_its_addresses_references_and_outputs() {
    let dir = project(
        "modules:
  audit:
    source: modules/logs.yaml
    parameters:
      name: ${param.prefix}-audit
      secret: ${param.key}
resources:
  reader:
    type: log_group
    properties:
      name: ${module.audit.name}-reader
outputs:
  audit_arn: ${module.audit.arn}
",
        &[("modules/logs.yaml", MODULE)],
    );
    let desired = load("t", dir.path()).unwrap_or_else(|d| panic!("{d}"));
    let mut all = addresses(&desired);
    all.sort();
    assert_eq!(
        all,
        vec![
            "log_group.reader",
            "module.audit.log_group.copy",
            "module.audit.log_group.group"
        ]
    );
    let find = |a: &str| resource(&desired, a);
    let group = find("module.audit.log_group.group");
    assert_eq!(group.properties["name"], "/x/dtr-t-audit");
    assert_eq!(group.properties["retention_days"], serde_json::json!(14));
    assert_eq!(
        group.properties["tags"][TAG_ADDRESS],
        "module.audit.log_group.group"
    );
    assert_eq!(
        group.sensitive_paths,
        vec!["tags.note"],
        "a sensitive value given to a module stays sensitive"
    );
    assert!(
        group.location.file.ends_with("modules/logs.yaml"),
        "{}",
        group.location
    );
    let copy = find("module.audit.log_group.copy");
    assert_eq!(
        copy.properties["name"],
        "${resource.module.audit.group.name}-copy"
    );
    assert_eq!(
        copy.depends_on[0].to_string(),
        "module.audit.log_group.group"
    );
    let reader = find("log_group.reader");
    assert_eq!(
        reader.properties["name"],
        "${resource.module.audit.group.name}-reader"
    );
    assert_eq!(
        desired.outputs["audit_arn"],
        "${resource.module.audit.group.arn}"
    );
}

#[test]
fn module_mistakes_are_located_in_the_file_that_has_them() {
    let bad_module = "module: logs\nparameters:\n  name: {type: string}\nresources:\n  group:\n    type: log_group\n    properties:\n      name: ${resource.elsewhere.name}\n      colour: blue\n";
    let dir = project(
        "modules:
  one:
    source: modules/bad.yaml
    parameters: {name: a, nope: 1}
  two:
    source: modules/bad.yaml
    parameters: {name: '${module.three.x}'}
  three:
    source: modules/bad.yaml
    parameters: {name: '${module.two.x}'}
  four:
    source: ../outside.yaml
resources: {}
",
        &[("modules/bad.yaml", bad_module)],
    );
    let found = errors(&dir);
    let has = |text: &str| assert!(found.iter().any(|e| e.contains(text)), "{text}: {found:#?}");
    has("stack.yaml:9:27: modules.one.parameters.nope: unknown parameter `nope`");
    has("modules/bad.yaml:8:13: resources.group.properties: `${resource.elsewhere.name}`: no resource `elsewhere` in this module file");
    has("modules.two: module cycle");
    has("modules.four.source: `../outside.yaml`");
}

#[test]
fn a_null_default_makes_a_parameter_optional_and_merge_keys_add_caller_entries() {
    let module = "module: logs
parameters:
  name: {type: string}
  days: {type: number, default: null}
  more_tags: {type: map, default: {}}
resources:
  group:
    type: log_group
    properties:
      name: ${param.name}
      retention_days: ${param.days}
      tags:
        own: mine
        <<: ${param.more_tags}
";
    let dir = project(
        "modules:
  bare:
    source: modules/logs.yaml
    parameters: {name: bare}
  full:
    source: modules/logs.yaml
    parameters:
      name: full
      days: 7
      more_tags: {own: theirs, extra: added}
resources: {}
",
        &[("modules/logs.yaml", module)],
    );
    let desired = load("t", dir.path()).unwrap_or_else(|d| panic!("{d}"));
    let find = |a: &str| resource(&desired, a);
    let bare = &find("module.bare.log_group.group").properties;
    assert!(
        bare.get("retention_days").is_none_or(|v| v.is_null()),
        "{bare}"
    );
    assert_eq!(bare["tags"]["own"], "mine");
    let full = &find("module.full.log_group.group").properties;
    assert_eq!(full["retention_days"], serde_json::json!(7));
    assert_eq!(full["tags"]["own"], "mine", "the module's own entry wins");
    assert_eq!(full["tags"]["extra"], "added");
}

#[test]
fn a_map_given_to_a_module_is_sensitive_only_where_its_sensitive_values_are() {
    let module = "module: logs
parameters:
  name: {type: string}
  tags: {type: map}
  more_tags: {type: map, default: {}}
resources:
  group:
    type: log_group
    properties:
      name: ${param.name}
      tags: ${param.tags}
  merged:
    type: log_group
    properties:
      name: ${param.name}-merged
      tags:
        own: mine
        <<: ${param.more_tags}
";
    let dir = project(
        "modules:
  one:
    source: modules/logs.yaml
    parameters:
      name: one
      tags: {note: '${param.key}', team: agents}
      more_tags: {token: 'x-${param.key}', team: agents}
resources: {}
",
        &[("modules/logs.yaml", module)],
    );
    let desired = load("t", dir.path()).unwrap_or_else(|d| panic!("{d}"));
    let paths = |a: &str| resource(&desired, a).sensitive_paths.clone();
    // Not the whole map: its plain entries stay visible, and are still checked as plain text.
    assert_eq!(paths("module.one.log_group.group"), vec!["tags.note"]);
    assert_eq!(paths("module.one.log_group.merged"), vec!["tags.token"]);
}
