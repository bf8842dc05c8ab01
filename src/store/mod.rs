//! Persistence: units, survey versions, studies, waves, rosters, responses.
//!
//! The only module that knows diesel. It hands the analysis core plain data
//! (for scoring, the same rows a responses file gives) and computes no
//! statistics. Queries are written once against [`DbConnection`]; where the
//! backends must differ, the one query matches on the connection variant.
//!
//! Lookups by a unique key use `get_result`, not `first`: `first` adds
//! `LIMIT ?`, and SQLite's planner looks at a bound LIMIT, so such a
//! statement is prepared again on every run, past diesel's statement cache
//! (a quarter of the server's time under submission load).

pub mod accounts;
pub mod adoptions;
pub mod codes;
pub mod connection;
pub mod headlines;
pub mod idempotency;
pub mod invitations;
pub mod managers;
pub mod outbox;
pub mod pool;
pub mod reader;
pub mod respondents;
pub mod responses;
pub mod schema;
pub mod studies;
pub mod surveys;
pub mod texts;
pub mod unit_changes;
pub mod units;

use crate::said::Said;
pub use connection::DbConnection;
pub use pool::{Backend, Database, Migrations};

/// What can go wrong in the store, in words for the person at the keyboard.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL: {0}")]
    Url(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migrating the database failed: {0}")]
    Migration(String),
    #[error(
        "the database has {0} pending migration(s); run `klimat migrate` first (once per deploy)"
    )]
    Unmigrated(usize),
    /// Input that cannot be accepted as it is (the user can fix it).
    #[error("{0}")]
    Invalid(Said),
    /// Input with problems, every one listed; nothing was changed.
    #[error("{}:\n  {}", .0, .1.iter().map(|p| p.en.as_str()).collect::<Vec<_>>().join("\n  "))]
    Problems(Said, Vec<Said>),
    /// What is asked for does not fit the state things are in.
    #[error("{0}")]
    Conflict(Said),
    /// The whole message, such as "study `x` not found".
    #[error("{0}")]
    NotFound(Said),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Whether the database answers (for `/healthz`).
pub fn ping(conn: &mut DbConnection) -> Result<(), StoreError> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}
