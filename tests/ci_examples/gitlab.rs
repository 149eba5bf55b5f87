//! What the GitLab CI example must do that the schema cannot know: each finding is one sentence.

use super::github::{plan_flags, text, ENVIRONMENTS};
use serde_norway::{Mapping, Value};

/// The paths whose change must run the pipeline.
pub const PATHS: [&str; 6] = [
    "src/**/*",
    "Cargo.toml",
    "Cargo.lock",
    "stacks/**/*",
    "environments/**/*",
    ".gitlab-ci.yml",
];

/// A job with its `extends` template merged in (one level, key by key, as GitLab merges hashes).
pub fn job(doc: &Value, name: &str) -> Value {
    let own = doc[name].as_mapping().cloned().unwrap_or_default();
    let mut merged: Mapping = match own.get("extends").and_then(Value::as_str) {
        Some(template) => doc[template].as_mapping().cloned().unwrap_or_default(),
        None => Mapping::new(),
    };
    for (k, v) in own {
        merged.insert(k, v);
    }
    Value::Mapping(merged)
}

/// The job's script as one text, entries joined by newlines, as the runner runs it.
pub fn script(job: &Value) -> String {
    job["script"]
        .as_sequence()
        .map(|s| s.iter().map(text).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

/// The script entry that runs `dtr plan` (the plan logic the tests execute).
pub fn plan_block(doc: &Value) -> Option<String> {
    job(doc, "plan")["script"]
        .as_sequence()?
        .iter()
        .map(text)
        .find(|s| s.contains("dtr plan"))
        .map(str::to_string)
}

fn seq_texts(v: &Value) -> Vec<&str> {
    v.as_sequence()
        .map(|s| s.iter().map(text).collect())
        .unwrap_or_default()
}

/// At most a day: GitLab's `expire_in` in the forms this example may use.
fn short_lived(expire_in: &str) -> bool {
    matches!(
        expire_in,
        "1 day" | "1 hour" | "12 hours" | "6 hours" | "2 hours" | "1 hr" | "30 mins"
    )
}

/// Every broken promise of the pipeline, empty when it keeps them all.
pub fn problems(doc: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let changes = seq_texts(&doc[".dtr-changes"]);
    for want in PATHS {
        if !changes.contains(&want) {
            p.push(format!(".dtr-changes lacks {want}"));
        }
    }
    for (name, _) in doc.as_mapping().into_iter().flatten() {
        let name = text(name);
        let j = job(doc, name);
        if script(&j).contains("cargo ") && seq_texts(&j["cache"]["key"]["files"]) != ["Cargo.lock"]
        {
            p.push(format!(
                "{name} runs cargo without a cache keyed on Cargo.lock"
            ));
        }
    }
    plan(&job(doc, "plan"), &mut p);
    let mut previous: Option<String> = None;
    for env in ENVIRONMENTS {
        let name = format!("apply-{env}");
        apply(&job(doc, &name), env, previous.as_deref(), &mut p);
        previous = Some(name);
    }
    p
}

fn plan(job: &Value, p: &mut Vec<String>) {
    let legs: Vec<&str> = job["parallel"]["matrix"]
        .as_sequence()
        .and_then(|m| m.first())
        .map(|leg| seq_texts(&leg["DTR_ENV"]))
        .unwrap_or_default();
    if legs != ENVIRONMENTS {
        p.push(format!("plan: parallel:matrix DTR_ENV is {legs:?}"));
    }
    let s = script(job);
    if !s.contains("AWS_ROLE_ARN=\"$(printenv \"DTR_PLAN_ROLE_ARN_")
        || !s.contains("export AWS_ROLE_ARN\n")
    {
        p.push("plan: does not assume its environment's read-only role".into());
    }
    plan_flags(&s, p);
    if !s.contains("merge_requests/$CI_MERGE_REQUEST_IID/notes") {
        p.push("plan: the Markdown plan is not posted to the merge request".into());
    }
    let artifacts = &job["artifacts"];
    if !seq_texts(&artifacts["paths"]).contains(&"plan.json")
        || !short_lived(text(&artifacts["expire_in"]))
    {
        p.push("plan: plan.json is not an artifact expiring within a day".into());
    }
    if text(&job["id_tokens"]["AWS_ID_TOKEN"]["aud"]).is_empty() {
        p.push("plan: no OIDC id_token with an audience".into());
    }
}

fn apply(job: &Value, env: &str, previous: Option<&str>, p: &mut Vec<String>) {
    let name = format!("apply-{env}");
    if text(&job["environment"]["name"]) != env {
        p.push(format!("{name}: not in the GitLab environment {env}"));
    }
    if text(&job["variables"]["DTR_ENV"]) != env {
        p.push(format!("{name}: DTR_ENV is not {env}"));
    }
    let manual = job["rules"]
        .as_sequence()
        .is_some_and(|r| !r.is_empty() && r.iter().all(|r| text(&r["when"]) == "manual"));
    if !manual || job["allow_failure"].as_bool() != Some(false) {
        p.push(format!("{name}: is not a blocking manual job"));
    }
    let needs = job["needs"].as_sequence().cloned().unwrap_or_default();
    let needs_own_plan = needs.iter().any(|n| {
        text(&n["job"]) == "plan"
            && n["parallel"]["matrix"]
                .as_sequence()
                .is_some_and(|m| m.len() == 1 && text(&m[0]["DTR_ENV"]) == env)
    });
    if !needs_own_plan {
        p.push(format!(
            "{name}: does not take the plan of {env} (needs plan with its matrix leg)"
        ));
    }
    if let Some(previous) = previous {
        if !needs.iter().any(|n| text(&n["job"]) == previous) {
            p.push(format!("{name}: is not promoted from {previous}"));
        }
    }
    let s = script(job);
    if !s
        .lines()
        .any(|l| l.trim() == "dtr apply plan.json --env \"$DTR_ENV\" --lock-timeout 10m")
    {
        p.push(format!("{name}: does not apply the saved plan.json"));
    }
    if s.contains("dtr plan") || s.contains("--auto-approve") {
        p.push(format!(
            "{name}: plans anew instead of applying the saved plan"
        ));
    }
    if !s.contains("export AWS_ROLE_ARN=\"$DTR_APPLY_ROLE_ARN\"") {
        p.push(format!(
            "{name}: does not assume the environment's apply role"
        ));
    }
}
