//! The database connection: SQLite (embedded, the default) or PostgreSQL
//! (cargo feature `postgres`), chosen explicitly by the URL's scheme.

use diesel::sqlite::SqliteConnection;

#[cfg(feature = "postgres")]
use diesel::pg::PgConnection;

/// One connection to either backend; queries are written once against it.
#[cfg(feature = "postgres")]
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// One connection; this build has SQLite only.
#[cfg(not(feature = "postgres"))]
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection, for the few
/// queries that diesel cannot write once for both backends (batch inserts,
/// RETURNING). The body is compiled once per backend.
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::store::connection::DbConnection::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            $crate::store::connection::DbConnection::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_backend;
