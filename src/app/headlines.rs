//! The dashboard's headline per dimension ([`crate::evaluation::headline`])
//! from the study's report — the same report the evaluator reads, under the
//! same plan — computed once and kept until anything it depends on changes
//! ([`crate::store::headlines::digest`]), so the dashboard reads it in
//! milliseconds.

use super::{Result, StudyReport, study_report};
use crate::evaluation::headline::{self, Headlines};
use crate::store::{DbConnection, headlines, studies};
use crate::survey::Language;

/// The study's headlines: stored ones when the study is unchanged since
/// they were computed, else computed now and stored.
pub fn study_headlines(
    conn: &mut DbConnection,
    name: &str,
    default_min_group: u32,
) -> Result<Headlines> {
    let study = studies::by_name(conn, name)?;
    let digest = headlines::digest(conn, study.id)?;
    if let Some(json) = headlines::stored(conn, study.id, &digest)?
        && let Ok(h) = serde_json::from_str(&json)
    {
        return Ok(h);
    }
    let computed = match study_report(conn, name, Language::En, default_min_group)? {
        StudyReport::Effect(r) => headline::of_effect(&r),
        StudyReport::Rollout(r) => headline::of_rollout(&r),
    };
    let json = serde_json::to_string(&computed).expect("headlines serialise");
    headlines::store(conn, study.id, &digest, &json)?;
    Ok(computed)
}
