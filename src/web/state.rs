//! What every request shares: the database, the secret, a cache of survey
//! versions (immutable once published) and the limiter of link guesses.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Settings;
use crate::store::reader::Reader;
use crate::store::respondents::{self, Draft, GroupCommit, Submission, Submitted};
use crate::store::{Backend, Database, DbConnection, StoreError, outbox, surveys};
use crate::survey::Survey;
use crate::token::Secret;

/// Link misses a client may make: a burst of 20, then 20 per minute.
const MISSES_PER_MINUTE: u32 = 20;
/// Login attempts a client may make: a burst of 10, then 10 per minute.
const LOGINS_PER_MINUTE: u32 = 10;
/// New drafts a client may start: a burst of 30, then 30 per minute (an
/// office behind one address starts many; a script starting thousands to
/// fill the database is stopped).
const DRAFTS_PER_MINUTE: u32 = 30;

pub struct AppState {
    pub db: Database,
    pub secret: Secret,
    /// Cookies get `Secure` when the public address is https.
    pub secure_cookies: bool,
    surveys: Mutex<HashMap<i64, Arc<Survey>>>,
    /// Submissions are stored in groups by one thread (per instance).
    commits: GroupCommit,
    /// Short reads in bursts, on SQLite (see `store::reader`).
    reader: Option<Reader>,
    misses: DefaultKeyedRateLimiter<IpAddr>,
    logins: DefaultKeyedRateLimiter<IpAddr>,
    drafts: DefaultKeyedRateLimiter<IpAddr>,
    /// Sessions: idle and absolute lifetime (ms); logins: failures before a
    /// lockout and its length (ms).
    session_idle_ms: i64,
    session_max_ms: i64,
    login_max_failures: u32,
    login_lock_ms: i64,
    /// The smallest group shown where no wave fixes one.
    pub min_group_size: u32,
    /// The smallest group whose comments new waves show.
    pub comment_minimum: u32,
    /// The address people reach klimat at (links on code sheets).
    pub public_url: String,
    /// Proxies whose `X-Forwarded-For` names the client.
    proxies: Vec<IpAddr>,
    /// Who runs the survey and whom to ask, under every respondent page.
    pub about: super::pages::About,
    /// Studies whose headline cards are being computed in the background.
    headlines_running: Mutex<std::collections::HashSet<String>>,
    /// Single sign-on and whether passwords may be used.
    pub sso: super::staff::sso::SsoState,
}

impl AppState {
    pub fn new(db: Database, secret: Secret, settings: &Settings) -> AppState {
        let per_minute = NonZeroU32::new(MISSES_PER_MINUTE).expect("non-zero");
        let logins = NonZeroU32::new(LOGINS_PER_MINUTE).expect("non-zero");
        let ms = |secs: u64| (secs as i64).saturating_mul(1000);
        let commits = GroupCommit::start(db.clone());
        let reader = match db.backend {
            Backend::Sqlite(_) => Some(Reader::start(db.clone())),
            Backend::Postgres(_) => None,
        };
        AppState {
            commits,
            reader,
            db,
            secret,
            secure_cookies: settings.public_url.starts_with("https://"),
            surveys: Mutex::new(HashMap::new()),
            misses: RateLimiter::keyed(Quota::per_minute(per_minute)),
            logins: RateLimiter::keyed(Quota::per_minute(logins)),
            drafts: RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(DRAFTS_PER_MINUTE).expect("non-zero"),
            )),
            session_idle_ms: ms(settings.session_idle_secs),
            session_max_ms: ms(settings.session_max_secs),
            login_max_failures: settings.login_max_failures,
            login_lock_ms: ms(settings.login_lock_secs),
            min_group_size: settings.min_group_size,
            comment_minimum: settings.comment_minimum(),
            public_url: settings.public_url.clone(),
            proxies: settings.proxies().unwrap_or_default(),
            about: super::pages::About::of(settings),
            headlines_running: Mutex::new(Default::default()),
            sso: super::staff::sso::SsoState::new(settings, None),
        }
    }

    /// Whether the client may miss once more.
    pub fn allow_miss(&self, req: &HttpRequest) -> bool {
        self.misses.check_key(&self.client(req)).is_ok()
    }

    /// Whether the client may start one more draft.
    pub fn allow_new_draft(&self, req: &HttpRequest) -> bool {
        self.drafts.check_key(&self.client(req)).is_ok()
    }

    /// Whether the client may try to log in once more.
    pub fn allow_login(&self, req: &HttpRequest) -> bool {
        self.logins.check_key(&self.client(req)).is_ok()
    }

    /// A session's idle and absolute lifetime in ms.
    pub fn session_limits(&self) -> (i64, i64) {
        (self.session_idle_ms, self.session_max_ms)
    }

    /// Failures before a lockout, its length and a new session's idle
    /// lifetime, in ms.
    pub fn login_limits(&self) -> (u32, i64, i64) {
        (
            self.login_max_failures,
            self.login_lock_ms,
            self.session_idle_ms,
        )
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

    /// Runs a short read off the executor: on SQLite in a burst on the
    /// reader thread, which may answer from a snapshot a few milliseconds
    /// old (see `store::reader`); elsewhere like `with_db`.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, String> {
        let Some(reader) = &self.reader else {
            return self.with_db(f).await;
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        reader.run(Box::new(move |c| {
            let _ = tx.send(f(c).map_err(|e| e.to_string()));
        }));
        rx.await
            .map_err(|_| "the reader thread could not run the read".to_owned())?
    }

    /// Runs a use case with a pooled connection off the executor; its
    /// error keeps its kind (see `web::failure`).
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> crate::app::Result<T> + Send + 'static,
    ) -> crate::app::Result<T> {
        let db = self.db.clone();
        web::block(move || {
            let mut conn = db.get().map_err(crate::app::Error::from)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| crate::app::Error::Internal(anyhow::anyhow!("a database task failed: {e}")))?
    }

    /// Starts computing a study's headline cards in the background, unless
    /// that is under way already; the dashboard shows them once stored.
    pub fn compute_headlines(self: &std::sync::Arc<Self>, study: &str) {
        if !self
            .headlines_running
            .lock()
            .expect("headlines lock")
            .insert(study.to_owned())
        {
            return;
        }
        let (state, study) = (self.clone(), study.to_owned());
        actix_web::rt::spawn(async move {
            let (name, min) = (study.clone(), state.min_group_size);
            let done = state
                .call(move |c| crate::app::headlines::compute_headlines(c, &name, min))
                .await;
            if let Err(e) = done {
                log::warn!("computing the headlines of study {study}: {e}");
            }
            state
                .headlines_running
                .lock()
                .expect("headlines lock")
                .remove(&study);
        });
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

    /// Stores a submission through the group commit: on SQLite because one
    /// writer at a time holds the lock, on PostgreSQL because one commit
    /// (one WAL flush) per batch instead of per submission.
    pub async fn submit(&self, submission: Submission) -> Result<Submitted, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.commits.submit(
            submission,
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
        );
        rx.await
            .map_err(|_| "the submission was dropped".to_owned())?
    }

    pub async fn load_draft(&self, key: &str, wave_id: i64) -> Result<Option<Draft>, String> {
        let key = key.to_owned();
        self.with_db(move |c| respondents::load_draft(c, &key, wave_id, outbox::now_ms()))
            .await
    }

    /// A server error: logged, and a page in both languages that says
    /// nothing internal.
    pub fn error(&self, what: &str) -> HttpResponse {
        log::error!("{what}");
        let body = super::pages::render(
            "site.html",
            minijinja::context! {
                lang => "sv",
                t => minijinja::value::Serde(super::pages::words(crate::survey::Language::Sv)),
                title => "Något gick fel · Something went wrong",
                paragraphs => vec![
                    "Något gick fel på servern. Inget sparades; försök igen om en stund.",
                    "Something went wrong on the server. Nothing was saved; please try again in a while.",
                ],
                links => vec![minijinja::context! { href => "/", text => "Klimat" }],
                switch_url => "/?lang=en",
                other_lang => "en",
                other_lang_name => "English",
            },
        );
        HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR)
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

impl AppState {
    /// The client's address: the peer, or, when the peer is a trusted proxy,
    /// the right-most `X-Forwarded-For` entry that is not itself a trusted
    /// proxy (entries further left are whatever the client wrote).
    fn client(&self, req: &HttpRequest) -> IpAddr {
        let peer = req
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        client_address(
            peer,
            req.headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok()),
            &self.proxies,
        )
    }
}

fn client_address<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    proxies: &[IpAddr],
) -> IpAddr {
    if !proxies.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if proxies.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // Not from a proxy: the header is the client's own words.
        assert_eq!(
            client_address(ip("192.0.2.7"), ["203.0.113.9"].into_iter(), &proxies),
            ip("192.0.2.7")
        );
        // From a proxy: the right-most address that is not a proxy.
        let hops = ["198.51.100.1, 203.0.113.9", "10.0.0.2"];
        assert_eq!(
            client_address(ip("10.0.0.1"), hops.into_iter(), &proxies),
            ip("203.0.113.9")
        );
        // A proxy without the header, or with garbage, is itself the client.
        assert_eq!(
            client_address(ip("10.0.0.1"), std::iter::empty(), &proxies),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), ["junk"].into_iter(), &proxies),
            ip("10.0.0.1")
        );
    }
}
