//! The state, written in the background while actions run (group commit): the executor hands over a
//! snapshot after every completed action and goes on at once; one task writes, always the newest
//! snapshot, so a burst of completions costs one write, not one each, and no action waits for S3.
//!
//! An action completed but not yet written is never lost by a crash: everything dtr creates is found
//! again by its name, its `dtr:*` tags or its place under an owned parent (see `engine::observe`),
//! so the next plan adopts it. The writer only keeps the record close behind AWS and cheap.

use crate::state::{State, StateError, StateStore};
use tokio::sync::watch;

pub struct StateWriter {
    tx: watch::Sender<(u64, State)>,
    /// The newest version written so far.
    written: watch::Receiver<u64>,
    task: tokio::task::JoinHandle<Written>,
    /// Version of the newest snapshot handed over.
    version: u64,
}

/// How far the writer got: the newest version written, the stored object's serial and ETag after
/// it (each write is conditional on the previous one's ETag), and why it stopped early.
struct Written {
    version: u64,
    serial: u64,
    etag: Option<String>,
    error: Option<StateError>,
}

/// The writer stopped: the newest version it wrote, and why.
#[derive(Debug)]
pub struct WriteFailed {
    pub written: u64,
    pub reason: String,
}

impl StateWriter {
    pub fn start(store: StateStore, state: &State) -> Self {
        let (tx, mut rx) = watch::channel((0, state.clone()));
        let (written_tx, written_rx) = watch::channel(0);
        let mut written = Written {
            version: 0,
            serial: state.serial,
            etag: state.etag.clone(),
            error: None,
        };
        let task = tokio::spawn(crate::provider::stats::background(async move {
            // `changed` still yields a snapshot sent just before the sender was dropped.
            while rx.changed().await.is_ok() {
                let (version, mut snapshot) = rx.borrow_and_update().clone();
                snapshot.serial = written.serial;
                snapshot.etag = written.etag.clone();
                if let Err(error) = store.save(&mut snapshot).await {
                    written.error = Some(error);
                    break;
                }
                written.version = version;
                written.serial = snapshot.serial;
                written.etag = snapshot.etag;
                let _ = written_tx.send(version);
            }
            written
        }));
        StateWriter {
            tx,
            written: written_rx,
            task,
            version: 0,
        }
    }

    /// Hand over the state as it is now; returns its version.
    pub fn send(&mut self, state: &State) -> u64 {
        self.version += 1;
        // Fails only if the writer stopped on an error, which `failed` and `finish` report.
        let _ = self.tx.send((self.version, state.clone()));
        self.version
    }

    /// Wait until `version` is written: for an intent that must be stored before AWS is asked.
    /// False if the writer stopped on an error first.
    pub async fn written(&mut self, version: u64) -> bool {
        self.written.wait_for(|w| *w >= version).await.is_ok()
    }

    /// The writer has stopped on an error (nothing more will be written).
    pub fn failed(&self) -> bool {
        // The writer holds the only receiver until it stops, and it stops early only on an error.
        self.tx.is_closed()
    }

    /// Wait until the newest snapshot is written; returns the state's serial and ETag after it.
    pub async fn finish(self) -> Result<(u64, Option<String>), WriteFailed> {
        drop(self.tx);
        match self.task.await {
            Ok(Written {
                serial,
                etag,
                error: None,
                ..
            }) => Ok((serial, etag)),
            Ok(Written {
                version,
                error: Some(error),
                ..
            }) => Err(WriteFailed {
                written: version,
                reason: error.to_string(),
            }),
            Err(panic) => Err(WriteFailed {
                written: 0,
                reason: format!("internal error in the state writer: {panic}"),
            }),
        }
    }
}
