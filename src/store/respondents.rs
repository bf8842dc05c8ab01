//! What the respondent's pages need: the wave behind a link, drafts, and the
//! one transaction that stores a response.
//!
//! A submission marks the invitation answered only if it was not, and
//! stores the response (wave, unit, coarse period, random id) in the same
//! transaction, so a token yields at most one response however many
//! submits race. Nothing ties the response to the invitation.

use diesel::prelude::*;

use super::connection::on_backend;
use super::pool::write;
use super::responses::{encode, new_id, period_of};
use super::schema::{drafts, invitations, outbox, response_texts, responses, units, waves};
use super::studies::Wave;
use super::{DbConnection, StoreError};
use crate::scoring::Answer;
use crate::token;

/// Who is answering, as far as the server knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Respondent {
    /// A personal link (e-mailed, or a one-time code on a sheet): the
    /// invitation's token hash.
    Invitation { token_hash: String },
}

/// The wave and unit behind a link.
#[derive(Debug, Clone)]
pub struct Target {
    pub respondent: Respondent,
    pub wave: Wave,
    pub unit_id: i64,
    pub unit_name: String,
    /// The invitation's language.
    pub language: Option<String>,
    pub answered: bool,
}

/// The target of a personal link's token, or None.
pub fn by_token(conn: &mut DbConnection, token: &str) -> Result<Option<Target>, StoreError> {
    let hash = token::hash(token);
    // On the backend's own connection, so diesel's statement cache applies
    // (a hot path: every opening and every submission of a link).
    let found: Option<(i64, String, bool, String, Wave)> = on_backend!(conn, c => invitations::table
        .inner_join(units::table)
        .inner_join(waves::table)
        .filter(invitations::token_hash.eq(&hash))
        .select((
            invitations::unit_id,
            invitations::language,
            invitations::answered,
            units::name,
            Wave::as_select(),
        ))
        .get_result(c)
        .optional())?;
    Ok(
        found.map(|(unit_id, language, answered, unit_name, wave)| Target {
            respondent: Respondent::Invitation { token_hash: hash },
            wave,
            unit_id,
            unit_name,
            language: Some(language),
            answered,
        }),
    )
}

/// A saved, unfinished form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub answers: Vec<Answer>,
    /// Free-text answers as a JSON object.
    pub texts: String,
    pub page: i32,
}

pub fn load_draft(
    conn: &mut DbConnection,
    key: &str,
    wave_id: i64,
    now: i64,
) -> Result<Option<Draft>, StoreError> {
    let found: Option<(Vec<u8>, String, i32)> = drafts::table
        .find(token::hash(key))
        .filter(drafts::wave_id.eq(wave_id))
        .filter(drafts::expires_at.gt(now))
        .select((drafts::answers, drafts::texts, drafts::page))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(answers, texts, page)| Draft {
        answers: super::responses::decode(&answers),
        texts,
        page,
    }))
}

pub fn save_draft(
    conn: &mut DbConnection,
    key: &str,
    wave_id: i64,
    draft: &Draft,
    expires_at: i64,
) -> Result<(), StoreError> {
    let hash = token::hash(key);
    write(conn, |conn| {
        diesel::delete(drafts::table.find(&hash)).execute(conn)?;
        diesel::insert_into(drafts::table)
            .values((
                drafts::key_hash.eq(&hash),
                drafts::wave_id.eq(wave_id),
                drafts::answers.eq(encode(&draft.answers)),
                drafts::texts.eq(&draft.texts),
                drafts::page.eq(draft.page),
                drafts::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Stored,
    /// This link was used already (a double submit lands here).
    AlreadyAnswered,
    /// The wave is not open.
    Closed,
}

/// One submission, as the form hands it over.
#[derive(Debug, Clone)]
pub struct Submission {
    pub target: Target,
    pub answers: Vec<Answer>,
    pub texts: Vec<(String, String)>,
    /// The draft to delete with it.
    pub draft_key: Option<String>,
}

/// Stores a response and marks the invitation answered, in one transaction.
pub fn submit(conn: &mut DbConnection, s: &Submission) -> Result<Submitted, StoreError> {
    Ok(submit_batch(conn, &[s])?[0])
}

/// Stores a batch of submissions in one transaction: one outcome each, in
/// order; if anything fails, nothing of the batch is kept.
pub fn submit_batch(
    conn: &mut DbConnection,
    batch: &[&Submission],
) -> Result<Vec<Submitted>, StoreError> {
    write(conn, |conn| submit_all(conn, batch))
}

/// Rows per statement when a batch is written: far below the bound
/// parameters either backend allows (SQLite 32,766, PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 500;

/// Stores a batch of submissions inside a transaction the caller holds, one
/// outcome per submission in order. The statements are per batch, not per
/// submission: the state of each wave in it, one `UPDATE … RETURNING` that
/// marks the unanswered invitations among its links answered (a link
/// already answered, or claimed earlier in the same batch, is
/// `AlreadyAnswered`), and one multi-row `INSERT` of the responses.
fn submit_all(
    conn: &mut DbConnection,
    batch: &[&Submission],
) -> Result<Vec<Submitted>, StoreError> {
    let mut open = std::collections::HashMap::new();
    for s in batch {
        let wave = s.target.wave.id;
        if let std::collections::hash_map::Entry::Vacant(e) = open.entry(wave) {
            // The backend's own connection: diesel caches the statement.
            let state: String = on_backend!(conn, c => waves::table
                .find(wave)
                .select(waves::state)
                .get_result(c))?;
            e.insert(state == "open");
        }
    }
    let hashes: Vec<&str> = batch
        .iter()
        .filter(|s| open[&s.target.wave.id])
        .map(|s| match &s.target.respondent {
            Respondent::Invitation { token_hash } => token_hash.as_str(),
        })
        .collect();
    let mut claimed = std::collections::HashSet::new();
    for chunk in hashes.chunks(ROWS_PER_STATEMENT) {
        let marked: Vec<Option<String>> = on_backend!(conn, c => diesel::update(
            invitations::table
                .filter(invitations::token_hash.eq_any(chunk))
                .filter(invitations::answered.eq(false)),
        )
        .set(invitations::answered.eq(true))
        .returning(invitations::token_hash)
        .get_results(c))?;
        claimed.extend(marked.into_iter().flatten());
    }
    let outcomes: Vec<Submitted> = batch
        .iter()
        .map(|s| {
            if !open[&s.target.wave.id] {
                return Submitted::Closed;
            }
            match &s.target.respondent {
                Respondent::Invitation { token_hash } if claimed.remove(token_hash) => {
                    Submitted::Stored
                }
                Respondent::Invitation { .. } => Submitted::AlreadyAnswered,
            }
        })
        .collect();
    let mut stored: Vec<(&Submission, String)> = batch
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| **o == Submitted::Stored)
        .map(|(s, _)| (*s, new_id()))
        .collect();
    // Rows go in in random order, not in the order people submitted.
    rand::seq::SliceRandom::shuffle(stored.as_mut_slice(), &mut rand::rng());
    for chunk in stored.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(s, id)| {
                let source = match s.target.respondent {
                    Respondent::Invitation { .. } => "invitation",
                };
                (
                    responses::id.eq(id.as_str()),
                    responses::wave_id.eq(s.target.wave.id),
                    responses::unit_id.eq(s.target.unit_id),
                    responses::period.eq(period_of(&s.target.wave)),
                    responses::source.eq(source),
                    responses::answers.eq(encode(&s.answers)),
                )
            })
            .collect();
        on_backend!(conn, c => diesel::insert_into(responses::table)
            .values(&rows)
            .execute(c))?;
    }
    for (s, id) in &stored {
        for (question, text) in &s.texts {
            diesel::insert_into(response_texts::table)
                .values((
                    response_texts::wave_id.eq(s.target.wave.id),
                    response_texts::unit_id.eq(s.target.unit_id),
                    response_texts::response_id.eq(id),
                    response_texts::question.eq(question),
                    response_texts::text.eq(text),
                ))
                .execute(conn)?;
        }
        if let Some(key) = &s.draft_key {
            diesel::delete(drafts::table.find(token::hash(key))).execute(conn)?;
        }
    }
    Ok(outcomes)
}

/// What a submitter is told once its batch committed (or failed).
pub type Reply = Box<dyn FnOnce(Result<Submitted, String>) + Send>;

/// Group commit: a thread takes the submissions that arrived while the
/// previous batch committed, stores them in one transaction, and only then
/// replies to each. On SQLite one writer at a time holds the lock anyway; on
/// PostgreSQL it is one commit (one WAL flush) per batch. (Two instances
/// could deadlock only if two links were each submitted to both at once;
/// PostgreSQL then fails one batch, whose submitters are told that nothing
/// was saved and to try again.)
/// A submission is acknowledged only after its batch is durable; if the
/// batch fails, every submitter in it hears so and nothing of it is kept.
#[derive(Clone)]
pub struct GroupCommit {
    queue: std::sync::mpsc::Sender<(Submission, Reply)>,
}

/// Submissions per transaction at most.
const GROUP: usize = 512;

impl GroupCommit {
    /// Starts the writer thread, and on SQLite a checkpointer beside it.
    pub fn start(db: super::Database) -> GroupCommit {
        let (queue, incoming) = std::sync::mpsc::channel::<(Submission, Reply)>();
        std::thread::Builder::new()
            .name("klimat-submit".into())
            .spawn(move || {
                // Dropped when the writer stops, which stops the checkpointer.
                let (_running, stopped) = std::sync::mpsc::channel::<()>();
                if matches!(db.backend, super::Backend::Sqlite(_)) {
                    let db = db.clone();
                    std::thread::Builder::new()
                        .name("klimat-checkpoint".into())
                        .spawn(move || checkpointer(&db, &stopped))
                        .expect("starting the checkpoint thread");
                }
                // Its own connection, outside the pool and held: waiting for
                // the pool behind the readers would stall the whole batch.
                let mut held: Option<DbConnection> = None;
                while let Ok(first) = incoming.recv() {
                    let mut batch = vec![first];
                    while batch.len() < GROUP {
                        match incoming.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    if held.is_none() {
                        held = writer_connection(&db).ok();
                    }
                    let stored = match held.as_mut() {
                        None => Err(StoreError::Connect("no database connection".into())),
                        Some(conn) => {
                            let submissions: Vec<&Submission> =
                                batch.iter().map(|(s, _)| s).collect();
                            submit_batch(conn, &submissions)
                        }
                    };
                    if stored.is_err() {
                        held = None;
                    }
                    match stored {
                        Ok(outcomes) => {
                            for ((_, reply), outcome) in batch.into_iter().zip(outcomes) {
                                reply(Ok(outcome));
                            }
                        }
                        Err(e) => {
                            let e = e.to_string();
                            for (_, reply) in batch {
                                reply(Err(e.clone()));
                            }
                        }
                    }
                }
            })
            .expect("starting the submission thread");
        GroupCommit { queue }
    }

    /// Queues a submission; `reply` is called after its batch committed.
    pub fn submit(&self, submission: Submission, reply: Reply) {
        if let Err(std::sync::mpsc::SendError((_, reply))) = self.queue.send((submission, reply)) {
            reply(Err("the submission thread has stopped".into()));
        }
    }
}

/// The writer's page cache on SQLite, in KiB (2,048 pages of 4 KiB).
///
/// Small on purpose. When a B-tree page splits, SQLite moves pages through
/// a scratch slot numbered past the end of the file, and the commit after
/// it then walks the writer's whole page cache looking for pages to drop.
/// Submissions to random keys split pages in nearly every batch, so with
/// the pool's 64 MiB cache that walk was 26–29 % of the writer's CPU; with
/// 8 MiB it is 7 %, and the pages no longer cached are read back from the
/// operating system's cache (6 %). Writer CPU per submission fell by a
/// fifth.
const WRITER_CACHE_KIB: u32 = 8_192;

/// The writer's connection: outside the pool, with its own page cache size.
fn writer_connection(db: &super::Database) -> Result<DbConnection, StoreError> {
    let mut conn = db.dedicated()?;
    #[allow(irrefutable_let_patterns)]
    if let DbConnection::Sqlite(c) = &mut conn {
        diesel::sql_query(format!("PRAGMA cache_size = -{WRITER_CACHE_KIB}")).execute(c)?;
    }
    Ok(conn)
}

/// Milliseconds between the checkpointer's rounds. At 100 ms the writer's
/// own checkpoint found a tenth of a second of pages still to copy and
/// stalled every submitter for 30–50 ms (p99 100 ms at 5,800/s); at 20 ms
/// it finds a few, and p99 stays near 25 ms.
const CHECKPOINT_MS: u64 = 20;

/// Copies committed pages from the WAL into the database file beside the
/// writer (PASSIVE: it waits for no one), until `stopped` hangs up. The
/// writer still checkpoints after a commit that brings the WAL past
/// SQLite's 1,000 pages, which is what lets the next write start the WAL
/// over (under steady load a checkpoint beside the writer never catches
/// up with it, and the WAL would grow without bound: 1.4 GB in 20 s); but
/// this thread has copied nearly every page by then, so the writer's
/// share, and the time its submitters wait, is small.
fn checkpointer(db: &super::Database, stopped: &std::sync::mpsc::Receiver<()>) {
    let interval = std::time::Duration::from_millis(CHECKPOINT_MS);
    let mut conn = None;
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
        if conn.is_none() {
            conn = db.dedicated().ok();
        }
        if let Some(c) = conn.as_mut()
            && let Err(e) = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").execute(c)
        {
            log::warn!("checkpoint: {e}");
            conn = None;
        }
    }
}

/// Rewrites a wave's responses and free texts in key order (unit, random
/// id), so that where a row sits in the file no longer follows when it was
/// submitted: SQLite places each new cell below the last one in its page,
/// so the cell offsets of a page of an open wave are in submission order.
/// Deleted content is overwritten (`secure_delete`) on SQLite. On
/// PostgreSQL the rows are written anew in key order; the old row versions
/// stay in the table's pages until (auto)vacuum reclaims them.
fn rewrite_in_key_order(conn: &mut DbConnection, wave_id: i64) -> Result<(), StoreError> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    if sqlite {
        diesel::sql_query("PRAGMA secure_delete = ON").execute(conn)?;
    }
    let statements = [
        "DROP TABLE IF EXISTS klimat_rewrite_responses",
        "DROP TABLE IF EXISTS klimat_rewrite_texts",
        "CREATE TEMPORARY TABLE klimat_rewrite_responses AS SELECT * FROM responses WHERE wave_id = $1",
        "CREATE TEMPORARY TABLE klimat_rewrite_texts AS SELECT * FROM response_texts WHERE wave_id = $1",
        "DELETE FROM response_texts WHERE wave_id = $1",
        "DELETE FROM responses WHERE wave_id = $1",
        "INSERT INTO responses (wave_id, unit_id, id, period, source, answers) \
         SELECT wave_id, unit_id, id, period, source, answers FROM klimat_rewrite_responses ORDER BY wave_id, unit_id, id",
        "INSERT INTO response_texts (wave_id, unit_id, response_id, question, text) \
         SELECT wave_id, unit_id, response_id, question, text FROM klimat_rewrite_texts \
         ORDER BY wave_id, unit_id, response_id, question",
        "DROP TABLE klimat_rewrite_responses",
        "DROP TABLE klimat_rewrite_texts",
    ];
    let result = statements.iter().try_for_each(|sql| {
        let sql = if sql.contains("$1") {
            sql.replace("$1", &wave_id.to_string())
        } else {
            (*sql).to_owned()
        };
        diesel::sql_query(sql).execute(conn).map(|_| ())
    });
    if sqlite {
        diesel::sql_query("PRAGMA secure_delete = OFF").execute(conn)?;
    }
    Ok(result?)
}

/// Closing a wave: deletes its drafts, removes personal details from its
/// free texts (while the roster still has the names), cancels its queued
/// messages, and rewrites its responses and free texts in key order (the
/// texts' originals overwritten on SQLite).
pub fn on_close(conn: &mut DbConnection, wave_id: i64) -> Result<(), StoreError> {
    diesel::delete(drafts::table.filter(drafts::wave_id.eq(wave_id))).execute(conn)?;
    super::texts::redact_wave(conn, wave_id)?;
    rewrite_in_key_order(conn, wave_id)?;
    diesel::update(
        outbox::table
            .filter(outbox::wave_id.eq(wave_id))
            .filter(outbox::state.eq("queued")),
    )
    .set((
        outbox::state.eq("cancelled"),
        outbox::last_error.eq("the wave closed"),
    ))
    .execute(conn)?;
    Ok(())
}
