//! `klimat validity`: factor structure, discriminant validity and
//! measurement invariance of a survey's dimensions on a responses file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args as ClapArgs;

use super::score::parse_delimiter;
use crate::config::{MIN_GROUP_SIZE_FLOOR, Settings};
use crate::report::{Format, validity};
use crate::responses::{ReadOptions, read_path};
use crate::survey::{self, Language};
use crate::validity::{FileDesign, Products, of_file, ordinal};

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat validity --survey surveys/creative-climate.toml --responses answers.csv\n  \
klimat validity --survey surveys/team-climate.toml --responses answers.csv --pilot u01,u02 --format md --out validity.md\n  \
klimat validity --study pilot-2025 --format md\n  klimat validity --wave pilot-2025:2025-09\n\n\
The dimension model is the survey's: each dimension a factor, each item on its own dimension. Invariance is tested \
across the file's waves, and with --pilot between the pilot units and the others, and across both together."
)]
pub struct ValidityArgs {
    /// Survey definition the responses answer (TOML).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["study", "wave"],
        requires = "responses"
    )]
    pub survey: Option<PathBuf>,
    /// Responses file (CSV, one row per respondent).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["study", "wave"],
        requires = "survey"
    )]
    pub responses: Option<PathBuf>,
    /// A study in the database instead: its closed waves, its pilot and control arms.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["survey", "responses", "pilot", "min_group", "wave"])]
    pub study: Option<String>,
    /// One closed wave in the database instead (STUDY:WAVE or its number): its pilot and control arms.
    #[arg(long, value_name = "WAVE", conflicts_with_all = ["survey", "responses", "pilot", "min_group"])]
    pub wave: Option<crate::app::WaveRef>,
    /// Pilot units (comma-separated codes): invariance is also tested between them and the others.
    #[arg(long, value_name = "UNITS", value_delimiter = ',')]
    pub pilot: Vec<String>,
    /// Output format.
    #[arg(long, default_value = "json", value_parser = ["json", "csv", "md", "xlsx"])]
    pub format: String,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Smallest group analysed (default: the min_group_size setting, 5).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(MIN_GROUP_SIZE_FLOOR as i64..))]
    pub min_group: Option<u32>,
    /// Drop rows with problems (and report how many and why) instead of refusing the file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Field delimiter of the responses file.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Language of the report's texts and dimension names.
    #[arg(long, default_value = "en")]
    pub lang: Language,
}

pub fn run(args: ValidityArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    if format == Format::Xlsx {
        super::output::binary_needs_a_file(args.out.as_deref(), "xlsx")?;
    }
    let report = match (&args.study, &args.wave) {
        (Some(study), _) => {
            let db = super::data::open(settings)?;
            let mut conn = db.get()?;
            crate::app::study_validity(&mut conn, study, args.lang)?
        }
        (None, Some(wave)) => {
            let db = super::data::open(settings)?;
            let mut conn = db.get()?;
            let wave = wave.find(&mut conn)?;
            if wave.state == crate::store::studies::WaveState::Open {
                anyhow::bail!(
                    "wave {} is open: an open wave publishes no figures; close it first",
                    wave.name
                );
            }
            crate::app::wave_validity(&mut conn, &wave, args.lang)?
        }
        (None, None) => from_file(&args, settings)?,
    };
    let bytes = match format {
        Format::Json => validity::json(&report).into_bytes(),
        Format::Csv => validity::csv(&report).into_bytes(),
        Format::Md => validity::markdown(&report).into_bytes(),
        Format::Xlsx => validity::xlsx(&report),
    };
    super::output::write_bytes(args.out.as_deref(), &bytes)
        .context("writing the validity report")?;
    Ok(ExitCode::SUCCESS)
}

fn from_file(
    args: &ValidityArgs,
    settings: &Settings,
) -> anyhow::Result<crate::validity::ValidityReport> {
    let (Some(survey_file), Some(responses_file)) = (&args.survey, &args.responses) else {
        unreachable!("clap requires --study, or --survey with --responses");
    };
    let survey = survey::load(survey_file)?;
    if !survey.offers(args.lang) {
        anyhow::bail!(
            "survey {} has no texts in `{}`; pass --lang with one of its languages",
            survey.key,
            args.lang
        );
    }
    let options = ReadOptions {
        delimiter: args.delimiter,
        skip_invalid: args.skip_invalid,
    };
    let (products, outcome) =
        read_path(responses_file, &survey, &options, || Products::new(&survey))?;
    super::score::report_skipped(&outcome);
    let units = &outcome.units.names;
    if let Some(unknown) = args.pilot.iter().find(|p| !units.contains(p)) {
        anyhow::bail!(
            "--pilot names unit `{unknown}`, which has no responses in {}",
            responses_file.display()
        );
    }
    let design = FileDesign {
        waves: &outcome.waves.names,
        units,
        pilot: &args.pilot,
        control: None,
    };
    let min_group = args.min_group.unwrap_or(settings.min_group_size) as u64;
    let mut report = of_file(&survey, &products, &design, |_| true, min_group, args.lang);
    // The ordinal model's second reading of the same file, rows skipped
    // exactly as in the first.
    let waves: Vec<usize> = (0..products.waves()).collect();
    let (model, problems) = ordinal::model(&survey, &products, &waves, args.lang, |make| {
        read_path(responses_file, &survey, &options, make).map(|(sink, _)| sink)
    })?;
    ordinal::attach(&mut report, model, problems);
    Ok(report)
}
