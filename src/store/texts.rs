//! The free-text answers of a wave (`response_texts`): read for the
//! comment views, and redacted in place when the wave closes, while its
//! roster still holds the addresses the names come from.

use diesel::prelude::*;

use super::schema::{invitations, response_texts};
use super::{DbConnection, StoreError};
use crate::comments::Redactor;
use crate::survey::Language;

/// One free-text answer: its unit and question, never its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredText {
    pub unit_id: i64,
    pub question: String,
    pub text: String,
}

/// Every free-text answer of a wave, in no particular order.
pub fn of_wave(conn: &mut DbConnection, wave_id: i64) -> Result<Vec<StoredText>, StoreError> {
    Ok(response_texts::table
        .filter(response_texts::wave_id.eq(wave_id))
        .select((
            response_texts::unit_id,
            response_texts::question,
            response_texts::text,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(unit_id, question, text)| StoredText {
            unit_id,
            question,
            text,
        })
        .collect())
}

/// The addresses on a wave's roster (none once purged).
pub fn roster_addresses(conn: &mut DbConnection, wave_id: i64) -> Result<Vec<String>, StoreError> {
    Ok(invitations::table
        .filter(invitations::wave_id.eq(wave_id))
        .filter(invitations::email.is_not_null())
        .select(invitations::email.assume_not_null())
        .load(conn)?)
}

/// The language most of the wave's invitations are in (Swedish when none).
fn main_language(conn: &mut DbConnection, wave_id: i64) -> Result<Language, StoreError> {
    let rows: Vec<(String, i64)> = invitations::table
        .filter(invitations::wave_id.eq(wave_id))
        .group_by(invitations::language)
        .select((invitations::language, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .max_by_key(|(l, n)| (*n, l.clone()))
        .and_then(|(l, _)| Language::from_code(&l))
        .unwrap_or(Language::Sv))
}

/// Replaces the personal details in a wave's free texts (inside the
/// closing transaction): the marker is in the language most of its
/// invitations were in. Returns how many texts changed.
pub(super) fn redact_wave(conn: &mut DbConnection, wave_id: i64) -> Result<usize, StoreError> {
    let addresses = roster_addresses(conn, wave_id)?;
    let redactor = Redactor::new(addresses.iter().map(String::as_str));
    let lang = main_language(conn, wave_id)?;
    let rows: Vec<(i64, String, String, String)> = response_texts::table
        .filter(response_texts::wave_id.eq(wave_id))
        .select((
            response_texts::unit_id,
            response_texts::response_id,
            response_texts::question,
            response_texts::text,
        ))
        .load(conn)?;
    let mut changed = 0;
    for (unit_id, response_id, question, text) in rows {
        let clean = redactor.redact(&text, lang);
        if clean != text {
            diesel::update(
                response_texts::table
                    .filter(response_texts::wave_id.eq(wave_id))
                    .filter(response_texts::unit_id.eq(unit_id))
                    .filter(response_texts::response_id.eq(&response_id))
                    .filter(response_texts::question.eq(&question)),
            )
            .set(response_texts::text.eq(clean))
            .execute(conn)?;
            changed += 1;
        }
    }
    Ok(changed)
}
