//! Responses for evaluators in each of the analysts' formats, for a wave
//! (`/staff/waves/{id}/responses.{ext}`) or a whole study
//! (`/staff/studies/{name}/responses.{ext}`): the disclosure plan's export
//! (`app::export_table`), labels in the page's language or `?lang=`. Audited.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::page::{download, file_safe};
use super::{Page, require, staff_or_return};
use crate::app::{self, setup};
use crate::auth::Role;
use crate::export::Format;
use crate::store::studies;
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

enum Scope {
    Wave(i64),
    Study(String),
}

pub async fn wave(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    query: web::Query<ExportQuery>,
) -> HttpResponse {
    let (id, ext) = path.into_inner();
    respond(req, state, Scope::Wave(id), &ext, query.into_inner()).await
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ExportQuery>,
) -> HttpResponse {
    let (name, ext) = path.into_inner();
    respond(req, state, Scope::Study(name), &ext, query.into_inner()).await
}

async fn respond(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scope,
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
        .call(move |c| {
            let (name, waves) = match scope {
                Scope::Wave(id) => {
                    let wave = studies::wave_by_id(c, id)?;
                    (wave.name.clone(), vec![wave])
                }
                Scope::Study(name) => {
                    let study = studies::by_name(c, &name)?;
                    (name, studies::waves_of(c, &study)?)
                }
            };
            let table = app::export_table(c, &waves)?;
            let bytes = crate::export::write(&table, format, lang).map_err(anyhow::Error::from)?;
            let names: Vec<String> = waves
                .iter()
                .map(|w| format!("{} ({})", w.name, w.id))
                .collect();
            setup::audit(
                c,
                &actor,
                "export.responses",
                &format!("waves {} as {}", names.join(", "), format.extension()),
            )?;
            Ok((name, bytes))
        })
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
