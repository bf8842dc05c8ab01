//! The site's own pages: the home page that says what this server is, the
//! favicon, and the pages for an address that leads nowhere or a request
//! klimat cannot read (a path segment that is not a number, a form that is
//! not what the page sent) — styled, in the reader's language, with a way
//! back; problems under `/api/`.

use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use minijinja::value::Serde;

use super::failure;
use super::pages::{render, words};
use crate::survey::Language;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/favicon.ico", web::get().to(favicon))
        .route("/favicon.svg", web::get().to(favicon));
}

/// The reader's language for a page outside the staff area: `?lang=`, then
/// the browser's first choice; Swedish unless English is asked for.
pub fn language(req: &HttpRequest) -> Language {
    super::staff::language(req)
}

fn said(lang: Language, sv: &'static str, en: &'static str) -> &'static str {
    if lang == Language::Sv { sv } else { en }
}

/// A page of the site: a title, paragraphs and links.
pub fn page(
    req: &HttpRequest,
    status: StatusCode,
    title: &str,
    paragraphs: &[&str],
    links: &[(&str, &str)],
) -> HttpResponse {
    let lang = language(req);
    let other = if lang == Language::Sv {
        Language::En
    } else {
        Language::Sv
    };
    let links: Vec<minijinja::Value> = links
        .iter()
        .map(|(href, text)| context! { href => *href, text => *text })
        .collect();
    let body = render(
        "site.html",
        context! {
            lang => lang.code(),
            t => Serde(words(lang)),
            title => title,
            paragraphs => minijinja::value::Serde(paragraphs),
            links => links,
            switch_url => format!("{}?lang={}", req.path(), other.code()),
            other_lang => other.code(),
            other_lang_name => if other == Language::Sv { "Svenska" } else { "English" },
        },
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

async fn home(req: HttpRequest) -> HttpResponse {
    let lang = language(&req);
    page(
        &req,
        StatusCode::OK,
        said(
            lang,
            "Klimat – mätning av innovationsklimat",
            "Klimat – innovation-climate measurement",
        ),
        &[
            said(
                lang,
                "Här samlar organisationen in enkätsvar om klimatet för innovation och följer upp hur det utvecklas. \
                 Svaren är anonyma: siffror visas bara för grupper som är tillräckligt stora.",
                "This server collects survey answers about the climate for innovation and follows how it develops. \
                 Answers are anonymous: figures are shown only for groups that are large enough.",
            ),
            said(
                lang,
                "Har du fått en inbjudan? Använd den personliga länken i e-postmeddelandet eller koden på ditt kort.",
                "Have you been invited? Use the personal link in your e-mail or the code on your card.",
            ),
        ],
        &[(
            "/staff/login",
            said(lang, "Logga in för personal", "Staff login"),
        )],
    )
}

async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("cache-control", "public, max-age=86400"))
        .body(include_str!("favicon.svg"))
}

/// An address that leads nowhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        return failure::problem_response(
            &req,
            StatusCode::NOT_FOUND,
            "not-found",
            "no such endpoint; see /api/v1/openapi.json",
            Vec::new(),
        );
    }
    nowhere(&req)
}

fn nowhere(req: &HttpRequest) -> HttpResponse {
    let lang = language(req);
    let back = if req.path().starts_with("/staff") {
        "/staff"
    } else {
        "/"
    };
    page(
        req,
        StatusCode::NOT_FOUND,
        said(lang, "Sidan finns inte", "Page not found"),
        &[said(
            lang,
            "Adressen leder ingenstans. Kontrollera den, eller gå tillbaka till startsidan.",
            "This address leads nowhere. Check it, or go back to the start page.",
        )],
        &[(back, said(lang, "Till startsidan", "To the start page"))],
    )
}

/// A path segment klimat cannot read (`/staff/waves/abc`): that page does
/// not exist.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let response = if req.path().starts_with("/api/") {
        failure::problem_response(
            req,
            StatusCode::NOT_FOUND,
            "not-found",
            format!("the path is not one the API knows: {err}"),
            Vec::new(),
        )
    } else {
        nowhere(req)
    };
    InternalError::from_response(err, response).into()
}

/// A query or form klimat cannot read: said as a refused request.
fn unreadable(req: &HttpRequest, what: String) -> HttpResponse {
    if req.path().starts_with("/api/") {
        return failure::problem_response(
            req,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            what,
            Vec::new(),
        );
    }
    let lang = language(req);
    page(
        req,
        StatusCode::BAD_REQUEST,
        said(
            lang,
            "Det gick inte att läsa förfrågan",
            "The request could not be read",
        ),
        &[
            said(
                lang,
                "Formuläret eller adressen innehöll något som sidan inte väntade sig. Inget ändrades. Gå tillbaka, ladda om sidan och försök igen.",
                "The form or the address held something the page did not expect. Nothing was changed. Go back, reload the page and try again.",
            ),
            &what,
        ],
        &[(
            if req.path().starts_with("/staff") {
                "/staff"
            } else {
                "/"
            },
            said(lang, "Till startsidan", "To the start page"),
        )],
    )
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    req: &HttpRequest,
) -> actix_web::Error {
    let response = unreadable(req, err.to_string());
    InternalError::from_response(err, response).into()
}

pub fn form_error(err: actix_web::error::UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    let response = unreadable(req, err.to_string());
    InternalError::from_response(err, response).into()
}

pub fn json_error(err: actix_web::error::JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    let response = unreadable(req, err.to_string());
    InternalError::from_response(err, response).into()
}

pub fn multipart_error(
    err: actix_multipart::MultipartError,
    req: &HttpRequest,
) -> actix_web::Error {
    let response = unreadable(req, err.to_string());
    InternalError::from_response(err, response).into()
}
