//! `klimat validity`: factor structure, discriminant validity and
//! measurement invariance of a survey's dimensions on a responses file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args as ClapArgs;

use super::output::write_output;
use super::score::parse_delimiter;
use crate::config::{MIN_GROUP_SIZE_FLOOR, Settings};
use crate::report::{Format, validity};
use crate::responses::{ReadOptions, read_path};
use crate::survey::{self, Language};
use crate::validity::{Across, Group, Grouping, Products, build};

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat validity --survey surveys/creative-climate.toml --responses answers.csv\n  \
klimat validity --survey surveys/team-climate.toml --responses answers.csv --pilot u01,u02 --format md --out validity.md\n\n\
The dimension model is the survey's: each dimension a factor, each item on its own dimension. Invariance is tested \
across the file's waves, and with --pilot between the pilot units and the others, and across both together."
)]
pub struct ValidityArgs {
    /// Survey definition the responses answer (TOML).
    #[arg(long, value_name = "FILE")]
    pub survey: PathBuf,
    /// Responses file (CSV, one row per respondent).
    #[arg(long, value_name = "FILE")]
    pub responses: PathBuf,
    /// Pilot units (comma-separated codes): invariance is also tested between them and the others.
    #[arg(long, value_name = "UNITS", value_delimiter = ',')]
    pub pilot: Vec<String>,
    /// Output format.
    #[arg(long, default_value = "json", value_parser = ["json", "csv", "md"])]
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
    let survey = survey::load(&args.survey)?;
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
    let (products, outcome) = read_path(&args.responses, &survey, &options, || {
        Products::new(&survey)
    })?;
    super::score::report_skipped(&outcome);
    let units = &outcome.units.names;
    if let Some(unknown) = args.pilot.iter().find(|p| !units.contains(p)) {
        anyhow::bail!(
            "--pilot names unit `{unknown}`, which has no responses in {}",
            args.responses.display()
        );
    }
    let pilot: Vec<usize> = (0..units.len())
        .filter(|&u| args.pilot.contains(&units[u]))
        .collect();
    let control: Vec<usize> = (0..units.len()).filter(|u| !pilot.contains(u)).collect();
    let every: Vec<usize> = (0..units.len()).collect();
    let waves = &outcome.waves.names;
    let all = Group {
        label: "all".into(),
        cells: (0..waves.len()).map(|w| (w, every.clone())).collect(),
    };
    let mut groupings = Vec::new();
    if waves.len() > 1 {
        groupings.push(Grouping {
            across: Across::Waves,
            groups: (0..waves.len())
                .map(|w| Group {
                    label: waves[w].clone(),
                    cells: vec![(w, every.clone())],
                })
                .collect(),
        });
    }
    if !pilot.is_empty() {
        let arm = |label: &str, units: &[usize]| Group {
            label: label.into(),
            cells: (0..waves.len()).map(|w| (w, units.to_vec())).collect(),
        };
        groupings.push(Grouping {
            across: Across::Arms,
            groups: vec![arm("pilot", &pilot), arm("control", &control)],
        });
        if waves.len() > 1 {
            let mut groups = Vec::new();
            for (w, name) in waves.iter().enumerate() {
                for (label, units) in [("pilot", &pilot), ("control", &control)] {
                    groups.push(Group {
                        label: format!("{name} {label}"),
                        cells: vec![(w, units.clone())],
                    });
                }
            }
            groupings.push(Grouping {
                across: Across::WavesAndArms,
                groups,
            });
        }
    }
    let min_group = args.min_group.unwrap_or(settings.min_group_size) as u64;
    let report = build(&survey, &products, &all, &groupings, min_group, args.lang);
    let text = match format {
        Format::Json => validity::json(&report),
        Format::Csv => validity::csv(&report),
        Format::Md => validity::markdown(&report),
    };
    write_output(args.out.as_deref(), &text).context("writing the validity report")?;
    Ok(ExitCode::SUCCESS)
}
