//! `dtr migrate terraform`: take over what Terraform created, in one state write, without touching
//! AWS; then say how to make Terraform let go of it without destroying anything.

use super::common::Context;
use super::{Error, Outcome};
use crate::cli::LockArgs;
use crate::migrate::{self, tfstate, Migration};
use crate::model::Desired;
use crate::provider::aws::Clients;
use crate::provider::kind;
use crate::state::ResourceState;
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct Options<'a> {
    pub state: &'a str,
    pub dry_run: bool,
    pub rm_script: Option<&'a Path>,
    pub lock: &'a LockArgs,
    pub parallelism: usize,
}

pub async fn run(ctx: &Context, env: &str, options: &Options<'_>) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    let clients = ctx.connect(&desired).await?;
    let text = read_state(&clients, options.state).await?;
    let tf = tfstate::parse(&text, options.state).map_err(migrate::MigrateError::from)?;
    crate::outln!(
        "Terraform state {} (Terraform {}, serial {}): {} resources, {} data sources.",
        options.state,
        tf.terraform_version,
        tf.serial,
        tf.instances.len(),
        tf.data_sources.len()
    );
    if options.dry_run {
        let found = migrate::survey(&clients, &desired, &tf, options.parallelism).await?;
        report(&found, &desired);
        crate::outln!(
            "\nDry run: nothing was written. Run it again without --dry-run to take these over."
        );
        return Ok(Outcome::Done);
    }
    ctx.with_lock(&clients, &desired, "migrate", options.lock, async |_| {
        let store = ctx.store(&clients, &desired);
        let mut state = store.load(&desired.stack, &desired.environment).await?;
        let found = migrate::survey(&clients, &desired, &tf, options.parallelism).await?;
        for m in &found.mapping.matched {
            let owner = state.resources.iter().find(|(address, r)| {
                address.kind == m.address.kind && r.physical_id == m.live.physical_id
            });
            match (state.resources.get(&m.address), owner) {
                (Some(held), _) if held.physical_id != m.live.physical_id => {
                    return Err(Error::MigrateConflict {
                        address: m.address.clone(),
                        held: held.physical_id.clone(),
                        terraform: m.live.physical_id.clone(),
                    })
                }
                (_, Some((other, _))) if *other != m.address => {
                    return Err(Error::MigrateConflict {
                        address: other.clone(),
                        held: m.live.physical_id.clone(),
                        terraform: format!("{} (Terraform's {})", m.live.physical_id, m.from),
                    })
                }
                _ => {}
            }
        }
        report(&found, &desired);
        for m in &found.mapping.matched {
            let Some(resource) = desired.resource(&m.address) else {
                continue;
            };
            state.forgotten.remove(&m.address);
            state.resources.insert(
                m.address.clone(),
                ResourceState {
                    physical_id: m.live.physical_id.clone(),
                    outputs: m.live.outputs.clone(),
                    force_destroy: kind::force_destroy(&resource.properties),
                    depends_on: resource.depends_on.clone(),
                    pending: false,
                    applied: Default::default(),
                },
            );
        }
        store.save(&mut state).await?;
        let commands = migrate::state_rm_commands(&found.taken_over());
        let script = options.rm_script.map(Path::to_path_buf).unwrap_or_else(|| {
            PathBuf::from(format!("terraform-state-rm-{}.sh", desired.environment))
        });
        write_script(&script, &commands)?;
        crate::outln!(
            "\nRecorded {} resources in the state of {}/{}; nothing in AWS was changed.",
            found.mapping.matched.len(),
            desired.stack,
            desired.environment
        );
        crate::outln!(
            "Terraform still believes it manages them. To make it let go without destroying anything, run\n\
             these in its working directory (also written to {}):\n",
            script.display()
        );
        for command in &commands {
            crate::outln!("  {command}");
        }
        crate::outln!(
            "\n`terraform state rm` only forgets: the resources stay. Do not run `terraform destroy` or\n\
             `terraform apply` on this state before that. Then run `dtr plan --env {}`: it shows only\n\
             the real differences between these resources and the configuration.",
            desired.environment
        );
        Ok(Outcome::Done)
    })
    .await
}

/// What the migration takes over, leaves, and what the next apply would create or replace.
fn report(found: &Migration, desired: &Desired) {
    let m = &found.mapping;
    section(
        "Taken over (Terraform address -> dtr address [id])",
        m.matched
            .iter()
            .map(|m| format!("{} -> {} [{}]", m.from, m.address, m.live.physical_id)),
    );
    section(
        "Folded into a resource taken over (dtr manages them as part of it)",
        found
            .folded
            .iter()
            .map(|(from, into)| format!("{from} -> {into}")),
    );
    section(
        "Left to Terraform: types dtr does not model",
        found.unmodelled.iter().cloned(),
    );
    section(
        "Left to Terraform: no address of this configuration has their identity",
        m.unclaimed
            .iter()
            .map(|c| format!("{} ({} {})", c.from, c.kind, c.live.physical_id))
            .chain(found.folded_unclaimed.iter().cloned()),
    );
    section(
        "In the Terraform state but not in AWS: nothing to take over",
        found.not_live.iter().cloned(),
    );
    section(
        "Declared here with no Terraform counterpart: the next apply creates them",
        m.unmatched.iter().map(|u| {
            let mut line = u.address.to_string();
            if !u.expected.is_empty() {
                line += &format!(" (expects {})", pairs(&u.expected));
            }
            if let Some((from, theirs)) = &u.nearest {
                line += &format!("; Terraform's {from} has {}", pairs(theirs));
                line += &match &u.hint {
                    Some((parameter, value)) => format!(
                        ": with `{parameter}: {value}` in environments/{}.yaml they would match",
                        desired.environment
                    ),
                    None => {
                        ": make the configuration name the same resource to take it over".into()
                    }
                };
            }
            line
        }),
    );
    let replaced: Vec<String> = m
        .matched
        .iter()
        .filter(|m| !m.replace_reasons.is_empty())
        .map(|m| {
            format!(
                "{} would be REPLACED by the next apply ({} cannot be changed in place): fix the configuration first",
                m.address,
                m.replace_reasons.join(", ")
            )
        })
        .collect();
    section("WARNING", replaced.into_iter());
}

fn pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn section(title: &str, lines: impl Iterator<Item = String>) {
    let lines: Vec<String> = lines.collect();
    if lines.is_empty() {
        return;
    }
    crate::outln!("\n{title} ({}):", lines.len());
    for line in lines {
        crate::outln!("  {line}");
    }
}

/// The Terraform state: a file, `-` for standard input, or `s3://bucket/key` (read with the same
/// credentials, as `terraform state pull` would).
async fn read_state(clients: &Clients, from: &str) -> Result<String, Error> {
    if from == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| Error::Io {
                doing: "read the Terraform state from",
                path: PathBuf::from("standard input"),
                source,
            })?;
        return Ok(text);
    }
    if let Some(rest) = from.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        let object = clients
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| crate::provider::aws_error("GetObject", from, e))?;
        let bytes = object.body.collect().await.map_err(|e| Error::Io {
            doing: "read the Terraform state from",
            path: PathBuf::from(from),
            source: std::io::Error::other(e),
        })?;
        return String::from_utf8(bytes.into_bytes().to_vec()).map_err(|e| Error::Io {
            doing: "read the Terraform state from",
            path: PathBuf::from(from),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        });
    }
    std::fs::read_to_string(from).map_err(|source| Error::Io {
        doing: "read the Terraform state",
        path: PathBuf::from(from),
        source,
    })
}

fn write_script(path: &Path, commands: &[String]) -> Result<(), Error> {
    let text = format!(
        "#!/bin/sh\n# Written by `dtr migrate terraform`: make Terraform forget what dtr now manages.\n\
         # `terraform state rm` removes entries from Terraform's state only; nothing is destroyed.\nset -e\n{}\n",
        commands.join("\n")
    );
    std::fs::write(path, text).map_err(|source| Error::Io {
        doing: "write",
        path: path.to_path_buf(),
        source,
    })
}
