//! The design calculation (`klimat design power`) as a form: how large an
//! effect a pilot of this many units can detect. Reads nothing stored.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::page::num;
use super::{Page, require, staff_or_return};
use crate::auth::Role;
use crate::evaluation::power::{PowerDesign, minimum_detectable_effect};
use crate::web::AppState;

/// The form's fields as typed: text, so that a mistyped number is named
/// back instead of refused as an unreadable request.
#[derive(Deserialize, Default)]
pub struct PowerQuery {
    units_pilot: Option<String>,
    units_control: Option<String>,
    respondents_per_unit: Option<String>,
    icc: Option<String>,
    waves_pre: Option<String>,
    waves_post: Option<String>,
    stability: Option<String>,
    alpha: Option<String>,
    power: Option<String>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PowerQuery>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let q = q.into_inner();
    let field = |v: &Option<String>, default: &str| v.clone().unwrap_or_else(|| default.to_owned());
    let entered = [
        ("units_pilot", field(&q.units_pilot, "4")),
        ("units_control", field(&q.units_control, "8")),
        ("respondents_per_unit", field(&q.respondents_per_unit, "15")),
        ("icc", field(&q.icc, "0.1")),
        ("waves_pre", field(&q.waves_pre, "1")),
        ("waves_post", field(&q.waves_post, "1")),
        ("stability", field(&q.stability, "0.5")),
        ("alpha", field(&q.alpha, "0.05")),
        ("power", field(&q.power, "0.8")),
    ];
    let mut problems = Vec::new();
    let mut number = |i: usize| -> f64 {
        let (name, text) = &entered[i];
        match text.trim().replace(',', ".").parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => x,
            _ => {
                problems.push(format!(
                    "{}: `{text}` {}",
                    page.t(&format!("power_{name}")),
                    page.t("not_a_number")
                ));
                0.0
            }
        }
    };
    let values: Vec<f64> = (0..entered.len()).map(&mut number).collect();
    let asked = q.units_pilot.is_some();
    let result = if asked && problems.is_empty() {
        let design = PowerDesign {
            pilot_units: values[0] as usize,
            control_units: values[1] as usize,
            respondents_per_unit: values[2],
            icc: values[3],
            pre_waves: values[4] as usize,
            post_waves: values[5] as usize,
            stability: values[6],
            alpha: values[7],
            power: values[8],
        };
        match minimum_detectable_effect(&design) {
            Ok(r) => Some(context! {
                mde => num(r.minimum_detectable_effect, page.lang),
                design_effect => num(r.design_effect, page.lang),
                sd_change => num(r.sd_unit_change, page.lang),
                df => num(r.degrees_of_freedom, page.lang),
                assignments => r.assignments,
                smallest_p => format!("{:.4}", r.smallest_p),
                attainable => r.alpha_attainable,
            }),
            Err(why) => {
                problems.push(why);
                None
            }
        }
    } else {
        None
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let fields: Vec<minijinja::Value> = entered
        .iter()
        .map(|(name, value)| context! { name => *name, value => value, label => page.t(&format!("power_{name}")) })
        .collect();
    page.render(
        status,
        "staff/design.html",
        page.t("design"),
        context! { fields => fields, result => result, problems => problems },
    )
}
