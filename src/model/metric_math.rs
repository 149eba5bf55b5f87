//! Metric math for `metric_alarm` (CloudWatch `Metrics`, a list of MetricDataQuery): the queries and
//! the rules PutMetricAlarm holds them to, checked before any call so each problem has its location.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One query of a metric-math alarm: a metric (`metric`) or an expression over the other queries'
/// ids (`expression`), never both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricQuery {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricStat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// AWS's default is true; exactly one query of an alarm returns data.
    #[serde(default = "yes")]
    pub return_data: bool,
}

/// A metric and how it is aggregated (CloudWatch `MetricStat`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricStat {
    pub namespace: String,
    pub metric_name: String,
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    #[serde(default = "five_minutes")]
    pub period_seconds: i32,
    /// A statistic (`Sum`) or an extended one (`p99`).
    pub stat: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

pub fn five_minutes() -> i32 {
    300
}
fn yes() -> bool {
    true
}

/// Why a period CloudWatch would refuse is one, if it is.
pub fn period_problem(seconds: i32) -> Option<String> {
    (seconds < 10 || (seconds > 30 && seconds % 60 != 0))
        .then(|| "must be 10, 20, 30 or a multiple of 60".to_string())
}

/// Every problem of an alarm's queries, each at its place in `metrics`.
pub fn problems(queries: &[MetricQuery]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, q) in queries.iter().enumerate() {
        let at = |field: &str| vec!["metrics".to_string(), i.to_string(), field.to_string()];
        let mut push = |path: Vec<String>, message: String| {
            errors.push(FieldError { path, message });
        };
        let id_ok = q.id.starts_with(|c: char| c.is_ascii_lowercase())
            && q.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !id_ok {
            push(
                at("id"),
                format!(
                    "`{}` is not a query id: a lowercase letter, then letters, digits and _",
                    q.id
                ),
            );
        } else if !seen.insert(q.id.as_str()) {
            push(at("id"), format!("`{}` is the id of another query", q.id));
        }
        match (&q.expression, &q.metric) {
            (Some(_), Some(_)) | (None, None) => push(
                at("expression"),
                "set exactly one of `expression` and `metric`".to_string(),
            ),
            (Some(e), None) if e.trim().is_empty() => {
                push(at("expression"), "must not be empty".to_string())
            }
            (None, Some(m)) => {
                let metric = |field: &str| {
                    let mut path = at("metric");
                    path.push(field.to_string());
                    path
                };
                if let Some(problem) = period_problem(m.period_seconds) {
                    push(metric("period_seconds"), problem);
                }
                for (field, value) in [
                    ("namespace", &m.namespace),
                    ("metric_name", &m.metric_name),
                    ("stat", &m.stat),
                ] {
                    if value.trim().is_empty() {
                        push(metric(field), "must not be empty".to_string());
                    }
                }
            }
            _ => {}
        }
    }
    // PutMetricAlarm takes at most 10 of each kind of query.
    for (kind, count) in [
        (
            "metric",
            queries.iter().filter(|q| q.metric.is_some()).count(),
        ),
        (
            "expression",
            queries.iter().filter(|q| q.expression.is_some()).count(),
        ),
    ] {
        if count > 10 {
            errors.push(FieldError::new(
                &["metrics"],
                format!("an alarm takes at most 10 `{kind}` queries, not {count}"),
            ));
        }
    }
    let returning = queries.iter().filter(|q| q.return_data).count();
    if returning != 1 {
        errors.push(FieldError::new(
            &["metrics"],
            format!(
                "exactly one query must have `return_data: true` (the alarm's result; the default is true), not {returning}: set `return_data: false` on the others"
            ),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queries(yaml: serde_json::Value) -> Vec<MetricQuery> {
        serde_json::from_value(yaml).expect("metric queries")
    }

    fn throttles() -> Vec<MetricQuery> {
        queries(serde_json::json!([
            {"id": "reads", "return_data": false, "metric": {
                "namespace": "AWS/DynamoDB", "metric_name": "ThrottledRequests",
                "dimensions": {"TableName": "t", "Operation": "GetItem"}, "stat": "Sum"}},
            {"id": "total", "expression": "SUM([reads])", "label": "Throttled"}
        ]))
    }

    fn paths(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| e.path.join(".")).collect()
    }

    #[test]
    fn a_metric_and_one_returning_expression_are_valid_and_the_period_defaults_to_five_minutes() {
        let q = throttles();
        assert!(problems(&q).is_empty(), "{:?}", paths(&problems(&q)));
        assert_eq!(q[0].metric.as_ref().map(|m| m.period_seconds), Some(300));
        assert!(q[1].return_data, "AWS's default for ReturnData is true");
    }

    #[test]
    fn not_exactly_one_returning_query_is_refused_at_metrics() {
        let mut q = throttles();
        q[0].return_data = true;
        assert_eq!(paths(&problems(&q)), vec!["metrics"]);
        q[0].return_data = false;
        q[1].return_data = false;
        assert_eq!(paths(&problems(&q)), vec!["metrics"]);
    }

    #[test]
    fn each_bad_query_is_located_by_its_index() {
        let mut q = throttles();
        q[0].id = "Reads".into();
        q[1].metric = q[0].metric.clone();
        if let Some(m) = q[0].metric.as_mut() {
            m.period_seconds = 45;
        }
        assert_eq!(
            paths(&problems(&q)),
            vec![
                "metrics.0.id",
                "metrics.0.metric.period_seconds",
                "metrics.1.expression"
            ]
        );
        let mut q = throttles();
        q[1].id = "reads".into();
        assert_eq!(paths(&problems(&q)), vec!["metrics.1.id"]);
    }

    #[test]
    fn more_than_ten_metrics_are_refused() {
        let mut q = throttles();
        let metric = q[0].clone();
        for i in 0..10 {
            q.push(MetricQuery {
                id: format!("m{i}"),
                ..metric.clone()
            });
        }
        assert_eq!(paths(&problems(&q)), vec!["metrics"]);
        q.truncate(11);
        assert!(problems(&q).is_empty());
    }

    #[test]
    fn unknown_fields_in_a_query_are_an_error() {
        let r: Result<Vec<MetricQuery>, _> =
            serde_json::from_value(serde_json::json!([{"id": "a", "expresion": "x"}]));
        assert!(r.is_err());
    }
}
