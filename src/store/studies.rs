//! Studies (pilot and control arms, intervention date) and their waves.

use diesel::prelude::*;

use super::connection::on_backend;
use super::pool::write;
use super::schema::{studies, study_units, survey_versions, units, waves};
use super::surveys::{self, SurveyVersion};
use super::units::Unit;
use super::{DbConnection, StoreError};
use crate::said;
use crate::survey::Language;

/// Where a wave is in its life: draft → open → closed, never back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum WaveState {
    /// Being set up: dates, roster and codes can change; nobody is invited.
    Draft,
    /// Answering: the roster is frozen, mail goes out.
    Open,
    /// Done: drafts and queued mail are gone; figures are published.
    Closed,
}

impl WaveState {
    pub fn as_str(self) -> &'static str {
        match self {
            WaveState::Draft => "draft",
            WaveState::Open => "open",
            WaveState::Closed => "closed",
        }
    }

    /// The state as a word for people.
    pub fn word(self, lang: Language) -> &'static str {
        match (self, lang) {
            (WaveState::Draft, Language::Sv) => "utkast",
            (WaveState::Open, Language::Sv) => "öppen",
            (WaveState::Closed, Language::Sv) => "stängd",
            (s, Language::En) => s.as_str(),
        }
    }
}

impl std::fmt::Display for WaveState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for WaveState {
    type Error = String;
    fn try_from(s: String) -> Result<WaveState, String> {
        match s.as_str() {
            "draft" => Ok(WaveState::Draft),
            "open" => Ok(WaveState::Open),
            "closed" => Ok(WaveState::Closed),
            _ => Err(format!("a wave state `{s}` is not draft, open or closed")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = studies)]
pub struct Study {
    pub id: i64,
    pub name: String,
    pub survey_key: String,
    pub intervention_date: String,
    pub created_at: chrono::NaiveDateTime,
    /// The seed of the study's random procedures, fixed at creation.
    pub seed: i64,
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
    #[diesel(deserialize_as = String)]
    pub state: WaveState,
    pub min_group_size: i32,
    /// When it closed (`None` before, and for waves closed before this was recorded).
    pub closed_at: Option<chrono::NaiveDateTime>,
    /// The smallest group whose comments may be shown (at least `min_group_size`).
    pub min_group_size_comments: i32,
}

#[derive(Debug, Clone)]
pub struct NewStudy {
    pub name: String,
    pub survey_key: String,
    pub pilot: Vec<String>,
    pub control: Vec<String>,
    pub intervention_date: String,
    /// The seed of its reports' random procedures (none: drawn now). It
    /// cannot be changed later, so that nobody can look for a seed that
    /// gives a smaller p-value.
    pub seed: Option<u64>,
}

/// A date written as YYYY-MM-DD; `what` names it in each language.
pub fn check_date(what: (&str, &str), date: &str) -> Result<(), StoreError> {
    let (en, sv) = what;
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|_| ())
        .map_err(|_| {
            StoreError::Invalid(said!(
                "{en} `{date}` is not a date written as YYYY-MM-DD",
                "{sv} `{date}` är inte ett datum skrivet ÅÅÅÅ-MM-DD"
            ))
        })
}

/// A study's arms as entered: at least one unit each, none in both.
fn check_arms(pilot: &[String], control: &[String]) -> Result<(), StoreError> {
    if pilot.is_empty() || control.is_empty() {
        return Err(StoreError::Invalid(said!(
            "a study needs at least one pilot and one control unit",
            "en studie behöver minst en pilotenhet och en kontrollenhet"
        )));
    }
    if let Some(both) = pilot.iter().find(|p| control.contains(p)) {
        return Err(StoreError::Invalid(said!(
            "unit `{both}` is named both as pilot and as control",
            "enheten `{both}` är angiven både som pilot och som kontroll"
        )));
    }
    Ok(())
}

/// The ids of the arms' units; every unknown code is listed.
fn arm_units(
    conn: &mut DbConnection,
    pilot: &[String],
    control: &[String],
) -> Result<Vec<(i64, &'static str)>, StoreError> {
    let mut arms = Vec::new();
    let mut unknown = Vec::new();
    for (arm, codes) in [("pilot", pilot), ("control", control)] {
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
        let list = unknown.join(", ");
        return Err(StoreError::Invalid(said!(
            "unknown unit code(s) {list}; import units first",
            "okända enhetskoder {list}; importera enheterna först"
        )));
    }
    Ok(arms)
}

fn insert_arms(
    conn: &mut DbConnection,
    study: i64,
    arms: &[(i64, &'static str)],
) -> Result<(), StoreError> {
    for (unit_id, arm) in arms {
        diesel::insert_into(study_units::table)
            .values((
                study_units::study_id.eq(study),
                study_units::unit_id.eq(unit_id),
                study_units::arm.eq(arm),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn create(conn: &mut DbConnection, new: &NewStudy) -> Result<Study, StoreError> {
    check_date(
        ("the intervention date", "interventionsdatumet"),
        &new.intervention_date,
    )?;
    check_name(&new.name)?;
    check_arms(&new.pilot, &new.control)?;
    // Stored as a signed 64-bit integer on both backends: 63 bits.
    let seed = (new.seed.unwrap_or_else(rand::random::<u64>) & (i64::MAX as u64)) as i64;
    write(conn, |conn| {
        surveys::latest(conn, &new.survey_key)?;
        let arms = arm_units(conn, &new.pilot, &new.control)?;
        let taken = studies::table
            .filter(studies::name.eq(&new.name))
            .count()
            .get_result::<i64>(conn)?;
        if taken > 0 {
            let name = &new.name;
            return Err(StoreError::Invalid(said!(
                "a study named `{name}` exists already",
                "det finns redan en studie som heter `{name}`"
            )));
        }
        let study = on_backend!(conn, c => diesel::insert_into(studies::table)
            .values((
                studies::name.eq(&new.name),
                studies::survey_key.eq(&new.survey_key),
                studies::intervention_date.eq(&new.intervention_date),
                studies::created_at.eq(chrono::Utc::now().naive_utc()),
                studies::seed.eq(seed),
            )).returning(Study::as_returning()).get_result(c))?;
        insert_arms(conn, study.id, &arms)?;
        Ok(study)
    })
}

/// A name that reads well in a path: 1 to 100 characters, no `:` (it
/// separates a study from its wave), `/` or control characters.
fn check_name(name: &str) -> Result<(), StoreError> {
    let bad = name.trim().is_empty()
        || name.chars().count() > 100
        || name != name.trim()
        || name.chars().any(|c| c == ':' || c == '/' || c.is_control());
    if bad {
        return Err(StoreError::Invalid(said!(
            "the name `{name}` cannot be used: write 1 to 100 characters without `:`, `/` or leading and trailing spaces",
            "namnet `{name}` kan inte användas: skriv 1 till 100 tecken utan `:`, `/` eller mellanslag först och sist"
        )));
    }
    Ok(())
}

/// A study no wave of which has opened: its survey, arms and intervention
/// date can still change, and it can be deleted.
fn require_unopened(conn: &mut DbConnection, study: &Study) -> Result<(), StoreError> {
    let started = waves::table
        .filter(waves::study_id.eq(study.id))
        .filter(waves::state.ne(WaveState::Draft.as_str()))
        .count()
        .get_result::<i64>(conn)?;
    if started > 0 {
        let name = &study.name;
        return Err(StoreError::Conflict(said!(
            "study `{name}` has a wave that has opened: its design is fixed",
            "studien `{name}` har en mätomgång som har öppnats: dess upplägg ligger fast"
        )));
    }
    Ok(())
}

/// Changes a study while none of its waves has opened.
pub fn update(conn: &mut DbConnection, study: &Study, new: &NewStudy) -> Result<Study, StoreError> {
    check_date(
        ("the intervention date", "interventionsdatumet"),
        &new.intervention_date,
    )?;
    check_arms(&new.pilot, &new.control)?;
    if new.name != study.name {
        return Err(StoreError::Invalid(said!(
            "a study keeps its name",
            "en studie behåller sitt namn"
        )));
    }
    write(conn, |conn| {
        require_unopened(conn, study)?;
        surveys::latest(conn, &new.survey_key)?;
        let arms = arm_units(conn, &new.pilot, &new.control)?;
        diesel::delete(study_units::table.filter(study_units::study_id.eq(study.id)))
            .execute(conn)?;
        insert_arms(conn, study.id, &arms)?;
        diesel::update(studies::table.find(study.id))
            .set((
                studies::survey_key.eq(&new.survey_key),
                studies::intervention_date.eq(&new.intervention_date),
            ))
            .execute(conn)?;
        by_id(conn, study.id)
    })
}

/// Deletes a study and its draft waves (with their rosters and codes) while
/// none of its waves has opened.
pub fn delete(conn: &mut DbConnection, study: &Study) -> Result<(), StoreError> {
    write(conn, |conn| {
        require_unopened(conn, study)?;
        for w in waves_of(conn, study)? {
            delete_wave_rows(conn, &w)?;
        }
        super::adoptions::delete_all(conn, study)?;
        diesel::delete(study_units::table.filter(study_units::study_id.eq(study.id)))
            .execute(conn)?;
        diesel::delete(studies::table.find(study.id)).execute(conn)?;
        Ok(())
    })
}

pub fn by_name(conn: &mut DbConnection, name: &str) -> Result<Study, StoreError> {
    studies::table
        .filter(studies::name.eq(name))
        .select(Study::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(said!(
                "study `{name}` not found",
                "studien `{name}` finns inte"
            ))
        })
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
    /// The smallest group whose comments may be shown; raised to
    /// `min_group_size` when below it.
    pub min_group_size_comments: u32,
    /// Default: the newest published version of the study's survey.
    pub survey_version: Option<u32>,
}

pub fn create_wave(
    conn: &mut DbConnection,
    study: &Study,
    new: &NewWave,
) -> Result<Wave, StoreError> {
    check_wave(new)?;
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
                    let key = &study.survey_key;
                    StoreError::NotFound(said!(
                        "survey `{key}` version {v} not found",
                        "enkäten `{key}` version {v} finns inte"
                    ))
                })?,
        };
        let taken = waves::table
            .filter(waves::study_id.eq(study.id))
            .filter(waves::name.eq(&new.name))
            .count()
            .get_result::<i64>(conn)?;
        if taken > 0 {
            let (s, w) = (&study.name, &new.name);
            return Err(StoreError::Invalid(said!(
                "study `{s}` has a wave `{w}` already",
                "studien `{s}` har redan en mätomgång `{w}`"
            )));
        }
        Ok(on_backend!(conn, c => diesel::insert_into(waves::table)
            .values((
                waves::study_id.eq(study.id),
                waves::name.eq(&new.name),
                waves::survey_version_id.eq(version.id),
                waves::opens_on.eq(&new.opens_on),
                waves::closes_on.eq(&new.closes_on),
                waves::state.eq(WaveState::Draft.as_str()),
                waves::min_group_size.eq(new.min_group_size as i32),
                waves::min_group_size_comments.eq(new.min_group_size_comments.max(new.min_group_size) as i32),
            )).returning(Wave::as_returning()).get_result(c))?)
    })
}

/// The checks of a new or changed wave: a name, both dates, opening before
/// closing, a minimum group size at or above the floor.
fn check_wave(new: &NewWave) -> Result<(), StoreError> {
    check_name(&new.name)?;
    let mut dates = Vec::new();
    for (what, date) in [
        (("the opening date", "öppningsdatumet"), &new.opens_on),
        (("the closing date", "stängningsdatumet"), &new.closes_on),
    ] {
        match date {
            Some(d) => check_date(what, d)?,
            None => {
                let (en, sv) = what;
                return Err(StoreError::Invalid(said!(
                    "a wave needs {en} (YYYY-MM-DD)",
                    "en mätomgång behöver {sv} (ÅÅÅÅ-MM-DD)"
                )));
            }
        }
        dates.extend(date.clone());
    }
    if dates[1] < dates[0] {
        let (a, b) = (&dates[0], &dates[1]);
        return Err(StoreError::Invalid(said!(
            "the wave closes ({b}) before it opens ({a})",
            "mätomgången stänger ({b}) innan den öppnar ({a})"
        )));
    }
    let floor = crate::config::MIN_GROUP_SIZE_FLOOR;
    if new.min_group_size < floor {
        let n = new.min_group_size;
        return Err(StoreError::Invalid(said!(
            "a minimum group size of {n} is below the floor of {floor}",
            "minsta gruppstorlek {n} är under golvet {floor}"
        )));
    }
    Ok(())
}

/// A wave by its number.
pub fn wave_by_id(conn: &mut DbConnection, id: i64) -> Result<Wave, StoreError> {
    waves::table
        .find(id)
        .select(Wave::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| wave_not_found(&id.to_string()))
}

/// A wave by its study's name and its own.
pub fn wave_named(conn: &mut DbConnection, study: &str, name: &str) -> Result<Wave, StoreError> {
    let study = by_name(conn, study)?;
    waves::table
        .filter(waves::study_id.eq(study.id))
        .filter(waves::name.eq(name))
        .select(Wave::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| wave_not_found(&format!("{}:{name}", study.name)))
}

fn wave_not_found(what: &str) -> StoreError {
    StoreError::NotFound(said!(
        "wave `{what}` not found",
        "mätomgången `{what}` finns inte"
    ))
}

fn require_draft(wave: &Wave, doing: (&str, &str)) -> Result<(), StoreError> {
    if wave.state != WaveState::Draft {
        let (name, en_state, sv_state) = (&wave.name, wave.state, wave.state.word(Language::Sv));
        let (en, sv) = doing;
        return Err(StoreError::Conflict(said!(
            "wave `{name}` is {en_state}: {en} only while it is a draft",
            "mätomgången `{name}` är {sv_state}: {sv} bara medan den är ett utkast"
        )));
    }
    Ok(())
}

/// Changes a draft wave's name, dates and minimum group size.
pub fn update_wave(
    conn: &mut DbConnection,
    wave: &Wave,
    new: &NewWave,
) -> Result<Wave, StoreError> {
    check_wave(new)?;
    require_draft(wave, ("its settings change", "ändras dess inställningar"))?;
    write(conn, |conn| {
        let taken = waves::table
            .filter(waves::study_id.eq(wave.study_id))
            .filter(waves::name.eq(&new.name))
            .filter(waves::id.ne(wave.id))
            .count()
            .get_result::<i64>(conn)?;
        if taken > 0 {
            let w = &new.name;
            return Err(StoreError::Invalid(said!(
                "the study has a wave `{w}` already",
                "studien har redan en mätomgång `{w}`"
            )));
        }
        let changed = diesel::update(waves::table.find(wave.id))
            .filter(waves::state.eq(WaveState::Draft.as_str()))
            .set((
                waves::name.eq(&new.name),
                waves::opens_on.eq(&new.opens_on),
                waves::closes_on.eq(&new.closes_on),
                waves::min_group_size.eq(new.min_group_size as i32),
                waves::min_group_size_comments
                    .eq(new.min_group_size_comments.max(new.min_group_size) as i32),
            ))
            .execute(conn)?;
        if changed == 0 {
            return Err(wave_not_found(&wave.id.to_string()));
        }
        wave_by_id(conn, wave.id)
    })
}

/// Deletes a draft wave with its roster, codes and any imported answers.
pub fn delete_wave(conn: &mut DbConnection, wave: &Wave) -> Result<(), StoreError> {
    require_draft(wave, ("it can be deleted", "kan den tas bort"))?;
    write(conn, |conn| {
        let current = wave_by_id(conn, wave.id)?;
        require_draft(&current, ("it can be deleted", "kan den tas bort"))?;
        delete_wave_rows(conn, &current)
    })
}

fn delete_wave_rows(conn: &mut DbConnection, wave: &Wave) -> Result<(), StoreError> {
    use super::schema::{drafts, invitations, outbox, response_texts, responses, unit_links};
    diesel::delete(outbox::table.filter(outbox::wave_id.eq(wave.id))).execute(conn)?;
    diesel::delete(drafts::table.filter(drafts::wave_id.eq(wave.id))).execute(conn)?;
    diesel::delete(unit_links::table.filter(unit_links::wave_id.eq(wave.id))).execute(conn)?;
    diesel::delete(response_texts::table.filter(response_texts::wave_id.eq(wave.id)))
        .execute(conn)?;
    diesel::delete(responses::table.filter(responses::wave_id.eq(wave.id))).execute(conn)?;
    diesel::delete(invitations::table.filter(invitations::wave_id.eq(wave.id))).execute(conn)?;
    diesel::delete(waves::table.find(wave.id)).execute(conn)?;
    Ok(())
}

pub fn waves_of(conn: &mut DbConnection, study: &Study) -> Result<Vec<Wave>, StoreError> {
    Ok(waves::table
        .filter(waves::study_id.eq(study.id))
        .order(waves::name)
        .select(Wave::as_select())
        .load(conn)?)
}

/// Moves a wave forward: draft → open → closed, never back.
pub fn set_state(conn: &mut DbConnection, wave: &Wave, to: WaveState) -> Result<Wave, StoreError> {
    let allowed = matches!(
        (wave.state, to),
        (WaveState::Draft, WaveState::Open) | (WaveState::Open, WaveState::Closed)
    );
    if !allowed {
        let (name, from_en, from_sv) = (&wave.name, wave.state, wave.state.word(Language::Sv));
        let to_sv = to.word(Language::Sv);
        return Err(StoreError::Conflict(said!(
            "wave `{name}` is {from_en}; it cannot become {to} (waves go draft → open → closed)",
            "mätomgången `{name}` är {from_sv}; den kan inte bli {to_sv} (utkast → öppen → stängd)"
        )));
    }
    let closed_at = (to == WaveState::Closed).then(|| chrono::Utc::now().naive_utc());
    write(conn, |conn| {
        let moved = on_backend!(conn, c => diesel::update(waves::table.find(wave.id))
            .filter(waves::state.eq(wave.state.as_str()))
            .set((waves::state.eq(to.as_str()), waves::closed_at.eq(closed_at)))
            .returning(Wave::as_returning()).get_result(c).optional())?;
        let Some(moved) = moved else {
            let name = &wave.name;
            return Err(StoreError::Conflict(said!(
                "wave `{name}` changed meanwhile; reload and try again",
                "mätomgången `{name}` ändrades under tiden; ladda om och försök igen"
            )));
        };
        if to == WaveState::Closed {
            super::respondents::on_close(conn, wave.id)?;
        }
        Ok(moved)
    })
}
