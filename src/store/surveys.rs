//! Survey versions: published definitions, stored verbatim and immutable.

use diesel::prelude::*;

use super::connection::on_backend;
use super::pool::write;
use super::schema::survey_versions;
use super::{DbConnection, StoreError};
use crate::said;
use crate::survey::{self, Survey};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = survey_versions)]
pub struct SurveyVersion {
    pub id: i64,
    pub key: String,
    pub version: i32,
    pub hash: String,
    pub definition: String,
    pub published_at: chrono::NaiveDateTime,
}

impl SurveyVersion {
    /// The validated survey of the stored definition.
    pub fn survey(&self) -> Result<Survey, StoreError> {
        survey::parse(
            &self.definition,
            &format!("{} v{} (stored)", self.key, self.version),
        )
        .map_err(|e| StoreError::Invalid(crate::said::Said::both(e.to_string())))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    New(SurveyVersion),
    /// The same content was already published: nothing changed.
    Unchanged(SurveyVersion),
}

/// Publishes a validated survey with its source text. The same content again
/// is a no-op; other content under an existing key and version is refused.
pub fn publish(
    conn: &mut DbConnection,
    survey: &Survey,
    source: &str,
) -> Result<Published, StoreError> {
    let hash = survey.content_hash();
    write(conn, |conn| {
        let existing = survey_versions::table
            .filter(survey_versions::key.eq(&survey.key))
            .filter(survey_versions::version.eq(survey.version as i32))
            .select(SurveyVersion::as_select())
            .get_result(conn)
            .optional()?;
        match existing {
            Some(v) if v.hash == hash => Ok(Published::Unchanged(v)),
            Some(v) => {
                let (key, version, hash) = (&v.key, v.version, &v.hash);
                let next = latest_version(conn, &survey.key)? + 1;
                Err(StoreError::Conflict(said!(
                    "{key} v{version} is already published with other content ({hash}); a published version \
                     never changes: publish the change as version {next}",
                    "{key} v{version} är redan publicerad med annat innehåll ({hash}); en publicerad version \
                     ändras aldrig: publicera ändringen som version {next}"
                )))
            }
            None => {
                let v = on_backend!(conn, c => diesel::insert_into(survey_versions::table)
                    .values((
                        survey_versions::key.eq(&survey.key),
                        survey_versions::version.eq(survey.version as i32),
                        survey_versions::hash.eq(&hash),
                        survey_versions::definition.eq(source),
                        survey_versions::published_at.eq(chrono::Utc::now().naive_utc()),
                    )).returning(SurveyVersion::as_returning()).get_result(c))?;
                Ok(Published::New(v))
            }
        }
    })
}

fn latest_version(conn: &mut DbConnection, key: &str) -> Result<i32, StoreError> {
    let v: Option<i32> = survey_versions::table
        .filter(survey_versions::key.eq(key))
        .select(diesel::dsl::max(survey_versions::version))
        .get_result(conn)?;
    Ok(v.unwrap_or(0))
}

/// Every published version: key, version, hash and publication time, by key
/// and version.
pub fn versions(
    conn: &mut DbConnection,
) -> Result<Vec<(String, i32, String, chrono::NaiveDateTime)>, StoreError> {
    Ok(survey_versions::table
        .order((survey_versions::key, survey_versions::version))
        .select((
            survey_versions::key,
            survey_versions::version,
            survey_versions::hash,
            survey_versions::published_at,
        ))
        .load(conn)?)
}

/// The newest published version of `key`.
pub fn latest(conn: &mut DbConnection, key: &str) -> Result<SurveyVersion, StoreError> {
    survey_versions::table
        .filter(survey_versions::key.eq(key))
        .order(survey_versions::version.desc())
        .select(SurveyVersion::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(said!(
                "survey `{key}` not found (publish it first)",
                "enkäten `{key}` finns inte (publicera den först)"
            ))
        })
}

pub fn get(conn: &mut DbConnection, id: i64) -> Result<SurveyVersion, StoreError> {
    survey_versions::table
        .find(id)
        .select(SurveyVersion::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(said!(
                "survey version {id} not found",
                "enkätversion {id} finns inte"
            ))
        })
}

/// The one survey that `waves` share: the waves of an analysis must use the
/// same survey version, so that their items mean the same.
pub fn shared_by(
    conn: &mut DbConnection,
    waves: &[super::studies::Wave],
) -> Result<Survey, StoreError> {
    let Some(first) = waves.first() else {
        return Err(StoreError::Conflict(said!(
            "there is no wave to analyse yet; create the first one",
            "det finns ingen mätomgång att analysera än; skapa den första"
        )));
    };
    if let Some(other) = waves
        .iter()
        .find(|w| w.survey_version_id != first.survey_version_id)
    {
        let (a, b) = (&first.name, &other.name);
        return Err(StoreError::Conflict(said!(
            "waves {a} and {b} use different survey versions; take the waves of one version at a time",
            "mätomgångarna {a} och {b} använder olika enkätversioner; ta en versions mätomgångar i taget"
        )));
    }
    get(conn, first.survey_version_id)?.survey()
}
