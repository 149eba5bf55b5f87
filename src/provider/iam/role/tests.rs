use super::*;
use crate::provider::adapter::compared;
use serde_json::json;

fn spec(statement: Value, managed: &[&str]) -> RoleSpec {
    RoleSpec {
        name: "dtr-dev-tool".into(),
        path: "/".into(),
        description: None,
        assume_role_policy: json!({"Version": "2012-10-17", "Statement": statement}),
        inline_policies: BTreeMap::from([(
            "data".to_string(),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"}]}),
        )]),
        managed_policy_arns: managed.iter().map(|s| s.to_string()).collect(),
        max_session_duration: 3600,
        tags: BTreeMap::new(),
    }
}

fn trust() -> Value {
    json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"})
}

#[test]
fn documents_and_attachments_compare_by_meaning_not_spelling() {
    let want = spec(trust(), &["arn:b", "arn:a", "arn:b"]);
    let mut have = spec(
        json!([{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": ["sts:AssumeRole"]}]),
        &["arn:a", "arn:b"],
    );
    have.inline_policies.insert(
        "data".into(),
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["*"]}}),
    );
    let c = compared(&want, &have);
    assert_eq!(Some(c.desired), c.observed);
}

#[test]
fn a_new_path_replaces_and_a_new_trust_policy_updates() {
    let moved = RoleSpec {
        path: "/service/".into(),
        ..spec(trust(), &[])
    };
    assert_eq!(
        compared(&moved, &spec(trust(), &[])).replace_reasons,
        vec!["path"]
    );
    let edge = spec(
        json!({"Effect": "Allow", "Principal": {"Service": "edgelambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}),
        &[],
    );
    let c = compared(&edge, &spec(trust(), &[]));
    assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
}

#[test]
fn url_encoded_and_plain_documents_parse_the_same() {
    let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let encoded: String =
        percent_encoding::utf8_percent_encode(plain, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    assert_eq!(
        parse_document(plain).unwrap(),
        parse_document(&encoded).unwrap()
    );
}
