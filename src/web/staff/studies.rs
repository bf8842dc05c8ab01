//! Studies: the list, one study with its arms and waves, and creating,
//! changing and deleting a study while none of its waves has opened.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::page::see_other;
use super::{Page, Staff, require, require_form, staff_or_return, url_escape};
use crate::app::{self, setup};
use crate::auth::Role;
use crate::store::studies::{self, NewStudy, WaveState};
use crate::store::{surveys, units};
use crate::web::AppState;

#[derive(Serialize)]
struct StudyLine {
    name: String,
    path: String,
    survey: String,
    intervention: String,
    waves: usize,
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Viewer));
    let page = Page::new(&req, Some(&staff));
    let found = state
        .call(|c| {
            let mut out = Vec::new();
            for s in studies::all(c)? {
                let waves = studies::waves_of(c, &s)?.len();
                out.push(StudyLine {
                    path: url_escape(&s.name),
                    name: s.name,
                    survey: s.survey_key,
                    intervention: s.intervention_date,
                    waves,
                });
            }
            Ok(out)
        })
        .await;
    match found {
        Ok(list) => page.ok(
            "staff/studies.html",
            page.t("studies"),
            context! { studies => Serde(list), evaluator => staff.may(Role::Evaluator) },
        ),
        Err(e) => page.fail(&req, e),
    }
}

#[derive(Serialize)]
struct WaveLine {
    id: i64,
    name: String,
    opens_on: Option<String>,
    closes_on: Option<String>,
    state: WaveState,
    state_word: &'static str,
    min_group_size: i32,
}

#[derive(Serialize)]
struct ArmUnit {
    code: String,
    name: String,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Viewer));
    let page = Page::new(&req, Some(&staff));
    let name = name.into_inner();
    let found = state
        .call(move |c| {
            let study = studies::by_name(c, &name)?;
            let waves = studies::waves_of(c, &study)?;
            let (pilot, control) = studies::arms(c, &study)?;
            let names: std::collections::HashMap<String, String> = units::all(c)?
                .into_iter()
                .map(|u| (u.code, u.name))
                .collect();
            let named = |codes: Vec<String>| -> Vec<ArmUnit> {
                codes
                    .into_iter()
                    .map(|code| ArmUnit {
                        name: names.get(&code).cloned().unwrap_or_default(),
                        code,
                    })
                    .collect()
            };
            Ok((study, waves, named(pilot), named(control)))
        })
        .await;
    let (study, waves, pilot, control) = match found {
        Ok(x) => x,
        Err(e) => return page.fail(&req, e),
    };
    let editable = waves.iter().all(|w| w.state == WaveState::Draft);
    let waves: Vec<WaveLine> = waves
        .into_iter()
        .map(|w| WaveLine {
            id: w.id,
            state_word: w.state.word(page.lang),
            name: w.name,
            opens_on: w.opens_on,
            closes_on: w.closes_on,
            state: w.state,
            min_group_size: w.min_group_size,
        })
        .collect();
    let title = format!("{}: {}", page.t("study"), study.name);
    page.ok(
        "staff/study.html",
        &title,
        context! {
            path => url_escape(&study.name),
            study => context! { name => study.name, survey_key => study.survey_key, intervention_date => study.intervention_date },
            evaluator => staff.may(Role::Evaluator),
            editable => editable,
            waves => Serde(waves),
            pilot => Serde(pilot),
            control => Serde(control),
        },
    )
}

/// What the study form shows: the tree with each unit's arm, the surveys.
struct FormData {
    tree: Vec<setup::TreeUnit>,
    surveys: Vec<String>,
}

fn load_form_data(c: &mut crate::store::DbConnection) -> app::Result<FormData> {
    let tree = setup::unit_tree(&units::all(c)?);
    let mut keys: Vec<String> = surveys::versions(c)?.into_iter().map(|v| v.0).collect();
    keys.dedup();
    Ok(FormData {
        tree,
        surveys: keys,
    })
}

#[derive(Default)]
struct Entered {
    name: String,
    survey: String,
    intervention_date: String,
    pilot: Vec<String>,
    control: Vec<String>,
}

fn form_page(
    page: &Page,
    status: StatusCode,
    data: FormData,
    entered: &Entered,
    action: &str,
    editing: bool,
    error: Option<(String, Vec<String>)>,
) -> HttpResponse {
    let arm_of = |code: &str| {
        if entered.pilot.iter().any(|c| c == code) {
            "pilot"
        } else if entered.control.iter().any(|c| c == code) {
            "control"
        } else {
            ""
        }
    };
    let units: Vec<minijinja::Value> = data
        .tree
        .iter()
        .map(|u| {
            context! { code => u.code.clone(), name => u.name.clone(), depth => u.depth.min(4), arm => arm_of(&u.code) }
        })
        .collect();
    let title = if editing {
        page.t("edit_study")
    } else {
        page.t("new_study")
    };
    page.render(
        status,
        "staff/study_form.html",
        title,
        context! {
            action => action,
            editing => editing,
            units => units,
            surveys => data.surveys,
            entered => context! { name => entered.name.clone(), survey => entered.survey.clone(), intervention_date => entered.intervention_date.clone() },
            error => error.as_ref().map(|e| e.0.clone()),
            problems => error.map(|e| e.1).unwrap_or_default(),
        },
    )
}

pub async fn new_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    match state.call(load_form_data).await {
        Ok(data) if data.tree.is_empty() || data.surveys.is_empty() => {
            let text = if data.surveys.is_empty() {
                page.t("need_survey")
            } else {
                page.t("need_units")
            };
            page.message(StatusCode::CONFLICT, page.t("new_study"), text, &[])
        }
        Ok(data) => form_page(
            &page,
            StatusCode::OK,
            data,
            &Entered::default(),
            "/staff/studies",
            false,
            None,
        ),
        Err(e) => page.fail(&req, e),
    }
}

/// The study form as sent: the fields, and each unit's arm (`arm.CODE`).
fn entered_from(fields: &[(String, String)], units: &[units::Unit]) -> (Entered, String) {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (pilot, control) = setup::expand_arms(units, |code| {
        let key = format!("arm.{code}");
        match fields
            .iter()
            .find(|(n, _)| *n == key)
            .map(|(_, v)| v.as_str())
        {
            Some("pilot") => Some("pilot"),
            Some("control") => Some("control"),
            _ => None,
        }
    });
    (
        Entered {
            name: get("name"),
            survey: get("survey"),
            intervention_date: get("intervention_date"),
            pilot,
            control,
        },
        get("csrf"),
    )
}

/// Creates (`existing` None) or changes a study from its form; on bad input
/// the form again with every problem, nothing stored.
async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    fields: Vec<(String, String)>,
    existing: Option<String>,
) -> HttpResponse {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let staff: Staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &csrf));
    let page = Page::new(&req, Some(&staff));
    let actor = staff.actor();
    let current = existing.clone();
    let done = state
        .call(move |c| {
            let all = units::all(c)?;
            let (mut entered, _) = entered_from(&fields, &all);
            if let Some(name) = &current {
                entered.name = name.clone();
            }
            let new = NewStudy {
                seed: None,
                name: entered.name.clone(),
                survey_key: entered.survey.clone(),
                pilot: entered.pilot.clone(),
                control: entered.control.clone(),
                intervention_date: entered.intervention_date.clone(),
            };
            let result = match &current {
                None => setup::create_study(c, &actor, &new),
                Some(name) => setup::update_study(c, &actor, name, &new),
            };
            match result {
                Ok(study) => Ok(Ok(study.name)),
                Err(e @ (app::Error::Invalid { .. } | app::Error::Conflict(_))) => {
                    Ok(Err((e, entered, load_form_data(c)?)))
                }
                Err(e) => Err(e),
            }
        })
        .await;
    match done {
        Ok(Ok(name)) => see_other(format!("/staff/studies/{}", url_escape(&name))),
        Ok(Err((e, entered, data))) => {
            let reason = e
                .said()
                .map(|s| s.get(page.lang).to_owned())
                .unwrap_or_default();
            let problems = e
                .problems()
                .iter()
                .map(|p| p.get(page.lang).to_owned())
                .collect();
            let action = match &existing {
                None => "/staff/studies".to_owned(),
                Some(n) => format!("/staff/studies/{}/edit", url_escape(n)),
            };
            form_page(
                &page,
                crate::web::failure::status(&e),
                data,
                &entered,
                &action,
                existing.is_some(),
                Some((reason, problems)),
            )
        }
        Err(e) => page.fail(&req, e),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    save(req, state, form.into_inner(), None).await
}

pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let name = name.into_inner();
    let found = state
        .call(move |c| {
            let study = studies::by_name(c, &name)?;
            let (pilot, control) = studies::arms(c, &study)?;
            Ok((study, pilot, control, load_form_data(c)?))
        })
        .await;
    match found {
        Ok((study, pilot, control, data)) => {
            let entered = Entered {
                name: study.name.clone(),
                survey: study.survey_key,
                intervention_date: study.intervention_date,
                pilot,
                control,
            };
            let action = format!("/staff/studies/{}/edit", url_escape(&study.name));
            form_page(&page, StatusCode::OK, data, &entered, &action, true, None)
        }
        Err(e) => page.fail(&req, e),
    }
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    save(req, state, form.into_inner(), Some(name.into_inner())).await
}

/// What deleting a study removes, and a button that deletes it.
pub async fn delete_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let name = name.into_inner();
    let lookup = name.clone();
    let waves = match state
        .call(move |c| {
            let study = studies::by_name(c, &lookup)?;
            Ok(studies::waves_of(c, &study)?.len())
        })
        .await
    {
        Ok(n) => n,
        Err(e) => return page.fail(&req, e),
    };
    let path = url_escape(&name);
    let title = format!("{}: {name}", page.t("delete_study"));
    page.confirm(
        &title,
        format!("/staff/studies/{path}/delete"),
        format!("/staff/studies/{path}"),
        page.t("delete_confirm_button"),
        vec![
            format!("{waves} {}", page.t("delete_study_waves")),
            page.t("delete_final").to_owned(),
        ],
    )
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> HttpResponse {
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let actor = staff.actor();
    let name = name.into_inner();
    if form.confirm != "yes" {
        return see_other(format!("/staff/studies/{}/delete", url_escape(&name)));
    }
    match state
        .call(move |c| setup::delete_study(c, &actor, &name))
        .await
    {
        Ok(()) => see_other("/staff?done=study_deleted"),
        Err(e) => page.fail(&req, e),
    }
}
