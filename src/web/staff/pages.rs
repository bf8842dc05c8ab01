//! The staff pages' handlers. Each checks the role first, does its database
//! work (and any rendering of charts) off the async executor, and audits
//! exports, sends and state changes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::session::CsrfForm;
use super::{Staff, check_csrf, language, require, url_escape, words};
use crate::app;
use crate::auth::{Role, hash_password};
use crate::dashboard::{Dashboard, Figure, Rate};
use crate::report::charts::{self, ChartText};
use crate::report::effect;
use crate::store::outbox::{self, ReminderRule, now_ms};
use crate::store::{StoreError, accounts, invitations, studies};
use crate::survey::Language;
use crate::web::AppState;
use crate::web::pages::render;

/// The context every staff page shares.
fn base(staff: Option<&Staff>, lang: Language, req: &HttpRequest, title: &str) -> minijinja::Value {
    let other = if lang == Language::Sv {
        Language::En
    } else {
        Language::Sv
    };
    let mut query: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    query.retain(|(k, _)| k != "lang" && k != "done" && k != "n");
    query.push(("lang".into(), other.code().into()));
    let switch_url = format!(
        "{}?{}",
        req.path(),
        query
            .iter()
            .map(|(k, v)| format!("{}={}", url_escape(k), url_escape(v)))
            .collect::<Vec<_>>()
            .join("&")
    );
    context! {
        lang => lang.code(),
        t => Serde(words::all(lang)),
        title => title,
        user => staff.map(Serde),
        csrf => staff.map(|s| s.csrf.clone()),
        switch_url => switch_url,
        other_lang => other.code(),
        other_lang_name => if other == Language::Sv { "Svenska" } else { "English" },
        flash => None::<String>,
    }
}

fn html(status: StatusCode, body: String, lang: Language) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .cookie(
            actix_web::cookie::Cookie::build("klimat_lang", lang.code())
                .path("/staff")
                .http_only(true)
                .same_site(actix_web::cookie::SameSite::Lax)
                .finish(),
        )
        .body(body)
}

pub fn message_page(
    staff: &Staff,
    lang: Language,
    req: &HttpRequest,
    title: &str,
    text: &str,
) -> String {
    render(
        "staff/message.html",
        context! { text => text, ..base(Some(staff), lang, req, title) },
    )
}

pub fn login_page(
    lang: Language,
    req: &HttpRequest,
    next: &str,
    login_csrf: &str,
    email: &str,
    error: Option<&str>,
) -> String {
    render(
        "staff/login.html",
        context! {
            next => next,
            login_csrf => login_csrf,
            email => email,
            error => error,
            ..base(None, lang, req, words::pick(lang, "login_title"))
        },
    )
}

/// Why a request failed, as a page: not found (404), refused input (409,
/// with the reason), or a server error (500, logged, said nothing about).
fn failure(
    state: &AppState,
    staff: &Staff,
    lang: Language,
    req: &HttpRequest,
    e: anyhow::Error,
) -> HttpResponse {
    match crate::web::refusal::of(&e) {
        Some((status, why)) if status == StatusCode::NOT_FOUND => html(
            status,
            message_page(staff, lang, req, words::pick(lang, "not_found"), &why),
            lang,
        ),
        Some((status, why)) => html(
            status,
            message_page(staff, lang, req, words::pick(lang, "error"), &why),
            lang,
        ),
        None => state.error(&format!("{} {}: {e:#}", req.method(), req.path())),
    }
}

/// A state-changing form: the role, the session's CSRF token, then `work`
/// off the executor (given the acting account's address; it audits what it
/// did), then a redirect to `location(result)` or the failure page.
async fn act<T: Send + 'static>(
    req: &HttpRequest,
    state: &AppState,
    role: Role,
    csrf: &str,
    work: impl FnOnce(&mut crate::store::DbConnection, &str) -> anyhow::Result<T> + Send + 'static,
    location: impl FnOnce(T) -> String,
) -> HttpResponse {
    let staff = match require(req, state, role).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf(&staff, csrf) {
        return r;
    }
    let actor = staff.email.clone();
    match state.run(move |c| work(c, &actor)).await {
        Ok(v) => HttpResponse::SeeOther()
            .insert_header(("location", location(v)))
            .finish(),
        Err(e) => failure(state, &staff, language(req), req, e),
    }
}

macro_rules! staff_or_return {
    ($req:expr, $state:expr, $role:expr) => {
        match require(&$req, &$state, $role).await {
            Ok(s) => s,
            Err(r) => return r,
        }
    };
}

fn state_word(lang: Language, state: &str) -> &'static str {
    match state {
        "draft" => words::pick(lang, "state_draft"),
        "open" => words::pick(lang, "state_open"),
        _ => words::pick(lang, "state_closed"),
    }
}

#[derive(Serialize)]
struct StudyLine {
    name: String,
    path: String,
    survey: String,
    intervention: String,
    waves: usize,
}

pub async fn studies(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let staff = staff_or_return!(req, state, Role::Viewer);
    let lang = language(&req);
    let found = state
        .run(|c| {
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
        Ok(list) => html(
            StatusCode::OK,
            render(
                "staff/studies.html",
                context! { studies => Serde(list), ..base(Some(&staff), lang, &req, words::pick(lang, "studies")) },
            ),
            lang,
        ),
        Err(e) => failure(&state, &staff, lang, &req, e),
    }
}

#[derive(Serialize)]
struct WaveLine {
    id: i64,
    name: String,
    opens_on: Option<String>,
    closes_on: Option<String>,
    state: String,
    state_word: &'static str,
    min_group_size: i32,
}

pub async fn study(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let staff = staff_or_return!(req, state, Role::Viewer);
    let lang = language(&req);
    let name = name.into_inner();
    let found = state
        .run(move |c| {
            let study = studies::by_name(c, &name)?;
            let waves = studies::waves_of(c, &study)?;
            Ok((study, waves))
        })
        .await;
    let (study, waves) = match found {
        Ok(x) => x,
        Err(e) => return failure(&state, &staff, lang, &req, e),
    };
    let waves: Vec<WaveLine> = waves
        .into_iter()
        .map(|w| WaveLine {
            id: w.id,
            state_word: state_word(lang, &w.state),
            name: w.name,
            opens_on: w.opens_on,
            closes_on: w.closes_on,
            state: w.state,
            min_group_size: w.min_group_size,
        })
        .collect();
    let title = format!("{}: {}", words::pick(lang, "study"), study.name);
    html(
        StatusCode::OK,
        render(
            "staff/study.html",
            context! {
                path => url_escape(&study.name),
                study => context! { name => study.name, survey_key => study.survey_key, intervention_date => study.intervention_date },
                evaluator => staff.may(Role::Evaluator),
                waves => Serde(waves),
                ..base(Some(&staff), lang, &req, &title)
            },
        ),
        lang,
    )
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<u64>,
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

fn status_line(r: app::StatusRow, lang: Language) -> StatusLine {
    let hidden = words::pick(lang, "hidden");
    StatusLine {
        answered_text: r.answered.map_or(hidden.to_owned(), |a| a.to_string()),
        rate_text: r.rate.map_or(
            if r.answered.is_none() {
                hidden.to_owned()
            } else {
                "–".into()
            },
            |x| percent(x, lang),
        ),
        unit: r.unit,
        name: r.name,
        invited: r.invited,
        sent: r.sent,
        failed: r.failed,
        opted_out: r.opted_out,
    }
}

pub async fn wave(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    done: web::Query<Done>,
) -> HttpResponse {
    let staff = staff_or_return!(req, state, Role::Evaluator);
    let lang = language(&req);
    let id = id.into_inner();
    let found = state
        .run(move |c| {
            let wave = studies::wave(c, &id.to_string())?;
            let study: String = {
                use crate::store::schema::studies as s;
                use diesel::prelude::*;
                s::table.find(wave.study_id).select(s::name).get_result(c)?
            };
            let (rows, total) = app::wave_status(c, &wave)?;
            Ok((wave, study, rows, total))
        })
        .await;
    let (wave, study, rows, total) = match found {
        Ok(x) => x,
        Err(e) => return failure(&state, &staff, lang, &req, e),
    };
    let flash = match (done.done.as_deref(), done.n) {
        (Some("open"), _) => Some(words::pick(lang, "done_open").to_owned()),
        (Some("close"), _) => Some(words::pick(lang, "done_close").to_owned()),
        (Some("send"), Some(n)) => Some(format!("{n} {}", words::pick(lang, "done_send"))),
        (Some("remind"), Some(n)) => Some(format!("{n} {}", words::pick(lang, "done_remind"))),
        _ => None,
    };
    let title = format!("{} {}", words::pick(lang, "wave"), wave.name);
    let rows: Vec<StatusLine> = rows.into_iter().map(|r| status_line(r, lang)).collect();
    html(
        StatusCode::OK,
        render(
            "staff/wave.html",
            context! {
                state_word => state_word(lang, &wave.state),
                wave => context! { id => wave.id, name => wave.name, state => wave.state, min_group_size => wave.min_group_size },
                study_name => study.clone(),
                study_path => url_escape(&study),
                rows => Serde(rows),
                total => Serde(status_line(total, lang)),
                ..context! { flash => flash, ..base(Some(&staff), lang, &req, &title) }
            },
        ),
        lang,
    )
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    min_days: Option<u32>,
    max_reminders: Option<u32>,
}

/// Open, close, send invitations, send reminders: queued, never sent here.
pub async fn wave_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> HttpResponse {
    let (id, action) = path.into_inner();
    let secret = state.secret.clone();
    let rule = ReminderRule {
        min_days: form.min_days.unwrap_or(5).min(60),
        max_reminders: form.max_reminders.unwrap_or(2).clamp(1, 5),
    };
    let act_name = action.clone();
    let work = move |c: &mut crate::store::DbConnection, actor: &str| {
        let wave = studies::wave(c, &id.to_string())?;
        let n = match act_name.as_str() {
            "open" => studies::set_state(c, &wave, "open").map(|_| 0)?,
            "close" => studies::set_state(c, &wave, "closed").map(|_| 0)?,
            "send" => outbox::queue_invitations(c, &wave, &secret)? as u64,
            "remind" => outbox::queue_reminders(c, &wave, rule)? as u64,
            _ => return Err(StoreError::NotFound(format!("action `{act_name}`")).into()),
        };
        let detail = format!("wave {} ({}): {n}", wave.name, wave.id);
        accounts::audit(c, actor, &format!("wave.{act_name}"), &detail, now_ms())?;
        Ok(n)
    };
    act(&req, &state, Role::Evaluator, &form.csrf, work, |n| {
        format!("/staff/waves/{id}?done={action}&n={n}")
    })
    .await
}

/// The offline-format export of a wave's responses (hidden units pooled).
pub async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> HttpResponse {
    let staff = staff_or_return!(req, state, Role::Evaluator);
    let lang = language(&req);
    let id = id.into_inner();
    let actor = staff.email.clone();
    let done = state
        .run(move |c| {
            let wave = studies::wave(c, &id.to_string())?;
            let csv = app::export_responses(c, std::slice::from_ref(&wave))?;
            accounts::audit(
                c,
                &actor,
                "export.responses",
                &format!("wave {} ({})", wave.name, wave.id),
                now_ms(),
            )?;
            Ok((wave.name, csv))
        })
        .await;
    match done {
        Ok((name, csv)) => download(
            &format!("responses-{}.csv", file_safe(&name)),
            "text/csv; charset=utf-8",
            csv,
        ),
        Err(e) => failure(&state, &staff, lang, &req, e),
    }
}

fn download(file: &str, content_type: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .body(body)
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> HttpResponse {
    let staff = staff_or_return!(req, state, Role::Evaluator);
    let lang = language(&req);
    let name = name.into_inner();
    let min = state.min_group_size;
    let study = name.clone();
    let done = state
        .run(move |c| Ok(app::effect_report(c, &study, lang, min)?))
        .await;
    let report = match done {
        Ok(r) => r,
        Err(e) => return failure(&state, &staff, lang, &req, e),
    };
    // The report's own document, without its head (its inline style would
    // break the page's Content-Security-Policy; klimat.css styles it).
    let full = effect::html(&report);
    let body = full
        .split_once("<main>")
        .and_then(|(_, rest)| rest.rsplit_once("</main>"))
        .map_or(full.clone(), |(inner, _)| inner.to_owned());
    let title = format!("{}: {}", words::pick(lang, "report"), name);
    html(
        StatusCode::OK,
        render(
            "staff/report.html",
            context! {
                path => url_escape(&name),
                study_name => name,
                formats => vec!["html", "md", "json", "csv"],
                body => body,
                ..base(Some(&staff), lang, &req, &title)
            },
        ),
        lang,
    )
}

pub async fn report_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let staff = staff_or_return!(req, state, Role::Evaluator);
    let lang = language(&req);
    let (name, format) = path.into_inner();
    let content_type = match format.as_str() {
        "html" => "text/html; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        _ => return super::plain(StatusCode::NOT_FOUND, "formats: html, md, json, csv"),
    };
    let min = state.min_group_size;
    let actor = staff.email.clone();
    let (study, fmt) = (name.clone(), format.clone());
    let done = state
        .run(move |c| {
            let report = app::effect_report(c, &study, lang, min)?;
            accounts::audit(
                c,
                &actor,
                "export.report",
                &format!("study {study} as {fmt}"),
                now_ms(),
            )?;
            Ok(match fmt.as_str() {
                "html" => effect::html(&report),
                "md" => effect::markdown(&report),
                "json" => effect::json(&report),
                _ => effect::csv(&report),
            })
        })
        .await;
    match done {
        Ok(text) => download(
            &format!("effect-{}.{format}", file_safe(&name)),
            content_type,
            text,
        ),
        Err(e) => failure(&state, &staff, lang, &req, e),
    }
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    dimension: Option<String>,
    parent: Option<String>,
    unit: Option<String>,
}

pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    query: web::Query<DashboardQuery>,
) -> HttpResponse {
    let staff = staff_or_return!(req, state, Role::Viewer);
    let lang = language(&req);
    let name = name.into_inner();
    let study = name.clone();
    let query = query.into_inner();
    let ctx = base(
        Some(&staff),
        lang,
        &req,
        &format!("{}: {name}", words::pick(lang, "dashboard")),
    );
    let done = state
        .run(move |c| {
            let dash = app::dashboard(c, &study, lang)?;
            Ok(dashboard_page(&dash, &study, &query, lang, ctx))
        })
        .await;
    match done {
        Ok(page) => html(StatusCode::OK, page, lang),
        Err(e) => failure(&state, &staff, lang, &req, e),
    }
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
    selected: bool,
}

#[derive(Serialize)]
struct Row {
    name: String,
    cells: Vec<String>,
}

/// The dashboard page: which units the view shows, the charts and their tables.
pub fn dashboard_page(
    dash: &Dashboard,
    study: &str,
    query: &DashboardQuery,
    lang: Language,
    base: minijinja::Value,
) -> String {
    let t = |k: &str| words::pick(lang, k);
    let d = query
        .dimension
        .as_deref()
        .and_then(|id| dash.dimension(id))
        .unwrap_or(0);
    // Without a choice: the top level, or inside the organisation's one
    // top-level unit when there is just one.
    let top = dash.children(None);
    let parent = match query.parent.as_deref() {
        Some(p) if !p.is_empty() => dash.unit(p),
        Some(_) => None,
        None if top.len() == 1 => top.first().copied(),
        None => None,
    };
    let mut shown = dash.children(parent);
    if shown.is_empty() {
        shown.extend(parent);
    }
    let profile = query
        .unit
        .as_deref()
        .and_then(|u| dash.unit(u))
        .or_else(|| shown.first().copied());
    let waves: Vec<String> = dash.waves.iter().map(|w| w.name.clone()).collect();
    let has_waves = !waves.is_empty() && !dash.dimensions.is_empty() && !dash.units.is_empty();
    let latest = (0..waves.len())
        .rev()
        .find(|&w| {
            dash.organisation[w]
                .iter()
                .any(|f| f.n.is_some_and(|n| n > 0))
        })
        .unwrap_or(waves.len().saturating_sub(1));
    let dimension_name = dash
        .dimensions
        .get(d)
        .map(|x| x.name.clone())
        .unwrap_or_default();
    let mut trend_rows = vec![Row {
        name: t("organisation").into(),
        cells: (0..waves.len())
            .map(|w| figure_text(&dash.organisation[w][d], lang))
            .collect(),
    }];
    let mut heat_rows = Vec::new();
    let mut rate_rows = vec![Row {
        name: t("organisation").into(),
        cells: dash
            .organisation_rates
            .iter()
            .map(|r| rate_text(r, lang))
            .collect(),
    }];
    let (mut trend_svg, mut heatmap_svg, mut profile_svg) =
        (String::new(), String::new(), String::new());
    let mut profile_rows = Vec::new();
    if has_waves {
        for &u in &shown {
            let name = dash.units[u].name.clone();
            trend_rows.push(Row {
                name: name.clone(),
                cells: (0..waves.len())
                    .map(|w| figure_text(&dash.figures[w][d][u], lang))
                    .collect(),
            });
            heat_rows.push(Row {
                name: name.clone(),
                cells: (0..dash.dimensions.len())
                    .map(|k| {
                        let f = &dash.figures[latest][k][u];
                        match (f.mean, dash.change(latest, k, u)) {
                            (Some(m), Some(ch)) => {
                                format!("{} ({})", num(m, lang), signed(ch, lang))
                            }
                            _ => figure_text(f, lang),
                        }
                    })
                    .collect(),
            });
            rate_rows.push(Row {
                name,
                cells: (0..waves.len())
                    .map(|w| rate_text(&dash.rates[w][u], lang))
                    .collect(),
            });
        }
        let trend_title = format!("{}: {}", t("trend"), dimension_name);
        let trend_desc = format!(
            "{} {} {}.",
            dimension_name,
            t("mean").to_lowercase(),
            waves.join(", ")
        );
        trend_svg = charts::trend_chart(
            dash,
            d,
            &shown,
            &ChartText {
                id: "trend-chart",
                title: &trend_title,
                description: &trend_desc,
                x: t("wave_axis"),
                y: t("mean_axis"),
                organisation: t("organisation"),
            },
        );
        let heat_title = format!("{} ({})", t("heatmap"), waves[latest]);
        heatmap_svg = charts::heatmap_chart(
            dash,
            latest,
            &shown,
            &ChartText {
                id: "heatmap-chart",
                title: &heat_title,
                description: &heat_title,
                x: t("dimension"),
                y: t("unit"),
                organisation: t("organisation"),
            },
        );
        if let Some(u) = profile {
            let title = format!(
                "{}: {} ({})",
                t("profile"),
                dash.units[u].name,
                waves[latest]
            );
            profile_svg = charts::profile_chart(
                dash,
                latest,
                u,
                &ChartText {
                    id: "profile-chart",
                    title: &title,
                    description: &title,
                    x: t("mean_axis"),
                    y: t("dimension"),
                    organisation: t("organisation"),
                },
            );
            for (k, dim) in dash.dimensions.iter().enumerate() {
                profile_rows.push(context! {
                    name => dim.name.clone(),
                    unit => figure_text(&dash.figures[latest][k][u], lang),
                    org => figure_text(&dash.organisation[latest][k], lang),
                });
            }
        }
    }
    let parents: Vec<Choice> = (0..dash.units.len())
        .filter(|&i| dash.units.iter().any(|u| u.parent == Some(i)))
        .map(|i| Choice {
            code: dash.units[i].code.clone(),
            name: dash.units[i].name.clone(),
            selected: parent == Some(i),
        })
        .collect();
    let units: Vec<Choice> = (0..dash.units.len())
        .map(|i| Choice {
            code: dash.units[i].code.clone(),
            name: dash.units[i].name.clone(),
            selected: profile == Some(i),
        })
        .collect();
    let dimensions: Vec<minijinja::Value> = dash
        .dimensions
        .iter()
        .enumerate()
        .map(|(k, x)| context! { id => x.id.clone(), name => x.name.clone(), selected => k == d })
        .collect();
    render(
        "staff/dashboard.html",
        context! {
            study_name => study,
            has_waves => has_waves,
            dimensions => dimensions,
            parents => Serde(parents),
            units => Serde(units),
            waves => waves.clone(),
            latest => waves.get(latest).cloned().unwrap_or_default(),
            dimension_name => dimension_name,
            trend_svg => trend_svg,
            heatmap_svg => heatmap_svg,
            profile_svg => profile_svg,
            profile_name => profile.map(|u| dash.units[u].name.clone()).unwrap_or_default(),
            trend_rows => Serde(trend_rows),
            heat_rows => Serde(heat_rows),
            rate_rows => Serde(rate_rows),
            profile_rows => profile_rows,
            ..base
        },
    )
}

/// A number as written in the language (decimal comma in Swedish).
fn num(x: f64, lang: Language) -> String {
    let s = format!("{x:.2}");
    if lang == Language::Sv {
        s.replace('.', ",")
    } else {
        s
    }
}

fn signed(x: f64, lang: Language) -> String {
    let s = format!("{x:+.2}");
    if lang == Language::Sv {
        s.replace('.', ",")
    } else {
        s
    }
}

fn percent(x: f64, lang: Language) -> String {
    let s = format!("{:.0} %", 100.0 * x);
    if lang == Language::Sv {
        s
    } else {
        s.replace(" %", "%")
    }
}

fn figure_text(f: &Figure, lang: Language) -> String {
    if f.suppressed {
        return words::pick(lang, "hidden").to_owned();
    }
    match (f.mean, f.n) {
        (Some(m), Some(n)) => match f.ci95 {
            Some([lo, hi]) => format!(
                "{} [{}, {}] n={n}",
                num(m, lang),
                num(lo, lang),
                num(hi, lang)
            ),
            None => format!("{} n={n}", num(m, lang)),
        },
        _ => "–".into(),
    }
}

fn rate_text(r: &Rate, lang: Language) -> String {
    match (r.answered, r.rate) {
        (Some(a), Some(x)) => format!("{a}/{} ({})", r.invited, percent(x, lang)),
        (Some(a), None) => format!("{a}/{}", r.invited),
        (None, _) => format!("{}/{}", words::pick(lang, "hidden"), r.invited),
    }
}

#[derive(Serialize)]
struct UserLine {
    email: String,
    path: String,
    role: Role,
    disabled: bool,
}

#[derive(Serialize)]
struct AuditLine {
    when: String,
    actor: String,
    action: String,
    detail: String,
}

#[derive(Serialize)]
struct ClosedWave {
    id: i64,
    label: String,
}

pub async fn admin(
    req: HttpRequest,
    state: web::Data<AppState>,
    done: web::Query<Done>,
) -> HttpResponse {
    let staff = staff_or_return!(req, state, Role::Admin);
    let lang = language(&req);
    let found = state
        .run(|c| {
            let users = accounts::users(c)?;
            let unit_count = crate::store::units::all(c)?.len();
            let audit = accounts::audit_entries(c, 200, None)?;
            let mut closed = Vec::new();
            for s in studies::all(c)? {
                for w in studies::waves_of(c, &s)? {
                    if w.state == "closed" {
                        closed.push(ClosedWave {
                            id: w.id,
                            label: format!("{} {}", s.name, w.name),
                        });
                    }
                }
            }
            Ok((users, audit, closed, unit_count))
        })
        .await;
    let (users, audit, closed, unit_count) = match found {
        Ok(x) => x,
        Err(e) => return failure(&state, &staff, lang, &req, e),
    };
    let users: Vec<UserLine> = users
        .into_iter()
        .map(|u| UserLine {
            path: url_escape(&u.email),
            email: u.email,
            role: u.role,
            disabled: u.disabled,
        })
        .collect();
    let audit: Vec<AuditLine> = audit
        .into_iter()
        .map(|e| AuditLine {
            when: chrono::DateTime::from_timestamp_millis(e.at)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            actor: e.actor,
            action: e.action,
            detail: e.detail,
        })
        .collect();
    let flash = match (done.done.as_deref(), done.n) {
        (Some("user"), _) => Some(words::pick(lang, "done_user").to_owned()),
        (Some("units"), Some(n)) => Some(format!("{n} {}", words::pick(lang, "done_units"))),
        (Some("purge"), Some(n)) => Some(format!("{n} {}", words::pick(lang, "done_purge"))),
        _ => None,
    };
    html(
        StatusCode::OK,
        render(
            "staff/admin.html",
            context! {
                users => Serde(users),
                audit => Serde(audit),
                closed => Serde(closed),
                unit_count => unit_count,
                ..context! { flash => flash, ..base(Some(&staff), lang, &req, words::pick(lang, "admin")) }
            },
        ),
        lang,
    )
}

#[derive(Deserialize)]
pub struct NewUser {
    #[serde(default)]
    csrf: String,
    email: String,
    role: String,
    password: String,
}

pub async fn add_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<NewUser>,
) -> HttpResponse {
    let form = form.into_inner();
    let csrf = form.csrf.clone();
    let work = move |c: &mut crate::store::DbConnection, actor: &str| {
        let role: Role = form.role.parse().map_err(StoreError::Invalid)?;
        let hash = hash_password(&form.password).map_err(StoreError::Invalid)?;
        let user = accounts::add_user(c, &form.email, role, &hash, now_ms())?;
        let detail = format!("{} as {role}", user.email);
        accounts::audit(c, actor, "user.add", &detail, now_ms())?;
        Ok(())
    };
    act(&req, &state, Role::Admin, &csrf, work, |()| {
        "/staff/admin?done=user".into()
    })
    .await
}

#[derive(Deserialize)]
pub struct UnitsForm {
    #[serde(default)]
    csrf: String,
    csv: String,
}

/// Imports units from CSV text (code,name,parent): all or nothing, as
/// `klimat unit import` does; every problem is shown.
pub async fn import_units(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<UnitsForm>,
) -> HttpResponse {
    let UnitsForm { csrf, csv } = form.into_inner();
    let work = move |c: &mut crate::store::DbConnection, actor: &str| {
        let rows = crate::store::units::parse_units_csv(&csv).map_err(|problems| {
            StoreError::Invalid(format!("nothing was imported: {}", problems.join("; ")))
        })?;
        let summary = crate::store::units::import(c, &rows)?;
        let detail = format!(
            "{} added, {} renamed, {} unchanged",
            summary.added, summary.renamed, summary.unchanged
        );
        accounts::audit(c, actor, "units.import", &detail, now_ms())?;
        Ok(summary.added + summary.renamed)
    };
    act(&req, &state, Role::Admin, &csrf, work, |n| {
        format!("/staff/admin?done=units&n={n}")
    })
    .await
}

pub async fn user_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let (email, action) = path.into_inner();
    let work = move |c: &mut crate::store::DbConnection, actor: &str| {
        let disable = match action.as_str() {
            "disable" => true,
            "enable" => false,
            _ => return Err(StoreError::NotFound(format!("action `{action}`")).into()),
        };
        accounts::set_disabled(c, &email, disable)?;
        accounts::audit(c, actor, &format!("user.{action}"), &email, now_ms())?;
        Ok(())
    };
    act(&req, &state, Role::Admin, &form.csrf, work, |()| {
        "/staff/admin".into()
    })
    .await
}

pub async fn purge(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let work = move |c: &mut crate::store::DbConnection, actor: &str| {
        let wave = studies::wave(c, &id.to_string())?;
        let n = invitations::purge_contacts(c, &wave)?;
        let detail = format!("wave {} ({}): {n}", wave.name, wave.id);
        accounts::audit(c, actor, "retention.purge", &detail, now_ms())?;
        Ok(n)
    };
    act(&req, &state, Role::Admin, &form.csrf, work, |n| {
        format!("/staff/admin?done=purge&n={n}")
    })
    .await
}
