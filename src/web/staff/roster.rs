//! A draft wave's people: the roster (uploaded as CSV, added to or
//! replaced, all or nothing), one-time codes for staff without e-mail and
//! their printable sheet, and earlier answers in the offline format.

use actix_multipart::form::{MultipartForm, bytes::Bytes, text::Text};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::page::{for_the_form, html, see_other};
use super::{Page, require, require_form, staff_or_return, url_escape};
use crate::app::{self, setup};
use crate::auth::Role;
use crate::responses::ReadOptions;
use crate::store::invitations::{self, Replace};
use crate::store::studies::{self, WaveState};
use crate::store::units;
use crate::web::AppState;

/// The largest file a setup page takes (a roster of 100,000 people is
/// about 5 MB).
pub const UPLOAD_LIMIT: usize = 64 << 20;

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let id = id.into_inner();
    roster_page(&req, &state, &page, id, None).await
}

async fn roster_page(
    req: &HttpRequest,
    state: &AppState,
    page: &Page,
    id: i64,
    error: Option<(&str, app::Error)>,
) -> HttpResponse {
    let status = error
        .as_ref()
        .map_or(StatusCode::OK, |(_, e)| crate::web::failure::status(e));
    let found = state
        .call(move |c| {
            let wave = studies::wave_by_id(c, id)?;
            let study = studies::by_id(c, wave.study_id)?;
            let counts = invitations::roster_counts(c, &wave)?;
            let codes = crate::store::codes::count_by_unit(c, &wave)?;
            let units = setup::unit_tree(&units::all(c)?);
            Ok((wave, study.name, counts, codes, units))
        })
        .await;
    let (wave, study, counts, codes, units) = match found {
        Ok(x) => x,
        Err(e) => return page.fail(req, e),
    };
    let total: i64 = counts.iter().map(|c| c.1).sum();
    let counts: Vec<minijinja::Value> = counts
        .into_iter()
        .map(|(unit, n)| {
            let coded = codes.iter().find(|c| c.0 == unit).map_or(0, |c| c.1);
            context! { unit => unit, n => n, codes => coded }
        })
        .collect();
    let (form, reason, problems) = match &error {
        Some((form, e)) => (
            Some(*form),
            e.said().map(|s| s.get(page.lang).to_owned()),
            e.problems()
                .iter()
                .map(|p| p.get(page.lang).to_owned())
                .collect(),
        ),
        None => (None, None, Vec::<String>::new()),
    };
    let title = format!(
        "{}: {} {}",
        page.t("roster_and_codes"),
        page.t("wave"),
        wave.name
    );
    page.render(
        status,
        "staff/roster.html",
        &title,
        context! {
            wave => context! { id => wave.id, name => wave.name, state => wave.state.as_str() },
            draft => wave.state == WaveState::Draft,
            closed => wave.state == WaveState::Closed,
            study_name => study.clone(),
            study_path => url_escape(&study),
            counts => counts,
            total => total,
            units => minijinja::value::Serde(units),
            error_form => form,
            error => reason,
            problems => problems,
        },
    )
}

#[derive(MultipartForm)]
pub struct RosterUpload {
    csrf: Text<String>,
    mode: Option<Text<String>>,
    #[multipart(limit = "64MB")]
    file: Bytes,
}

/// The uploaded file as text, or the reason it is not.
fn text_of(file: &Bytes) -> app::Result<&str> {
    setup::text(&file.data, file.file_name.as_deref().unwrap_or("the file"))
}

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: MultipartForm<RosterUpload>,
) -> HttpResponse {
    let form = form.into_inner();
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let (id, actor) = (id.into_inner(), staff.actor());
    let replace = match form.mode.as_ref().map(|m| m.as_str()) {
        Some("replace") => Replace::Roster,
        _ => Replace::Nothing,
    };
    let done = state
        .call(move |c| {
            let text = text_of(&form.file)?;
            setup::import_roster(c, &actor, id, text, replace)
        })
        .await;
    match done {
        Ok((n, _)) => see_other(format!("/staff/waves/{id}?done=roster&n={n}")),
        Err(e) => match for_the_form(e) {
            Ok(e) => roster_page(&req, &state, &page, id, Some(("roster", e))).await,
            Err(e) => page.fail(&req, e),
        },
    }
}

#[derive(Deserialize)]
pub struct CodesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    language: String,
}

pub async fn add_codes(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CodesForm>,
) -> HttpResponse {
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let (id, actor, secret) = (id.into_inner(), staff.actor(), state.secret.clone());
    let form = form.into_inner();
    let done = state
        .call(move |c| {
            let raw = form.count.trim();
            let count: usize = raw.parse().map_err(|_| {
                app::Error::invalid(crate::said!(
                    "the number of codes `{raw}` is not a whole number",
                    "antalet koder `{raw}` är inget heltal"
                ))
            })?;
            let language = if form.language == "en" { "en" } else { "sv" };
            setup::add_codes(c, &actor, id, &form.unit, count, language, &secret)?;
            Ok(count)
        })
        .await;
    match done {
        Ok(n) => see_other(format!("/staff/waves/{id}?done=codes&n={n}")),
        // An unknown unit is said on the form too.
        Err(e @ app::Error::NotFound(_)) => {
            roster_page(&req, &state, &page, id, Some(("codes", e))).await
        }
        Err(e) => match for_the_form(e) {
            Ok(e) => roster_page(&req, &state, &page, id, Some(("codes", e))).await,
            Err(e) => page.fail(&req, e),
        },
    }
}

/// The wave's code cards to print (A4, a QR code each). Audited.
pub async fn sheet(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let (id, actor, secret) = (id.into_inner(), staff.actor(), state.secret.clone());
    let public_url = state.public_url.clone();
    let done = state
        .call(move |c| {
            let wave = studies::wave_by_id(c, id)?;
            setup::code_sheet(c, &actor, &wave, &secret, &public_url, false)
        })
        .await;
    match done {
        // The sheet is its own printable document with its own style.
        Ok(sheet) => html(StatusCode::OK, sheet, page.lang),
        Err(e) => page.fail(&req, e),
    }
}

#[derive(MultipartForm)]
pub struct AnswersUpload {
    csrf: Text<String>,
    #[multipart(limit = "64MB")]
    file: Bytes,
}

/// Earlier answers in the offline format, for a wave that is not collecting.
pub async fn import_answers(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: MultipartForm<AnswersUpload>,
) -> HttpResponse {
    let form = form.into_inner();
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let (id, actor) = (id.into_inner(), staff.actor());
    let done = state
        .call(move |c| {
            text_of(&form.file)?;
            let name = form
                .file
                .file_name
                .clone()
                .unwrap_or_else(|| "upload.csv".into());
            let options = ReadOptions::default();
            setup::import_responses(c, &actor, id, &form.file.data[..], &name, &options)
        })
        .await;
    match done {
        Ok(n) => see_other(format!("/staff/waves/{id}?done=answers&n={n}")),
        Err(e) => match for_the_form(e) {
            Ok(e) => roster_page(&req, &state, &page, id, Some(("answers", e))).await,
            Err(e) => page.fail(&req, e),
        },
    }
}
