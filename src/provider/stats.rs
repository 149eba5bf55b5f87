//! Counting AWS API calls (every attempt, retries included) by service and operation, for `--stats`
//! and the benchmark.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<Mutex<BTreeMap<(String, String), u64>>>);

impl CallCounter {
    /// (service, operation) → calls so far.
    pub fn snapshot(&self) -> BTreeMap<(String, String), u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// A table for people: the total, then one line per service and operation.
    pub fn render(&self) -> String {
        let calls = self.snapshot();
        let total: u64 = calls.values().sum();
        let mut out = format!("AWS API calls: {total}\n");
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
        if let Some(meta) = cfg.load::<Metadata>() {
            if let Ok(mut calls) = self.0.lock() {
                *calls
                    .entry((meta.service().to_string(), meta.name().to_string()))
                    .or_default() += 1;
            }
        }
        Ok(())
    }
}
