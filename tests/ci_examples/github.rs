//! What the GitHub Actions example must do that a linter cannot know: each finding is one sentence.

use serde_norway::Value;

pub const ENVIRONMENTS: [&str; 3] = ["dev", "staging", "prod"];

/// The oldest major version of each action the example may use (the current ones when written:
/// see examples/ci/README.md for where that came from). An older copy-paste fails the test.
pub const MIN_MAJORS: [(&str, u32); 7] = [
    ("actions/checkout", 6),
    ("actions/upload-artifact", 7),
    ("actions/download-artifact", 8),
    ("aws-actions/configure-aws-credentials", 6),
    ("Swatinem/rust-cache", 2),
    ("marocchino/sticky-pull-request-comment", 3),
    ("dtolnay/rust-toolchain", 0),
];

/// The paths whose change must run the workflow: the engine, the stack, the environments, itself.
pub const PATHS: [&str; 6] = [
    "src/**",
    "Cargo.toml",
    "Cargo.lock",
    "stacks/**",
    "environments/**",
    ".github/workflows/dtr.yml",
];

pub fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

pub fn steps(job: &Value) -> Vec<&Value> {
    job["steps"]
        .as_sequence()
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

fn uses<'a>(job: &'a Value, action: &str) -> Vec<&'a Value> {
    steps(job)
        .into_iter()
        .filter(|s| text(&s["uses"]).split('@').next() == Some(action))
        .collect()
}

fn runs(job: &Value) -> String {
    steps(job)
        .iter()
        .map(|s| text(&s["run"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `run` script of the step with this id (the plan logic the tests execute).
pub fn step_run<'a>(doc: &'a Value, job: &str, id: &str) -> Option<&'a str> {
    steps(&doc["jobs"][job])
        .into_iter()
        .find(|s| text(&s["id"]) == id)
        .and_then(|s| s["run"].as_str())
}

/// Every broken promise of the workflow, empty when it keeps them all.
pub fn problems(doc: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let jobs = &doc["jobs"];
    for event in ["pull_request", "push"] {
        let paths: Vec<&str> = doc["on"][event]["paths"]
            .as_sequence()
            .map(|s| s.iter().map(text).collect())
            .unwrap_or_default();
        for want in PATHS {
            if !paths.contains(&want) {
                p.push(format!("on.{event}.paths lacks {want}"));
            }
        }
    }
    versions(doc, &mut p);
    cargo_cached(doc, &mut p);
    plan_job(&jobs["plan"], &mut p);
    let mut previous: Option<String> = None;
    for env in ENVIRONMENTS {
        let name = format!("apply-{env}");
        apply_job(&jobs[name.as_str()], env, previous.as_deref(), &mut p);
        previous = Some(name);
    }
    p
}

fn versions(doc: &Value, p: &mut Vec<String>) {
    let Some(jobs) = doc["jobs"].as_mapping() else {
        p.push("no jobs".into());
        return;
    };
    for (name, job) in jobs {
        for step in steps(job) {
            let Some((action, version)) = text(&step["uses"]).split_once('@') else {
                continue;
            };
            let Some((_, min)) = MIN_MAJORS.iter().find(|(a, _)| *a == action) else {
                p.push(format!("{}: {action} is not a reviewed action", text(name)));
                continue;
            };
            let major = version.trim_start_matches('v').split('.').next();
            let ok = match major.and_then(|m| m.parse::<u32>().ok()) {
                Some(m) => m >= *min,
                None => action == "dtolnay/rust-toolchain" && version == "stable",
            };
            if !ok {
                p.push(format!(
                    "{}: {action}@{version} is older than v{min}",
                    text(name)
                ));
            }
        }
    }
}

/// The SDK compiles once, with a cache: only jobs with a build cache run cargo.
fn cargo_cached(doc: &Value, p: &mut Vec<String>) {
    for (name, job) in doc["jobs"].as_mapping().into_iter().flatten() {
        if runs(job).contains("cargo ")
            && uses(job, "Swatinem/rust-cache").is_empty()
            && uses(job, "actions/cache").is_empty()
        {
            p.push(format!("{} runs cargo without a build cache", text(name)));
        }
    }
}

/// The plan command of a plan job's script, in either CI: read-only (no lock), its exit code told
/// apart, the Markdown for reviewers, and the saved plan for the apply.
pub fn plan_flags(script: &str, p: &mut Vec<String>) {
    let plan_line = script.lines().find(|l| l.contains("dtr plan"));
    for flag in [
        "--lock=false",
        "--detailed-exitcode",
        "--format markdown",
        "--out plan.json",
    ] {
        if !plan_line.is_some_and(|l| l.contains(flag)) {
            p.push(format!("plan: `dtr plan` lacks {flag}"));
        }
    }
}

fn plan_job(job: &Value, p: &mut Vec<String>) {
    if job["strategy"]["fail-fast"].as_bool() != Some(false) {
        p.push("plan: strategy.fail-fast is not false".into());
    }
    let envs: Vec<&str> = job["strategy"]["matrix"]["include"]
        .as_sequence()
        .map(|s| s.iter().map(|e| text(&e["environment"])).collect())
        .unwrap_or_default();
    if envs != ENVIRONMENTS {
        p.push(format!("plan: matrix environments are {envs:?}"));
    }
    let roles_read_only = job["strategy"]["matrix"]["include"]
        .as_sequence()
        .is_some_and(|s| {
            s.iter().all(|e| {
                text(&e["plan_role_secret"])
                    == format!(
                        "DTR_PLAN_ROLE_ARN_{}",
                        text(&e["environment"]).to_uppercase()
                    )
            })
        });
    let creds = uses(job, "aws-actions/configure-aws-credentials");
    let role = creds.first().map(|s| text(&s["with"]["role-to-assume"]));
    if !roles_read_only || role != Some("${{ secrets[matrix.plan_role_secret] }}") {
        p.push(format!(
            "plan: does not assume its environment's read-only role ({role:?})"
        ));
    }
    let script = runs(job);
    plan_flags(&script, p);
    if !script.contains(">> \"$GITHUB_STEP_SUMMARY\"") {
        p.push("plan: the Markdown plan is not in the job summary".into());
    }
    let comment = uses(job, "marocchino/sticky-pull-request-comment");
    if !comment
        .iter()
        .any(|s| text(&s["with"]["path"]) == "plan.md" && text(&s["if"]).contains("pull_request"))
    {
        p.push("plan: no sticky pull-request comment of plan.md".into());
    }
    let saved = uses(job, "actions/upload-artifact");
    if !saved.iter().any(|s| {
        text(&s["with"]["path"]) == "plan.json"
            && s["with"]["retention-days"].as_u64().is_some_and(|d| d <= 1)
    }) {
        p.push("plan: plan.json is not uploaded with retention-days of at most 1".into());
    }
    if job["permissions"]["id-token"].as_str() != Some("write") {
        p.push("plan: no id-token permission for OIDC".into());
    }
}

fn apply_job(job: &Value, env: &str, previous: Option<&str>, p: &mut Vec<String>) {
    let name = format!("apply-{env}");
    if job.is_null() {
        p.push(format!("no {name} job"));
        return;
    }
    if text(&job["environment"]) != env {
        p.push(format!("{name}: not gated by the GitHub environment {env}"));
    }
    let needs: Vec<&str> = match &job["needs"] {
        Value::String(s) => vec![s.as_str()],
        Value::Sequence(s) => s.iter().map(text).collect(),
        _ => vec![],
    };
    if !needs.contains(&"plan") {
        p.push(format!("{name}: does not need plan"));
    }
    if let Some(previous) = previous {
        if !needs.contains(&previous) || !text(&job["if"]).contains(previous) {
            p.push(format!("{name}: is not promoted from {previous}"));
        }
    }
    if text(&job["env"]["DTR_ENV"]) != env {
        p.push(format!("{name}: DTR_ENV is not {env}"));
    }
    let downloads = uses(job, "actions/download-artifact");
    let plan_dir = downloads
        .iter()
        .find(|s| text(&s["with"]["name"]) == format!("plan-{env}"))
        .map(|s| text(&s["with"]["path"]).replace("${{ runner.temp }}", "$RUNNER_TEMP"));
    let script = runs(job);
    let applies_saved = plan_dir.is_some_and(|dir| {
        script.lines().any(|l| {
            l.trim()
                == format!("dtr apply \"{dir}/plan.json\" --env \"$DTR_ENV\" --lock-timeout 10m")
        })
    });
    if !applies_saved {
        p.push(format!(
            "{name}: does not apply the downloaded plan-{env}/plan.json"
        ));
    }
    if script.contains("dtr plan") || script.contains("--auto-approve") {
        p.push(format!(
            "{name}: plans anew instead of applying the saved plan"
        ));
    }
    let creds = uses(job, "aws-actions/configure-aws-credentials");
    if creds.first().map(|s| text(&s["with"]["role-to-assume"]))
        != Some("${{ secrets.DTR_APPLY_ROLE_ARN }}")
    {
        p.push(format!(
            "{name}: does not assume the environment's apply role"
        ));
    }
}
