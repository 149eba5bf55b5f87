//! `dtr graph`: the dependency graph as Graphviz DOT (`dtr graph --env dev | dot -Tsvg > graph.svg`).
//! Each module instance is a cluster labelled `module.<name>`.

use super::common::Context;
use super::{Error, Outcome};
use std::collections::BTreeMap;

pub fn run(ctx: &Context, env: &str) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    crate::outln!("{}", render(&desired));
    Ok(Outcome::Done)
}

/// A DOT identifier: quoted, with `"` and `\` escaped (addresses of `for_each` instances hold `"`).
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn render(desired: &crate::model::Desired) -> String {
    let mut out = vec![
        format!(
            "digraph {} {{",
            quoted(&format!("{}/{}", desired.stack, desired.environment))
        ),
        "  rankdir = LR;".to_string(),
        "  node [shape = box, fontname = \"monospace\"];".to_string(),
    ];
    let mut modules: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for r in &desired.resources {
        let node = format!("{};", quoted(&r.address.to_string()));
        match &r.address.module {
            Some(m) => modules.entry(m.as_str()).or_default().push(node),
            None => out.push(format!("  {node}")),
        }
    }
    for (module, nodes) in &modules {
        out.push(format!(
            "  subgraph {} {{",
            quoted(&format!("cluster_{module}"))
        ));
        out.push(format!(
            "    label = {};",
            quoted(&format!("module.{module}"))
        ));
        out.extend(nodes.iter().map(|n| format!("    {n}")));
        out.push("  }".to_string());
    }
    for r in &desired.resources {
        for dep in &r.depends_on {
            out.push(format!(
                "  {} -> {};",
                quoted(&r.address.to_string()),
                quoted(&dep.to_string())
            ));
        }
    }
    out.push("}".to_string());
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Desired, ResourceAddress, ResourceKind};

    #[test]
    fn modules_are_clusters_and_keyed_addresses_are_escaped() {
        let mut desired = Desired::for_test(&[
            (
                "module.audit.log_group.logs[\"api\"]",
                serde_json::json!({}),
            ),
            ("log_group.root", serde_json::json!({})),
        ]);
        let keyed: ResourceAddress = "module.audit.log_group.logs[\"api\"]".parse().unwrap();
        assert_eq!(keyed.kind, ResourceKind::LogGroup);
        desired.resources[1].depends_on = vec![keyed];
        let dot = render(&desired);
        assert!(dot.contains("  subgraph \"cluster_audit\" {\n    label = \"module.audit\";\n    \"module.audit.log_group.logs[\\\"api\\\"]\";\n  }"), "{dot}");
        assert!(
            dot.contains("  \"log_group.root\" -> \"module.audit.log_group.logs[\\\"api\\\"]\";"),
            "{dot}"
        );
    }
}
