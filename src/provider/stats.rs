//! Counting AWS API calls (every attempt, retries included) by service and operation, for `--stats`
//! and the benchmark; and the critical path: the fewest calls that had to happen one after another.
//!
//! A call made inside a [`scope`] counts toward that scope (one live read, one action); a call made in
//! [`background`] (lock renewal, the state writer) toward nothing; any other call is on the command's
//! main line, where calls run one after another. The engine adds up the path: main-line calls, the
//! slowest read of each round of reads, and the costliest chain of actions through the dependency graph
//! ([`CallCounter::add_to_critical_path`]).

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

tokio::task_local! {
    static SCOPE: Option<Arc<AtomicU64>>;
}

/// Run `work`, counting the AWS calls it makes into the returned counter as well.
pub async fn scope<F: Future>(work: F) -> (F::Output, u64) {
    let counter = Arc::new(AtomicU64::new(0));
    let out = SCOPE.scope(Some(counter.clone()), work).await;
    (out, counter.load(Ordering::Relaxed))
}

/// Run `work` off the critical path (it overlaps the main line: lock renewal, state writes).
pub async fn background<F: Future>(work: F) -> F::Output {
    SCOPE.scope(None, work).await
}

#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    calls: Arc<Mutex<BTreeMap<(String, String), u64>>>,
    /// Calls made outside any scope: one after another on the main line.
    main_line: Arc<AtomicU64>,
    /// Critical-path calls the engine added for its concurrent phases.
    concurrent: Arc<AtomicU64>,
}

impl CallCounter {
    /// (service, operation) → calls so far.
    pub fn snapshot(&self) -> BTreeMap<(String, String), u64> {
        self.calls.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// A concurrent phase finished whose longest chain took `calls` calls.
    pub fn add_to_critical_path(&self, calls: u64) {
        self.concurrent.fetch_add(calls, Ordering::Relaxed);
    }

    /// The calls that had to happen one after another: a lower bound on wall time is this × latency.
    pub fn critical_path(&self) -> u64 {
        self.main_line.load(Ordering::Relaxed) + self.concurrent.load(Ordering::Relaxed)
    }

    /// A table for people: the total, then one line per service and operation.
    pub fn render(&self) -> String {
        let calls = self.snapshot();
        let total: u64 = calls.values().sum();
        let mut out = format!(
            "AWS API calls: {total} (critical path: {} calls one after another)\n",
            self.critical_path()
        );
        for ((service, operation), n) in &calls {
            out.push_str(&format!("  {n:>5}  {service} {operation}\n"));
        }
        out
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "dtr-call-counter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match SCOPE.try_with(|s| s.clone()) {
            Ok(Some(scope)) => drop(scope.fetch_add(1, Ordering::Relaxed)),
            Ok(None) => {}
            Err(_) => drop(self.main_line.fetch_add(1, Ordering::Relaxed)),
        }
        if let Some(meta) = cfg.load::<Metadata>() {
            if let Ok(mut calls) = self.calls.lock() {
                *calls
                    .entry((meta.service().to_string(), meta.name().to_string()))
                    .or_default() += 1;
            }
        }
        Ok(())
    }

    /// With `DTR_LOG=debug`: one line per attempt (service, operation, attempt, HTTP status, AWS
    /// request id), never a header or body, so never a credential or a parameter value.
    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !tracing::enabled!(target: "dtr::aws", tracing::Level::DEBUG) {
            return Ok(());
        }
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_string(), m.name().to_string()))
            .unwrap_or_default();
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let (status, request_id) = match context.response() {
            Some(response) => {
                let headers = response.headers();
                let id = headers
                    .get("x-amzn-requestid")
                    .or_else(|| headers.get("x-amz-request-id"))
                    .unwrap_or("-");
                (response.status().as_u16().to_string(), id.to_string())
            }
            None => ("no answer".to_string(), "-".to_string()),
        };
        tracing::debug!(
            target: "dtr::aws",
            %service, %operation, attempt, %status, %request_id,
            "AWS call"
        );
        Ok(())
    }
}
