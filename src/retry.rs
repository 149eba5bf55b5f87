//! Backoff and waiting as values, decided here and nowhere else: a neutral module that provider, state
//! and exec all use, generic over the error a look or a call fails with.
//!
//! Throttling, 5xx and connection errors are retried by the SDK's own standard retry (exponential
//! backoff with full jitter, 8 attempts, configured in `provider::aws`); what is left here is waiting for AWS to reach a state (a table ACTIVE, a table gone)
//! and retrying errors that only time cures.

use std::future::Future;
use std::time::{Duration, Instant};

/// Exponential backoff with full jitter: attempt `n` sleeps a random time in `[0, min(max, initial·mᶰ)]`,
/// never less than `initial / 2` so a fast endpoint is not hammered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub multiplier: f64,
}

impl Backoff {
    pub const DEFAULT: Backoff = Backoff {
        initial: Duration::from_millis(200),
        max: Duration::from_secs(10),
        multiplier: 2.0,
    };

    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.initial.as_secs_f64() * self.multiplier.powi(attempt.min(30) as i32);
        let ceiling = ceiling.min(self.max.as_secs_f64());
        let floor = self.initial.as_secs_f64() / 2.0;
        Duration::from_secs_f64(floor.max(fastrand::f64() * ceiling))
    }
}

/// Poll until something is ready, or give up at a deadline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waiter {
    pub backoff: Backoff,
    pub timeout: Duration,
}

/// One look at what we are waiting for.
pub enum Poll<T> {
    Ready(T),
    /// Not yet: what we saw, for the timeout message.
    Pending(String),
}

/// A wait that ended without its state: it timed out, or a look at it failed with `E`.
#[derive(Debug, thiserror::Error)]
pub enum WaitError<E: std::error::Error + 'static> {
    #[error("timed out after {waited:?} waiting for {what} (last seen: {last})")]
    Timeout {
        what: String,
        waited: Duration,
        last: String,
    },
    #[error(transparent)]
    Failed(#[from] E),
}

impl Waiter {
    /// DynamoDB tables and indexes: creating a GSI on a large table can take a long time.
    pub const TABLE: Waiter = Waiter {
        backoff: Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            multiplier: 1.5,
        },
        timeout: Duration::from_secs(30 * 60),
    };

    pub async fn wait<T, E, F, Fut>(&self, what: &str, mut poll: F) -> Result<T, WaitError<E>>
    where
        E: std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Poll<T>, E>>,
    {
        let start = Instant::now();
        let mut attempt = 0;
        loop {
            match poll().await? {
                Poll::Ready(value) => return Ok(value),
                Poll::Pending(last) => {
                    if start.elapsed() >= self.timeout {
                        return Err(WaitError::Timeout {
                            what: what.to_string(),
                            waited: start.elapsed(),
                            last,
                        });
                    }
                }
            }
            tokio::time::sleep(self.backoff.delay(attempt)).await;
            attempt += 1;
        }
    }
}

/// Retry `call` while it fails with an error `retryable` accepts, until `timeout` has passed.
pub async fn retry_while<T, E, F, Fut>(
    retryable: fn(&E) -> bool,
    backoff: Backoff,
    timeout: Duration,
    mut call: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = Instant::now();
    let mut attempt = 0;
    loop {
        match call().await {
            Err(e) if retryable(&e) && start.elapsed() < timeout => {
                tokio::time::sleep(backoff.delay(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_within_its_bounds() {
        let b = Backoff::DEFAULT;
        for attempt in 0..40 {
            let d = b.delay(attempt);
            assert!(d >= b.initial / 2 && d <= b.max, "attempt {attempt}: {d:?}");
        }
    }

    #[tokio::test]
    async fn waiter_times_out_with_the_last_observation() {
        let w = Waiter {
            backoff: Backoff {
                initial: Duration::from_millis(1),
                max: Duration::from_millis(2),
                multiplier: 2.0,
            },
            timeout: Duration::from_millis(20),
        };
        let err = w
            .wait("table ACTIVE", || async {
                Ok::<Poll<()>, std::io::Error>(Poll::Pending("CREATING".into()))
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("last seen: CREATING"), "{err}");
    }
}
