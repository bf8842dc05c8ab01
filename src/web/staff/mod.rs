//! The staff pages under `/staff`: login, studies and waves for evaluators,
//! the dashboard for leadership, administration. Sessions live in the
//! database (shared by every instance); every state-changing form carries the
//! session's CSRF token; every role is checked on the server.

// Refusals are early returns of a whole response; boxing one buys nothing.
#![allow(clippy::result_large_err)]

mod admin;
mod adoption;
mod comments;
mod dashboard;
mod design;
mod exports;
mod feedback;
mod page;
mod reorganise;
mod reports;
mod rollout_design;
mod roster;
mod session;
pub(crate) mod sso;
mod studies;
mod surveys;
mod waves;
mod words;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::AppState;
use crate::auth::Role;
use crate::survey::Language;
pub use page::Page;
pub use roster::UPLOAD_LIMIT;

/// The staff pages' templates, registered with the site's.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "staff/layout.html",
        include_str!("../templates/staff/layout.html"),
    ),
    (
        "staff/message.html",
        include_str!("../templates/staff/message.html"),
    ),
    (
        "staff/login.html",
        include_str!("../templates/staff/login.html"),
    ),
    (
        "staff/studies.html",
        include_str!("../templates/staff/studies.html"),
    ),
    (
        "staff/adoption.html",
        include_str!("../templates/staff/adoption.html"),
    ),
    (
        "staff/rollout_design.html",
        include_str!("../templates/staff/rollout_design.html"),
    ),
    (
        "staff/study.html",
        include_str!("../templates/staff/study.html"),
    ),
    (
        "staff/study_form.html",
        include_str!("../templates/staff/study_form.html"),
    ),
    (
        "staff/wave.html",
        include_str!("../templates/staff/wave.html"),
    ),
    (
        "staff/wave_form.html",
        include_str!("../templates/staff/wave_form.html"),
    ),
    (
        "staff/confirm.html",
        include_str!("../templates/staff/confirm.html"),
    ),
    (
        "staff/roster.html",
        include_str!("../templates/staff/roster.html"),
    ),
    (
        "staff/surveys.html",
        include_str!("../templates/staff/surveys.html"),
    ),
    (
        "staff/survey_check.html",
        include_str!("../templates/staff/survey_check.html"),
    ),
    (
        "staff/report.html",
        include_str!("../templates/staff/report.html"),
    ),
    (
        "staff/scores.html",
        include_str!("../templates/staff/scores.html"),
    ),
    (
        "staff/comments.html",
        include_str!("../templates/staff/comments.html"),
    ),
    (
        "staff/feedback.html",
        include_str!("../templates/staff/feedback.html"),
    ),
    (
        "staff/feedback_list.html",
        include_str!("../templates/staff/feedback_list.html"),
    ),
    (
        "staff/design.html",
        include_str!("../templates/staff/design.html"),
    ),
    (
        "staff/dashboard.html",
        include_str!("../templates/staff/dashboard.html"),
    ),
    (
        "staff/admin.html",
        include_str!("../templates/staff/admin.html"),
    ),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/login", web::get().to(session::login_page))
        .route("/staff/login", web::post().to(session::login))
        .route("/staff/login/sso", web::get().to(sso::start))
        .route(crate::sso::CALLBACK_PATH, web::get().to(sso::callback))
        .route("/staff/logout", web::post().to(session::logout))
        .route("/staff", web::get().to(studies::list))
        .route("/staff/", web::get().to(studies::list))
        .route("/staff/studies/new", web::get().to(studies::new_form))
        .route("/staff/studies", web::post().to(studies::create))
        .route("/staff/studies/{name}", web::get().to(studies::show))
        .route(
            "/staff/studies/{name}/adoption",
            web::get().to(adoption::form),
        )
        .route(
            "/staff/studies/{name}/adoption",
            web::post().to(adoption::save),
        )
        .route(
            "/staff/studies/{name}/roll-out",
            web::get().to(rollout_design::show),
        )
        .route(
            "/staff/studies/{name}/roll-out",
            web::post().to(rollout_design::record),
        )
        .route(
            "/staff/studies/{name}/edit",
            web::get().to(studies::edit_form),
        )
        .route(
            "/staff/studies/{name}/edit",
            web::post().to(studies::update),
        )
        .route(
            "/staff/studies/{name}/delete",
            web::get().to(studies::delete_confirm),
        )
        .route(
            "/staff/studies/{name}/delete",
            web::post().to(studies::delete),
        )
        .route(
            "/staff/studies/{name}/dashboard",
            web::get().to(dashboard::show),
        )
        .route(
            "/staff/studies/{name}/report",
            web::get().to(reports::effect),
        )
        .route(
            "/staff/studies/{name}/report.{format}",
            web::get().to(reports::effect_file),
        )
        .route(
            "/staff/studies/{name}/waves/new",
            web::get().to(waves::new_form),
        )
        .route("/staff/studies/{name}/waves", web::post().to(waves::create))
        .route("/staff/waves/{id}", web::get().to(waves::show))
        .route("/staff/waves/{id}/edit", web::get().to(waves::edit_form))
        .route("/staff/waves/{id}/edit", web::post().to(waves::update))
        .route(
            "/staff/waves/{id}/delete",
            web::get().to(waves::delete_confirm),
        )
        .route("/staff/waves/{id}/delete", web::post().to(waves::delete))
        .route("/staff/waves/{id}/open", web::post().to(waves::open))
        .route(
            "/staff/waves/{id}/close",
            web::get().to(waves::close_confirm),
        )
        .route("/staff/waves/{id}/close", web::post().to(waves::close))
        .route("/staff/waves/{id}/send", web::post().to(waves::send))
        .route("/staff/waves/{id}/remind", web::post().to(waves::remind))
        .route(
            "/staff/waves/{id}/responses.{ext}",
            web::get().to(exports::wave),
        )
        .route(
            "/staff/studies/{name}/responses.{ext}",
            web::get().to(exports::study),
        )
        .route(
            "/staff/studies/{name}/aggregate.{ext}",
            web::get().to(exports::aggregate),
        )
        .route("/staff/waves/{id}/scores", web::get().to(reports::scores))
        .route("/staff/waves/{id}/comments", web::get().to(comments::show))
        .route(
            "/staff/studies/{name}/feedback",
            web::get().to(feedback::list),
        )
        .route(
            "/staff/studies/{name}/feedback/managers",
            web::post().to(feedback::managers),
        )
        .route(
            "/staff/studies/{name}/feedback/notify",
            web::post().to(feedback::notify),
        )
        .route(
            "/staff/studies/{name}/feedback/{code}",
            web::get().to(feedback::show),
        )
        .route(
            "/staff/waves/{id}/comments.csv",
            web::get().to(comments::csv),
        )
        .route("/staff/waves/{id}/roster", web::get().to(roster::show))
        .route("/staff/waves/{id}/roster", web::post().to(roster::upload))
        .route("/staff/waves/{id}/codes", web::post().to(roster::add_codes))
        .route("/staff/waves/{id}/codes.html", web::get().to(roster::sheet))
        .route(
            "/staff/waves/{id}/answers",
            web::post().to(roster::import_answers),
        )
        .route("/staff/surveys", web::get().to(surveys::list))
        .route("/staff/surveys", web::post().to(surveys::publish))
        .route("/staff/surveys/check", web::post().to(surveys::check))
        .route("/staff/surveys/preview", web::post().to(surveys::preview))
        .route("/staff/design", web::get().to(design::show))
        .route("/staff/admin", web::get().to(admin::show))
        .route("/staff/admin/users", web::post().to(admin::add_user))
        .route("/staff/admin/units", web::post().to(reorganise::import))
        .route(
            "/staff/admin/units/changes",
            web::post().to(reorganise::record),
        )
        .route(
            "/staff/admin/users/{email}/disable",
            web::post().to(admin::disable_user),
        )
        .route(
            "/staff/admin/users/{email}/enable",
            web::post().to(admin::enable_user),
        )
        .route(
            "/staff/admin/waves/{id}/purge",
            web::post().to(admin::purge),
        );
}

/// The signed-in person behind a request.
#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    pub email: String,
    pub role: Role,
    #[serde(skip)]
    pub csrf: String,
    /// A viewer limited to this unit (its id) and everything under it.
    #[serde(skip)]
    pub scope: Option<i64>,
}

impl Staff {
    pub fn may(&self, role: Role) -> bool {
        self.role.allows(role)
    }

    /// Comments are for evaluators and for viewers limited to a unit; a
    /// viewer of the whole organisation reads figures only.
    pub fn reads_comments(&self) -> bool {
        self.may(Role::Evaluator) || self.scope.is_some()
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
pub fn check_csrf(req: &HttpRequest, staff: &Staff, sent: &str) -> Result<(), HttpResponse> {
    if !sent.is_empty() && crate::token::constant_time_eq(sent, &staff.csrf) {
        Ok(())
    } else {
        let page = Page::new(req, Some(staff));
        Err(page.message(
            StatusCode::FORBIDDEN,
            page.t("csrf_title"),
            page.t("csrf"),
            &[],
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
        let page = Page::new(req, Some(&staff));
        return Err(page.message(
            StatusCode::FORBIDDEN,
            page.t("forbidden_title"),
            page.t("forbidden"),
            &[],
        ));
    }
    Ok(staff)
}

/// The signed-in person for a form that changes something: the role, then
/// the session's CSRF token.
pub async fn require_form(
    req: &HttpRequest,
    state: &AppState,
    role: Role,
    csrf: &str,
) -> Result<Staff, HttpResponse> {
    let staff = require(req, state, role).await?;
    check_csrf(req, &staff, csrf)?;
    Ok(staff)
}

impl Staff {
    /// The actor of the use cases this person runs.
    pub fn actor(&self) -> crate::app::Actor {
        crate::app::Actor::Staff(self.email.clone())
    }
}

/// A change from a form: the role and the session's CSRF token, then the
/// use case (given the acting person) off the executor, then a redirect to
/// `location(result)`; an error is a page.
pub async fn act<T: Send + 'static>(
    req: &HttpRequest,
    state: &AppState,
    role: Role,
    csrf: &str,
    work: impl FnOnce(&mut crate::store::DbConnection, &crate::app::Actor) -> crate::app::Result<T>
    + Send
    + 'static,
    location: impl FnOnce(T) -> String,
) -> HttpResponse {
    let staff = match require_form(req, state, role, csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = staff.actor();
    match state.call(move |c| work(c, &actor)).await {
        Ok(v) => page::see_other(location(v)),
        Err(e) => Page::new(req, Some(&staff)).fail(req, e),
    }
}

/// The staff member or the response to send instead (a redirect to the
/// login page, a 403 page).
macro_rules! staff_or_return {
    ($e:expr) => {
        match $e.await {
            Ok(s) => s,
            Err(r) => return r,
        }
    };
}
pub(crate) use staff_or_return;

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
