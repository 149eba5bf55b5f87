//! What to send to bring a resource's tags from `have` to `want`: the same for every service. And
//! the rules every service dtr tags holds tags to, checked before anything is sent.

use super::FieldError;
use std::collections::BTreeMap;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct TagChanges {
    /// Keys to untag.
    pub removed: Vec<String>,
    /// Keys to add or overwrite, with their values.
    pub set: BTreeMap<String, String>,
}

pub fn changes(want: &BTreeMap<String, String>, have: &BTreeMap<String, String>) -> TagChanges {
    TagChanges {
        removed: have
            .keys()
            .filter(|k| !want.contains_key(*k))
            .cloned()
            .collect(),
        set: want
            .iter()
            .filter(|(k, v)| have.get(*k) != Some(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// The tag rules of one service. Every service dtr tags allows at most 50 user tags per resource, keys
/// of 1-128 and values of 0-256 Unicode characters, made of letters, numbers, separators (`\p{L}`,
/// `\p{N}`, `\p{Z}`) and a few symbols, and reserves keys starting with `aws:` in any case:
/// - DynamoDB: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TaggingRestrictions.html
///   (its symbols are `+ - = . _ : /`, no `@`);
/// - IAM: https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html (pattern
///   `[\p{L}\p{Z}\p{N}_.:/=+\-@]`) and the IAM User Guide's rules for tagging (id_tags.html): keys
///   of a role are case-insensitive, so `Team` and `team` cannot both be set;
/// - S3: https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_S3Tag.html (same pattern);
/// - CloudWatch Logs: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TagResource.html
///   (50 tags; the key and value patterns of TagLogGroup);
/// - Lambda: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-tag.html
///   (key 1-128, value 0-256) and the general rules below;
/// - CloudWatch alarms and API Gateway v2 (APIs, stages):
///   https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-supported-resources.html
///   (50 tags, 128/256 Unicode characters, letters, numbers, spaces and `+ - = . _ : / @`);
/// - the general rules: https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html
///   (`aws:`, `AWS:` or any mix of case is reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagRules {
    /// The symbols allowed besides letters, numbers and separators.
    pub symbols: &'static str,
    /// Whether two keys differing only in case collide (IAM).
    pub case_insensitive_keys: bool,
}

impl TagRules {
    pub const GENERAL: TagRules = TagRules {
        symbols: "_.:/=+-@",
        case_insensitive_keys: false,
    };
    pub const DYNAMODB: TagRules = TagRules {
        symbols: "_.:/=+-",
        case_insensitive_keys: false,
    };
    pub const IAM: TagRules = TagRules {
        symbols: "_.:/=+-@",
        case_insensitive_keys: true,
    };
}

pub const MAX_TAGS: usize = 50;
pub const MAX_KEY_CHARS: usize = 128;
pub const MAX_VALUE_CHARS: usize = 256;

/// Unicode's separators (`\p{Z}`: space, line and paragraph separators).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// The first character outside the allowed set, if any. Letters are approximated by Rust's
/// `is_alphabetic`, which also admits combining marks that `\p{L}` does not.
fn bad_char(text: &str, rules: &TagRules) -> Option<char> {
    text.chars().find(|&c| {
        !(c.is_alphabetic() || c.is_numeric() || is_separator(c) || rules.symbols.contains(c))
    })
}

/// Every way `tags` (dtr's own `dtr:*` tags included) breaks `rules`, located under `tags`.
/// `dtr_tags` is how many of them dtr adds, for the message about the limit.
pub fn validate(
    tags: &BTreeMap<String, String>,
    rules: &TagRules,
    dtr_tags: usize,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new(
            &["tags"],
            format!(
                "{} tags, {} of them dtr's own `dtr:*` tags: AWS allows at most {MAX_TAGS} on a resource, so at most {} of yours",
                tags.len(),
                dtr_tags,
                MAX_TAGS - dtr_tags
            ),
        ));
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (key, value) in tags {
        let at = |message: String| FieldError::new(&["tags", key], message);
        let key_chars = key.chars().count();
        if key_chars == 0 {
            errors.push(at("a tag key cannot be empty".into()));
        } else if key_chars > MAX_KEY_CHARS {
            errors.push(at(format!(
                "the tag key is {key_chars} characters long; AWS allows at most {MAX_KEY_CHARS}"
            )));
        }
        let value_chars = value.chars().count();
        if value_chars > MAX_VALUE_CHARS {
            errors.push(at(format!(
                "the tag value is {value_chars} characters long; AWS allows at most {MAX_VALUE_CHARS}"
            )));
        }
        if key.chars().take(4).collect::<String>().to_lowercase() == "aws:" {
            errors.push(at(
                "tag keys starting with `aws:` (in any case) are reserved for AWS".into(),
            ));
        }
        for (what, text) in [("key", key.as_str()), ("value", value.as_str())] {
            if let Some(c) = bad_char(text, rules) {
                errors.push(at(format!(
                    "the tag {what} contains {c:?}, which AWS does not allow in tags: use letters, numbers, spaces and _ . : / = + - (and @, except on DynamoDB tables)"
                )));
            }
        }
        if rules.case_insensitive_keys {
            if let Some(other) = seen.insert(key.to_lowercase(), key) {
                errors.push(at(format!(
                    "IAM tag keys are case-insensitive: `{key}` and `{other}` are the same key"
                )));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_added_and_changed_keys() {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let c = changes(
            &map(&[("a", "1"), ("b", "2")]),
            &map(&[("b", "3"), ("c", "4")]),
        );
        assert_eq!(c.removed, vec!["c"]);
        assert_eq!(c.set, map(&[("a", "1"), ("b", "2")]));
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn messages(errors: &[FieldError]) -> Vec<String> {
        errors
            .iter()
            .map(|e| format!("{}: {}", e.path.join("."), e.message))
            .collect()
    }

    #[test]
    fn fifty_tags_pass_and_fifty_one_counting_dtrs_do_not() {
        let mut many: BTreeMap<String, String> = (0..47)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        many.extend(tags(&[
            ("dtr:stack", "s"),
            ("dtr:env", "e"),
            ("dtr:address", "a.b"),
        ]));
        assert!(validate(&many, &TagRules::GENERAL, 3).is_empty());
        many.insert("k47".into(), "v".into());
        let found = messages(&validate(&many, &TagRules::GENERAL, 3));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("tags: 51 tags, 3 of them dtr's own"),
            "{found:?}"
        );
        assert!(found[0].contains("at most 47 of yours"), "{found:?}");
    }

    #[test]
    fn lengths_are_counted_in_unicode_characters() {
        let key = "é".repeat(128);
        let value = "ü".repeat(256);
        assert!(validate(&tags(&[(&key, &value)]), &TagRules::GENERAL, 0).is_empty());
        let long_key = "é".repeat(129);
        let long_value = "ü".repeat(257);
        let found = messages(&validate(
            &tags(&[(&long_key, &long_value)]),
            &TagRules::GENERAL,
            0,
        ));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("129 characters") && found[1].contains("257 characters"));
        let found = messages(&validate(&tags(&[("", "x")]), &TagRules::GENERAL, 0));
        assert!(found[0].contains("cannot be empty"), "{found:?}");
    }

    #[test]
    fn the_aws_prefix_is_reserved_in_any_case() {
        for key in ["aws:owner", "AWS:owner", "Aws:x"] {
            let found = messages(&validate(&tags(&[(key, "x")]), &TagRules::GENERAL, 0));
            assert_eq!(found.len(), 1, "{key}: {found:?}");
            assert!(found[0].contains("reserved for AWS"), "{found:?}");
        }
        assert!(validate(
            &tags(&[("awsome", "x"), ("team", "aws:x")]),
            &TagRules::GENERAL,
            0
        )
        .is_empty());
    }

    #[test]
    fn characters_outside_the_allowed_set_are_refused_per_service() {
        let fine = tags(&[
            ("cost-center", "rnd sandbox"),
            ("Équipe_1", "a.b:c/d=e+f"),
            ("中文", "値"),
        ]);
        assert!(validate(&fine, &TagRules::GENERAL, 0).is_empty());
        for bad in [
            ("team!", "x"),
            ("team", "a,b"),
            ("team", "tab\there"),
            ("t#", "x"),
        ] {
            let found = messages(&validate(&tags(&[bad]), &TagRules::GENERAL, 0));
            assert_eq!(found.len(), 1, "{bad:?}: {found:?}");
            assert!(found[0].contains("does not allow"), "{found:?}");
        }
        let at = tags(&[("owner", "ops@example.com")]);
        assert!(validate(&at, &TagRules::GENERAL, 0).is_empty());
        let found = messages(&validate(&at, &TagRules::DYNAMODB, 0));
        assert!(found[0].contains("'@'"), "DynamoDB takes no @: {found:?}");
    }

    #[test]
    fn iam_keys_differing_only_in_case_collide() {
        let two = tags(&[("Team", "a"), ("team", "b")]);
        assert!(validate(&two, &TagRules::GENERAL, 0).is_empty());
        let found = messages(&validate(&two, &TagRules::IAM, 0));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("case-insensitive"), "{found:?}");
    }
}
