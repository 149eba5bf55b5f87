use clap::Parser;
use dtr::cli::Cli;
use dtr::commands::{self, Outcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): see `dtr::stdout` for why and how pipes still end.
    let cli = Cli::parse();
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
    match runtime.block_on(commands::run(cli)) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        // Terraform's -detailed-exitcode contract: 2 means "changes present".
        Ok(Outcome::ChangesPresent) => ExitCode::from(2),
        Err(e) => {
            dtr::errln!("{}", commands::render_error(&e));
            ExitCode::from(1)
        }
    }
}
