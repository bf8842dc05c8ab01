//! Units over time for HR systems: the units file (with reorganisations in
//! its change columns), one reorganisation as JSON, and the history. The
//! same use cases and checks as `klimat unit …` and the admin page: a
//! change is refused whole (422 with every problem) and nothing changes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller;
use super::writes::{created, require_type};
use crate::app::reorganise::{self, Request};
use crate::app::{setup, units_file};
use crate::auth::Role;
use crate::reorganisation::Change;
use crate::store::units;
use crate::web::AppState;
use crate::web::failure::{self, Problem};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/units", web::post().to(import_units))
        .route("/api/v1/units/changes", web::get().to(unit_changes))
        .route("/api/v1/units/changes", web::post().to(record_change));
}

/// A unit as it was before a change or became after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeSide {
    pub code: String,
    pub name: String,
    /// The parent's code now (null: the top).
    pub parent: Option<String>,
}

/// A recorded reorganisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitChange {
    /// rename, move, merge or split.
    pub kind: String,
    /// YYYY-MM-DD: the first day of the new organisation.
    pub effective_on: String,
    pub before: Vec<ChangeSide>,
    pub after: Vec<ChangeSide>,
    /// In words, in English.
    pub description: String,
}

fn change_body(change: &Change, all: &[units::Unit]) -> UnitChange {
    let code =
        |id: Option<i64>| id.and_then(|id| all.iter().find(|u| u.id == id).map(|u| u.code.clone()));
    let sides = |sides: &[crate::reorganisation::Side]| {
        sides
            .iter()
            .map(|s| ChangeSide {
                code: s.code.clone(),
                name: s.name.clone(),
                parent: code(s.parent_id),
            })
            .collect()
    };
    UnitChange {
        kind: change.kind.as_str().to_owned(),
        effective_on: change.effective_on.clone(),
        before: sides(&change.before),
        after: sides(&change.after),
        description: change.describe(),
    }
}

#[utoipa::path(get, path = "/api/v1/units/changes", tag = "organisation",
    responses((status = 200, body = Vec<UnitChange>, description = "Every reorganisation, in date order"),
        (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn unit_changes(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    caller_or_return!(req, state, Role::Viewer);
    let found = state
        .call(|c| {
            let history = reorganise::history(c)?;
            let all = units::all(c)?;
            Ok(history
                .changes
                .iter()
                .map(|ch| change_body(ch, &all))
                .collect::<Vec<_>>())
        })
        .await;
    match found {
        Ok(list) => HttpResponse::Ok().json(list),
        Err(e) => failure::problem(&req, &e),
    }
}

/// One part of a split.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Part {
    pub code: String,
    pub name: String,
}

/// A reorganisation to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ChangeBody {
    /// The same unit with another code or name.
    Rename {
        code: String,
        #[serde(default)]
        new_code: Option<String>,
        #[serde(default)]
        new_name: Option<String>,
        on: String,
    },
    /// The same unit under another parent (null: the top).
    Move {
        code: String,
        #[serde(default)]
        parent: Option<String>,
        on: String,
    },
    /// Several units into a new one.
    Merge {
        codes: Vec<String>,
        into: String,
        name: String,
        /// Null: the merged units' common parent.
        #[serde(default)]
        parent: Option<String>,
        on: String,
    },
    /// One unit into several new ones, under its parent.
    Split {
        code: String,
        into: Vec<Part>,
        on: String,
    },
}

impl ChangeBody {
    fn request(self) -> (Request, String) {
        match self {
            ChangeBody::Rename {
                code,
                new_code,
                new_name,
                on,
            } => (
                Request::Rename {
                    code,
                    new_code,
                    new_name,
                },
                on,
            ),
            ChangeBody::Move { code, parent, on } => (Request::Move { code, parent }, on),
            ChangeBody::Merge {
                codes,
                into,
                name,
                parent,
                on,
            } => (
                Request::Merge {
                    codes,
                    into,
                    name,
                    parent,
                },
                on,
            ),
            ChangeBody::Split { code, into, on } => (
                Request::Split {
                    code,
                    into: into.into_iter().map(|p| (p.code, p.name)).collect(),
                },
                on,
            ),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/units/changes", tag = "setup", request_body = ChangeBody,
    responses((status = 201, body = UnitChange, description = "Recorded"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Refused with every reason; nothing changed")),
    security(("bearer" = [])))]
pub async fn record_change(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ChangeBody>,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Admin);
    let (request, on) = body.into_inner().request();
    let done = state
        .call(move |c| {
            let change = reorganise::reorganise(c, &actor, &request, &on)?;
            let all = units::all(c)?;
            Ok(change_body(&change, &all))
        })
        .await;
    match done {
        Ok(body) => created(
            StatusCode::CREATED,
            Some("/api/v1/units/changes".into()),
            &body,
        ),
        Err(e) => failure::problem(&req, &e),
    }
}

/// What a units file did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitsImported {
    pub added: usize,
    pub renamed: usize,
    pub unchanged: usize,
    /// The reorganisations recorded from the change columns, in date order.
    pub changes: Vec<UnitChange>,
}

#[utoipa::path(post, path = "/api/v1/units", tag = "setup",
    request_body(content = String, content_type = "text/csv",
        description = "A units file: code,name,parent, and change,on,from for reorganisations (see `klimat unit import --help`)"),
    responses((status = 200, body = UnitsImported),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Every bad line; nothing changed")),
    security(("bearer" = [])))]
pub async fn import_units(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let actor = caller_or_return!(req, state, Role::Admin);
    if let Err(r) = require_type(&req, &["text/csv"]) {
        return r;
    }
    let done = state
        .call(move |c| {
            let text = setup::text(&body, "the body")?;
            let done = units_file::import(c, &actor, text)?;
            let all = units::all(c)?;
            Ok(UnitsImported {
                added: done.units.added,
                renamed: done.units.renamed,
                unchanged: done.units.unchanged,
                changes: done
                    .changes
                    .iter()
                    .map(|ch| change_body(ch, &all))
                    .collect(),
            })
        })
        .await;
    match done {
        Ok(body) => HttpResponse::Ok().json(body),
        Err(e) => failure::problem(&req, &e),
    }
}
