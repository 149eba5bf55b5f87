//! Backoff and waiting as values, decided here and nowhere else: a neutral module that provider, state
//! and exec all use, generic over the error a look or a call fails with.
//!
//! Throttling, 5xx and connection errors are retried by the SDK's own standard retry (exponential
//! backoff with full jitter, 8 attempts, configured in `provider::aws`), and where the SDK ships a
//! waiter for a state (a function active or updated, a table gone) it is used, with a deadline named
//! here. What is left is waiting for states the SDK has no waiter for (a table and every index on it
//! ACTIVE) and retrying errors that only time cures (IAM propagation): [`Waiter`] and [`Retry`].

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

/// Retrying a call while it fails with an error that only time cures (IAM propagation, an update
/// still in progress), until a deadline: one named value per purpose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retry {
    pub backoff: Backoff,
    pub timeout: Duration,
}

impl Retry {
    /// A role just created or changed may take this long to be assumable by another service (IAM is
    /// eventually consistent), and a Lambda update in progress this long to finish.
    pub const ROLE_PROPAGATION: Retry = Retry {
        backoff: Backoff::DEFAULT,
        timeout: Duration::from_secs(120),
    };

    /// Call, and call again while it fails with an error `retryable` accepts and time is left.
    pub async fn run<T, E, F, Fut>(
        &self,
        retryable: impl Fn(&E) -> bool,
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
                Err(e) if retryable(&e) && start.elapsed() < self.timeout => {
                    tokio::time::sleep(self.backoff.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// How long to wait for a Lambda function to become active, or to finish an update, before giving
/// up (the SDK's own waiters poll; a function in a VPC can take minutes to create its interfaces).
pub const FUNCTION_READY: Duration = Duration::from_secs(15 * 60);

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
    async fn a_retry_stops_at_the_first_error_it_does_not_accept() {
        let quick = Retry {
            backoff: Backoff {
                initial: Duration::from_millis(1),
                max: Duration::from_millis(1),
                multiplier: 1.0,
            },
            timeout: Duration::from_secs(5),
        };
        let mut calls = 0;
        let r: Result<(), std::io::Error> = quick
            .run(
                |e: &std::io::Error| e.kind() == std::io::ErrorKind::WouldBlock,
                || {
                    calls += 1;
                    let kind = if calls < 3 {
                        std::io::ErrorKind::WouldBlock
                    } else {
                        std::io::ErrorKind::PermissionDenied
                    };
                    async move { Err(kind.into()) }
                },
            )
            .await;
        assert_eq!(
            r.map_err(|e| e.kind()),
            Err(std::io::ErrorKind::PermissionDenied)
        );
        assert_eq!(calls, 3);
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
