//! Files for analysts over the API: a wave's or a study's responses in any
//! of the analysts' formats, and a study's aggregate for outside
//! researchers. Evaluators' tokens only; the same use cases as the staff
//! downloads (`app::responses_file`, `app::aggregate_file`), audited.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{caller, problem};
use crate::app::{self, ExportScope};
use crate::auth::Role;
use crate::export::Format;
use crate::survey::Language;
use crate::web::AppState;
use crate::web::failure::{self, Problem};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v1/waves/{id}/responses",
        web::get().to(wave_responses),
    )
    .route(
        "/api/v1/studies/{name}/responses",
        web::get().to(study_responses),
    )
    .route(
        "/api/v1/studies/{name}/aggregate",
        web::get().to(study_aggregate),
    );
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportParams {
    /// `csv` (default), `sav`, `xlsx` or `r` (a zip of the CSV and an R script).
    pub format: Option<String>,
    /// `sv` (default) or `en`: the language of the labels.
    pub lang: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AggregateParams {
    /// `json` (default) or `csv` (long: one statistic a line).
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/waves/{id}/responses", tag = "exports",
    params(("id" = i64, Path, description = "The wave's number"), ExportParams),
    responses((status = 200, description = "The closed wave's responses under the disclosure plan, rows in random order, in the format asked for"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn wave_responses(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<ExportParams>,
) -> HttpResponse {
    responses(
        req,
        state,
        ExportScope::Wave(id.into_inner()),
        q.into_inner(),
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/studies/{name}/responses", tag = "exports",
    params(("name" = String, Path, description = "The study's name"), ExportParams),
    responses((status = 200, description = "Every closed wave's responses under the disclosure plan, rows in random order, in the format asked for"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn study_responses(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<ExportParams>,
) -> HttpResponse {
    responses(
        req,
        state,
        ExportScope::Study(name.into_inner()),
        q.into_inner(),
    )
    .await
}

async fn responses(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: ExportScope,
    q: ExportParams,
) -> HttpResponse {
    let actor = match caller(&req, &state, Role::Evaluator).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let format = match q.format.as_deref().unwrap_or("csv") {
        "csv" => Format::Csv,
        "sav" => Format::Sav,
        "xlsx" => Format::Xlsx,
        "r" => Format::R,
        other => {
            return problem(
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("unknown format `{other}`: use csv, sav, xlsx or r"),
            );
        }
    };
    let lang = match q.lang.as_deref() {
        None => Language::Sv,
        Some(code) => match Language::from_code(code) {
            Some(l) => l,
            None => {
                return problem(
                    &req,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    format!("unknown language `{code}`: use sv or en"),
                );
            }
        },
    };
    let done = state
        .call(move |c| app::responses_file(c, &actor, &scope, format, lang))
        .await;
    match done {
        Ok((name, bytes)) => HttpResponse::Ok()
            .content_type(format.content_type())
            .insert_header((
                "content-disposition",
                format!(
                    "attachment; filename=\"responses-{}.{}\"",
                    crate::report::format::file_safe(&name),
                    format.extension()
                ),
            ))
            .body(bytes),
        Err(e) => failure::problem(&req, &e),
    }
}

#[utoipa::path(get, path = "/api/v1/studies/{name}/aggregate", tag = "exports",
    params(("name" = String, Path, description = "The study's name"), AggregateParams),
    responses((status = 200, body = Object, description = "Per published group (organisation, unit, unit with its subtree, arm) and closed wave: respondents, item moments, the complete cases' means and covariance matrix, and the dimension scores' n, sum and sum of squares — for researchers outside the organisation"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn study_aggregate(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<AggregateParams>,
) -> HttpResponse {
    let actor = match caller(&req, &state, Role::Evaluator).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let csv = match q.format.as_deref().unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return problem(
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("unknown format `{other}`: use json or csv"),
            );
        }
    };
    let name = name.into_inner();
    let done = state
        .call(move |c| app::aggregate_file(c, &actor, &name, csv))
        .await;
    match done {
        Ok(a) if csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(crate::export::aggregate::csv(&a)),
        Ok(a) => HttpResponse::Ok().json(a),
        Err(e) => failure::problem(&req, &e),
    }
}
