//! Each AWS service's limit ([`super::limit::Aimd`]) wired into the SDK clients.
//!
//! An interceptor cannot wait, so the waiting point is the HTTP connector: every client of a
//! service gets a [`LimitedHttpClient`] whose connector takes a place under the service's limit before
//! each attempt goes out and gives it back when the answer comes. The [`Feedback`] interceptor then
//! reads the whole answer (status, headers, the buffered body of an error) after the attempt and tells
//! the limit whether the service throttled. The connector marks each answer with the generation of the
//! limit that admitted the attempt (an internal header), so a throttle is charged to the right limit.
//!
//! The SDK's own retry (standard mode, 8 attempts) stays: a throttled attempt is retried after the
//! SDK's backoff, and each retry waits for a place again, so the two compose: the SDK spaces one
//! call's attempts, the limit spaces the service's calls.
//!
//! Starting points, from each service's documented quotas (requests a second per account and Region):
//! - CloudWatch: `DescribeAlarms` 9, `PutMetricAlarm` and `DeleteAlarms` 3
//!   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html>):
//!   9, paced: plans read far more than applies write, and a write throttled at 3 halves the limit.
//! - CloudWatch Logs: `CreateLogGroup`, `PutRetentionPolicy` 5, `DescribeLogGroups` 10
//!   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html>): 5, paced.
//! - Lambda: control-plane requests 15 a second, `GetFunction` 100
//!   (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html#api-requests>):
//!   15, paced.
//! - API Gateway: management API 10 a second, burst 40
//!   (<https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html>): 10, paced.
//! - The Resource Groups Tagging API: `GetResources` 15
//!   (<https://docs.aws.amazon.com/tag-editor/latest/userguide/reference.html>): 15, paced (a plan
//!   pages it once, one page after another).
//! - IAM publishes no request rate (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>),
//!   DynamoDB's control plane allows 2,500 requests a second for most of its calls
//!   (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html>),
//!   S3 3,500 writes and 5,500 reads a second per prefix
//!   (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html>), SNS
//!   tens to hundreds a second by call and Region (<https://docs.aws.amazon.com/general/latest/gr/sns.html>),
//!   EventBridge Scheduler 50 for its schedule calls
//!   (<https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html>): all above
//!   `--parallelism`; they start there, unpaced, until they throttle.

use super::limit::{Admission, Aimd, Outcome, DEFAULT_PARALLELISM};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_runtime_api::http::Headers;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// The header the connector marks an answer with (never sent, never shown).
const GENERATION: &str = "x-dtr-limit-generation";

/// Where a service's limit starts: (limit, paced): a paced limit is a rate, any other attempts at
/// once. See the module's list of quotas.
fn start(service: &str, parallelism: usize) -> (usize, bool) {
    match service {
        "cloudwatch" => (9, true),
        "logs" => (5, true),
        "apigateway" => (10, true),
        "lambda" => (15, true),
        "tagging" => (15, true),
        _ => (parallelism, false),
    }
}

/// One limit per service, shared by every client of that service in this process.
#[derive(Debug, Clone)]
pub struct Limits {
    parallelism: usize,
    services: Arc<Mutex<BTreeMap<&'static str, Arc<ServiceLimit>>>>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new(DEFAULT_PARALLELISM)
    }
}

impl Limits {
    /// Limits under `parallelism` (`--parallelism`): no service has more attempts in flight.
    pub fn new(parallelism: usize) -> Self {
        Limits {
            parallelism: parallelism.max(1),
            services: Default::default(),
        }
    }

    /// The limit of `service`, made at its starting point on first use.
    pub fn service(&self, service: &'static str) -> Arc<ServiceLimit> {
        let mut services = self.services.lock().unwrap_or_else(|e| e.into_inner());
        services
            .entry(service)
            .or_insert_with(|| {
                let (limit, paced) = start(service, self.parallelism);
                Arc::new(ServiceLimit {
                    state: Mutex::new(Aimd::new(limit, self.parallelism, paced)),
                    wake: tokio::sync::Notify::new(),
                })
            })
            .clone()
    }

    /// `base`, and the interceptor that feeds `service`'s limit, for one client of that service.
    pub fn client(
        &self,
        base: &SharedHttpClient,
        service: &'static str,
    ) -> (SharedHttpClient, Feedback) {
        let limit = self.service(service);
        let client = SharedHttpClient::new(LimitedHttpClient {
            inner: base.clone(),
            limit: limit.clone(),
        });
        (client, Feedback(limit))
    }

    /// For `--stats`: where the limit of each service called ended, and how often it halved.
    pub fn render(&self) -> String {
        let services = self.services.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::from("Concurrency per service (where it ended):");
        for (name, limit) in services.iter() {
            let state = limit.lock();
            let (answers, halved) = state.counts();
            if answers == 0 {
                continue;
            }
            let unit = if state.is_paced() {
                "a second"
            } else {
                "at once"
            };
            out.push_str(&format!("\n  {name}: {} {unit}", state.limit()));
            if halved > 0 {
                out.push_str(&format!(", halved {halved} times on throttling"));
            }
        }
        out
    }
}

/// One service's limit: its AIMD state and the attempts waiting for a place.
#[derive(Debug)]
pub struct ServiceLimit {
    state: Mutex<Aimd>,
    wake: tokio::sync::Notify,
}

impl ServiceLimit {
    fn lock(&self) -> MutexGuard<'_, Aimd> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait for a place under the limit.
    async fn admit(self: &Arc<Self>) -> InFlight {
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = match self.lock().try_admit(Instant::now()) {
                Ok(admission) => {
                    return InFlight {
                        limit: self.clone(),
                        admission,
                    }
                }
                Err(wait) => wait,
            };
            match wait {
                Some(pause) => drop(tokio::time::timeout(pause, notified).await),
                None => notified.await,
            }
        }
    }

    fn record(&self, admission: Admission, outcome: Outcome) {
        self.lock().record(admission, outcome);
        self.wake.notify_waiters();
    }
}

/// A place taken under a limit, given back when dropped.
struct InFlight {
    limit: Arc<ServiceLimit>,
    admission: Admission,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.limit.lock().release();
        self.limit.wake.notify_waiters();
    }
}

#[derive(Debug)]
struct LimitedHttpClient {
    inner: SharedHttpClient,
    limit: Arc<ServiceLimit>,
}

impl HttpClient for LimitedHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LimitedConnector {
            inner: self.inner.http_connector(settings, components),
            limit: self.limit.clone(),
        })
    }

    fn validate_base_client_config(
        &self,
        components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_base_client_config(components, cfg)
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(components, cfg)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[derive(Debug)]
struct LimitedConnector {
    inner: SharedHttpConnector,
    limit: Arc<ServiceLimit>,
}

impl HttpConnector for LimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, limit) = (self.inner.clone(), self.limit.clone());
        HttpConnectorFuture::new(async move {
            let place = limit.admit().await;
            let mut response = inner.call(request).await?;
            let generation = place.admission.generation.to_string();
            response.headers_mut().insert(GENERATION, generation);
            Ok(response)
        })
    }
}

/// Tells a service's limit how each attempt ended.
#[derive(Debug, Clone)]
pub struct Feedback(Arc<ServiceLimit>);

impl Intercept for Feedback {
    fn name(&self) -> &'static str {
        "dtr-service-limit"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(response) = context.response() else {
            return Ok(());
        };
        let Some(generation) = response
            .headers()
            .get(GENERATION)
            .and_then(|g| g.parse().ok())
        else {
            return Ok(());
        };
        let status = response.status().as_u16();
        let outcome = outcome_of(status, response.headers(), response.body().bytes());
        self.0.record(Admission { generation }, outcome);
        Ok(())
    }
}

/// Whether an answer throttled: HTTP 429, a throttling error code (whatever the protocol carries it
/// in), or S3's 503 (`SlowDown`; a HEAD answer has no body to name it).
pub fn outcome_of(status: u16, headers: &Headers, body: Option<&[u8]>) -> Outcome {
    if status < 400 {
        return Outcome::Served;
    }
    let code = error_code(headers, body.unwrap_or_default());
    let throttling = code
        .as_deref()
        .is_some_and(|c| super::classify_code(Some(c)) == super::ErrorClass::Throttled);
    if throttling || status == 429 || (status == 503 && code.is_none()) {
        Outcome::Throttled
    } else if status >= 500 {
        Outcome::Unknown
    } else {
        Outcome::Served
    }
}

/// The error code of an error answer: the query-compatible header (CBOR and JSON services that were
/// query services), `x-amzn-ErrorType` (JSON protocols), a JSON `__type`/`code`, or XML `<Code>`.
fn error_code(headers: &Headers, body: &[u8]) -> Option<String> {
    if let Some(q) = headers.get("x-amzn-query-error") {
        return q.split(';').next().map(str::to_string);
    }
    if let Some(t) = headers.get("x-amzn-errortype") {
        return t.split(':').next().map(str::to_string);
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    if text.trim_start().starts_with('{') {
        let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
        let code = doc.get("__type").or_else(|| doc.get("code"))?.as_str()?;
        return code.rsplit('#').next().map(str::to_string);
    }
    let (_, rest) = text.split_once("<Code>")?;
    let (code, _) = rest.split_once("</Code>")?;
    Some(code.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> Headers {
        let mut h = Headers::new();
        for (k, v) in pairs {
            h.insert(*k, *v);
        }
        h
    }

    #[tokio::test]
    async fn an_attempt_waits_for_a_place_and_gives_it_back() {
        use std::time::Duration;
        let limits = Limits::new(1);
        let iam = limits.service("iam");
        let first = iam.admit().await;
        let waiting = tokio::time::timeout(Duration::from_millis(100), iam.admit()).await;
        assert!(
            waiting.is_err(),
            "a second attempt waits while the first is in flight"
        );
        drop(first);
        let again = tokio::time::timeout(Duration::from_secs(1), iam.admit()).await;
        assert!(again.is_ok(), "the place came back");
    }

    #[tokio::test]
    async fn a_paced_service_waits_its_turn() {
        let cloudwatch = Limits::new(10).service("cloudwatch");
        let started = std::time::Instant::now();
        for _ in 0..4 {
            drop(cloudwatch.admit().await);
        }
        let spacing = 1.0 / start("cloudwatch", 10).0 as f64;
        assert!(
            started.elapsed().as_secs_f64() >= 3.0 * spacing * 0.95,
            "four starts at CloudWatch's starting rate are three intervals apart"
        );
    }

    #[test]
    fn reads_throttling_in_every_protocol() {
        let none = headers(&[]);
        let cbor = headers(&[("x-amzn-query-error", "Throttling;Sender")]);
        let json = headers(&[("x-amzn-ErrorType", "TooManyRequestsException:http://x")]);
        let t = Outcome::Throttled;
        assert_eq!(outcome_of(400, &cbor, None), t);
        assert_eq!(outcome_of(429, &json, None), t);
        let body = br#"{"__type":"com.amazonaws.logs#ThrottlingException","message":"x"}"#;
        assert_eq!(outcome_of(400, &none, Some(body)), t);
        let xml = b"<ErrorResponse><Error><Code>Throttled</Code></Error></ErrorResponse>";
        assert_eq!(outcome_of(400, &none, Some(xml)), t, "SNS");
        assert_eq!(outcome_of(503, &none, None), t, "S3 HEAD SlowDown");
        let slow = b"<Error><Code>SlowDown</Code></Error>";
        assert_eq!(outcome_of(503, &none, Some(slow)), t, "S3");
    }

    #[test]
    fn other_answers_are_served_or_unknown() {
        let none = headers(&[]);
        let missing = br#"{"__type":"ResourceNotFoundException"}"#;
        assert_eq!(outcome_of(200, &none, None), Outcome::Served);
        assert_eq!(outcome_of(404, &none, None), Outcome::Served);
        assert_eq!(outcome_of(400, &none, Some(missing)), Outcome::Served);
        let internal = b"<Error><Code>InternalError</Code></Error>";
        assert_eq!(outcome_of(500, &none, Some(internal)), Outcome::Unknown);
    }
}
