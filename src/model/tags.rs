//! What to send to bring a resource's tags from `have` to `want`: the same for every service.

use std::collections::BTreeMap;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct TagChanges {
    /// Keys to untag.
    pub removed: Vec<String>,
    /// Keys to add or overwrite, with their values.
    pub set: BTreeMap<String, String>,
}

pub fn changes(want: &BTreeMap<String, String>, have: &BTreeMap<String, String>) -> TagChanges {
    TagChanges {
        removed: have
            .keys()
            .filter(|k| !want.contains_key(*k))
            .cloned()
            .collect(),
        set: want
            .iter()
            .filter(|(k, v)| have.get(*k) != Some(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_added_and_changed_keys() {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let c = changes(
            &map(&[("a", "1"), ("b", "2")]),
            &map(&[("b", "3"), ("c", "4")]),
        );
        assert_eq!(c.removed, vec!["c"]);
        assert_eq!(c.set, map(&[("a", "1"), ("b", "2")]));
    }
}
