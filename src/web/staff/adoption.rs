//! A study's adoption dates (a roll-out): the form with every study unit's
//! date, saving them all or none, and the changes recorded so far.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::page::{for_the_form, see_other};
use super::{Page, require, require_form, staff_or_return, url_escape};
use crate::app::{self, setup};
use crate::auth::Role;
use crate::store::{adoptions, studies, units};
use crate::web::AppState;

/// What the page shows: per study unit its arm and recorded date, and the changes.
struct Loaded {
    study: studies::Study,
    units: Vec<(String, String, &'static str, Option<String>)>,
    changes: Vec<adoptions::Change>,
}

fn load(c: &mut crate::store::DbConnection, name: &str) -> app::Result<Loaded> {
    let study = studies::by_name(c, name)?;
    let (pilot, control) = studies::arms(c, &study)?;
    let recorded = adoptions::of(c, &study)?;
    let names: std::collections::HashMap<String, String> = units::all(c)?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    let row = |code: String, arm: &'static str| {
        let date = recorded
            .iter()
            .find(|(u, _)| *u == code)
            .map(|(_, d)| d.clone());
        (
            names.get(&code).cloned().unwrap_or_default(),
            code,
            arm,
            date,
        )
    };
    let mut rows: Vec<_> = pilot.into_iter().map(|c| row(c, "pilot")).collect();
    rows.extend(control.into_iter().map(|c| row(c, "control")));
    let changes = adoptions::changes(c, &study)?;
    Ok(Loaded {
        study,
        units: rows,
        changes,
    })
}

fn show(
    page: &Page,
    status: StatusCode,
    loaded: Loaded,
    entered: Option<&[(String, String)]>,
    error: Option<app::Error>,
    flash: Option<String>,
) -> HttpResponse {
    // What each unit's fields show: the date, and whether "never" is ticked.
    let value_of = |code: &str, recorded: &Option<String>| -> (String, bool) {
        match entered {
            Some(form) => {
                let field = |prefix: &str| {
                    form.iter()
                        .find(|(k, _)| k.strip_prefix(prefix) == Some(code))
                };
                let date = field("date.").map(|(_, v)| v.clone()).unwrap_or_default();
                (date, field("never.").is_some())
            }
            None => match recorded.as_deref() {
                Some(adoptions::NEVER) => (String::new(), true),
                other => (other.unwrap_or_default().to_owned(), false),
            },
        }
    };
    let units: Vec<minijinja::Value> = loaded
        .units
        .iter()
        .map(|(name, code, arm, date)| {
            let (value, never) = value_of(code, date);
            context! { name => name, code => code, arm => *arm, value => value, never => never }
        })
        .collect();
    let changes: Vec<minijinja::Value> = loaded
        .changes
        .iter()
        .rev()
        .map(|c| {
            context! {
                unit => c.unit.clone(),
                previous => c.previous.clone().unwrap_or_else(|| "–".into()),
                adopted_on => c.adopted_on.clone().unwrap_or_else(|| "–".into()),
                recorded_at => c.recorded_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            }
        })
        .collect();
    let (text, problems) = match &error {
        Some(e) => (
            e.said().map(|s| s.get(page.lang).to_owned()),
            e.problems()
                .iter()
                .map(|p| p.get(page.lang).to_owned())
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    let title = format!("{}: {}", page.t("adoption_title"), loaded.study.name);
    page.render(
        status,
        "staff/adoption.html",
        &title,
        context! {
            path => url_escape(&loaded.study.name),
            study_name => loaded.study.name.clone(),
            intervention_date => loaded.study.intervention_date.clone(),
            units => units,
            changes => changes,
            error => text,
            problems => problems,
            flash => flash,
        },
    )
}

/// What the page was redirected with after saving.
#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<u64>,
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    done: web::Query<Done>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let name = name.into_inner();
    let flash = match (done.done.as_deref(), done.n) {
        (Some("adoption"), Some(n)) => Some(format!("{n} {}", page.t("adoption_saved"))),
        _ => None,
    };
    match state.call(move |c| load(c, &name)).await {
        Ok(loaded) => show(&page, StatusCode::OK, loaded, None, None, flash),
        Err(e) => page.fail(&req, e),
    }
}

pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let form = form.into_inner();
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &csrf));
    let page = Page::new(&req, Some(&staff));
    let (name, actor) = (name.into_inner(), staff.actor());
    // A ticked "never" wins over a date; an empty date without it removes one.
    let never = |unit: &str| {
        form.iter()
            .any(|(k, _)| k.strip_prefix("never.") == Some(unit))
    };
    let dates: Vec<(String, Option<String>)> = form
        .iter()
        .filter_map(|(k, v)| {
            let unit = k.strip_prefix("date.")?;
            let v = v.trim();
            let date = if never(unit) {
                Some(adoptions::NEVER.to_owned())
            } else {
                (!v.is_empty()).then(|| v.to_owned())
            };
            Some((unit.to_owned(), date))
        })
        .collect();
    let study = name.clone();
    match state
        .call(move |c| setup::adopt(c, &actor, &study, &dates))
        .await
    {
        Ok(made) => see_other(format!(
            "/staff/studies/{}/adoption?done=adoption&n={}",
            url_escape(&name),
            made.len()
        )),
        Err(e) => match for_the_form(e) {
            Ok(e) => match state.call(move |c| load(c, &name)).await {
                Ok(loaded) => show(
                    &page,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    loaded,
                    Some(&form),
                    Some(e),
                    None,
                ),
                Err(e) => page.fail(&req, e),
            },
            Err(e) => page.fail(&req, e),
        },
    }
}
