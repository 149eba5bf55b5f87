use super::*;
use serde_json::json;

fn desired(resources: &[(&str, Value)]) -> Desired {
    Desired::for_test(resources)
}

fn live(kind: &str, id: &str, spec: Value, outputs: &[(&str, &str)]) -> Candidate {
    Candidate {
        from: format!("aws_{kind}.x_{}", id.replace('/', "_")),
        kind: ResourceKind::parse(kind).unwrap(),
        live: Observed {
            physical_id: id.to_string(),
            spec,
            outputs: outputs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            unreported: Vec::new(),
            provisional: Vec::new(),
        },
    }
}

fn group(name: &str) -> Value {
    json!({"name": name, "retention_days": 14, "tags": {}})
}

fn route(api: &str, key: &str) -> Value {
    json!({"api_id": api, "route_key": key, "integration_id": "i1"})
}

#[test]
fn resources_match_by_identity_and_children_through_their_matched_parent() {
    let config = desired(&[
        ("log_group.logs", group("/aws/lambda/dev-a")),
        ("http_api.api", json!({"name": "dev-api", "tags": {}})),
        ("api_route.list", route("${resource.api.id}", "GET /tools")),
    ]);
    let candidates = vec![
        live(
            "api_route",
            "a9/r2",
            route("a9", "POST /tools"),
            &[("id", "r2")],
        ),
        live(
            "api_route",
            "a9/r1",
            route("a9", "GET /tools"),
            &[("id", "r1")],
        ),
        live(
            "http_api",
            "a9",
            json!({"name": "dev-api", "tags": {}}),
            &[("id", "a9")],
        ),
        live(
            "log_group",
            "/aws/lambda/dev-a",
            group("/aws/lambda/dev-a"),
            &[],
        ),
    ];
    let mapping = map(&config, candidates);
    let matched: Vec<(String, &str)> = mapping
        .matched
        .iter()
        .map(|m| (m.address.to_string(), m.live.physical_id.as_str()))
        .collect();
    assert_eq!(
        matched,
        [
            ("log_group.logs".to_string(), "/aws/lambda/dev-a"),
            ("http_api.api".to_string(), "a9"),
            ("api_route.list".to_string(), "a9/r1"),
        ]
    );
    assert!(mapping.unmatched.is_empty());
    let unclaimed: Vec<&str> = mapping
        .unclaimed
        .iter()
        .map(|c| c.live.physical_id.as_str())
        .collect();
    assert_eq!(unclaimed, ["a9/r2"]);
    assert!(mapping.matched.iter().all(|m| m.replace_reasons.is_empty()));
}

#[test]
fn a_name_that_differs_is_unmatched_with_what_terraform_has_beside_it() {
    let config = desired(&[("log_group.logs", group("/aws/lambda/dev-a"))]);
    let mapping = map(
        &config,
        vec![live(
            "log_group",
            "/aws/lambda/x-dev-a",
            group("/aws/lambda/x-dev-a"),
            &[],
        )],
    );
    assert!(mapping.matched.is_empty());
    let unmatched = &mapping.unmatched[0];
    assert_eq!(
        unmatched.expected,
        [("name".to_string(), "/aws/lambda/dev-a".to_string())]
    );
    let (from, theirs) = unmatched
        .nearest
        .clone()
        .expect("a candidate of the same kind");
    assert!(from.starts_with("aws_log_group."), "{from}");
    assert_eq!(
        theirs,
        [("name".to_string(), "/aws/lambda/x-dev-a".to_string())]
    );
}

#[test]
fn a_child_whose_parent_matched_nothing_is_unmatched_not_guessed() {
    let config = desired(&[
        ("http_api.api", json!({"name": "dev-api", "tags": {}})),
        ("api_route.list", route("${resource.api.id}", "GET /tools")),
    ]);
    let candidates = vec![live("api_route", "a9/r1", route("a9", "GET /tools"), &[])];
    let mapping = map(&config, candidates);
    assert!(mapping.matched.is_empty());
    assert_eq!(mapping.unmatched.len(), 2);
    assert!(mapping.unmatched[1].expected.is_empty());
    assert_eq!(mapping.unclaimed.len(), 1);
}

#[test]
fn a_permission_naming_its_function_by_arn_is_the_same_permission() {
    let config = desired(&[(
        "lambda_permission.invoke",
        json!({"function_name": "dev-fn", "statement_id": "allow", "principal": "apigateway.amazonaws.com"}),
    )]);
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:dev-fn";
    let candidates = vec![live(
        "lambda_permission",
        &format!("{arn}/allow"),
        json!({"function_name": arn, "statement_id": "allow", "action": "lambda:InvokeFunction",
               "principal": "apigateway.amazonaws.com"}),
        &[],
    )];
    let mapping = map(&config, candidates);
    assert_eq!(mapping.matched.len(), 1, "{mapping:?}");
    assert!(mapping.matched[0].replace_reasons.is_empty());
}

#[test]
fn a_match_the_next_plan_would_replace_says_so_before_anything_is_written() {
    let config = desired(&[(
        "dynamodb_table.t",
        json!({"name": "dev-t", "hash_key": "id", "attributes": [{"name": "id", "type": "S"}]}),
    )]);
    let candidates = vec![live(
        "dynamodb_table",
        "dev-t",
        json!({"name": "dev-t", "hash_key": "pk", "attributes": [{"name": "pk", "type": "S"}]}),
        &[],
    )];
    let mapping = map(&config, candidates);
    assert_eq!(mapping.matched[0].replace_reasons, ["hash_key"]);
}

#[test]
fn a_name_mismatch_names_the_parameter_value_that_would_match() {
    let params = BTreeMap::from([
        ("name_prefix".to_string(), "dtr-dev".to_string()),
        ("bucket".to_string(), "dtr-dev-artifacts".to_string()),
    ]);
    let hint = |a: &str, b: &str| parameter_hint(a, b, &params);
    assert_eq!(
        hint("dtr-dev-tools", "x-dev-tools"),
        Some(("name_prefix".into(), "x-dev".into()))
    );
    assert_eq!(
        hint(
            "/aws/lambda/dtr-dev-tool-manager",
            "/aws/lambda/tools-dev-tool-manager"
        ),
        Some(("name_prefix".into(), "tools-dev".into()))
    );
    // The difference is not inside any parameter's value: no guess.
    assert_eq!(hint("dtr-dev-tools", "dtr-dev-catalog"), None);
    assert_eq!(hint("dtr-dev-tools", "dtr-dev-tools"), None);
}

#[test]
fn an_unmatched_name_carries_the_parameter_hint() {
    let mut config = desired(&[("log_group.logs", group("/aws/lambda/dtr-dev-a"))]);
    config.parameters = BTreeMap::from([("name_prefix".to_string(), "dtr-dev".to_string())]);
    let mapping = map(
        &config,
        vec![live(
            "log_group",
            "/aws/lambda/old-dev-a",
            group("/aws/lambda/old-dev-a"),
            &[],
        )],
    );
    assert_eq!(
        mapping.unmatched[0].hint,
        Some(("name_prefix".into(), "old-dev".into()))
    );
}
