//! `klimat report feedback`: units' feedback reports as self-contained HTML
//! files, one per unit the plan shows (or the units named), as an evaluator
//! reads them on the staff pages.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args as ClapArgs;

use super::output::write_atomically;
use crate::app::feedback::{Reader, all_feedback, unit_feedback};
use crate::app::{Actor, setup};
use crate::config::Settings;
use crate::report::feedback;
use crate::survey::Language;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat report feedback --study pilot-2025\n  \
klimat report feedback --study pilot-2025 --unit vard-01 --wave 2025-11 --lang en\n\n\
Writes feedback-UNIT-WAVE.html per unit into --dir (default: the reports folder's feedback-STUDY); \
units too small in the wave get none."
)]
pub struct FeedbackArgs {
    /// The study.
    #[arg(long)]
    pub study: String,
    /// Only these units (codes, comma-separated); default every unit the plan shows.
    #[arg(long, value_delimiter = ',')]
    pub unit: Vec<String>,
    /// The wave (its name); default each unit's latest wave with figures.
    #[arg(long)]
    pub wave: Option<String>,
    /// Language of the reports.
    #[arg(long, default_value = "sv")]
    pub lang: Language,
    /// Folder to write the reports into.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: FeedbackArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = super::data::open(settings)?;
    let mut conn = db.get()?;
    let reader = Reader {
        lang: args.lang,
        scope: None,
        comments: true,
    };
    let reports = if args.unit.is_empty() {
        all_feedback(&mut conn, &args.study, args.wave.as_deref(), reader)?
    } else {
        args.unit
            .iter()
            .map(|code| unit_feedback(&mut conn, &args.study, code, args.wave.as_deref(), reader))
            .collect::<Result<_, _>>()?
    };
    let dir = args.dir.unwrap_or_else(|| {
        settings.reports_dir.join(format!(
            "feedback-{}",
            crate::report::format::file_safe(&args.study)
        ))
    });
    std::fs::create_dir_all(&dir)?;
    for r in &reports {
        let name = format!(
            "feedback-{}-{}.html",
            crate::report::format::file_safe(&r.code),
            crate::report::format::file_safe(&r.wave)
        );
        write_atomically(&dir.join(name), feedback::html(r, args.lang).as_bytes())?;
    }
    setup::audit(
        &mut conn,
        &Actor::cli(),
        "export.feedback",
        &format!("study {}, {} units", args.study, reports.len()),
    )?;
    println!(
        "wrote {} feedback reports to {}",
        reports.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
