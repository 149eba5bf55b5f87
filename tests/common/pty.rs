//! A pseudo-terminal for tests that need dtr on a real terminal: a confirmation prompt (stdin must be a
//! terminal) or the live progress display (stderr must be one). The child gets the terminal as its
//! controlling terminal, so a Ctrl-C typed into it signals the child as a user's would.

use std::fs::File;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub struct Pty {
    /// What the terminal's user types goes here; what the child prints comes out of it.
    pub master: File,
    slave: OwnedFd,
}

/// Which of the child's standard streams are the terminal.
pub struct Streams {
    pub stdout: bool,
    pub stderr: bool,
}

impl Pty {
    pub fn open(rows: u16, cols: u16) -> Pty {
        let (mut master, mut slave) = (-1, -1);
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two new descriptors, which we then own.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened by openpty and are owned by nothing else.
        unsafe {
            Pty {
                master: File::from_raw_fd(master),
                slave: OwnedFd::from_raw_fd(slave),
            }
        }
    }

    /// Start `cmd` with the terminal as its stdin (and the `streams` chosen) and controlling terminal.
    /// The command is consumed so that this process keeps no copy of the terminal's child end: once
    /// the child exits, reading the master ends.
    pub fn spawn(self, mut cmd: Command, streams: Streams) -> (Child, File) {
        let end = || Stdio::from(self.slave.try_clone().expect("dup the terminal"));
        cmd.stdin(end());
        if streams.stdout {
            cmd.stdout(end());
        }
        if streams.stderr {
            cmd.stderr(end());
        }
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("start dtr on the terminal");
        drop(cmd);
        drop(self.slave);
        (child, self.master)
    }
}

/// Collect everything the terminal shows, on a thread, until the child's side is closed.
pub fn record(mut master: File) -> (Arc<Mutex<Vec<u8>>>, std::thread::JoinHandle<()>) {
    let shown = Arc::new(Mutex::new(Vec::new()));
    let sink = shown.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        // EIO once no process holds the terminal any more.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    (shown, reader)
}

/// `dtr` on a terminal of its own, as a person at its confirmation prompt runs it: stdin, stdout and
/// stderr are the terminal, everything it shows is recorded, and a line can be typed in.
pub struct AtPrompt {
    child: Child,
    keys: File,
    shown: Arc<Mutex<Vec<u8>>>,
    reader: std::thread::JoinHandle<()>,
}

impl AtPrompt {
    pub fn start(cmd: Command) -> AtPrompt {
        let (child, master) = Pty::open(50, 200).spawn(
            cmd,
            Streams {
                stdout: true,
                stderr: true,
            },
        );
        let keys = master.try_clone().expect("dup the terminal");
        let (shown, reader) = record(master);
        AtPrompt {
            child,
            keys,
            shown,
            reader,
        }
    }

    /// Everything shown so far.
    pub fn shown(&self) -> String {
        String::from_utf8_lossy(&self.shown.lock().unwrap()).into_owned()
    }

    /// Wait until `text` is on the terminal; fail the test after a minute.
    pub fn wait_for(&self, text: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !self.shown().contains(text) {
            assert!(
                std::time::Instant::now() < deadline,
                "never showed {text:?}:\n{}",
                self.shown()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Type `line` and Enter.
    pub fn type_line(&mut self, line: &str) {
        use std::io::Write;
        self.keys
            .write_all(format!("{line}\n").as_bytes())
            .expect("type into the terminal");
    }

    /// Wait for dtr to exit (failing the test after two minutes): its exit code and all it showed.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for dtr") {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("dtr did not exit:\n{}", self.shown());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        drop(self.keys);
        let _ = self.reader.join();
        let shown = String::from_utf8_lossy(&self.shown.lock().unwrap()).into_owned();
        (status.code(), shown)
    }
}
