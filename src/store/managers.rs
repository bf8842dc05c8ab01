//! Unit managers and the notices that tell them their unit's feedback report
//! is ready. The roster is replaced whole by each upload; a notice is queued
//! once per wave, unit and address, claimed by the outbox worker under a
//! lease as invitations are, and marked sent only after the relay accepted
//! it.

use diesel::prelude::*;

use super::connection::on_backend;
use super::outbox::{Outcome, now_ms};
use super::pool::write;
use super::schema::{manager_notices, studies, unit_managers, units, waves};
use super::{DbConnection, StoreError};

/// One line of the roster: a unit (id) and a manager's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager {
    pub unit_id: i64,
    pub email: String,
    pub language: String,
}

/// A manager as listed: the unit's code and name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    pub unit: String,
    pub unit_name: String,
    pub email: String,
    pub language: String,
}

/// Replaces the roster with `managers`, in the caller's transaction.
pub fn replace(conn: &mut DbConnection, managers: &[Manager]) -> Result<(), StoreError> {
    diesel::delete(unit_managers::table).execute(conn)?;
    let values: Vec<_> = managers
        .iter()
        .map(|m| {
            (
                unit_managers::unit_id.eq(m.unit_id),
                unit_managers::email.eq(&m.email),
                unit_managers::language.eq(&m.language),
            )
        })
        .collect();
    for chunk in values.chunks(4_000) {
        on_backend!(conn, c => diesel::insert_into(unit_managers::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// The roster, by unit code and address.
pub fn all(conn: &mut DbConnection) -> Result<Vec<Listed>, StoreError> {
    let rows: Vec<(String, String, String, String)> = unit_managers::table
        .inner_join(units::table)
        .select((
            units::code,
            units::name,
            unit_managers::email,
            unit_managers::language,
        ))
        .order((units::code, unit_managers::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(unit, unit_name, email, language)| Listed {
            unit,
            unit_name,
            email,
            language,
        })
        .collect())
}

/// Queues a notice of `wave`'s report for each manager of the units (ids)
/// in `units`, unless one was queued before; how many were queued.
pub fn queue(conn: &mut DbConnection, wave_id: i64, units: &[i64]) -> Result<usize, StoreError> {
    write(conn, |conn| {
        let managers: Vec<(i64, String, String)> = unit_managers::table
            .filter(unit_managers::unit_id.eq_any(units))
            .select((
                unit_managers::unit_id,
                unit_managers::email,
                unit_managers::language,
            ))
            .load(conn)?;
        let queued: Vec<(i64, String)> = manager_notices::table
            .filter(manager_notices::wave_id.eq(wave_id))
            .select((manager_notices::unit_id, manager_notices::email))
            .load(conn)?;
        let now = now_ms();
        let values: Vec<_> = managers
            .into_iter()
            .filter(|(unit, email, _)| !queued.iter().any(|(u, e)| u == unit && e == email))
            .map(|(unit, email, language)| {
                (
                    manager_notices::wave_id.eq(wave_id),
                    manager_notices::unit_id.eq(unit),
                    manager_notices::email.eq(email),
                    manager_notices::language.eq(language),
                    manager_notices::message_id.eq(super::outbox::new_message_id()),
                    manager_notices::state.eq("queued"),
                    manager_notices::due_at.eq(now),
                )
            })
            .collect();
        for chunk in values.chunks(2_000) {
            on_backend!(conn, c => diesel::insert_into(manager_notices::table).values(chunk).execute(c))?;
        }
        Ok(values.len())
    })
}

/// A notice taken by a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: i64,
    pub message_id: String,
    pub attempts: i32,
    pub email: String,
    pub language: String,
    pub unit_code: String,
    pub unit_name: String,
    pub wave: String,
    pub study: String,
}

macro_rules! due {
    ($now:expr) => {
        manager_notices::state
            .eq("queued")
            .and(manager_notices::due_at.le($now))
            .or(manager_notices::state
                .eq("sending")
                .and(manager_notices::lease_until.lt($now)))
    };
}

/// Takes up to `limit` due notices for `lease_ms`, counting an attempt each.
pub fn claim(
    conn: &mut DbConnection,
    limit: usize,
    lease_ms: i64,
) -> Result<Vec<Notice>, StoreError> {
    write(conn, |conn| {
        let now = now_ms();
        let query = manager_notices::table
            .filter(due!(now))
            .order((manager_notices::due_at, manager_notices::id))
            .limit(limit as i64)
            .select(manager_notices::id);
        let ids: Vec<i64> = match conn {
            DbConnection::Sqlite(c) => query.load(c)?,
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => query.for_update().skip_locked().load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(manager_notices::table.filter(manager_notices::id.eq_any(&ids)))
            .set((
                manager_notices::state.eq("sending"),
                manager_notices::lease_until.eq(now + lease_ms),
                manager_notices::attempts.eq(manager_notices::attempts + 1),
            ))
            .execute(conn)?;
        type Row = (
            i64,
            String,
            i32,
            String,
            String,
            String,
            String,
            String,
            String,
        );
        let rows: Vec<Row> = manager_notices::table
            .inner_join(units::table)
            .inner_join(waves::table.inner_join(studies::table))
            .filter(manager_notices::id.eq_any(&ids))
            .order((manager_notices::due_at, manager_notices::id))
            .select((
                manager_notices::id,
                manager_notices::message_id,
                manager_notices::attempts,
                manager_notices::email,
                manager_notices::language,
                units::code,
                units::name,
                waves::name,
                studies::name,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|r| Notice {
                id: r.0,
                message_id: r.1,
                attempts: r.2,
                email: r.3,
                language: r.4,
                unit_code: r.5,
                unit_name: r.6,
                wave: r.7,
                study: r.8,
            })
            .collect())
    })
}

/// Records what became of a claimed notice.
pub fn record(conn: &mut DbConnection, id: i64, outcome: &Outcome) -> Result<(), StoreError> {
    let row = manager_notices::table.find(id);
    let none = None::<i64>;
    match outcome {
        Outcome::Sent { at } => diesel::update(row)
            .set((
                manager_notices::state.eq("sent"),
                manager_notices::sent_at.eq(at),
                manager_notices::lease_until.eq(none),
                manager_notices::last_error.eq(None::<String>),
            ))
            .execute(conn)?,
        Outcome::Retry { due_at, error } => diesel::update(row)
            .set((
                manager_notices::state.eq("queued"),
                manager_notices::due_at.eq(due_at),
                manager_notices::lease_until.eq(none),
                manager_notices::last_error.eq(error),
            ))
            .execute(conn)?,
        Outcome::Failed { error, .. } | Outcome::Cancelled { reason: error } => diesel::update(row)
            .set((
                manager_notices::state.eq("failed"),
                manager_notices::lease_until.eq(none),
                manager_notices::last_error.eq(error),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Notices a worker could claim at `now`.
pub fn due_count(conn: &mut DbConnection, now: i64) -> Result<i64, StoreError> {
    Ok(manager_notices::table
        .filter(due!(now))
        .count()
        .get_result(conn)?)
}

/// A wave's notices by state.
pub fn counts(conn: &mut DbConnection, wave_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(manager_notices::table
        .filter(manager_notices::wave_id.eq(wave_id))
        .group_by(manager_notices::state)
        .select((manager_notices::state, diesel::dsl::count_star()))
        .order(manager_notices::state)
        .load(conn)?)
}
