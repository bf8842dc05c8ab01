//! Surveys: the published versions, and a new file checked (every problem
//! with its line and column, as `klimat survey check` gives them), looked
//! at exactly as a respondent will see it, in each language and page, then
//! published. Publishing the same content again changes nothing.

use std::collections::BTreeMap;

use actix_multipart::form::{MultipartForm, bytes::Bytes, text::Text};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::page::{html, see_other};
use super::{Page, require, require_form, staff_or_return};
use crate::app::{self, setup};
use crate::auth::Role;
use crate::scoring::MISSING;
use crate::store::surveys::{self, Published};
use crate::survey::{Language, Survey};
use crate::web::pages::{self, FormPage, Preview, PreviewButton};
use crate::web::{AppState, form};

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    done: web::Query<Done>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Evaluator));
    let page = Page::new(&req, Some(&staff));
    match state.call(|c| Ok(surveys::versions(c)?)).await {
        Ok(versions) => {
            let rows: Vec<minijinja::Value> = versions
                .into_iter()
                .map(|(key, version, hash, at)| {
                    context! { key => key, version => version, hash => hash, at => at.format("%Y-%m-%d %H:%M").to_string() }
                })
                .collect();
            let flash = match (done.done.as_deref(), &done.key) {
                (Some("published"), Some(k)) => Some(format!("{} {k}", page.t("done_published"))),
                (Some("unchanged"), Some(k)) => Some(format!("{k}: {}", page.t("done_unchanged"))),
                _ => None,
            };
            page.ok(
                "staff/surveys.html",
                page.t("surveys"),
                context! { versions => rows, flash => flash },
            )
        }
        Err(e) => page.fail(&req, e),
    }
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    key: Option<String>,
}

#[derive(MultipartForm)]
pub struct SurveyUpload {
    csrf: Text<String>,
    #[multipart(limit = "2MB")]
    file: Bytes,
}

/// The check page: the problems, or what the file holds and its hash.
pub async fn check(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: MultipartForm<SurveyUpload>,
) -> HttpResponse {
    let form = form.into_inner();
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let file = form
        .file
        .file_name
        .clone()
        .unwrap_or_else(|| "survey.toml".into());
    let source = match setup::text(&form.file.data, &file) {
        Ok(s) => s.to_owned(),
        Err(e) => return page.fail(&req, e),
    };
    let survey = match setup::check_survey(&source, &file) {
        Ok(s) => s,
        Err(e) => {
            return check_page(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &file,
                &source,
                None,
                Some(e),
            );
        }
    };
    let (key, version) = (survey.key.clone(), survey.version);
    let published = state
        .call(move |c| {
            Ok(surveys::versions(c)?
                .into_iter()
                .find(|v| v.0 == key && v.1 == version as i32)
                .map(|v| v.2))
        })
        .await;
    match published {
        Ok(existing) => check_page(
            &page,
            StatusCode::OK,
            &file,
            &source,
            Some((&survey, existing)),
            None,
        ),
        Err(e) => page.fail(&req, e),
    }
}

fn check_page(
    page: &Page,
    status: StatusCode,
    file: &str,
    source: &str,
    checked: Option<(&Survey, Option<String>)>,
    error: Option<app::Error>,
) -> HttpResponse {
    let summary = checked.map(|(s, existing)| {
        let hash = s.content_hash();
        let lang = app::language_for(s, page.lang);
        let state = match &existing {
            None => "new",
            Some(h) if *h == hash => "same",
            Some(_) => "clash",
        };
        context! {
            key => s.key.clone(), version => s.version, title => s.title.get(lang),
            languages => s.languages.iter().map(|l| l.code()).collect::<Vec<_>>(),
            dimensions => s.dimensions.iter().map(|d| context! { name => d.name.get(lang), items => d.items.len() }).collect::<Vec<_>>(),
            items => s.items.len(), free_texts => s.free_text.len(), pages => form::page_count(s),
            hash => hash, state => state,
        }
    });
    let problems: Vec<String> = error
        .as_ref()
        .map(|e| {
            e.problems()
                .iter()
                .map(|p| p.get(page.lang).to_owned())
                .collect()
        })
        .unwrap_or_default();
    page.render(
        status,
        "staff/survey_check.html",
        page.t("check_survey"),
        context! {
            file => file,
            source => source,
            summary => summary,
            error => error.as_ref().and_then(|e| e.said()).map(|s| s.get(page.lang).to_owned()),
            problems => problems,
        },
    )
}

#[derive(Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    goto: String,
}

/// The survey as the respondent sees it, a page at a time, nothing sent.
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SourceForm>,
) -> HttpResponse {
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let survey = match setup::check_survey(&form.source, &form.file) {
        Ok(s) => s,
        Err(e) => return page.fail(&req, e),
    };
    let (lang, at) = form
        .goto
        .split_once(':')
        .map(|(l, p)| (Language::from_code(l), p.parse::<usize>().ok()))
        .unwrap_or((None, None));
    let lang = app::language_for(&survey, lang.unwrap_or(page.lang));
    let pages_n = form::page_count(&survey);
    let at = at.unwrap_or(0).min(pages_n.saturating_sub(1));
    let mut buttons = Vec::new();
    for &l in &survey.languages {
        for p in 0..pages_n {
            buttons.push(PreviewButton {
                value: format!("{}:{p}", l.code()),
                label: format!(
                    "{} {} {}",
                    l.code().to_uppercase(),
                    super::words::pick(page.lang, "page"),
                    p + 1
                ),
                current: l == lang && p == at,
            });
        }
    }
    let preview = Preview {
        note: page.t("preview_note").to_owned(),
        action: "/staff/surveys/preview".into(),
        hidden: vec![
            ("csrf".into(), form.csrf.clone()),
            ("source".into(), form.source.clone()),
            ("file".into(), form.file.clone()),
        ],
        buttons,
        done_action: "/staff/surveys".into(),
        done_label: format!("{} {} v{}", page.t("publish"), survey.key, survey.version),
    };
    let answers = vec![MISSING; survey.items.len()];
    let texts = BTreeMap::new();
    let body = pages::form(&FormPage {
        survey: &survey,
        lang,
        unit: super::words::pick(lang, "preview_unit"),
        min_group_size: state.min_group_size as i32,
        page: at,
        answers: &answers,
        texts: &texts,
        errors: &[],
        action: "#",
        csrf: None,
        preview: Some(&preview),
        about: &state.about,
    });
    html(StatusCode::OK, body, page.lang)
}

pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SourceForm>,
) -> HttpResponse {
    let staff = staff_or_return!(require_form(&req, &state, Role::Evaluator, &form.csrf));
    let page = Page::new(&req, Some(&staff));
    let form = form.into_inner();
    let actor = staff.actor();
    let (source, file) = (form.source.clone(), form.file.clone());
    match state
        .call(move |c| setup::publish_survey(c, &actor, &source, &file))
        .await
    {
        Ok(Published::New(v)) => see_other(format!(
            "/staff/surveys?done=published&key={}%20v{}",
            v.key, v.version
        )),
        Ok(Published::Unchanged(v)) => see_other(format!(
            "/staff/surveys?done=unchanged&key={}%20v{}",
            v.key, v.version
        )),
        Err(e @ app::Error::Invalid { .. }) => check_page(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form.file,
            &form.source,
            None,
            Some(e),
        ),
        Err(e) => page.fail(&req, e),
    }
}
