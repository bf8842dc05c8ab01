//! The application's use cases over the store and the analysis core, shared
//! by the command line and the web service so both give the same numbers:
//! scoring a study's responses, its design and effect report, the dashboard.
//! Knows the store and the core; knows nothing of HTTP or the terminal.

use std::collections::HashMap;

use anyhow::Context;

use crate::dashboard::{self, Dashboard, Node, WaveInput};
use crate::evaluation::{DesignRequest, Inference, evaluate, report::EffectReport};
use crate::scoring::Accumulator;
use crate::store::studies::{Study, Wave};
use crate::store::{DbConnection, invitations, responses, studies, surveys, units};
use crate::survey::{Language, Survey};

/// The responses of `waves` scored into an accumulator, with the wave and
/// unit names behind its indices: the database path into the same core as
/// a responses file.
pub fn accumulate(
    conn: &mut DbConnection,
    survey: &Survey,
    waves: &[i64],
) -> anyhow::Result<(Accumulator, Vec<String>, Vec<String>)> {
    let mut acc = Accumulator::new(survey);
    let (mut wave_names, mut unit_names) = (Vec::<String>::new(), Vec::<String>::new());
    let (mut wave_index, mut unit_index) = (
        HashMap::<String, usize>::new(),
        HashMap::<String, usize>::new(),
    );
    let index = |names: &mut Vec<String>, map: &mut HashMap<String, usize>, name: &str| {
        if let Some(&i) = map.get(name) {
            return i;
        }
        names.push(name.to_owned());
        map.insert(name.to_owned(), names.len() - 1);
        names.len() - 1
    };
    responses::scan(conn, waves, |wave, unit, answers| {
        let w = index(&mut wave_names, &mut wave_index, wave);
        let u = index(&mut unit_names, &mut unit_index, unit);
        acc.push(w, u, answers);
    })?;
    Ok((acc, wave_names, unit_names))
}

/// A study's survey, scored responses and design, read from the database.
pub struct StudyData {
    pub study: Study,
    pub waves: Vec<Wave>,
    pub survey: Survey,
    pub acc: Accumulator,
    pub wave_names: Vec<String>,
    pub unit_names: Vec<String>,
    pub request: DesignRequest,
    /// The largest minimum group size of the study's waves.
    pub min_group: u32,
}

/// Reads a study. `first_post_wave` defaults to the first wave opening on or
/// after the intervention date.
pub fn study_data(
    conn: &mut DbConnection,
    name: &str,
    first_post_wave: Option<&str>,
    default_min_group: u32,
) -> anyhow::Result<StudyData> {
    let study = studies::by_name(conn, name)?;
    let waves = studies::waves_of(conn, &study)?;
    let survey = surveys::shared_by(conn, &waves).with_context(|| format!("study `{name}`"))?;
    let first_post_wave = match first_post_wave {
        Some(w) => w.to_owned(),
        None => waves
            .iter()
            .find(|w| w.opens_on.as_deref().is_some_and(|d| d >= study.intervention_date.as_str()))
            .map(|w| w.name.clone())
            .with_context(|| {
                format!(
                    "no wave of study `{name}` opens on or after the intervention date {}; name the first wave after it",
                    study.intervention_date
                )
            })?,
    };
    let (pilot, control) = studies::arms(conn, &study)?;
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let (acc, wave_names, unit_names) = accumulate(conn, &survey, &ids)?;
    let min_group = waves
        .iter()
        .map(|w| w.min_group_size as u32)
        .max()
        .unwrap_or(default_min_group);
    Ok(StudyData {
        study,
        waves,
        survey,
        acc,
        wave_names,
        unit_names,
        request: DesignRequest {
            pilot,
            control: Some(control),
            first_post_wave,
        },
        min_group,
    })
}

/// The survey's language closest to the reader's: theirs when offered,
/// otherwise the survey's first.
pub fn language_for(survey: &Survey, wanted: Language) -> Language {
    if survey.offers(wanted) {
        wanted
    } else {
        survey.languages[0]
    }
}

/// A study's effect report with the default inference (seed 1, 9,999 draws,
/// Webb weights), as `klimat report effect --study` computes it.
pub fn effect_report(
    conn: &mut DbConnection,
    name: &str,
    lang: Language,
    default_min_group: u32,
) -> anyhow::Result<EffectReport> {
    let data = study_data(conn, name, None, default_min_group)?;
    let lang = language_for(&data.survey, lang);
    evaluate(
        &data.survey,
        &data.acc,
        &data.wave_names,
        &data.unit_names,
        &data.request,
        Inference::default(),
        data.min_group as u64,
        lang,
    )
    .context("the design does not fit the data")
}

/// The leadership dashboard of a study: every unit of the organisation (with
/// its subtree), every wave of the study.
pub fn dashboard(conn: &mut DbConnection, name: &str, lang: Language) -> anyhow::Result<Dashboard> {
    let study = studies::by_name(conn, name)?;
    let waves = studies::waves_of(conn, &study)?;
    let survey = surveys::shared_by(conn, &waves).with_context(|| format!("study `{name}`"))?;
    let lang = language_for(&survey, lang);
    let (all, parents) = unit_tree(conn)?;
    let index: HashMap<i64, usize> = all.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let nodes: Vec<Node> = all
        .iter()
        .zip(parents)
        .map(|(u, parent)| Node {
            code: u.code.clone(),
            name: u.name.clone(),
            parent,
        })
        .collect();
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let (acc, wave_names, unit_codes) = accumulate(conn, &survey, &ids)?;
    let by_code: HashMap<&str, usize> = unit_codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let acc_unit: Vec<Option<usize>> = nodes
        .iter()
        .map(|n| by_code.get(n.code.as_str()).copied())
        .collect();
    let mut inputs: Vec<WaveInput> = waves
        .iter()
        .map(|w| WaveInput {
            name: w.name.clone(),
            min_group: w.min_group_size as u64,
            acc_wave: wave_names.iter().position(|n| *n == w.name),
            invited: vec![0; nodes.len()],
            answered: vec![0; nodes.len()],
        })
        .collect();
    let wave_index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    for (wave, unit, invited, answered) in invitations::counts(conn, &ids)? {
        if let (Some(&w), Some(&u)) = (wave_index.get(&wave), index.get(&unit)) {
            inputs[w].invited[u] = invited;
            inputs[w].answered[u] = answered;
        }
    }
    Ok(dashboard::build(
        &survey, lang, &nodes, &inputs, &acc, &acc_unit,
    ))
}

/// The label that replaces the unit of rows from hidden units in exports.
pub const HIDDEN_UNITS: &str = "(hidden units)";

/// The unit tree (parents as indices) and each unit's index by code.
fn unit_tree(conn: &mut DbConnection) -> anyhow::Result<(Vec<units::Unit>, Vec<Option<usize>>)> {
    let all = units::all(conn)?;
    let index: HashMap<i64, usize> = all.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let parents = all
        .iter()
        .map(|u| u.parent_id.and_then(|p| index.get(&p).copied()))
        .collect();
    Ok((all, parents))
}

/// The responses of `waves` in the offline format, for evaluators: rows of a
/// unit that the minimum group size hides (with complementary hiding in the
/// unit tree) carry the label [`HIDDEN_UNITS`] instead of their unit, so
/// the hidden units pool into a group that is itself large enough.
pub fn export_responses(conn: &mut DbConnection, waves: &[Wave]) -> anyhow::Result<String> {
    let survey = surveys::shared_by(conn, waves)?;
    let (all, parents) = unit_tree(conn)?;
    let position: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let mut rows: Vec<(String, String, Vec<crate::scoring::Answer>)> = Vec::new();
    responses::scan(conn, &ids, |wave, unit, answers| {
        rows.push((wave.to_owned(), unit.to_owned(), answers.to_vec()))
    })?;
    let mut writer = crate::responses::ResponsesWriter::new(Vec::new(), &survey)?;
    for wave in waves {
        let mut own = vec![0u64; all.len()];
        for (_, u, _) in rows.iter().filter(|r| r.0 == wave.name) {
            if let Some(&i) = position.get(u.as_str()) {
                own[i] += 1;
            }
        }
        let (hidden, all_hidden) =
            crate::scoring::suppression::suppress_tree(&parents, &own, wave.min_group_size as u64);
        if all_hidden {
            continue;
        }
        for (_, u, answers) in rows.iter().filter(|r| r.0 == wave.name) {
            let shown = position.get(u.as_str()).is_some_and(|&i| !hidden[i]);
            writer.row(if shown { u } else { HIDDEN_UNITS }, &wave.name, answers)?;
        }
    }
    Ok(String::from_utf8(writer.finish()?).expect("the writer writes UTF-8"))
}

/// One unit's line in a wave's status, answered hidden by the minimum group.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StatusRow {
    pub unit: String,
    pub name: String,
    pub invited: u64,
    pub sent: u64,
    pub failed: u64,
    pub opted_out: u64,
    pub answered: Option<u64>,
    pub rate: Option<f64>,
}

/// A wave's status per unit and in total; a unit's answered count is hidden
/// as its scores would be (tree suppression on the answered counts).
pub fn wave_status(
    conn: &mut DbConnection,
    wave: &Wave,
) -> anyhow::Result<(Vec<StatusRow>, StatusRow)> {
    let status = crate::store::outbox::wave_status(conn, wave)?;
    let (all, parents) = unit_tree(conn)?;
    let mut own = vec![0u64; all.len()];
    let position: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    for s in &status {
        if let Some(&i) = position.get(s.unit.as_str()) {
            own[i] = s.answered;
        }
    }
    let (hidden, all_hidden) =
        crate::scoring::suppression::suppress_tree(&parents, &own, wave.min_group_size as u64);
    let row = |s: &crate::store::outbox::UnitStatus, hide: bool| StatusRow {
        unit: s.unit.clone(),
        name: s.name.clone(),
        invited: s.invited,
        sent: s.sent,
        failed: s.failed,
        opted_out: s.opted_out,
        answered: (!hide).then_some(s.answered),
        rate: (!hide && s.invited > 0).then(|| s.answered as f64 / s.invited as f64),
    };
    let rows = status
        .iter()
        .map(|s| {
            row(
                s,
                all_hidden || position.get(s.unit.as_str()).is_none_or(|&i| hidden[i]),
            )
        })
        .collect();
    let mut total = crate::store::outbox::UnitStatus::default();
    for s in &status {
        total.invited += s.invited;
        total.sent += s.sent;
        total.failed += s.failed;
        total.opted_out += s.opted_out;
        total.answered += s.answered;
    }
    Ok((rows, row(&total, all_hidden)))
}
