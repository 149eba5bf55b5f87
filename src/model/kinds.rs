//! The one list of resource kinds dtr manages: each kind's enum variant, its `type:` name in a stack
//! file and its spec. Adding a kind is a line here, its spec (a [`super::ResourceSpec`]) and its
//! provider (a `provider::ResourceType`); [`super::ResourceKind`], the configuration loader and the
//! provider registry are generated from this list, so the compiler names anything left out.

/// Hands the list to `$callback`, a macro taking `$($variant:ident $name:literal $spec:ty),*`.
macro_rules! for_each_kind {
    ($callback:ident) => {
        $callback! {
            DynamodbTable "dynamodb_table" $crate::model::table::TableSpec,
            S3Bucket "s3_bucket" $crate::model::bucket::BucketSpec,
            IamRole "iam_role" $crate::model::role::RoleSpec,
            LogGroup "log_group" $crate::model::log_group::LogGroupSpec,
            LambdaFunction "lambda_function" $crate::model::function::FunctionSpec,
            LambdaPermission "lambda_permission" $crate::model::monitoring::PermissionSpec,
            MetricAlarm "metric_alarm" $crate::model::monitoring::AlarmSpec,
            Dashboard "dashboard" $crate::model::monitoring::DashboardSpec,
            HttpApi "http_api" $crate::model::api::HttpApiSpec,
            ApiAuthorizer "api_authorizer" $crate::model::api::ApiAuthorizerSpec,
            ApiIntegration "api_integration" $crate::model::api::ApiIntegrationSpec,
            ApiRoute "api_route" $crate::model::api::ApiRouteSpec,
            ApiStage "api_stage" $crate::model::api::ApiStageSpec,
            SnsTopic "sns_topic" $crate::model::topic::TopicSpec,
            SnsSubscription "sns_subscription" $crate::model::topic::SubscriptionSpec,
            ScheduleGroup "schedule_group" $crate::model::schedule::ScheduleGroupSpec,
            Schedule "schedule" $crate::model::schedule::ScheduleSpec,
        }
    };
}
pub(crate) use for_each_kind;

/// Something done with a kind's spec type, whichever kind it is (see [`visit`]).
pub trait SpecVisitor {
    type Output;
    fn visit<S: super::ResourceSpec>(self) -> Self::Output;
}

macro_rules! visit_fn {
    ($($variant:ident $name:literal $spec:ty),* $(,)?) => {
        /// Call `visitor` with the spec type of `kind`.
        pub fn visit<V: SpecVisitor>(kind: super::ResourceKind, visitor: V) -> V::Output {
            match kind {
                $(super::ResourceKind::$variant => visitor.visit::<$spec>(),)*
            }
        }
    };
}
for_each_kind!(visit_fn);

#[cfg(test)]
mod tests {
    use super::super::ResourceKind;

    /// The README's table of resource types is the list users read: every kind, each with the
    /// attributes references may read, in the registry's order.
    #[test]
    fn the_readme_lists_every_kind_with_its_exported_attributes() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("### Resource types")
            .nth(1)
            .expect("README has a Resource types section");
        let rows: Vec<(String, Vec<String>)> = table
            .lines()
            .skip_while(|l| !l.starts_with("| `"))
            .take_while(|l| l.starts_with('|'))
            .map(|row| {
                let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
                let unquote = |s: &str| s.trim().trim_matches('`').to_string();
                let exports = cells[cells.len() - 1].split(',').map(unquote).collect();
                (unquote(cells[0]), exports)
            })
            .collect();
        let expected: Vec<(String, Vec<String>)> = ResourceKind::ALL
            .iter()
            .map(|k| {
                let exports = k.exported_attributes().iter().map(|a| a.to_string());
                (k.as_str().to_string(), exports.collect())
            })
            .collect();
        assert_eq!(rows, expected);
    }
}
