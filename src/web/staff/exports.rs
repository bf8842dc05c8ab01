//! Responses for evaluators in each of the analysts' formats, for a wave
//! (`/staff/waves/{id}/responses.{ext}`) or a whole study
//! (`/staff/studies/{name}/responses.{ext}`): the disclosure plan's export
//! (`app::export_table`), labels in the page's language or `?lang=`; and a
//! study's aggregate for outside researchers (`aggregate.json`, `.csv`). Audited.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::page::{download, file_safe};
use super::{Page, require, staff_or_return};
use crate::app::{self, ExportScope};
use crate::auth::Role;
use crate::export::Format;
use crate::survey::Language;
use crate::web::AppState;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    lang: Option<String>,
}

/// The format of a file extension: `csv`, `sav`, `xlsx`, or `zip` for R.
pub fn format_of(ext: &str) -> Option<Format> {
    [Format::Csv, Format::Sav, Format::Xlsx, Format::R]
        .into_iter()
        .find(|f| f.extension() == ext)
}

pub async fn wave(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    query: web::Query<ExportQuery>,
) -> HttpResponse {
    let (id, ext) = path.into_inner();
    respond(req, state, ExportScope::Wave(id), &ext, query.into_inner()).await
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ExportQuery>,
) -> HttpResponse {
    let (name, ext) = path.into_inner();
    respond(
        req,
        state,
        ExportScope::Study(name),
        &ext,
        query.into_inner(),
    )
    .await
}

async fn respond(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: ExportScope,
    ext: &str,
    query: ExportQuery,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let Some(format) = format_of(ext) else {
        return crate::web::site::not_found(req).await;
    };
    let lang = query
        .lang
        .as_deref()
        .and_then(Language::from_code)
        .unwrap_or(page.lang);
    let actor = staff.actor();
    let done = state
        .call(move |c| app::responses_file(c, &actor, &scope, format, lang))
        .await;
    match done {
        Ok((name, bytes)) => download(
            &format!("responses-{}.{}", file_safe(&name), format.extension()),
            format.content_type(),
            bytes,
        ),
        Err(e) => page.fail(&req, e),
    }
}

/// A study's aggregate for outside researchers, as JSON or long CSV.
pub async fn aggregate(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let (name, ext) = path.into_inner();
    let csv = match ext.as_str() {
        "csv" => true,
        "json" => false,
        _ => return crate::web::site::not_found(req).await,
    };
    let (actor, study) = (staff.actor(), name.clone());
    let done = state
        .call(move |c| app::aggregate_file(c, &actor, &study, csv))
        .await;
    match done {
        Ok(a) if csv => download(
            &format!("aggregate-{}.csv", file_safe(&name)),
            "text/csv; charset=utf-8",
            crate::export::aggregate::csv(&a),
        ),
        Ok(a) => download(
            &format!("aggregate-{}.json", file_safe(&name)),
            "application/json",
            serde_json::to_string(&a).expect("the aggregate serialises"),
        ),
        Err(e) => page.fail(&req, e),
    }
}
