//! The outbox worker: claims due messages under a lease, sends them at most
//! `rate` per second over at most `connections` connections, and records
//! each outcome as soon as the relay answered. Temporary failures come back
//! later with exponential backoff; permanent ones mark the invitation
//! undeliverable. Database work runs on tokio's blocking pool.
//!
//! A message is recorded as sent only after the relay accepted it, so a
//! worker that dies loses nothing; what it had accepted but not recorded is
//! sent once more, when its lease runs out, with the same Message-ID.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use super::message::Composer;
use super::transport::{Delivery, Mailer};
use crate::config::Settings;
use crate::store::outbox::{self, Claimed, Kind, Outcome};
use crate::store::{Database, StoreError, managers, surveys};
use crate::survey::Language;

/// Longest wait between two attempts, however many failed.
const MAX_BACKOFF_MS: f64 = 6.0 * 3600.0 * 1000.0;
/// How often an idle worker looks for due messages.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub rate: f64,
    pub connections: u32,
    pub lease_ms: i64,
    pub max_attempts: u32,
    pub retry_ms: f64,
    /// Send what is due, then stop (instead of waiting for more).
    pub once: bool,
}

impl WorkerConfig {
    pub fn from_settings(settings: &Settings, once: bool) -> WorkerConfig {
        WorkerConfig {
            rate: settings.mail_rate,
            connections: settings.mail_connections,
            lease_ms: settings.mail_lease_secs as i64 * 1000,
            max_attempts: settings.mail_max_attempts,
            retry_ms: settings.mail_retry_secs * 1000.0,
            once,
        }
    }

    /// Messages claimed at a time: what the rate sends in about two seconds,
    /// so that a claim never outlives its lease, and at least one per connection.
    fn batch(&self) -> usize {
        let by_rate = (self.rate * 2.0).ceil() as usize;
        by_rate.clamp(self.connections as usize, 500)
    }

    /// The delay before the next attempt after `attempts` failed ones.
    fn backoff_ms(&self, attempts: i32) -> i64 {
        let exp = 2f64.powi((attempts - 1).clamp(0, 30));
        (self.retry_ms * exp).min(MAX_BACKOFF_MS) as i64
    }
}

/// What a worker run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    pub cancelled: u64,
}

impl WorkerStats {
    fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Sent { .. } => self.sent += 1,
            Outcome::Retry { .. } => self.retried += 1,
            Outcome::Failed { .. } => self.failed += 1,
            Outcome::Cancelled { .. } => self.cancelled += 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Mail(String),
}

async fn blocking<T: Send + 'static>(
    db: &Database,
    f: impl FnOnce(&mut crate::store::DbConnection) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get()?;
        f(&mut conn)
    })
    .await
    .map_err(|e| StoreError::Connect(format!("a database task failed: {e}")))?
}

/// Why a claimed message should not be sent any more, if it should not.
fn cancel_reason(m: &Claimed) -> Option<&'static str> {
    if m.wave_state != "open" {
        Some("the wave is not open")
    } else if m.email.is_none() {
        Some("the address was purged")
    } else if m.opted_out {
        Some("opted out")
    } else if m.delivery == "undeliverable" {
        Some("the address is undeliverable")
    } else if m.kind == Kind::Reminder && m.answered {
        Some("answered already")
    } else {
        None
    }
}

/// Runs the worker until `stop` is set (or, with `once`, until nothing is
/// due). `progress` is told the running totals after every outcome.
pub async fn run(
    db: Database,
    mailer: Arc<Mailer>,
    composer: Arc<Composer>,
    config: WorkerConfig,
    stop: Arc<AtomicBool>,
    progress: impl Fn(&WorkerStats) + Send + Sync + 'static,
) -> Result<WorkerStats, WorkerError> {
    if let Err(e) = mailer.check().await {
        if config.once {
            return Err(WorkerError::Mail(e));
        }
        eprintln!("warning: {e}; messages stay queued and are retried");
    }
    let worker = Worker {
        db,
        mailer,
        composer,
        semaphore: Arc::new(Semaphore::new(config.connections as usize)),
        stats: Arc::new(Mutex::new(WorkerStats::default())),
        progress: Arc::new(progress),
        config,
    };
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / worker.config.rate));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut titles: HashMap<(i64, String), (String, u32)> = HashMap::new();
    let mut in_flight: JoinSet<Result<(), StoreError>> = JoinSet::new();
    let batch = worker.config.batch();
    let lease = worker.config.lease_ms;
    let result: Result<(), WorkerError> = async {
        while !stop.load(Ordering::Relaxed) {
            let claimed = blocking(&worker.db, move |c| outbox::claim(c, batch, lease)).await?;
            if claimed.is_empty() {
                // What is in flight records its outcome first: a retry may be due now.
                join_all(&mut in_flight).await?;
                // The invitations are out: now the managers' notices.
                if worker.send_notices(&mut ticker).await? > 0 {
                    continue;
                }
                if worker.config.once {
                    let now = outbox::now_ms();
                    let due = blocking(&worker.db, move |c| {
                        Ok(outbox::due_count(c, now)? + managers::due_count(c, now)?)
                    })
                    .await?;
                    if due == 0 {
                        break;
                    }
                } else {
                    tokio::time::sleep(POLL).await;
                }
                continue;
            }
            for m in claimed {
                let message = match cancel_reason(&m) {
                    Some(reason) => Err(Outcome::Cancelled {
                        reason: reason.to_owned(),
                    }),
                    None => {
                        let (title, minutes) = survey_title(&worker.db, &mut titles, &m).await?;
                        let email = m.email.clone().unwrap_or_default();
                        worker
                            .composer
                            .compose(&m, &email, (&title, minutes))
                            .map_err(|error| Outcome::Failed {
                                error,
                                undeliverable: false,
                            })
                    }
                };
                match message {
                    Err(outcome) => worker.record(m, outcome).await?,
                    Ok(message) => {
                        ticker.tick().await;
                        let permit = worker.semaphore.clone().acquire_owned().await;
                        let permit = permit.expect("the semaphore is never closed");
                        let worker = worker.clone();
                        in_flight.spawn(async move {
                            let delivery = worker.mailer.send(message).await;
                            drop(permit);
                            let outcome = outcome_of(&worker.config, m.attempts, delivery);
                            worker.record(m, outcome).await
                        });
                    }
                }
                // Collect finished sends, so an error surfaces promptly.
                while let Some(done) = in_flight.try_join_next() {
                    done.map_err(|e| WorkerError::Mail(format!("a send task failed: {e}")))??;
                }
            }
        }
        Ok(())
    }
    .await;
    let finished = join_all(&mut in_flight).await;
    result?;
    finished?;
    let stats = *worker.stats.lock().expect("stats lock");
    Ok(stats)
}

/// What every send task shares.
#[derive(Clone)]
struct Worker {
    db: Database,
    mailer: Arc<Mailer>,
    composer: Arc<Composer>,
    config: WorkerConfig,
    semaphore: Arc<Semaphore>,
    stats: Arc<Mutex<WorkerStats>>,
    progress: Arc<dyn Fn(&WorkerStats) + Send + Sync>,
}

impl Worker {
    /// Sends a batch of due notices to unit managers, one after the other
    /// at the worker's rate; how many it claimed.
    async fn send_notices(&self, ticker: &mut tokio::time::Interval) -> Result<usize, StoreError> {
        let (batch, lease) = (self.config.batch(), self.config.lease_ms);
        let notices = blocking(&self.db, move |c| managers::claim(c, batch, lease)).await?;
        let claimed = notices.len();
        for n in notices {
            let outcome = match self.composer.notice(&n) {
                Err(error) => Outcome::Failed {
                    error,
                    undeliverable: false,
                },
                Ok(message) => {
                    ticker.tick().await;
                    let delivery = self.mailer.send(message).await;
                    outcome_of(&self.config, n.attempts, delivery)
                }
            };
            let snapshot = {
                let mut stats = self.stats.lock().expect("stats lock");
                stats.count(&outcome);
                *stats
            };
            let id = n.id;
            blocking(&self.db, move |c| managers::record(c, id, &outcome)).await?;
            (self.progress)(&snapshot);
        }
        Ok(claimed)
    }

    /// Records one outcome in its own transaction, right after the relay
    /// answered, so that a crash re-sends as little as possible.
    async fn record(&self, m: Claimed, outcome: Outcome) -> Result<(), StoreError> {
        let snapshot = {
            let mut stats = self.stats.lock().expect("stats lock");
            stats.count(&outcome);
            *stats
        };
        blocking(&self.db, move |c| outbox::record(c, &[(m, outcome)])).await?;
        (self.progress)(&snapshot);
        Ok(())
    }
}

async fn join_all(set: &mut JoinSet<Result<(), StoreError>>) -> Result<(), WorkerError> {
    let mut first = Ok(());
    while let Some(done) = set.join_next().await {
        let r = done
            .map_err(|e| WorkerError::Mail(format!("a send task failed: {e}")))
            .and_then(|r| r.map_err(WorkerError::from));
        if first.is_ok() {
            first = r;
        }
    }
    first
}

fn outcome_of(config: &WorkerConfig, attempts: i32, delivery: Delivery) -> Outcome {
    match delivery {
        Delivery::Accepted => Outcome::Sent {
            at: outbox::now_ms(),
        },
        Delivery::Permanent(error) => Outcome::Failed {
            error,
            undeliverable: true,
        },
        Delivery::Temporary(error) if attempts as u32 >= config.max_attempts => Outcome::Failed {
            error: format!("gave up after {attempts} attempts: {error}"),
            undeliverable: false,
        },
        Delivery::Temporary(error) => Outcome::Retry {
            due_at: outbox::now_ms() + config.backoff_ms(attempts),
            error,
        },
    }
}

/// The survey's title in the message's language and the minutes answering
/// takes, cached per survey version and language.
async fn survey_title(
    db: &Database,
    cache: &mut HashMap<(i64, String), (String, u32)>,
    m: &Claimed,
) -> Result<(String, u32), StoreError> {
    let key = (m.survey_version_id, m.language.clone());
    if let Some(t) = cache.get(&key) {
        return Ok(t.clone());
    }
    let id = m.survey_version_id;
    let survey = blocking(db, move |c| surveys::get(c, id)?.survey()).await?;
    let lang = Language::from_code(&m.language).unwrap_or(Language::Sv);
    let entry = (
        survey.title.get(lang).to_owned(),
        survey.minutes_to_answer(),
    );
    cache.insert(key, entry.clone());
    Ok(entry)
}
