//! Units' feedback reports: `/staff/studies/{name}/feedback` lists the
//! units the reader may see, `/staff/studies/{name}/feedback/{code}` is one
//! unit's report (`?wave=` another wave, `?download=1` the self-contained
//! HTML). Viewers limited to a unit see only units inside it; comments are
//! in it for evaluators and those viewers.

use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::page::{download, file_safe};
use super::{Page, require, staff_or_return, url_escape};
use crate::app::feedback::{Reader, unit_feedback};
use crate::auth::Role;
use crate::report::feedback;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct FeedbackQuery {
    wave: Option<String>,
    download: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Viewer));
    let page = Page::new(&req, Some(&staff));
    let (name, lang, scope) = (name.into_inner(), page.lang, staff.scope);
    let study = name.clone();
    let dash = match state
        .call(move |c| crate::app::dashboard_within(c, &study, lang, scope))
        .await
    {
        Ok(d) => d,
        Err(e) => return page.fail(&req, e),
    };
    let latest = dash.waves.len().checked_sub(1);
    let units: Vec<minijinja::Value> = dash
        .units
        .iter()
        .enumerate()
        .map(|(u, unit)| {
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
        context! { study_path => url_escape(&name), study_name => name, units => units },
    )
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
