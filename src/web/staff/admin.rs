//! Administration: accounts, the unit tree, retention (purging the contacts
//! of closed waves) and the audit log — in the reader's language.

use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::session::CsrfForm;
use super::{Page, act, require, staff_or_return, url_escape, words};
use crate::app::setup;
use crate::auth::Role;
use crate::store::studies::{self, WaveState};
use crate::store::{accounts, units};
use crate::web::AppState;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<u64>,
    /// Reorganisations recorded by a units file.
    changes: Option<u64>,
}

#[derive(Serialize)]
struct UserLine {
    email: String,
    path: String,
    role: &'static str,
    disabled: bool,
    /// The unit a viewer is limited to.
    scope: Option<String>,
}

#[derive(Serialize)]
struct AuditLine {
    when: String,
    actor: String,
    action: String,
    detail: String,
}

#[derive(Serialize)]
struct ChangeLine {
    on: String,
    kind: &'static str,
    what: String,
}

#[derive(Serialize)]
struct ClosedWave {
    id: i64,
    label: String,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    done: web::Query<Done>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Admin));
    let page = Page::new(&req, Some(&staff));
    let found = state
        .call(|c| {
            let users = accounts::users(c)?;
            let all_units = units::all(c)?;
            let unit_count = all_units.len();
            let audit = accounts::audit_entries(c, 200, None)?;
            let mut closed = Vec::new();
            for s in studies::all(c)? {
                for w in studies::waves_of(c, &s)? {
                    if w.state == WaveState::Closed {
                        closed.push(ClosedWave {
                            id: w.id,
                            label: format!("{} {}", s.name, w.name),
                        });
                    }
                }
            }
            let history = crate::store::unit_changes::history(c)?;
            Ok((users, audit, closed, unit_count, all_units, history))
        })
        .await;
    let (users, audit, closed, unit_count, all_units, history) = match found {
        Ok(x) => x,
        Err(e) => return page.fail(&req, e),
    };
    let lang = page.lang;
    let users: Vec<UserLine> = users
        .into_iter()
        .map(|u| UserLine {
            path: url_escape(&u.email),
            email: u.email,
            role: words::role(lang, u.role),
            disabled: u.disabled,
            scope: u
                .scope
                .and_then(|id| all_units.iter().find(|x| x.id == id))
                .map(|x| format!("{} ({})", x.name, x.code)),
        })
        .collect();
    let audit: Vec<AuditLine> = audit
        .into_iter()
        .map(|e| AuditLine {
            when: chrono::DateTime::from_timestamp_millis(e.at)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            actor: e.actor,
            action: words::audit_action(lang, &e.action).to_owned(),
            detail: e.detail,
        })
        .collect();
    let flash = match (done.done.as_deref(), done.n) {
        (Some("user"), _) => Some(page.t("done_user").to_owned()),
        (Some("units"), Some(n)) => Some(match done.changes.filter(|c| *c > 0) {
            Some(c) => format!(
                "{n} {} {c} {}",
                page.t("done_units"),
                page.t("done_changes")
            ),
            None => format!("{n} {}", page.t("done_units")),
        }),
        (Some("change"), _) => history
            .changes
            .iter()
            .find(|c| Some(c.id as u64) == done.n)
            .map(|c| format!("{} {}.", page.t("done_change"), c.told().get(lang))),
        (Some("purge"), Some(n)) => Some(format!("{n} {}", page.t("done_purge"))),
        _ => None,
    };
    // Newest first: the latest reorganisation is the one asked about.
    let changes: Vec<ChangeLine> = history
        .changes
        .iter()
        .rev()
        .map(|c| ChangeLine {
            on: c.effective_on.clone(),
            kind: words::change_kind(lang, c.kind),
            what: c.told().get(lang).to_owned(),
        })
        .collect();
    let current: Vec<&units::Unit> = all_units
        .iter()
        .filter(|u| history.ended_by(u.id).is_none())
        .collect();
    let roles: Vec<minijinja::Value> = [Role::Viewer, Role::Evaluator, Role::Admin]
        .iter()
        .map(|r| context! { value => r.as_str(), word => words::role(lang, *r) })
        .collect();
    page.ok(
        "staff/admin.html",
        page.t("admin"),
        context! {
            users => Serde(users),
            audit => Serde(audit),
            closed => Serde(closed),
            unit_count => unit_count,
            roles => roles,
            flash => flash,
            scopes => current
                .iter()
                .map(|u| context! { code => u.code.clone(), name => u.name.clone() })
                .collect::<Vec<_>>(),
            changes => Serde(changes),
            today => chrono::Local::now().date_naive().format("%Y-%m-%d").to_string(),
        },
    )
}

#[derive(Deserialize)]
pub struct NewUser {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    /// A viewer limited to this unit (empty: the whole organisation).
    #[serde(default)]
    unit: String,
}

pub async fn add_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<NewUser>,
) -> HttpResponse {
    let form = form.into_inner();
    let csrf = form.csrf.clone();
    let work = move |c: &mut _, a: &_| {
        let role: Role = form.role.parse().map_err(|_| {
            let r = &form.role;
            crate::app::Error::invalid(crate::said!(
                "`{r}` is not a role: viewer, evaluator or admin",
                "`{r}` är ingen roll: läsare, utvärderare eller administratör"
            ))
        })?;
        let unit = Some(form.unit.trim()).filter(|u| !u.is_empty());
        setup::add_user(c, a, &form.email, role, &form.password, unit)
    };
    act(&req, &state, Role::Admin, &csrf, work, |_| {
        "/staff/admin?done=user".into()
    })
    .await
}

async fn set_disabled(
    req: HttpRequest,
    state: web::Data<AppState>,
    email: String,
    csrf: &str,
    disabled: bool,
) -> HttpResponse {
    let work = move |c: &mut _, a: &_| setup::set_user_disabled(c, a, &email, disabled);
    act(&req, &state, Role::Admin, csrf, work, |()| {
        "/staff/admin".into()
    })
    .await
}

pub async fn disable_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    email: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    set_disabled(req, state, email.into_inner(), &form.csrf, true).await
}

pub async fn enable_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    email: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    set_disabled(req, state, email.into_inner(), &form.csrf, false).await
}

pub async fn purge(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let id = id.into_inner();
    let work = move |c: &mut _, a: &_| setup::purge_contacts(c, a, id);
    act(&req, &state, Role::Admin, &form.csrf, work, |n| {
        format!("/staff/admin?done=purge&n={n}")
    })
    .await
}
