//! Studies (pilot and control arms, intervention date) and their waves.

use diesel::prelude::*;

use super::connection::on_backend;
use super::pool::write;
use super::schema::{studies, study_units, survey_versions, units, waves};
use super::surveys::{self, SurveyVersion};
use super::units::Unit;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = studies)]
pub struct Study {
    pub id: i64,
    pub name: String,
    pub survey_key: String,
    pub intervention_date: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = waves)]
pub struct Wave {
    pub id: i64,
    pub study_id: i64,
    pub name: String,
    pub survey_version_id: i64,
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
    pub state: String,
    pub min_group_size: i32,
}

#[derive(Debug, Clone)]
pub struct NewStudy {
    pub name: String,
    pub survey_key: String,
    pub pilot: Vec<String>,
    pub control: Vec<String>,
    pub intervention_date: String,
}

/// A date written as YYYY-MM-DD.
pub fn check_date(what: &str, date: &str) -> Result<(), StoreError> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|_| ())
        .map_err(|_| {
            StoreError::Invalid(format!(
                "{what} `{date}` is not a date written as YYYY-MM-DD"
            ))
        })
}

pub fn create(conn: &mut DbConnection, new: &NewStudy) -> Result<Study, StoreError> {
    check_date("the intervention date", &new.intervention_date)?;
    if new.pilot.is_empty() || new.control.is_empty() {
        return Err(StoreError::Invalid(
            "a study needs at least one pilot and one control unit".into(),
        ));
    }
    if let Some(both) = new.pilot.iter().find(|p| new.control.contains(p)) {
        return Err(StoreError::Invalid(format!(
            "unit `{both}` is named both as pilot and as control"
        )));
    }
    write(conn, |conn| {
        surveys::latest(conn, &new.survey_key)?;
        let mut arms = Vec::new();
        let mut unknown = Vec::new();
        for (arm, codes) in [("pilot", &new.pilot), ("control", &new.control)] {
            for code in codes {
                match units::table
                    .filter(units::code.eq(code))
                    .select(Unit::as_select())
                    .get_result(conn)
                    .optional()?
                {
                    Some(u) => arms.push((u.id, arm)),
                    None => unknown.push(code.clone()),
                }
            }
        }
        if !unknown.is_empty() {
            return Err(StoreError::Invalid(format!(
                "unknown unit code(s) {}; import units first with `klimat unit import`",
                unknown.join(", ")
            )));
        }
        let taken = studies::table
            .filter(studies::name.eq(&new.name))
            .count()
            .get_result::<i64>(conn)?;
        if taken > 0 {
            return Err(StoreError::Invalid(format!(
                "a study named `{}` exists already",
                new.name
            )));
        }
        let study = on_backend!(conn, c => diesel::insert_into(studies::table)
            .values((
                studies::name.eq(&new.name),
                studies::survey_key.eq(&new.survey_key),
                studies::intervention_date.eq(&new.intervention_date),
                studies::created_at.eq(chrono::Utc::now().naive_utc()),
            )).returning(Study::as_returning()).get_result(c))?;
        for (unit_id, arm) in arms {
            diesel::insert_into(study_units::table)
                .values((
                    study_units::study_id.eq(study.id),
                    study_units::unit_id.eq(unit_id),
                    study_units::arm.eq(arm),
                ))
                .execute(conn)?;
        }
        Ok(study)
    })
}

pub fn by_name(conn: &mut DbConnection, name: &str) -> Result<Study, StoreError> {
    studies::table
        .filter(studies::name.eq(name))
        .select(Study::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("study `{name}`")))
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> Result<Study, StoreError> {
    Ok(studies::table
        .find(id)
        .select(Study::as_select())
        .get_result(conn)?)
}

/// Every study, by name.
pub fn all(conn: &mut DbConnection) -> Result<Vec<Study>, StoreError> {
    Ok(studies::table
        .order(studies::name)
        .select(Study::as_select())
        .load(conn)?)
}

/// The unit codes of the pilot and the control arm.
pub fn arms(
    conn: &mut DbConnection,
    study: &Study,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let rows: Vec<(String, String)> = study_units::table
        .inner_join(units::table)
        .filter(study_units::study_id.eq(study.id))
        .select((units::code, study_units::arm))
        .order(units::code)
        .load(conn)?;
    let pick = |arm: &str| {
        rows.iter()
            .filter(|r| r.1 == arm)
            .map(|r| r.0.clone())
            .collect()
    };
    Ok((pick("pilot"), pick("control")))
}

#[derive(Debug, Clone)]
pub struct NewWave {
    pub name: String,
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
    pub min_group_size: u32,
    /// Default: the newest published version of the study's survey.
    pub survey_version: Option<u32>,
}

pub fn create_wave(
    conn: &mut DbConnection,
    study: &Study,
    new: &NewWave,
) -> Result<Wave, StoreError> {
    for (what, date) in [
        ("the opening date", &new.opens_on),
        ("the closing date", &new.closes_on),
    ] {
        if let Some(d) = date {
            check_date(what, d)?;
        }
    }
    if let (Some(a), Some(b)) = (&new.opens_on, &new.closes_on)
        && b < a
    {
        return Err(StoreError::Invalid(format!(
            "the wave closes ({b}) before it opens ({a})"
        )));
    }
    if new.min_group_size < crate::config::MIN_GROUP_SIZE_FLOOR {
        return Err(StoreError::Invalid(format!(
            "a minimum group size of {} is below the floor of {}",
            new.min_group_size,
            crate::config::MIN_GROUP_SIZE_FLOOR
        )));
    }
    write(conn, |conn| {
        let version: SurveyVersion = match new.survey_version {
            None => surveys::latest(conn, &study.survey_key)?,
            Some(v) => survey_versions::table
                .filter(survey_versions::key.eq(&study.survey_key))
                .filter(survey_versions::version.eq(v as i32))
                .select(SurveyVersion::as_select())
                .get_result(conn)
                .optional()?
                .ok_or_else(|| {
                    StoreError::NotFound(format!("survey `{}` version {v}", study.survey_key))
                })?,
        };
        let taken = waves::table
            .filter(waves::study_id.eq(study.id))
            .filter(waves::name.eq(&new.name))
            .count()
            .get_result::<i64>(conn)?;
        if taken > 0 {
            return Err(StoreError::Invalid(format!(
                "study `{}` has a wave `{}` already",
                study.name, new.name
            )));
        }
        Ok(on_backend!(conn, c => diesel::insert_into(waves::table)
            .values((
                waves::study_id.eq(study.id),
                waves::name.eq(&new.name),
                waves::survey_version_id.eq(version.id),
                waves::opens_on.eq(&new.opens_on),
                waves::closes_on.eq(&new.closes_on),
                waves::state.eq("draft"),
                waves::min_group_size.eq(new.min_group_size as i32),
            )).returning(Wave::as_returning()).get_result(c))?)
    })
}

/// A wave by `STUDY:WAVE` or by its numeric id.
pub fn wave(conn: &mut DbConnection, reference: &str) -> Result<Wave, StoreError> {
    let found = if let Ok(id) = reference.parse::<i64>() {
        waves::table
            .find(id)
            .select(Wave::as_select())
            .get_result(conn)
            .optional()?
    } else {
        let Some((study, name)) = reference.split_once(':') else {
            return Err(StoreError::Invalid(format!(
                "`{reference}` names no wave; write STUDY:WAVE (e.g. pilot-2025:2025-03) or the wave's number"
            )));
        };
        let study = by_name(conn, study)?;
        waves::table
            .filter(waves::study_id.eq(study.id))
            .filter(waves::name.eq(name))
            .select(Wave::as_select())
            .get_result(conn)
            .optional()?
    };
    found.ok_or_else(|| StoreError::NotFound(format!("wave `{reference}`")))
}

pub fn waves_of(conn: &mut DbConnection, study: &Study) -> Result<Vec<Wave>, StoreError> {
    Ok(waves::table
        .filter(waves::study_id.eq(study.id))
        .order(waves::name)
        .select(Wave::as_select())
        .load(conn)?)
}

/// Moves a wave forward: draft → open → closed, never back.
pub fn set_state(conn: &mut DbConnection, wave: &Wave, to: &str) -> Result<Wave, StoreError> {
    let allowed = matches!(
        (wave.state.as_str(), to),
        ("draft", "open") | ("open", "closed")
    );
    if !allowed {
        return Err(StoreError::Invalid(format!(
            "wave `{}` is {}; it cannot become {to} (waves go draft → open → closed)",
            wave.name, wave.state
        )));
    }
    write(conn, |conn| {
        let moved = on_backend!(conn, c => diesel::update(waves::table.find(wave.id))
            .filter(waves::state.eq(&wave.state))
            .set(waves::state.eq(to)).returning(Wave::as_returning()).get_result(c))?;
        if to == "closed" {
            super::respondents::on_close(conn, wave.id)?;
        }
        Ok(moved)
    })
}
