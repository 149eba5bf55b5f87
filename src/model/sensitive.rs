//! Where sensitive values flow: dotted property paths (`environment.API_KEY`, the form of a plan's
//! attribute paths) below which a value came, wholly or partly, from a `sensitive` parameter.
//! Masking follows these paths, never the text of a value. A path stops at the first list: a list
//! holding a sensitive piece is sensitive as a whole (its items may be reordered when normalised).

use serde_json::Value;

/// What a sensitive value is shown as.
pub const MASK: &str = "(sensitive)";

/// The properties that name a resource: every identifier AWS derives for it (ARN, id, endpoint)
/// carries them, so a resource whose identity is sensitive exports only sensitive attributes.
const IDENTITY: &[&str] = &["name", "statement_id", "function_name", "api_id"];

/// `path` is `ancestor` or lies below it (the empty path is the whole resource).
pub fn is_under(path: &str, ancestor: &str) -> bool {
    ancestor.is_empty()
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Whether the attribute at `path` holds anything sensitive: it is at or under a sensitive path, or
/// a sensitive path lies inside it.
pub fn touches(sensitive: &[String], path: &str) -> bool {
    sensitive
        .iter()
        .any(|s| is_under(path, s) || is_under(s, path))
}

/// Mask the parts of `value` (found at `path`) that are at or under a sensitive path.
pub fn mask_at(value: &mut Value, path: &str, sensitive: &[String]) {
    for s in sensitive {
        if is_under(path, s) {
            *value = Value::String(MASK.into());
            return;
        }
        let inside = match path {
            "" => Some(s.as_str()),
            _ => s.strip_prefix(path).and_then(|r| r.strip_prefix('.')),
        };
        if let Some(rest) = inside {
            mask_within(value, rest);
        }
    }
}

/// Mask what lies at the dotted `rest` inside `value`. A key may itself contain dots (a tag key), so
/// every key that `rest` starts with is followed; where the path cannot be followed further (a list,
/// a scalar) the whole value is masked: too much rather than too little.
fn mask_within(value: &mut Value, rest: &str) {
    if rest.is_empty() {
        *value = Value::String(MASK.into());
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if rest == key {
                    *inner = Value::String(MASK.into());
                } else if let Some(deeper) = rest
                    .strip_prefix(key.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                {
                    mask_within(inner, deeper);
                }
            }
        }
        Value::Null => {}
        other => *other = Value::String(MASK.into()),
    }
}

/// Whether `${resource.<it>.<attribute>}` reads a sensitive value, given the resource's sensitive
/// paths: the property of that name is sensitive, or the resource's identity is.
pub fn exports_sensitive(sensitive: &[String], attribute: &str) -> bool {
    sensitive.iter().any(|s| {
        let top = s.split('.').next().unwrap_or_default();
        s.is_empty() || top == attribute || IDENTITY.contains(&top)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn under_respects_segment_boundaries() {
        assert!(is_under("environment.KEY", "environment"));
        assert!(is_under("environment", "environment"));
        assert!(!is_under("environment_name", "environment"));
        assert!(!is_under("environment", "environment.KEY"));
        assert!(is_under("anything", ""));
    }

    #[test]
    fn every_type_is_masked_at_and_under_its_path() {
        let s = paths(&["memory_mb", "cors", "environment.KEY"]);
        for v in [
            json!(128),
            json!(["a", "b"]),
            json!({"x": 1}),
            json!("t"),
            json!(true),
        ] {
            let mut masked = v.clone();
            mask_at(&mut masked, "memory_mb", &s);
            assert_eq!(masked, json!(MASK));
            let mut masked = v.clone();
            mask_at(&mut masked, "cors.allow_origins", &s);
            assert_eq!(masked, json!(MASK), "under a sensitive path");
        }
        let mut env = json!({"KEY": "k", "TABLE": "t"});
        mask_at(&mut env, "environment", &s);
        assert_eq!(
            env,
            json!({"KEY": MASK, "TABLE": "t"}),
            "only the piece inside"
        );
        let mut whole =
            json!({"environment": {"KEY": ["a"], "OTHER": "o"}, "memory_mb": 3, "name": "n"});
        mask_at(&mut whole, "", &s);
        assert_eq!(
            whole,
            json!({"environment": {"KEY": MASK, "OTHER": "o"}, "memory_mb": MASK, "name": "n"})
        );
        let mut name = json!("dev");
        mask_at(&mut name, "name", &s);
        assert_eq!(name, json!("dev"), "nothing else is masked");
    }

    #[test]
    fn keys_with_dots_are_followed_and_unfollowable_paths_mask_the_whole() {
        let s = paths(&["tags.app.example/owner"]);
        let mut tags = json!({"app.example/owner": "secret", "app": "x", "team": "t"});
        mask_at(&mut tags, "tags", &s);
        assert_eq!(tags["app.example/owner"], json!(MASK));
        assert_eq!(tags["team"], json!("t"));
        assert_eq!(
            tags["app"],
            json!(MASK),
            "ambiguous: masked rather than shown"
        );
        let mut text = json!("a policy as text");
        mask_at(&mut text, "", &paths(&["policy.Statement"]));
        assert_eq!(text, json!(MASK));
    }

    #[test]
    fn an_identity_makes_every_export_sensitive() {
        assert!(exports_sensitive(&paths(&["name"]), "arn"));
        assert!(exports_sensitive(&paths(&["environment"]), "environment"));
        assert!(!exports_sensitive(&paths(&["environment.K"]), "arn"));
        assert!(!exports_sensitive(&[], "name"));
    }
}
