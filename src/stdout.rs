//! Standard output that ends the process as a Unix tool does when its reader goes away
//! (`dtr plan --json | head`), a standard error that never ends it, and both routed around the live
//! progress display while it runs, so that nothing printed is drawn over.
//!
//! SIGPIPE stays ignored process-wide, as Rust sets it: a connection AWS (or a proxy) resets while
//! dtr writes to it must be an error the SDK retries, never a silent death; TLS writes use `writev`,
//! which cannot ask the kernel not to signal. Only a write to a closed standard output re-raises
//! SIGPIPE with its default action, so a pipeline sees the usual exit; while the state lock is held,
//! that waits until the command has recorded its work and released the lock (see [`crate::interrupt`]).

use std::io::Write;
use std::sync::Mutex;

/// The live progress display while it runs: lines are printed with it suspended, then it is redrawn
/// below them.
static LIVE: Mutex<Option<indicatif::MultiProgress>> = Mutex::new(None);

/// Route every later write around `display` (`None`: the display is finished).
pub fn set_live(display: Option<indicatif::MultiProgress>) {
    if let Ok(mut live) = LIVE.lock() {
        *live = display;
    }
}

fn around_live<R>(write: impl FnOnce() -> R) -> R {
    let live = LIVE.lock().ok().and_then(|live| live.clone());
    match live {
        Some(display) => display.suspend(write),
        None => write(),
    }
}

/// Write `text` to standard output.
pub fn write(text: &str) {
    if crate::interrupt::is_stdout_closed() {
        return;
    }
    let written = around_live(|| {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    });
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe && !crate::interrupt::stdout_closed() {
            crate::interrupt::end_by(crate::interrupt::Reason::ClosedStdout);
        }
        // Any other failure to print (a full disk behind a redirect) has nobody left to tell.
    }
}

/// `println!` through [`write`].
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::stdout::write(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`write`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::write(&format!($($arg)*))
    };
}

/// Write `text` to standard error, where progress and diagnostics go. If nobody reads it any more (a
/// CI log pipe gone), the work goes on: an apply must still finish what it started and release its
/// lock, so a failed write is dropped rather than ending the process.
pub fn write_err(text: &str) {
    around_live(|| {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
    });
}

/// `eprintln!` through [`write_err`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::stdout::write_err(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` through [`write_err`].
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::stdout::write_err(&format!($($arg)*))
    };
}
