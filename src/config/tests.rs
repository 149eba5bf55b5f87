//! Loading a stack and an environment end to end from files (no AWS).

use super::*;

const ENV: &str = "name: t\nstack: s\nregion: us-east-1\nbackend: {state_bucket: dtr-state-t, lock_table: dtr-locks, state_key: s/t.json}\nparameters:\n  prefix: dtr-t\n  pitr: true\n";

fn project(stack_resources: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("environments")).unwrap();
    std::fs::create_dir_all(dir.path().join("stacks/s")).unwrap();
    std::fs::write(dir.path().join("environments/t.yaml"), ENV).unwrap();
    let stack = format!("stack: s\nparameters:\n  prefix: {{type: string}}\n  pitr: {{type: bool}}\nresources:\n{stack_resources}");
    std::fs::write(dir.path().join("stacks/s/stack.yaml"), stack).unwrap();
    dir
}

fn table(name: &str, extra: &str) -> String {
    format!("  {name}:\n    type: dynamodb_table\n    properties:\n      name: ${{param.prefix}}-{name}\n      hash_key: id\n      attributes: [{{name: id, type: S}}]\n{extra}")
}

fn errors(dir: &tempfile::TempDir) -> Vec<String> {
    load("t", dir.path())
        .unwrap_err()
        .0
        .iter()
        .map(|d| d.to_string())
        .collect()
}

#[test]
fn the_shipped_environments_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for env in ["local", "dev", "staging", "prod"] {
        let desired = load(env, root).unwrap_or_else(|d| panic!("{env}:\n{d}"));
        assert_eq!(desired.environment, env);
    }
}

#[test]
fn a_bool_parameter_becomes_a_json_bool_and_dtr_tags_are_merged() {
    let dir = project(&table("a", "      point_in_time_recovery: ${param.pitr}\n"));
    let desired = load("t", dir.path()).unwrap();
    let props = &desired.resources[0].properties;
    assert_eq!(props["point_in_time_recovery"], serde_json::json!(true));
    assert_eq!(props["name"], "dtr-t-a");
    assert_eq!(props["tags"][TAG_ADDRESS], "dynamodb_table.a");
    assert_eq!(props["tags"][TAG_ENV], "t");
}

#[test]
fn resources_come_in_dependency_order_with_their_edges() {
    let b = table("b", "      ttl_attribute: ${resource.c.name}\n");
    let a = table("a", "").replace(
        "    type: dynamodb_table\n",
        "    type: dynamodb_table\n    depends_on: [b]\n",
    );
    let dir = project(&format!("{b}{}{a}", table("c", "")));
    let desired = load("t", dir.path()).unwrap();
    let order: Vec<&str> = desired
        .resources
        .iter()
        .map(|r| r.address.name.as_str())
        .collect();
    assert_eq!(order, vec!["c", "b", "a"]);
    assert_eq!(
        desired.resources[1].depends_on[0].to_string(),
        "dynamodb_table.c"
    );
}

#[test]
fn self_references_and_three_cycles_are_reported_with_their_path() {
    let dir = project(&format!(
        "{}{}{}{}",
        table("s", "      ttl_attribute: ${resource.s.name}\n"),
        table("x", "      ttl_attribute: ${resource.y.name}\n"),
        table("y", "      ttl_attribute: ${resource.z.name}\n"),
        table("z", "      ttl_attribute: ${resource.x.name}\n"),
    ));
    let found = errors(&dir);
    assert!(
        found
            .iter()
            .any(|e| e.contains("resources.s: dependency cycle: s -> s")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e.contains("dependency cycle: x -> y -> z -> x")),
        "{found:?}"
    );
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn a_scalar_parameter_renders_inside_a_string_and_a_mistyped_value_is_refused() {
    let dir = project(&table("a", "      ttl_attribute: x-${param.pitr}\n"));
    assert!(
        load("t", dir.path()).is_ok(),
        "a bool renders as text inside a string"
    );
    let dir = project(&table("a", ""));
    std::fs::write(
        dir.path().join("environments/t.yaml"),
        ENV.replace("pitr: true", "pitr: [1]"),
    )
    .unwrap();
    assert!(errors(&dir)[0].contains("parameters.pitr: expected a bool value"));
}
