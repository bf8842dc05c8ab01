//! What every request shares: the database, the secret, a cache of survey
//! versions (immutable once published) and the limiter of link guesses.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::store::Backend;
use crate::store::respondents::{self, Draft, GroupCommit, Submission, Submitted};
use crate::store::{Database, DbConnection, StoreError, outbox, surveys};
use crate::survey::Survey;
use crate::token::Secret;

/// Link misses a client may make: a burst of 20, then 20 per minute.
const MISSES_PER_MINUTE: u32 = 20;

pub struct AppState {
    pub db: Database,
    pub secret: Secret,
    /// Cookies get `Secure` when the public address is https.
    pub secure_cookies: bool,
    surveys: Mutex<HashMap<i64, Arc<Survey>>>,
    /// On SQLite, submissions are stored in groups by one thread.
    commits: Option<GroupCommit>,
    misses: DefaultKeyedRateLimiter<IpAddr>,
}

impl AppState {
    pub fn new(db: Database, secret: Secret, public_url: &str) -> AppState {
        let per_minute = NonZeroU32::new(MISSES_PER_MINUTE).expect("non-zero");
        let commits =
            matches!(db.backend, Backend::Sqlite(_)).then(|| GroupCommit::start(db.clone()));
        AppState {
            commits,
            db,
            secret,
            secure_cookies: public_url.starts_with("https://"),
            surveys: Mutex::new(HashMap::new()),
            misses: RateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }

    /// Whether the client may miss once more.
    pub fn allow_miss(&self, req: &HttpRequest) -> bool {
        let ip = req
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        self.misses.check_key(&ip).is_ok()
    }

    /// Runs `f` with a pooled connection on the blocking pool, off the async
    /// executor; a failure (of the pool, the query or the task) in words.
    pub async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, String> {
        let db = self.db.clone();
        web::block(move || f(&mut *db.get()?))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    /// A survey version, parsed once.
    pub async fn survey(&self, version_id: i64) -> Result<Arc<Survey>, String> {
        if let Some(s) = self.surveys.lock().expect("survey cache").get(&version_id) {
            return Ok(s.clone());
        }
        let survey = self
            .with_db(move |c| surveys::get(c, version_id)?.survey())
            .await?;
        let survey = Arc::new(survey);
        self.surveys
            .lock()
            .expect("survey cache")
            .insert(version_id, survey.clone());
        Ok(survey)
    }

    /// Stores a submission: through the group commit on SQLite, in its own
    /// transaction on PostgreSQL (where writers do not exclude each other).
    pub async fn submit(&self, submission: Submission) -> Result<Submitted, String> {
        match &self.commits {
            Some(commits) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                commits.submit(
                    submission,
                    Box::new(move |r| {
                        let _ = tx.send(r);
                    }),
                );
                rx.await
                    .map_err(|_| "the submission was dropped".to_owned())?
            }
            None => {
                self.with_db(move |c| respondents::submit(c, &submission))
                    .await
            }
        }
    }

    pub async fn load_draft(&self, key: &str, wave_id: i64) -> Result<Option<Draft>, String> {
        let key = key.to_owned();
        self.with_db(move |c| respondents::load_draft(c, &key, wave_id, outbox::now_ms()))
            .await
    }

    /// A server error: logged, and a page that says nothing internal.
    pub fn error(&self, what: &str) -> HttpResponse {
        log::error!("{what}");
        HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR)
            .content_type("text/plain; charset=utf-8")
            .body("Something went wrong on the server. Nothing was saved; please try again later.")
    }
}
