//! `dtr graph`: the dependency graph as Graphviz DOT (`dtr graph --env dev | dot -Tsvg > graph.svg`).

use super::common::Context;
use super::{Error, Outcome};

pub fn run(ctx: &Context, env: &str) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    println!("digraph \"{}/{}\" {{", desired.stack, desired.environment);
    println!("  rankdir = LR;");
    println!("  node [shape = box, fontname = \"monospace\"];");
    for r in &desired.resources {
        println!("  \"{}\";", r.address);
        for dep in &r.depends_on {
            println!("  \"{}\" -> \"{}\";", r.address, dep);
        }
    }
    println!("}}");
    Ok(Outcome::Done)
}
