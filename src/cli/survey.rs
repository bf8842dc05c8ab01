//! `klimat survey …`: check survey files and show them as a respondent reads them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::survey::{self, Language};

#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// Validate survey files and summarise them.
    ///
    /// Every problem in every file is listed with file, line and column.
    /// Exits 0 when all files are valid, 1 otherwise.
    #[command(
        after_help = "Examples:\n  klimat survey check surveys/*.toml\n  klimat survey check my-survey.toml"
    )]
    Check {
        /// Survey definition files (TOML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Store survey files in the database as immutable versions.
    #[command(after_help = "Examples:\n  klimat survey publish surveys/*.toml\n\n\
Publishing the same content again changes nothing; other content under a published key and version is refused.")]
    Publish {
        /// Survey definition files (TOML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print a survey as a respondent would read it.
    #[command(after_help = "Examples:\n  klimat survey show surveys/team-climate.toml --lang sv")]
    Show {
        /// Survey definition file (TOML).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Language to show: sv or en.
        #[arg(long, default_value = "sv")]
        lang: Language,
    },
}

pub fn run(cmd: SurveyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SurveyCommand::Check { files } => Ok(check(&files)),
        SurveyCommand::Publish { .. } => unreachable!("dispatched with settings in cli::dispatch"),
        SurveyCommand::Show { file, lang } => {
            let survey = survey::load(&file)?;
            if !survey.offers(lang) {
                anyhow::bail!(
                    "{} has no texts in `{lang}`; it offers: {}",
                    file.display(),
                    survey
                        .languages
                        .iter()
                        .map(|l| l.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            print!("{}", survey::render_text(&survey, lang));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut invalid = 0;
    for file in files {
        match survey::load(file) {
            Ok(s) => {
                println!("{}: ok", file.display());
                println!("  key        {}", s.key);
                println!("  version    {}", s.version);
                println!("  hash       {}", s.content_hash());
                let langs: Vec<&str> = s.languages.iter().map(|l| l.code()).collect();
                println!("  languages  {}", langs.join(", "));
                println!(
                    "  scale      {}–{} ({} points{})",
                    s.scale.min,
                    s.scale.max,
                    s.scale.points(),
                    if s.scale.dont_know.is_some() {
                        ", with \"don't know\""
                    } else {
                        ""
                    }
                );
                println!("  items      {}", s.items.len());
                println!("  dimensions {}", s.dimensions.len());
                for d in &s.dimensions {
                    let reversed = d.items.iter().filter(|&&i| s.items[i].reverse).count();
                    println!(
                        "    {:<24} {} items ({} reverse-keyed), scored with at least {} answered",
                        d.id,
                        d.items.len(),
                        reversed,
                        d.min_answered
                    );
                }
            }
            Err(e) => {
                invalid += 1;
                eprintln!("{e}");
            }
        }
    }
    if invalid > 0 {
        eprintln!("error: {invalid} of {} survey file(s) invalid", files.len());
        ExitCode::from(super::EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}
