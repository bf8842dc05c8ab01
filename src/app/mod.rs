//! The application's use cases over the store and the analysis core, shared
//! by the command line and the web service so both give the same numbers:
//! scoring a study's responses, its design and effect report, the dashboard.
//! Knows the store and the core; knows nothing of HTTP or the terminal.
//! Every figure goes through the study's disclosure plan ([`plan`]).

mod actor;
pub mod aggregate;
pub mod comments;
mod csv_file;
mod error;
mod exports;
pub use exports::{
    ExportScope, HIDDEN_UNITS, aggregate_file, export_table, raw_table, responses_file,
};
pub mod feedback;
pub mod headlines;
pub mod idempotent;
pub mod managers;
pub mod plan;
pub mod reorganise;
pub mod rollout;
pub mod setup;
pub mod units_file;
mod validity;
mod wave_ref;

use std::collections::HashMap;

use crate::dashboard::{self, Dashboard, Node, WaveInput};
use crate::evaluation::disclosed::{Disclosed, disclose};
use crate::evaluation::{DesignError, DesignRequest, Inference, evaluate, report::EffectReport};
use crate::said::Said;
use crate::scoring::{Accumulator, ScoreReport};
use crate::store::studies::{Study, Wave, WaveState};
use crate::store::{DbConnection, responses, studies, surveys};
use crate::survey::{Language, Survey};

pub use actor::Actor;
pub use error::{Error, Result};
pub use plan::{StudyPlan, WavePlan};
pub use validity::{study_validity, wave_validity};
pub use wave_ref::WaveRef;

/// The responses of `waves` scored into an accumulator, with the wave and
/// unit names behind its indices: the database path into the same core as
/// a responses file.
pub fn accumulate(
    conn: &mut DbConnection,
    survey: &Survey,
    waves: &[i64],
) -> Result<(Accumulator, Vec<String>, Vec<String>), crate::store::StoreError> {
    let mut acc = Accumulator::new(survey);
    let (wave_names, unit_names) = scan_into(conn, waves, &mut acc)?;
    Ok((acc, wave_names, unit_names))
}

/// The responses of `waves` into any sink the file reader also feeds,
/// returning the wave and unit names behind the indices it was given.
pub fn scan_into(
    conn: &mut DbConnection,
    waves: &[i64],
    sink: &mut impl crate::responses::RowSink,
) -> Result<(Vec<String>, Vec<String>), crate::store::StoreError> {
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
        sink.row(w, u, answers);
    })?;
    Ok((wave_names, unit_names))
}

/// A study's survey, its closed waves' responses as the disclosure plan lets
/// the estimators see them (each arm's hidden units pooled), and its design.
pub struct StudyData {
    pub study: Study,
    pub waves: Vec<Wave>,
    pub survey: Survey,
    pub acc: Accumulator,
    pub wave_names: Vec<String>,
    pub unit_names: Vec<String>,
    pub request: DesignRequest,
    /// The pooled units and the units each holds.
    pub pooled: Vec<(String, Vec<String>)>,
    /// The largest minimum group size of the study's waves.
    pub min_group: u32,
    /// What its validity report is computed from, under the same plan.
    pub validity: validity::ValidityInput,
    /// What reorganisations during the study did to the arms.
    pub reorganised: Vec<Said>,
}

/// A study with its waves, survey, responses and plans.
pub struct Loaded {
    pub study: Study,
    pub waves: Vec<Wave>,
    pub survey: Survey,
    pub acc: Accumulator,
    pub wave_names: Vec<String>,
    pub unit_codes: Vec<String>,
    pub plan: StudyPlan,
}

/// Reads a study and decides its plans.
pub fn load(conn: &mut DbConnection, name: &str) -> Result<Loaded> {
    load_with(conn, name, |_| ()).map(|(loaded, ())| loaded)
}

/// Reads a study and decides its plans, feeding the same pass over the
/// responses into a second sink made for the study's survey (its wave and
/// unit indices are those of [`Loaded::wave_names`] and
/// [`Loaded::unit_codes`]).
pub fn load_with<S: crate::responses::RowSink>(
    conn: &mut DbConnection,
    name: &str,
    sink: impl FnOnce(&Survey) -> S,
) -> Result<(Loaded, S)> {
    let study = studies::by_name(conn, name)?;
    let waves = studies::waves_of(conn, &study)?;
    let survey = surveys::shared_by(conn, &waves)?;
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let mut both = (Accumulator::new(&survey), sink(&survey));
    let (wave_names, unit_codes) = scan_into(conn, &ids, &mut both)?;
    let (acc, extra) = both;
    let plan = plan::study_plan(conn, &study, &waves, &acc, &wave_names, &unit_codes)?;
    Ok((
        Loaded {
            study,
            waves,
            survey,
            acc,
            wave_names,
            unit_codes,
            plan,
        },
        extra,
    ))
}

impl Loaded {
    /// The accumulator's waves that are not open (closed, and drafts holding
    /// imported answers): their indices, the accumulator of only them, their
    /// names and plans.
    pub fn analysed_waves(
        &self,
    ) -> (
        Vec<usize>,
        Accumulator,
        Vec<String>,
        Vec<crate::disclosure::Plan>,
    ) {
        let plans = self.acc_plans();
        let closed: Vec<usize> = (0..self.wave_names.len())
            .filter(|&w| {
                self.waves
                    .iter()
                    .any(|x| x.name == self.wave_names[w] && x.state != WaveState::Open)
            })
            .collect();
        let acc = self.acc.select_waves(&closed);
        let names = closed.iter().map(|&c| self.wave_names[c].clone()).collect();
        let plans = closed.iter().map(|&c| plans[c].clone()).collect();
        (closed, acc, names, plans)
    }

    /// Per accumulator wave: its plan over the accumulator's units.
    pub fn acc_plans(&self) -> Vec<crate::disclosure::Plan> {
        self.wave_names
            .iter()
            .map(|name| {
                let w = self
                    .waves
                    .iter()
                    .position(|w| w.name == *name)
                    .expect("the accumulator holds the study's waves");
                self.plan.acc_plan(w, self.unit_codes.len())
            })
            .collect()
    }
}

/// Reads a study for its effect report. `first_post_wave` defaults to the
/// first wave opening on or after the intervention date. Open waves are
/// left out; the estimators see the arms' hidden units pooled.
pub fn study_data(
    conn: &mut DbConnection,
    name: &str,
    first_post_wave: Option<&str>,
    default_min_group: u32,
) -> Result<StudyData> {
    let (loaded, products) = load_with(conn, name, crate::validity::Products::new)?;
    let validity = validity::ValidityInput::new(&loaded, products);
    let study = &loaded.study;
    let first_post_wave = match first_post_wave {
        Some(w) => w.to_owned(),
        None => loaded
            .waves
            .iter()
            .find(|w| w.opens_on.as_deref().is_some_and(|d| d >= study.intervention_date.as_str()))
            .map(|w| w.name.clone())
            .ok_or_else(|| {
                let date = &study.intervention_date;
                Error::Conflict(crate::said!(
                    "no wave of study `{name}` opens on or after the intervention date {date}: the effect \
                     report compares waves before and after it; create a wave after it",
                    "ingen mätomgång i studien `{name}` öppnar på eller efter interventionsdatumet {date}: \
                     effektrapporten jämför mätomgångar före och efter det; skapa en mätomgång efter det"
                ))
            })?,
    };
    // Draft waves count when they hold imported (historical) answers;
    // open waves never.
    let answered = |name: &str| loaded.wave_names.iter().any(|n| n == name);
    match loaded.waves.iter().find(|w| w.name == first_post_wave) {
        Some(w) if w.state == WaveState::Open => {
            return Err(DesignError::WaveOpen(first_post_wave).into());
        }
        Some(w) if w.state == WaveState::Draft && !answered(&w.name) => {
            return Err(Error::Conflict(crate::said!(
                "the first wave after the intervention, `{first_post_wave}`, has not opened yet: the effect \
                 report compares it with the waves before once it has closed",
                "den första mätomgången efter insatsen, `{first_post_wave}`, har inte öppnat än: \
                 effektrapporten jämför den med mätomgångarna före när den har stängt"
            )));
        }
        _ => {}
    }
    if !loaded
        .waves
        .iter()
        .any(|w| w.name < first_post_wave && w.state != WaveState::Open && answered(&w.name))
    {
        return Err(Error::Conflict(crate::said!(
            "no wave before `{first_post_wave}` has answers in a closed wave: the effect report needs one \
             before the intervention and one after it",
            "ingen mätomgång före `{first_post_wave}` har svar i en stängd mätomgång: effektrapporten behöver \
             en före insatsen och en efter"
        )));
    }
    let (pilot, control) = (
        loaded
            .plan
            .pilot
            .iter()
            .map(|&u| loaded.plan.units[u].code.clone())
            .collect(),
        loaded
            .plan
            .control
            .iter()
            .map(|&u| loaded.plan.units[u].code.clone())
            .collect(),
    );
    let (pilot, control, reorganised) = stable_arms(&loaded, pilot, control)?;
    let request = DesignRequest {
        pilot,
        control: Some(control),
        first_post_wave,
    };
    // Open waves' responses are not looked at.
    let (_, acc, wave_names, plans) = loaded.analysed_waves();
    let Disclosed {
        acc,
        units,
        request,
        pooled,
    } = disclose(&acc, &wave_names, &loaded.unit_codes, &request, &plans)?;
    let min_group = loaded
        .waves
        .iter()
        .map(|w| w.min_group_size as u32)
        .max()
        .unwrap_or(default_min_group);
    Ok(StudyData {
        study: loaded.study,
        waves: loaded.waves,
        survey: loaded.survey,
        acc,
        wave_names,
        unit_names: units,
        request,
        pooled,
        min_group,
        validity,
        reorganised,
    })
}

/// Of the study's `units` (each code with its arm's or cohort's name), those
/// that a merge or split changed while the study ran (between its first and
/// last analysed wave's opening): their responses before and after are not
/// the same group of people. A rename or a move keeps the unit. Returns the
/// codes to leave out and a note per change, in both languages.
pub(crate) fn reorganised_during(
    loaded: &Loaded,
    units: &[(String, Said)],
) -> (std::collections::HashSet<String>, Vec<Said>) {
    let mut out = std::collections::HashSet::new();
    let mut notes = Vec::new();
    let history = &loaded.plan.history;
    if history.changes.is_empty() {
        return (out, notes);
    }
    let dates: Vec<&str> = loaded
        .waves
        .iter()
        .filter(|w| loaded.wave_names.contains(&w.name))
        .filter_map(|w| w.opens_on.as_deref())
        .collect();
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return (out, notes);
    };
    let ids: HashMap<&str, i64> = loaded
        .plan
        .units
        .iter()
        .map(|u| (u.code.as_str(), u.id))
        .collect();
    for (code, group) in units {
        let Some(&id) = ids.get(code.as_str()) else {
            continue;
        };
        let changes = history.changes_between(id, first, last);
        for c in changes.iter().filter(|c| !c.kind.ends_units()) {
            let what = c.told();
            notes.push(Said::new(
                format!(
                    "{} during the study; the {} unit {code} is kept (the same people)",
                    what.en, group.en
                ),
                format!(
                    "{} under studien; {}enheten {code} är kvar (samma personer)",
                    what.sv, group.sv
                ),
            ));
        }
        if let Some(c) = changes.iter().find(|c| c.kind.ends_units()) {
            let what = c.told();
            notes.push(Said::new(
                format!(
                    "{} during the study: the {} unit {code} is left out (its waves before and after are not the same group of people)",
                    what.en, group.en
                ),
                format!(
                    "{} under studien: {}enheten {code} är utelämnad (dess mätomgångar före och efter gäller inte samma grupp människor)",
                    what.sv, group.sv
                ),
            ));
            out.insert(code.clone());
        }
    }
    (out, notes)
}

/// The arms without the units a reorganisation changed during the study
/// ([`reorganised_during`]); an arm left empty refuses the report with the
/// reason.
fn stable_arms(
    loaded: &Loaded,
    pilot: Vec<String>,
    control: Vec<String>,
) -> Result<(Vec<String>, Vec<String>, Vec<Said>)> {
    let arm = |codes: &[String], name: Said| -> Vec<(String, Said)> {
        codes.iter().map(|c| (c.clone(), name.clone())).collect()
    };
    let mut units = arm(&pilot, Said::new("pilot", "pilot"));
    units.extend(arm(&control, Said::new("control", "kontroll")));
    let (out, notes) = reorganised_during(loaded, &units);
    let keep = |arm: Vec<String>| -> Vec<String> {
        arm.into_iter().filter(|c| !out.contains(c)).collect()
    };
    let (pilot, control) = (keep(pilot), keep(control));
    if pilot.is_empty() || control.is_empty() {
        let (arm, arm_sv) = if pilot.is_empty() {
            ("pilot", "pilot")
        } else {
            ("control", "kontroll")
        };
        let what = notes
            .iter()
            .map(|n| n.en.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let what_sv = notes
            .iter()
            .map(|n| n.sv.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Error::Conflict(Said::new(
            format!(
                "no {arm} unit stayed the same through the study ({what}): the effect report cannot compare before and after"
            ),
            format!(
                "ingen {arm_sv}enhet förblev densamma genom studien ({what_sv}): effektrapporten kan inte jämföra före och efter"
            ),
        )));
    }
    Ok((pilot, control, notes))
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

/// A study's report: the roll-out report when it records adoption dates,
/// otherwise the effect report of its one-date pilot.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum StudyReport {
    Effect(Box<EffectReport>),
    Rollout(Box<crate::evaluation::rollout::report::RolloutReport>),
}

impl StudyReport {
    /// The report in `format`; `lang` is the roll-out report's language.
    pub fn render(&self, format: crate::report::effect::Format, lang: Language) -> Vec<u8> {
        use crate::report::effect::Format;
        use crate::report::rollout;
        match self {
            StudyReport::Effect(r) => format.render(r),
            StudyReport::Rollout(r) => match format {
                Format::Html => rollout::html(r, lang).into_bytes(),
                Format::Markdown => rollout::markdown(r, lang).into_bytes(),
                Format::Json => rollout::json(r).into_bytes(),
                Format::Csv => rollout::csv(r).into_bytes(),
                Format::Xlsx => rollout::xlsx(r),
            },
        }
    }
}

/// The inference of a study's reports: the default draws and weights, and
/// the study's own seed, so that every output gives the same numbers.
pub fn study_inference(conn: &mut DbConnection, name: &str) -> Result<Inference> {
    let study = crate::store::studies::by_name(conn, name)?;
    Ok(Inference {
        seed: study.seed as u64,
        ..Inference::default()
    })
}

/// A study's report (see [`StudyReport`]) with its inference ([`study_inference`]).
pub fn study_report(
    conn: &mut DbConnection,
    name: &str,
    lang: Language,
    default_min_group: u32,
) -> Result<StudyReport> {
    if rollout::is_rollout(conn, name)? {
        let inference = study_inference(conn, name)?;
        let report = rollout::report(conn, name, inference, lang)?;
        Ok(StudyReport::Rollout(Box::new(report)))
    } else {
        Ok(StudyReport::Effect(Box::new(effect_report(
            conn,
            name,
            lang,
            default_min_group,
        )?)))
    }
}

/// A study's effect report with its inference (its seed, 9,999 draws, Webb
/// weights), as `klimat report effect --study` computes it.
pub fn effect_report(
    conn: &mut DbConnection,
    name: &str,
    lang: Language,
    default_min_group: u32,
) -> Result<EffectReport> {
    effect_report_with(conn, name, lang, default_min_group, true)
}

/// The effect report, with or without its measurement section (the factor
/// models of every wave and arm, which take most of the time on a large
/// study and which the dashboard's headlines do not use).
pub fn effect_report_with(
    conn: &mut DbConnection,
    name: &str,
    lang: Language,
    default_min_group: u32,
    measurement: bool,
) -> Result<EffectReport> {
    let inference = study_inference(conn, name)?;
    let data = study_data(conn, name, None, default_min_group)?;
    let lang = language_for(&data.survey, lang);
    let mut report = evaluate(
        &data.survey,
        &data.acc,
        &data.wave_names,
        &data.unit_names,
        &data.request,
        inference,
        data.min_group as u64,
        lang,
    )?;
    report.warnings.extend(pooled_notes(&data.pooled));
    report
        .warnings
        .extend(data.reorganised.iter().map(|n| n.get(lang).to_owned()));
    if measurement {
        let validity = data.validity.report(&data.survey, lang);
        crate::evaluation::measurement::attach(&mut report, validity, lang);
    }
    Ok(report)
}

/// What the report says of the pooled units.
pub fn pooled_notes(pooled: &[(String, Vec<String>)]) -> Vec<String> {
    pooled
        .iter()
        .map(|(pool, units)| {
            format!(
                "POOLED UNITS: {} enter every estimate together as one unit `{pool}` (the minimum group size \
                 hides them one by one, and two estimates that weight them differently could otherwise be \
                 solved for each); the unit-level view, the permutation test and the cluster-robust errors \
                 count it as one unit.",
                units.join(", ")
            )
        })
        .collect()
}

/// The score report of one wave under its study's plan, as `klimat score
/// --wave` prints it.
pub fn score_wave(conn: &mut DbConnection, wave: &Wave, lang: Language) -> Result<ScoreReport> {
    let study = studies::by_id(conn, wave.study_id)?;
    let (loaded, products) = load_with(conn, &study.name, crate::validity::Products::new)?;
    let validity = validity::ValidityInput::of_waves(&loaded, products, |n| n == wave.name);
    let lang = language_for(&loaded.survey, lang);
    let w = loaded.wave_names.iter().position(|n| *n == wave.name);
    let (acc, names, plans) = match w {
        Some(w) => {
            let one = loaded.acc.select_waves(&[w]);
            (
                one,
                vec![wave.name.clone()],
                vec![loaded.acc_plans()[w].clone()],
            )
        }
        None => (Accumulator::new(&loaded.survey), Vec::new(), Vec::new()),
    };
    let mut report = crate::scoring::build(
        &loaded.survey,
        &acc,
        &names,
        &loaded.unit_codes,
        &plans,
        lang,
    );
    report.validity = Some(validity.report(&loaded.survey, lang));
    Ok(report)
}

/// The leadership dashboard of a study: every unit of the organisation (with
/// its subtree), every wave of the study, under the study's plan.
/// The dashboard as a viewer limited to unit `scope` (its id) sees it: that
/// unit, everything under it and the organisation ([`Dashboard::within`]);
/// without a scope, the whole dashboard.
pub fn dashboard_within(
    conn: &mut DbConnection,
    name: &str,
    lang: Language,
    scope: Option<i64>,
) -> Result<Dashboard> {
    // A study without waves yet: an empty dashboard that says what will come.
    let study = crate::store::studies::by_name(conn, name)?;
    if crate::store::studies::waves_of(conn, &study)?.is_empty() {
        let survey = crate::store::surveys::latest(conn, &study.survey_key)?.survey()?;
        let lang = language_for(&survey, lang);
        let acc = Accumulator::new(&survey);
        return Ok(dashboard::build(&survey, lang, &[], &[], &acc, &[], &[]));
    }
    let loaded = load(conn, name)?;
    let dash = dashboard_of(&loaded, lang);
    let Some(scope) = scope else { return Ok(dash) };
    match loaded.plan.units.iter().position(|u| u.id == scope) {
        Some(root) => Ok(dash.within(root)),
        None => Err(scope_gone()),
    }
}

/// The unit an account or token is limited to is gone.
pub(crate) fn scope_gone() -> Error {
    Error::NotFound(crate::said!(
        "the unit this account is limited to no longer exists; ask an administrator",
        "enheten som kontot är begränsat till finns inte längre; fråga en administratör"
    ))
}

/// The whole dashboard of a loaded study: its nodes are the plan's units,
/// in the same order.
pub(crate) fn dashboard_of(loaded: &Loaded, lang: Language) -> Dashboard {
    let lang = language_for(&loaded.survey, lang);
    let plan = &loaded.plan;
    let nodes: Vec<Node> = plan
        .units
        .iter()
        .zip(&plan.parents)
        .map(|(u, parent)| Node {
            code: u.code.clone(),
            name: u.name.clone(),
            parent: *parent,
        })
        .collect();
    let inputs: Vec<WaveInput> = plan
        .waves
        .iter()
        .map(|wp| WaveInput {
            name: wp.wave.name.clone(),
            min_group: wp.wave.min_group_size as u64,
            open: wp.open,
            closes_on: wp.wave.closes_on.clone(),
            acc_wave: loaded.wave_names.iter().position(|n| *n == wp.wave.name),
            invited: wp.counts.iter().map(|c| c.invited).collect(),
            answered: wp.counts.iter().map(|c| c.answered).collect(),
            plan: wp.plan.clone(),
            publishes: wp.publishes(),
            total_answered: wp.total_answered(),
        })
        .collect();
    let mut dash = dashboard::build(
        &loaded.survey,
        lang,
        &nodes,
        &inputs,
        &loaded.acc,
        &plan.acc_unit,
        &dashboard_groups(loaded, lang),
    );
    let node = |id: i64| plan.units.iter().position(|u| u.id == id);
    dash.notes = plan
        .history
        .changes
        .iter()
        .map(|c| dashboard::Note {
            text: reorganisation_note(c, lang),
            units: c
                .before
                .iter()
                .chain(&c.after)
                .flat_map(|side| [Some(side.unit_id), side.parent_id])
                .flatten()
                .filter_map(node)
                .collect(),
        })
        .collect();
    dash
}

/// What a reorganisation did to the dashboard's lines, for its reader.
fn reorganisation_note(c: &crate::reorganisation::Change, lang: Language) -> String {
    use crate::reorganisation::Kind;
    let list = |sides: &[crate::reorganisation::Side]| {
        sides
            .iter()
            .map(|s| format!("{} ({})", s.name, s.code))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (before, after, on) = (list(&c.before), list(&c.after), &c.effective_on);
    let sv = lang == Language::Sv;
    match (c.kind, sv) {
        (Kind::Merge, true) => format!(
            "{before} slogs ihop till {after} den {on}: före dess visar {after} dem tillsammans."
        ),
        (Kind::Merge, false) => format!(
            "{before} merged into {after} on {on}: before then, {after} shows them combined."
        ),
        (Kind::Split, true) => format!(
            "{before} delades i {after} den {on}: de nya enheterna börjar då; den gamla enhetens linje slutar, och de jämförs bara på nivån ovanför."
        ),
        (Kind::Split, false) => format!(
            "{before} split into {after} on {on}: the new units begin then; the old unit's line ends, and they are compared only at the level above."
        ),
        (Kind::Rename, true) => format!("{before} heter {after} från den {on} (samma enhet)."),
        (Kind::Rename, false) => format!("{before} is called {after} from {on} (the same unit)."),
        (Kind::Move, true) => {
            format!("{before} flyttades den {on}; linjerna följer dagens organisation.")
        }
        (Kind::Move, false) => {
            format!("{before} moved on {on}; the lines follow today's organisation.")
        }
    }
}

/// The dashboard's lines besides the unit tree: a roll-out's cohorts (and
/// the units that never adopt), or the pilot and control arms, each marked
/// from the first wave after it adopted (the first wave opening on or after
/// the date, as the reports count it).
fn dashboard_groups(loaded: &Loaded, lang: Language) -> Vec<dashboard::GroupInput> {
    let plan = &loaded.plan;
    let wave_at = |name: Option<&str>| {
        plan.waves
            .iter()
            .position(|w| Some(w.wave.name.as_str()) == name)
    };
    let sv = lang == Language::Sv;
    match &plan.cohorts {
        Some(cohorts) => cohorts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (id, name) = match &c.first_wave {
                    Some(w) => (
                        format!("cohort-{w}"),
                        if sv {
                            format!("Började inför {w}")
                        } else {
                            format!("Adopted by {w}")
                        },
                    ),
                    None => (
                        "never".to_owned(),
                        if sv { "Utan insatsen" } else { "Never adopted" }.to_owned(),
                    ),
                };
                dashboard::GroupInput {
                    id,
                    name,
                    members: c.members.clone(),
                    plan_group: 2 + i,
                    adopted_at: wave_at(c.first_wave.as_deref()),
                }
            })
            .collect(),
        None => {
            let date = loaded.study.intervention_date.as_str();
            let mut sorted: Vec<&Wave> = loaded.waves.iter().collect();
            sorted.sort_by(|a, b| a.name.cmp(&b.name));
            let first = sorted
                .iter()
                .find(|w| w.opens_on.as_deref().is_some_and(|d| d >= date))
                .map(|w| w.name.as_str());
            vec![
                dashboard::GroupInput {
                    id: "pilot".into(),
                    name: if sv { "Pilotenheter" } else { "Pilot units" }.into(),
                    members: plan.pilot.clone(),
                    plan_group: 0,
                    adopted_at: wave_at(first),
                },
                dashboard::GroupInput {
                    id: "control".into(),
                    name: if sv {
                        "Kontrollenheter"
                    } else {
                        "Control units"
                    }
                    .into(),
                    members: plan.control.clone(),
                    plan_group: 1,
                    adopted_at: None,
                },
            ]
        }
    }
}

/// One unit's line in a wave's status, answered hidden by the plan.
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

/// A wave's status per unit and in total, under its study's plan: a unit's
/// answered count is shown only where its figures are; an open wave shows
/// its total alone (once it reaches the minimum).
pub fn wave_status(conn: &mut DbConnection, wave: &Wave) -> Result<(Vec<StatusRow>, StatusRow)> {
    let study = studies::by_id(conn, wave.study_id)?;
    let loaded = load(conn, &study.name)?;
    status_of(conn, wave, &loaded)
}

/// A wave's status and, once it is closed, its validity report: the
/// study read once for both (the staff wave page).
pub fn wave_status_and_validity(
    conn: &mut DbConnection,
    wave: &Wave,
    lang: Language,
) -> Result<(
    Vec<StatusRow>,
    StatusRow,
    Option<crate::validity::ValidityReport>,
)> {
    if wave.state != WaveState::Closed {
        let (rows, total) = wave_status(conn, wave)?;
        return Ok((rows, total, None));
    }
    let study = studies::by_id(conn, wave.study_id)?;
    let (loaded, products) = load_with(conn, &study.name, crate::validity::Products::new)?;
    let (rows, total) = status_of(conn, wave, &loaded)?;
    let input = validity::ValidityInput::of_waves(&loaded, products, |n| n == wave.name);
    Ok((rows, total, Some(input.report(&loaded.survey, lang))))
}

/// A wave's status under the plan of its study, `loaded`.
fn status_of(
    conn: &mut DbConnection,
    wave: &Wave,
    loaded: &Loaded,
) -> Result<(Vec<StatusRow>, StatusRow)> {
    let status = crate::store::outbox::wave_status(conn, wave)?;
    let wp = loaded
        .plan
        .wave(wave.id)
        .expect("the wave belongs to its study")
        .clone();
    let row = |s: &crate::store::outbox::UnitStatus, answered: Option<u64>| StatusRow {
        unit: s.unit.clone(),
        name: s.name.clone(),
        invited: s.invited,
        sent: s.sent,
        failed: s.failed,
        opted_out: s.opted_out,
        answered,
        rate: answered
            .filter(|_| s.invited > 0)
            .map(|a| a as f64 / s.invited as f64),
    };
    let rows = status
        .iter()
        .map(|s| {
            let shown = wp.publishes()
                && loaded
                    .plan
                    .unit(&s.unit)
                    .is_some_and(|u| !wp.plan.unit_hidden[u]);
            row(s, shown.then_some(s.answered))
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
    let answered = wp.total_answered().map(|_| total.answered);
    Ok((rows, row(&total, answered)))
}
