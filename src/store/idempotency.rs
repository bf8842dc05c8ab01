//! Answers remembered under an `Idempotency-Key`, per caller.

use diesel::prelude::*;

use super::schema::idempotency_keys as k;
use super::{DbConnection, StoreError};

/// A remembered answer: what was asked (method and path) and the reply.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Remembered {
    pub request: String,
    pub status: i32,
    pub body: String,
}

pub fn find(
    conn: &mut DbConnection,
    actor: &str,
    key: &str,
) -> Result<Option<Remembered>, StoreError> {
    Ok(k::table
        .find((actor, key))
        .select((k::request, k::status, k::body))
        .get_result(conn)
        .optional()?)
}

pub fn remember(
    conn: &mut DbConnection,
    actor: &str,
    key: &str,
    answer: &Remembered,
    now: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(k::table)
        .values((
            k::actor.eq(actor),
            k::key.eq(key),
            k::request.eq(&answer.request),
            k::status.eq(answer.status),
            k::body.eq(&answer.body),
            k::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
