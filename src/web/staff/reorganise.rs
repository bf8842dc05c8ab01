//! Reorganisations from the admin page: one form per kind of change (rename,
//! move, merge, split), each checked whole by [`app::reorganise`] and
//! refused with every reason, nothing changed, as `klimat unit …` is.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::act;
use crate::app::reorganise::{self, Request};
use crate::app::{Error, units_file};
use crate::auth::Role;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    on: String,
    /// The unit (rename, move, split).
    #[serde(default)]
    code: String,
    /// Rename: the new code; merge: the new unit's code.
    #[serde(default)]
    to: String,
    /// Rename: the new name; merge: the new unit's name.
    #[serde(default)]
    name: String,
    /// Move and merge: the new parent's code (empty: the top).
    #[serde(default)]
    parent: String,
    /// Merge: the merged codes, separated by commas, `;` or new lines.
    #[serde(default)]
    codes: String,
    /// Split: one `CODE=NAME` a line.
    #[serde(default)]
    parts: String,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl ChangeForm {
    fn request(&self) -> crate::app::Result<Request> {
        let code = self.code.trim().to_owned();
        Ok(match self.kind.as_str() {
            "rename" => Request::Rename {
                code,
                new_code: given(&self.to),
                new_name: given(&self.name),
            },
            "move" => Request::Move {
                code,
                parent: given(&self.parent),
            },
            "merge" => Request::Merge {
                codes: self
                    .codes
                    .split([',', ';', '\n'])
                    .filter_map(given)
                    .collect(),
                into: self.to.trim().to_owned(),
                name: self.name.trim().to_owned(),
                parent: given(&self.parent),
            },
            "split" => Request::Split {
                code,
                into: self
                    .parts
                    .lines()
                    .filter_map(given)
                    .map(|p| reorganise::parse_part(&p))
                    .collect::<crate::app::Result<_>>()?,
            },
            other => {
                return Err(Error::invalid(crate::said!(
                    "`{other}` is not a change: rename, move, merge or split",
                    "`{other}` är ingen ändring: rename, move, merge eller split"
                )));
            }
        })
    }
}

/// `POST /staff/admin/units/changes`: one change on a date.
pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ChangeForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let csrf = form.csrf.clone();
    let work = move |c: &mut _, a: &_| {
        let request = form.request()?;
        reorganise::reorganise(c, a, &request, form.on.trim())
    };
    act(&req, &state, Role::Admin, &csrf, work, |change| {
        format!("/staff/admin?done=change&n={}#reorganisations", change.id)
    })
    .await
}

#[derive(Deserialize)]
pub struct UnitsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

/// `POST /staff/admin/units`: a units file (code,name,parent, and
/// change,on,from for reorganisations), all or nothing, as `klimat unit
/// import`; every problem is shown with its line.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<UnitsForm>,
) -> HttpResponse {
    let UnitsForm { csrf, csv } = form.into_inner();
    let work = move |c: &mut _, a: &_| units_file::import(c, a, &csv);
    act(&req, &state, Role::Admin, &csrf, work, |done| {
        let s = done.units;
        format!(
            "/staff/admin?done=units&n={}&changes={}#units",
            s.added + s.renamed,
            done.changes.len()
        )
    })
    .await
}
