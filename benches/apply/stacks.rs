//! What the benchmark deploys: the project's own stack (`--env local`) or a generated one, in a private
//! copy of the project, and the one-resource change its "one change" step makes.

use std::path::Path;
use std::process::Command;

use crate::ROOT;

/// A stack of `n` resources of mixed types in dependency chains of five: log group → role (policy on
/// the group's ARN) → alarm (naming the role) → table → bucket, repeated.
pub fn generated_stack(n: usize) -> String {
    let mut s = String::from(
        "stack: dynamic-tool-runtime\nparameters:\n  name_prefix: {type: string}\nresources:\n",
    );
    for i in 0..n {
        let chain = i / 5;
        let body = match i % 5 {
            0 => format!("    type: log_group\n    properties: {{name: \"/bench/${{param.name_prefix}}/g{i}\", retention_days: 7}}\n"),
            1 => format!(
                "    type: iam_role\n    properties:\n      name: ${{param.name_prefix}}-r{i}\n      assume_role_policy: {{Version: \"2012-10-17\", Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: \"sts:AssumeRole\"}}]}}\n      inline_policies:\n        logs: {{Version: \"2012-10-17\", Statement: [{{Effect: Allow, Action: [\"logs:PutLogEvents\"], Resource: \"${{resource.r{}.arn}}:*\"}}]}}\n",
                i - 1
            ),
            2 => format!(
                "    type: metric_alarm\n    properties: {{name: \"${{param.name_prefix}}-a{i}\", namespace: Bench, metric_name: M, dimensions: {{Role: \"${{resource.r{}.name}}\"}}, statistic: Sum, threshold: 1, comparison_operator: GreaterThanThreshold}}\n",
                i - 1
            ),
            3 => format!(
                "    type: dynamodb_table\n    depends_on: [r{}]\n    properties: {{name: \"${{param.name_prefix}}-t{i}\", hash_key: id, attributes: [{{name: id, type: S}}]}}\n",
                i - 1
            ),
            _ => format!(
                "    type: s3_bucket\n    depends_on: [r{}]\n    properties: {{name: \"${{param.name_prefix}}-b{i}-{chain}\", force_destroy: true}}\n",
                i - 1
            ),
        };
        s.push_str(&format!("  r{i}:\n{body}"));
    }
    s
}

/// A private copy of the project's stacks/ and environments/; with `stack`, its stack.yaml replaced by
/// it and the local environment reduced to the one parameter a generated stack declares.
pub fn project(stack: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary project directory");
    let status = Command::new("cp")
        .args([
            "-r",
            &format!("{ROOT}/stacks"),
            &format!("{ROOT}/environments"),
        ])
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(status.success(), "copying stacks/ and environments/ failed");
    if let Some(stack) = stack {
        let path = dir.path().join("stacks/dynamic-tool-runtime/stack.yaml");
        std::fs::write(path, stack).expect("write the generated stack");
        let env = dir.path().join("environments/local.yaml");
        let text = std::fs::read_to_string(&env).expect("read environments/local.yaml");
        let kept: Vec<&str> = text
            .lines()
            .take_while(|l| !l.starts_with("parameters:"))
            .collect();
        std::fs::write(
            env,
            format!("{}\nparameters:\n  name_prefix: bench\n", kept.join("\n")),
        )
        .expect("write environments/local.yaml");
    }
    dir
}

/// Change one resource: a generated stack's first log group's retention, or local's error alarm
/// threshold. Panics if the text to change is not there (a "one change" that changes nothing would
/// measure a no-op plan).
pub fn change_one_resource(dir: &Path, generated: bool) {
    let (file, from, to) = if generated {
        (
            "stacks/dynamic-tool-runtime/stack.yaml",
            "retention_days: 7",
            "retention_days: 14",
        )
    } else {
        (
            "environments/local.yaml",
            "error_alarm_threshold: 5",
            "error_alarm_threshold: 6",
        )
    };
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read the file to change");
    assert!(
        text.contains(from),
        "{file} no longer has {from:?}: the benchmark's one change needs another edit"
    );
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write the changed file");
}
