//! The planner's diff: what it plans, replaces, refuses and leaves alone.

use super::*;
use serde_json::json;

use crate::model::Desired;
use crate::state::ResourceState;

fn table_props(name: &str, pitr: bool, tags: serde_json::Value) -> Value {
    json!({"name": name, "hash_key": "id", "attributes": [{"name": "id", "type": "S"}],
           "point_in_time_recovery": pitr, "tags": tags})
}

fn our_tags() -> Value {
    json!({"dtr:stack": "s", "dtr:env": "dev", "dtr:address": "dynamodb_table.tools"})
}

fn desired(resources: Vec<Value>) -> Desired {
    let declared: Vec<(&str, Value)> = resources
        .into_iter()
        .map(|properties| ("dynamodb_table.tools", properties))
        .collect();
    Desired::for_test(&declared)
}

fn observed(props: Value) -> Observed {
    Observed {
        physical_id: props["name"].as_str().unwrap().to_string(),
        spec: serde_json::to_value(
            serde_json::from_value::<crate::model::table::TableSpec>(props).unwrap(),
        )
        .unwrap(),
        outputs: BTreeMap::from([("arn".to_string(), "arn:t".to_string())]),
        unreported: Vec::new(),
        provisional: Vec::new(),
    }
}

fn state_owning(id: &str) -> State {
    let mut state = State::new("s", "dev");
    state.resources.insert(
        "dynamodb_table.tools".parse().unwrap(),
        ResourceState {
            physical_id: id.into(),
            outputs: Default::default(),
            force_destroy: false,
            depends_on: vec![],
            pending: false,
            applied: Default::default(),
        },
    );
    state
}

fn plan(d: &Desired, state: &State, live: Option<Observed>) -> Result<Plan, Vec<PlanError>> {
    let observed = BTreeMap::from([("dynamodb_table.tools".parse().unwrap(), live)]);
    diff(&Inputs {
        desired: d,
        state,
        observed: &observed,
        replace: &[],
        moved_from: &BTreeMap::new(),
        as_applied: &Default::default(),
    })
}

#[test]
fn an_interrupted_creation_is_recorded_if_found_and_created_if_not() {
    let d = desired(vec![table_props("t1", false, our_tags())]);
    let mut state = state_owning("t1");
    state.resources.values_mut().for_each(|r| r.pending = true);
    // Created, but not recorded (and, for a bucket, maybe not yet tagged): claimed, not refused.
    let untagged = observed(table_props("t1", false, json!({})));
    let p = plan(&d, &state, Some(untagged)).unwrap();
    assert_eq!(actions(&p), vec![Action::Update]);
    assert_eq!(p.changes[0].reason, Some(ActionReason::CreationInterrupted));
    assert!(p.changes[0].record_in_state);
    // Complete but unrecorded: still a change, so that the record is written.
    let whole = observed(table_props("t1", false, our_tags()));
    let p = plan(&d, &state, Some(whole)).unwrap();
    assert_eq!(actions(&p), vec![Action::NoOp]);
    assert!(p.has_changes());
    // Never created: a plain create, not "deleted outside dtr".
    let p = plan(&d, &state, None).unwrap();
    assert_eq!(actions(&p), vec![Action::Create]);
    assert_eq!(p.changes[0].reason, None);
}

fn actions(p: &Plan) -> Vec<Action> {
    p.changes.iter().map(|c| c.action).collect()
}

#[test]
fn create_noop_update_replace_delete() {
    let d = desired(vec![table_props("t1", false, our_tags())]);
    let empty = State::new("s", "dev");
    assert_eq!(
        actions(&plan(&d, &empty, None).unwrap()),
        vec![Action::Create]
    );

    let owned = state_owning("t1");
    let same = observed(table_props("t1", false, our_tags()));
    let p = plan(&d, &owned, Some(same)).unwrap();
    assert_eq!(actions(&p), vec![Action::NoOp]);
    assert!(!p.has_changes());

    let drifted = observed(table_props("t1", true, our_tags()));
    let p = plan(&d, &owned, Some(drifted)).unwrap();
    assert_eq!(actions(&p), vec![Action::Update]);
    assert_eq!(p.changes[0].attributes[0].path, "point_in_time_recovery");

    let renamed = desired(vec![table_props("t2", false, our_tags())]);
    let p = plan(
        &renamed,
        &owned,
        Some(observed(table_props("t1", false, our_tags()))),
    )
    .unwrap();
    assert_eq!(actions(&p), vec![Action::Replace]);
    assert_eq!(
        p.changes[0].reason,
        Some(ActionReason::ReplaceForced {
            attributes: vec!["name".into()]
        })
    );

    let removed = desired(vec![]);
    let p = plan(
        &removed,
        &owned,
        Some(observed(table_props("t1", false, our_tags()))),
    )
    .unwrap();
    assert_eq!(actions(&p), vec![Action::Delete]);
    assert_eq!(p.changes[0].physical_id.as_deref(), Some("t1"));
}

#[test]
fn deleted_outside_dtr_is_created_again_with_that_reason() {
    let d = desired(vec![table_props("t1", false, our_tags())]);
    let p = plan(&d, &state_owning("t1"), None).unwrap();
    assert_eq!(actions(&p), vec![Action::Create]);
    assert_eq!(p.changes[0].reason, Some(ActionReason::DeletedOutsideDtr));
}

#[test]
fn a_live_resource_with_our_tags_is_adopted_and_one_without_is_refused() {
    let d = desired(vec![table_props("t1", false, our_tags())]);
    let empty = State::new("s", "dev");
    let p = plan(
        &d,
        &empty,
        Some(observed(table_props("t1", false, our_tags()))),
    )
    .unwrap();
    assert_eq!(actions(&p), vec![Action::NoOp]);
    assert!(p.changes[0].record_in_state && p.has_changes());

    let foreign = observed(table_props("t1", false, json!({"owner": "someone-else"})));
    let errors = plan(&d, &empty, Some(foreign)).unwrap_err();
    assert!(
        matches!(errors[0], PlanError::NotOwned { .. }),
        "{}",
        errors[0]
    );
}

#[test]
fn nested_maps_diff_per_key_and_lists_as_a_whole() {
    let before = json!({"tags": {"a": "1", "b": "2"}, "gsis": [1, 2], "same": true});
    let after = json!({"tags": {"a": "1", "b": "3", "c": "4"}, "gsis": [2], "same": true});
    let paths: Vec<String> = attribute_changes(Some(&before), &after, &[])
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(paths, vec!["gsis", "tags.b", "tags.c"]);
}

#[test]
fn forcing_attributes_are_marked() {
    let changes = attribute_changes(
        Some(&json!({"hash_key": "a"})),
        &json!({"hash_key": "b"}),
        &["hash_key".into()],
    );
    assert!(changes[0].forces_replacement);
}

#[test]
fn unresolved_references_are_unknown_after() {
    let known = BTreeMap::from([
        ("t".to_string(), None),
        (
            "u".to_string(),
            Some(BTreeMap::from([("arn".to_string(), "arn:u".to_string())])),
        ),
    ]);
    let v = resolve(
        &json!({"a": "${resource.t.arn}", "b": "${resource.u.arn}"}),
        &known,
    );
    assert_eq!(v, json!({"a": "${resource.t.arn}", "b": "arn:u"}));
    let changes = attribute_changes(None, &v, &[]);
    assert!(changes[0].after_unknown && !changes[1].after_unknown);
}

#[test]
fn a_destroy_says_it_was_asked_for_and_a_removal_says_the_configuration_dropped_it() {
    let live = || Some(observed(table_props("t1", false, our_tags())));
    let removed = desired(vec![]);
    let p = plan(&removed, &state_owning("t1"), live()).unwrap();
    assert_eq!(
        p.changes[0].reason,
        Some(ActionReason::RemovedFromConfiguration)
    );
    let destroying = Desired {
        destroying: true,
        ..desired(vec![])
    };
    let p = plan(&destroying, &state_owning("t1"), live()).unwrap();
    assert_eq!(actions(&p), vec![Action::Delete]);
    assert_eq!(p.changes[0].reason, Some(ActionReason::DestroyRequested));
}

#[test]
fn the_delete_of_a_protected_table_says_it_will_be_refused() {
    let mut protected = table_props("t1", false, our_tags());
    protected["deletion_protection"] = json!(true);
    let p = plan(
        &desired(vec![]),
        &state_owning("t1"),
        Some(observed(protected)),
    )
    .unwrap();
    let warning = p.changes[0].data_loss.clone().expect("a data-loss warning");
    assert!(warning.contains("Deletion protection is on"), "{warning}");
}
