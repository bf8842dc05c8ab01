//! Units' feedback reports: `/staff/studies/{name}/feedback` lists the
//! units the reader may see, `/staff/studies/{name}/feedback/{code}` is one
//! unit's report (`?wave=` another wave, `?download=1` the self-contained
//! HTML). Viewers limited to a unit see only units inside it; comments are
//! in it for evaluators and those viewers.

use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::page::{download, file_safe};
use super::{Page, act, require, staff_or_return, url_escape};
use crate::app::feedback::{Reader, unit_feedback};
use crate::auth::Role;
use crate::report::feedback;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct FeedbackQuery {
    wave: Option<String>,
    download: Option<String>,
}

/// What a form on the list page did.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<u64>,
    reports: Option<u64>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    done: web::Query<Done>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Viewer));
    let page = Page::new(&req, Some(&staff));
    let (name, lang, scope) = (name.into_inner(), page.lang, staff.scope);
    let study = name.clone();
    // Evaluators also keep the roster of managers and send the notices.
    let evaluator = staff.role.allows(Role::Evaluator);
    let (dash, managers) = match state
        .call(move |c| {
            let dash = crate::app::dashboard_within(c, &study, lang, scope)?;
            let managers = if evaluator {
                crate::store::managers::all(c)?
            } else {
                Vec::new()
            };
            Ok((dash, managers))
        })
        .await
    {
        Ok(d) => d,
        Err(e) => return page.fail(&req, e),
    };
    let flash = match (done.done.as_deref(), done.n) {
        (Some("managers"), Some(n)) => Some(format!("{n} {}", page.t("done_managers"))),
        (Some("notify"), Some(n)) => Some(format!(
            "{n} {} ({} {})",
            page.t("done_notify"),
            done.reports.unwrap_or(0),
            page.t("done_notify_reports")
        )),
        _ => None,
    };
    let waves: Vec<String> = dash
        .waves
        .iter()
        .filter(|w| !w.open)
        .map(|w| w.name.clone())
        .collect();
    let latest = dash.waves.len().checked_sub(1);
    let units: Vec<minijinja::Value> = dash
        .tree_order()
        .into_iter()
        .map(|u| {
            let unit = &dash.units[u];
            let shown =
                (0..dash.waves.len()).any(|w| dash.figures[w].iter().any(|d| d[u].mean.is_some()));
            let depth = std::iter::successors(unit.parent, |&p| dash.units[p].parent).count();
            context! {
                name => unit.name.clone(),
                path => url_escape(&unit.code),
                shown => shown,
                depth => depth,
                n => latest.and_then(|w| dash.figures[w].first().and_then(|d| d[u].n)),
            }
        })
        .collect();
    let title = format!("{}: {name}", page.t("feedback"));
    page.ok(
        "staff/feedback_list.html",
        &title,
        context! {
            study_path => url_escape(&name),
            study_name => name,
            units => units,
            evaluator => evaluator,
            managers => minijinja::value::Serde(managers),
            waves => waves,
            flash => flash,
        },
    )
}

#[derive(Deserialize)]
pub struct ManagersForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

/// `POST /staff/studies/{name}/feedback/managers`: the roster of managers
/// (unit,email[,language]), whole or not at all, as `klimat managers import`.
pub async fn managers(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    form: web::Form<ManagersForm>,
) -> HttpResponse {
    let ManagersForm { csrf, csv } = form.into_inner();
    let path = url_escape(&name.into_inner());
    let work = move |c: &mut _, a: &_| crate::app::managers::import(c, a, &csv);
    act(&req, &state, Role::Evaluator, &csrf, work, move |n| {
        format!("/staff/studies/{path}/feedback?done=managers&n={n}#managers")
    })
    .await
}

#[derive(Deserialize)]
pub struct NotifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    wave: String,
}

/// `POST /staff/studies/{name}/feedback/notify`: an e-mail to each manager
/// of a unit whose report the wave shows, as `klimat managers notify`.
pub async fn notify(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    form: web::Form<NotifyForm>,
) -> HttpResponse {
    let NotifyForm { csrf, wave } = form.into_inner();
    let study = name.into_inner();
    let path = url_escape(&study);
    let work = move |c: &mut _, a: &_| crate::app::managers::queue(c, a, &study, wave.trim());
    act(&req, &state, Role::Evaluator, &csrf, work, move |q| {
        format!(
            "/staff/studies/{path}/feedback?done=notify&n={}&reports={}#managers",
            q.queued, q.reports
        )
    })
    .await
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<FeedbackQuery>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Viewer));
    let page = Page::new(&req, Some(&staff));
    let (name, code) = path.into_inner();
    let query = query.into_inner();
    let reader = Reader {
        lang: page.lang,
        scope: staff.scope,
        comments: staff.reads_comments(),
    };
    let (study, unit, wave) = (name.clone(), code.clone(), query.wave.clone());
    let actor = staff.actor();
    let report = match state
        .call(move |c| {
            let r = unit_feedback(c, &study, &unit, wave.as_deref(), reader)?;
            let detail = format!("study {study}, unit {unit}, wave {}", r.wave);
            crate::app::setup::audit(c, &actor, "read.feedback", &detail)?;
            Ok(r)
        })
        .await
    {
        Ok(r) => r,
        Err(e) => return page.fail(&req, e),
    };
    if query.download.is_some() {
        return download(
            &format!(
                "feedback-{}-{}.html",
                file_safe(&report.code),
                file_safe(&report.wave)
            ),
            "text/html; charset=utf-8",
            feedback::html(&report, page.lang),
        );
    }
    let title = format!("{}: {}", page.t("feedback"), report.unit);
    page.ok(
        "staff/feedback.html",
        &title,
        context! {
            study_path => url_escape(&name),
            study_name => name,
            unit_path => url_escape(&code),
            wave_path => url_escape(&report.wave),
            body => feedback::html_body(&report, page.lang),
        },
    )
}
