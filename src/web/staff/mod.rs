//! The staff pages under `/staff`: login, studies and waves for evaluators,
//! the dashboard for leadership, administration. Sessions live in the
//! database (shared by every instance); every state-changing form carries the
//! session's CSRF token; every role is checked on the server.

// Refusals are early returns of a whole response; boxing one buys nothing.
#![allow(clippy::result_large_err)]

mod pages;
mod session;
mod words;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::AppState;
use crate::auth::Role;
use crate::survey::Language;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/login", web::get().to(session::login_page))
        .route("/staff/login", web::post().to(session::login))
        .route("/staff/logout", web::post().to(session::logout))
        .route("/staff", web::get().to(pages::studies))
        .route("/staff/studies/{name}", web::get().to(pages::study))
        .route(
            "/staff/studies/{name}/dashboard",
            web::get().to(pages::dashboard),
        )
        .route("/staff/studies/{name}/report", web::get().to(pages::report))
        .route(
            "/staff/studies/{name}/report.{format}",
            web::get().to(pages::report_file),
        )
        .route("/staff/waves/{id}", web::get().to(pages::wave))
        .route(
            "/staff/waves/{id}/responses.csv",
            web::get().to(pages::export),
        )
        .route(
            "/staff/waves/{id}/{action}",
            web::post().to(pages::wave_action),
        )
        .route("/staff/admin", web::get().to(pages::admin))
        .route("/staff/admin/users", web::post().to(pages::add_user))
        .route("/staff/admin/units", web::post().to(pages::import_units))
        .route(
            "/staff/admin/users/{email}/{action}",
            web::post().to(pages::user_action),
        )
        .route(
            "/staff/admin/waves/{id}/purge",
            web::post().to(pages::purge),
        );
}

/// The signed-in person behind a request.
#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    pub email: String,
    pub role: Role,
    #[serde(skip)]
    pub csrf: String,
}

impl Staff {
    pub fn may(&self, role: Role) -> bool {
        self.role.allows(role)
    }
}

/// The reader's language: `?lang=`, then the `klimat_lang` cookie, then the
/// browser's first choice; Swedish unless English is asked for.
pub fn language(req: &HttpRequest) -> Language {
    let query =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("lang").cloned());
    let cookie = req.cookie("klimat_lang").map(|c| c.value().to_owned());
    let header = req
        .headers()
        .get("accept-language")
        .and_then(|h| h.to_str().ok())
        .map(|h| h.trim_start().get(..2).unwrap_or("").to_owned());
    for choice in [query, cookie, header].into_iter().flatten() {
        if let Some(lang) = Language::from_code(&choice) {
            return lang;
        }
    }
    Language::Sv
}

/// Refuses a form whose CSRF token is not the session's.
pub fn check_csrf(staff: &Staff, sent: &str) -> Result<(), HttpResponse> {
    if !sent.is_empty() && crate::token::constant_time_eq(sent, &staff.csrf) {
        Ok(())
    } else {
        Err(plain(
            StatusCode::FORBIDDEN,
            "The form was not accepted (it is out of date or did not come from klimat). Reload the page and try again.",
        ))
    }
}

/// The signed-in person if they may act as `role`; otherwise the response
/// to send: a redirect to the login page, or 403.
pub async fn require(
    req: &HttpRequest,
    state: &AppState,
    role: Role,
) -> Result<Staff, HttpResponse> {
    let Some(staff) = session::current(req, state).await? else {
        let next = format!("{}{}", req.path(), query_suffix(req));
        let to = format!("/staff/login?next={}", url_escape(&next));
        return Err(HttpResponse::SeeOther()
            .insert_header(("location", to))
            .finish());
    };
    if !staff.may(role) {
        let lang = language(req);
        return Err(HttpResponse::build(StatusCode::FORBIDDEN)
            .content_type("text/html; charset=utf-8")
            .body(pages::message_page(
                &staff,
                lang,
                req,
                words::pick(lang, "forbidden_title"),
                words::pick(lang, "forbidden"),
            )));
    }
    Ok(staff)
}

fn query_suffix(req: &HttpRequest) -> String {
    if req.query_string().is_empty() {
        String::new()
    } else {
        format!("?{}", req.query_string())
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn url_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn plain(status: StatusCode, text: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(text.to_owned())
}
