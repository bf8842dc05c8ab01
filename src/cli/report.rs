//! `klimat report effect`: did the climate improve in the pilot units?

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args as ClapArgs, Subcommand};

use super::output::write_atomically;
use super::score::parse_delimiter;
use crate::config::{MIN_GROUP_SIZE_FLOOR, Settings};
use crate::evaluation::{DesignRequest, Inference, evaluate};
use crate::report::effect;
use crate::responses::{ReadOptions, read_path};
use crate::scoring::Accumulator;
use crate::stats::wild::Weights;
use crate::survey::{self, Language};
use crate::validity::{Products, ValidityReport};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The effect report of a pilot: pilot versus control units, before and after.
    Effect(EffectArgs),
    /// Feedback reports for units ("resultatåterföring"): profile, strengths, answers, comments.
    Feedback(super::feedback::FeedbackArgs),
}

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat report effect --survey surveys/creative-climate.toml --responses answers.csv \\\n      \
--pilot unit-03,unit-07 --first-post-wave 2025-03\n  \
klimat report effect --survey surveys/team-climate.toml --responses answers.csv --pilot A,B \\\n      \
--control C,D,E,F --first-post-wave 2025-09 --format md --out effect.md\n  \
klimat report effect --study pilot-2025\n\n\
Without --out, every format (HTML, Markdown, JSON, CSV, Excel) is written to a new folder under the reports folder."
)]
pub struct EffectArgs {
    /// Survey definition the responses answer (TOML).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "study",
        requires = "responses"
    )]
    pub survey: Option<PathBuf>,
    /// Responses file (CSV, one row per respondent).
    #[arg(long, value_name = "FILE", requires = "survey")]
    pub responses: Option<PathBuf>,
    /// A study in the database instead: its arms, waves and responses.
    #[arg(long, conflicts_with_all = ["survey", "responses", "pilot", "control", "adoption"])]
    pub study: Option<String>,
    /// A roll-out instead of one pilot: a CSV of `unit,first_wave` (the first
    /// wave after the unit adopted; empty: never). Units not listed never adopt.
    #[arg(long, value_name = "FILE", requires = "survey", conflicts_with_all = ["pilot", "control", "first_post_wave"])]
    pub adoption: Option<PathBuf>,
    /// With --adoption: the randomised schedule the adoption followed (from
    /// `klimat design roll-out --out`); adds the randomisation test.
    #[arg(long, value_name = "FILE", requires = "adoption")]
    pub schedule: Option<PathBuf>,
    /// Pilot units (their codes in the unit column).
    #[arg(long, value_name = "UNIT,...", value_delimiter = ',')]
    pub pilot: Vec<String>,
    /// Control units (default: every other unit in the file).
    #[arg(long, value_name = "UNIT,...", value_delimiter = ',')]
    pub control: Option<Vec<String>>,
    /// The first wave after the intervention began (with --study, default: the
    /// first wave opening on or after the intervention date).
    #[arg(long, value_name = "WAVE", required_unless_present_any = ["study", "adoption"])]
    pub first_post_wave: Option<String>,
    /// Seed of the wild bootstrap and of sampled permutations (default: the
    /// study's own seed with --study, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Bootstrap draws (and sampled permutations when there are too many to enumerate).
    #[arg(long, default_value_t = 9_999, value_parser = clap::value_parser!(u64).range(99..=1_000_000))]
    pub reps: u64,
    /// Wild bootstrap weights.
    #[arg(long, default_value = "webb", value_parser = ["webb", "rademacher"])]
    pub weights: String,
    /// Output format; without it and without --out, all formats are written.
    #[arg(long, value_parser = ["json", "md", "html", "csv", "xlsx"])]
    pub format: Option<String>,
    /// Write to this file (or, without --format, into this folder).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Smallest group whose figures are shown (default: the min_group_size setting, 5).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(MIN_GROUP_SIZE_FLOOR as i64..))]
    pub min_group: Option<u32>,
    /// Field delimiter of the responses file.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Language of the report's dimension names.
    #[arg(long, default_value = "en")]
    pub lang: Language,
}

pub fn run(cmd: ReportCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        ReportCommand::Effect(args) => effect_report(args, settings),
        ReportCommand::Feedback(args) => super::feedback::run(args, settings),
    }
}

fn effect_report(args: EffectArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    if let Some(adoption) = &args.adoption {
        return super::rollout::report(&args, adoption, settings);
    }
    if let Some(study) = &args.study {
        let db = super::data::open(settings)?;
        if crate::app::rollout::is_rollout(&mut *db.get()?, study)? {
            return super::rollout::study_report(&args, study, settings);
        }
    }
    if args.study.is_none() && args.pilot.is_empty() {
        anyhow::bail!(
            "name the pilot units with --pilot UNIT,... (or a roll-out with --adoption FILE)"
        );
    }
    let (survey, acc, waves, units, request, min_group, notes, validity) = match &args.study {
        Some(name) => from_study(name, &args, settings)?,
        None => {
            let (Some(survey_file), Some(responses_file)) = (&args.survey, &args.responses) else {
                unreachable!("clap requires --study, or --survey with --responses");
            };
            let survey = survey::load(survey_file)?;
            let options = ReadOptions {
                delimiter: args.delimiter,
                skip_invalid: false,
            };
            let ((acc, products), outcome) = read_path(responses_file, &survey, &options, || {
                (Accumulator::new(&survey), Products::new(&survey))
            })?;
            let request = DesignRequest {
                pilot: args.pilot.iter().map(|s| s.trim().to_owned()).collect(),
                control: args
                    .control
                    .as_ref()
                    .map(|c| c.iter().map(|s| s.trim().to_owned()).collect()),
                first_post_wave: args
                    .first_post_wave
                    .clone()
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            };
            let min_group = args.min_group.unwrap_or(settings.min_group_size);
            let design = crate::validity::FileDesign {
                waves: &outcome.waves.names,
                units: &outcome.units.names,
                pilot: &request.pilot,
                control: request.control.as_deref(),
            };
            let validity = crate::validity::of_file(
                &survey,
                &products,
                &design,
                |_| true,
                min_group as u64,
                args.lang,
            );
            let d = disclose_file(
                &acc,
                &outcome.waves.names,
                &outcome.units.names,
                &request,
                min_group,
            )?;
            (
                survey,
                d.acc,
                outcome.waves.names,
                d.units,
                d.request,
                min_group,
                crate::app::pooled_notes(&d.pooled),
                validity,
            )
        }
    };
    if !survey.offers(args.lang) {
        anyhow::bail!("survey {} has no texts in `{}`", survey.key, args.lang);
    }
    // A study's reports use its own seed (the same numbers as the web and the API).
    let seed = match (args.seed, &args.study) {
        (Some(seed), _) => seed,
        (None, Some(name)) => {
            let db = super::data::open(settings)?;
            crate::app::study_inference(&mut *db.get()?, name)?.seed
        }
        (None, None) => 1,
    };
    let inference = Inference {
        seed,
        reps: args.reps as usize,
        weights: if args.weights == "rademacher" {
            Weights::Rademacher
        } else {
            Weights::Webb
        },
    };
    let mut report = evaluate(
        &survey,
        &acc,
        &waves,
        &units,
        &request,
        inference,
        min_group as u64,
        args.lang,
    )
    .context("the design does not fit the data")?;
    report.warnings.extend(notes);
    crate::evaluation::measurement::attach(&mut report, validity, args.lang);

    let render = |format: &str| -> Vec<u8> {
        match format {
            "json" => effect::json(&report).into_bytes(),
            "md" => effect::markdown(&report).into_bytes(),
            "csv" => effect::csv(&report).into_bytes(),
            "xlsx" => effect::xlsx(&report),
            _ => effect::html(&report).into_bytes(),
        }
    };
    match (&args.format, &args.out) {
        (Some(format), out) => {
            if format == "xlsx" {
                super::output::binary_needs_a_file(out.as_deref(), format)?;
            }
            super::output::write_bytes(out.as_deref(), &render(format))?
        }
        (None, out) => {
            let dir = match out {
                Some(dir) => dir.clone(),
                None => new_report_folder(&settings.reports_dir, &survey.key)?,
            };
            for format in ["html", "md", "json", "csv", "xlsx"] {
                write_atomically(&dir.join(format!("effect.{format}")), &render(format))?;
            }
            println!("{}", effect::summary(&report));
            println!("report written to {}", dir.join("effect.html").display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

type Loaded = (
    crate::survey::Survey,
    Accumulator,
    Vec<String>,
    Vec<String>,
    DesignRequest,
    u32,
    // The report's notes on pooled units and reorganisations.
    Vec<String>,
    ValidityReport,
);

/// A responses file under the disclosure plan: the units are flat, the
/// published groups the two arms and the wave total.
fn disclose_file(
    acc: &Accumulator,
    waves: &[String],
    units: &[String],
    request: &DesignRequest,
    min_group: u32,
) -> anyhow::Result<crate::evaluation::disclosed::Disclosed> {
    use crate::disclosure::{Structure, decide_study};
    let find = |names: &[String]| -> Vec<usize> {
        names
            .iter()
            .filter_map(|p| units.iter().position(|u| u == p))
            .collect()
    };
    let pilot = find(&request.pilot);
    let control = match &request.control {
        Some(c) => find(c),
        None => (0..units.len()).filter(|u| !pilot.contains(u)).collect(),
    };
    let structure = Structure::with_arms(vec![None; units.len()], pilot, control);
    let counts: Vec<_> = (0..acc.waves.len())
        .map(|w| (acc.unit_counts(w, units.len()), min_group as u64))
        .collect();
    let plans = decide_study(&structure, &counts);
    // Unknown units and the like are the design check's to report.
    let checked =
        crate::evaluation::design::check(request, units, waves, |w, u| acc.respondents(w, u));
    checked.context("the design does not fit the data")?;
    crate::evaluation::disclosed::disclose(acc, waves, units, request, &plans)
        .context("the design does not fit the data")
}

/// A study's survey, scored responses and design from the database.
fn from_study(name: &str, args: &EffectArgs, settings: &Settings) -> anyhow::Result<Loaded> {
    let db = super::data::open(settings)?;
    let mut conn = db.get()?;
    let d = crate::app::study_data(
        &mut conn,
        name,
        args.first_post_wave.as_deref(),
        settings.min_group_size,
    )?;
    if let Some(m) = args.min_group.filter(|&m| m > d.min_group) {
        anyhow::bail!(
            "--min-group {m} does not apply to a study in the database: its waves fixed their minimum group size \
             ({}) when they were created, and every output uses that one plan",
            d.min_group
        );
    }
    let validity = d.validity.report(&d.survey, args.lang);
    Ok((
        d.survey,
        d.acc,
        d.wave_names,
        d.unit_names,
        d.request,
        d.min_group,
        crate::app::pooled_notes(&d.pooled)
            .into_iter()
            .chain(d.reorganised.iter().map(|n| n.get(args.lang).to_owned()))
            .collect(),
        validity,
    ))
}

/// `reports/effect-<survey>-<n>`: the first number not yet taken.
pub(super) fn new_report_folder(base: &Path, key: &str) -> anyhow::Result<PathBuf> {
    for n in 1.. {
        let dir = base.join(format!("effect-{key}-{n}"));
        match std::fs::create_dir_all(base).and_then(|_| std::fs::create_dir(&dir)) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
        }
    }
    unreachable!("some folder number is free")
}
