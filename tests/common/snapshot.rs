//! CLI output made stable for a reviewed snapshot: what varies from run to run (clock times,
//! durations, ids AWS or moto generate, request ids, temporary paths) is replaced by a placeholder
//! naming what stood there, so a snapshot changes only when what dtr says changes.

use regex_lite::Regex;
use std::sync::LazyLock;

/// Volatile parts of dtr's output, each with its placeholder. Order matters: longer shapes first.
const REDACTIONS: &[(&str, &str)] = &[
    // Temporary project directories and the moto server's certificates.
    (r"/tmp/[A-Za-z0-9._/-]+", "[TEMP]"),
    // RFC 3339 timestamps (lock holders, state metadata).
    (
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[TIME]",
    ),
    // Clock times at the start of progress lines.
    (r"\b\d{2}:\d{2}:\d{2}(\.\d+)?\b", "[CLOCK]"),
    // Durations dtr prints: "(1.2s)", "in 0.35s", "12ms".
    (r"\b\d+(\.\d+)?(ms|s)\b", "[DURATION]"),
    // UUIDs: lock ids, request ids, lineages.
    (
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        "[UUID]",
    ),
    // API Gateway ids, which moto (and AWS) generate at random: in the API's endpoint and ARNs, the
    // `api_id` output, and the physical ids of the API and its children (`[api]`, `[api/child]`),
    // whether declared in the stack or in a module, with or without a for_each key.
    (
        r"https://[a-z0-9]+\.execute-api",
        "https://[API-ID].execute-api",
    ),
    (r"(execute-api:[a-z0-9-]+:\d{12}:)[a-z0-9]+", "${1}[API-ID]"),
    (r"(?m)^(api_id\s+= )[a-z0-9]+$", "${1}[API-ID]"),
    (
        r#"(?m)^(\s*\S+ (?:module\.[a-z0-9_]+\.)?(?:http_api|api_[a-z_]+)\.[a-z0-9_]+(?:\["[A-Za-z0-9_-]+"\])? \[)[a-z0-9]+"#,
        "${1}[API-ID]",
    ),
    (r"(\[\[API-ID\]/)[a-z0-9]+\]", "${1}[CHILD-ID]]"),
    // CloudWatch dimensions naming the API: `"ApiId","<id>"` in a dashboard, `"ApiId":"<id>"` in an alarm.
    (r#"("ApiId"[,:]")[a-z0-9]+""#, "${1}[API-ID]\""),
    // The same over several lines of a structural diff: `+ "ApiId"` then `+ "<id>"`, or `ApiId = "<id>"`.
    (r#"("ApiId"\n\s*[+~-] ")[a-z0-9]+""#, "${1}[API-ID]\""),
    (r#"(\bApiId = ")[a-z0-9]+""#, "${1}[API-ID]\""),
    (r#"(\bapi_id(?: =|:) ")[a-z0-9]+""#, "${1}[API-ID]\""),
    (
        r#"(\b(?:integration|authorizer)_id(?: =|:) ")[a-z0-9]+""#,
        "${1}[CHILD-ID]\"",
    ),
];

/// `text` with every volatile part replaced by its placeholder.
pub fn redact(text: &str) -> String {
    static COMPILED: LazyLock<Vec<(Regex, &str)>> = LazyLock::new(|| {
        REDACTIONS
            .iter()
            .map(|(pattern, placeholder)| {
                let re = Regex::new(pattern).expect("a redaction pattern compiles");
                (re, *placeholder)
            })
            .collect()
    });
    COMPILED
        .iter()
        .fold(text.to_string(), |out, (re, placeholder)| {
            re.replace_all(&out, *placeholder).into_owned()
        })
}
