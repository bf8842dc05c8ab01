//! The dashboard's headline per dimension ([`crate::evaluation::headline`])
//! from the study's report — the same report the evaluator reads, under the
//! same plan — computed once and kept until anything it depends on changes
//! ([`crate::store::headlines::digest`]). The dashboard only reads what is
//! stored (a study of hundreds of units takes minutes to report on); the
//! web starts the computation in the background when nothing current is
//! stored, and the API computes it on request.

use serde::{Deserialize, Serialize};

use super::{Error, Result, StudyReport, study_report};
use crate::evaluation::headline::{self, Headlines};
use crate::said::Said;
use crate::store::{DbConnection, headlines, studies};
use crate::survey::Language;

/// What the study's report gave: headlines, or why there is no report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Shown(Headlines),
    /// The report refused (no wave after the intervention yet, an arm the
    /// plan cannot show…): the reason, kept like the headlines.
    Refused(Said),
}

/// The stored outcome when the study is unchanged since it was computed.
pub fn stored_headlines(conn: &mut DbConnection, name: &str) -> Result<Option<Outcome>> {
    let study = studies::by_name(conn, name)?;
    let digest = headlines::digest(conn, study.id)?;
    Ok(headlines::stored(conn, study.id, &digest)?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// Computes the study's headlines from its report and stores them (a
/// refusal too); other failures are returned and nothing is stored.
pub fn compute_headlines(
    conn: &mut DbConnection,
    name: &str,
    default_min_group: u32,
) -> Result<Outcome> {
    let study = studies::by_name(conn, name)?;
    let digest = headlines::digest(conn, study.id)?;
    // The same estimates as the study's report; the effect report's
    // measurement section (factor models) is left out, the cards do not use it.
    let report = if super::rollout::is_rollout(conn, name)? {
        study_report(conn, name, Language::En, default_min_group)
    } else {
        super::effect_report_with(conn, name, Language::En, default_min_group, false)
            .map(|r| StudyReport::Effect(Box::new(r)))
    };
    let outcome = match report {
        Ok(StudyReport::Effect(r)) => Outcome::Shown(headline::of_effect(&r)),
        Ok(StudyReport::Rollout(r)) => Outcome::Shown(headline::of_rollout(&r)),
        Err(Error::Conflict(why)) | Err(Error::Invalid { reason: why, .. }) => {
            Outcome::Refused(why)
        }
        Err(e) => return Err(e),
    };
    let json = serde_json::to_string(&outcome).expect("headlines serialise");
    headlines::store(conn, study.id, &digest, &json)?;
    Ok(outcome)
}

/// The study's headlines: stored ones when current, else computed now.
pub fn study_headlines(
    conn: &mut DbConnection,
    name: &str,
    default_min_group: u32,
) -> Result<Headlines> {
    let outcome = match stored_headlines(conn, name)? {
        Some(o) => o,
        None => compute_headlines(conn, name, default_min_group)?,
    };
    match outcome {
        Outcome::Shown(h) => Ok(h),
        Outcome::Refused(why) => Err(Error::Conflict(why)),
    }
}
