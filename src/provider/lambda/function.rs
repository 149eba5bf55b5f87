//! `lambda_function`: read in two calls made together (`read`: GetFunction for the configuration, tags
//! and reserved concurrency, GetFunctionEventInvokeConfig for the asynchronous-invocation settings),
//! create with retries while a new role propagates, update code and configuration separately, each
//! waiting for `LastUpdateStatus` before the next (Terraform provider issues #29828, #5154), then the
//! concurrency and invocation settings through their own APIs (`invocation`), delete. The waits are
//! the SDK's own (`FunctionActiveV2`, `FunctionUpdatedV2`), whose last poll is a GetFunction: it is
//! the read-back, so a create or an update reads the function once.

use crate::model::function::{FunctionSpec, TracingMode};
use crate::provider::aws::Clients;
use crate::provider::kind::{
    reread, tf_attr, Live, ResourceError, ResourceType, Result, Terraform,
};
use crate::provider::package::{self, Package};
use crate::provider::{aws_error, converge_tags, ignore_not_found, retry_aws, waiter_error};
use crate::provider::{AwsError, ErrorClass};
use crate::retry::{Retry, FUNCTION_READY};
use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types as lambda;
use aws_sdk_lambda::Client;
use std::collections::{BTreeMap, HashMap};

/// What moto leaves out of a function's configuration (AWS always reports it).
const LOGGING: &str = "logging";

impl ResourceType for FunctionSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_lambda_function",
        physical_id: |a| tf_attr(a, "function_name"),
        folded: &[],
    });

    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        Ok(read(&clients.lambda, name).await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let package = planned_package(spec)?;
        create(&clients.lambda, spec, &package).await
    }

    /// `live` is what the executor read just now: no second read.
    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        let package = planned_package(desired)?;
        match update(&clients.lambda, desired, live, &package).await? {
            Some(waited) => Ok(waited),
            // Only tags changed: no wait read the function back.
            None => reread(clients, &desired.name).await,
        }
    }

    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<()> {
        Ok(delete(&clients.lambda, name).await?)
    }

    /// `source` is dtr's own (where the code comes from); where the endpoint does not report logging
    /// settings, they cannot be compared and are taken as asked.
    /// AWS's defaults (PassThrough tracing, two retries) are no setting.
    fn canonical(mut self) -> Self {
        self.tracing_mode = self.tracing_mode.filter(|m| *m != TracingMode::PassThrough);
        let event = invocation::EventConfig::of(&self);
        event.set_on(&mut self);
        self
    }

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

/// A create may run into a role IAM has not propagated yet; AWS may also ask to slow down.
fn is_role_propagation(e: &AwsError) -> bool {
    e.is_role_propagation() || e.class == ErrorClass::Throttled
}

/// An update may also run into one still in progress. On a create that same answer means the
/// function exists (a retry of a create whose answer was lost): not something time fixes, so it goes
/// to the executor, which looks for it.
fn is_eventually_consistent(e: &AwsError) -> bool {
    is_role_propagation(e) || e.is_busy()
}

async fn retrying<T, F, Fut>(call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    retry_aws(&Retry::ROLE_PROPAGATION, is_eventually_consistent, call).await
}

fn logging(spec: &FunctionSpec) -> lambda::LoggingConfig {
    lambda::LoggingConfig::builder()
        .log_format(lambda::LogFormat::from(spec.log_format.as_str()))
        .set_log_group(spec.log_group.clone())
        .build()
}

fn tracing(spec: &FunctionSpec) -> lambda::TracingConfig {
    let mode = spec.tracing_mode.unwrap_or_default();
    lambda::TracingConfig::builder()
        .mode(lambda::TracingMode::from(mode.as_str()))
        .build()
}

fn environment(spec: &FunctionSpec) -> lambda::Environment {
    lambda::Environment::builder()
        .set_variables(Some(spec.environment.clone().into_iter().collect()))
        .build()
}

async fn create(
    client: &Client,
    spec: &FunctionSpec,
    package: &Package,
) -> Result<Live<FunctionSpec>> {
    let name = &spec.name;
    retry_aws(&Retry::ROLE_PROPAGATION, is_role_propagation, || async {
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
            .tracing_config(tracing(spec))
            .set_tags(Some(
                spec.tags.clone().into_iter().collect::<HashMap<_, _>>(),
            ))
            .publish(false)
            .send()
            .await
            .map_err(|e| aws_error("CreateFunction", what(name), e))
    })
    .await?;
    let ready = client
        .wait_until_function_active_v2()
        .function_name(name)
        .wait(FUNCTION_READY)
        .await;
    let mut live = waited(name, "to be active", ready)?;
    invocation::converge(client, name, spec, &mut live.spec).await?;
    Ok(live)
}

/// What a waiter's last poll (a GetFunction) says the function is now.
fn waited<E>(
    name: &str,
    state: &str,
    result: std::result::Result<
        aws_smithy_runtime_api::client::waiters::FinalPoll<GetFunctionOutput, E>,
        aws_smithy_runtime_api::client::waiters::error::WaiterError<
            GetFunctionOutput,
            aws_sdk_lambda::operation::get_function::GetFunctionError,
        >,
    >,
) -> Result<Live<FunctionSpec>> {
    let describe = |out: &GetFunctionOutput| {
        let c = out.configuration.as_ref();
        format!(
            "state {:?} ({:?}), last update {:?} ({:?})",
            c.and_then(|c| c.state.as_ref()),
            c.and_then(|c| c.state_reason.as_deref()),
            c.and_then(|c| c.last_update_status.as_ref()),
            c.and_then(|c| c.last_update_status_reason.as_deref()),
        )
    };
    let out = result
        .map_err(|e| {
            let waiting_for = format!("function {name} {state}");
            waiter_error("GetFunction", what(name), &waiting_for, describe, e)
        })?
        .into_result()
        .ok();
    out.and_then(|out| live(name, out)).ok_or_else(|| {
        ResourceError::Refused(format!(
            "function {name} is not there right after it was written"
        ))
    })
}

/// What `UpdateFunctionConfiguration` sets: the spec less what other calls change (the code and its
/// architecture, the tags, the concurrency and invocation settings) and what identifies it, in its
/// canonical form. Compared whole, so a setting added to the spec is compared without a hand-kept list.
fn configuration(spec: &FunctionSpec) -> FunctionSpec {
    FunctionSpec {
        source: String::new(),
        code_sha256: None,
        architecture: Default::default(),
        tags: BTreeMap::new(),
        reserved_concurrency: None,
        on_failure_destination: None,
        maximum_retry_attempts: None,
        ..spec.clone()
    }
    .canonical()
}

/// Tags first (they need no wait), then the code, then the configuration, each waited for before the
/// next. The function as the last wait saw it, `None` when nothing needed a wait.
async fn update(
    client: &Client,
    desired: &FunctionSpec,
    current: &Live<FunctionSpec>,
    package: &Package,
) -> Result<Option<Live<FunctionSpec>>> {
    let name = &desired.name;
    let now = &current.spec;
    update_tags(client, name, current.arn(), &desired.tags, &now.tags).await?;
    let mut last = None;
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
        last = Some(wait_updated(client, name).await?);
    }
    // What the endpoint did not report is taken as configured, as the plan did.
    let mut seen = now.clone();
    FunctionSpec::normalize(&mut seen, desired, &current.unreported);
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
                .tracing_config(tracing(desired))
                .send()
                .await
                .map_err(|e| aws_error("UpdateFunctionConfiguration", what(name), e))
        })
        .await?;
        last = Some(wait_updated(client, name).await?);
    }
    // Last, so the function is not mid-update; what AWS answered goes into what is returned.
    let mut invoked = now.clone();
    invocation::converge(client, name, desired, &mut invoked).await?;
    Ok(last.map(|mut live| {
        live.spec.reserved_concurrency = invoked.reserved_concurrency;
        live.spec.on_failure_destination = invoked.on_failure_destination;
        live.spec.maximum_retry_attempts = invoked.maximum_retry_attempts;
        live
    }))
}

async fn wait_updated(client: &Client, name: &str) -> Result<Live<FunctionSpec>> {
    let ready = client
        .wait_until_function_updated_v2()
        .function_name(name)
        .wait(FUNCTION_READY)
        .await;
    waited(name, "to finish its update", ready)
}

async fn update_tags(
    client: &Client,
    name: &str,
    arn: &str,
    want: &BTreeMap<String, String>,
    have: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    converge_tags(
        want,
        have,
        async |removed| {
            let r = client
                .untag_resource()
                .resource(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("UntagResource", what(name), e))
        },
        async |set| {
            let r = client
                .tag_resource()
                .resource(arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("TagResource", what(name), e))
        },
    )
    .await
}

async fn delete(client: &Client, name: &str) -> Result<(), AwsError> {
    let r = client.delete_function().function_name(name).send().await;
    ignore_not_found(r.map_err(|e| aws_error("DeleteFunction", what(name), e)))
}

mod invocation;
mod read;

use read::{live, read};

#[cfg(test)]
mod tests;
