//! `DTR_LOG`: debug logging on stderr, as `RUST_LOG` with tracing's env filter. A bare level
//! (`DTR_LOG=debug`) applies to dtr's own events only: every AWS call with its attempt, status and
//! request id (`dtr::aws`), never headers or bodies. Full directives (`DTR_LOG=aws_smithy_runtime=trace`)
//! pass through as written: the SDK's own logs are then the user's choice.

use tracing_subscriber::EnvFilter;

pub const VARIABLE: &str = "DTR_LOG";

/// Install the subscriber when `DTR_LOG` is set; nothing otherwise.
pub fn init() {
    let Ok(value) = std::env::var(VARIABLE) else {
        return;
    };
    let directives = scoped(&value);
    let filter = match EnvFilter::builder().parse(&directives) {
        Ok(filter) => filter,
        Err(e) => {
            crate::errln!(
                "warning: {VARIABLE}={value:?} is not a log filter ({e}); logging is off"
            );
            return;
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// A bare level (`debug`) scoped to dtr's own targets; anything else as written.
fn scoped(value: &str) -> String {
    let level = value.trim();
    match ["error", "warn", "info", "debug", "trace"].contains(&level.to_ascii_lowercase().as_str())
    {
        true => format!("dtr={level}"),
        false => level.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bare_level_is_scoped_to_dtr_and_directives_pass_through() {
        assert_eq!(super::scoped("debug"), "dtr=debug");
        assert_eq!(super::scoped(" TRACE "), "dtr=TRACE");
        assert_eq!(
            super::scoped("dtr=debug,aws_smithy_runtime=trace"),
            "dtr=debug,aws_smithy_runtime=trace"
        );
    }
}
