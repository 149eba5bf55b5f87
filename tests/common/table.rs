//! Fixtures for the tests of the tool-metadata table alone: a project whose stack holds only the
//! table, edits of that stack as YAML, and the table as DynamoDB describes it.

use super::{bootstrap, Moto, Project};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TableDescription,
};

pub const TABLE: &str = "dtr-local-tools";
pub const ADDRESS: &str = "dynamodb_table.tools_table";
pub const STACK: &str = "stacks/dynamic-tool-runtime/stack.yaml";

/// A project whose stack holds only the table (the rest of the stack has its own tests), bootstrapped.
pub fn table_only(moto: &Moto) -> Project {
    let project = Project::copy();
    edit_stack(&project, |doc| {
        doc["resources"]
            .as_mapping_mut()
            .expect("the stack has resources")
            .retain(|k, _| k == "tools_table");
        doc["outputs"]
            .as_mapping_mut()
            .expect("the stack has outputs")
            .retain(|k, _| k.as_str().is_some_and(|k| k.starts_with("table_")));
        // The modules and the moved entries naming their resources go with them.
        let top = doc.as_mapping_mut().expect("the stack is a mapping");
        top.remove("modules");
        top.remove("moved");
    });
    bootstrap(moto, &project, "local");
    project
}

/// Edit the stack file as YAML (comments are lost; fine for a test's private copy).
pub fn edit_stack(project: &Project, f: impl FnOnce(&mut serde_norway::Value)) {
    let mut doc: serde_norway::Value =
        serde_norway::from_str(&project.read(STACK)).expect("the stack is YAML");
    f(&mut doc);
    project.write(STACK, &serde_norway::to_string(&doc).expect("YAML out"));
}

/// The table's `properties` in a stack document.
pub fn table_props(doc: &mut serde_norway::Value) -> &mut serde_norway::Value {
    &mut doc["resources"]["tools_table"]["properties"]
}

/// The table as DynamoDB describes it, `None` when it does not exist.
pub async fn describe(moto: &Moto) -> Option<TableDescription> {
    let c = moto.clients().await;
    c.dynamodb
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .ok()
        .and_then(|o| o.table)
}

/// Create a table `name` outside dtr, keyed on a string `key`, as another tool or person would.
pub async fn create_table_by_hand(moto: &Moto, name: &str, key: &str) {
    let c = moto.clients().await;
    c.dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition"),
        )
        .send()
        .await
        .expect("create a table by hand");
}
