//! Command-line types (clap derive) only; `commands` does the work.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "dtr", version, about = "Plan and reconcile the Dynamic Tool Runtime AWS stack", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Send every AWS call to this endpoint (also read from AWS_ENDPOINT_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region; overrides the environment file's `region`.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Named profile from the shared AWS config files (also AWS_PROFILE).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Extra CA certificates (PEM) to trust, as the AWS CLI's AWS_CA_BUNDLE.
    #[arg(long, global = true, value_name = "PATH", env = "AWS_CA_BUNDLE")]
    pub ca_bundle: Option<PathBuf>,
    /// Project directory holding environments/ and stacks/.
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub chdir: PathBuf,
    /// On stderr, only errors, warnings and the summary (no progress, no lock messages). Standard
    /// output (the plan, the outputs) is unchanged: it is what scripts and reviewers read.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// No colour in the plan, even on a terminal (as NO_COLOR=1; CLICOLOR_FORCE=1 forces colour).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// At the end, print how many AWS API calls were made, by service and operation (to stderr).
    #[arg(long, global = true)]
    pub stats: bool,
    /// A parameter's value (NAME=VALUE; a list or map as YAML or JSON), over the environment file's
    /// and DTR_PARAM_<NAME>'s; repeatable, the last one wins.
    #[arg(long = "param", global = true, value_name = "NAME=VALUE", value_parser = crate::config::parse_flag)]
    pub params: Vec<(String, String)>,
    /// A YAML file of parameter values (`name: value`), over the environment file's; repeatable, in
    /// order, and under any --param.
    #[arg(long = "param-file", global = true, value_name = "FILE")]
    pub param_files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct EnvArg {
    /// Environment name (environments/<name>.yaml) or path to an environment file.
    #[arg(long, short, value_name = "NAME|PATH", env = "DTR_ENV")]
    pub env: String,
}

#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    /// Take the state lock (plan only; apply and destroy always lock).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub lock: bool,
    /// How long to wait for a held lock before giving up (e.g. 30s, 5m). Default: fail at once.
    #[arg(long, value_parser = parse_duration, default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: Duration,
    /// How long the lock outlives a holder that stops renewing it (a crash, a killed CI job); the
    /// holder renews it every third of this while it runs. Others take over an expired lock.
    #[arg(long, env = "DTR_LOCK_LEASE", value_parser = parse_lease, default_value = "60s", value_name = "DURATION")]
    pub lock_lease: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct SelectArgs {
    /// Plan only this resource (`<type>.<name>`, `<type>.<name>["key"]`), every instance of a
    /// for_each resource, or a module instance (`module.<name>`), and what they depend on; repeatable.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<crate::model::Target>,
    /// Replace this resource even though it could be kept; repeatable.
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<crate::model::ResourceAddress>,
}

impl SelectArgs {
    pub fn selection(&self) -> crate::plan::select::Selection {
        crate::plan::select::Selection {
            targets: self.targets.clone(),
            replace: self.replace.clone(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// How many independent actions may run at once.
    #[arg(long, default_value_t = crate::exec::DEFAULT_PARALLELISM, value_parser = parse_parallelism, value_name = "N")]
    pub parallelism: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check the stack and the environment. No AWS calls.
    Validate {
        #[command(flatten)]
        env: EnvArg,
        /// Print the result as JSON on stdout (the problems are still printed on stderr).
        #[arg(long)]
        json: bool,
    },
    /// Create (or fix) the state bucket and lock table named in the environment's backend.
    Bootstrap(EnvArg),
    /// Read live AWS, compare with the configuration, and print what apply would do.
    Plan {
        #[command(flatten)]
        env: EnvArg,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        select: SelectArgs,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Print the plan as JSON (same as --format json).
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// How to print the plan: human (default), json, or markdown (for a pull-request comment).
        #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
        format: PlanFormat,
        /// Also save the plan, with fingerprints of its inputs, for `dtr apply <FILE>`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// How many live reads may run at once.
        #[arg(long, default_value_t = crate::exec::DEFAULT_PARALLELISM, value_parser = parse_parallelism, value_name = "N")]
        parallelism: usize,
        /// Plan what `dtr destroy` would do: delete everything the state owns. Reads only the
        /// environment file; saved with --out, `dtr apply <FILE>` carries out exactly that destroy.
        #[arg(long, conflicts_with_all = ["targets", "replace"])]
        destroy: bool,
    },
    /// Plan, ask for confirmation, then reconcile live AWS with the configuration.
    Apply {
        /// A plan saved by `dtr plan --out`: apply exactly it (no prompt), or refuse it if its
        /// configuration or any planned resource changed since.
        #[arg(value_name = "PLAN_FILE")]
        plan: Option<PathBuf>,
        /// Environment name (environments/<name>.yaml) or path; not needed with a plan file.
        #[arg(
            long,
            short,
            value_name = "NAME|PATH",
            required_unless_present = "plan"
        )]
        env: Option<String>,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        select: SelectArgs,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Delete everything this environment manages, nothing else.
    Destroy {
        #[command(flatten)]
        env: EnvArg,
        #[command(flatten)]
        lock: LockArgs,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Adopt an existing resource into the state (e.g. one Terraform created); the next plan shows
    /// only its real differences from the configuration.
    Import {
        #[command(flatten)]
        env: EnvArg,
        #[command(flatten)]
        lock: LockArgs,
        /// The resource's address in the configuration, `<type>.<name>`.
        address: crate::model::ResourceAddress,
        /// Its id in AWS: a table, bucket, role, log group, function or alarm name; an API id;
        /// `<api id>/<child id>` for an API's authorizer, integration or route, `<api id>/<stage>`.
        physical_id: String,
    },
    /// Take over what another tool created, without touching AWS.
    #[command(subcommand)]
    Migrate(MigrateFrom),
    /// Print the dependency graph of the environment's resources as Graphviz DOT. No AWS calls.
    Graph(EnvArg),
    /// Release the state lock, only if LOCK_ID is the id of the lock held. A lock whose lease has
    /// not expired may belong to a run still working: that needs --force.
    ForceUnlock {
        #[command(flatten)]
        env: EnvArg,
        lock_id: String,
        /// Release it even though its lease is current (its holder may still be running).
        #[arg(long)]
        force: bool,
    },
    /// Print the stack's outputs, read from the state; with NAME, that one only.
    Output {
        #[command(flatten)]
        env: EnvArg,
        /// Print as JSON (every value, sensitive ones included, for scripts).
        #[arg(long, conflicts_with = "raw")]
        json: bool,
        /// Print NAME's value alone, unquoted and without a newline, for shell scripts (sensitive
        /// ones included: a script asked for it).
        #[arg(long, requires = "name")]
        raw: bool,
        /// The output to print.
        name: Option<String>,
    },
    /// Print a function's log events (as `sam logs`): from --since ago, and with --follow as they
    /// come, until interrupted.
    Logs {
        #[command(flatten)]
        env: EnvArg,
        /// The function's address, e.g. `module.tool_manager.lambda_function.function`.
        address: crate::model::ResourceAddress,
        /// How far back to start (e.g. 30s, 10m, 2h).
        #[arg(long, default_value = "10m", value_parser = parse_since, value_name = "DURATION")]
        since: Duration,
        /// Keep printing new events as they arrive (every 2 s), until interrupted.
        #[arg(long, short)]
        follow: bool,
    },
    /// Print dtr's version, the commit it was built from, and the formats it reads and writes.
    Version {
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) generated from the
    /// command line's definition: e.g. `dtr completions bash > /etc/bash_completion.d/dtr`.
    Completions { shell: clap_complete::Shell },
    /// Print dtr's man page (roff), generated from the command line's definition:
    /// `dtr man > dtr.1 && man ./dtr.1`.
    Man,
    /// Read or edit what the state records (which addresses this environment owns).
    #[command(subcommand)]
    State(StateCommand),
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// The addresses the state owns, one per line, sorted. Reads only the environment file.
    List {
        #[command(flatten)]
        env: EnvArg,
        /// Print address, kind and physical id of each as JSON.
        #[arg(long)]
        json: bool,
    },
    /// What the state records for one address: physical id, outputs, dependencies, force_destroy.
    Show {
        #[command(flatten)]
        env: EnvArg,
        /// The address, `<type>.<name>`.
        address: crate::model::ResourceAddress,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop managing these addresses and keep their live resources: forget them in the state (one
    /// write, under the lock). Nothing in AWS is touched.
    Rm {
        #[command(flatten)]
        env: EnvArg,
        #[command(flatten)]
        lock: LockArgs,
        /// Do not ask for confirmation (required without a terminal).
        #[arg(long)]
        auto_approve: bool,
        /// The addresses to forget, `<type>.<name>`.
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<crate::model::ResourceAddress>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateFrom {
    /// Match every resource of a Terraform state (format 4, as `terraform state pull` prints it) to
    /// this configuration's addresses and record them in dtr's state in one write; prints (and
    /// writes to a script) the `terraform state rm` commands that make Terraform let go.
    Terraform {
        #[command(flatten)]
        env: EnvArg,
        #[command(flatten)]
        lock: LockArgs,
        /// The Terraform state: a file, `-` for standard input, or `s3://bucket/key`.
        #[arg(value_name = "STATE")]
        state: String,
        /// Print what would be taken over, left to Terraform and created; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Where to write the `terraform state rm` commands (default terraform-state-rm-<env>.sh).
        #[arg(long, value_name = "FILE")]
        rm_script: Option<PathBuf>,
        /// How many live reads may run at once.
        #[arg(long, default_value_t = crate::exec::DEFAULT_PARALLELISM, value_parser = parse_parallelism, value_name = "N")]
        parallelism: usize,
    },
}

fn parse_lease(s: &str) -> Result<Duration, String> {
    let lease = parse_duration(s)?;
    if lease < Duration::from_secs(1) {
        return Err(format!(
            "a lock lease of {s} is too short to renew; give at least 1s"
        ));
    }
    Ok(lease)
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}` is not a duration like 30s or 5m: {e}"))
}

fn parse_parallelism(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a number from 1 to 256")),
    }
}

fn parse_since(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("`{text}`: {e} (e.g. 30s, 10m, 2h)"))
}
