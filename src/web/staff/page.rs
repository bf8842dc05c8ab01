//! What every staff page shares: the layout's context (the reader, the
//! language switch, the CSRF token), rendering in the reader's language,
//! redirects after a change, and the staff side of the error boundary: an
//! [`app::Error`] as a styled page with its reason, every problem listed,
//! and a way back.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use minijinja::value::Serde;

use super::{Staff, language, url_escape, words};
use crate::app;
use crate::survey::Language;
use crate::web::failure;
use crate::web::pages::render;

/// A page being answered: who asks, in which language, from where.
pub struct Page {
    pub lang: Language,
    base: minijinja::Value,
    path: String,
}

impl Page {
    pub fn new(req: &HttpRequest, staff: Option<&Staff>) -> Page {
        let lang = language(req);
        Page {
            lang,
            base: base(staff, lang, req),
            path: req.path().to_owned(),
        }
    }

    /// A word of the interface.
    pub fn t(&self, key: &str) -> &'static str {
        words::pick(self.lang, key)
    }

    /// The layout's context with a title, for a document rendered elsewhere.
    pub fn context(&self, title: &str) -> minijinja::Value {
        context! { title => title, ..self.base.clone() }
    }

    /// Renders `template` with `ctx` over the layout's context.
    pub fn render(
        &self,
        status: StatusCode,
        template: &str,
        title: &str,
        ctx: minijinja::Value,
    ) -> HttpResponse {
        let body = render(
            template,
            context! { title => title, ..context! { ..ctx, ..self.base.clone() } },
        );
        html(status, body, self.lang)
    }

    pub fn ok(&self, template: &str, title: &str, ctx: minijinja::Value) -> HttpResponse {
        self.render(StatusCode::OK, template, title, ctx)
    }

    /// A message page: a title, the text, the problems, a way back.
    pub fn message(
        &self,
        status: StatusCode,
        title: &str,
        text: &str,
        problems: &[String],
    ) -> HttpResponse {
        let back = back_of(&self.path);
        self.render(
            status,
            "staff/message.html",
            title,
            context! { text => text, problems => minijinja::value::Serde(problems), back => back, back_text => self.t("back") },
        )
    }

    /// An error as a page: 404, 409 and 422 with their reason; a 500 is
    /// logged and says only that nothing was changed.
    pub fn fail(&self, req: &HttpRequest, e: app::Error) -> HttpResponse {
        failure::log(req, &e);
        let status = failure::status(&e);
        let title = match &e {
            app::Error::NotFound(_) => self.t("not_found"),
            app::Error::Internal(_) => self.t("server_error_title"),
            _ => self.t("error"),
        };
        let text = match e.said() {
            Some(s) => s.get(self.lang).to_owned(),
            None => self.t("server_error").to_owned(),
        };
        let problems: Vec<String> = e
            .problems()
            .iter()
            .map(|p| p.get(self.lang).to_owned())
            .collect();
        self.message(status, title, &text, &problems)
    }
}

/// A refusal the form that caused it can show again — bad input, a state
/// that forbids it — as `Ok`; anything else as `Err`, for [`Page::fail`].
pub fn for_the_form(e: app::Error) -> Result<app::Error, app::Error> {
    match e {
        app::Error::Invalid { .. } | app::Error::Conflict(_) => Ok(e),
        e => Err(e),
    }
}

impl Page {
    /// A page that says what an irreversible action does, with a button
    /// that POSTs `confirm=yes` to `action` and a way back to `cancel`.
    pub fn confirm(
        &self,
        title: &str,
        action: String,
        cancel: String,
        button: &str,
        paragraphs: Vec<String>,
    ) -> HttpResponse {
        self.ok(
            "staff/confirm.html",
            title,
            context! { action => action, cancel => cancel, button => button, paragraphs => paragraphs },
        )
    }
}

/// Where "back" leads from a path: the page above it.
fn back_of(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    let parts: Vec<&str> = trimmed.split('/').collect();
    // /staff/waves/7/close → /staff/waves/7; /staff/studies/x/edit → /staff/studies/x
    if parts.len() > 4 {
        parts[..4].join("/")
    } else {
        "/staff".to_owned()
    }
}

/// The context every staff page shares.
fn base(staff: Option<&Staff>, lang: Language, req: &HttpRequest) -> minijinja::Value {
    let other = if lang == Language::Sv {
        Language::En
    } else {
        Language::Sv
    };
    let mut query: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    query.retain(|(k, _)| k != "lang" && k != "done" && k != "n");
    query.push(("lang".into(), other.code().into()));
    let switch_url = format!(
        "{}?{}",
        req.path(),
        query
            .iter()
            .map(|(k, v)| format!("{}={}", url_escape(k), url_escape(v)))
            .collect::<Vec<_>>()
            .join("&")
    );
    context! {
        lang => lang.code(),
        t => Serde(words::all(lang)),
        user => staff.map(|s| context! { email => s.email.clone(), role => s.role.as_str(), role_word => words::role(lang, s.role) }),
        csrf => staff.map(|s| s.csrf.clone()),
        switch_url => switch_url,
        other_lang => other.code(),
        other_lang_name => if other == Language::Sv { "Svenska" } else { "English" },
        flash => None::<String>,
    }
}

pub fn html(status: StatusCode, body: String, lang: Language) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .cookie(
            actix_web::cookie::Cookie::build("klimat_lang", lang.code())
                .path("/staff")
                .http_only(true)
                .same_site(actix_web::cookie::SameSite::Lax)
                .finish(),
        )
        .body(body)
}

/// After a change: to the page that shows it (POST → redirect → GET).
pub fn see_other(location: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", location.into()))
        .finish()
}

/// A file to download.
pub fn download(
    file: &str,
    content_type: &str,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .body(body)
}

pub use crate::report::format::file_safe;

/// A number as written in the language (decimal comma in Swedish).
pub fn num(x: f64, lang: Language) -> String {
    let s = format!("{x:.2}");
    if lang == Language::Sv {
        s.replace('.', ",")
    } else {
        s
    }
}

pub fn percent(x: f64, lang: Language) -> String {
    let s = format!("{:.0} %", 100.0 * x);
    if lang == Language::Sv {
        s
    } else {
        s.replace(" %", "%")
    }
}
