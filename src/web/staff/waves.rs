//! Waves: a wave's page (status per unit under the disclosure plan, what
//! can be done next), creating and changing drafts, opening, closing after
//! a confirmation that says what closing deletes, queueing invitations and
//! reminders, and the responses export.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::page::for_the_form;
use super::page::{percent, see_other};
use super::session::CsrfForm;
use super::{Page, act, require, require_form, staff_or_return, url_escape};
use crate::app::{self, setup};
use crate::auth::Role;
use crate::store::outbox::ReminderRule;
use crate::store::studies::{self, NewWave, Wave, WaveState};
use crate::survey::Language;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<u64>,
    why: Option<String>,
}

#[derive(Serialize)]
struct StatusLine {
    unit: String,
    name: String,
    invited: u64,
    sent: u64,
    failed: u64,
    opted_out: u64,
    answered_text: String,
    rate_text: String,
}

fn status_line(r: app::StatusRow, open: bool, lang: Language) -> StatusLine {
    let hidden = super::words::pick(lang, "hidden");
    let shown = |a: Option<u64>| match a {
        Some(a) => a.to_string(),
        // Before anyone could answer there is nothing to hide.
        None if r.invited == 0 => "0".into(),
        None if open => super::words::pick(lang, "while_open").to_owned(),
        None => hidden.to_owned(),
    };
    StatusLine {
        answered_text: shown(r.answered),
        rate_text: match (r.rate, r.answered) {
            (Some(x), _) => percent(x, lang),
            (None, Some(_)) | (None, None) if r.invited == 0 => "–".into(),
            (None, Some(_)) => "–".into(),
            (None, None) if open => super::words::pick(lang, "while_open").to_owned(),
            (None, None) => hidden.to_owned(),
        },
        unit: r.unit,
        name: r.name,
        invited: r.invited,
        sent: r.sent,
        failed: r.failed,
        opted_out: r.opted_out,
    }
}

fn flash(page: &Page, done: &Done) -> Option<String> {
    let n = done.n.unwrap_or(0);
    Some(match done.done.as_deref()? {
        "open" => page.t("done_open").to_owned(),
        "close" => page.t("done_close").to_owned(),
        "created" => page.t("done_wave_created").to_owned(),
        "saved" => page.t("done_saved").to_owned(),
        "send" if n == 0 => page.t("done_send_none").to_owned(),
        "send" => format!("{n} {}", page.t("done_send")),
        "remind" if n == 0 => page.t("done_remind_none").to_owned(),
        "remind" => format!("{n} {}", page.t("done_remind")),
        "roster" => format!("{n} {}", page.t("done_roster")),
        "codes" => format!("{n} {}", page.t("done_codes")),
        "answers" => format!("{n} {}", page.t("done_answers")),
        _ => return None,
    })
}

/// The wave and its study's name.
fn wave_and_study(c: &mut crate::store::DbConnection, id: i64) -> app::Result<(Wave, String)> {
    let wave = studies::wave_by_id(c, id)?;
    let study = studies::by_id(c, wave.study_id)?.name;
    Ok((wave, study))
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    done: web::Query<Done>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let id = id.into_inner();
    let lang = page.lang;
    let found = state
        .call(move |c| {
            let (wave, study) = wave_and_study(c, id)?;
            let (rows, total, validity) = app::wave_status_and_validity(c, &wave, lang)?;
            let roster = crate::store::invitations::roster_counts(c, &wave)?
                .iter()
                .map(|r| r.1)
                .sum::<i64>();
            Ok((wave, study, rows, total, roster, validity))
        })
        .await;
    let (wave, study, rows, total, roster, validity) = match found {
        Ok(x) => x,
        Err(e) => return page.fail(&req, e),
    };
    let open = wave.state == WaveState::Open;
    let title = format!("{} {}", page.t("wave"), wave.name);
    let rows: Vec<StatusLine> = rows
        .into_iter()
        .map(|r| status_line(r, open, page.lang))
        .collect();
    let flash = flash(&page, &done);
    page.ok(
        "staff/wave.html",
        &title,
        context! {
            state_word => wave.state.word(page.lang),
            wave => context! { id => wave.id, name => wave.name, state => wave.state.as_str(),
                min_group_size => wave.min_group_size, opens_on => wave.opens_on, closes_on => wave.closes_on },
            study_name => study.clone(),
            study_path => url_escape(&study),
            rows => Serde(rows),
            roster => roster,
            total => Serde(status_line(total, open, page.lang)),
            rule => context! { min_days => ReminderRule::DEFAULT.min_days, max_reminders => ReminderRule::DEFAULT.max_reminders },
            flash => flash,
            why => done.why.as_deref().map(|w| page.t(if w == "remind" { "remind_none_why" } else { "send_none_why" })),
            validity => validity.as_ref().map(|v| validity_section(v, page.lang)),
        },
    )
}

/// The wave page's validity section: the model's fit, per dimension its
/// weakest loading and whether the arms' means may be compared, what
/// could not be computed, and what to revise.
fn validity_section(
    v: &crate::validity::ValidityReport,
    lang: crate::survey::Language,
) -> minijinja::Value {
    use crate::stats::cfa::Level;
    let level_word = |l: Option<Level>| -> &'static str {
        let sv = lang == crate::survey::Language::Sv;
        match l {
            Some(Level::Scalar) => {
                if sv {
                    "skalär"
                } else {
                    "scalar"
                }
            }
            Some(Level::Metric) => {
                if sv {
                    "metrisk"
                } else {
                    "metric"
                }
            }
            Some(Level::Configural) => {
                if sv {
                    "konfigural"
                } else {
                    "configural"
                }
            }
            None => "–",
        }
    };
    let arms = v
        .invariance
        .iter()
        .find(|s| s.across == crate::validity::Across::Arms);
    let dimensions: Vec<minijinja::Value> = v
        .dimensions
        .iter()
        .map(|d| {
            let weakest = v
                .model
                .as_ref()
                .and_then(|m| {
                    m.loadings
                        .iter()
                        .filter(|l| l.dimension == d.id)
                        .map(|l| l.std)
                        .min_by(f64::total_cmp)
                })
                .map(|l| format!("{l:.2}"));
            let support = arms.and_then(|s| s.dimensions.iter().find(|x| x.dimension == d.id));
            context! {
                name => d.name.clone(),
                weakest => weakest,
                level => support.map(|x| level_word(x.level)),
                comparable => support.map(|x| x.means_comparable),
            }
        })
        .collect();
    context! {
        complete => v.complete_cases,
        respondents => v.respondents,
        fit => v.model.as_ref().map(|m| context! {
            cfi => format!("{:.3}", m.fit.cfi), tli => format!("{:.3}", m.fit.tli),
            rmsea => format!("{:.3}", m.fit.rmsea), srmr => format!("{:.3}", m.fit.srmr),
        }),
        dimensions => dimensions,
        arms => arms.map(|s| s.verdict.clone()),
        problems => v.problems.clone(),
        advice => v.advice.clone(),
    }
}

#[derive(Deserialize, Default)]
pub struct WaveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
    #[serde(default)]
    min_group_size: String,
}

impl WaveForm {
    /// The wave as entered; a minimum group size that is not a number is
    /// refused by name.
    fn new_wave(&self, comment_minimum: u32) -> app::Result<NewWave> {
        let min = self.min_group_size.trim();
        let min_group_size = min.parse::<u32>().map_err(|_| {
            app::Error::invalid(crate::said!(
                "the minimum group size `{min}` is not a whole number",
                "minsta gruppstorlek `{min}` är inget heltal"
            ))
        })?;
        let date = |d: &str| Some(d.trim().to_owned()).filter(|d| !d.is_empty());
        Ok(NewWave {
            name: self.name.trim().to_owned(),
            opens_on: date(&self.opens),
            closes_on: date(&self.closes),
            min_group_size,
            min_group_size_comments: comment_minimum,
            survey_version: None,
        })
    }
}

fn wave_form(
    page: &Page,
    status: StatusCode,
    action: &str,
    study: &str,
    form: &WaveForm,
    editing: bool,
    error: Option<&app::Error>,
) -> HttpResponse {
    let title = if editing {
        page.t("edit_wave")
    } else {
        page.t("new_wave")
    };
    page.render(
        status,
        "staff/wave_form.html",
        title,
        context! {
            action => action,
            study_name => study,
            study_path => url_escape(study),
            editing => editing,
            entered => context! { name => form.name.clone(), opens => form.opens.clone(), closes => form.closes.clone(), min_group_size => form.min_group_size.clone() },
            floor => crate::config::MIN_GROUP_SIZE_FLOOR,
            error => error.and_then(|e| e.said()).map(|s| s.get(page.lang).to_owned()),
        },
    )
}

pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    study: web::Path<String>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let name = study.into_inner();
    let lookup = name.clone();
    if let Err(e) = state.call(move |c| Ok(studies::by_name(c, &lookup)?)).await {
        return page.fail(&req, e);
    }
    let form = WaveForm {
        min_group_size: state.min_group_size.to_string(),
        ..WaveForm::default()
    };
    let action = format!("/staff/studies/{}/waves", url_escape(&name));
    wave_form(&page, StatusCode::OK, &action, &name, &form, false, None)
}

/// A refusal the form can show again (bad input, a state that forbids it),
/// or the error page for anything else.
fn form_or_fail(
    req: &HttpRequest,
    page: &Page,
    e: app::Error,
    show: impl FnOnce(StatusCode, &app::Error) -> HttpResponse,
) -> HttpResponse {
    match for_the_form(e) {
        Ok(e) => show(crate::web::failure::status(&e), &e),
        Err(e) => page.fail(req, e),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    study: web::Path<String>,
    form: web::Form<WaveForm>,
) -> HttpResponse {
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let (name, form) = (study.into_inner(), form.into_inner());
    let actor = staff.actor();
    let study_name = name.clone();
    let new = form.new_wave(state.comment_minimum);
    let done = state
        .call(move |c| setup::create_wave(c, &actor, &study_name, &new?))
        .await;
    match done {
        Ok(w) => see_other(format!("/staff/waves/{}?done=created", w.id)),
        Err(e) => form_or_fail(&req, &page, e, |status, e| {
            let action = format!("/staff/studies/{}/waves", url_escape(&name));
            wave_form(&page, status, &action, &name, &form, false, Some(e))
        }),
    }
}

pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let id = id.into_inner();
    match state.call(move |c| wave_and_study(c, id)).await {
        Ok((w, study)) => {
            let form = WaveForm {
                csrf: String::new(),
                name: w.name,
                opens: w.opens_on.unwrap_or_default(),
                closes: w.closes_on.unwrap_or_default(),
                min_group_size: w.min_group_size.to_string(),
            };
            wave_form(
                &page,
                StatusCode::OK,
                &format!("/staff/waves/{id}/edit"),
                &study,
                &form,
                true,
                None,
            )
        }
        Err(e) => page.fail(&req, e),
    }
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<WaveForm>,
) -> HttpResponse {
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let (id, form) = (id.into_inner(), form.into_inner());
    let actor = staff.actor();
    let new = form.new_wave(state.comment_minimum);
    let done = state
        .call(move |c| {
            let study = wave_and_study(c, id)?.1;
            Ok((setup::update_wave(c, &actor, id, &new?), study))
        })
        .await;
    match done {
        Ok((Ok(w), _)) => see_other(format!("/staff/waves/{}?done=saved", w.id)),
        Ok((Err(e), study)) => form_or_fail(&req, &page, e, |status, e| {
            wave_form(
                &page,
                status,
                &format!("/staff/waves/{id}/edit"),
                &study,
                &form,
                true,
                Some(e),
            )
        }),
        Err(e) => page.fail(&req, e),
    }
}

/// What deleting a draft wave removes, and a button that deletes it.
pub async fn delete_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let id = id.into_inner();
    let found = state
        .call(move |c| {
            let wave = studies::wave_by_id(c, id)?;
            let invited: i64 = crate::store::invitations::roster_counts(c, &wave)?
                .iter()
                .map(|r| r.1)
                .sum();
            Ok((wave, invited))
        })
        .await;
    let (wave, invited) = match found {
        Ok(x) => x,
        Err(e) => return page.fail(&req, e),
    };
    let title = format!(
        "{}: {} {}",
        page.t("delete_wave"),
        page.t("wave"),
        wave.name
    );
    page.confirm(
        &title,
        format!("/staff/waves/{id}/delete"),
        format!("/staff/waves/{id}"),
        page.t("delete_confirm_button"),
        vec![
            format!("{invited} {}", page.t("delete_wave_invited")),
            page.t("delete_final").to_owned(),
        ],
    )
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CloseForm>,
) -> HttpResponse {
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let (id, actor) = (id.into_inner(), staff.actor());
    if form.confirm != "yes" {
        return see_other(format!("/staff/waves/{id}/delete"));
    }
    let done = state
        .call(move |c| {
            let study = wave_and_study(c, id)?.1;
            setup::delete_wave(c, &actor, id)?;
            Ok(study)
        })
        .await;
    match done {
        Ok(study) => see_other(format!("/staff/studies/{}", url_escape(&study))),
        Err(e) => page.fail(&req, e),
    }
}

pub async fn open(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let work = move |c: &mut _, a: &_| setup::move_wave(c, a, id, WaveState::Open);
    act(&req, &state, Role::Evaluator, &form.csrf, work, |_| {
        format!("/staff/waves/{id}?done=open")
    })
    .await
}

/// What closing will delete, and a button that closes.
pub async fn close_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    let id = id.into_inner();
    let found = state
        .call(move |c| {
            let wave = studies::wave_by_id(c, id)?;
            let queued = crate::store::outbox::queued(c, wave.id)?;
            Ok((wave, queued))
        })
        .await;
    let (wave, queued) = match found {
        Ok(x) => x,
        Err(e) => return page.fail(&req, e),
    };
    if wave.state != WaveState::Open {
        let text = format!(
            "{} ({})",
            page.t("close_not_open"),
            wave.state.word(page.lang)
        );
        return page.message(StatusCode::CONFLICT, page.t("error"), &text, &[]);
    }
    let title = format!("{}: {} {}", page.t("close_wave"), page.t("wave"), wave.name);
    // How many drafts are saved is not said: an open wave publishes no
    // figure but its total (the disclosure plan), and people at work on
    // their answers are such a figure.
    page.confirm(
        &title,
        format!("/staff/waves/{id}/close"),
        format!("/staff/waves/{id}"),
        page.t("close_confirm_button"),
        vec![
            page.t("close_drafts").to_owned(),
            format!("{queued} {}", page.t("close_queued")),
            page.t("close_final").to_owned(),
        ],
    )
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

pub async fn close(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CloseForm>,
) -> HttpResponse {
    let id = id.into_inner();
    if form.confirm != "yes" {
        // Not confirmed: to the page that asks (once the role and token hold).
        staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
        return see_other(format!("/staff/waves/{id}/close"));
    }
    let work = move |c: &mut _, a: &_| setup::move_wave(c, a, id, WaveState::Closed);
    act(&req, &state, Role::Evaluator, &form.csrf, work, |_| {
        format!("/staff/waves/{id}?done=close")
    })
    .await
}

pub async fn send(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let (id, secret) = (id.into_inner(), state.secret.clone());
    let work = move |c: &mut _, a: &_| setup::send(c, a, id, &secret);
    act(&req, &state, Role::Evaluator, &form.csrf, work, |n| {
        queued(id, "send", n)
    })
    .await
}

/// The wave page after queueing, saying why nothing was when nothing was.
fn queued(id: i64, what: &str, n: usize) -> String {
    if n == 0 {
        format!("/staff/waves/{id}?done={what}&n=0&why={what}")
    } else {
        format!("/staff/waves/{id}?done={what}&n={n}")
    }
}

#[derive(Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    csrf: String,
    min_days: Option<u32>,
    max_reminders: Option<u32>,
}

pub async fn remind(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<RemindForm>,
) -> HttpResponse {
    let rule = ReminderRule {
        min_days: form.min_days.unwrap_or(ReminderRule::DEFAULT.min_days),
        max_reminders: form
            .max_reminders
            .unwrap_or(ReminderRule::DEFAULT.max_reminders),
    };
    let id = id.into_inner();
    let work = move |c: &mut _, a: &_| setup::remind(c, a, id, rule);
    act(&req, &state, Role::Evaluator, &form.csrf, work, |n| {
        queued(id, "remind", n)
    })
    .await
}
