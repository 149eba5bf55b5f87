//! `moved:` and `removed:` in the stack file: renames that keep a resource, and retirements that may
//! keep it (Terraform's `moved` and `removed` blocks). Every entry is checked against the declared
//! resources, every problem reported with its file:line:column.

use super::diagnostics::Collector;
use super::yaml::{check_keys, join, string_field};
use crate::model::{Moved, Removed, ResourceAddress, ResourceKind};
use marked_yaml::{Node, Span};
use std::collections::BTreeMap;

const MOVED_KEYS: &[&str] = &["from", "to"];
const REMOVED_KEYS: &[&str] = &["from", "destroy"];

/// One entry as written, with where each address was written.
struct Entry<T> {
    value: T,
    from: Span,
    to: Option<Span>,
}

/// The `moved:` and `removed:` entries of the stack, checked against `declared` (reference → kind,
/// see [`ResourceAddress::reference`]).
pub fn parse(
    root: &Node,
    declared: &BTreeMap<String, ResourceKind>,
    c: &mut Collector,
) -> (Vec<Moved>, Vec<Removed>) {
    let moved = entries(root, "moved", c)
        .into_iter()
        .filter_map(|(field, node)| parse_moved(&node, &field, c).map(|e| (field, e)))
        .collect::<Vec<_>>();
    let removed = entries(root, "removed", c)
        .into_iter()
        .filter_map(|(field, node)| parse_removed(&node, &field, c).map(|e| (field, e)))
        .collect::<Vec<_>>();
    check_moved(&moved, declared, c);
    check_removed(&removed, &moved, declared, c);
    (
        moved.into_iter().map(|(_, e)| e.value).collect(),
        removed.into_iter().map(|(_, e)| e.value).collect(),
    )
}

/// The items of the top-level list `key`, each with its field path (`moved.0`).
fn entries(root: &Node, key: &str, c: &mut Collector) -> Vec<(String, Node)> {
    match root.as_mapping().and_then(|m| m.get_node(key)) {
        None => Vec::new(),
        Some(Node::Sequence(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (join(&[key, &i.to_string()]), item.clone()))
            .collect(),
        Some(other) => {
            c.at(
                other.span(),
                key,
                format!("expected a list of {key} entries"),
            );
            Vec::new()
        }
    }
}

fn address(
    node: &Node,
    key: &str,
    field: &str,
    c: &mut Collector,
) -> Option<(ResourceAddress, Span)> {
    let (text, span) = string_field(node, key, field, true, c)?;
    match text.parse::<ResourceAddress>() {
        Ok(address) => Some((address, span)),
        Err(why) => {
            c.at(&span, join(&[field, key]), why);
            None
        }
    }
}

fn parse_moved(node: &Node, field: &str, c: &mut Collector) -> Option<Entry<Moved>> {
    if !check_keys(node, MOVED_KEYS, field, c) {
        return None;
    }
    let from = address(node, "from", field, c);
    let to = address(node, "to", field, c);
    let ((from, from_span), (to, to_span)) = (from?, to?);
    if from.kind != to.kind {
        c.at(
            &to_span,
            join(&[field, "to"]),
            format!(
                "a move cannot change a resource's type ({} → {}): dtr cannot turn one kind of \
                 resource into another. Declare the new resource, and retire the old one with a \
                 `removed` entry (`destroy: false` keeps it in AWS)",
                from.kind, to.kind
            ),
        );
        return None;
    }
    if from == to {
        c.at(
            &to_span,
            join(&[field, "to"]),
            format!("moves `{from}` to itself"),
        );
        return None;
    }
    Some(Entry {
        value: Moved { from, to },
        from: from_span,
        to: Some(to_span),
    })
}

fn parse_removed(node: &Node, field: &str, c: &mut Collector) -> Option<Entry<Removed>> {
    if !check_keys(node, REMOVED_KEYS, field, c) {
        return None;
    }
    let from = address(node, "from", field, c);
    let destroy = match node.as_mapping().and_then(|m| m.get_node("destroy")) {
        Some(Node::Scalar(s)) if matches!(s.as_str(), "true" | "false") => {
            Some(s.as_str() == "true")
        }
        Some(other) => {
            c.at(
                other.span(),
                join(&[field, "destroy"]),
                "expected true or false",
            );
            None
        }
        None => {
            c.at(
                node.span(),
                join(&[field, "destroy"]),
                "missing required field `destroy`: false forgets the resource and keeps it in \
                 AWS, true deletes it",
            );
            None
        }
    };
    let (from, span) = from?;
    Some(Entry {
        value: Removed {
            from,
            destroy: destroy?,
        },
        from: span,
        to: None,
    })
}

/// The kind a resource named like `address` is declared with, if one is.
fn declared_as(
    address: &ResourceAddress,
    declared: &BTreeMap<String, ResourceKind>,
) -> Option<ResourceKind> {
    declared.get(&address.reference()).copied()
}

fn check_moved(
    moved: &[(String, Entry<Moved>)],
    declared: &BTreeMap<String, ResourceKind>,
    c: &mut Collector,
) {
    for (i, (field, entry)) in moved.iter().enumerate() {
        let Moved { from, to } = &entry.value;
        let earlier = &moved[..i];
        let others = || moved.iter().enumerate().filter(move |(j, _)| *j != i);
        let to_span = entry.to.unwrap_or(entry.from);
        if let Some((other, _)) = earlier.iter().find(|(_, e)| &e.value.from == from) {
            c.at(
                &entry.from,
                join(&[field, "from"]),
                format!("`{from}` is already moved by {other}: a resource moves to one address"),
            );
        } else if others().any(|(_, (_, e))| &e.value.to == from) {
            c.at(
                &entry.from,
                join(&[field, "from"]),
                format!(
                    "`{from}` is also the `to` of another entry: chains and cycles of moves are not \
                     followed; move each old address straight to its final one"
                ),
            );
        } else if let Some(kind) = declared_as(from, declared) {
            let what = if kind == from.kind {
                format!("`{from}` is still declared in the stack")
            } else {
                format!(
                    "`{}` is declared in the stack (as {kind})",
                    from.reference()
                )
            };
            c.at(
                &entry.from,
                join(&[field, "from"]),
                format!("{what}: `from` is the old address, which no resource may use any more"),
            );
        }
        if let Some((other, _)) = earlier.iter().find(|(_, e)| &e.value.to == to) {
            c.at(
                &to_span,
                join(&[field, "to"]),
                format!(
                    "{other} already moves a resource to `{to}`: two resources cannot become one"
                ),
            );
        } else if others().any(|(_, (_, e))| &e.value.from == to) {
            // Reported once, on the entry whose `from` is this `to`.
        } else if declared_as(to, declared) != Some(to.kind) {
            c.at(
                &to_span,
                join(&[field, "to"]),
                format!("`{to}` is not declared in the stack: `to` names the resource as it is declared now"),
            );
        }
    }
}

fn check_removed(
    removed: &[(String, Entry<Removed>)],
    moved: &[(String, Entry<Moved>)],
    declared: &BTreeMap<String, ResourceKind>,
    c: &mut Collector,
) {
    for (i, (field, entry)) in removed.iter().enumerate() {
        let from = &entry.value.from;
        let at = join(&[field, "from"]);
        if let Some((other, _)) = removed[..i].iter().find(|(_, e)| &e.value.from == from) {
            c.at(
                &entry.from,
                at,
                format!("`{from}` is already retired by {other}"),
            );
        } else if let Some((other, _)) = moved
            .iter()
            .find(|(_, e)| &e.value.from == from || &e.value.to == from)
        {
            c.at(
                &entry.from,
                at,
                format!(
                    "`{from}` is also moved by {other}: a resource is either renamed or retired"
                ),
            );
        } else if declared_as(from, declared) == Some(from.kind) {
            c.at(
                &entry.from,
                at,
                format!(
                    "`{from}` is still declared in the stack: remove its declaration (`{}`) to \
                     retire it, or drop this entry",
                    from.reference()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load;

    const ENV: &str = "name: t\nstack: s\nregion: us-east-1\nbackend: {state_bucket: dtr-state-t, lock_table: dtr-locks, state_key: s/t.json}\n";
    const RESOURCES: &str = "resources:\n  new_logs:\n    type: log_group\n    properties: {name: /t/new}\n  other:\n    type: log_group\n    properties: {name: /t/other}\n";

    fn load_with(lifecycle: &str) -> Result<crate::model::Desired, Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("environments")).unwrap();
        std::fs::create_dir_all(dir.path().join("stacks/s")).unwrap();
        std::fs::write(dir.path().join("environments/t.yaml"), ENV).unwrap();
        let stack = format!("stack: s\n{RESOURCES}{lifecycle}");
        std::fs::write(dir.path().join("stacks/s/stack.yaml"), stack).unwrap();
        load("t", dir.path()).map_err(|d| d.0.iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn valid_entries_reach_the_model() {
        let desired = load_with(
            "moved:\n  - {from: log_group.old_logs, to: log_group.new_logs}\nremoved:\n  - {from: log_group.retired, destroy: false}\n",
        )
        .unwrap();
        assert_eq!(desired.moved[0].from.to_string(), "log_group.old_logs");
        assert_eq!(desired.moved[0].to.to_string(), "log_group.new_logs");
        assert_eq!(desired.removed[0].from.to_string(), "log_group.retired");
        assert!(!desired.removed[0].destroy);
    }

    #[test]
    fn every_bad_moved_entry_is_reported_at_its_line() {
        let errors = load_with(concat!(
            "moved:\n",
            "  - {from: log_group.a, to: s3_bucket.new_logs}\n", // line 10: kind change
            "  - {from: log_group.other, to: log_group.new_logs}\n", // line 11: from declared
            "  - {from: log_group.b, to: log_group.nowhere}\n",  // line 12: to not declared
            "  - {from: log_group.c, to: log_group.d}\n", // line 13: chain c -> d -> new_logs
            "  - {from: log_group.d, to: log_group.new_logs}\n", // line 14: d is a `to`; new_logs twice
            "  - {from: log_group.d, to: log_group.new_logs}\n", // line 15: d moved twice
            "  - {from: nonsense, to: log_group.new_logs}\n",    // line 16: not an address
        ))
        .unwrap_err();
        let has = |line: usize, text: &str| {
            errors
                .iter()
                .any(|e| e.contains(&format!("stack.yaml:{line}:")) && e.contains(text))
        };
        assert!(
            has(
                10,
                "cannot change a resource's type (log_group → s3_bucket)"
            ),
            "{errors:#?}"
        );
        assert!(
            has(11, "`log_group.other` is still declared"),
            "{errors:#?}"
        );
        assert!(
            has(12, "`log_group.nowhere` is not declared"),
            "{errors:#?}"
        );
        assert!(
            has(14, "chains and cycles of moves are not followed"),
            "{errors:#?}"
        );
        assert!(
            has(14, "moved.1 already moves a resource to"),
            "{errors:#?}"
        );
        assert!(has(15, "already moved by moved.4"), "{errors:#?}");
        assert!(
            has(16, "`nonsense` is not a resource address"),
            "{errors:#?}"
        );
        assert_eq!(errors.len(), 8, "{errors:#?}");
    }

    #[test]
    fn a_cycle_is_refused() {
        let errors = load_with(
            "moved:\n  - {from: log_group.a, to: log_group.b}\n  - {from: log_group.b, to: log_group.a}\n",
        )
        .unwrap_err();
        assert!(
            errors.iter().all(|e| e.contains("chains and cycles")),
            "{errors:#?}"
        );
        assert_eq!(errors.len(), 2, "{errors:#?}");
    }

    #[test]
    fn bad_removed_entries_are_reported() {
        let errors = load_with(concat!(
            "moved:\n  - {from: log_group.old, to: log_group.new_logs}\n",
            "removed:\n",
            "  - {from: log_group.other, destroy: false}\n", // line 12: still declared
            "  - {from: log_group.x}\n",                     // line 13: destroy missing
            "  - {from: log_group.y, destroy: maybe}\n",     // line 14
            "  - {from: log_group.old, destroy: false}\n",   // line 15: also moved
        ))
        .unwrap_err();
        let has = |line: usize, text: &str| {
            errors
                .iter()
                .any(|e| e.contains(&format!("stack.yaml:{line}:")) && e.contains(text))
        };
        assert!(
            has(12, "`log_group.other` is still declared"),
            "{errors:#?}"
        );
        assert!(has(13, "missing required field `destroy`"), "{errors:#?}");
        assert!(has(14, "expected true or false"), "{errors:#?}");
        assert!(has(15, "is also moved by moved.0"), "{errors:#?}");
    }
}
