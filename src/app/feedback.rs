//! A unit's feedback report (`crate::feedback`) from the database: the
//! study loaded once, the whole dashboard (the unit's and the
//! organisation's figures as the plans show them), the unit's item counts
//! summed over its subtree when the plan shows that subtree, and its
//! comments as a viewer limited to the unit would read them.

use super::comments::{CommentsQuery, TextCache, comments_in};
use super::{Error, Result};
use crate::feedback::{self, FeedbackInput, ItemInput, UnitFeedback};
use crate::store::DbConnection;
use crate::survey::Language;

/// Who reads the report.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub lang: Language,
    /// The unit (id) the reader is limited to; the report's unit must be in it.
    pub scope: Option<i64>,
    /// The reader may read comments (evaluators, viewers limited to a unit).
    pub comments: bool,
}

/// The report of unit `code` in `wave` (by name; default the latest wave
/// that shows the unit).
pub fn unit_feedback(
    conn: &mut DbConnection,
    study: &str,
    code: &str,
    wave: Option<&str>,
    reader: Reader,
) -> Result<UnitFeedback> {
    let loaded = super::load(conn, study)?;
    let dash = super::dashboard_of(&loaded, reader.lang);
    let mut cache = TextCache::default();
    report_of(conn, &loaded, &dash, code, wave, reader, &mut cache)
}

/// Every unit's report in `wave` (default: each unit's latest shown wave)
/// that the reader may see, for the units the plan shows; the study loaded
/// once.
pub fn all_feedback(
    conn: &mut DbConnection,
    study: &str,
    wave: Option<&str>,
    reader: Reader,
) -> Result<Vec<UnitFeedback>> {
    let loaded = super::load(conn, study)?;
    let dash = super::dashboard_of(&loaded, reader.lang);
    let mut out = Vec::new();
    let mut cache = TextCache::default();
    for unit in &loaded.plan.units {
        match report_of(conn, &loaded, &dash, &unit.code, wave, reader, &mut cache) {
            Ok(r) => out.push(r),
            // Hidden in that wave, or outside the reader's part: no report.
            Err(Error::Conflict(_) | Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn report_of(
    conn: &mut DbConnection,
    loaded: &super::Loaded,
    dash: &crate::dashboard::Dashboard,
    code: &str,
    wave: Option<&str>,
    reader: Reader,
    cache: &mut TextCache,
) -> Result<UnitFeedback> {
    let study = loaded.study.name.as_str();
    let plan = &loaded.plan;
    let Some(u) = plan.unit(code) else {
        return Err(Error::NotFound(crate::said!(
            "there is no unit `{code}`",
            "det finns ingen enhet `{code}`"
        )));
    };
    if let Some(scope) = reader.scope {
        let root = plan
            .units
            .iter()
            .position(|x| x.id == scope)
            .ok_or_else(super::scope_gone)?;
        if !plan.within(u, root) {
            return Err(Error::NotFound(crate::said!(
                "there is no unit `{code}` in the part of the organisation this account sees",
                "det finns ingen enhet `{code}` i den del av organisationen som kontot ser"
            )));
        }
    }
    let lang = super::language_for(&loaded.survey, reader.lang);
    let shows = |w: usize| (0..dash.dimensions.len()).any(|d| dash.figures[w][d][u].mean.is_some());
    let w = match wave {
        Some(name) => dash
            .waves
            .iter()
            .position(|x| x.name == name)
            .ok_or_else(|| {
                Error::NotFound(crate::said!(
                    "study `{study}` has no wave `{name}`",
                    "studien `{study}` har ingen mätomgång `{name}`"
                ))
            })?,
        None => (0..dash.waves.len())
            .rev()
            .find(|&w| shows(w))
            .ok_or_else(|| too_small(code))?,
    };
    if !shows(w) {
        return Err(too_small(code));
    }
    let survey = &loaded.survey;
    let layout = &loaded.acc.layout;
    let subtree: Vec<usize> = (0..plan.units.len())
        .filter(|&v| plan.within(v, u))
        .collect();
    let acc_wave = loaded
        .wave_names
        .iter()
        .position(|n| *n == dash.waves[w].name);
    // Only the items of dimensions the plan shows for the unit in this wave.
    let items: Vec<ItemInput> = survey
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| dash.figures[w][item.dimension][u].mean.is_some())
        .map(|(i, item)| {
            let mut slots = vec![0u64; layout.points + 2];
            if let Some(aw) = acc_wave {
                for &v in &subtree {
                    let cell = plan.acc_unit[v]
                        .and_then(|a| loaded.acc.waves[aw].cells.get(a))
                        .and_then(Option::as_ref);
                    if let Some(cell) = cell {
                        for (s, c) in slots.iter_mut().zip(cell.answer_counts(layout, i)) {
                            *s += c;
                        }
                    }
                }
            }
            ItemInput {
                text: item.text.get(lang).to_owned(),
                dimension: survey.dimensions[item.dimension].name.get(lang).to_owned(),
                counts: slots[..layout.points].to_vec(),
                missing: slots[layout.points],
                dont_know: slots[layout.points + 1],
            }
        })
        .collect();
    let comments = if reader.comments {
        let wave = &plan.waves[w].wave;
        let query = CommentsQuery {
            lang,
            scope: Some(plan.units[u].id),
            search: None,
        };
        Some(comments_in(conn, loaded, wave, &query, cache)?)
    } else {
        None
    };
    let labels = survey.scale.labels.get(&lang).cloned().unwrap_or_default();
    feedback::build(FeedbackInput {
        study,
        dash,
        unit: u,
        wave: w,
        labels,
        dont_know_label: survey
            .scale
            .dont_know
            .as_ref()
            .map(|t| t.get(lang).to_owned()),
        items,
        comments,
        lang,
    })
    .ok_or_else(|| too_small(code))
}

fn too_small(code: &str) -> Error {
    Error::Conflict(crate::said!(
        "unit `{code}` has no wave whose figures may be shown: too few answered there",
        "enheten `{code}` har ingen mätomgång vars resultat får visas: för få svarade där"
    ))
}
