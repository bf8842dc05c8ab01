//! `klimat comments`: a closed wave's free-text answers as an evaluator sees
//! them on the staff pages (or as a viewer limited to a unit, `--unit`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args as ClapArgs;

use super::data::open;
use super::output::write_output;
use crate::app::comments::{CommentsQuery, wave_comments};
use crate::app::{Actor, WaveRef, setup};
use crate::config::Settings;
use crate::survey::Language;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat comments --wave pilot-2025:2025-03 --format md\n  \
klimat comments --wave pilot-2025:2025-03 --search möte --lang sv\n  \
klimat comments --wave 3 --format csv --out comments.csv\n\n\
Comments are shown only for groups of at least the wave's comment minimum (min_group_size_comments), \
each comment in exactly one group, in random order, with e-mail addresses, phone numbers, personal \
identity numbers and the roster's names removed."
)]
pub struct CommentsArgs {
    /// The wave (STUDY:WAVE or its number).
    #[arg(long)]
    pub wave: WaveRef,
    /// Output format.
    #[arg(long, default_value = "md", value_parser = ["md", "csv", "json"])]
    pub format: String,
    /// Only comments containing this text (ignoring case).
    #[arg(long)]
    pub search: Option<String>,
    /// As a viewer limited to this unit (its code) sees them.
    #[arg(long, value_name = "CODE")]
    pub unit: Option<String>,
    /// Language of the question texts and headings.
    #[arg(long, default_value = "sv")]
    pub lang: Language,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

pub fn run(args: CommentsArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    let wave = args.wave.find(&mut conn)?;
    let scope = setup::unit_scope(&mut conn, crate::auth::Role::Viewer, args.unit.as_deref())?;
    let query = CommentsQuery {
        lang: args.lang,
        scope,
        search: args.search,
    };
    let comments = wave_comments(&mut conn, &wave, &query)?;
    let text = match args.format.as_str() {
        "csv" => crate::comments::comments_csv(&comments),
        "json" => serde_json::to_string_pretty(&comments)? + "\n",
        _ => crate::report::comments::markdown(&comments, args.lang),
    };
    setup::audit(
        &mut conn,
        &Actor::cli(),
        "export.comments",
        &format!("wave {} ({})", wave.name, wave.id),
    )?;
    write_output(args.out.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}
