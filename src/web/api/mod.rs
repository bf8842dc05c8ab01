//! The JSON API under `/api/v1`: bearer tokens (`klimat token create`),
//! errors as RFC 9457 problem details (`web::failure`), cursor pagination
//! for lists, and the OpenAPI document generated from these handlers
//! (utoipa) at `/api/v1/openapi.json`. Reads are here; the evaluator's
//! setup (the same use cases as the staff pages) is in `writes`. Figures
//! are the dashboard's, under the same disclosure plan; nothing here
//! exposes a person.

// Refusals are early returns of a whole response; boxing one buys nothing.
#![allow(clippy::result_large_err)]

/// The caller behind the bearer token, or the refusal returned.
macro_rules! caller_or_return {
    ($req:expr, $state:expr, $role:expr) => {
        match caller(&$req, &$state, $role).await {
            Ok(c) => c,
            Err(r) => return r,
        }
    };
}

mod exports;
mod reorganise;
mod writes;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

use super::AppState;
use crate::app::{self, Actor, setup};
use crate::auth::Role;
use crate::dashboard::Dashboard;
use crate::store::studies::WaveState;
use crate::store::{accounts, studies, surveys, units};
use crate::survey::Language;
use crate::web::failure::{self, Problem};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi))
        .route("/api/v1/units", web::get().to(list_units))
        .route("/api/v1/surveys", web::get().to(list_surveys))
        .route("/api/v1/studies", web::get().to(list_studies))
        .route("/api/v1/studies/{name}/waves", web::get().to(study_waves))
        .route(
            "/api/v1/studies/{name}/aggregates",
            web::get().to(aggregates),
        )
        .route("/api/v1/studies/{name}/report", web::get().to(report))
        .route("/api/v1/studies/{name}/headlines", web::get().to(headlines))
        .route("/api/v1/waves/{id}/status", web::get().to(wave_status))
        .route("/api/v1/waves/{id}/comments", web::get().to(wave_comments))
        .configure(exports::routes)
        .configure(writes::routes)
        .configure(reorganise::routes);
}

fn problem(
    req: &HttpRequest,
    status: StatusCode,
    kind: &str,
    detail: impl Into<String>,
) -> HttpResponse {
    failure::problem_response(req, status, kind, detail, Vec::new())
}

/// The caller behind the bearer token, if it may act as `role`.
async fn caller(req: &HttpRequest, state: &AppState, role: Role) -> Result<Actor, HttpResponse> {
    scoped_caller(req, state, role)
        .await
        .map(|(actor, _)| actor)
}

/// The caller and the unit its token is limited to (none: everything).
async fn scoped_caller(
    req: &HttpRequest,
    state: &AppState,
    role: Role,
) -> Result<(Actor, Option<i64>), HttpResponse> {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            // The scheme is case-insensitive (RFC 9110 §11.1).
            let (scheme, token) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .map(|t| t.trim().to_owned());
    let Some(token) = token.filter(|t| crate::token::well_formed(t)) else {
        return Err(problem(
            req,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send `Authorization: Bearer TOKEN` (klimat token create)",
        ));
    };
    let found = state
        .with_db(move |c| accounts::token_role(c, &token))
        .await
        .map_err(|e| state.error(&format!("reading a token: {e}")))?;
    match found {
        None => Err(problem(
            req,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the token is unknown or revoked",
        )),
        Some((name, r, _)) if !r.allows(role) => Err(problem(
            req,
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("token `{name}` is a {r} token; this needs {role}"),
        )),
        Some((name, _, scope)) => Ok((Actor::Token(name), scope)),
    }
}

fn respond<T: Serialize>(req: &HttpRequest, result: app::Result<T>) -> HttpResponse {
    match result {
        Ok(v) => HttpResponse::Ok().json(v),
        Err(e) => failure::problem(req, &e),
    }
}

/// Cursor pagination: at most `limit` items after the cursor `after`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 500 (default 100).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

impl PageQuery {
    fn limit(&self) -> Result<usize, String> {
        match self.limit {
            None => Ok(100),
            Some(n) if (1..=500).contains(&n) => Ok(n as usize),
            Some(n) => Err(format!("limit {n}: use 1 to 500")),
        }
    }
}

/// The page of `items` (sorted by `key`) after the cursor, and the next cursor.
fn paginate<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    limit: usize,
    after: Option<&str>,
) -> (Vec<T>, Option<String>) {
    let mut rest: Vec<T> = match after {
        Some(after) => items
            .into_iter()
            .filter(|i| key(i).as_str() > after)
            .collect(),
        None => items,
    };
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next = if more { rest.last().map(&key) } else { None };
    (rest, next)
}

/// A list endpoint's answer: the limit checked before any database work,
/// then `load` (sorted by `key`), one page of it wrapped by `page`.
async fn list<T: Send + 'static, P: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    q: &PageQuery,
    load: impl FnOnce(&mut crate::store::DbConnection) -> app::Result<Vec<T>> + Send + 'static,
    key: impl Fn(&T) -> String,
    page: impl FnOnce(Vec<T>, Option<String>) -> P,
) -> HttpResponse {
    let limit = match q.limit() {
        Ok(l) => l,
        Err(why) => return problem(req, StatusCode::BAD_REQUEST, "bad-request", why),
    };
    match state.call(load).await {
        Ok(all) => {
            let (items, next) = paginate(all, key, limit, q.after.as_deref());
            HttpResponse::Ok().json(page(items, next))
        }
        Err(e) => failure::problem(req, &e),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unit {
    pub code: String,
    pub name: String,
    /// The parent unit's code.
    pub parent: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPage {
    pub items: Vec<Unit>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/units", tag = "organisation", params(PageQuery),
    responses((status = 200, body = UnitPage), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_units(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> HttpResponse {
    caller_or_return!(req, state, Role::Viewer);
    let load = |c: &mut crate::store::DbConnection| {
        let all = units::all(c)?;
        let code: std::collections::HashMap<i64, String> =
            all.iter().map(|u| (u.id, u.code.clone())).collect();
        let mut out: Vec<Unit> = all
            .iter()
            .map(|u| Unit {
                code: u.code.clone(),
                name: u.name.clone(),
                parent: u.parent_id.and_then(|p| code.get(&p).cloned()),
            })
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    };
    list(
        &req,
        &state,
        &q,
        load,
        |u| u.code.clone(),
        |items, next| UnitPage { items, next },
    )
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyVersion {
    pub key: String,
    pub version: i32,
    /// SHA-256 of the validated definition.
    pub hash: String,
    pub published_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyPage {
    pub items: Vec<SurveyVersion>,
    pub next: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", params(PageQuery),
    responses((status = 200, body = SurveyPage), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_surveys(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> HttpResponse {
    caller_or_return!(req, state, Role::Viewer);
    let load = |c: &mut crate::store::DbConnection| {
        Ok(surveys::versions(c)?
            .into_iter()
            .map(|(key, version, hash, at)| SurveyVersion {
                key,
                version,
                hash,
                published_at: at.and_utc().to_rfc3339(),
            })
            .collect::<Vec<_>>())
    };
    // The cursor orders versions numerically within a key.
    let cursor = |s: &SurveyVersion| format!("{}:{:06}", s.key, s.version);
    list(&req, &state, &q, load, cursor, |items, next| SurveyPage {
        items,
        next,
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Wave {
    pub id: i64,
    pub name: String,
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
    pub state: WaveState,
    pub min_group_size: i32,
}

impl From<studies::Wave> for Wave {
    fn from(w: studies::Wave) -> Wave {
        Wave {
            id: w.id,
            name: w.name,
            opens_on: w.opens_on,
            closes_on: w.closes_on,
            state: w.state,
            min_group_size: w.min_group_size,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Study {
    pub name: String,
    pub survey: String,
    pub intervention_date: String,
    pub pilot: Vec<String>,
    pub control: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudyPage {
    pub items: Vec<Study>,
    pub next: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/studies", tag = "studies", params(PageQuery),
    responses((status = 200, body = StudyPage), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn list_studies(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> HttpResponse {
    caller_or_return!(req, state, Role::Viewer);
    let load = |c: &mut crate::store::DbConnection| {
        let mut out = Vec::new();
        for s in studies::all(c)? {
            let (pilot, control) = studies::arms(c, &s)?;
            out.push(Study {
                name: s.name,
                survey: s.survey_key,
                intervention_date: s.intervention_date,
                pilot,
                control,
            });
        }
        Ok(out)
    };
    list(
        &req,
        &state,
        &q,
        load,
        |s| s.name.clone(),
        |items, next| StudyPage { items, next },
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/studies/{name}/waves", tag = "studies",
    params(("name" = String, Path, description = "The study's name")),
    responses((status = 200, body = Vec<Wave>), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn study_waves(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    caller_or_return!(req, state, Role::Viewer);
    let name = name.into_inner();
    let r = state
        .call(move |c| {
            let study = studies::by_name(c, &name)?;
            Ok(studies::waves_of(c, &study)?
                .into_iter()
                .map(Wave::from)
                .collect::<Vec<_>>())
        })
        .await;
    respond(&req, r)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// sv or en: the language of dimension names (default: sv).
    pub lang: Option<String>,
}

fn lang_of(q: &LangQuery) -> Language {
    q.lang
        .as_deref()
        .and_then(Language::from_code)
        .unwrap_or(Language::Sv)
}

#[utoipa::path(get, path = "/api/v1/studies/{name}/aggregates", tag = "aggregates",
    params(("name" = String, Path, description = "The study's name"), LangQuery),
    responses((status = 200, body = Dashboard, description = "Per wave, dimension and unit (with its subtree): n, mean and 95 % CI, hidden by the wave's minimum group size with complementary suppression; response rates likewise"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn aggregates(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<LangQuery>,
) -> HttpResponse {
    let scope = match scoped_caller(&req, &state, Role::Viewer).await {
        Ok((_, scope)) => scope,
        Err(r) => return r,
    };
    let (name, lang) = (name.into_inner(), lang_of(&q));
    let r = state
        .call(move |c| app::dashboard_within(c, &name, lang, scope))
        .await;
    respond(&req, r)
}

#[utoipa::path(get, path = "/api/v1/studies/{name}/headlines", tag = "aggregates",
    params(("name" = String, Path, description = "The study's name")),
    responses((status = 200, body = crate::evaluation::headline::Headlines, description = "Per dimension the pilot (or adopting) units' change minus the others', its 95 % interval, the primary p-value and its Holm adjustment, and the verdict (clear, possible, no clear difference): the effect report's figures, kept until the study changes"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn headlines(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let scope = match scoped_caller(&req, &state, Role::Viewer).await {
        Ok((_, scope)) => scope,
        Err(r) => return r,
    };
    if scope.is_some() {
        return problem(
            &req,
            StatusCode::FORBIDDEN,
            "forbidden",
            "the headlines compare the study's arms, which span units outside this token's unit",
        );
    }
    let (name, min) = (name.into_inner(), state.min_group_size);
    let r = state
        .call(move |c| app::headlines::study_headlines(c, &name, min))
        .await;
    respond(&req, r)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CommentsParams {
    /// `sv` (default) or `en`: the question texts.
    pub lang: Option<String>,
    /// Only comments containing this, ignoring case.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/waves/{id}/comments", tag = "aggregates",
    params(("id" = i64, Path, description = "The wave's number"), CommentsParams),
    responses((status = 200, body = crate::comments::WaveComments, description = "A closed wave's free-text answers per question, in groups of at least the wave's comment minimum (each comment in one group), redacted, shuffled, without response ids; for an evaluator's token all groups, for a viewer's token limited to a unit the groups inside it"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn wave_comments(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<CommentsParams>,
) -> HttpResponse {
    let (actor, scope) = match scoped_caller(&req, &state, Role::Viewer).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let evaluator = scoped_caller(&req, &state, Role::Evaluator).await.is_ok();
    if !evaluator && scope.is_none() {
        return problem(
            &req,
            StatusCode::FORBIDDEN,
            "forbidden",
            "comments are for evaluators' tokens and for viewers' tokens limited to a unit",
        );
    }
    let q = q.into_inner();
    let query = app::comments::CommentsQuery {
        lang: q
            .lang
            .as_deref()
            .and_then(Language::from_code)
            .unwrap_or(Language::Sv),
        scope: if evaluator { None } else { scope },
        search: q.q,
    };
    let id = id.into_inner();
    let r = state
        .call(move |c| {
            let wave = studies::wave_by_id(c, id)?;
            let comments = app::comments::wave_comments(c, &wave, &query)?;
            app::setup::audit(
                c,
                &actor,
                "export.comments",
                &format!("wave {} ({})", wave.name, wave.id),
            )?;
            Ok(comments)
        })
        .await;
    respond(&req, r)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaveStatus {
    pub wave: Wave,
    pub units: Vec<app::StatusRow>,
    pub total: app::StatusRow,
}

#[utoipa::path(get, path = "/api/v1/waves/{id}/status", tag = "studies",
    params(("id" = i64, Path, description = "The wave's number")),
    responses((status = 200, body = WaveStatus), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn wave_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    caller_or_return!(req, state, Role::Evaluator);
    let id = id.into_inner();
    let r = state
        .call(move |c| {
            let wave = studies::wave_by_id(c, id)?;
            let (units, total) = app::wave_status(c, &wave)?;
            Ok(WaveStatus {
                wave: wave.into(),
                units,
                total,
            })
        })
        .await;
    respond(&req, r)
}

#[utoipa::path(get, path = "/api/v1/studies/{name}/report", tag = "reports",
    params(("name" = String, Path, description = "The study's name"), LangQuery),
    responses((status = 200, body = Object, description = "The study's report (the JSON of `klimat report effect --study NAME --format json`): the effect report of a one-date pilot, or the roll-out report when adoption dates are recorded"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<LangQuery>,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Evaluator);
    let (name, lang) = (name.into_inner(), lang_of(&q));
    let min = state.min_group_size;
    let r = state
        .call(move |c| {
            let report = app::study_report(c, &name, lang, min)?;
            setup::audit(
                c,
                &actor,
                "export.report",
                &format!("study {name} as json (API)"),
            )?;
            Ok(report)
        })
        .await;
    respond(&req, r)
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "klimat API", description = "Innovation-climate aggregates, studies and reports, and the evaluator's setup (surveys, studies, adoption dates, waves, rosters, opening, closing, mail). Figures go through each study's disclosure plan. Errors are RFC 9457 problems: 404 not found, 409 the state does not allow it, 422 the input has problems (listed in `problems`)."),
    paths(list_units, list_surveys, list_studies, study_waves, aggregates, headlines, wave_status, wave_comments, report,
        exports::wave_responses, exports::study_responses, exports::study_aggregate,
        writes::publish_survey, writes::create_study, writes::create_wave, writes::put_adoptions, writes::put_roster,
        writes::open_wave, writes::close_wave, writes::send, writes::remind,
        reorganise::import_units, reorganise::unit_changes, reorganise::record_change),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(
        ApiDoc::openapi()
            .to_json()
            .expect("the OpenAPI document serialises"),
    )
}
