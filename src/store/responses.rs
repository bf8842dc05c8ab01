//! Responses: one anonymous person's answers in one wave and unit, stored as
//! one byte per item in survey order (the scorer's [`Answer`] codes), under a
//! random id that reveals no order, with a coarse period (YYYY-MM) only.

use std::collections::HashMap;

use diesel::prelude::*;
use rand::RngExt;

use super::connection::on_backend;
use super::pool::write;
use super::schema::{responses, units, waves};
use super::studies::Wave;
use super::{DbConnection, StoreError};
use crate::scoring::Answer;

/// Rows per INSERT: SQLite allows 32,766 bound values, a row has 6.
const BATCH: usize = 5_000;

/// A response as the analysis sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub unit: String,
    pub answers: Vec<Answer>,
}

pub fn encode(answers: &[Answer]) -> Vec<u8> {
    answers.iter().map(|&a| a as u8).collect()
}

pub fn decode(bytes: &[u8]) -> Vec<Answer> {
    bytes.iter().map(|&b| b as Answer).collect()
}

/// A random 128-bit id in hex: it says nothing about when a response came.
pub fn new_id() -> String {
    let bits: u128 = rand::rng().random();
    format!("{bits:032x}")
}

/// The coarse period stored with a response: the month of the wave's opening
/// date, or `unknown`.
pub fn period_of(wave: &Wave) -> String {
    wave.opens_on
        .as_deref()
        .and_then(|d| d.get(..7))
        .unwrap_or("unknown")
        .to_owned()
}

/// Imports rows (unit code, answers) into `wave`, all or nothing. Unit codes
/// must be stored units; the answers must have the wave survey's item count.
pub fn import(
    conn: &mut DbConnection,
    wave: &Wave,
    rows: &[Row],
    items: usize,
) -> Result<usize, StoreError> {
    // A code means the unit it named on the wave's date (historical
    // answers may use a code renamed since); a unit that did not exist then
    // is refused.
    let mut on = super::unit_changes::codes_on(conn, wave)?;
    let date = on.date.clone();
    let mut distinct: Vec<&str> = rows.iter().map(|r| r.unit.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut codes: HashMap<String, i64> = HashMap::new();
    let (mut unknown, mut invalid) = (Vec::new(), Vec::new());
    for code in distinct {
        use crate::reorganisation::Meaning;
        match on.meaning(code) {
            Meaning::Unit(id) => {
                codes.insert(code.to_owned(), id);
            }
            Meaning::Unknown => unknown.push(code),
            Meaning::Ended(c) | Meaning::NotYet(c) => {
                invalid.push(format!("{code} ({})", c.describe()))
            }
        }
    }
    if !unknown.is_empty() {
        let list = unknown.join(", ");
        return Err(StoreError::Invalid(crate::said!(
            "nothing was imported: unknown unit code(s) {list}; import units first",
            "inget importerades: okända enhetskoder {list}; importera enheterna först"
        )));
    }
    if !invalid.is_empty() {
        let list = invalid.join("; ");
        return Err(StoreError::Invalid(crate::said!(
            "nothing was imported: unit(s) that did not exist on {date}, when the wave opened: {list}",
            "inget importerades: enheter som inte fanns den {date}, när mätomgången öppnade: {list}"
        )));
    }
    if let Some(r) = rows.iter().find(|r| r.answers.len() != items) {
        let n = r.answers.len();
        return Err(StoreError::Invalid(crate::said!(
            "a response has {n} answers; the survey has {items} items",
            "ett svar har {n} svar; enkäten har {items} frågor"
        )));
    }
    let period = period_of(wave);
    write(conn, |conn| {
        for chunk in rows.chunks(BATCH) {
            let values: Vec<_> = chunk
                .iter()
                .map(|r| {
                    (
                        responses::id.eq(new_id()),
                        responses::wave_id.eq(wave.id),
                        responses::unit_id.eq(codes[&r.unit]),
                        responses::period.eq(&period),
                        responses::source.eq("import"),
                        responses::answers.eq(encode(&r.answers)),
                    )
                })
                .collect();
            on_backend!(conn, c => diesel::insert_into(responses::table).values(&values).execute(c))?;
        }
        Ok(rows.len())
    })
}

/// Calls `f(wave name, unit code, answers)` for every response of `waves`,
/// in unit order and, within a unit, in the random order of the ids.
pub fn scan(
    conn: &mut DbConnection,
    wave_ids: &[i64],
    mut f: impl FnMut(&str, &str, &[Answer]),
) -> Result<u64, StoreError> {
    let names: HashMap<i64, String> = waves::table
        .filter(waves::id.eq_any(wave_ids))
        .select((waves::id, waves::name))
        .load(conn)?
        .into_iter()
        .collect();
    let codes: HashMap<i64, String> = units::table
        .select((units::id, units::code))
        .load(conn)?
        .into_iter()
        .collect();
    let mut count = 0;
    for &wave in wave_ids {
        let rows: Vec<(i64, Vec<u8>)> = responses::table
            .filter(responses::wave_id.eq(wave))
            .order((responses::unit_id, responses::id))
            .select((responses::unit_id, responses::answers))
            .load(conn)?;
        for (unit, answers) in rows {
            f(&names[&wave], &codes[&unit], &decode(&answers));
            count += 1;
        }
    }
    Ok(count)
}
