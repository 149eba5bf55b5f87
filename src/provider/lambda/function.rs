//! `lambda_function`: read in one call (GetFunction: configuration and tags), create with retries while
//! a new role propagates, update code and configuration separately, each waiting for
//! `LastUpdateStatus` before the next (Terraform provider issues #29828, #5154), delete.

use crate::model::function::{Architecture, FunctionSpec, LogFormat};
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, Live, ResourceError, ResourceType, Result};
use crate::provider::package::{self, Package};
use crate::provider::WaitError;
use crate::provider::{aws_error, converge_tags, found, ignore_not_found, AwsError, ErrorClass};
use crate::retry::{retry_while, Backoff, Poll, Waiter};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types as lambda;
use aws_sdk_lambda::Client;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// What moto leaves out of a function's configuration (AWS always reports it).
const LOGGING: &str = "logging";

impl ResourceType for FunctionSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];

    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        Ok(read(&clients.lambda, name).await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let package = planned_package(spec)?;
        create(&clients.lambda, spec, &package).await?;
        reread(clients, &spec.name).await
    }

    /// `live` is what the executor read just now: no second read.
    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        let package = planned_package(desired)?;
        update(&clients.lambda, desired, live, &package).await?;
        reread(clients, &desired.name).await
    }

    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<()> {
        Ok(delete(&clients.lambda, name).await?)
    }

    /// `source` is dtr's own (where the code comes from); where the endpoint does not report logging
    /// settings, they cannot be compared and are taken as asked.
    fn normalize(have: &mut Self, want: &Self, unreported: &[&'static str]) {
        have.source = want.source.clone();
        if unreported.contains(&LOGGING) {
            have.log_group = want.log_group.clone();
            have.log_format = want.log_format;
        }
    }
}

/// The function's package, built again from its source for the upload, only if it is the one the
/// plan showed: source edited between the plan (or its confirmation) and the upload is refused,
/// never deployed unplanned.
fn planned_package(spec: &FunctionSpec) -> Result<Package> {
    let package = package::build(std::path::Path::new(&spec.source))?;
    match &spec.code_sha256 {
        Some(planned) if *planned != package.sha256 => Err(ResourceError::Refused(format!(
            "the source of function {} ({}) changed since the plan (planned code {planned}, now {}); nothing was uploaded. Plan again",
            spec.name, spec.source, package.sha256
        ))),
        _ => Ok(package),
    }
}

fn what(name: &str) -> String {
    format!("function {name}")
}

/// How long a new role may take to become assumable by Lambda (IAM is eventually consistent).
const ROLE_PROPAGATION: Duration = Duration::from_secs(120);

/// A create or update may run into IAM propagation or an update still in progress: both pass with time.
fn is_eventually_consistent(e: &AwsError) -> bool {
    let message = e.message.to_lowercase();
    (e.code.as_deref() == Some("InvalidParameterValueException")
        && message.contains("cannot be assumed"))
        || e.code.as_deref() == Some("ResourceConflictException")
        || e.class == ErrorClass::Throttled
}

/// For a create, ResourceConflictException means the function exists (a retry of a create whose
/// answer was lost): not something time fixes, so it goes to the executor, which looks for it.
fn is_role_propagation(e: &AwsError) -> bool {
    e.code.as_deref() != Some("ResourceConflictException") && is_eventually_consistent(e)
}

async fn retrying<T, F, Fut>(call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    retry_while(
        is_eventually_consistent,
        Backoff::DEFAULT,
        ROLE_PROPAGATION,
        call,
    )
    .await
}

async fn read(client: &Client, name: &str) -> Result<Option<Live<FunctionSpec>>, AwsError> {
    let r = client.get_function().function_name(name).send().await;
    let Some(out) = found(r.map_err(|e| aws_error("GetFunction", what(name), e)))? else {
        return Ok(None);
    };
    let Some(c) = out.configuration else {
        return Ok(None);
    };
    let logging = c.logging_config.as_ref();
    let spec = FunctionSpec {
        name: c.function_name.clone().unwrap_or_else(|| name.to_string()),
        runtime: c
            .runtime
            .as_ref()
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        handler: c.handler.clone().unwrap_or_default(),
        source: String::new(),
        role_arn: c.role.clone().unwrap_or_default(),
        memory_mb: c.memory_size.unwrap_or(128),
        timeout_seconds: c.timeout.unwrap_or(3),
        environment: c
            .environment
            .as_ref()
            .and_then(|e| e.variables.clone())
            .unwrap_or_default()
            .into_iter()
            .collect(),
        log_group: logging.and_then(|l| l.log_group.clone()),
        log_format: match logging.and_then(|l| l.log_format.as_ref()) {
            Some(lambda::LogFormat::Text) => LogFormat::Text,
            _ => LogFormat::Json,
        },
        architecture: match c.architectures().first() {
            Some(lambda::Architecture::Arm64) => Architecture::Arm64,
            _ => Architecture::X86_64,
        },
        description: c.description.clone().filter(|d| !d.is_empty()),
        tags: out.tags.unwrap_or_default().into_iter().collect(),
        code_sha256: c.code_sha256.clone(),
    };
    let mut live = Live::named(name, spec, c.function_arn.clone().unwrap_or_default());
    if logging.is_none() {
        live.unreported.push(LOGGING);
    }
    Ok(Some(live))
}

fn logging(spec: &FunctionSpec) -> lambda::LoggingConfig {
    lambda::LoggingConfig::builder()
        .log_format(lambda::LogFormat::from(spec.log_format.as_str()))
        .set_log_group(spec.log_group.clone())
        .build()
}

fn environment(spec: &FunctionSpec) -> lambda::Environment {
    lambda::Environment::builder()
        .set_variables(Some(spec.environment.clone().into_iter().collect()))
        .build()
}

async fn create(client: &Client, spec: &FunctionSpec, package: &Package) -> Result<()> {
    let name = &spec.name;
    retry_while(
        is_role_propagation,
        Backoff::DEFAULT,
        ROLE_PROPAGATION,
        || async {
            client
                .create_function()
                .function_name(name)
                .runtime(lambda::Runtime::from(spec.runtime.as_str()))
                .role(&spec.role_arn)
                .handler(&spec.handler)
                .code(
                    lambda::FunctionCode::builder()
                        .zip_file(Blob::new(package.bytes.clone()))
                        .build(),
                )
                .set_description(spec.description.clone())
                .timeout(spec.timeout_seconds)
                .memory_size(spec.memory_mb)
                .environment(environment(spec))
                .architectures(lambda::Architecture::from(spec.architecture.as_str()))
                .logging_config(logging(spec))
                .set_tags(Some(
                    spec.tags.clone().into_iter().collect::<HashMap<_, _>>(),
                ))
                .publish(false)
                .send()
                .await
                .map_err(|e| aws_error("CreateFunction", what(name), e))
        },
    )
    .await?;
    wait_ready(client, name).await?;
    Ok(())
}

/// Wait until the function is Active and its last update finished.
async fn wait_ready(client: &Client, name: &str) -> Result<(), WaitError> {
    Waiter::TABLE
        .wait(&format!("function {name} to be ready"), || async {
            let c = client
                .get_function_configuration()
                .function_name(name)
                .send()
                .await
                .map_err(|e| aws_error("GetFunctionConfiguration", what(name), e))?;
            let active = c.state.as_ref().is_none_or(|s| *s == lambda::State::Active);
            let updated = c
                .last_update_status
                .as_ref()
                .is_none_or(|s| *s != lambda::LastUpdateStatus::InProgress);
            Ok(if active && updated {
                Poll::Ready(())
            } else {
                Poll::Pending(format!(
                    "state {:?}, last update {:?}",
                    c.state, c.last_update_status
                ))
            })
        })
        .await
}

/// What `UpdateFunctionConfiguration` sets: the spec less what other calls change (the code and its
/// architecture, the tags) and what identifies it. Compared whole, so a setting added to the spec is
/// compared without a hand-kept list.
fn configuration(spec: &FunctionSpec) -> FunctionSpec {
    FunctionSpec {
        source: String::new(),
        code_sha256: None,
        architecture: Default::default(),
        tags: BTreeMap::new(),
        ..spec.clone()
    }
}

async fn update(
    client: &Client,
    desired: &FunctionSpec,
    current: &Live<FunctionSpec>,
    package: &Package,
) -> Result<()> {
    let name = &desired.name;
    let now = &current.spec;
    if now.code_sha256.as_deref() != Some(package.sha256.as_str())
        || desired.architecture != now.architecture
    {
        retrying(|| async {
            client
                .update_function_code()
                .function_name(name)
                .zip_file(Blob::new(package.bytes.clone()))
                .architectures(lambda::Architecture::from(desired.architecture.as_str()))
                .send()
                .await
                .map_err(|e| aws_error("UpdateFunctionCode", what(name), e))
        })
        .await?;
        wait_ready(client, name).await?;
    }
    let mut seen = now.clone();
    if current.unreported.contains(&LOGGING) {
        // Not reported, so not comparable: taken as configured (as the plan did).
        seen.log_group = desired.log_group.clone();
        seen.log_format = desired.log_format;
    }
    if configuration(desired) != configuration(&seen) {
        retrying(|| async {
            client
                .update_function_configuration()
                .function_name(name)
                .runtime(lambda::Runtime::from(desired.runtime.as_str()))
                .handler(&desired.handler)
                .role(&desired.role_arn)
                .memory_size(desired.memory_mb)
                .timeout(desired.timeout_seconds)
                .environment(environment(desired))
                .description(desired.description.clone().unwrap_or_default())
                .logging_config(logging(desired))
                .send()
                .await
                .map_err(|e| aws_error("UpdateFunctionConfiguration", what(name), e))
        })
        .await?;
        wait_ready(client, name).await?;
    }
    converge_tags(
        &desired.tags,
        &now.tags,
        async |removed| {
            let r = client
                .untag_resource()
                .resource(current.arn())
                .set_tag_keys(Some(removed))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("UntagResource", what(name), e))
        },
        async |set| {
            let r = client
                .tag_resource()
                .resource(current.arn())
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("TagResource", what(name), e))
        },
    )
    .await?;
    Ok(())
}

async fn delete(client: &Client, name: &str) -> Result<(), AwsError> {
    let r = client.delete_function().function_name(name).send().await;
    ignore_not_found(r.map_err(|e| aws_error("DeleteFunction", what(name), e)))
}
