//! The command line: clap argument structs and one module per command group.
//!
//! Argument structs only describe what was typed; each command turns them into
//! validated settings and calls the library. Errors reach the user through
//! [`run`], which prints them with their causes and picks the exit code.

mod comments;
mod data;
mod demo;
mod design;
mod design_rollout;
mod feedback;
mod mail;
mod managers;
mod output;
mod reorganise;
mod report;
mod rollout;
mod score;
mod serve;
mod simulate;
mod staff;
mod survey;
mod validity;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;

/// Exit code for input that klimat refused (an invalid survey file, bad settings).
pub const EXIT_INVALID: u8 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "klimat",
    version,
    about = "Innovation-climate surveys for public-sector organisations",
    long_about = "klimat measures the climate for innovation with validated dimensions, \
collects anonymous answers on the web, and reports whether pilot units improved \
compared with control units.",
    after_help = "Examples:\n  klimat survey check surveys/*.toml\n  klimat survey show surveys/creative-climate.toml --lang en\n  \
klimat simulate --survey surveys/creative-climate.toml --out sim.csv\n  \
klimat score --survey surveys/creative-climate.toml --responses sim.csv --format md\n  \
klimat report effect --survey surveys/creative-climate.toml --responses sim.csv --pilot unit-02,unit-05 --first-post-wave 2025-03\n\n\
Settings come from defaults, then klimat.toml (or --config / KLIMAT_CONFIG), then KLIMAT_* variables."
)]
pub struct Args {
    /// Settings file (TOML). Default: klimat.toml in the working directory, if present.
    #[arg(long, global = true, env = "KLIMAT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check, read and publish survey definitions (the instruments in surveys/).
    #[command(subcommand)]
    Survey(survey::SurveyCommand),
    /// Create or update the database schema (a deploy step on PostgreSQL).
    #[command(
        after_help = "Examples:\n  klimat migrate\n  KLIMAT_DATABASE_URL=postgres://klimat@db/klimat klimat migrate\n\n\
SQLite databases are migrated by every command; PostgreSQL ones only by this one, once per deploy."
    )]
    Migrate,
    /// Organisational units.
    #[command(subcommand)]
    Unit(data::UnitCommand),
    /// Unit managers: who gets each unit's feedback report, and the e-mails saying it is ready.
    #[command(subcommand)]
    Managers(managers::ManagersCommand),
    /// Studies: pilot and control units, intervention date.
    #[command(subcommand)]
    Study(data::StudyCommand),
    /// Waves of a study: create, open, close.
    #[command(subcommand)]
    Wave(data::WaveCommand),
    /// The people invited to a wave.
    #[command(subcommand)]
    Roster(data::RosterCommand),
    /// Import and export responses in the offline format.
    #[command(subcommand)]
    Responses(data::ResponsesCommand),
    /// The whole job on a fresh demo database: organisation, study, three waves
    /// through invitations, answers, reminders and closing; the effect report.
    #[command(
        after_help = "Examples:\n  klimat demo\n  klimat demo --dir /tmp/klimat-demo --seed 7\n\n\
Writes the report and trend charts to reports/demo/ and prints a summary; fails loudly if the estimates miss the simulated truth."
    )]
    Demo(demo::DemoArgs),
    /// Run the web service: the respondents' pages (and the outbox worker).
    #[command(
        after_help = "Examples:\n  klimat serve\n  KLIMAT_BIND=0.0.0.0:8080 klimat serve --no-worker\n\n\
Stops on Ctrl-C or SIGTERM after the requests in flight finish."
    )]
    Serve(serve::ServeArgs),
    /// Send queued e-mail from the outbox (invitations and reminders).
    #[command(after_help = "Examples:\n  klimat worker\n  klimat worker --once\n\n\
Several workers may run against one PostgreSQL database; on SQLite run one. `klimat serve` runs one too.")]
    Worker(mail::WorkerArgs),
    /// E-mail housekeeping: bounces.
    #[command(subcommand)]
    Mail(mail::MailCommand),
    /// Score responses (a file or a wave in the database): scores, reliability and agreement.
    Score(score::ScoreArgs),
    /// A closed wave's free-text answers, in groups large enough to show, redacted.
    Comments(comments::CommentsArgs),
    /// Do the dimensions measure what they claim? Factor structure, discriminant validity, invariance.
    Validity(validity::ValidityArgs),
    /// Write a simulated responses file with a known truth (for tests, benchmarks, demos).
    Simulate(simulate::SimulateArgs),
    /// Reports from responses: the effect report of a pilot.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Plan a study: the minimum detectable effect of a pilot design.
    #[command(subcommand)]
    Design(design::DesignCommand),
    /// Staff accounts for the web pages: admin, evaluator, viewer.
    #[command(subcommand)]
    User(staff::UserCommand),
    /// Bearer tokens for the JSON API.
    #[command(subcommand)]
    Token(staff::TokenCommand),
    /// The audit log: logins, exports, sends, state changes, newest first.
    #[command(after_help = "Examples:\n  klimat audit\n  klimat audit --limit 500")]
    Audit {
        /// Entries to show, newest first.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Print the effective settings, with secrets masked.
    #[command(
        after_help = "Examples:\n  klimat config\n  KLIMAT_MIN_GROUP_SIZE=7 klimat --config klimat.toml config"
    )]
    Config,
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(args: Args) -> ExitCode {
    match dispatch(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(EXIT_INVALID)
        }
    }
}

fn dispatch(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Survey(survey::SurveyCommand::Publish { files }) => {
            data::publish(&files, &Settings::load(args.config.as_deref())?)
        }
        Command::Survey(cmd) => survey::run(cmd),
        Command::Migrate => data::migrate(&Settings::load(args.config.as_deref())?),
        Command::Unit(cmd) => data::unit(cmd, &Settings::load(args.config.as_deref())?),
        Command::Managers(cmd) => managers::run(cmd, &Settings::load(args.config.as_deref())?),
        Command::Study(cmd) => data::study(cmd, &Settings::load(args.config.as_deref())?),
        Command::Wave(cmd) => data::wave(cmd, &Settings::load(args.config.as_deref())?),
        Command::Roster(cmd) => data::roster(cmd, &Settings::load(args.config.as_deref())?),
        Command::Responses(cmd) => data::responses(cmd, &Settings::load(args.config.as_deref())?),
        Command::Demo(a) => demo::run(a, &Settings::load(args.config.as_deref())?),
        Command::Serve(a) => serve::run(a, &Settings::load(args.config.as_deref())?),
        Command::Worker(a) => mail::run_worker(a, &Settings::load(args.config.as_deref())?),
        Command::Mail(cmd) => mail::run(cmd, &Settings::load(args.config.as_deref())?),
        Command::Score(a) => score::run(a, &Settings::load(args.config.as_deref())?),
        Command::Comments(a) => comments::run(a, &Settings::load(args.config.as_deref())?),
        Command::Validity(a) => validity::run(a, &Settings::load(args.config.as_deref())?),
        Command::Simulate(a) => simulate::run(a),
        Command::Design(cmd) => design::run(cmd, &Settings::load(args.config.as_deref())?),
        Command::Report(cmd) => report::run(cmd, &Settings::load(args.config.as_deref())?),
        Command::User(cmd) => staff::user(cmd, &Settings::load(args.config.as_deref())?),
        Command::Token(cmd) => staff::token(cmd, &Settings::load(args.config.as_deref())?),
        Command::Audit { limit } => staff::audit(limit, &Settings::load(args.config.as_deref())?),
        Command::Config => {
            let settings = Settings::load(args.config.as_deref())?;
            print!("{}", toml::to_string_pretty(&settings.redacted())?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
