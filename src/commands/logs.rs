//! `dtr logs --env <env> <function address> [--since 10m] [--follow]`: a function's log events, as
//! `sam logs --tail` shows them. Reads the environment file and the state (the function this
//! environment owns), then CloudWatch Logs; no lock.

use super::common::Context;
use super::{Error, Outcome, StateCommandError};
use crate::model::{ResourceAddress, ResourceKind};
use crate::provider::aws::Clients;
use crate::provider::logs::events;
use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often `--follow` asks for new events.
const POLL: Duration = Duration::from_secs(2);

pub async fn run(
    ctx: &Context,
    env: &str,
    address: &ResourceAddress,
    since: Duration,
    follow: bool,
) -> Result<Outcome, Error> {
    if address.kind != ResourceKind::LambdaFunction {
        return Err(Error::NotAFunction {
            address: address.clone(),
        });
    }
    let desired = ctx.load_environment(env)?;
    let clients = ctx.connect(&desired).await?;
    let state = ctx
        .store(&clients, &desired)
        .load(&desired.stack, &desired.environment)
        .await?;
    let Some(owned) = state.resources.get(address) else {
        return Err(StateCommandError::NotInState {
            missing: vec![address.clone()],
            environment: desired.environment.clone(),
            env: env.to_string(),
        }
        .into());
    };
    let group = events::function_log_group(&clients, &owned.physical_id).await?;
    let now = now_ms();
    let mut start = now
        - i64::try_from(since.as_millis())
            .unwrap_or(i64::MAX)
            .min(now);
    let mut seen: HashSet<String> = HashSet::new();
    loop {
        let newest = print_events(&clients, &group, start, &mut seen).await?;
        if !follow {
            return Ok(Outcome::Done);
        }
        // Events can arrive late and out of order: ask again from the newest seen, skipping repeats.
        start = start.max(newest);
        tokio::time::sleep(POLL).await;
    }
}

/// Print the group's events from `start` (epoch ms) on, each once; the newest timestamp seen.
async fn print_events(
    clients: &Clients,
    group: &str,
    start: i64,
    seen: &mut HashSet<String>,
) -> Result<i64, Error> {
    let mut newest = start;
    for event in events::since(clients, group, start).await? {
        if seen.insert(event.id) {
            newest = newest.max(event.timestamp);
            crate::outln!(
                "{} {} {}",
                timestamp(event.timestamp),
                event.stream,
                event.message
            );
        }
    }
    Ok(newest)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Epoch milliseconds as RFC 3339 UTC.
fn timestamp(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}
