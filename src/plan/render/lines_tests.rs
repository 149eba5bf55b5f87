use super::*;
use serde_json::json;

fn change(path: &str, before: Option<Value>, after: Option<Value>) -> AttributeChange {
    AttributeChange {
        path: path.into(),
        before,
        after,
        after_unknown: false,
        forces_replacement: false,
        drift: false,
    }
}

/// The lines as plain text, two spaces per level, the mark first.
fn text(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| {
            let mark = match l.mark {
                Mark::Add => '+',
                Mark::Remove => '-',
                Mark::Change => '~',
                Mark::Keep => ' ',
            };
            format!("{}{mark} {}\n", "  ".repeat(l.depth), l.text)
        })
        .collect()
}

#[test]
fn one_action_added_to_a_statement_is_one_line_inside_it() {
    let statement = |actions: Value| {
        json!([{"Effect": "Allow", "Action": actions, "Resource": "arn:aws:s3:::b/*"},
               {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}])
    };
    let attr = change(
        "policies.code.Statement",
        Some(statement(json!(["s3:GetObject", "s3:ListBucket"]))),
        Some(statement(json!([
            "s3:GetObject",
            "s3:PutObject",
            "s3:ListBucket"
        ]))),
    );
    assert_eq!(
        text(&attribute(&attr)),
        "~ policies.code.Statement = [\n\
         \x20 ~ {\n\
         \x20   ~ Action = [\n\
         \x20       \"s3:GetObject\"\n\
         \x20     + \"s3:PutObject\"\n\
         \x20       \"s3:ListBucket\"\n\
         \x20     ]\n\
         \x20     # (2 unchanged attributes hidden)\n\
         \x20   }\n\
         \x20   # (1 unchanged element hidden)\n\
         \x20 ]\n"
    );
}

#[test]
fn a_new_map_is_printed_over_several_lines_with_odd_keys_quoted() {
    let attr = change(
        "environment",
        None,
        Some(json!({"TABLE": "t", "dtr:env": "dev", "LIST": [1, {"a": true}], "EMPTY": {}})),
    );
    assert_eq!(
        text(&attribute(&attr)),
        "+ environment = {\n\
         \x20 + EMPTY = {}\n\
         \x20 + LIST = [\n\
         \x20   + 1\n\
         \x20   + {\n\
         \x20     + a = true\n\
         \x20     }\n\
         \x20   ]\n\
         \x20 + TABLE = \"t\"\n\
         \x20 + \"dtr:env\" = \"dev\"\n\
         \x20 }\n"
    );
}

#[test]
fn scalars_stay_on_one_line_and_a_type_change_shows_both_sides() {
    assert_eq!(
        text(&attribute(&change(
            "retention_days",
            Some(json!(7)),
            Some(json!(30))
        ))),
        "~ retention_days: 7 → 30\n"
    );
    assert_eq!(
        text(&attribute(&change(
            "tags.dtr:address",
            Some(json!("a")),
            Some(json!("b"))
        ))),
        "~ tags.dtr:address: \"a\" → \"b\"\n",
        "the attribute's path is shown as it is"
    );
    assert_eq!(
        text(&attribute(&change(
            "cors",
            Some(json!("*")),
            Some(json!(["a", "b"]))
        ))),
        "- cors = \"*\"\n+ cors = [\n  + \"a\"\n  + \"b\"\n  ]\n"
    );
    assert_eq!(
        text(&attribute(&change("old", Some(json!({"a": 1})), None))),
        "- old = {\n  - a = 1\n  }\n"
    );
}

#[test]
fn known_after_apply_is_said_once() {
    let mut attr = change("role", Some(json!("arn:old")), Some(json!("${x}")));
    attr.after_unknown = true;
    assert_eq!(
        text(&attribute(&attr)),
        "~ role: \"arn:old\" → (known after apply)\n"
    );
    attr.before = None;
    assert_eq!(text(&attribute(&attr)), "+ role = (known after apply)\n");
}

#[test]
fn a_removed_map_in_a_list_is_not_paired_with_an_added_string() {
    let attr = change(
        "rules",
        Some(json!([{"id": "a"}, "keep"])),
        Some(json!(["new", "keep"])),
    );
    assert_eq!(
        text(&attribute(&attr)),
        "~ rules = [\n  - {\n    - id = \"a\"\n    }\n  + \"new\"\n    \"keep\"\n  ]\n"
    );
}

#[test]
fn alignment_is_a_shortest_edit() {
    let b: Vec<Value> = ["a", "b", "c", "d"].iter().map(|s| json!(s)).collect();
    let a: Vec<Value> = ["a", "c", "d", "e"].iter().map(|s| json!(s)).collect();
    assert_eq!(
        align(&b, &a),
        vec![
            Step::Same(0),
            Step::Removed(1),
            Step::Same(2),
            Step::Same(3),
            Step::Added(3)
        ]
    );
}

#[test]
fn very_long_lists_are_not_aligned() {
    let long: Vec<Value> = (0..ALIGN_LIMIT + 1).map(|i| json!(i)).collect();
    let steps = align(&long, &long);
    assert_eq!(steps.len(), 2 * long.len());
}
