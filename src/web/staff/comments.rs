//! A closed wave's comments (`/staff/waves/{id}/comments`, with `?q=` to
//! search) and their CSV (`…/comments.csv`): for evaluators, and for a
//! viewer limited to a unit, that unit's part. Everything through
//! `app::comments`, the same model the API and `klimat comments` show.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::page::{download, file_safe};
use super::{Page, Staff, require, staff_or_return};
use crate::app::comments::{CommentsQuery, wave_comments};
use crate::app::setup;
use crate::auth::Role;
use crate::comments::{Unavailable, WaveComments, comments_csv};
use crate::report::comments::group_heading;
use crate::store::studies;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct Search {
    q: Option<String>,
}

#[derive(Serialize)]
struct GroupView {
    heading: String,
    comments: Vec<String>,
}

#[derive(Serialize)]
struct QuestionView {
    text: String,
    count: usize,
    /// Word, comments using it, the word as a query value.
    words: Vec<(String, usize, String)>,
    groups: Vec<GroupView>,
}

/// Evaluators, and viewers limited to a unit; a viewer of the whole
/// organisation reads figures, not comments.
async fn reader(req: &HttpRequest, state: &AppState) -> Result<Staff, HttpResponse> {
    let staff = require(req, state, Role::Viewer).await?;
    if staff.reads_comments() {
        return Ok(staff);
    }
    let page = Page::new(req, Some(&staff));
    Err(page.message(
        StatusCode::FORBIDDEN,
        page.t("forbidden_title"),
        page.t("comments_forbidden"),
        &[],
    ))
}

async fn load(
    state: &AppState,
    staff: &Staff,
    page: &Page,
    id: i64,
    search: Option<String>,
    action: &'static str,
) -> crate::app::Result<(studies::Wave, WaveComments)> {
    let query = CommentsQuery {
        lang: page.lang,
        scope: if staff.may(Role::Evaluator) {
            None
        } else {
            staff.scope
        },
        search,
    };
    let actor = staff.actor();
    state
        .call(move |c| {
            let wave = studies::wave_by_id(c, id)?;
            let comments = wave_comments(c, &wave, &query)?;
            let detail = format!("wave {} ({})", wave.name, wave.id);
            setup::audit(c, &actor, action, &detail)?;
            Ok((wave, comments))
        })
        .await
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    search: web::Query<Search>,
) -> HttpResponse {
    let staff = staff_or_return!(reader(&req, &state));
    let page = Page::new(&req, Some(&staff));
    let q = search.into_inner().q;
    let (wave, comments) = match load(&state, &staff, &page, *id, q.clone(), "read.comments").await
    {
        Ok(x) => x,
        Err(e) => return page.fail(&req, e),
    };
    let questions: Vec<QuestionView> = comments
        .questions
        .iter()
        .map(|qc| QuestionView {
            text: qc.text.clone(),
            count: qc.count(),
            words: qc
                .words
                .iter()
                .map(|w| (w.word.clone(), w.comments, super::url_escape(&w.word)))
                .collect(),
            groups: qc
                .by_group
                .iter()
                .enumerate()
                .filter(|(_, texts)| !texts.is_empty())
                .map(|(g, texts)| GroupView {
                    heading: group_heading(&comments, g, page.lang),
                    comments: texts.clone(),
                })
                .collect(),
        })
        .collect();
    let unavailable = comments.unavailable.map(|u| match u {
        Unavailable::Open => page.t("comments_open"),
        Unavailable::TooFew => page.t("comments_too_few"),
    });
    let csv_query = q
        .as_deref()
        .map(|q| format!("?q={}", super::url_escape(q)))
        .unwrap_or_default();
    let title = format!("{} {}", page.t("comments"), wave.name);
    page.ok(
        "staff/comments.html",
        &title,
        context! {
            wave => context! { id => wave.id, name => wave.name },
            may_evaluate => staff.may(Role::Evaluator),
            minimum => comments.minimum,
            unavailable => unavailable,
            some_withheld => comments.some_withheld,
            search => q.unwrap_or_default(),
            csv_query => csv_query,
            questions => minijinja::value::Serde(questions),
        },
    )
}

pub async fn csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    search: web::Query<Search>,
) -> HttpResponse {
    let staff = staff_or_return!(reader(&req, &state));
    let page = Page::new(&req, Some(&staff));
    let q = search.into_inner().q;
    match load(&state, &staff, &page, *id, q, "export.comments").await {
        Ok((wave, comments)) => download(
            &format!("comments-{}.csv", file_safe(&wave.name)),
            "text/csv; charset=utf-8",
            comments_csv(&comments),
        ),
        Err(e) => page.fail(&req, e),
    }
}
