//! `klimat design roll-out`: draw, keep and verify a randomised adoption
//! order for the spread (a stepped-wedge trial), with its power.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args as ClapArgs;

use super::output::write_atomically;
use crate::evaluation::rollout::schedule::{Schedule, ScheduleRequest, compare, draw, verify};
use crate::evaluation::rollout::simulated_power::{Simulation, simulated_power};
use crate::survey::Language;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat design roll-out --units-file units.csv --steps 3 --units-per-step 4 --seed 20260115 \\\n      \
--respondents-per-unit 20 --icc 0.1 --effect 0.3 --out schedule.json\n  \
klimat design roll-out --verify schedule.json --respondents-per-unit 20 --icc 0.1\n\n\
units.csv: `unit` or `unit,stratum` (e.g. the division) with a header; units are drawn in turn from each stratum.\n\
The power is Hussey & Hughes's (2007) for cross-sectional stepped-wedge designs (new respondents each wave, random unit\n\
intercepts, fixed wave effects), beside the parallel design of the same size (half the units adopt at step 1).\n\
With --effect and a survey (--survey, or the study's), the power is also simulated: studies from klimat's latent\n\
climate model, each analysed as the roll-out report does (Callaway & Sant'Anna's overall effect, its unit-clustered\n\
t test, and the randomisation test over 199 schedules the design could have drawn)."
)]
pub struct RollOutArgs {
    /// The units, comma-separated (or --units-file, or --study).
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["units_file", "verify", "study"], required_unless_present_any = ["units_file", "verify", "study"])]
    pub units: Vec<String>,
    /// A study in the database: draw its units' order and record it in the study
    /// (once), or with --verify check the recorded one.
    #[arg(long, conflicts_with = "units_file")]
    pub study: Option<String>,
    /// With --study: draw within divisions (each unit's parent unit) in turn.
    #[arg(long, requires = "study")]
    pub by_division: bool,
    /// A CSV with the header `unit` or `unit,stratum`.
    #[arg(long, value_name = "FILE", conflicts_with = "verify")]
    pub units_file: Option<PathBuf>,
    /// Steps: waves after the baseline at which units adopt.
    #[arg(long, required_unless_present = "verify")]
    pub steps: Option<usize>,
    /// Units adopting at each step (the rest never adopt within the trial).
    #[arg(long, required_unless_present = "verify")]
    pub units_per_step: Option<usize>,
    /// The random seed: the same seed and units give the same order. Write it down before drawing.
    #[arg(long, required_unless_present = "verify")]
    pub seed: Option<u64>,
    /// Check a schedule written with --out (or, with --study and no file, the
    /// study's recorded one): the same order from its seed, and its hash.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub verify: Option<PathBuf>,
    /// Write the schedule (request, steps, hash) as JSON.
    #[arg(long, value_name = "FILE", conflicts_with = "verify")]
    pub out: Option<PathBuf>,
    /// Expected respondents per unit and wave (for the power).
    #[arg(long, value_name = "M")]
    pub respondents_per_unit: Option<f64>,
    /// Intraclass correlation of the dimension scores (for the power).
    #[arg(long, requires = "respondents_per_unit")]
    pub icc: Option<f64>,
    /// An effect to give the power for, in standard deviations.
    #[arg(long, requires = "icc")]
    pub effect: Option<f64>,
    /// The survey whose latent model the power simulation draws from (with
    /// --study: the study's survey).
    #[arg(long, value_name = "FILE")]
    pub survey: Option<PathBuf>,
    /// The dimension to simulate (default: the survey's first).
    #[arg(long, value_name = "ID")]
    pub dimension: Option<String>,
    /// Simulated studies per design for the simulated power (0: none).
    #[arg(long, default_value_t = 500)]
    pub simulations: usize,
    /// Significance level (two-sided).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Language of the output.
    #[arg(long, default_value = "en")]
    pub lang: Language,
}

pub fn run(a: RollOutArgs, settings: &crate::config::Settings) -> anyhow::Result<ExitCode> {
    let said = |s: crate::said::Said| anyhow::anyhow!(s.get(a.lang).to_owned());
    let schedule = match (&a.verify, &a.study) {
        (Some(path), Some(study)) if path.as_os_str() == "-" => {
            let db = super::data::open(settings)?;
            let mut conn = db.get()?;
            let s = crate::store::studies::by_name(&mut conn, study)
                .map_err(crate::app::Error::from)?;
            let schedule = crate::app::rollout::recorded_schedule(&mut conn, &s)?
                .with_context(|| format!("study {study} has no recorded schedule; draw one with --study {study} --steps … --seed …"))?;
            println!(
                "study {study}: verified — the order is what seed {} draws, hash {}",
                schedule.request.seed, schedule.hash
            );
            schedule
        }
        (Some(path), _) if path.as_os_str() == "-" => {
            anyhow::bail!("--verify needs a schedule file, or --study")
        }
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let schedule: Schedule = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: not a schedule written by `klimat design roll-out --out`",
                    path.display()
                )
            })?;
            verify(&schedule).map_err(|e| said(e).context(format!("{}", path.display())))?;
            println!(
                "{}: verified — the order is what seed {} draws, hash {}",
                path.display(),
                schedule.request.seed,
                schedule.hash
            );
            schedule
        }
        (None, _) => {
            let units = match (&a.units_file, &a.study) {
                (Some(path), _) => units_file(path)?,
                (None, Some(study)) => {
                    let db = super::data::open(settings)?;
                    crate::app::rollout::schedule_units(&mut *db.get()?, study, a.by_division)?
                }
                (None, None) => a
                    .units
                    .iter()
                    .map(|u| (u.trim().to_owned(), String::new()))
                    .collect(),
            };
            let request = ScheduleRequest {
                units,
                steps: a.steps.expect("clap requires --steps"),
                units_per_step: a.units_per_step.expect("clap requires --units-per-step"),
                seed: a.seed.expect("clap requires --seed"),
            };
            let schedule = draw(&request).map_err(said)?;
            if let Some(study) = &a.study {
                let db = super::data::open(settings)?;
                crate::app::setup::record_schedule(
                    &mut *db.get()?,
                    &crate::app::Actor::cli(),
                    study,
                    &schedule,
                )?;
                println!(
                    "recorded in study {study}: adopt in this order (klimat study adopt), and the report tests it"
                );
            }
            if let Some(out) = &a.out {
                let mut text =
                    serde_json::to_string_pretty(&schedule).expect("a schedule serialises");
                text.push('\n');
                write_atomically(out, text.as_bytes())?;
            }
            schedule
        }
    };
    for (k, units) in schedule.steps.iter().enumerate() {
        println!("step {}: {}", k + 1, units.join(", "));
    }
    if !schedule.never.is_empty() {
        println!("never (within the trial): {}", schedule.never.join(", "));
    }
    println!("seed {}, hash {}", schedule.request.seed, schedule.hash);
    if let (Some(m), Some(icc)) = (a.respondents_per_unit, a.icc) {
        if !(m >= 1.0 && (0.0..1.0).contains(&icc) && a.alpha > 0.0 && a.alpha < 1.0) {
            anyhow::bail!(
                "--respondents-per-unit must be at least 1, --icc from 0 to below 1, --alpha between 0 and 1"
            );
        }
        let p = compare(&schedule, m, icc, a.effect, a.alpha);
        println!(
            "power (Hussey & Hughes; {m} respondents per unit and wave, ICC {icc}, alpha {}):",
            a.alpha
        );
        for (name, d) in [
            ("stepped wedge", &p.stepped_wedge),
            ("parallel, same size", &p.parallel),
        ] {
            let at = match (a.effect, d.power) {
                (Some(e), Some(pw)) => format!(", power {:.0} % for {e} SD", 100.0 * pw),
                _ => String::new(),
            };
            println!(
                "  {name:<20} SE {:.3} SD, minimum detectable effect {:.2} SD (80 % power){at}",
                d.se, d.minimum_detectable_effect
            );
        }
        if let Some(effect) = a.effect.filter(|_| a.simulations > 0) {
            simulated(&a, settings, &schedule, m, icc, effect)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The power by simulation, when a survey to simulate from is at hand.
fn simulated(
    a: &RollOutArgs,
    settings: &crate::config::Settings,
    schedule: &Schedule,
    m: f64,
    icc: f64,
    effect: f64,
) -> anyhow::Result<()> {
    let survey = match (&a.survey, &a.study) {
        (Some(path), _) => crate::survey::load(path)?,
        (None, Some(study)) => {
            let db = super::data::open(settings)?;
            crate::app::rollout::study_survey(&mut *db.get()?, study)?
        }
        (None, None) => {
            println!("  (give --survey to simulate the power with the estimators the report uses)");
            return Ok(());
        }
    };
    let dimension = match &a.dimension {
        None => 0,
        Some(id) => survey.dimension_index(id).with_context(|| {
            let ids: Vec<&str> = survey.dimensions.iter().map(|d| d.id.as_str()).collect();
            format!("--dimension `{id}`: {} has {}", survey.key, ids.join(", "))
        })?,
    };
    let simulation = Simulation {
        studies: a.simulations,
        draws: 199,
        seed: schedule.request.seed,
    };
    let said = |s: crate::said::Said| anyhow::anyhow!(s.get(a.lang).to_owned());
    let p = simulated_power(
        &survey,
        dimension,
        &schedule.request,
        m,
        icc,
        effect,
        a.alpha,
        simulation,
    )
    .map_err(said)?;
    println!(
        "power by simulation ({} studies from the latent model of {}, dimension {}, {effect} SD; \
         the randomisation test over {} schedules each):",
        simulation.studies, p.survey, p.dimension, simulation.draws
    );
    for (name, d) in [
        ("stepped wedge", &p.stepped_wedge),
        ("parallel, same size", &p.parallel),
    ] {
        println!(
            "  {name:<20} clustered t test {:.0} %, randomisation test {:.0} % (± {:.0} %); mean estimate {:.2} SD",
            100.0 * d.cluster_t,
            100.0 * d.randomisation,
            200.0 * d.monte_carlo_se,
            d.mean_effect_sd
        );
    }
    Ok(())
}

/// `unit` or `unit,stratum` with a header.
fn units_file(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .with_context(|| format!("{}:1", path.display()))?
        .clone();
    let stratified = match header.iter().collect::<Vec<_>>().as_slice() {
        ["unit"] => false,
        ["unit", "stratum"] => true,
        _ => anyhow::bail!(
            "{}:1: the header must be `unit` or `unit,stratum`",
            path.display()
        ),
    };
    let mut units = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("{}:{line}", path.display()))?;
        let want = if stratified { 2 } else { 1 };
        if record.len() != want || record[0].is_empty() {
            anyhow::bail!(
                "{}:{line}: write {}",
                path.display(),
                if stratified {
                    "`unit,stratum`"
                } else {
                    "`unit`"
                }
            );
        }
        units.push((
            record[0].to_owned(),
            if stratified {
                record[1].to_owned()
            } else {
                String::new()
            },
        ));
    }
    Ok(units)
}
