//! Logging in and out, and the session behind a request.
//!
//! The session cookie holds a random key; the database holds its hash, the
//! account and the CSRF token. Login attempts are limited per client address
//! (governor, in memory) and per account (a lockout in the database, so it
//! holds across instances). A login takes as long for an unknown address as
//! for a wrong password.

// Refusals are early returns of a whole response; boxing one buys nothing.
#![allow(clippy::result_large_err)]

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{Page, Staff, language, words};
use crate::auth::{decoy_hash, verify_password};
use crate::store::accounts;
use crate::store::outbox::now_ms;
use crate::web::AppState;

pub(super) const SESSION_COOKIE: &str = "klimat_session";
const LOGIN_CSRF_COOKIE: &str = "klimat_login";

/// The live session of the request's cookie, if any; an error response when
/// the database cannot say.
pub async fn current(req: &HttpRequest, state: &AppState) -> Result<Option<Staff>, HttpResponse> {
    let Some(key) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    if !crate::token::well_formed(&key) {
        return Ok(None);
    }
    let (idle, max) = state.session_limits();
    let found = state
        .with_db(move |c| accounts::session(c, &key, now_ms(), idle, max))
        .await
        .map_err(|e| state.error(&format!("reading a session: {e}")))?;
    Ok(found.map(|s| Staff {
        email: s.user.email,
        role: s.user.role,
        csrf: s.csrf,
        scope: s.user.scope,
    }))
}

/// The login page's document.
fn login_body(
    req: &HttpRequest,
    next: &str,
    login_csrf: &str,
    email: &str,
    error: Option<&str>,
) -> String {
    let page = Page::new(req, None);
    let sso = req.app_data::<web::Data<AppState>>().map(|s| &s.sso);
    let sso_label = sso.filter(|s| s.provider.is_some()).map(|s| {
        let name = s
            .name
            .clone()
            .unwrap_or_else(|| page.t("sso_default_name").to_owned());
        format!("{} {name}", page.t("sso_login_with"))
    });
    let sso_down = sso.is_some_and(|s| s.problem.is_some());
    crate::web::pages::render(
        "staff/login.html",
        minijinja::context! {
            next => next,
            login_csrf => login_csrf,
            email => email,
            error => error,
            sso_label => sso_label,
            sso_start => format!("/staff/login/sso?next={}", super::url_escape(next)),
            sso_down => sso_down,
            password_login => sso.is_none_or(|s| s.password_login),
            ..page.context(page.t("login_title"))
        },
    )
}

/// The login page again with `message`, a fresh login form token, and
/// `status`.
pub(super) fn refusal(req: &HttpRequest, status: StatusCode, message: &str) -> HttpResponse {
    login_again(req, status, "/staff", "", message)
}

/// The login page with `message`, the address typed and where to go next.
fn login_again(
    req: &HttpRequest,
    status: StatusCode,
    next: &str,
    email: &str,
    message: &str,
) -> HttpResponse {
    let token = crate::token::random_key();
    let body = login_body(req, next, &token, email, Some(message));
    with_login_cookie(HttpResponse::build(status), req, token).body(body)
}

#[derive(Deserialize)]
pub struct LoginQuery {
    pub(super) next: Option<String>,
}

/// Only a path inside /staff may be the destination after login.
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/staff")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/staff".to_owned(),
    }
}

pub async fn login_page(req: HttpRequest, query: web::Query<LoginQuery>) -> HttpResponse {
    let token = crate::token::random_key();
    let body = login_body(&req, &safe_next(query.next.as_deref()), &token, "", None);
    with_login_cookie(HttpResponse::Ok(), &req, token).body(body)
}

fn with_login_cookie(
    mut builder: actix_web::HttpResponseBuilder,
    req: &HttpRequest,
    token: String,
) -> actix_web::HttpResponseBuilder {
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.secure_cookies);
    builder
        .content_type("text/html; charset=utf-8")
        .cookie(
            Cookie::build(LOGIN_CSRF_COOKIE, token)
                .path("/staff/login")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Strict)
                .finish(),
        )
        // The language chosen on the login page stays after logging in.
        .cookie(
            Cookie::build("klimat_lang", language(req).code())
                .path("/staff")
                .http_only(true)
                .same_site(SameSite::Lax)
                .finish(),
        );
    builder
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let lang = language(&req);
    let form = form.into_inner();
    let next = safe_next(Some(&form.next));
    let retry =
        |status: StatusCode, message: &str| login_again(&req, status, &next, &form.email, message);
    if !state.sso.password_login {
        return retry(
            StatusCode::FORBIDDEN,
            words::pick(lang, "password_login_off"),
        );
    }
    let cookie_token = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    if cookie_token
        .is_none_or(|t| form.csrf.is_empty() || !crate::token::constant_time_eq(&t, &form.csrf))
    {
        return retry(StatusCode::FORBIDDEN, words::pick(lang, "login_expired"));
    }
    if !state.allow_login(&req) {
        return retry(
            StatusCode::TOO_MANY_REQUESTS,
            words::pick(lang, "login_too_many"),
        );
    }
    // What was typed goes into the audit log: an address at most.
    let email: String = form.email.trim().to_lowercase().chars().take(254).collect();
    let password = form.password.clone();
    let (max_failures, lock_ms, idle) = state.login_limits();
    let key = crate::token::random_key();
    let session_key = key.clone();
    let outcome = state
        .with_db(move |c| {
            let now = now_ms();
            let row = accounts::user_row(c, &email)?;
            let Some(row) = row else {
                verify_password(&password, decoy_hash());
                accounts::audit(c, &email, "login.failed", "no such account", now)?;
                return Ok(None);
            };
            let locked = row.locked_until.is_some_and(|t| t > now);
            let ok = verify_password(&password, &row.password_hash);
            if row.disabled || locked {
                let why = if row.disabled { "disabled" } else { "locked" };
                accounts::audit(c, &email, "login.refused", why, now)?;
                return Ok(None);
            }
            if !ok {
                let locked = accounts::login_failed(c, row.id, now, max_failures, lock_ms)?;
                let detail = if locked {
                    "wrong password; account locked"
                } else {
                    "wrong password"
                };
                accounts::audit(c, &email, "login.failed", detail, now)?;
                return Ok(None);
            }
            accounts::open_session(c, row.id, &session_key, now, idle)?;
            accounts::audit(c, &email, "login", "", now)?;
            Ok(Some(()))
        })
        .await;
    match outcome {
        Ok(Some(())) => HttpResponse::SeeOther()
            .insert_header(("location", next))
            .cookie(session_cookie(key, state.secure_cookies))
            .finish(),
        Ok(None) => retry(StatusCode::UNAUTHORIZED, words::pick(lang, "login_failed")),
        Err(e) => state.error(&format!("login: {e}")),
    }
}

pub(super) fn session_cookie(key: String, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, key)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let staff = match current(&req, &state).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return HttpResponse::SeeOther()
                .insert_header(("location", "/staff/login"))
                .finish();
        }
        Err(r) => return r,
    };
    if let Err(r) = super::check_csrf(&req, &staff, &form.csrf) {
        return r;
    }
    let key = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let email = staff.email.clone();
    let done = state
        .with_db(move |c| {
            accounts::close_session(c, &key)?;
            accounts::audit(c, &email, "logout", "", now_ms())
        })
        .await;
    if let Err(e) = done {
        return state.error(&format!("logout: {e}"));
    }
    let mut gone = session_cookie(String::new(), state.secure_cookies);
    gone.set_max_age(CookieDuration::ZERO);
    HttpResponse::SeeOther()
        .insert_header(("location", "/staff/login"))
        .cookie(gone)
        .finish()
}
