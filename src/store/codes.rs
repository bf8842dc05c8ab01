//! One-time codes for staff without work e-mail: invitations without an
//! address, printed on a sheet instead of mailed. Each code is a personal
//! link (`/s/TOKEN`): it yields at most one response, its token is derived
//! from the secret and stored only as a hash, and its answer counts like
//! any invitation's (respondents, never submissions). Codes, like the
//! roster, are fixed when the wave opens.

use diesel::prelude::*;

use super::StoreError;
use super::connection::DbConnection;
use super::connection::on_backend;
use super::pool::write;
use super::schema::{invitations, units};
use super::studies::Wave;
use crate::token::{self, Purpose, Secret};

/// The `delivery` of a code's invitation: never mailed.
pub const DELIVERY: &str = "code";

/// Codes at most per request: a sheet is printed, not a roster.
pub const MAX_PER_UNIT: usize = 2_000;

/// One code on a sheet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Code {
    pub unit: String,
    pub unit_name: String,
    pub language: String,
    /// The token of the link `/s/TOKEN`.
    pub token: String,
}

/// Adds `count` codes for `unit` in a draft wave; returns how many the unit
/// now has.
pub fn add(
    conn: &mut DbConnection,
    wave: &Wave,
    unit: &str,
    count: usize,
    language: &str,
    secret: &Secret,
) -> Result<usize, StoreError> {
    if wave.state != super::studies::WaveState::Draft {
        let (name, en, sv) = (
            &wave.name,
            wave.state,
            wave.state.word(crate::survey::Language::Sv),
        );
        return Err(StoreError::Conflict(crate::said!(
            "wave `{name}` is {en}: codes, like the roster, are fixed when the wave opens",
            "mätomgången `{name}` är {sv}: koder, liksom utskickslistan, låses när mätomgången öppnar"
        )));
    }
    if count == 0 || count > MAX_PER_UNIT {
        return Err(StoreError::Invalid(crate::said!(
            "ask for 1 to {MAX_PER_UNIT} codes at a time, not {count}",
            "be om 1 till {MAX_PER_UNIT} koder åt gången, inte {count}"
        )));
    }
    write(conn, |conn| {
        let unit_id: i64 = units::table
            .filter(units::code.eq(unit))
            .select(units::id)
            .get_result(conn)
            .optional()?
            .ok_or_else(|| {
                StoreError::NotFound(crate::said!(
                    "unit `{unit}` not found",
                    "enheten `{unit}` finns inte"
                ))
            })?;
        let values: Vec<_> = (0..count)
            .map(|_| {
                (
                    invitations::wave_id.eq(wave.id),
                    invitations::unit_id.eq(unit_id),
                    invitations::language.eq(language),
                    invitations::delivery.eq(DELIVERY),
                )
            })
            .collect();
        on_backend!(conn, c => diesel::insert_into(invitations::table).values(&values).execute(c))?;
        let ids: Vec<i64> = invitations::table
            .filter(invitations::wave_id.eq(wave.id))
            .filter(invitations::unit_id.eq(unit_id))
            .filter(invitations::delivery.eq(DELIVERY))
            .filter(invitations::token_hash.is_null())
            .select(invitations::id)
            .load(conn)?;
        for id in ids {
            let hash = token::hash(&secret.token(Purpose::Survey, wave.id, id));
            diesel::update(invitations::table.find(id))
                .set(invitations::token_hash.eq(Some(hash)))
                .execute(conn)?;
        }
        Ok(invitations::table
            .filter(invitations::wave_id.eq(wave.id))
            .filter(invitations::unit_id.eq(unit_id))
            .filter(invitations::delivery.eq(DELIVERY))
            .count()
            .get_result::<i64>(conn)? as usize)
    })
}

/// How many codes each unit of a wave has, by unit code.
pub fn count_by_unit(
    conn: &mut DbConnection,
    wave: &Wave,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(invitations::table
        .inner_join(units::table)
        .filter(invitations::wave_id.eq(wave.id))
        .filter(invitations::delivery.eq(DELIVERY))
        .group_by(units::code)
        .select((units::code, diesel::dsl::count_star()))
        .order(units::code)
        .load(conn)?)
}

/// Every code of a wave, by unit (derived again from the secret; codes
/// whose contact data was purged are gone).
pub fn sheet(
    conn: &mut DbConnection,
    wave: &Wave,
    secret: &Secret,
) -> Result<Vec<Code>, StoreError> {
    let rows: Vec<(i64, String, String, String)> = invitations::table
        .inner_join(units::table)
        .filter(invitations::wave_id.eq(wave.id))
        .filter(invitations::delivery.eq(DELIVERY))
        .filter(invitations::token_hash.is_not_null())
        .order((units::code, invitations::id))
        .select((
            invitations::id,
            units::code,
            units::name,
            invitations::language,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, unit, unit_name, language)| Code {
            unit,
            unit_name,
            language,
            token: secret.token(Purpose::Survey, wave.id, id),
        })
        .collect())
}
