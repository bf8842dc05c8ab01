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
    use std::collections::HashMap;
    let mut acc = Accumulator::new(survey);
    let (mut wave_names, mut unit_names) = (Vec::<String>::new(), Vec::<String>::new());
    let (mut wave_index, mut unit_index) = (
        HashMap::<String, usize>::new(),
        HashMap::<String, usize>::new(),
    );
    let index = |names: &mut Vec<String>, map: &mut HashMap<String, usize>, name: &str| {
        *map.entry(name.to_owned()).or_insert_with(|| {
            names.push(name.to_owned());
            names.len() - 1
        })
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
    let all = units::all(conn)?;
    let index: HashMap<i64, usize> = all.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let nodes: Vec<Node> = all
        .iter()
        .map(|u| Node {
            code: u.code.clone(),
            name: u.name.clone(),
            parent: u.parent_id.and_then(|p| index.get(&p).copied()),
        })
        .collect();
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let (acc, wave_names, unit_codes) = accumulate(conn, &survey, &ids)?;
    let by_code: HashMap<&str, usize> =
        unit_codes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let acc_unit: Vec<Option<usize>> =
        nodes.iter().map(|n| by_code.get(n.code.as_str()).copied()).collect();
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
    Ok(dashboard::build(&survey, lang, &nodes, &inputs, &acc, &acc_unit))
}
