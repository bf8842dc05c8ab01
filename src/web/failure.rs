//! The web's one error boundary. Every use case returns an [`app::Error`];
//! here it becomes an HTTP status and either an RFC 9457 problem (the API)
//! or a styled page in the reader's language (`staff::page`, the site's own
//! pages). What a user can cause is a 404, 409 or 422 with its reason; only
//! what no user can fix is a 500, logged in full and said nothing about.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app;
use crate::survey::Language;

/// The status an error answers with.
pub fn status(e: &app::Error) -> StatusCode {
    match e {
        app::Error::NotFound(_) => StatusCode::NOT_FOUND,
        app::Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        app::Error::Conflict(_) => StatusCode::CONFLICT,
        app::Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs a server error with the request it failed.
pub fn log(req: &HttpRequest, e: &app::Error) {
    if let app::Error::Internal(inner) = e {
        log::error!("{} {}: {inner:#}", req.method(), req.path());
    }
}

/// An error as RFC 9457 problem details (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request path.
    pub instance: String,
    /// Every problem with the input (a line and column where there is one);
    /// nothing was changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A problem response of `status`, kind `kind`.
pub fn problem_response(
    req: &HttpRequest,
    status: StatusCode,
    kind: &str,
    detail: impl Into<String>,
    problems: Vec<String>,
) -> HttpResponse {
    let body = Problem {
        kind: format!("https://klimat.example/problems/{kind}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        instance: req.path().to_owned(),
        problems,
    };
    let mut r = HttpResponse::build(status);
    r.content_type("application/problem+json");
    if status == StatusCode::UNAUTHORIZED {
        r.insert_header(("www-authenticate", "Bearer realm=\"klimat\""));
    }
    r.body(serde_json::to_string(&body).expect("a problem serialises"))
}

/// The API's language: Swedish when the client asks for it first, else
/// English.
pub fn api_language(req: &HttpRequest) -> Language {
    let first = req
        .headers()
        .get("accept-language")
        .and_then(|h| h.to_str().ok())
        .map(|h| h.trim_start().get(..2).unwrap_or("").to_owned());
    match first.as_deref() {
        Some("sv") => Language::Sv,
        _ => Language::En,
    }
}

/// The problem for an error.
pub fn problem(req: &HttpRequest, e: &app::Error) -> HttpResponse {
    log(req, e);
    let lang = api_language(req);
    let status = status(e);
    let kind = match e {
        app::Error::NotFound(_) => "not-found",
        app::Error::Invalid { .. } => "invalid",
        app::Error::Conflict(_) => "conflict",
        app::Error::Internal(_) => "internal",
    };
    let detail = match e.said() {
        Some(s) => s.get(lang).to_owned(),
        None => match lang {
            Language::Sv => "Något gick fel på servern; inget ändrades. Försök igen senare.".into(),
            Language::En => {
                "Something went wrong on the server; nothing was changed. Try again later.".into()
            }
        },
    };
    let problems = e
        .problems()
        .iter()
        .map(|p| p.get(lang).to_owned())
        .collect();
    problem_response(req, status, kind, detail, problems)
}
