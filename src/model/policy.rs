//! IAM-style policy documents compared by meaning, not spelling: key order, whitespace, a single
//! string versus a one-element list, and the order of list elements do not make two policies differ.

use serde_json::{Map, Value};

/// Elements whose value may be a string or a list, meaning the same set.
const SET_VALUED: &[&str] = &["Action", "NotAction", "Resource", "NotResource"];

/// The canonical form of a policy document (URL-decoding, if needed, is the caller's job).
pub fn canonical(document: &Value) -> Value {
    let mut doc = document.clone();
    if let Some(obj) = doc.as_object_mut() {
        let statements = match obj.remove("Statement") {
            Some(Value::Array(list)) => list,
            Some(single) => vec![single],
            None => Vec::new(),
        };
        let mut statements: Vec<Value> = statements.iter().map(canonical_statement).collect();
        statements.sort_by_key(|s| s.to_string());
        obj.insert("Statement".into(), Value::Array(statements));
    }
    doc
}

fn canonical_statement(statement: &Value) -> Value {
    let Some(obj) = statement.as_object() else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        let value = if SET_VALUED.contains(&key.as_str()) {
            as_sorted_set(value)
        } else if key == "Principal" || key == "NotPrincipal" {
            match value {
                Value::Object(p) => Value::Object(
                    p.iter()
                        .map(|(k, v)| (k.clone(), as_sorted_set(v)))
                        .collect(),
                ),
                other => other.clone(),
            }
        } else if key == "Condition" {
            match value {
                Value::Object(ops) => Value::Object(
                    ops.iter()
                        .map(|(op, entries)| {
                            let entries = match entries {
                                Value::Object(e) => Value::Object(
                                    e.iter()
                                        .map(|(k, v)| (k.clone(), as_sorted_set(v)))
                                        .collect(),
                                ),
                                other => other.clone(),
                            };
                            (op.clone(), entries)
                        })
                        .collect(),
                ),
                other => other.clone(),
            }
        } else {
            value.clone()
        };
        out.insert(key.clone(), value);
    }
    // Maps compare regardless of insertion order once sorted.
    sort_keys(Value::Object(out))
}

fn as_sorted_set(value: &Value) -> Value {
    let mut items: Vec<Value> = match value {
        Value::Array(list) => list.iter().map(scalar_as_string).collect(),
        other => vec![scalar_as_string(other)],
    };
    items.sort_by_key(|v| v.to_string());
    items.dedup();
    Value::Array(items)
}

/// `"true"` and `true` mean the same in a condition.
fn scalar_as_string(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        other => other.clone(),
    }
}

fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> =
                map.into_iter().map(|(k, v)| (k, sort_keys(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(list) => Value::Array(list.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// True when the two documents grant and deny the same things as written.
pub fn equivalent(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spelling_differences_are_not_differences() {
        let a = json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "s3:*",
            "Principal": "*", "Resource": ["arn:b/*", "arn:b"],
            "Condition": {"Bool": {"aws:SecureTransport": false}}}});
        let b = json!({"Statement": [{"Resource": ["arn:b", "arn:b/*"], "Action": ["s3:*"],
            "Effect": "Deny", "Principal": "*",
            "Condition": {"Bool": {"aws:SecureTransport": ["false"]}}}], "Version": "2012-10-17"});
        assert!(equivalent(&a, &b));
    }

    #[test]
    fn real_differences_are_differences() {
        let a = json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:b/*"}]});
        let b =
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:b/*"}]});
        assert!(!equivalent(&a, &b));
    }
}
