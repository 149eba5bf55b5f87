//! The AWS client set: standard credential chain, endpoint override, and a CA bundle dtr reads itself.

use aws_config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use std::path::PathBuf;

/// One service's client from `(config, calls, limits, http)`: every call counted (`--stats`) and held
/// to the service's limit ([`super::limiter`]).
macro_rules! client {
    ($parts:expr, $sdk:ident, $service:literal) => {{
        let (config, calls, limits, http) = $parts;
        let (http, feedback) = limits.client(http, $service);
        $sdk::Client::from_conf(
            $sdk::config::Builder::from(config)
                .http_client(http)
                .interceptor(calls.clone())
                .interceptor(feedback)
                .build(),
        )
    }};
}

/// Connection settings from the command line and the environment.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// `--endpoint-url`; `AWS_ENDPOINT_URL` is read by aws-config itself.
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    /// `--ca-bundle` or `AWS_CA_BUNDLE`: extra trusted CAs (PEM), as the AWS CLI does.
    pub ca_bundle: Option<PathBuf>,
    /// Counts every call the clients make (`--stats`).
    pub calls: super::stats::CallCounter,
    /// How many calls each service gets, at once or a second (see [`super::limiter`]).
    pub limits: super::limiter::Limits,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot read the CA bundle {path}: {source}")]
    CaBundleRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the CA bundle {path} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)"
    )]
    CaBundleEmpty { path: PathBuf },
    #[error("cannot build the TLS configuration: {0}")]
    Tls(String),
}

/// One client per service dtr talks to, all sharing one configuration.
#[derive(Debug, Clone)]
pub struct Clients {
    pub apigateway: aws_sdk_apigatewayv2::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub s3: aws_sdk_s3::Client,
    pub scheduler: aws_sdk_scheduler::Client,
    pub sns: aws_sdk_sns::Client,
    pub sts: aws_sdk_sts::Client,
    /// The Resource Groups Tagging API, for [`super::tag_index`].
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    /// Where reads take tags from before asking each resource (see [`Clients::with_tag_index`]).
    pub tag_index: Option<std::sync::Arc<super::tag_index::TagIndex>>,
    pub region: String,
    /// The backend's clients: the state bucket and the lock table live in the backend's region
    /// (`backend.region`, the environment's by default), whatever region resources go to. The S3
    /// one names the account that must own the bucket on every call once [`Clients::with_backend`]
    /// has set it up.
    pub backend_s3: aws_sdk_s3::Client,
    pub backend_dynamodb: aws_sdk_dynamodb::Client,
    pub backend_region: String,
    /// The caller's account, asked of STS once.
    account: std::sync::Arc<tokio::sync::OnceCell<String>>,
    /// Every call these clients make, counted (`--stats`).
    pub calls: super::stats::CallCounter,
}

impl Clients {
    /// Load the standard AWS configuration for `region` (the environment's: `commands` refuses a
    /// `--region` that contradicts it). Until [`Clients::with_backend`], the backend clients are the
    /// resource clients.
    pub async fn connect(options: &AwsOptions, region: &str) -> Result<Self, ConnectError> {
        let (config, http) = sdk_config(options, region).await?;
        let calls = options.calls.clone();
        let limits = &options.limits;
        let parts = (&config, &calls, limits, &http);
        let s3 = aws_sdk_s3::Client::from_conf(s3_config(&config, &calls, limits, &http).build());
        let dynamodb = client!(parts, aws_sdk_dynamodb, "dynamodb");
        Ok(Clients {
            apigateway: client!(parts, aws_sdk_apigatewayv2, "apigateway"),
            cloudwatch: client!(parts, aws_sdk_cloudwatch, "cloudwatch"),
            dynamodb: dynamodb.clone(),
            iam: client!(parts, aws_sdk_iam, "iam"),
            lambda: client!(parts, aws_sdk_lambda, "lambda"),
            logs: client!(parts, aws_sdk_cloudwatchlogs, "logs"),
            s3: s3.clone(),
            scheduler: client!(parts, aws_sdk_scheduler, "scheduler"),
            sns: client!(parts, aws_sdk_sns, "sns"),
            sts: client!(parts, aws_sdk_sts, "sts"),
            tagging: client!(parts, aws_sdk_resourcegroupstagging, "tagging"),
            tag_index: None,
            region: region.to_string(),
            backend_s3: s3,
            backend_dynamodb: dynamodb,
            backend_region: region.to_string(),
            account: Default::default(),
            calls,
        })
    }

    /// Point the backend clients at `region` and make every S3 call on the state bucket name
    /// `owner` as the account that must own it (S3's `ExpectedBucketOwner`: a bucket of another
    /// account answers 403 instead of being read or written).
    pub async fn with_backend(
        mut self,
        options: &AwsOptions,
        region: &str,
        owner: &str,
    ) -> Result<Self, ConnectError> {
        let (config, http) = sdk_config(options, region).await?;
        let limits = &options.limits;
        self.backend_s3 = aws_sdk_s3::Client::from_conf(
            s3_config(&config, &self.calls, limits, &http)
                .interceptor(super::owner::ExpectedBucketOwner::new(owner))
                .build(),
        );
        let parts = (&config, &self.calls, limits, &http);
        self.backend_dynamodb = client!(parts, aws_sdk_dynamodb, "dynamodb");
        self.backend_region = region.to_string();
        Ok(self)
    }

    /// These clients, with reads taking tags from `index` where it holds them (provisionally: see
    /// [`super::tag_index`]). Only a plan's reads of what the state owns get it; writes, their
    /// read-backs and every ownership decision read each resource's own tags.
    pub fn with_tag_index(&self, index: std::sync::Arc<super::tag_index::TagIndex>) -> Self {
        Clients {
            tag_index: Some(index),
            ..self.clone()
        }
    }

    /// The tags of the resource `arn`: from the tag index attached to these clients when it holds
    /// them (then `"tags"` joins `provisional`), else from `native`, the resource's own tag call.
    pub async fn tags_of<F>(
        &self,
        arn: &str,
        provisional: &mut Vec<&'static str>,
        native: F,
    ) -> Result<super::tag_index::Tags, super::AwsError>
    where
        F: std::future::Future<Output = Result<super::tag_index::Tags, super::AwsError>>,
    {
        let index = self.tag_index.as_deref();
        super::tag_index::tags_of(index, &self.tagging, arn, provisional, native).await
    }

    /// The account the credentials belong to.
    pub async fn account_id(&self) -> Result<String, super::AwsError> {
        self.account
            .get_or_try_init(|| async {
                let identity = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| super::aws_error("GetCallerIdentity", "sts", e))?;
                Ok(identity.account().unwrap_or_default().to_string())
            })
            .await
            .cloned()
    }
}

/// The standard configuration chain for `region`, with dtr's retry policy, profile, endpoint and CA,
/// and the HTTP client every service's client wraps.
async fn sdk_config(
    options: &AwsOptions,
    region: &str,
) -> Result<(aws_config::SdkConfig, SharedHttpClient), ConnectError> {
    // Throttling, 5xx and connection errors: the SDK's standard retry (exponential backoff with full
    // jitter), given more attempts than its default 3 for long applies against busy accounts.
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(8)
        .with_max_backoff(std::time::Duration::from_secs(20));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(retry);
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let ca_bundle = options
        .ca_bundle
        .clone()
        .or_else(|| std::env::var_os("AWS_CA_BUNDLE").map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty());
    let http = https_client(ca_bundle.as_deref())?;
    loader = loader.http_client(http.clone());
    Ok((loader.load().await, http))
}

fn s3_config(
    config: &aws_config::SdkConfig,
    calls: &super::stats::CallCounter,
    limits: &super::limiter::Limits,
    http: &SharedHttpClient,
) -> aws_sdk_s3::config::Builder {
    let (http, feedback) = limits.client(http, "s3");
    // A custom endpoint (moto, MinIO, a VPC endpoint by IP) cannot serve virtual-hosted buckets.
    let path_style =
        config.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .http_client(http)
        .interceptor(calls.clone())
        .interceptor(feedback)
}

/// The SDK's default HTTPS client (rustls, the platform's roots, proxies from the environment), also
/// trusting every certificate in the PEM file at `ca_bundle` when one is given.
fn https_client(ca_bundle: Option<&std::path::Path>) -> Result<SharedHttpClient, ConnectError> {
    let mut trust = TrustStore::default().with_native_roots(true);
    if let Some(path) = ca_bundle {
        let pem = std::fs::read(path).map_err(|source| ConnectError::CaBundleRead {
            path: path.to_path_buf(),
            source,
        })?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(ConnectError::CaBundleEmpty {
                path: path.to_path_buf(),
            });
        }
        trust = trust.with_pem_certificate(pem);
    }
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| ConnectError::Tls(e.to_string()))?;
    // HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured, as by the SDK's default client: a custom CA
    // bundle and a proxy come together behind corporate TLS inspection.
    Ok(
        aws_smithy_http_client::Builder::new().build_with_connector_fn(
            move |settings, components| {
                let mut builder = aws_smithy_http_client::Connector::builder();
                builder.set_connector_settings(settings.cloned());
                if let Some(components) = components {
                    builder.set_sleep_impl(components.sleep_impl());
                }
                builder
                    .proxy_config(aws_smithy_http_client::proxy::ProxyConfig::from_env())
                    .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                    .tls_context(context.clone())
                    .build()
            },
        ),
    )
}
