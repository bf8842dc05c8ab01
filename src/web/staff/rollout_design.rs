//! A study's roll-out as a stepped-wedge trial (`klimat design roll-out` as
//! a page): draw the adoption order from a seed and look at it with its
//! power (Hussey & Hughes, and simulated with the report's estimators)
//! without recording anything, then record it in the study once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::page::{for_the_form, num, see_other};
use super::{Page, require, require_form, staff_or_return, url_escape};
use crate::app::rollout;
use crate::auth::Role;
use crate::web::AppState;

/// The form's fields as typed (text, so that a mistyped number is named back).
#[derive(Deserialize, Default, Clone)]
pub struct DesignQuery {
    steps: Option<String>,
    units_per_step: Option<String>,
    seed: Option<String>,
    by_division: Option<String>,
    respondents_per_unit: Option<String>,
    icc: Option<String>,
    effect: Option<String>,
    alpha: Option<String>,
    done: Option<String>,
}

/// The recording form: the draw's fields, the hash shown, and the CSRF token.
#[derive(Deserialize)]
pub struct RecordForm {
    csrf: String,
    steps: String,
    units_per_step: String,
    seed: String,
    by_division: Option<String>,
    hash: String,
}

/// Simulated studies per design on the page (the CLI's default is 500).
const SIMULATIONS: usize = 200;

struct Fields<'a> {
    page: &'a Page,
    problems: Vec<String>,
}

impl Fields<'_> {
    fn number(&mut self, key: &str, text: &str, whole: bool) -> f64 {
        let parsed = text.trim().replace(',', ".").parse::<f64>();
        match parsed {
            Ok(x) if x.is_finite() && x >= 0.0 && (!whole || x.fract() == 0.0) => x,
            _ => {
                self.problems.push(format!(
                    "{}: `{text}` {}",
                    self.page.t(key),
                    self.page.t(if whole {
                        "not_a_whole_number"
                    } else {
                        "not_a_number"
                    })
                ));
                0.0
            }
        }
    }

    fn draw(
        &mut self,
        steps: &str,
        per: &str,
        seed: &str,
        by_division: bool,
    ) -> rollout::DrawRequest {
        rollout::DrawRequest {
            steps: self.number("rollout_steps", steps, true) as usize,
            units_per_step: self.number("rollout_units_per_step", per, true) as usize,
            seed: seed.trim().parse().unwrap_or_else(|_| {
                self.problems.push(format!(
                    "{}: `{seed}` {}",
                    self.page.t("rollout_seed"),
                    self.page.t("not_a_whole_number")
                ));
                0
            }),
            by_division,
        }
    }
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<DesignQuery>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let (name, q) = (name.into_inner(), q.into_inner());
    let value = |v: &Option<String>, default: &str| v.clone().unwrap_or_else(|| default.to_owned());
    let entered = context! {
        steps => value(&q.steps, "3"),
        units_per_step => value(&q.units_per_step, ""),
        seed => value(&q.seed, ""),
        by_division => q.by_division.is_some(),
        respondents_per_unit => value(&q.respondents_per_unit, "15"),
        icc => value(&q.icc, "0,1"),
        effect => value(&q.effect, "0,3"),
        alpha => value(&q.alpha, "0,05"),
    };
    let mut fields = Fields {
        page: &page,
        problems: Vec::new(),
    };
    let draw = match (&q.steps, &q.units_per_step, &q.seed) {
        (Some(steps), Some(per), Some(seed)) => {
            Some(fields.draw(steps, per, seed, q.by_division.is_some()))
        }
        _ => None,
    };
    let power = match (&q.respondents_per_unit, &q.icc) {
        (Some(m), Some(icc)) => {
            let m = fields.number("power_respondents_per_unit", m, false);
            let icc = fields.number("power_icc", icc, false);
            let effect = q
                .effect
                .as_deref()
                .filter(|e| !e.trim().is_empty())
                .map(|e| fields.number("rollout_effect", e, false));
            let alpha = fields.number("power_alpha", &value(&q.alpha, "0.05"), false);
            if !(m >= 1.0 && icc < 0.9 && alpha > 0.0 && alpha < 1.0) {
                fields
                    .problems
                    .push(page.t("rollout_power_range").to_owned());
            }
            Some((m, icc, effect, alpha))
        }
        _ => None,
    };
    let mut problems = fields.problems;
    let request = rollout::DesignRequest {
        draw,
        power,
        simulations: SIMULATIONS,
    };
    let study = name.clone();
    let asked = problems.is_empty().then_some(request);
    let loaded = state
        .call(move |c| {
            let view = rollout::design(c, &study, asked.as_ref());
            // Without a usable request: the recorded schedule, if any, still shows.
            match view {
                Err(e) => match for_the_form(e) {
                    Ok(e) => Ok((rollout::design(c, &study, None)?, Some(e))),
                    Err(e) => Err(e),
                },
                Ok(v) => Ok((v, None)),
            }
        })
        .await;
    let (view, error) = match loaded {
        Ok(x) => x,
        Err(e) => return page.fail(&req, e),
    };
    if let Some(e) = error {
        problems.extend(e.problems().iter().map(|p| p.get(page.lang).to_owned()));
        if let (Some(s), true) = (e.said(), e.problems().is_empty()) {
            problems.push(s.get(page.lang).to_owned());
        }
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let flash =
        (q.done.as_deref() == Some("schedule")).then(|| page.t("rollout_recorded").to_owned());
    let result = view.as_ref().map(|v| present(&page, v));
    let title = format!("{}: {name}", page.t("rollout_title"));
    page.render(
        status,
        "staff/rollout_design.html",
        &title,
        context! {
            path => url_escape(&name),
            study_name => name,
            entered => entered,
            problems => problems,
            result => result,
            recorded => view.as_ref().is_some_and(|v| v.recorded),
            flash => flash,
        },
    )
}

/// The view's figures as the template shows them.
fn present(page: &Page, v: &rollout::DesignView) -> minijinja::Value {
    let s = &v.schedule;
    let steps: Vec<minijinja::Value> = s
        .steps
        .iter()
        .enumerate()
        .map(|(k, units)| context! { step => k + 1, units => units.join(", ") })
        .collect();
    let percent = |x: f64| format!("{} %", (100.0 * x).round());
    let designs = |hh: Option<&crate::evaluation::rollout::schedule::DesignPower>,
                   sim: Option<&crate::evaluation::rollout::simulated_power::SimulatedPower>,
                   label: &str| {
        context! {
            label => label,
            se => hh.map(|d| num(d.se, page.lang)),
            mde => hh.map(|d| num(d.minimum_detectable_effect, page.lang)),
            power => hh.and_then(|d| d.power).map(percent),
            cluster_t => sim.map(|d| percent(d.cluster_t)),
            randomisation => sim.map(|d| percent(d.randomisation)),
            mean_effect => sim.map(|d| num(d.mean_effect_sd, page.lang)),
        }
    };
    let rows = vec![
        designs(
            v.power.as_ref().map(|p| &p.stepped_wedge),
            v.simulated.as_ref().map(|p| &p.stepped_wedge),
            page.t("rollout_stepped_wedge"),
        ),
        designs(
            v.power.as_ref().map(|p| &p.parallel),
            v.simulated.as_ref().map(|p| &p.parallel),
            page.t("rollout_parallel"),
        ),
    ];
    context! {
        steps => steps,
        never => s.never.join(", "),
        seed => s.request.seed,
        hash => s.hash.clone(),
        request_steps => s.request.steps,
        request_per_step => s.request.units_per_step,
        stratified => s.request.units.iter().any(|u| !u.1.is_empty()),
        powered => v.power.is_some(),
        simulated => v.simulated.as_ref().map(|p| context! {
            studies => p.simulation.studies,
            draws => p.simulation.draws,
            dimension => p.dimension.clone(),
            monte_carlo => percent(2.0 * p.stepped_wedge.monte_carlo_se),
        }),
        rows => rows,
    }
}

pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    form: web::Form<RecordForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let (name, actor) = (name.into_inner(), staff.actor());
    let mut fields = Fields {
        page: &page,
        problems: Vec::new(),
    };
    let draw = fields.draw(
        &form.steps,
        &form.units_per_step,
        &form.seed,
        form.by_division.is_some(),
    );
    let back = || {
        let by = if form.by_division.is_some() {
            "&by_division=yes"
        } else {
            ""
        };
        format!(
            "/staff/studies/{}/roll-out?steps={}&units_per_step={}&seed={}{by}",
            url_escape(&name),
            url_escape(&form.steps),
            url_escape(&form.units_per_step),
            url_escape(&form.seed)
        )
    };
    if !fields.problems.is_empty() {
        return see_other(back());
    }
    let (study, hash) = (name.clone(), form.hash.clone());
    match state
        .call(move |c| rollout::record_drawn(c, &actor, &study, draw, &hash))
        .await
    {
        Ok(_) => see_other(format!(
            "/staff/studies/{}/roll-out?done=schedule",
            url_escape(&name)
        )),
        Err(e) => match for_the_form(e) {
            Ok(e) => page.message(
                StatusCode::CONFLICT,
                page.t("rollout_title"),
                &e.said()
                    .map(|s| s.get(page.lang).to_owned())
                    .unwrap_or_default(),
                &[],
            ),
            Err(e) => page.fail(&req, e),
        },
    }
}
