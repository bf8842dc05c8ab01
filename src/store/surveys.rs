//! Survey versions: published definitions, stored verbatim and immutable.

use diesel::prelude::*;

use super::connection::on_backend;
use super::pool::write;
use super::schema::survey_versions;
use super::{DbConnection, StoreError};
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
        .map_err(|e| StoreError::Invalid(e.to_string()))
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
            Some(v) => Err(StoreError::Invalid(format!(
                "{} v{} is already published with other content ({}); a published version never changes: \
                 publish the change as version {}",
                v.key,
                v.version,
                v.hash,
                latest_version(conn, &survey.key)? + 1
            ))),
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
            StoreError::NotFound(format!(
                "survey `{key}` (publish it with `klimat survey publish FILE`)"
            ))
        })
}

pub fn get(conn: &mut DbConnection, id: i64) -> Result<SurveyVersion, StoreError> {
    survey_versions::table
        .find(id)
        .select(SurveyVersion::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("survey version {id}")))
}

/// The one survey that `waves` share: the waves of an analysis must use the
/// same survey version, so that their items mean the same.
pub fn shared_by(
    conn: &mut DbConnection,
    waves: &[super::studies::Wave],
) -> Result<Survey, StoreError> {
    let Some(first) = waves.first() else {
        return Err(StoreError::Invalid(
            "there is no wave to analyse yet; create one with `klimat wave create`".into(),
        ));
    };
    if let Some(other) = waves
        .iter()
        .find(|w| w.survey_version_id != first.survey_version_id)
    {
        return Err(StoreError::Invalid(format!(
            "waves {} and {} use different survey versions; take the waves of one version at a time",
            first.name, other.name
        )));
    }
    get(conn, first.survey_version_id)?.survey()
}
