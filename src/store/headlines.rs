//! The dashboard's stored headlines per study (`study_headlines`), and the
//! digest of everything a study's report is computed from, so that a stored
//! headline is used only while that digest is unchanged.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::pool::write;
use super::schema::{
    responses, studies, study_adoptions, study_headlines, study_schedules, study_units, units,
    waves,
};
use super::{DbConnection, StoreError};

/// SHA-256 over the study, the unit tree, its arms, waves, adoption dates,
/// schedule and responses per wave: what its report depends on.
pub fn digest(conn: &mut DbConnection, study_id: i64) -> Result<String, StoreError> {
    let mut h = Sha256::new();
    let mut line = |s: String| {
        h.update(s.as_bytes());
        h.update(b"\n");
    };
    let (name, key, date, seed): (String, String, String, i64) = studies::table
        .find(study_id)
        .select((
            studies::name,
            studies::survey_key,
            studies::intervention_date,
            studies::seed,
        ))
        .get_result(conn)?;
    line(format!("study {name} {key} {date} {seed}"));
    let tree: Vec<(i64, String, Option<i64>)> = units::table
        .select((units::id, units::code, units::parent_id))
        .order(units::id)
        .load(conn)?;
    for (id, code, parent) in tree {
        line(format!("unit {id} {code} {parent:?}"));
    }
    let arms: Vec<(i64, String)> = study_units::table
        .filter(study_units::study_id.eq(study_id))
        .select((study_units::unit_id, study_units::arm))
        .order(study_units::unit_id)
        .load(conn)?;
    for (unit, arm) in arms {
        line(format!("arm {unit} {arm}"));
    }
    let ws: Vec<(i64, String, String, i64, i32, Option<String>)> = waves::table
        .filter(waves::study_id.eq(study_id))
        .select((
            waves::id,
            waves::name,
            waves::state,
            waves::survey_version_id,
            waves::min_group_size,
            waves::opens_on,
        ))
        .order(waves::id)
        .load(conn)?;
    for (id, name, state, version, min, opens) in ws {
        let n: i64 = responses::table
            .filter(responses::wave_id.eq(id))
            .count()
            .get_result(conn)?;
        line(format!(
            "wave {id} {name} {state} {version} {min} {opens:?} {n}"
        ));
    }
    let adoptions: Vec<(i64, String)> = study_adoptions::table
        .filter(study_adoptions::study_id.eq(study_id))
        .select((study_adoptions::unit_id, study_adoptions::adopted_on))
        .order(study_adoptions::unit_id)
        .load(conn)?;
    for (unit, on) in adoptions {
        line(format!("adopted {unit} {on}"));
    }
    let schedule: Option<String> = study_schedules::table
        .find(study_id)
        .select(study_schedules::hash)
        .get_result(conn)
        .optional()?;
    line(format!("schedule {schedule:?}"));
    Ok(hex::encode(h.finalize()))
}

/// The stored headlines (JSON) when they were computed for `digest`.
pub fn stored(
    conn: &mut DbConnection,
    study_id: i64,
    digest: &str,
) -> Result<Option<String>, StoreError> {
    Ok(study_headlines::table
        .find(study_id)
        .filter(study_headlines::digest.eq(digest))
        .select(study_headlines::headlines)
        .get_result(conn)
        .optional()?)
}

/// Keeps a study's headlines (JSON) for `digest`, replacing older ones.
pub fn store(
    conn: &mut DbConnection,
    study_id: i64,
    digest: &str,
    headlines: &str,
) -> Result<(), StoreError> {
    write(conn, |conn| {
        diesel::delete(study_headlines::table.find(study_id)).execute(conn)?;
        diesel::insert_into(study_headlines::table)
            .values((
                study_headlines::study_id.eq(study_id),
                study_headlines::digest.eq(digest),
                study_headlines::headlines.eq(headlines),
            ))
            .execute(conn)?;
        Ok(())
    })
}
