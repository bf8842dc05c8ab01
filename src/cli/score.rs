//! `klimat score`: dimension scores, reliability and agreement from a responses file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args as ClapArgs;

use crate::config::{MIN_GROUP_SIZE_FLOOR, Settings};
use crate::report::{Format, score};
use crate::responses::{ReadOptions, read_path};
use crate::scoring::{Accumulator, build};
use crate::survey::{self, Language};
use crate::validity::Products;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat score --survey surveys/creative-climate.toml --responses answers.csv\n  \
klimat score --survey surveys/team-climate.toml --responses answers.csv --format md --out scores.md\n  \
klimat score --survey surveys/team-climate.toml --responses export.csv --delimiter ';' --skip-invalid\n  \
klimat score --wave pilot-2025:2025-03 --format md\n\n\
The responses file has columns unit, wave and one per item id; an empty cell is missing, `dk` is don't know."
)]
pub struct ScoreArgs {
    /// Survey definition the responses answer (TOML).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "wave",
        requires = "responses"
    )]
    pub survey: Option<PathBuf>,
    /// Responses file (CSV, one row per respondent).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "wave",
        requires = "survey"
    )]
    pub responses: Option<PathBuf>,
    /// Score a wave in the database instead (STUDY:WAVE or its number).
    #[arg(long, conflicts_with_all = ["survey", "responses"])]
    pub wave: Option<crate::app::WaveRef>,
    /// Output format.
    #[arg(long, default_value = "json", value_parser = ["json", "csv", "md", "xlsx"])]
    pub format: String,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Smallest unit shown with figures (default: the min_group_size setting, 5).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(MIN_GROUP_SIZE_FLOOR as i64..))]
    pub min_group: Option<u32>,
    /// Drop rows with problems (and report how many and why) instead of refusing the file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Field delimiter of the responses file.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Language of dimension names in the report.
    #[arg(long, default_value = "en")]
    pub lang: Language,
    /// Leave out the validity section (its factor models take a few seconds
    /// on a million rows; `klimat validity` gives the same analysis).
    #[arg(long)]
    pub no_validity: bool,
}

pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "\\t" | "tab" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "`{s}` is not one ASCII character; use e.g. ',' ';' or '\\t'"
        )),
    }
}

pub fn run(args: ScoreArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    if format == Format::Xlsx {
        super::output::binary_needs_a_file(args.out.as_deref(), "xlsx")?;
    }
    let report = match (&args.wave, &args.survey, &args.responses) {
        (Some(wave), _, _) => {
            let db = super::data::open(settings)?;
            let mut conn = db.get()?;
            let wave = wave.find(&mut conn)?;
            if let Some(m) = args.min_group.filter(|&m| m as i32 > wave.min_group_size) {
                anyhow::bail!(
                    "--min-group {m} does not apply to a wave in the database: its minimum group size ({}) was \
                     fixed when it was created, and every output of the wave uses that one plan",
                    wave.min_group_size
                );
            }
            let mut report = crate::app::score_wave(&mut conn, &wave, args.lang)?;
            if args.no_validity {
                report.validity = None;
            }
            report
        }
        (None, Some(survey_file), Some(responses_file)) => {
            let survey = survey::load(survey_file)?;
            let options = ReadOptions {
                delimiter: args.delimiter,
                skip_invalid: args.skip_invalid,
            };
            let ((acc, products), outcome) = read_path(responses_file, &survey, &options, || {
                (
                    Accumulator::new(&survey),
                    (!args.no_validity).then(|| Products::new(&survey)),
                )
            })?;
            report_skipped(&outcome);
            let min_group = args.min_group.unwrap_or(settings.min_group_size);
            if !survey.offers(args.lang) {
                anyhow::bail!(
                    "survey {} has no texts in `{}`; pass --lang with one of its languages",
                    survey.key,
                    args.lang
                );
            }
            let units = outcome.units.names;
            let plans = crate::scoring::report::plans_without_structure(
                &acc,
                units.len(),
                min_group as u64,
            );
            let mut report = build(
                &survey,
                &acc,
                &outcome.waves.names,
                &units,
                &plans,
                args.lang,
            );
            // The waves the plans publish, compared with each other.
            let design = crate::validity::FileDesign {
                waves: &outcome.waves.names,
                units: &units,
                pilot: &[],
                control: None,
            };
            report.validity = products.map(|products| {
                crate::validity::of_file(
                    &survey,
                    &products,
                    &design,
                    |w| plans[w].total_shown,
                    min_group as u64,
                    args.lang,
                )
            });
            report
        }
        _ => unreachable!("clap requires --wave, or --survey with --responses"),
    };
    let bytes = match format {
        Format::Json => score::json(&report).into_bytes(),
        Format::Csv => score::csv(&report).into_bytes(),
        Format::Md => score::markdown(&report).into_bytes(),
        Format::Xlsx => score::xlsx(&report),
    };
    super::output::write_bytes(args.out.as_deref(), &bytes).context("writing the score report")?;
    Ok(ExitCode::SUCCESS)
}

/// Says on standard error how many rows `--skip-invalid` dropped, and why.
pub(super) fn report_skipped(outcome: &crate::responses::ReadOutcome) {
    if outcome.skipped > 0 {
        eprintln!(
            "skipped {} of {} rows with problems:",
            outcome.skipped, outcome.rows
        );
        for (reason, count) in &outcome.skipped_by_reason {
            eprintln!("  {count:>8}  {reason}");
        }
        for p in outcome.listed.iter().take(5) {
            eprintln!("  e.g. {p}");
        }
    }
}
