//! E-mail commands: queue invitations and reminders, show a wave's status,
//! run the outbox worker, read bounces.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::data::open;
use crate::app::WaveRef;
use crate::config::Settings;
use crate::mail::{Composer, Mailer, WorkerConfig, bounce, worker};
use crate::store::Database;
use crate::store::outbox;
use crate::token::Secret;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Send what is due now, then exit (instead of waiting for more).
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Read bounces (delivery status notifications) from an mbox file or a
    /// maildir and mark the invitations they report undeliverable.
    #[command(
        after_help = "Examples:\n  klimat mail bounces /var/mail/klimat\n  klimat mail bounces ~/Maildir\n\n\
Bounces are matched by the Message-ID of the returned message; only permanent failures (status 5.x.x) count."
    )]
    Bounces {
        /// An mbox file or a maildir with the bounces.
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
}

/// The secret from settings (or the secret file).
pub fn secret(settings: &Settings) -> anyhow::Result<Secret> {
    Secret::load(settings.secret.as_deref(), &settings.secret_file).map_err(anyhow::Error::msg)
}

/// A unit's status as shown: answered counts as the wave's disclosure plan
/// allows (the same plan as the staff pages and the API).
#[derive(Debug, serde::Serialize)]
struct Shown {
    unit: String,
    name: String,
    invited: u64,
    sent: u64,
    failed: u64,
    opted_out: u64,
    answered: Option<u64>,
    response_rate: Option<f64>,
}

fn shown(s: crate::app::StatusRow) -> Shown {
    Shown {
        unit: s.unit,
        name: s.name,
        invited: s.invited,
        sent: s.sent,
        failed: s.failed,
        opted_out: s.opted_out,
        answered: s.answered,
        response_rate: s.rate,
    }
}

pub fn status(db: &Database, wave: &WaveRef, format: StatusFormat) -> anyhow::Result<()> {
    let mut conn = db.get()?;
    let w = wave.find(&mut conn)?;
    let (units, total) = crate::app::wave_status(&mut conn, &w)?;
    let queue = outbox::queue_counts(&mut conn, &w)?;
    let rows: Vec<Shown> = units.into_iter().map(shown).collect();
    let total = shown(total);
    match format {
        StatusFormat::Json => {
            let value = serde_json::json!({
                "wave": w.name,
                "state": w.state,
                "min_group_size": w.min_group_size,
                "units": rows,
                "total": total,
                "outbox": queue.iter().map(|(s, n)| (s.clone(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        StatusFormat::Text => {
            println!(
                "wave {} ({}, minimum group size {})",
                w.name, w.state, w.min_group_size
            );
            println!(
                "{:<16} {:>8} {:>8} {:>8} {:>9} {:>9} {:>6}",
                "unit", "invited", "sent", "failed", "opted out", "answered", "rate"
            );
            for r in rows.iter().chain(std::iter::once(&total)) {
                let answered = r.answered.map_or("<min".to_owned(), |a| a.to_string());
                let rate = r
                    .response_rate
                    .map_or("—".to_owned(), |p| format!("{:.0}%", 100.0 * p));
                let unit = if std::ptr::eq(r, &total) {
                    "total"
                } else {
                    r.unit.as_str()
                };
                println!(
                    "{unit:<16} {:>8} {:>8} {:>8} {:>9} {answered:>9} {rate:>6}",
                    r.invited, r.sent, r.failed, r.opted_out
                );
            }
            let queue: Vec<String> = queue.iter().map(|(s, n)| format!("{n} {s}")).collect();
            if !queue.is_empty() {
                println!("outbox: {}", queue.join(", "));
            }
        }
    }
    Ok(())
}

/// Builds what the worker needs from settings; every problem is reported
/// before anything is sent.
pub fn worker_parts(settings: &Settings) -> anyhow::Result<(Arc<Mailer>, Arc<Composer>)> {
    let mailer = Mailer::new(settings).map_err(anyhow::Error::msg)?;
    let composer = Composer::new(settings, secret(settings)?).map_err(anyhow::Error::msg)?;
    Ok((Arc::new(mailer), Arc::new(composer)))
}

pub fn run_worker(args: WorkerArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // lettre's connection pool lives on the runtime: build (and drop) it inside.
    let _inside = runtime.enter();
    let (mailer, composer) = worker_parts(settings)?;
    let config = WorkerConfig::from_settings(settings, args.once);
    let total = {
        let mut conn = db.get()?;
        outbox::due_count(&mut conn, outbox::now_ms())?
    };
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) && args.once {
        indicatif::ProgressBar::new(total as u64).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} messages ({per_sec}, {eta} left) {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    eprintln!("sending through {}", mailer.describe());
    let stop = Arc::new(AtomicBool::new(false));
    let progress_bar = bar.clone();
    let stats = runtime.block_on(async {
        let stop_on_signal = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping after the messages in flight");
                stop_on_signal.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        });
        worker::run(db, mailer, composer, config, stop, move |s| {
            progress_bar.set_position(s.sent + s.failed + s.cancelled);
            progress_bar.set_message(format!("{} to retry", s.retried));
        })
        .await
    })?;
    bar.finish_and_clear();
    println!(
        "sent {}, to retry {}, failed {}, cancelled {}",
        stats.sent, stats.retried, stats.failed, stats.cancelled
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run(cmd: MailCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        MailCommand::Bounces { path } => {
            let scan = bounce::scan(&path).map_err(anyhow::Error::msg)?;
            let db = open(settings)?;
            let mut conn = db.get()?;
            let mut marked = 0;
            let mut unknown = 0;
            for b in &scan.bounces {
                let local = b.message_id.split('@').next().unwrap_or("");
                if outbox::bounced(&mut conn, local, &b.status)? {
                    marked += 1;
                } else {
                    unknown += 1;
                }
            }
            println!(
                "read {} message(s): {marked} bounce(s) marked undeliverable, {unknown} for messages klimat did not send, {} not a permanent failure",
                scan.messages, scan.ignored
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
