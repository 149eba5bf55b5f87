//! Resource kinds → their provider: one place that dispatches on [`ResourceKind`], so the planner and
//! the executor work with any kind through the same small surface (read, compare, create, update, delete).

use super::aws::Clients;
use super::dynamodb::{self, ObservedTable, TableError};
use super::WaitError;
use super::{
    apigateway, cloudwatch, iam, lambda, lambda_permission, logs, package, s3_bucket, AwsError,
};
use crate::model::api::{
    ApiAuthorizerSpec, ApiIntegrationSpec, ApiRouteSpec, ApiStageSpec, HttpApiSpec,
};
use crate::model::bucket::BucketSpec;
use crate::model::function::FunctionSpec;
use crate::model::log_group::LogGroupSpec;
use crate::model::monitoring::{AlarmSpec, DashboardSpec, PermissionSpec};
use crate::model::role::RoleSpec;
use crate::model::table::TableSpec;
use crate::model::ResourceKind;
use serde_json::Value;
use std::collections::BTreeMap;

/// A live resource in the shape of its kind's spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub physical_id: String,
    /// The spec as read back, serialised like the desired properties.
    pub properties: Value,
    /// What references to it read (`name`, `arn`, …).
    pub outputs: BTreeMap<String, String>,
    /// Properties the endpoint did not report (moto omits a function's `LoggingConfig`): they cannot
    /// be compared, so the configured value is taken for them.
    pub unreported: Vec<&'static str>,
}

impl Observed {
    pub fn tags(&self) -> BTreeMap<String, String> {
        self.properties
            .get("tags")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_default()
    }
}

/// Desired and observed put side by side, normalised so that equal means equal.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    pub desired: Value,
    pub observed: Option<Value>,
    /// Attributes (top-level keys) whose change forces a replacement.
    pub replace_reasons: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Wait(#[from] WaitError),
    #[error("{0}")]
    Refused(String),
    #[error("invalid properties: {0}")]
    Invalid(String),
    #[error(transparent)]
    Package(#[from] package::PackageError),
}

impl From<TableError> for ResourceError {
    fn from(e: TableError) -> Self {
        match e {
            TableError::Aws(e) => ResourceError::Aws(e),
            TableError::Wait(e) => ResourceError::Wait(e),
            TableError::Refused(name, why) => {
                ResourceError::Refused(format!("table {name}: {why}"))
            }
        }
    }
}

impl ResourceError {
    /// The AWS error behind this failure, for codes and request ids in summaries.
    pub fn aws(&self) -> Option<&AwsError> {
        match self {
            ResourceError::Aws(e) | ResourceError::Wait(WaitError::Failed(e)) => Some(e),
            _ => None,
        }
    }
}

fn typed<T: serde::de::DeserializeOwned>(props: &Value) -> Result<T, ResourceError> {
    serde_json::from_value(props.clone()).map_err(|e| ResourceError::Invalid(e.to_string()))
}

fn to_value<T: serde::Serialize>(spec: &T) -> Value {
    serde_json::to_value(spec).unwrap_or(Value::Null)
}

fn role_observed(r: iam::ObservedRole) -> Observed {
    Observed {
        physical_id: r.spec.name.clone(),
        outputs: r.outputs(),
        properties: to_value(&r.spec),
        unreported: Vec::new(),
    }
}

fn log_group_observed(g: logs::ObservedLogGroup) -> Observed {
    Observed {
        physical_id: g.spec.name.clone(),
        outputs: g.outputs(),
        properties: to_value(&g.spec),
        unreported: Vec::new(),
    }
}

fn function_observed(f: lambda::ObservedFunction) -> Observed {
    Observed {
        physical_id: f.spec.name.clone(),
        outputs: f.outputs(),
        properties: to_value(&f.spec),
        unreported: match f.reports_logging {
            true => Vec::new(),
            false => vec!["logging"],
        },
    }
}

impl From<lambda::FunctionError> for ResourceError {
    fn from(e: lambda::FunctionError) -> Self {
        match e {
            lambda::FunctionError::Aws(e) => ResourceError::Aws(e),
            lambda::FunctionError::Wait(e) => ResourceError::Wait(e),
        }
    }
}

fn bucket_observed(spec: BucketSpec) -> Observed {
    Observed {
        physical_id: spec.name.clone(),
        outputs: s3_bucket::outputs(&spec.name),
        properties: to_value(&spec),
        unreported: Vec::new(),
    }
}

fn table_observed(t: ObservedTable) -> Observed {
    Observed {
        physical_id: t.spec.name.clone(),
        properties: to_value(&t.spec),
        outputs: t.outputs(),
        unreported: Vec::new(),
    }
}

/// The id a resource with these properties would have, when the properties decide it (its name).
pub fn physical_id(kind: ResourceKind, props: &Value) -> Option<String> {
    match kind {
        ResourceKind::DynamodbTable
        | ResourceKind::S3Bucket
        | ResourceKind::IamRole
        | ResourceKind::LogGroup
        | ResourceKind::LambdaFunction
        | ResourceKind::MetricAlarm
        | ResourceKind::Dashboard => known_str(props, "name"),
        // Ids AWS chooses: known once created (found again by tags for the API, see `discover`).
        ResourceKind::HttpApi
        | ResourceKind::ApiAuthorizer
        | ResourceKind::ApiIntegration
        | ResourceKind::ApiRoute => None,
        ResourceKind::ApiStage => Some(format!(
            "{}/{}",
            known_str(props, "api_id")?,
            known_str(props, "name")?
        )),
        ResourceKind::LambdaPermission => Some(lambda_permission::physical_id(
            &known_str(props, "function_name")?,
            &known_str(props, "statement_id")?,
        )),
    }
}

/// Find a resource whose id AWS chose and the state does not hold (an apply interrupted between
/// creating and recording it): the API by the `dtr:*` tags it was created with, its children (which
/// take no tags) by their key within it. `props` has the references known so far resolved.
pub async fn discover(
    clients: &Clients,
    kind: ResourceKind,
    props: &Value,
) -> Result<Option<Observed>, ResourceError> {
    match kind {
        ResourceKind::HttpApi => {
            let tags: BTreeMap<String, String> = props
                .get("tags")
                .and_then(|t| serde_json::from_value::<BTreeMap<String, String>>(t.clone()).ok())
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k.starts_with("dtr:"))
                .collect();
            match apigateway::find_api_by_tags(&clients.apigateway, &tags).await? {
                Some(id) => read(clients, kind, &id).await,
                None => Ok(None),
            }
        }
        ResourceKind::ApiRoute | ResourceKind::ApiAuthorizer | ResourceKind::ApiIntegration => {
            // Until its API is known (found live), there is nothing to look under.
            let Some(api_id) = known_str(props, "api_id") else {
                return Ok(None);
            };
            let (route_key, name, function_arn) = (
                known_str(props, "route_key"),
                known_str(props, "name"),
                known_str(props, "function_arn"),
            );
            let key = match (kind, &route_key, &name, &function_arn) {
                (ResourceKind::ApiRoute, Some(route_key), _, _) => {
                    apigateway::ChildKey::Route { route_key }
                }
                (ResourceKind::ApiAuthorizer, _, Some(name), _) => {
                    apigateway::ChildKey::Authorizer { name }
                }
                (ResourceKind::ApiIntegration, _, _, Some(function_arn)) => {
                    apigateway::ChildKey::Integration { function_arn }
                }
                _ => return Ok(None),
            };
            match apigateway::find_child(&clients.apigateway, &api_id, &key).await? {
                Some(id) => read(clients, kind, &id).await,
                None => Ok(None),
            }
        }
        _ => Ok(None),
    }
}

/// A child of an API: its physical id is `<api>/<child>`; references read the child part.
fn child_observed<S: serde::Serialize>(physical_id: &str, spec: &S, output: &str) -> Observed {
    let child = physical_id
        .split_once('/')
        .map(|(_, c)| c)
        .unwrap_or(physical_id);
    Observed {
        physical_id: physical_id.to_string(),
        outputs: BTreeMap::from([(output.to_string(), child.to_string())]),
        properties: to_value(spec),
        unreported: Vec::new(),
    }
}

fn child_part(physical_id: &str) -> &str {
    physical_id
        .split_once('/')
        .map(|(_, c)| c)
        .unwrap_or(physical_id)
}

/// A string property whose value is known now (no unresolved reference).
fn known_str(props: &Value, key: &str) -> Option<String> {
    props
        .get(key)
        .and_then(Value::as_str)
        .filter(|n| !crate::model::reference::has_resource_reference(n))
        .map(str::to_string)
}

pub async fn read(
    clients: &Clients,
    kind: ResourceKind,
    physical_id: &str,
) -> Result<Option<Observed>, ResourceError> {
    Ok(match kind {
        ResourceKind::DynamodbTable => dynamodb::read(&clients.dynamodb, physical_id)
            .await?
            .map(table_observed),
        ResourceKind::S3Bucket => s3_bucket::read(&clients.s3, physical_id)
            .await?
            .map(bucket_observed),
        ResourceKind::IamRole => iam::read(&clients.iam, physical_id)
            .await?
            .map(role_observed),
        ResourceKind::LogGroup => logs::read(&clients.logs, physical_id)
            .await?
            .map(log_group_observed),
        ResourceKind::LambdaFunction => lambda::read(&clients.lambda, physical_id)
            .await?
            .map(function_observed),
        ResourceKind::LambdaPermission => lambda_permission::read(&clients.lambda, physical_id)
            .await?
            .map(|spec| Observed {
                physical_id: physical_id.to_string(),
                outputs: BTreeMap::from([("id".to_string(), physical_id.to_string())]),
                properties: to_value(&spec),
                unreported: Vec::new(),
            }),
        ResourceKind::MetricAlarm => cloudwatch::read_alarm(&clients.cloudwatch, physical_id)
            .await?
            .map(|(spec, arn)| Observed {
                physical_id: spec.name.clone(),
                outputs: BTreeMap::from([
                    ("name".to_string(), spec.name.clone()),
                    ("arn".to_string(), arn),
                ]),
                properties: to_value(&spec),
                unreported: Vec::new(),
            }),
        ResourceKind::Dashboard => cloudwatch::read_dashboard(&clients.cloudwatch, physical_id)
            .await?
            .map(|spec| Observed {
                physical_id: spec.name.clone(),
                outputs: BTreeMap::from([("name".to_string(), spec.name.clone())]),
                properties: to_value(&spec),
                unreported: Vec::new(),
            }),
        ResourceKind::HttpApi => {
            let account = clients.account_id().await?;
            apigateway::read_api(&clients.apigateway, physical_id, &clients.region, &account)
                .await?
                .map(|(spec, outputs)| Observed {
                    physical_id: physical_id.to_string(),
                    outputs,
                    properties: to_value(&spec),
                    unreported: Vec::new(),
                })
        }
        ResourceKind::ApiAuthorizer => {
            apigateway::read_authorizer(&clients.apigateway, physical_id)
                .await?
                .map(|s| child_observed(physical_id, &s, "id"))
        }
        ResourceKind::ApiIntegration => {
            apigateway::read_integration(&clients.apigateway, physical_id)
                .await?
                .map(|s| child_observed(physical_id, &s, "id"))
        }
        ResourceKind::ApiRoute => apigateway::read_route(&clients.apigateway, physical_id)
            .await?
            .map(|s| child_observed(physical_id, &s, "id")),
        ResourceKind::ApiStage => apigateway::read_stage(&clients.apigateway, physical_id)
            .await?
            .map(|s| child_observed(physical_id, &s, "name")),
    })
}

/// How one kind puts desired and observed specs side by side.
struct Rules<S> {
    canonical: fn(&S) -> S,
    normalize_observed: fn(&mut S, &S),
    replacement_reasons: fn(&S, &S) -> Vec<String>,
}

fn compare_with<S>(
    rules: Rules<S>,
    desired: &Value,
    observed: Option<&Observed>,
) -> Result<Compared, ResourceError>
where
    S: serde::Serialize + serde::de::DeserializeOwned,
{
    let want = (rules.canonical)(&typed::<S>(desired)?);
    let Some(observed) = observed else {
        return Ok(Compared {
            desired: to_value(&want),
            observed: None,
            replace_reasons: Vec::new(),
        });
    };
    let mut have = (rules.canonical)(&typed::<S>(&observed.properties)?);
    (rules.normalize_observed)(&mut have, &want);
    Ok(Compared {
        replace_reasons: (rules.replacement_reasons)(&want, &have),
        desired: to_value(&want),
        observed: Some(to_value(&have)),
    })
}

/// A child moved to another API must be created there.
fn api_moved(want: &str, have: &str) -> Vec<String> {
    if want != have {
        vec!["api_id".to_string()]
    } else {
        Vec::new()
    }
}

/// Pure: why an in-place update from `observed` to `desired` (both as [`compare`] returns them) is one
/// AWS would refuse, if it is. Such a change is not planned: the message says how to make it.
pub fn update_refusal(kind: ResourceKind, desired: &Value, observed: &Value) -> Option<String> {
    match kind {
        ResourceKind::DynamodbTable => dynamodb::update_refusal(
            &typed::<TableSpec>(desired).ok()?,
            &typed::<TableSpec>(observed).ok()?,
        ),
        _ => None,
    }
}

/// Pure: canonicalise the desired properties, normalise the observed ones against them, and say which
/// differences force a replacement.
pub fn compare(
    kind: ResourceKind,
    desired: &Value,
    observed: Option<&Observed>,
) -> Result<Compared, ResourceError> {
    match kind {
        ResourceKind::DynamodbTable => compare_with(
            Rules {
                canonical: dynamodb::canonical,
                normalize_observed: dynamodb::normalize_observed,
                replacement_reasons: dynamodb::replacement_reasons,
            },
            desired,
            observed,
        ),
        ResourceKind::S3Bucket => compare_with(
            Rules {
                canonical: s3_bucket::canonical,
                normalize_observed: s3_bucket::normalize_observed,
                replacement_reasons: s3_bucket::replacement_reasons,
            },
            desired,
            observed,
        ),
        ResourceKind::IamRole => compare_with(
            Rules {
                canonical: iam::canonical,
                normalize_observed: |_: &mut RoleSpec, _: &RoleSpec| {},
                replacement_reasons: iam::replacement_reasons,
            },
            desired,
            observed,
        ),
        ResourceKind::LogGroup => compare_with(
            Rules {
                canonical: LogGroupSpec::clone,
                normalize_observed: |_: &mut LogGroupSpec, _: &LogGroupSpec| {},
                replacement_reasons: logs::replacement_reasons,
            },
            desired,
            observed,
        ),
        ResourceKind::LambdaFunction => {
            // Where the endpoint did not report logging settings, they cannot be compared.
            let unreported = observed.is_some_and(|o| o.unreported.contains(&"logging"));
            let normalize: fn(&mut FunctionSpec, &FunctionSpec) = if unreported {
                |have, want| lambda::normalize_observed(have, want, false)
            } else {
                |have, want| lambda::normalize_observed(have, want, true)
            };
            compare_with(
                Rules {
                    canonical: FunctionSpec::clone,
                    normalize_observed: normalize,
                    replacement_reasons: lambda::replacement_reasons,
                },
                desired,
                observed,
            )
        }
        ResourceKind::LambdaPermission => compare_with(
            Rules {
                canonical: PermissionSpec::clone,
                normalize_observed: lambda_permission::normalize_observed,
                replacement_reasons: lambda_permission::replacement_reasons,
            },
            desired,
            observed,
        ),
        ResourceKind::MetricAlarm => compare_with(
            Rules {
                canonical: cloudwatch::canonical_alarm,
                normalize_observed: |_: &mut AlarmSpec, _: &AlarmSpec| {},
                replacement_reasons: cloudwatch::alarm_replacement_reasons,
            },
            desired,
            observed,
        ),
        ResourceKind::HttpApi => compare_with(
            Rules {
                canonical: apigateway::canonical_api,
                normalize_observed: |_: &mut HttpApiSpec, _: &HttpApiSpec| {},
                replacement_reasons: |_: &HttpApiSpec, _: &HttpApiSpec| Vec::new(),
            },
            desired,
            observed,
        ),
        ResourceKind::ApiAuthorizer => compare_with(
            Rules {
                canonical: ApiAuthorizerSpec::clone,
                normalize_observed: |_: &mut ApiAuthorizerSpec, _: &ApiAuthorizerSpec| {},
                replacement_reasons: |w: &ApiAuthorizerSpec, h: &ApiAuthorizerSpec| {
                    api_moved(&w.api_id, &h.api_id)
                },
            },
            desired,
            observed,
        ),
        ResourceKind::ApiIntegration => compare_with(
            Rules {
                canonical: ApiIntegrationSpec::clone,
                normalize_observed: |_: &mut ApiIntegrationSpec, _: &ApiIntegrationSpec| {},
                replacement_reasons: |w: &ApiIntegrationSpec, h: &ApiIntegrationSpec| {
                    api_moved(&w.api_id, &h.api_id)
                },
            },
            desired,
            observed,
        ),
        ResourceKind::ApiRoute => compare_with(
            Rules {
                canonical: ApiRouteSpec::clone,
                normalize_observed: |_: &mut ApiRouteSpec, _: &ApiRouteSpec| {},
                replacement_reasons: |w: &ApiRouteSpec, h: &ApiRouteSpec| {
                    api_moved(&w.api_id, &h.api_id)
                },
            },
            desired,
            observed,
        ),
        ResourceKind::ApiStage => compare_with(
            Rules {
                canonical: ApiStageSpec::clone,
                normalize_observed: |_: &mut ApiStageSpec, _: &ApiStageSpec| {},
                replacement_reasons: |w: &ApiStageSpec, h: &ApiStageSpec| {
                    let mut r = api_moved(&w.api_id, &h.api_id);
                    if w.name != h.name {
                        r.push("name".to_string());
                    }
                    r
                },
            },
            desired,
            observed,
        ),
        ResourceKind::Dashboard => compare_with(
            Rules {
                canonical: DashboardSpec::clone,
                normalize_observed: |_: &mut DashboardSpec, _: &DashboardSpec| {},
                replacement_reasons: |want: &DashboardSpec, have: &DashboardSpec| {
                    if want.name != have.name {
                        vec!["name".to_string()]
                    } else {
                        Vec::new()
                    }
                },
            },
            desired,
            observed,
        ),
    }
}

pub async fn create(
    clients: &Clients,
    kind: ResourceKind,
    props: &Value,
) -> Result<Observed, ResourceError> {
    match kind {
        ResourceKind::DynamodbTable => {
            let spec: TableSpec = typed(props)?;
            Ok(table_observed(
                dynamodb::create(&clients.dynamodb, &spec).await?,
            ))
        }
        ResourceKind::S3Bucket => {
            let spec: BucketSpec = typed(props)?;
            s3_bucket::create(&clients.s3, &spec, &clients.region).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::IamRole => {
            let spec: RoleSpec = typed(props)?;
            iam::create(&clients.iam, &spec).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::LogGroup => {
            let spec: LogGroupSpec = typed(props)?;
            logs::create(&clients.logs, &spec).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::LambdaFunction => {
            let spec: FunctionSpec = typed(props)?;
            let package = planned_package(&spec)?;
            lambda::create(&clients.lambda, &spec, &package).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::LambdaPermission => {
            let spec: PermissionSpec = typed(props)?;
            lambda_permission::create(&clients.lambda, &spec).await?;
            let id = lambda_permission::physical_id(&spec.function_name, &spec.statement_id);
            reread(clients, kind, &id).await
        }
        ResourceKind::MetricAlarm => {
            let spec: AlarmSpec = typed(props)?;
            cloudwatch::put_alarm(&clients.cloudwatch, &spec, None).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::Dashboard => {
            let spec: DashboardSpec = typed(props)?;
            cloudwatch::put_dashboard(&clients.cloudwatch, &spec).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::HttpApi => {
            let id = apigateway::create_api(&clients.apigateway, &typed(props)?).await?;
            reread(clients, kind, &id).await
        }
        ResourceKind::ApiAuthorizer => {
            let id = apigateway::put_authorizer(
                &clients.apigateway,
                &clients.region,
                &typed(props)?,
                None,
            )
            .await?;
            reread(clients, kind, &id).await
        }
        ResourceKind::ApiIntegration => {
            let id = apigateway::put_integration(&clients.apigateway, &typed(props)?, None).await?;
            reread(clients, kind, &id).await
        }
        ResourceKind::ApiRoute => {
            let id = apigateway::put_route(&clients.apigateway, &typed(props)?, None).await?;
            reread(clients, kind, &id).await
        }
        ResourceKind::ApiStage => {
            let id =
                apigateway::put_stage(&clients.apigateway, &clients.region, &typed(props)?, None)
                    .await?;
            reread(clients, kind, &id).await
        }
    }
}

pub async fn update(
    clients: &Clients,
    kind: ResourceKind,
    props: &Value,
    observed: &Observed,
) -> Result<Observed, ResourceError> {
    match kind {
        ResourceKind::DynamodbTable => {
            let spec: TableSpec = typed(props)?;
            let live = ObservedTable {
                spec: typed(&observed.properties)?,
                arn: observed.outputs.get("arn").cloned().unwrap_or_default(),
            };
            Ok(table_observed(
                dynamodb::update(&clients.dynamodb, &spec, &live).await?,
            ))
        }
        ResourceKind::S3Bucket => {
            let spec: BucketSpec = typed(props)?;
            s3_bucket::update(&clients.s3, &spec, &typed(&observed.properties)?).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::IamRole => {
            let spec: RoleSpec = typed(props)?;
            iam::update(&clients.iam, &spec, &typed(&observed.properties)?).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::LogGroup => {
            let spec: LogGroupSpec = typed(props)?;
            let live = logs::ObservedLogGroup {
                spec: typed(&observed.properties)?,
                arn: observed.outputs.get("arn").cloned().unwrap_or_default(),
            };
            logs::update(&clients.logs, &spec, &live).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::LambdaFunction => {
            let spec: FunctionSpec = typed(props)?;
            let package = planned_package(&spec)?;
            // The executor read it just now: no second read.
            let live = lambda::ObservedFunction {
                spec: typed(&observed.properties)?,
                arn: observed.outputs.get("arn").cloned().unwrap_or_default(),
                reports_logging: !observed.unreported.contains(&"logging"),
            };
            lambda::update(&clients.lambda, &spec, &live, &package).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::LambdaPermission => Err(ResourceError::Refused(
            "a permission cannot be changed in place; it is replaced".into(),
        )),
        ResourceKind::MetricAlarm => {
            let spec: AlarmSpec = typed(props)?;
            let current: AlarmSpec = typed(&observed.properties)?;
            cloudwatch::put_alarm(&clients.cloudwatch, &spec, Some(&current.tags)).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::Dashboard => {
            let spec: DashboardSpec = typed(props)?;
            cloudwatch::put_dashboard(&clients.cloudwatch, &spec).await?;
            reread(clients, kind, &spec.name).await
        }
        ResourceKind::HttpApi => {
            let id = &observed.physical_id;
            apigateway::update_api(
                &clients.apigateway,
                id,
                &clients.region,
                &typed(props)?,
                &typed(&observed.properties)?,
            )
            .await?;
            reread(clients, kind, id).await
        }
        ResourceKind::ApiAuthorizer => {
            let child = Some(child_part(&observed.physical_id));
            let id = apigateway::put_authorizer(
                &clients.apigateway,
                &clients.region,
                &typed(props)?,
                child,
            )
            .await?;
            reread(clients, kind, &id).await
        }
        ResourceKind::ApiIntegration => {
            let child = Some(child_part(&observed.physical_id));
            let id =
                apigateway::put_integration(&clients.apigateway, &typed(props)?, child).await?;
            reread(clients, kind, &id).await
        }
        ResourceKind::ApiRoute => {
            let child = Some(child_part(&observed.physical_id));
            let id = apigateway::put_route(&clients.apigateway, &typed(props)?, child).await?;
            reread(clients, kind, &id).await
        }
        ResourceKind::ApiStage => {
            let current: ApiStageSpec = typed(&observed.properties)?;
            let id = apigateway::put_stage(
                &clients.apigateway,
                &clients.region,
                &typed(props)?,
                Some(&current),
            )
            .await?;
            reread(clients, kind, &id).await
        }
    }
}

/// Delete; `force_destroy` allows deleting what still holds data (a bucket's objects).
pub async fn delete(
    clients: &Clients,
    kind: ResourceKind,
    physical_id: &str,
    force_destroy: bool,
) -> Result<(), ResourceError> {
    match kind {
        ResourceKind::DynamodbTable => Ok(dynamodb::delete(&clients.dynamodb, physical_id).await?),
        ResourceKind::S3Bucket => s3_bucket::delete(&clients.s3, physical_id, force_destroy)
            .await
            .map_err(|e| match e {
                s3_bucket::DeleteError::Aws(e) => ResourceError::Aws(e),
                refused => ResourceError::Refused(refused.to_string()),
            }),
        ResourceKind::IamRole => Ok(iam::delete(&clients.iam, physical_id).await?),
        ResourceKind::LogGroup => Ok(logs::delete(&clients.logs, physical_id).await?),
        ResourceKind::LambdaFunction => Ok(lambda::delete(&clients.lambda, physical_id).await?),
        ResourceKind::LambdaPermission => {
            Ok(lambda_permission::delete(&clients.lambda, physical_id).await?)
        }
        ResourceKind::MetricAlarm => {
            Ok(cloudwatch::delete_alarm(&clients.cloudwatch, physical_id).await?)
        }
        ResourceKind::Dashboard => {
            Ok(cloudwatch::delete_dashboard(&clients.cloudwatch, physical_id).await?)
        }
        ResourceKind::HttpApi => {
            Ok(apigateway::delete_api(&clients.apigateway, physical_id).await?)
        }
        ResourceKind::ApiAuthorizer => {
            Ok(apigateway::delete_child(&clients.apigateway, "authorizer", physical_id).await?)
        }
        ResourceKind::ApiIntegration => {
            Ok(apigateway::delete_child(&clients.apigateway, "integration", physical_id).await?)
        }
        ResourceKind::ApiRoute => {
            Ok(apigateway::delete_child(&clients.apigateway, "route", physical_id).await?)
        }
        ResourceKind::ApiStage => {
            Ok(apigateway::delete_child(&clients.apigateway, "stage", physical_id).await?)
        }
    }
}

/// The `force_destroy` setting of a resource's properties (false when absent).
pub fn force_destroy(props: &Value) -> bool {
    props
        .get("force_destroy")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Read back what was just written, so the state and outputs reflect AWS, not our request.
async fn reread(
    clients: &Clients,
    kind: ResourceKind,
    id: &str,
) -> Result<Observed, ResourceError> {
    read(clients, kind, id).await?.ok_or_else(|| {
        ResourceError::Refused(format!("{id} is not there right after it was written"))
    })
}

/// The function's package, built again from its source for the upload, only if it is the one the
/// plan showed: source edited between the plan (or its confirmation) and the upload is refused,
/// never deployed unplanned.
fn planned_package(spec: &FunctionSpec) -> Result<package::Package, ResourceError> {
    let package = package::build(std::path::Path::new(&spec.source))?;
    match &spec.code_sha256 {
        Some(planned) if *planned != package.sha256 => Err(ResourceError::Refused(format!(
            "the source of function {} ({}) changed since the plan (planned code {planned}, now {}); nothing was uploaded. Plan again",
            spec.name, spec.source, package.sha256
        ))),
        _ => Ok(package),
    }
}
