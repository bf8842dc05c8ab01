//! A study's roll-out: per unit the date it adopted the method, and every
//! change to it. No row: a pilot-arm unit adopts on the study's intervention
//! date, a control unit never.

use diesel::prelude::*;

use super::pool::write;
use super::schema::{study_adoption_changes, study_adoptions, study_schedules, study_units, units};
use super::studies::{Study, check_date};
use super::{DbConnection, StoreError};
use crate::said;

/// The date recorded for a unit that never adopts (a pilot unit would
/// otherwise adopt on the intervention date).
pub const NEVER: &str = "never";

/// A recorded change: `previous` → `adopted_on` (`None`: no date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub unit: String,
    pub previous: Option<String>,
    pub adopted_on: Option<String>,
    pub recorded_at: chrono::NaiveDateTime,
}

/// The recorded adoption dates by unit code.
pub fn of(conn: &mut DbConnection, study: &Study) -> Result<Vec<(String, String)>, StoreError> {
    Ok(study_adoptions::table
        .inner_join(units::table)
        .filter(study_adoptions::study_id.eq(study.id))
        .select((units::code, study_adoptions::adopted_on))
        .order(units::code)
        .load(conn)?)
}

/// Every change, oldest first.
pub fn changes(conn: &mut DbConnection, study: &Study) -> Result<Vec<Change>, StoreError> {
    let rows: Vec<(
        String,
        Option<String>,
        Option<String>,
        chrono::NaiveDateTime,
    )> = study_adoption_changes::table
        .inner_join(units::table)
        .filter(study_adoption_changes::study_id.eq(study.id))
        .select((
            units::code,
            study_adoption_changes::previous,
            study_adoption_changes::adopted_on,
            study_adoption_changes::recorded_at,
        ))
        .order(study_adoption_changes::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(unit, previous, adopted_on, recorded_at)| Change {
            unit,
            previous,
            adopted_on,
            recorded_at,
        })
        .collect())
}

/// Records `dates` (unit code, date or `None` to remove it), all or nothing:
/// every unit must belong to the study and every date be YYYY-MM-DD. Returns
/// the changes made (a date recorded again unchanged is none).
pub fn record(
    conn: &mut DbConnection,
    study: &Study,
    dates: &[(String, Option<String>)],
) -> Result<Vec<Change>, StoreError> {
    for (unit, date) in dates {
        if let Some(d) = date.as_deref().filter(|d| *d != NEVER) {
            let what = (
                format!("unit `{unit}`: adoption date"),
                format!("enheten `{unit}`: startdatum"),
            );
            check_date((&what.0, &what.1), d)?;
        }
    }
    write(conn, |conn| {
        let members: Vec<(String, i64)> = study_units::table
            .inner_join(units::table)
            .filter(study_units::study_id.eq(study.id))
            .select((units::code, units::id))
            .load(conn)?;
        let now = chrono::Utc::now().naive_utc();
        let mut made = Vec::new();
        for (unit, date) in dates {
            let Some(&(_, unit_id)) = members.iter().find(|(c, _)| c == unit) else {
                let study = &study.name;
                return Err(StoreError::Invalid(said!(
                    "unit `{unit}` is not in study `{study}`: only the study's units (pilot or control) adopt",
                    "enheten `{unit}` ingår inte i studien `{study}`: bara studiens enheter (pilot eller kontroll) börjar"
                )));
            };
            let key = study_adoptions::table.find((study.id, unit_id));
            let previous: Option<String> = key
                .select(study_adoptions::adopted_on)
                .get_result(conn)
                .optional()?;
            if previous == *date {
                continue;
            }
            match date {
                Some(d) => {
                    diesel::delete(key).execute(conn)?;
                    diesel::insert_into(study_adoptions::table)
                        .values((
                            study_adoptions::study_id.eq(study.id),
                            study_adoptions::unit_id.eq(unit_id),
                            study_adoptions::adopted_on.eq(d),
                        ))
                        .execute(conn)?;
                }
                None => {
                    diesel::delete(key).execute(conn)?;
                }
            }
            diesel::insert_into(study_adoption_changes::table)
                .values((
                    study_adoption_changes::study_id.eq(study.id),
                    study_adoption_changes::unit_id.eq(unit_id),
                    study_adoption_changes::previous.eq(&previous),
                    study_adoption_changes::adopted_on.eq(date),
                    study_adoption_changes::recorded_at.eq(now),
                ))
                .execute(conn)?;
            made.push(Change {
                unit: unit.clone(),
                previous,
                adopted_on: date.clone(),
                recorded_at: now,
            });
        }
        Ok(made)
    })
}

/// Records a study's randomised schedule (its JSON and hash), once: a
/// schedule cannot be redrawn or replaced after it was recorded.
pub fn record_schedule(
    conn: &mut DbConnection,
    study: &Study,
    json: &str,
    hash: &str,
) -> Result<(), StoreError> {
    write(conn, |conn| {
        let existing: Option<String> = study_schedules::table
            .find(study.id)
            .select(study_schedules::hash)
            .get_result(conn)
            .optional()?;
        if let Some(h) = existing {
            let name = &study.name;
            return Err(StoreError::Conflict(said!(
                "study `{name}` has a recorded schedule already (hash {h}): a randomised order is drawn once and kept",
                "studien `{name}` har redan ett dragit schema (kontrollsumma {h}): en slumpad ordning dras en gång och behålls"
            )));
        }
        diesel::insert_into(study_schedules::table)
            .values((
                study_schedules::study_id.eq(study.id),
                study_schedules::schedule.eq(json),
                study_schedules::hash.eq(hash),
                study_schedules::recorded_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The study's recorded schedule (its JSON), if any.
pub fn schedule(conn: &mut DbConnection, study: &Study) -> Result<Option<String>, StoreError> {
    Ok(study_schedules::table
        .find(study.id)
        .select(study_schedules::schedule)
        .get_result(conn)
        .optional()?)
}

/// Deletes a study's adoption rows (with the study).
pub fn delete_all(conn: &mut DbConnection, study: &Study) -> Result<(), StoreError> {
    diesel::delete(
        study_adoption_changes::table.filter(study_adoption_changes::study_id.eq(study.id)),
    )
    .execute(conn)?;
    diesel::delete(study_adoptions::table.filter(study_adoptions::study_id.eq(study.id)))
        .execute(conn)?;
    diesel::delete(study_schedules::table.find(study.id)).execute(conn)?;
    Ok(())
}
