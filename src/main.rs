use clap::Parser;
use dtr::cli::Cli;
use dtr::commands::{self, Outcome};
use dtr::interrupt::{self, Reason};
use std::process::ExitCode;

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): see `dtr::stdout` for why and how pipes still end.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap exits 2 on a usage error, which CI reads as "changes present" after
            // `plan --detailed-exitcode`: a usage error is an error (1); help and version are not.
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    dtr::logging::init();
    // AWS SDK futures are deep; unoptimised builds overflow tokio's default 2 MiB worker stacks.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            dtr::errln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        interrupt::install();
        commands::run(cli).await
    });
    let failed = result.is_err();
    let code = match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        // Terraform's -detailed-exitcode contract: 2 means "changes present".
        Ok(Outcome::ChangesPresent) => ExitCode::from(2),
        Err(e) => {
            dtr::errln!("{}", commands::render_error(&e));
            ExitCode::from(1)
        }
    };
    // Stopped while holding the lock: it is released now, so end as the signal would have.
    match interrupt::received() {
        Some(Reason::ClosedStdout) => interrupt::end_by(Reason::ClosedStdout),
        Some(reason) => {
            if !failed {
                dtr::errln!("{reason}: the command finished before it could stop");
            }
            ExitCode::from(reason.exit_code())
        }
        None => code,
    }
}
