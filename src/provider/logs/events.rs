//! Reading a function's log events, for `dtr logs`: where its logs go, and the events of a group
//! from a point in time on.

use crate::provider::aws::Clients;
use crate::provider::{aws_error, AwsError};

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Epoch milliseconds.
    pub timestamp: i64,
    pub stream: String,
    pub message: String,
    /// CloudWatch's event id: what tells two events apart when polling again.
    pub id: String,
}

/// The function's log group: where its logging configuration sends them, else Lambda's default.
pub async fn function_log_group(clients: &Clients, function: &str) -> Result<String, AwsError> {
    let got = clients
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .map_err(|e| aws_error("GetFunctionConfiguration", function, e))?;
    Ok(got
        .logging_config()
        .and_then(|c| c.log_group())
        .map(str::to_string)
        .unwrap_or_else(|| format!("/aws/lambda/{function}")))
}

/// Every event of `group` from `start` (epoch ms) on, all pages, oldest first.
pub async fn since(clients: &Clients, group: &str, start: i64) -> Result<Vec<Event>, AwsError> {
    let mut token: Option<String> = None;
    let mut events = Vec::new();
    loop {
        let page = clients
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(start)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| aws_error("FilterLogEvents", group, e))?;
        events.extend(page.events().iter().map(|e| {
            let timestamp = e.timestamp().unwrap_or(0);
            let stream = e.log_stream_name().unwrap_or("-").to_string();
            let message = e.message().unwrap_or_default().trim_end().to_string();
            let id = match e.event_id() {
                Some(id) if !id.is_empty() => id.to_string(),
                _ => format!("{timestamp}/{stream}/{message}"),
            };
            Event {
                timestamp,
                stream,
                message,
                id,
            }
        }));
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    events.sort_by_key(|e| e.timestamp);
    Ok(events)
}
