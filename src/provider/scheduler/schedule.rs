//! `schedule`: a schedule inside its group, addressed `<group>/<name>`. Read (GetSchedule), create
//! (CreateSchedule), update (UpdateSchedule, which replaces the whole schedule: every field is sent),
//! delete (DeleteSchedule). Settings dtr does not manage (a KMS key, start and end dates, the action
//! after a one-time schedule ran) are left at AWS's defaults, and an update resets them there.
//! Both writes wait out a role IAM has not propagated to Scheduler yet (Retry::ROLE_PROPAGATION).

use crate::model::schedule::{input_text, ScheduleRetry, ScheduleSpec, ScheduleTarget};
use crate::provider::aws::Clients;
use crate::provider::kind::{known_str, reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, build_error, found, ignore_not_found, retry_aws};
use crate::provider::{AwsError, ErrorClass};
use crate::retry::Retry;
use aws_sdk_scheduler::types::{
    DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState,
    Target,
};
use serde_json::Value;

impl ResourceType for ScheduleSpec {
    const FORCE_NEW: &'static [&'static str] = &["name", "group"];
    const IDENTITY: &'static [&'static str] = &["group", "name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_scheduler_schedule",
        physical_id: |a| {
            Some(format!(
                "{}/{}",
                tf_attr(a, "group_name")?,
                tf_attr(a, "name")?
            ))
        },
        folded: &[],
    });

    fn physical_id(props: &Value) -> Option<String> {
        Some(format!(
            "{}/{}",
            known_str(props, "group")?,
            known_str(props, "name")?
        ))
    }

    async fn read(clients: &Clients, id: &str) -> Result<Option<Live<Self>>> {
        let (group, name) = split(id);
        let r = clients
            .scheduler
            .get_schedule()
            .group_name(group)
            .name(name)
            .send()
            .await;
        let Some(out) = found(r.map_err(|e| aws_error("GetSchedule", what(id), e)))? else {
            return Ok(None);
        };
        let text = |s: Option<String>| s.filter(|s| !s.is_empty());
        let window = out.flexible_time_window.as_ref();
        let target = out.target.as_ref();
        let retry = target.and_then(|t| t.retry_policy.as_ref());
        let defaults = ScheduleRetry::default();
        let spec = ScheduleSpec {
            name: text(out.name.clone()).unwrap_or_else(|| name.to_string()),
            group: text(out.group_name.clone()).unwrap_or_else(|| group.to_string()),
            schedule_expression: out.schedule_expression.clone().unwrap_or_default(),
            timezone: text(out.schedule_expression_timezone.clone()),
            state: out
                .state
                .as_ref()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            description: text(out.description.clone()),
            flexible_window_minutes: window
                .filter(|w| w.mode == FlexibleTimeWindowMode::Flexible)
                .and_then(|w| w.maximum_window_in_minutes),
            target: ScheduleTarget {
                arn: target.map(|t| t.arn.clone()).unwrap_or_default(),
                role_arn: target.map(|t| t.role_arn.clone()).unwrap_or_default(),
                input: text(target.and_then(|t| t.input.clone())).map(Value::String),
                retry: ScheduleRetry {
                    maximum_attempts: retry
                        .and_then(|r| r.maximum_retry_attempts)
                        .unwrap_or(defaults.maximum_attempts),
                    maximum_event_age_seconds: retry
                        .and_then(|r| r.maximum_event_age_in_seconds)
                        .unwrap_or(defaults.maximum_event_age_seconds),
                },
                dead_letter_arn: text(
                    target
                        .and_then(|t| t.dead_letter_config.as_ref())
                        .and_then(|d| d.arn.clone()),
                ),
            },
        };
        let mut live = Live::with_output(id, spec, "arn", out.arn().unwrap_or_default());
        live.outputs.insert("name".into(), name.to_string());
        Ok(Some(live))
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let Request { target, window } = request(spec)?;
        retry_aws(&Retry::ROLE_PROPAGATION, is_role_propagation, || async {
            clients
                .scheduler
                .create_schedule()
                .group_name(&spec.group)
                .name(&spec.name)
                .schedule_expression(&spec.schedule_expression)
                .set_schedule_expression_timezone(spec.timezone.clone())
                .state(ScheduleState::from(spec.state.as_str()))
                .set_description(spec.description.clone())
                .flexible_time_window(window.clone())
                .target(target.clone())
                .send()
                .await
                .map_err(|e| aws_error("CreateSchedule", what(&id(spec)), e))
        })
        .await?;
        reread(clients, &id(spec)).await
    }

    /// UpdateSchedule replaces the schedule with what it is sent, so it is sent everything.
    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        let Request { target, window } = request(desired)?;
        retry_aws(&Retry::ROLE_PROPAGATION, is_role_propagation, || async {
            clients
                .scheduler
                .update_schedule()
                .group_name(&desired.group)
                .name(&desired.name)
                .schedule_expression(&desired.schedule_expression)
                .set_schedule_expression_timezone(desired.timezone.clone())
                .state(ScheduleState::from(desired.state.as_str()))
                .set_description(desired.description.clone())
                .flexible_time_window(window.clone())
                .target(target.clone())
                .send()
                .await
                .map_err(|e| aws_error("UpdateSchedule", what(&id(desired)), e))
        })
        .await?;
        reread(clients, &live.physical_id).await
    }

    async fn delete(clients: &Clients, id: &str, _force: bool) -> Result<()> {
        let (group, name) = split(id);
        let r = clients
            .scheduler
            .delete_schedule()
            .group_name(group)
            .name(name)
            .send()
            .await;
        Ok(ignore_not_found(
            r.map_err(|e| aws_error("DeleteSchedule", what(id), e)),
        )?)
    }

    /// Without a time zone, AWS's UTC is none; an input written as a document compares by meaning
    /// with the text AWS keeps.
    fn normalize(have: &mut Self, want: &Self, _: &[&'static str]) {
        if want.timezone.is_none() && have.timezone.as_deref() == Some("UTC") {
            have.timezone = None;
        }
        if let (Some(want_input), Some(Value::String(text))) =
            (&want.target.input, &have.target.input)
        {
            if !want_input.is_string() {
                if let Ok(document) = serde_json::from_str::<Value>(text) {
                    have.target.input = Some(document);
                }
            }
        }
    }
}

/// A role created or changed this run that Scheduler cannot assume yet (IAM propagates it within
/// seconds to minutes), or AWS asking to slow down: both pass with time.
fn is_role_propagation(e: &AwsError) -> bool {
    e.is_role_propagation() || e.class == ErrorClass::Throttled
}

/// `<group>/<name>` → (`<group>`, `<name>`).
fn split(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or(("default", id))
}

fn id(spec: &ScheduleSpec) -> String {
    format!("{}/{}", spec.group, spec.name)
}

fn what(id: &str) -> String {
    format!("schedule {id}")
}

/// The parts of a CreateSchedule or UpdateSchedule request that the SDK builds and may refuse.
struct Request {
    target: Target,
    window: FlexibleTimeWindow,
}

fn request(spec: &ScheduleSpec) -> std::result::Result<Request, AwsError> {
    let t = &spec.target;
    let target = Target::builder()
        .arn(&t.arn)
        .role_arn(&t.role_arn)
        .set_input(t.input.as_ref().map(input_text))
        .retry_policy(
            RetryPolicy::builder()
                .maximum_retry_attempts(t.retry.maximum_attempts)
                .maximum_event_age_in_seconds(t.retry.maximum_event_age_seconds)
                .build(),
        )
        .set_dead_letter_config(
            t.dead_letter_arn
                .as_ref()
                .map(|arn| DeadLetterConfig::builder().arn(arn).build()),
        )
        .build()
        .map_err(|e| build_error("schedule target", e))?;
    let window = match spec.flexible_window_minutes {
        Some(minutes) => FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Flexible)
            .maximum_window_in_minutes(minutes),
        None => FlexibleTimeWindow::builder().mode(FlexibleTimeWindowMode::Off),
    }
    .build()
    .map_err(|e| build_error("schedule time window", e))?;
    Ok(Request { target, window })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;
    use serde_json::json;

    fn schedule(input: Value) -> ScheduleSpec {
        serde_json::from_value(json!({
            "name": "monitoring",
            "group": "dtr-local-schedules",
            "schedule_expression": "rate(5 minutes)",
            "target": {
                "arn": "arn:aws:lambda:us-east-1:123456789012:function:m",
                "role_arn": "arn:aws:iam::123456789012:role/s",
                "input": input,
            },
        }))
        .expect("a schedule")
    }

    #[test]
    fn utc_and_an_input_document_kept_as_text_are_no_difference() {
        let want = schedule(json!({"source": "schedule", "depth": 2}));
        let mut have = schedule(json!(r#"{"depth":2, "source":"schedule"}"#));
        have.timezone = Some("UTC".into());
        let c = compared(&want, &have);
        assert_eq!(Some(c.desired), c.observed);
        // A string input is compared as the string it is.
        let want = schedule(json!("{\"depth\":2}"));
        let have = schedule(json!("{\"depth\": 2}"));
        let c = compared(&want, &have);
        assert_ne!(Some(c.desired), c.observed);
        // A time zone other than UTC, when none is configured, is drift.
        let want = schedule(json!("x"));
        let mut have = want.clone();
        have.timezone = Some("Europe/Paris".into());
        let c = compared(&want, &have);
        assert_ne!(Some(c.desired), c.observed);
    }

    #[test]
    fn a_new_name_or_group_replaces_and_the_rest_updates() {
        let s = schedule(json!("x"));
        let moved = ScheduleSpec {
            group: "other".into(),
            ..s.clone()
        };
        assert_eq!(compared(&moved, &s).replace_reasons, ["group"]);
        let mut disabled = s.clone();
        disabled.state = "DISABLED".into();
        disabled.schedule_expression = "rate(1 hour)".into();
        let c = compared(&disabled, &s);
        assert!(c.replace_reasons.is_empty());
        assert_ne!(Some(c.desired), c.observed);
        assert_eq!(
            ScheduleSpec::physical_id(&json!({"group": "g", "name": "n"})),
            Some("g/n".into())
        );
        assert_eq!(
            ScheduleSpec::physical_id(&json!({"group": "${resource.g.name}", "name": "n"})),
            None
        );
    }

    #[test]
    fn the_request_carries_every_field() {
        let mut s = schedule(json!({"a": 1}));
        s.flexible_window_minutes = Some(15);
        s.target.dead_letter_arn = Some("arn:aws:sqs:us-east-1:123456789012:dlq".into());
        let Request { target, window } = request(&s).expect("a request");
        assert_eq!(target.input(), Some(r#"{"a":1}"#));
        assert_eq!(
            target.retry_policy().and_then(|r| r.maximum_retry_attempts),
            Some(185)
        );
        assert_eq!(
            target.dead_letter_config().and_then(|d| d.arn()),
            Some("arn:aws:sqs:us-east-1:123456789012:dlq")
        );
        assert_eq!(window.mode(), &FlexibleTimeWindowMode::Flexible);
        assert_eq!(window.maximum_window_in_minutes(), Some(15));
        s.flexible_window_minutes = None;
        assert_eq!(
            request(&s).expect("a request").window.mode(),
            &FlexibleTimeWindowMode::Off
        );
    }
}
