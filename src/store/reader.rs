//! Short reads in bursts, on SQLite: one thread with a connection of its own
//! answers the reads that arrived together inside one read transaction.
//!
//! SQLite throws a connection's page cache away whenever another connection
//! committed since its last read transaction (and, with memory-mapped I/O,
//! unmaps the file too). Under a stream of submissions the writer commits
//! every millisecond or two, so a pooled link lookup, one transaction each,
//! rebuilt its pages every time: 60–90 µs of CPU for a lookup by a unique
//! key, more than the rest of a submission's HTTP handling. In a burst the
//! cache is rebuilt once and the blocking pool's hand-over is not paid.
//!
//! A burst holds at most [`READS_PER_TRANSACTION`] reads, so its snapshot is
//! never more than a few milliseconds old and never keeps a checkpoint from
//! restarting the WAL for long. The reads must not need a fresher snapshot
//! than that: a link lookup qualifies, because the writer checks again
//! whether the link is unanswered and its wave open when it stores.

use std::sync::mpsc;

use diesel::Connection;

use super::{Database, DbConnection, StoreError};

/// A read to run; it sends its own result wherever it needs to go.
pub type Read = Box<dyn FnOnce(&mut DbConnection) + Send>;

/// Reads per transaction at most.
pub const READS_PER_TRANSACTION: usize = 64;

/// The handle of the reader thread; the thread stops when the last handle
/// is dropped.
#[derive(Clone)]
pub struct Reader {
    queue: mpsc::Sender<Read>,
}

impl Reader {
    /// Starts the reader thread on `db`.
    pub fn start(db: Database) -> Reader {
        let (queue, incoming) = mpsc::channel::<Read>();
        std::thread::Builder::new()
            .name("klimat-reader".into())
            .spawn(move || {
                let mut held: Option<DbConnection> = None;
                while let Ok(first) = incoming.recv() {
                    if held.is_none() {
                        held = db.dedicated().ok();
                    }
                    // Without a connection the read is dropped, and with it
                    // the sender of its result: its caller hears it failed.
                    let Some(conn) = held.as_mut() else { continue };
                    let burst = conn.transaction(|c| {
                        run_one(first, c);
                        for _ in 1..READS_PER_TRANSACTION {
                            match incoming.try_recv() {
                                Ok(read) => run_one(read, c),
                                Err(_) => break,
                            }
                        }
                        Ok::<_, StoreError>(())
                    });
                    if let Err(e) = burst {
                        log::warn!("reader: {e}");
                        held = None;
                    }
                }
            })
            .expect("starting the reader thread");
        Reader { queue }
    }

    /// Queues `read`. If the thread has stopped, `read` is dropped unrun.
    pub fn run(&self, read: Read) {
        let _ = self.queue.send(read);
    }
}

/// Runs one read; a read that panics loses only its own result.
fn run_one(read: Read, conn: &mut DbConnection) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(conn))).is_err() {
        log::error!("reader: a read panicked");
    }
}
