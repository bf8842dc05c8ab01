//! Staff login through the organisation's identity provider (OpenID
//! Connect, see [`crate::sso`]).
//!
//! `GET /staff/login/sso` starts a login: the state, nonce and PKCE verifier
//! go into a short-lived cookie signed with the server secret (so any
//! instance can finish it, and nothing is stored for abandoned logins), and
//! the browser goes to the provider. `GET /staff/login/sso/callback` checks
//! the cookie's signature, age and state, has the code exchanged and the ID
//! token verified, maps the groups to a role, creates the account on first
//! login (or updates its role), disables it when the provider no longer
//! grants any role, and opens a session as a password login does. Every
//! outcome is in the audit log.

#![allow(clippy::result_large_err)]

use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde::Deserialize;

use super::session::{LoginQuery, refusal, safe_next, session_cookie};
use super::{language, words};
use crate::auth::Role;
use crate::config::Settings;
use crate::sso::{Identity, Pending, Provider};
use crate::store::outbox::now_ms;
use crate::store::{StoreError, accounts};
use crate::token::Purpose;
use crate::web::AppState;

const SSO_COOKIE: &str = "klimat_sso";
/// Minutes a started login may take at the provider.
const PENDING_MINUTES: i64 = 10;
/// The audit log's name for logins whose person is not known yet.
const UNKNOWN: &str = "(single sign-on)";

/// What the server knows about single sign-on.
#[derive(Debug, Default)]
pub struct SsoState {
    pub provider: Option<Arc<Provider>>,
    /// Why the configured provider is unavailable (shown on the login page).
    pub problem: Option<String>,
    pub password_login: bool,
    /// The provider's name on the button.
    pub name: Option<String>,
}

impl SsoState {
    pub fn new(settings: &Settings, started: Option<Result<Arc<Provider>, String>>) -> SsoState {
        let (provider, problem) = match started {
            Some(Ok(p)) => (Some(p), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        SsoState {
            provider,
            problem,
            password_login: settings.password_login,
            name: settings.oidc_name.clone(),
        }
    }
}

pub async fn start(state: web::Data<AppState>, query: web::Query<LoginQuery>) -> HttpResponse {
    let Some(provider) = state.sso.provider.clone() else {
        return HttpResponse::SeeOther()
            .insert_header(("location", "/staff/login"))
            .finish();
    };
    let next = safe_next(query.next.as_deref());
    let (url, pending) = provider.begin();
    let value = seal(&state, &pending, &next, now_ms());
    HttpResponse::SeeOther()
        .insert_header(("location", url))
        .insert_header(("cache-control", "no-store"))
        .cookie(pending_cookie(value, state.secure_cookies))
        .finish()
}

/// The cookie goes back with the provider's redirect, a cross-site
/// navigation: SameSite=Lax, not Strict.
fn pending_cookie(value: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::build(SSO_COOKIE, value)
        .path("/staff/login/sso")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    c.set_max_age(CookieDuration::minutes(PENDING_MINUTES));
    c
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn unb64(s: &str) -> Option<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

/// `state.nonce.verifier.started.next.mac`, each part base64url.
fn seal(state: &AppState, p: &Pending, next: &str, now: i64) -> String {
    let body = [
        b64(&p.state),
        b64(&p.nonce),
        b64(&p.verifier),
        b64(&now.to_string()),
        b64(next),
    ]
    .join(".");
    let mac = state.secret.mac(Purpose::SsoLogin, &body);
    format!("{body}.{mac}")
}

/// The pending login of a cookie, if its signature holds and it is recent.
fn unseal(state: &AppState, value: &str, now: i64) -> Option<(Pending, String)> {
    let (body, mac) = value.rsplit_once('.')?;
    if !crate::token::constant_time_eq(&state.secret.mac(Purpose::SsoLogin, body), mac) {
        return None;
    }
    let parts: Vec<String> = body.split('.').map(unb64).collect::<Option<_>>()?;
    let [st, nonce, verifier, started, next] = parts.as_slice() else {
        return None;
    };
    let started: i64 = started.parse().ok()?;
    if now - started > PENDING_MINUTES * 60_000 || started > now + 60_000 {
        return None;
    }
    Some((
        Pending {
            state: st.clone(),
            nonce: nonce.clone(),
            verifier: verifier.clone(),
        },
        safe_next(Some(next)),
    ))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    /// RFC 9207: the issuer of the answer, checked when the provider sends it.
    iss: Option<String>,
}

/// The login page with `key`'s message, the pending login's cookie removed,
/// and `detail` in the audit log.
async fn refuse(
    req: &HttpRequest,
    state: &AppState,
    gone: &Cookie<'static>,
    status: StatusCode,
    key: &'static str,
    detail: String,
) -> HttpResponse {
    let now = now_ms();
    if let Err(e) = state
        .with_db(move |c| accounts::audit(c, UNKNOWN, "login.failed", &detail, now))
        .await
    {
        return state.error(&format!("single sign-on: {e}"));
    }
    let mut r = refusal(req, status, words::pick(language(req), key));
    let _ = r.add_cookie(gone);
    r
}

/// Why a single sign-on login ended without a session.
enum Refusal {
    NoRole,
    Disabled,
    Locked,
    UnknownUnit,
}

pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> HttpResponse {
    let lang = language(&req);
    let query = query.into_inner();
    let now = now_ms();
    // The pending login is used once, whatever happens next.
    let mut gone = pending_cookie(String::new(), state.secure_cookies);
    gone.set_max_age(CookieDuration::ZERO);
    let fail = |status: StatusCode, key: &'static str, detail: String| {
        refuse(&req, &state, &gone, status, key, detail)
    };
    let Some(provider) = state.sso.provider.clone() else {
        return fail(
            StatusCode::NOT_FOUND,
            "sso_unavailable",
            "single sign-on is not available".into(),
        )
        .await;
    };
    if let Some(error) = &query.error {
        let detail = format!(
            "the provider answered {error}: {}",
            query.error_description.as_deref().unwrap_or("")
        );
        return fail(StatusCode::UNAUTHORIZED, "sso_provider_refused", detail).await;
    }
    let Some((pending, next)) = req
        .cookie(SSO_COOKIE)
        .and_then(|c| unseal(&state, c.value(), now))
    else {
        return fail(
            StatusCode::BAD_REQUEST,
            "sso_expired",
            "single sign-on: no valid pending login (expired, replayed or started elsewhere)"
                .into(),
        )
        .await;
    };
    let (Some(code), Some(returned)) = (query.code, query.state) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "sso_expired",
            "single sign-on: the answer has no code or state".into(),
        )
        .await;
    };
    if let Some(iss) = &query.iss
        && iss.trim_end_matches('/') != provider.issuer.trim_end_matches('/')
    {
        return fail(
            StatusCode::BAD_REQUEST,
            "sso_expired",
            format!("single sign-on: the answer comes from issuer {iss}, not the one configured"),
        )
        .await;
    }
    if !crate::token::constant_time_eq(&pending.state, &returned) {
        return fail(
            StatusCode::BAD_REQUEST,
            "sso_expired",
            "single sign-on: the state does not match the login started".into(),
        )
        .await;
    }
    if !state.allow_login(&req) {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "login_too_many",
            "single sign-on: too many logins from this client".into(),
        )
        .await;
    }
    let p = provider.clone();
    let identity = match web::block(move || p.finish(&pending, &code)).await {
        Ok(Ok(identity)) => identity,
        Ok(Err(e)) => {
            log::warn!("single sign-on refused: {e}");
            return fail(StatusCode::UNAUTHORIZED, "sso_failed", e.to_string()).await;
        }
        Err(e) => return state.error(&format!("single sign-on: {e}")),
    };
    // The access log has the whole request's time; this is the provider's
    // share of it (benches/sso.sh subtracts it).
    log::info!("single sign-on: provider_ms={:.3}", identity.provider_ms);
    let grant = provider.roles.grant(&identity.groups);
    let (_, _, idle) = state.login_limits();
    let key = crate::token::random_key();
    let session_key = key.clone();
    let outcome = state
        .with_db(move |c| sign_in(c, &identity, grant, &session_key, now, idle))
        .await;
    match outcome {
        Ok(Ok(())) => {
            let mut r = HttpResponse::SeeOther()
                .insert_header(("location", next))
                .cookie(session_cookie(key, state.secure_cookies))
                .finish();
            let _ = r.add_cookie(&gone);
            r
        }
        Ok(Err(refused)) => {
            let (status, key) = match refused {
                Refusal::NoRole => (StatusCode::FORBIDDEN, "sso_no_role"),
                Refusal::Disabled | Refusal::Locked => (StatusCode::FORBIDDEN, "login_failed"),
                Refusal::UnknownUnit => (StatusCode::FORBIDDEN, "sso_unknown_unit"),
            };
            let mut r = refusal(&req, status, words::pick(lang, key));
            let _ = r.add_cookie(&gone);
            r
        }
        Err(e) => state.error(&format!("single sign-on: {e}")),
    }
}

/// The account side of a verified identity, in the database: all of it is
/// audited under the person's address.
fn sign_in(
    c: &mut crate::store::DbConnection,
    identity: &Identity,
    grant: Option<(Role, Option<String>)>,
    session_key: &str,
    now: i64,
    idle: i64,
) -> Result<Result<(), Refusal>, StoreError> {
    let email = identity.email.as_str();
    let row = accounts::user_row(c, email)?;
    let groups = identity.groups.join(", ");
    let Some((role, unit)) = grant else {
        if let Some(row) = &row
            && !row.disabled
        {
            accounts::set_disabled(c, email, true)?;
            accounts::audit(
                c,
                UNKNOWN,
                "user.disable",
                &format!("{email}: the identity provider grants no klimat role (groups: {groups})"),
                now,
            )?;
        }
        accounts::audit(
            c,
            email,
            "login.refused",
            &format!("single sign-on: no group maps to a role (groups: {groups})"),
            now,
        )?;
        return Ok(Err(Refusal::NoRole));
    };
    let scope = match &unit {
        None => None,
        Some(code) => match crate::store::units::all(c)?
            .into_iter()
            .find(|u| &u.code == code)
        {
            Some(u) => Some(u.id),
            None => {
                accounts::audit(
                    c,
                    email,
                    "login.refused",
                    &format!(
                        "single sign-on: oidc_roles names unit `{code}`, which does not exist"
                    ),
                    now,
                )?;
                return Ok(Err(Refusal::UnknownUnit));
            }
        },
    };
    let id = match row {
        None => {
            let address = crate::email::Email::parse(email)
                .map_err(|e| StoreError::Invalid(crate::said::Said::both(e.to_string())))?;
            // No password: the hash matches none, so only the provider logs it in.
            let user = accounts::add_user(c, &address, role, "sso", now, scope)?;
            accounts::audit(
                c,
                UNKNOWN,
                "user.add",
                &format!("{email} as {role} by single sign-on (groups: {groups})"),
                now,
            )?;
            user.id
        }
        Some(row) => {
            if row.disabled {
                accounts::audit(c, email, "login.refused", "single sign-on: disabled", now)?;
                return Ok(Err(Refusal::Disabled));
            }
            if row.locked_until.is_some_and(|t| t > now) {
                accounts::audit(c, email, "login.refused", "single sign-on: locked", now)?;
                return Ok(Err(Refusal::Locked));
            }
            if row.role != role.as_str() || row.scope_unit_id != scope {
                accounts::set_role(c, row.id, role, scope)?;
                accounts::audit(
                    c,
                    UNKNOWN,
                    "user.role",
                    &format!(
                        "{email}: {} → {role}{} by single sign-on",
                        row.role,
                        unit.as_deref()
                            .map(|u| format!(" of {u}"))
                            .unwrap_or_default()
                    ),
                    now,
                )?;
            }
            row.id
        }
    };
    accounts::open_session(c, id, session_key, now, idle)?;
    accounts::audit(
        c,
        email,
        "login",
        &format!("single sign-on (subject {})", identity.subject),
        now,
    )?;
    Ok(Ok(()))
}
