//! `klimat managers`: the roster of unit managers, and the e-mails that tell
//! them their unit's feedback report of a wave is ready.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::app::{Actor, managers};
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum ManagersCommand {
    /// Replace the roster of managers with a CSV file: unit,email[,language].
    #[command(after_help = "Examples:\n  klimat managers import managers.csv\n\n\
The file's header is unit,email (and optionally language: sv or en, default sv); \
one line per manager and unit. The file replaces the roster whole; with one problem \
anywhere nothing changes.")]
    Import { file: PathBuf },
    /// List the roster.
    #[command(
        after_help = "Examples:\n  klimat managers list\n\nOne line per manager and unit: code, name, address, language."
    )]
    List,
    /// Queue an e-mail to each manager of a unit whose feedback report the wave shows.
    #[command(
        after_help = "Examples:\n  klimat managers notify --study pilot-2025 --wave 2025-11\n  klimat worker --once\n\n\
The e-mail links to the report page behind the manager's login and holds no figures; \
a manager already told about the wave is not told again. The outbox worker sends them."
    )]
    Notify {
        #[arg(long)]
        study: String,
        #[arg(long)]
        wave: String,
    },
}

pub fn run(cmd: ManagersCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = super::data::open(settings)?;
    let mut conn = db.get()?;
    match cmd {
        ManagersCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let n = managers::import(&mut conn, &Actor::cli(), &text)
                .with_context(|| format!("importing {}", file.display()))?;
            println!("managers: {n} on the roster");
        }
        ManagersCommand::List => {
            for m in crate::store::managers::all(&mut conn)? {
                println!("{}\t{}\t{}\t{}", m.unit, m.unit_name, m.email, m.language);
            }
        }
        ManagersCommand::Notify { study, wave } => {
            let q = managers::queue(&mut conn, &Actor::cli(), &study, &wave)?;
            println!(
                "queued {} notice(s) for {} unit report(s) in {study} {wave}",
                q.queued, q.reports
            );
            if !q.without_manager.is_empty() {
                println!(
                    "no manager on the roster for: {}",
                    q.without_manager.join(", ")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
