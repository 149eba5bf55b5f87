//! `dtr graph`: the dependency graph as Graphviz DOT (`dtr graph --env dev | dot -Tsvg > graph.svg`).

use super::common::Context;
use super::{Error, Outcome};

pub fn run(ctx: &Context, env: &str) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    crate::outln!("digraph \"{}/{}\" {{", desired.stack, desired.environment);
    crate::outln!("  rankdir = LR;");
    crate::outln!("  node [shape = box, fontname = \"monospace\"];");
    for r in &desired.resources {
        crate::outln!("  \"{}\";", r.address);
        for dep in &r.depends_on {
            crate::outln!("  \"{}\" -> \"{}\";", r.address, dep);
        }
    }
    crate::outln!("}}");
    Ok(Outcome::Done)
}
