//! `dashboard`: PutDashboard writes the whole body, so create and update are one call each. No tags.

use crate::model::monitoring::DashboardSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, found, ignore_not_found, AwsError};
use aws_sdk_cloudwatch::Client;

impl ResourceType for DashboardSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_cloudwatch_dashboard",
        physical_id: |a| tf_attr(a, "dashboard_name"),
        folded: &[],
    });

    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        let spec = read(&clients.cloudwatch, name).await?;
        Ok(spec.map(|spec| Live::with_output(name, spec, "name", name)))
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        put(&clients.cloudwatch, spec).await?;
        reread(clients, &spec.name).await
    }

    async fn update(clients: &Clients, desired: &Self, _live: &Live<Self>) -> Result<Live<Self>> {
        put(&clients.cloudwatch, desired).await?;
        reread(clients, &desired.name).await
    }

    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<()> {
        Ok(delete(&clients.cloudwatch, name).await?)
    }
}

async fn read(client: &Client, name: &str) -> Result<Option<DashboardSpec>, AwsError> {
    let r = client.get_dashboard().dashboard_name(name).send().await;
    let Some(out) =
        found(r.map_err(|e| aws_error("GetDashboard", format!("dashboard {name}"), e)))?
    else {
        return Ok(None);
    };
    let body =
        serde_json::from_str(out.dashboard_body.as_deref().unwrap_or("{}")).map_err(|e| {
            AwsError::unusable(
                "GetDashboard",
                format!("dashboard {name}"),
                "InvalidDashboardBody",
                e.to_string(),
            )
        })?;
    Ok(Some(DashboardSpec {
        name: name.to_string(),
        body,
    }))
}

async fn put(client: &Client, spec: &DashboardSpec) -> Result<(), AwsError> {
    client
        .put_dashboard()
        .dashboard_name(&spec.name)
        .dashboard_body(spec.body.to_string())
        .send()
        .await
        .map_err(|e| aws_error("PutDashboard", format!("dashboard {}", spec.name), e))?;
    Ok(())
}

async fn delete(client: &Client, name: &str) -> Result<(), AwsError> {
    let r = client
        .delete_dashboards()
        .dashboard_names(name)
        .send()
        .await;
    ignore_not_found(r.map_err(|e| aws_error("DeleteDashboards", format!("dashboard {name}"), e)))
}
