//! One attribute's change as indented lines, the way Terraform shows a `jsonencode` diff: maps and lists
//! are compared element by element, so one action added to a policy statement is one `+` line inside
//! that statement, not the whole document before → after on one line; a new map or list is printed
//! over several lines. Unchanged members of a map, and unchanged maps in a list, are counted, not
//! printed; unchanged strings and numbers in a list stay, as context. Shared by the human and the
//! Markdown renderers, which only choose how a mark and an indent look.

use crate::plan::AttributeChange;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Add,
    Remove,
    Change,
    /// Context: a closing bracket, an unchanged list element, a count of hidden members.
    Keep,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub depth: usize,
    pub mark: Mark,
    pub text: String,
}

/// What a renderer adds after an attribute's first line, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    ForcesReplacement,
    ChangedOutsideDtr,
}

impl Note {
    pub fn text(self) -> &'static str {
        match self {
            Note::ForcesReplacement => "# forces replacement",
            Note::ChangedOutsideDtr => "# changed outside dtr",
        }
    }
}

/// The notes an attribute change carries.
pub fn notes(attr: &AttributeChange) -> Vec<Note> {
    let mut out = Vec::new();
    if attr.forces_replacement {
        out.push(Note::ForcesReplacement);
    }
    if attr.drift {
        out.push(Note::ChangedOutsideDtr);
    }
    out
}

/// Lists longer than this on both sides are shown as removed and added whole rather than aligned
/// (the alignment is quadratic).
const ALIGN_LIMIT: usize = 400;

/// The lines of one attribute change. Its [`notes`] are left to the caller, which puts them after the
/// first line.
pub fn attribute(attr: &AttributeChange) -> Vec<Line> {
    let mut out = Vec::new();
    let key = attr.path.as_str();
    match (&attr.before, &attr.after) {
        _ if attr.after_unknown => {
            let text = match &attr.before {
                Some(b) if !is_composite(b) => format!("{key}: {b} → (known after apply)"),
                _ => format!("{key} = (known after apply)"),
            };
            let mark = match attr.before {
                Some(_) => Mark::Change,
                None => Mark::Add,
            };
            out.push(Line {
                depth: 0,
                mark,
                text,
            });
        }
        (None, Some(a)) => expand(&mut out, Mark::Add, Some(key), a, 0),
        (Some(b), None) => expand(&mut out, Mark::Remove, Some(key), b, 0),
        (Some(b), Some(a)) => change(&mut out, Some(key), b, a, 0),
        (None, None) => out.push(Line {
            depth: 0,
            mark: Mark::Keep,
            text: key.to_string(),
        }),
    }
    out
}

fn is_composite(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

/// `key = ` for a map member, nothing for a list element. `key` is already as shown (see
/// [`member`]); the attribute's own path is shown as it is.
fn label(key: Option<&str>) -> String {
    key.map(|k| format!("{k} = ")).unwrap_or_default()
}

/// A map member's key as shown: quoted unless a plain identifier, so `"dtr:env"` and `"a b"` read
/// unambiguously.
fn member(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
    match plain {
        true => k.to_string(),
        false => Value::String(k.to_string()).to_string(),
    }
}

fn push(out: &mut Vec<Line>, depth: usize, mark: Mark, text: String) {
    out.push(Line { depth, mark, text });
}

fn brackets(v: &Value) -> (&'static str, &'static str) {
    match v {
        Value::Array(_) => ("[", "]"),
        _ => ("{", "}"),
    }
}

/// A whole value added or removed, over as many lines as it has members.
fn expand(out: &mut Vec<Line>, mark: Mark, key: Option<&str>, v: &Value, depth: usize) {
    let prefix = label(key);
    match v {
        Value::Object(m) if !m.is_empty() => {
            push(out, depth, mark, format!("{prefix}{{"));
            let mut members: Vec<(&String, &Value)> = m.iter().collect();
            members.sort_by_key(|(k, _)| *k);
            for (k, v) in members {
                expand(out, mark, Some(&member(k)), v, depth + 1);
            }
            push(out, depth, Mark::Keep, "}".into());
        }
        Value::Array(items) if !items.is_empty() => {
            push(out, depth, mark, format!("{prefix}["));
            for item in items {
                expand(out, mark, None, item, depth + 1);
            }
            push(out, depth, Mark::Keep, "]".into());
        }
        scalar => push(out, depth, mark, format!("{prefix}{scalar}")),
    }
}

/// A value present on both sides and different.
fn change(out: &mut Vec<Line>, key: Option<&str>, b: &Value, a: &Value, depth: usize) {
    let prefix = label(key);
    match (b, a) {
        (Value::Object(bm), Value::Object(am)) => {
            push(out, depth, Mark::Change, format!("{prefix}{{"));
            let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
            keys.sort();
            keys.dedup();
            let mut hidden = 0;
            for k in keys {
                let shown = member(k);
                let key = Some(shown.as_str());
                match (bm.get(k), am.get(k)) {
                    (Some(x), Some(y)) if x == y => hidden += 1,
                    (Some(x), Some(y)) => change(out, key, x, y, depth + 1),
                    (None, Some(y)) => expand(out, Mark::Add, key, y, depth + 1),
                    (Some(x), None) => expand(out, Mark::Remove, key, x, depth + 1),
                    (None, None) => {}
                }
            }
            hidden_note(out, hidden, "attribute", depth + 1);
            push(out, depth, Mark::Keep, "}".into());
        }
        (Value::Array(bl), Value::Array(al)) => {
            push(out, depth, Mark::Change, format!("{prefix}["));
            list(out, bl, al, depth + 1);
            push(out, depth, Mark::Keep, "]".into());
        }
        _ if is_composite(b) || is_composite(a) => {
            expand(out, Mark::Remove, key, b, depth);
            expand(out, Mark::Add, key, a, depth);
        }
        _ => {
            let text = match key {
                Some(k) => format!("{k}: {b} → {a}"),
                None => format!("{b} → {a}"),
            };
            push(out, depth, Mark::Change, text);
        }
    }
}

fn hidden_note(out: &mut Vec<Line>, hidden: usize, what: &str, depth: usize) {
    if hidden > 0 {
        let s = if hidden == 1 { "" } else { "s" };
        push(
            out,
            depth,
            Mark::Keep,
            format!("# ({hidden} unchanged {what}{s} hidden)"),
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Same(usize),
    Removed(usize),
    Added(usize),
}

/// Two lists aligned on their longest common subsequence; within each run of removals and additions,
/// a removed map (or list) and an added one are paired and shown as one changed element.
fn list(out: &mut Vec<Line>, bl: &[Value], al: &[Value], depth: usize) {
    let steps = align(bl, al);
    let mut hidden = 0;
    let mut i = 0;
    while i < steps.len() {
        if let Step::Same(x) = steps[i] {
            match is_composite(&bl[x]) {
                true => hidden += 1,
                false => push(out, depth, Mark::Keep, bl[x].to_string()),
            }
            i += 1;
            continue;
        }
        let run_end = steps[i..]
            .iter()
            .position(|s| matches!(s, Step::Same(_)))
            .map_or(steps.len(), |p| i + p);
        let removed: Vec<usize> = steps[i..run_end]
            .iter()
            .filter_map(|s| match s {
                Step::Removed(x) => Some(*x),
                _ => None,
            })
            .collect();
        let mut added: Vec<Option<usize>> = steps[i..run_end]
            .iter()
            .filter_map(|s| match s {
                Step::Added(y) => Some(Some(*y)),
                _ => None,
            })
            .collect();
        for x in removed {
            let partner = added.iter_mut().find(|y| {
                y.is_some_and(|y| is_composite(&bl[x]) && brackets(&bl[x]) == brackets(&al[y]))
            });
            match partner.and_then(Option::take) {
                Some(y) => change(out, None, &bl[x], &al[y], depth),
                None => expand(out, Mark::Remove, None, &bl[x], depth),
            }
        }
        for y in added.into_iter().flatten() {
            expand(out, Mark::Add, None, &al[y], depth);
        }
        i = run_end;
    }
    hidden_note(out, hidden, "element", depth);
}

/// The edit script from `bl` to `al` (longest common subsequence, by dynamic programming).
fn align(bl: &[Value], al: &[Value]) -> Vec<Step> {
    let (n, m) = (bl.len(), al.len());
    if n > ALIGN_LIMIT && m > ALIGN_LIMIT {
        let mut steps: Vec<Step> = (0..n).map(Step::Removed).collect();
        steps.extend((0..m).map(Step::Added));
        return steps;
    }
    // lcs[i][j]: the longest common subsequence of bl[i..] and al[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = match bl[i] == al[j] {
                true => lcs[i + 1][j + 1] + 1,
                false => lcs[i + 1][j].max(lcs[i][j + 1]),
            };
        }
    }
    let (mut i, mut j, mut steps) = (0, 0, Vec::with_capacity(n + m));
    while i < n || j < m {
        if i < n && j < m && bl[i] == al[j] {
            steps.push(Step::Same(i));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            steps.push(Step::Added(j));
            j += 1;
        } else {
            steps.push(Step::Removed(i));
            i += 1;
        }
    }
    steps
}

#[cfg(test)]
#[path = "lines_tests.rs"]
mod tests;
