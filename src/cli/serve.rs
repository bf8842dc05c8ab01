//! `klimat serve`: the web service, with the outbox worker unless told not to.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;

use super::data::open;
use super::mail::{secret, worker_parts};
use crate::config::Settings;
use crate::mail::{WorkerConfig, worker};
use crate::web::{self, Background};

/// The pause before the outbox worker starts again after a failure.
const RESTART_SECS: u64 = 5;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Do not run the outbox worker in this process (run `klimat worker` elsewhere).
    #[arg(long)]
    pub no_worker: bool,
    /// HTTP worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

pub fn run(args: ServeArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_target(false)
        .try_init()
        .ok();
    let db = open(settings)?;
    let secret = secret(settings)?;
    let worker = if args.no_worker {
        None
    } else {
        // Check mail settings and templates now, so that a mistake stops start-up.
        let check = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        check.block_on(async { worker_parts(settings).map(|_| ()) })?;
        let settings = settings.clone();
        let db = db.clone();
        let run: Box<dyn FnOnce(Arc<AtomicBool>) + Send> = Box::new(move |stop| {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => return log::error!("mail worker: cannot start its runtime: {e}"),
            };
            runtime.block_on(async move {
                let (mailer, composer) = match worker_parts(&settings) {
                    Ok(p) => p,
                    Err(e) => return log::error!("mail worker: {e}"),
                };
                let config = WorkerConfig::from_settings(&settings, false);
                // A failing database read or write stops one run, not the
                // service's mail: what the run had claimed comes back when its
                // lease runs out, and the worker starts again after a pause.
                while !stop.load(Ordering::Relaxed) {
                    let run = worker::run(
                        db.clone(),
                        mailer.clone(),
                        composer.clone(),
                        config.clone(),
                        stop.clone(),
                        |_| {},
                    );
                    match run.await {
                        Ok(_) => break,
                        Err(e) => {
                            log::error!("mail worker: {e}; starting again in {RESTART_SECS} s")
                        }
                    }
                    for _ in 0..RESTART_SECS * 4 {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                    }
                }
            });
        });
        Some(run)
    };
    let sso = single_sign_on(settings)?;
    web::serve(
        settings,
        db,
        secret,
        Background { worker, sso },
        args.threads,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Discovers the identity provider when single sign-on is configured. A
/// provider that cannot be used stops start-up when it is the only way in;
/// with password login on, the service starts and says so in the log and
/// on the login page.
fn single_sign_on(
    settings: &Settings,
) -> anyhow::Result<Option<Result<Arc<crate::sso::Provider>, String>>> {
    if !crate::sso::configured(settings) {
        return Ok(None);
    }
    match crate::sso::Provider::discover(settings) {
        Ok(provider) => {
            log::info!("single sign-on through {}", provider.issuer);
            Ok(Some(Ok(Arc::new(provider))))
        }
        Err(e) if settings.password_login => {
            log::warn!(
                "single sign-on is unavailable: {e}; password login keeps working (restart klimat serve once the setting is fixed)"
            );
            Ok(Some(Err(e.to_string())))
        }
        Err(e) => {
            anyhow::bail!("single sign-on: {e}; password_login is off, so nobody could log in")
        }
    }
}
