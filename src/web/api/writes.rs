//! The evaluator's setup over the API, for HR and intranet integrations:
//! the same use cases and role checks as the staff pages (`app::setup`).
//! Bad bodies are 422 problems listing every problem; states that forbid
//! an action are 409; the POSTs that queue mail take an `Idempotency-Key`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Study, Wave, caller};
use crate::app::{self, Actor, idempotent, setup};
use crate::auth::Role;
use crate::store::invitations::Replace;
use crate::store::outbox::ReminderRule;
use crate::store::studies::{self, NewStudy, NewWave, WaveState};
use crate::store::surveys::Published;
use crate::web::AppState;
use crate::web::failure::{self, Problem};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/surveys", web::post().to(publish_survey))
        .route("/api/v1/studies", web::post().to(create_study))
        .route("/api/v1/studies/{name}/waves", web::post().to(create_wave))
        .route(
            "/api/v1/studies/{name}/adoptions",
            web::put().to(put_adoptions),
        )
        .service(
            web::resource("/api/v1/waves/{id}/roster")
                .app_data(web::PayloadConfig::new(crate::web::staff::UPLOAD_LIMIT))
                .route(web::put().to(put_roster)),
        )
        .route("/api/v1/waves/{id}/open", web::post().to(open_wave))
        .route("/api/v1/waves/{id}/close", web::post().to(close_wave))
        .route("/api/v1/waves/{id}/send", web::post().to(send))
        .route("/api/v1/waves/{id}/remind", web::post().to(remind));
}

/// The body's media type is `expected` (parameters aside), or a 415.
pub(super) fn require_type(req: &HttpRequest, expected: &[&str]) -> Result<(), HttpResponse> {
    let sent = req
        .headers()
        .get("content-type")
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            h.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if expected.contains(&sent.as_str()) {
        Ok(())
    } else {
        Err(failure::problem_response(
            req,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!(
                "send the body as {}; it was `{sent}`",
                expected.join(" or ")
            ),
            Vec::new(),
        ))
    }
}

pub(super) fn created<T: Serialize>(
    status: StatusCode,
    location: Option<String>,
    value: &T,
) -> HttpResponse {
    let mut r = HttpResponse::build(status);
    if let Some(l) = location {
        r.insert_header(("location", l));
    }
    r.json(value)
}

/// A published survey version.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedSurvey {
    pub key: String,
    pub version: i32,
    pub hash: String,
    /// False when this content was published already (nothing changed).
    pub created: bool,
}

#[utoipa::path(post, path = "/api/v1/surveys", tag = "setup",
    request_body(content = String, content_type = "application/toml", description = "A survey file"),
    responses((status = 201, body = PublishedSurvey, description = "Published"),
        (status = 200, body = PublishedSurvey, description = "Published already with this content: nothing changed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "This key and version is published with other content"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Not a valid survey: every problem with line and column")),
    security(("bearer" = [])))]
pub async fn publish_survey(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Evaluator);
    if let Err(r) = require_type(&req, &["application/toml", "text/toml", "text/plain"]) {
        return r;
    }
    let done = state
        .call(move |c| {
            let source = setup::text(&body, "the body")?;
            setup::publish_survey(c, &actor, source, "survey.toml")
        })
        .await;
    match done {
        Ok(p) => {
            let (v, new) = match p {
                Published::New(v) => (v, true),
                Published::Unchanged(v) => (v, false),
            };
            let body = PublishedSurvey {
                key: v.key,
                version: v.version,
                hash: v.hash,
                created: new,
            };
            created(
                if new {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                },
                None,
                &body,
            )
        }
        Err(e) => failure::problem(&req, &e),
    }
}

/// A study to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStudyBody {
    pub name: String,
    /// The key of a published survey.
    pub survey: String,
    /// Unit codes.
    pub pilot: Vec<String>,
    pub control: Vec<String>,
    /// YYYY-MM-DD.
    pub intervention_date: String,
}

#[utoipa::path(post, path = "/api/v1/studies", tag = "setup", request_body = NewStudyBody,
    responses((status = 201, body = Study),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "The survey is not published"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create_study(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<NewStudyBody>,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Evaluator);
    let b = body.into_inner();
    let new = NewStudy {
        seed: None,
        name: b.name,
        survey_key: b.survey,
        pilot: b.pilot,
        control: b.control,
        intervention_date: b.intervention_date,
    };
    let done = state
        .call(move |c| {
            let s = setup::create_study(c, &actor, &new)?;
            let (pilot, control) = studies::arms(c, &s)?;
            Ok(Study {
                name: s.name,
                survey: s.survey_key,
                intervention_date: s.intervention_date,
                pilot,
                control,
            })
        })
        .await;
    match done {
        Ok(s) => {
            let at = format!(
                "/api/v1/studies/{}/waves",
                crate::web::staff::url_escape(&s.name)
            );
            created(StatusCode::CREATED, Some(at), &s)
        }
        Err(e) => failure::problem(&req, &e),
    }
}

/// A wave to create (a draft).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWaveBody {
    pub name: String,
    /// YYYY-MM-DD.
    pub opens: String,
    /// YYYY-MM-DD, on or after `opens`.
    pub closes: String,
    /// At least 3; default the server's setting.
    pub min_group_size: Option<u32>,
    /// The smallest group whose comments are shown; default the server's
    /// setting, raised to `min_group_size` when below it.
    pub min_group_size_comments: Option<u32>,
}

#[utoipa::path(post, path = "/api/v1/studies/{name}/waves", tag = "setup",
    params(("name" = String, Path, description = "The study's name")), request_body = NewWaveBody,
    responses((status = 201, body = Wave),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create_wave(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    body: web::Json<NewWaveBody>,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Evaluator);
    let b = body.into_inner();
    let new = NewWave {
        name: b.name,
        opens_on: Some(b.opens),
        closes_on: Some(b.closes),
        min_group_size: b.min_group_size.unwrap_or(state.min_group_size),
        min_group_size_comments: b.min_group_size_comments.unwrap_or(state.comment_minimum),
        survey_version: None,
    };
    let study = name.into_inner();
    match state
        .call(move |c| setup::create_wave(c, &actor, &study, &new))
        .await
    {
        Ok(w) => created(
            StatusCode::CREATED,
            Some(format!("/api/v1/waves/{}/status", w.id)),
            &Wave::from(w),
        ),
        Err(e) => failure::problem(&req, &e),
    }
}

/// Adoption dates to record (a roll-out), all or none.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AdoptionsBody {
    pub adoptions: Vec<AdoptionEntry>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AdoptionEntry {
    /// A unit code of the study.
    pub unit: String,
    /// YYYY-MM-DD, or `never`; `null` removes a recorded date (a pilot unit then
    /// adopts on the intervention date, a control unit never).
    pub adopted_on: Option<String>,
}

/// The changes made (a date recorded again unchanged is none).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptionChanges {
    pub changes: Vec<AdoptionChangeBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptionChangeBody {
    pub unit: String,
    pub previous: Option<String>,
    pub adopted_on: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/studies/{name}/adoptions", tag = "setup",
    params(("name" = String, Path, description = "The study's name")), request_body = AdoptionsBody,
    responses((status = 200, body = AdoptionChanges),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "A unit outside the study or a bad date; nothing stored")),
    security(("bearer" = [])))]
pub async fn put_adoptions(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    body: web::Json<AdoptionsBody>,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Evaluator);
    let dates: Vec<(String, Option<String>)> = body
        .into_inner()
        .adoptions
        .into_iter()
        .map(|a| (a.unit, a.adopted_on))
        .collect();
    let study = name.into_inner();
    match state
        .call(move |c| setup::adopt(c, &actor, &study, &dates))
        .await
    {
        Ok(made) => HttpResponse::Ok().json(AdoptionChanges {
            changes: made
                .into_iter()
                .map(|m| AdoptionChangeBody {
                    unit: m.unit,
                    previous: m.previous,
                    adopted_on: m.adopted_on,
                })
                .collect(),
        }),
        Err(e) => failure::problem(&req, &e),
    }
}

/// A roster stored: how many people it added, and the roster per unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterCounts {
    pub added: usize,
    pub units: Vec<UnitCount>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitCount {
    pub unit: String,
    pub invited: i64,
}

#[utoipa::path(put, path = "/api/v1/waves/{id}/roster", tag = "setup",
    params(("id" = i64, Path, description = "The wave's number")),
    request_body(content = String, content_type = "text/csv", description = "email,unit,language; replaces the wave's e-mailed roster (one-time codes stay)"),
    responses((status = 200, body = RosterCounts),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The wave is not a draft"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Every bad line; nothing stored")),
    security(("bearer" = [])))]
pub async fn put_roster(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Evaluator);
    if let Err(r) = require_type(&req, &["text/csv"]) {
        return r;
    }
    let id = id.into_inner();
    let done = state
        .call(move |c| {
            let text = setup::text(&body, "the body")?;
            setup::import_roster(c, &actor, id, text, Replace::Roster)
        })
        .await;
    match done {
        Ok((added, units)) => HttpResponse::Ok().json(RosterCounts {
            added,
            units: units
                .into_iter()
                .map(|(unit, invited)| UnitCount { unit, invited })
                .collect(),
        }),
        Err(e) => failure::problem(&req, &e),
    }
}

async fn move_to(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: i64,
    to: WaveState,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Evaluator);
    match state
        .call(move |c| setup::move_wave(c, &actor, id, to))
        .await
    {
        Ok(w) => HttpResponse::Ok().json(Wave::from(w)),
        Err(e) => failure::problem(&req, &e),
    }
}

#[utoipa::path(post, path = "/api/v1/waves/{id}/open", tag = "setup",
    params(("id" = i64, Path, description = "The wave's number")),
    responses((status = 200, body = Wave, description = "Open: the roster is frozen"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not a draft")),
    security(("bearer" = [])))]
pub async fn open_wave(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    move_to(req, state, id.into_inner(), WaveState::Open).await
}

#[utoipa::path(post, path = "/api/v1/waves/{id}/close", tag = "setup",
    params(("id" = i64, Path, description = "The wave's number")),
    responses((status = 200, body = Wave, description = "Closed, for good: saved drafts and queued messages are deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not open")),
    security(("bearer" = [])))]
pub async fn close_wave(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    move_to(req, state, id.into_inner(), WaveState::Closed).await
}

/// Messages queued (the worker sends them).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Queued {
    pub queued: usize,
}

/// Reminder rule; both optional (defaults as on the command line).
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct RemindBody {
    pub min_days: Option<u32>,
    pub max_reminders: Option<u32>,
}

/// Runs a mail-queueing use case, once per `Idempotency-Key` when one is
/// sent.
async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    work: impl FnOnce(&mut crate::store::DbConnection, &Actor) -> app::Result<usize> + Send + 'static,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Evaluator);
    let key = match req.headers().get("idempotency-key").map(|h| h.to_str()) {
        None => None,
        Some(Ok(k)) => Some(k.to_owned()),
        Some(Err(_)) => {
            let e = app::Error::invalid(crate::said!(
                "the Idempotency-Key header is not visible ASCII",
                "Idempotency-Key är inte synlig ASCII"
            ));
            return failure::problem(&req, &e);
        }
    };
    let request = format!("{} {}", req.method(), req.path());
    let done = state
        .call(move |c| {
            let answer = |c: &mut crate::store::DbConnection| {
                let n = work(c, &actor)?;
                Ok((
                    200u16,
                    serde_json::to_string(&Queued { queued: n }).expect("serialises"),
                ))
            };
            match key {
                Some(k) => idempotent::once(c, &actor, &k, &request, answer),
                None => answer(c),
            }
        })
        .await;
    match done {
        Ok((status, body)) => {
            HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .content_type("application/json")
                .body(body)
        }
        Err(e) => failure::problem(&req, &e),
    }
}

#[utoipa::path(post, path = "/api/v1/waves/{id}/send", tag = "setup",
    params(("id" = i64, Path, description = "The wave's number"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer")),
    responses((status = 200, body = Queued, description = "Invitations queued for everyone on the roster not yet invited"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The wave is not open"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "The key was used for another request")),
    security(("bearer" = [])))]
pub async fn send(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let id = id.into_inner();
    let secret = state.secret.clone();
    queue(req, state, move |c, actor| {
        setup::send(c, actor, id, &secret)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/waves/{id}/remind", tag = "setup",
    params(("id" = i64, Path, description = "The wave's number"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer")),
    request_body(content = Option<RemindBody>, content_type = "application/json"),
    responses((status = 200, body = Queued),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The wave is not open"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn remind(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Option<web::Json<RemindBody>>,
) -> HttpResponse {
    let id = id.into_inner();
    let b = body.map(|b| b.into_inner()).unwrap_or_default();
    let rule = ReminderRule {
        min_days: b.min_days.unwrap_or(ReminderRule::DEFAULT.min_days),
        max_reminders: b
            .max_reminders
            .unwrap_or(ReminderRule::DEFAULT.max_reminders),
    };
    queue(req, state, move |c, actor| {
        setup::remind(c, actor, id, rule)
    })
    .await
}
