//! Opening the database: the URL's scheme picks the backend explicitly, a
//! pool with timeouts hands out connections, SQLite connections get their
//! pragmas, and migrations are embedded in the binary.

use std::time::Duration;

use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection as _, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::StoreError;
use super::connection::DbConnection;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Waiting for a locked SQLite database before giving up, in milliseconds.
const BUSY_TIMEOUT_MS: u32 = 10_000;

/// Which backend a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The path of the SQLite file.
    Sqlite(String),
    Postgres(String),
}

impl Backend {
    /// `sqlite://PATH` (also `sqlite:PATH`) or `postgres://…` / `postgresql://…`;
    /// anything else is refused, so a mistyped PostgreSQL URL never becomes a
    /// new SQLite file.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(StoreError::Url(format!(
                    "`{url}` names no file; write sqlite://klimat.db"
                )));
            }
            return Ok(Backend::Sqlite(path.to_owned()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_owned()));
        }
        Err(StoreError::Url(format!(
            "`{}` is neither sqlite://PATH nor postgres://user:password@host/database",
            crate::config::redact_url_password(url)
        )))
    }
}

/// Per-connection SQLite settings: busy_timeout first (so that even setting
/// WAL waits for a lock instead of failing), then WAL, NORMAL sync, foreign keys.
#[derive(Debug, Clone, Copy)]
struct SqlitePragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        #[allow(irrefutable_let_patterns)]
        if let DbConnection::Sqlite(c) = conn {
            for pragma in [
                format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"),
                "PRAGMA journal_mode = WAL".to_owned(),
                "PRAGMA synchronous = NORMAL".to_owned(),
                "PRAGMA foreign_keys = ON".to_owned(),
                // Temporary tables and indexes (an `IN (…)` list, a sort) in
                // memory: as files, each batch of submissions created one.
                "PRAGMA temp_store = MEMORY".to_owned(),
                // Responses have random keys, so imports touch pages all over
                // the table: a larger page cache (64 MiB) keeps them in memory.
                "PRAGMA cache_size = -65536".to_owned(),
                // No memory-mapped I/O (`mmap_size` stays 0): SQLite unmaps
                // the whole file whenever another connection has committed,
                // and under a stream of submissions re-mapping it cost each
                // read page faults and TLB shootdowns on every core (a link
                // lookup took 38 µs of CPU with a 1 GiB map, 27 µs without).
            ] {
                diesel::sql_query(pragma)
                    .execute(c)
                    .map_err(diesel::r2d2::Error::QueryError)?;
            }
        }
        Ok(())
    }
}

pub type DbPool = Pool<ConnectionManager<DbConnection>>;
pub type PooledDb = PooledConnection<ConnectionManager<DbConnection>>;

/// The database: a pool and which backend it talks to.
#[derive(Clone)]
pub struct Database {
    pub pool: DbPool,
    pub backend: Backend,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match &self.backend {
            Backend::Sqlite(path) => format!("sqlite {path}"),
            Backend::Postgres(url) => {
                format!("postgres {}", crate::config::redact_url_password(url))
            }
        };
        f.debug_struct("Database")
            .field("backend", &backend)
            .finish()
    }
}

/// What to do about migrations when opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrations {
    /// Apply pending migrations (SQLite, and `klimat migrate`).
    Apply,
    /// Refuse to work on a database with pending migrations (PostgreSQL
    /// servers: one deploy step migrates, instances never race to).
    Require,
}

impl Database {
    /// Opens the database at `url`. SQLite is migrated on open; PostgreSQL
    /// is migrated only with [`Migrations::Apply`].
    pub fn open(url: &str, migrations: Migrations) -> Result<Database, StoreError> {
        let backend = Backend::from_url(url)?;
        let connection_url = match &backend {
            Backend::Sqlite(path) => path.clone(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(url) => url.clone(),
            #[cfg(not(feature = "postgres"))]
            Backend::Postgres(_) => {
                return Err(StoreError::Url(
                    "this klimat was built without PostgreSQL support; rebuild it with `--features postgres`".into(),
                ));
            }
        };
        let manager = ConnectionManager::<DbConnection>::new(connection_url);
        let pool = Pool::builder()
            .max_size(match backend {
                Backend::Sqlite(_) => 8,
                Backend::Postgres(_) => 16,
            })
            .connection_timeout(Duration::from_secs(10))
            // r2d2 would run `SELECT 1` on every checkout; a broken
            // connection shows itself on the query that uses it.
            .test_on_check_out(false)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(manager)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        let db = Database { pool, backend };
        #[cfg(not(feature = "postgres"))]
        let _ = migrations;
        let mut conn = db.get()?;
        let pending = match &db.backend {
            Backend::Sqlite(_) => run_or_check(&mut conn, SQLITE_MIGRATIONS, true)?,
            Backend::Postgres(_) => {
                #[cfg(feature = "postgres")]
                {
                    run_or_check(
                        &mut conn,
                        POSTGRES_MIGRATIONS,
                        migrations == Migrations::Apply,
                    )?
                }
                #[cfg(not(feature = "postgres"))]
                unreachable!("refused above")
            }
        };
        if pending > 0 {
            return Err(StoreError::Unmigrated(pending));
        }
        Ok(db)
    }

    pub fn get(&self) -> Result<PooledDb, StoreError> {
        self.pool
            .get()
            .map_err(|e| StoreError::Connect(e.to_string()))
    }

    /// A connection of its own, outside the pool, set up as the pool's are;
    /// for a thread that holds one for its lifetime and changes its
    /// settings (the submission writer, the checkpointer).
    pub fn dedicated(&self) -> Result<DbConnection, StoreError> {
        let connect = |e: diesel::ConnectionError| StoreError::Connect(e.to_string());
        let mut conn = match &self.backend {
            Backend::Sqlite(path) => {
                DbConnection::Sqlite(diesel::SqliteConnection::establish(path).map_err(connect)?)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(url) => {
                DbConnection::Postgres(diesel::PgConnection::establish(url).map_err(connect)?)
            }
            #[cfg(not(feature = "postgres"))]
            Backend::Postgres(_) => unreachable!("refused when the database was opened"),
        };
        SqlitePragmas
            .on_acquire(&mut conn)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        Ok(conn)
    }
}

/// Applies pending migrations (`apply`) or counts them.
fn run_or_check(
    conn: &mut DbConnection,
    migrations: EmbeddedMigrations,
    apply: bool,
) -> Result<usize, StoreError> {
    let migrate =
        |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    if apply {
        conn.run_pending_migrations(migrations).map_err(migrate)?;
        Ok(0)
    } else {
        Ok(conn.pending_migrations(migrations).map_err(migrate)?.len())
    }
}

/// A write transaction. On SQLite it begins IMMEDIATE, so that it takes the
/// write lock at the start and waits (busy_timeout) instead of failing later
/// with "database is locked" when a read turns into a write. A write inside
/// a write joins it (a use case and its audit entry commit together): on
/// SQLite the inner one simply runs in the outer transaction, on PostgreSQL
/// diesel makes it a savepoint.
pub fn write<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    #[allow(irrefutable_let_patterns)]
    if let DbConnection::Sqlite(c) = conn {
        let _ = c;
        if IN_SQLITE_WRITE.get() {
            return f(conn);
        }
        struct Leave;
        impl Drop for Leave {
            fn drop(&mut self) {
                IN_SQLITE_WRITE.set(false);
            }
        }
        IN_SQLITE_WRITE.set(true);
        let _leave = Leave;
        return sqlite_immediate(conn, f);
    }
    conn.transaction(f)
}

/// [`write`] for work whose errors are not the store's (a use case's own
/// error type): the transaction rolls back and the work's own error comes
/// back.
pub fn write_as<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    let mut failed = None;
    let result = write(conn, |c| {
        f(c).map_err(|e| {
            failed = Some(e);
            StoreError::Query(diesel::result::Error::RollbackTransaction)
        })
    });
    match result {
        Ok(v) => Ok(v),
        Err(e) => Err(failed.unwrap_or_else(|| e.into())),
    }
}

thread_local! {
    /// Whether this thread is inside a SQLite write transaction. A
    /// connection is used by one thread at a time and a write's work runs on
    /// the thread that began it, so this is the connection's own state.
    static IN_SQLITE_WRITE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn sqlite_immediate<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    diesel::sql_query("BEGIN IMMEDIATE").execute(conn)?;
    match f(conn) {
        Ok(v) => {
            diesel::sql_query("COMMIT").execute(conn)?;
            Ok(v)
        }
        Err(e) => {
            let _ = diesel::sql_query("ROLLBACK").execute(conn);
            Err(e)
        }
    }
}
