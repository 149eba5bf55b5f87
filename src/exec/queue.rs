//! The executor's dependency queue, as a plain value (cargo's `DependencyQueue`): which changes may
//! start now, which must be skipped because something they wait for did not complete, and which are
//! still waiting. Creates and updates wait for what they depend on; deletes run in reverse, after the
//! deletes of what depends on them. No I/O: the apply loop asks it, then acts.

use crate::model::ResourceAddress;
use crate::plan::{Action, ResourceChange};
use std::collections::{BTreeMap, BTreeSet};

/// Where one change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Started, finished or given up: nothing more to decide.
    Settled,
    /// Something it waits for has not finished yet.
    Waiting,
    /// It waits for this change, which did not complete: it must be skipped.
    Blocked(usize),
    /// Everything it waits for has finished: it may start.
    Ready,
}

#[derive(Debug, Clone)]
pub struct DependencyQueue {
    waits_for: Vec<BTreeSet<usize>>,
    started: BTreeSet<usize>,
    finished: BTreeSet<usize>,
    broken: BTreeSet<usize>,
}

impl DependencyQueue {
    pub fn new(changes: &[&ResourceChange]) -> Self {
        DependencyQueue {
            waits_for: dependencies(changes),
            started: BTreeSet::new(),
            finished: BTreeSet::new(),
            broken: BTreeSet::new(),
        }
    }

    pub fn standing(&self, i: usize) -> Standing {
        if self.started.contains(&i) || self.broken.contains(&i) {
            return Standing::Settled;
        }
        let waits = &self.waits_for[i];
        if let Some(dep) = waits.iter().find(|d| self.broken.contains(d)) {
            return Standing::Blocked(*dep);
        }
        if waits.iter().all(|d| self.finished.contains(d)) {
            Standing::Ready
        } else {
            Standing::Waiting
        }
    }

    pub fn start(&mut self, i: usize) {
        self.started.insert(i);
    }

    pub fn finish(&mut self, i: usize) {
        self.finished.insert(i);
    }

    /// It failed, was skipped or was refused: what waits for it is blocked.
    pub fn give_up(&mut self, i: usize) {
        self.broken.insert(i);
    }

    /// The changes `i` waits for.
    pub fn waits_for(&self, i: usize) -> &BTreeSet<usize> {
        &self.waits_for[i]
    }
}

/// The changes that do something, and for each the indices of the ones it must wait for.
fn dependencies(changes: &[&ResourceChange]) -> Vec<BTreeSet<usize>> {
    let index: BTreeMap<&ResourceAddress, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.address, i))
        .collect();
    changes
        .iter()
        .map(|c| {
            if c.action == Action::Forget {
                // Touches nothing live: nothing to wait for.
                BTreeSet::new()
            } else if c.action == Action::Delete {
                // Deletes run in reverse: after the deletes of everything that depends on this one.
                changes
                    .iter()
                    .enumerate()
                    .filter(|(_, other)| {
                        other.action == Action::Delete && other.depends_on.contains(&c.address)
                    })
                    .map(|(j, _)| j)
                    .collect()
            } else {
                c.depends_on
                    .iter()
                    .filter_map(|d| index.get(d).copied())
                    .filter(|j| changes[*j].action != Action::Delete)
                    .collect()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(name: &str, action: Action, deps: &[&str]) -> ResourceChange {
        ResourceChange {
            address: format!("log_group.{name}").parse().unwrap(),
            action,
            reason: None,
            physical_id: None,
            record_in_state: false,
            attributes: vec![],
            desired: None,
            depends_on: deps
                .iter()
                .map(|d| format!("log_group.{d}").parse().unwrap())
                .collect(),
            outputs: Default::default(),
            sensitive: vec![],
            moved_from: None,
            data_loss: None,
        }
    }

    #[test]
    fn a_change_starts_when_what_it_waits_for_finished_and_is_blocked_when_that_failed() {
        let a = change("a", Action::Create, &[]);
        let b = change("b", Action::Create, &["a"]);
        let c = change("c", Action::Update, &["b"]);
        let d = change("d", Action::Create, &[]);
        let mut q = DependencyQueue::new(&[&a, &b, &c, &d]);
        let all = |q: &DependencyQueue| (0..4).map(|i| q.standing(i)).collect::<Vec<_>>();
        use Standing::*;
        assert_eq!(all(&q), vec![Ready, Waiting, Waiting, Ready]);
        q.start(0);
        q.start(3);
        assert_eq!(all(&q), vec![Settled, Waiting, Waiting, Settled]);
        q.finish(0);
        assert_eq!(q.standing(1), Ready);
        q.start(1);
        q.give_up(1);
        // What waits for a failed change is blocked, by that change; the rest go on.
        assert_eq!(q.standing(2), Blocked(1));
        q.finish(3);
        assert_eq!(all(&q), vec![Settled, Settled, Blocked(1), Settled]);
        q.give_up(2);
        assert_eq!(q.standing(2), Settled);
    }

    #[test]
    fn a_forget_touches_nothing_live_so_it_waits_for_nothing() {
        let a = change("a", Action::Update, &[]);
        let f = change("f", Action::Forget, &["a"]);
        let q = DependencyQueue::new(&[&a, &f]);
        assert_eq!(q.standing(1), Standing::Ready);
    }

    #[test]
    fn deletes_start_only_after_the_deletes_of_their_dependants() {
        let x = change("x", Action::Delete, &[]);
        let y = change("y", Action::Delete, &["x"]);
        let mut q = DependencyQueue::new(&[&x, &y]);
        assert_eq!(q.standing(0), Standing::Waiting);
        assert_eq!(q.standing(1), Standing::Ready);
        q.start(1);
        q.finish(1);
        assert_eq!(q.standing(0), Standing::Ready);
    }

    #[test]
    fn creates_wait_for_their_dependencies_and_deletes_for_their_dependants() {
        let a = change("a", Action::Create, &[]);
        let b = change("b", Action::Create, &["a"]);
        let x = change("x", Action::Delete, &[]);
        let y = change("y", Action::Delete, &["x"]);
        let deps = dependencies(&[&a, &b, &x, &y]);
        assert_eq!(
            deps,
            vec![
                BTreeSet::new(),
                BTreeSet::from([0]),
                BTreeSet::from([3]),
                BTreeSet::new()
            ]
        );
    }
}
