//! Standard output that ends the process as a Unix tool does when its reader goes away
//! (`dtr plan --json | head`).
//!
//! SIGPIPE stays ignored process-wide, as Rust sets it: a connection AWS (or a proxy) resets while
//! dtr writes to it must be an error the SDK retries, never a silent death; TLS writes use `writev`,
//! which cannot ask the kernel not to signal. Only a write to a closed standard output re-raises
//! SIGPIPE with its default action, so a pipeline sees the usual exit.

use std::io::Write;

/// Write `text` to standard output.
pub fn write(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            #[cfg(unix)]
            // SAFETY: restoring a signal's default action and raising it; nothing runs after.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                libc::raise(libc::SIGPIPE);
            }
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
