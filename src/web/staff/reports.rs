//! Reports: a study's effect report (the page, and its files in each
//! format) and a wave's scoring — reliability and agreement per dimension
//! and the units the disclosure plan shows.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::page::{download, file_safe, num};
use super::{Page, require, staff_or_return, url_escape};
use crate::app::{self, setup};
use crate::auth::Role;
use crate::report::effect::{self, Format};
use crate::store::studies;
use crate::survey::Language;
use crate::web::AppState;

pub async fn effect(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let name = name.into_inner();
    let (min, lang, study) = (state.min_group_size, page.lang, name.clone());
    let report = match state
        .call(move |c| app::study_report(c, &study, lang, min))
        .await
    {
        Ok(r) => r,
        Err(e) => return page.fail(&req, e),
    };
    let title = format!("{}: {}", page.t("report"), name);
    let formats: Vec<&str> = Format::ALL.iter().map(|f| f.extension()).collect();
    page.ok(
        "staff/report.html",
        &title,
        context! {
            path => url_escape(&name),
            study_name => name,
            formats => formats,
            body => match &report {
                app::StudyReport::Effect(r) => effect::html_body(r),
                app::StudyReport::Rollout(r) => crate::report::rollout::html_body(r, lang),
            },
        },
    )
}

pub async fn effect_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let (name, ext) = path.into_inner();
    let Some(format) = Format::from_extension(&ext) else {
        return crate::web::site::not_found(req).await;
    };
    let (min, lang, actor, study) = (state.min_group_size, page.lang, staff.actor(), name.clone());
    let done = state
        .call(move |c| {
            let report = app::study_report(c, &study, lang, min)?;
            setup::audit(
                c,
                &actor,
                "export.report",
                &format!("study {study} as {}", format.extension()),
            )?;
            Ok(report.render(format, lang))
        })
        .await;
    match done {
        Ok(text) => download(
            &format!("effect-{}.{}", file_safe(&name), format.extension()),
            format.content_type(),
            text,
        ),
        Err(e) => page.fail(&req, e),
    }
}

fn opt(x: Option<f64>, lang: Language) -> String {
    x.map_or("–".into(), |v| num(v, lang))
}

/// A wave's scoring under its study's plan.
pub async fn scores(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let (id, lang) = (id.into_inner(), page.lang);
    let done = state
        .call(move |c| {
            let wave = studies::wave_by_id(c, id)?;
            let report = app::score_wave(c, &wave, lang)?;
            Ok((wave, report))
        })
        .await;
    let (wave, report) = match done {
        Ok(x) => x,
        Err(e) => return page.fail(&req, e),
    };
    let hidden = page.t("hidden");
    let waves: Vec<minijinja::Value> = report
        .waves
        .iter()
        .map(|w| {
            let dims: Vec<minijinja::Value> = w
                .dimensions
                .iter()
                .map(|d| {
                    let units: Vec<minijinja::Value> = d
                        .units
                        .iter()
                        .map(|u| {
                            context! {
                                unit => u.unit.clone(), suppressed => u.suppressed,
                                n => u.n.map_or(hidden.to_owned(), |n| n.to_string()),
                                mean => if u.suppressed { hidden.to_owned() } else { opt(u.mean, lang) },
                                rwg => if u.suppressed { hidden.to_owned() } else { opt(u.rwg_j, lang) },
                            }
                        })
                        .collect();
                    context! {
                        name => d.name.clone(), lower_better => d.direction == crate::survey::Direction::LowerIsBetter,
                        suppressed => d.suppressed,
                        n => d.n.map_or(hidden.to_owned(), |n| n.to_string()),
                        mean => opt(d.mean, lang), sd => opt(d.sd, lang),
                        alpha => opt(d.alpha, lang), omega => opt(d.omega, lang),
                        icc1 => opt(d.icc1, lang), icc2 => opt(d.icc2, lang),
                        rwg => opt(d.rwg_j_median, lang), units => units,
                    }
                })
                .collect();
            context! { name => w.wave.clone(), respondents => w.respondents, dimensions => dims }
        })
        .collect();
    let title = format!("{}: {} {}", page.t("scores"), page.t("wave"), wave.name);
    page.render(
        StatusCode::OK,
        "staff/scores.html",
        &title,
        context! { wave => context! { id => wave.id, name => wave.name }, waves => waves, min_group_size => report.min_group_size },
    )
}
