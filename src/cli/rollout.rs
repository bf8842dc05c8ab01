//! `klimat report effect --adoption FILE`: the roll-out report of a responses
//! file whose units adopt the method at different waves.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::output::write_atomically;
use super::report::{EffectArgs, new_report_folder};
use crate::config::Settings;
use crate::disclosure::{Structure, decide_study};
use crate::evaluation::Inference;
use crate::evaluation::rollout::{AdoptionRequest, evaluate};
use crate::report::rollout;
use crate::responses::{ReadOptions, read_path};
use crate::scoring::Accumulator;
use crate::stats::wild::Weights;
use crate::survey;

pub fn report(
    args: &EffectArgs,
    adoption_file: &Path,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let (Some(survey_file), Some(responses_file)) = (&args.survey, &args.responses) else {
        unreachable!("clap requires --survey and --responses with --adoption");
    };
    let survey = survey::load(survey_file)?;
    if !survey.offers(args.lang) {
        anyhow::bail!("survey {} has no texts in `{}`", survey.key, args.lang);
    }
    let request = read_adoption(adoption_file)?;
    let options = ReadOptions {
        delimiter: args.delimiter,
        skip_invalid: false,
    };
    let (acc, outcome) = read_path(responses_file, &survey, &options, || {
        Accumulator::new(&survey)
    })?;
    let (waves, units) = (&outcome.waves.names, &outcome.units.names);
    let adoption = request.check(units, waves).with_context(|| {
        format!(
            "{}: the adoption does not fit the responses",
            adoption_file.display()
        )
    })?;
    let min_group = args.min_group.unwrap_or(settings.min_group_size) as u64;
    // The published groups are the cohorts and the never-treated units.
    let structure = Structure {
        parent: vec![None; units.len()],
        groups: adoption.groups(),
    };
    let counts: Vec<_> = (0..acc.waves.len())
        .map(|w| (acc.unit_counts(w, units.len()), min_group))
        .collect();
    let plans = decide_study(&structure, &counts);
    let inference = inference(args, args.seed.unwrap_or(1));
    let shown = crate::evaluation::rollout::Adoption::shown(&plans);
    let schedule = match &args.schedule {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let schedule: crate::evaluation::rollout::schedule::Schedule =
                serde_json::from_str(&text).with_context(|| {
                    format!(
                        "{}: not a schedule written by `klimat design roll-out --out`",
                        path.display()
                    )
                })?;
            crate::evaluation::rollout::schedule::verify(&schedule)
                .map_err(|e| anyhow::anyhow!(e.get(args.lang).to_owned()))
                .with_context(|| format!("{}", path.display()))?;
            Some(schedule)
        }
        None => None,
    };
    let report = evaluate(
        &survey,
        &acc,
        waves,
        units,
        &adoption,
        &plans,
        &shown,
        schedule.as_ref(),
        inference,
        min_group,
        args.lang,
    )
    .context("the roll-out cannot be reported")?;
    write_outputs(args, &report, &survey.key, settings)
}

/// `klimat report effect --study S` for a study with adoption dates.
pub fn study_report(
    args: &EffectArgs,
    name: &str,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let db = super::data::open(settings)?;
    let mut conn = db.get()?;
    let seed = match args.seed {
        Some(seed) => seed,
        None => crate::app::study_inference(&mut conn, name)?.seed,
    };
    let report = crate::app::rollout::report(&mut conn, name, inference(args, seed), args.lang)?;
    let key = report.survey.key.clone();
    write_outputs(args, &report, &key, settings)
}

fn inference(args: &EffectArgs, seed: u64) -> Inference {
    Inference {
        seed,
        reps: args.reps as usize,
        weights: if args.weights == "rademacher" {
            Weights::Rademacher
        } else {
            Weights::Webb
        },
    }
}

fn write_outputs(
    args: &EffectArgs,
    report: &crate::evaluation::rollout::report::RolloutReport,
    key: &str,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let render = |format: &str| -> Vec<u8> {
        match format {
            "json" => rollout::json(report).into_bytes(),
            "md" => rollout::markdown(report, args.lang).into_bytes(),
            "csv" => rollout::csv(report).into_bytes(),
            "xlsx" => rollout::xlsx(report),
            _ => rollout::html(report, args.lang).into_bytes(),
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
                None => new_report_folder(&settings.reports_dir, key)?,
            };
            for format in ["html", "md", "json", "csv", "xlsx"] {
                write_atomically(&dir.join(format!("rollout.{format}")), &render(format))?;
            }
            print!("{}", rollout::summary(report, args.lang));
            println!("report written to {}", dir.join("rollout.html").display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `unit,first_wave` with a header; an empty first wave: never adopts.
fn read_adoption(path: &Path) -> anyhow::Result<AdoptionRequest> {
    Ok(AdoptionRequest {
        first_waves: super::output::unit_pairs(path, "first_wave", "unit-03,2025-03")?,
    })
}
