//! The planner and `moved`/`removed` entries, and its data-loss warnings.

use super::*;
use crate::model::{DesiredResource, Moved, Removed, SourceLocation};
use crate::plan::moves;
use crate::state::ResourceState;
use serde_json::json;

fn log_group(name: &str, address: &str) -> Value {
    json!({"name": name, "tags": {"dtr:stack": "s", "dtr:env": "dev", "dtr:address": address}})
}

fn desired(declared: &[(&str, &str)], moved: Vec<Moved>, removed: Vec<Removed>) -> Desired {
    let declared: Vec<(&str, Value)> = declared
        .iter()
        .map(|(address, name)| (*address, log_group(name, address)))
        .collect();
    Desired {
        moved,
        removed,
        ..Desired::for_test(&declared)
    }
}

fn state(entries: &[(&str, &str)]) -> State {
    let mut state = State::new("s", "dev");
    for (address, id) in entries {
        state.resources.insert(
            address.parse().unwrap(),
            ResourceState {
                physical_id: id.to_string(),
                outputs: Default::default(),
                force_destroy: false,
                depends_on: vec![],
                pending: false,
                applied: Default::default(),
            },
        );
    }
    state
}

fn live(name: &str, address: &str) -> Option<Observed> {
    Some(Observed {
        physical_id: name.into(),
        spec: log_group(name, address),
        outputs: BTreeMap::from([("name".to_string(), name.to_string())]),
        unreported: Vec::new(),
        provisional: Vec::new(),
    })
}

/// Plan as the engine does: the moves applied to the state first, the reads keyed by new address.
fn plan(
    d: &Desired,
    stored: &State,
    observed: &[(&str, Option<Observed>)],
) -> Result<Plan, Vec<PlanError>> {
    let renamed = moves::apply(stored, &d.moved)?;
    let observed = observed
        .iter()
        .map(|(a, o)| (a.parse().unwrap(), o.clone()))
        .collect();
    diff(&Inputs {
        desired: d,
        state: &renamed.state,
        observed: &observed,
        replace: &[],
        moved_from: &renamed.moved_from,
        as_applied: &Default::default(),
    })
}

fn moved(from: &str, to: &str) -> Moved {
    Moved {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
    }
}

#[test]
fn a_moved_resource_is_compared_under_its_new_address_and_nothing_is_created_or_deleted() {
    let (old, new) = ("log_group.logs", "log_group.log_group");
    let d = desired(&[(new, "/l")], vec![moved(old, new)], vec![]);
    // Live it still carries its old address tag: the move comes with an update of that tag only.
    let p = plan(&d, &state(&[(old, "/l")]), &[(new, live("/l", old))]).unwrap();
    assert_eq!(p.changes.len(), 1, "{:?}", p.changes);
    let change = &p.changes[0];
    assert_eq!(change.address.to_string(), new);
    assert_eq!(
        change.moved_from.as_ref().map(|a| a.to_string()).as_deref(),
        Some(old)
    );
    assert_eq!(change.action, Action::Update);
    let paths: Vec<&str> = change.attributes.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["tags.dtr:address"]);
    assert_eq!(p.summary().moved, 1);
    // Already tagged for its new address: a move alone, which still reaches the state.
    let p = plan(&d, &state(&[(old, "/l")]), &[(new, live("/l", new))]).unwrap();
    assert_eq!(p.changes[0].action, Action::NoOp);
    assert!(p.changes[0].record_in_state && p.has_changes());
}

#[test]
fn without_a_moved_entry_a_rename_is_a_delete_of_the_old_and_a_create_of_the_new() {
    let (old, new) = ("log_group.logs", "log_group.log_group");
    let d = desired(&[(new, "/l2")], vec![], vec![]);
    let p = plan(
        &d,
        &state(&[(old, "/l")]),
        &[(new, None), (old, live("/l", old))],
    )
    .unwrap();
    let actions: Vec<(String, Action)> = p
        .changes
        .iter()
        .map(|c| (c.address.to_string(), c.action))
        .collect();
    assert_eq!(
        actions,
        [
            (new.to_string(), Action::Create),
            (old.to_string(), Action::Delete)
        ]
    );
    assert_eq!(
        p.changes[1].data_loss.as_deref(),
        Some("deletes the log group /l and every event in it")
    );
}

#[test]
fn a_moved_entry_whose_from_the_state_lacks_is_a_no_op() {
    let new = "log_group.log_group";
    let d = desired(&[(new, "/l")], vec![moved("log_group.logs", new)], vec![]);
    let p = plan(&d, &state(&[(new, "/l")]), &[(new, live("/l", new))]).unwrap();
    assert!(!p.has_changes(), "{:?}", p.changes);
    assert_eq!(p.changes[0].moved_from, None);
}

#[test]
fn a_removed_entry_without_destroy_forgets_and_with_destroy_deletes() {
    let gone = "log_group.old";
    let stored = state(&[(gone, "/old")]);
    let keep = Removed {
        from: gone.parse().unwrap(),
        destroy: false,
    };
    let p = plan(
        &desired(&[], vec![], vec![keep]),
        &stored,
        &[(gone, live("/old", gone))],
    )
    .unwrap();
    assert_eq!(p.changes[0].action, Action::Forget);
    assert_eq!(
        p.changes[0].reason,
        Some(ActionReason::RemovedWithoutDestroy)
    );
    assert_eq!(p.changes[0].data_loss, None, "nothing is deleted");
    assert_eq!((p.summary().forget, p.summary().destroy), (1, 0));
    let destroy = Removed {
        from: gone.parse().unwrap(),
        destroy: true,
    };
    let p = plan(
        &desired(&[], vec![], vec![destroy]),
        &stored,
        &[(gone, live("/old", gone))],
    )
    .unwrap();
    assert_eq!(p.changes[0].action, Action::Delete);
    assert!(p.changes[0].data_loss.is_some());
}

#[test]
fn a_replaced_table_warns_that_its_items_go_with_it() {
    let props = json!({"name": "t", "hash_key": "id", "attributes": [{"name": "id", "type": "S"}]});
    let mut before = props.clone();
    before["hash_key"] = json!("other");
    before["attributes"] = json!([{"name": "other", "type": "S"}]);
    let mut d = desired(&[], vec![], vec![]);
    d.resources.push(DesiredResource {
        address: "dynamodb_table.tools".parse().unwrap(),
        properties: props,
        depends_on: vec![],
        location: SourceLocation {
            file: "stack.yaml".into(),
            line: 1,
            column: 1,
        },
        sensitive_paths: vec![],
        acknowledged: vec![],
    });
    let spec: crate::model::table::TableSpec = serde_json::from_value(before).unwrap();
    let observed = Observed {
        physical_id: "t".into(),
        spec: serde_json::to_value(spec).unwrap(),
        outputs: Default::default(),
        unreported: Vec::new(),
        provisional: Vec::new(),
    };
    let stored = state(&[("dynamodb_table.tools", "t")]);
    let p = plan(&d, &stored, &[("dynamodb_table.tools", Some(observed))]).unwrap();
    assert_eq!(p.changes[0].action, Action::Replace);
    assert_eq!(
        p.changes[0].data_loss.as_deref(),
        Some("deletes the table t and every item in it; the new one starts empty")
    );
}

#[test]
fn a_rename_without_a_moved_entry_is_refused_with_the_entry_to_add() {
    let (old, new) = ("log_group.logs", "log_group.log_group");
    let d = desired(&[(new, "/l")], vec![], vec![]);
    let errors = plan(
        &d,
        &state(&[(old, "/l")]),
        &[(new, live("/l", old)), (old, live("/l", old))],
    )
    .unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "log_group.log_group: /l is log_group.logs in this environment's state, which the \
         configuration no longer declares; nothing was changed. To rename it without deleting and \
         recreating it, add to the stack: `moved: [{from: log_group.logs, to: log_group.log_group}]`"
    );
}
