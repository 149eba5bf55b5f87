//! `dtr plan --json`: the [`Plan`] value itself, versioned by `format_version`.

use crate::plan::Plan;

pub fn render(plan: &Plan) -> String {
    // A Plan holds only strings, numbers, maps and lists: serialising it cannot fail.
    serde_json::to_string_pretty(plan).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
