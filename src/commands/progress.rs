//! Progress at the edge: live spinners on a terminal, timestamped plain lines in CI and pipes.
//! Everything here goes to stderr; plans, JSON and outputs go to stdout.

use crate::exec::Reporter;
use crate::model::ResourceAddress;
use crate::plan::Action;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// stderr is a terminal and this is not CI: live progress allowed.
    pub interactive: bool,
    /// Colour on stdout: see [`color_wanted`].
    pub color: bool,
    pub quiet: bool,
}

/// Whether stdout gets colour, by the conventions terminals share (https://no-color.org,
/// https://bixense.com/clicolors/): `--no-color` or a non-empty `NO_COLOR` turn it off; else a
/// `CLICOLOR_FORCE` other than `0` turns it on, even into a pipe (a CI log that renders ANSI); else
/// a terminal gets colour unless `CLICOLOR=0`.
pub fn color_wanted(flag_off: bool, var: &dyn Fn(&str) -> Option<String>, terminal: bool) -> bool {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    if flag_off || set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    terminal && set("CLICOLOR").is_none_or(|v| v != "0")
}

fn timestamp() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::macros::format_description!(
            "[hour]:[minute]:[second].[subsecond digits:3]"
        ))
        .unwrap_or_default()
}

impl Printer {
    pub fn detect(quiet: bool, no_color: bool) -> Self {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        let var = |name: &str| std::env::var(name).ok();
        Printer {
            interactive: std::io::stderr().is_terminal() && !ci,
            color: color_wanted(no_color, &var, std::io::stdout().is_terminal()),
            quiet,
        }
    }

    fn line(&self, text: &str) -> String {
        self.line_at(&timestamp(), text)
    }

    /// A line as printed: stamped with `stamp` in a log, bare on a terminal.
    fn line_at(&self, stamp: &str, text: &str) -> String {
        if self.interactive {
            text.to_string()
        } else {
            format!("{stamp} {text}")
        }
    }

    /// The time `info_stamped` will show for something that starts now.
    pub fn stamp(&self) -> String {
        timestamp()
    }

    /// `info`, stamped (in a log) with a time taken earlier, when what it reports began: a log's
    /// `state lock released` shows when the release was asked for, so that no other run can show
    /// the lock acquired before this run stopped acting on it.
    pub fn info_stamped(&self, stamp: &str, text: &str) {
        if !self.quiet {
            crate::errln!("{}", self.line_at(stamp, text));
        }
    }

    pub fn info(&self, text: &str) {
        if !self.quiet {
            crate::errln!("{}", self.line(text));
        }
    }

    pub fn warn(&self, text: &str) {
        crate::errln!("{}", self.line(&format!("warning: {text}")));
    }

    /// While the lock is held by another run: one line that follows it. On a terminal a single
    /// line is rewritten in place (its lease counting down); in a log, a line is printed when the
    /// holder changes, not at every poll.
    pub fn lock_wait(&self) -> LockWait {
        let bar = (self.interactive && !self.quiet).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        LockWait {
            printer: *self,
            bar,
            last: Mutex::new(None),
        }
    }

    /// Printed even with `--quiet`: summaries.
    pub fn summary(&self, text: &str) {
        crate::errln!("{}", self.line(text));
    }

    pub fn reporter(&self) -> Box<dyn Reporter> {
        if self.quiet {
            Box::new(Quiet)
        } else if self.interactive {
            Box::new(Live::start())
        } else {
            Box::new(Plain)
        }
    }
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("creating", "created"),
        Action::Update => ("updating", "updated"),
        Action::Replace => ("replacing", "replaced"),
        Action::Delete => ("deleting", "deleted"),
        Action::NoOp => ("recording", "recorded"),
        Action::Forget => ("forgetting", "forgotten"),
    }
}

struct Quiet;

impl Reporter for Quiet {
    fn started(&self, _: &ResourceAddress, _: Action) {}
    fn finished(
        &self,
        address: &ResourceAddress,
        action: Action,
        error: Option<&str>,
        _: Duration,
    ) {
        if let Some(e) = error {
            crate::errln!(
                "{} {address} failed to {}: {e}",
                timestamp(),
                action.describe()
            );
        }
    }
}

struct Plain;

impl Reporter for Plain {
    fn started(&self, address: &ResourceAddress, action: Action) {
        crate::errln!("{} {address}: {}...", timestamp(), verb(action).0);
    }
    fn finished(
        &self,
        address: &ResourceAddress,
        action: Action,
        error: Option<&str>,
        elapsed: Duration,
    ) {
        match error {
            None => crate::errln!(
                "{} {address}: {} ({:.1}s)",
                timestamp(),
                verb(action).1,
                elapsed.as_secs_f64()
            ),
            Some(e) => crate::errln!(
                "{} {address}: FAILED to {} after {:.1}s: {e}",
                timestamp(),
                action.describe(),
                elapsed.as_secs_f64()
            ),
        }
    }
}

/// Spinners for the actions in flight under an overall bar. A finished action becomes a line printed
/// above them, so the live area stays a few lines tall; while it runs every other line dtr prints
/// goes around it (see [`crate::stdout::set_live`]), and dropping it clears it, so the summary and
/// the outputs that follow are printed below the last action's line, never drawn over.
struct Live {
    bars: MultiProgress,
    in_flight: Mutex<HashMap<ResourceAddress, ProgressBar>>,
    overall: Mutex<Option<ProgressBar>>,
}

impl Live {
    fn start() -> Self {
        let bars = MultiProgress::new();
        crate::stdout::set_live(Some(bars.clone()));
        Live {
            bars,
            in_flight: Mutex::default(),
            overall: Mutex::default(),
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        crate::stdout::set_live(None);
        let spinners = self
            .in_flight
            .lock()
            .map(|mut m| m.drain().map(|(_, bar)| bar).collect::<Vec<_>>())
            .unwrap_or_default();
        let overall = self.overall.lock().ok().and_then(|mut o| o.take());
        for bar in spinners.into_iter().chain(overall) {
            bar.finish_and_clear();
        }
        let _ = self.bars.clear();
    }
}

impl Reporter for Live {
    fn planned(&self, total: usize) {
        let bar = self.bars.add(ProgressBar::new(total as u64));
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} actions [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        if let Ok(mut overall) = self.overall.lock() {
            *overall = Some(bar);
        }
    }

    fn started(&self, address: &ResourceAddress, action: Action) {
        let bar = self.bars.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("{} {address}", verb(action).0));
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut map) = self.in_flight.lock() {
            map.insert(address.clone(), bar);
        }
    }

    fn finished(
        &self,
        address: &ResourceAddress,
        action: Action,
        error: Option<&str>,
        elapsed: Duration,
    ) {
        if let Some(overall) = self.overall.lock().ok().and_then(|o| o.clone()) {
            overall.inc(1);
        }
        let bar = self
            .in_flight
            .lock()
            .ok()
            .and_then(|mut m| m.remove(address));
        let text = match error {
            None => format!(
                "✓ {} {address} ({:.1}s)",
                verb(action).1,
                elapsed.as_secs_f64()
            ),
            Some(e) => format!("✗ {address}: failed to {}: {e}", action.describe()),
        };
        if let Some(bar) = bar {
            bar.finish_and_clear();
            self.bars.remove(&bar);
        }
        let _ = self.bars.println(text);
    }
}

/// See [`Printer::lock_wait`].
pub struct LockWait {
    printer: Printer,
    bar: Option<ProgressBar>,
    /// The holder last printed (plain output).
    last: Mutex<Option<String>>,
}

impl LockWait {
    /// The lock is held by `holder_id`, described by `text`.
    pub fn held(&self, holder_id: &str, text: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(text.to_string()),
            None => {
                let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
                if last.as_deref() != Some(holder_id) {
                    self.printer.info(text);
                    *last = Some(holder_id.to_string());
                }
            }
        }
    }
}

impl Drop for LockWait {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod color_tests {
    use super::color_wanted;

    fn with<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_flag_and_no_color_win_then_clicolor_force_then_the_terminal() {
        assert!(color_wanted(false, &with(&[]), true));
        assert!(!color_wanted(false, &with(&[]), false));
        assert!(!color_wanted(true, &with(&[("CLICOLOR_FORCE", "1")]), true));
        assert!(!color_wanted(
            false,
            &with(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]),
            true
        ));
        assert!(
            color_wanted(false, &with(&[("NO_COLOR", "")]), true),
            "an empty NO_COLOR is unset"
        );
        assert!(color_wanted(
            false,
            &with(&[("CLICOLOR_FORCE", "1")]),
            false
        ));
        assert!(!color_wanted(
            false,
            &with(&[("CLICOLOR_FORCE", "0")]),
            false
        ));
        assert!(!color_wanted(false, &with(&[("CLICOLOR", "0")]), true));
    }
}
