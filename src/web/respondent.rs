//! The respondent's routes: the personal link (`/s/{token}`, e-mailed or a
//! one-time code on a printed sheet) and the opt-out link (`/o/{token}`).
//!
//! Opening a link (GET) changes nothing. Unknown, used and closed links get
//! the same page and status, and misses are rate-limited per client. A
//! draft lives under its own random key in an HttpOnly cookie scoped to the
//! link's path; POSTs that change a draft carry a CSRF token derived from
//! that key.

use std::collections::BTreeMap;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::form::{self, Action};
use super::pages::{self, FormPage, Message};
use super::state::AppState;
use crate::scoring::{Answer, MISSING};
use crate::store::outbox;
use crate::store::respondents::{self, Draft, Submitted, Target};
use crate::survey::{Language, Survey};
use crate::token::{self, Purpose};

/// Days a draft is kept when the wave has no closing date.
const DRAFT_DAYS: i64 = 30;
const DRAFT_COOKIE: &str = "klimat_draft";
const PREFIX: &str = "/s/";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/s/{token}", web::get().to(personal_get))
        .route("/s/{token}", web::post().to(personal_post))
        .route("/o/{token}", web::get().to(optout_get))
        .route("/o/{token}", web::post().to(optout_post));
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn page(state: &AppState, status: StatusCode, m: &Message, lang: Language) -> HttpResponse {
    html(status, pages::message(&state.about, m, lang, None, None))
}

/// The language asked for (`?lang=` or the form's field), else the
/// invitation's, else the survey's first.
fn language(asked: Option<&str>, target: &Target, survey: &Survey) -> Language {
    asked
        .and_then(Language::from_code)
        .or_else(|| target.language.as_deref().and_then(Language::from_code))
        .filter(|l| survey.offers(*l))
        .unwrap_or(survey.languages[0])
}

fn query_lang(req: &HttpRequest) -> Option<String> {
    web::Query::<BTreeMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("lang").cloned())
}

/// `?lang=` when asked, else the invitation's language, else the client's.
fn invitation_language(req: &HttpRequest, invited: &str) -> Language {
    query_lang(req)
        .as_deref()
        .and_then(Language::from_code)
        .or_else(|| Language::from_code(invited))
        .unwrap_or_else(|| client_language(req))
}

fn client_language(req: &HttpRequest) -> Language {
    query_lang(req)
        .as_deref()
        .and_then(Language::from_code)
        .unwrap_or_else(|| {
            let accept = req
                .headers()
                .get("accept-language")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if accept.trim_start().starts_with("en") {
                Language::En
            } else {
                Language::Sv
            }
        })
}

/// The page for a link that cannot be used; a miss counts against the
/// client's budget of guesses.
fn unusable(state: &AppState, req: &HttpRequest, counted: bool) -> HttpResponse {
    let lang = client_language(req);
    if counted && !state.allow_miss(req) {
        return page(state, StatusCode::TOO_MANY_REQUESTS, &pages::TOO_MANY, lang);
    }
    page(state, StatusCode::NOT_FOUND, &pages::UNUSABLE, lang)
}

/// Looks a link up; `Err` is the response to give instead.
async fn target(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    token: &str,
) -> Result<Target, HttpResponse> {
    if !token::well_formed(token) {
        return Err(unusable(state, req, true));
    }
    let token = token.to_owned();
    let found = state.read(move |c| respondents::by_token(c, &token)).await;
    match found {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Err(unusable(state, req, true)),
        Err(e) => Err(state.error(&e)),
    }
}

/// The page for opening a real link that takes no answers (any more), in
/// the invitation's language: a thank-you when it was used to answer (a
/// reminder clicked after answering), "closed" after the wave closed; `None`
/// while it is open. Not a guess, so not counted as one. (A POST to such a
/// link answers as an unknown link does: `accept`.)
fn spent(state: &AppState, req: &HttpRequest, target: &Target) -> Option<HttpResponse> {
    use crate::store::studies::WaveState;
    let lang = invitation_language(req, target.language.as_deref().unwrap_or(""));
    match (target.answered, target.wave.state) {
        (true, _) => Some(page(state, StatusCode::OK, &pages::ALREADY_ANSWERED, lang)),
        (false, WaveState::Open) => None,
        (false, WaveState::Closed) => Some(page(state, StatusCode::GONE, &pages::CLOSED, lang)),
        (false, _) => Some(page(state, StatusCode::NOT_FOUND, &pages::UNUSABLE, lang)),
    }
}

fn draft_key(req: &HttpRequest) -> Option<String> {
    req.cookie(DRAFT_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|k| token::well_formed(k))
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let target = match target(&state, &req, &token).await {
        Ok(t) => t,
        Err(response) => return response,
    };
    if let Some(response) = spent(&state, &req, &target) {
        return response;
    }
    let survey = match state.survey(target.wave.survey_version_id).await {
        Ok(s) => s,
        Err(e) => return state.error(&e),
    };
    let lang = language(query_lang(&req).as_deref(), &target, &survey);
    let key = draft_key(&req);
    let draft = match &key {
        Some(k) => state.load_draft(k, target.wave.id).await.unwrap_or(None),
        None => None,
    };
    let (answers, texts, saved_page) = unpack(&survey, draft);
    let page = web::Query::<BTreeMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("page").and_then(|p| p.parse().ok()))
        .unwrap_or(saved_page)
        .min(form::page_count(&survey) - 1);
    let action = format!("{PREFIX}{}", token.as_str());
    let csrf = key.as_deref().map(|k| state.secret.mac(Purpose::Csrf, k));
    html(
        StatusCode::OK,
        pages::form(&FormPage {
            survey: &survey,
            lang,
            unit: &target.unit_name,
            min_group_size: target.wave.min_group_size,
            page,
            answers: &answers,
            texts: &texts,
            errors: &[],
            action: &action,
            csrf: csrf.as_deref(),
            preview: None,
            about: &state.about,
        }),
    )
}

fn unpack(survey: &Survey, draft: Option<Draft>) -> (Vec<Answer>, BTreeMap<String, String>, usize) {
    match draft {
        Some(d) => {
            let mut answers = d.answers;
            answers.resize(survey.items.len(), MISSING);
            let texts = serde_json::from_str(&d.texts).unwrap_or_default();
            (answers, texts, d.page.max(0) as usize)
        }
        None => (vec![MISSING; survey.items.len()], BTreeMap::new(), 0),
    }
}

async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let target = match target(&state, &req, &token).await {
        Ok(t) => t,
        Err(response) => return response,
    };
    // Used and closed links answer a POST as an unknown one does: the same
    // page, status and count against the client's guesses, so that a POST
    // does not tell them apart (opening the link does: see `spent`).
    if target.answered || target.wave.state != crate::store::studies::WaveState::Open {
        return unusable(&state, &req, true);
    }
    let survey = match state.survey(target.wave.survey_version_id).await {
        Ok(s) => s,
        Err(e) => return state.error(&e),
    };
    let posted = match form::fields(&body).and_then(|f| form::parse(&survey, &f)) {
        Ok(p) => p,
        Err(problem) => {
            let lang = language(None, &target, &survey);
            return html(
                StatusCode::BAD_REQUEST,
                pages::message(&state.about, &pages::BAD_REQUEST, lang, Some(problem), None),
            );
        }
    };
    let asked = posted.switch.as_deref().or(posted.lang.as_deref());
    let lang = language(asked, &target, &survey);
    // A draft cookie authorises changing that draft: the form must carry its CSRF token.
    let key = draft_key(&req);
    if let Some(k) = &key
        && posted.csrf.as_deref() != Some(state.secret.mac(Purpose::Csrf, k).as_str())
    {
        return html(
            StatusCode::FORBIDDEN,
            pages::message(&state.about, &pages::BAD_REQUEST, lang, None, None),
        );
    }
    let draft = match &key {
        Some(k) => state.load_draft(k, target.wave.id).await.unwrap_or(None),
        None => None,
    };
    let (mut answers, mut texts, _) = unpack(&survey, draft);
    form::merge(&survey, &mut answers, &posted);
    if posted.page + 1 == form::page_count(&survey) {
        texts.clear();
        texts.extend(posted.texts.iter().cloned());
    }
    let action_url = format!("{PREFIX}{}", token.as_str());
    let render_page = |page: usize, errors: &[form::FieldError], key: Option<&str>| {
        let csrf = key.map(|k| state.secret.mac(Purpose::Csrf, k));
        pages::form(&FormPage {
            survey: &survey,
            lang,
            unit: &target.unit_name,
            min_group_size: target.wave.min_group_size,
            page,
            answers: &answers,
            texts: &texts,
            errors,
            action: &action_url,
            csrf: csrf.as_deref(),
            preview: None,
            about: &state.about,
        })
    };
    match posted.action {
        Action::Submit => {
            if let Some((page, errors)) = form::first_errors(&survey, &answers, &texts) {
                return html(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    render_page(page, &errors, key.as_deref()),
                );
            }
            let submission = respondents::Submission {
                target,
                answers,
                texts: texts.into_iter().collect(),
                draft_key: key.clone(),
            };
            let stored = state.submit(submission).await;
            match stored {
                Ok(Submitted::Stored) => {
                    let mut response = page(&state, StatusCode::OK, &pages::THANKS, lang);
                    let path = action_url.clone();
                    let _ =
                        response.add_removal_cookie(&cookie(DRAFT_COOKIE, "", &path, &state, 0));
                    response
                }
                Ok(Submitted::AlreadyAnswered | Submitted::Closed) => unusable(&state, &req, true),
                Err(e) => state.error(&e),
            }
        }
        Action::Next | Action::Back | Action::Save | Action::Switch => {
            // A draft never holds more than the form allows.
            let too_long = form::text_errors(&survey, &texts);
            if !too_long.is_empty() {
                return html(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    render_page(posted.page, &too_long, key.as_deref()),
                );
            }
            if key.is_none() && !state.allow_new_draft(&req) {
                return page(
                    &state,
                    StatusCode::TOO_MANY_REQUESTS,
                    &pages::TOO_MANY,
                    lang,
                );
            }
            let errors = if posted.action == Action::Next {
                form::page_errors(&survey, &answers, &texts, posted.page)
            } else {
                Vec::new()
            };
            let next_page = match posted.action {
                Action::Next if errors.is_empty() => posted.page + 1,
                Action::Back => posted.page.saturating_sub(1),
                _ => posted.page,
            };
            let key = key.unwrap_or_else(crate::token::random_key);
            let expires = draft_expiry(&target);
            let draft = Draft {
                answers: answers.clone(),
                texts: serde_json::to_string(&texts).unwrap_or_else(|_| "{}".into()),
                page: next_page as i32,
            };
            let (k, wave) = (key.clone(), target.wave.id);
            let saved = state
                .with_db(move |c| respondents::save_draft(c, &k, wave, &draft, expires))
                .await;
            if let Err(e) = saved {
                return state.error(&e);
            }
            let max_age = ((expires - outbox::now_ms()) / 1000).max(60);
            let mut response = if posted.action == Action::Save {
                let url = format!("{action_url}?lang={}", lang.code());
                html(
                    StatusCode::OK,
                    pages::saved(&state.about, lang, target.wave.closes_on.as_deref(), &url),
                )
            } else if !errors.is_empty() {
                html(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    render_page(next_page, &errors, Some(&key)),
                )
            } else {
                html(StatusCode::OK, render_page(next_page, &errors, Some(&key)))
            };
            let _ = response.add_cookie(&cookie(DRAFT_COOKIE, &key, &action_url, &state, max_age));
            response
        }
    }
}

/// The end of the wave's closing day, or 30 days from now.
fn draft_expiry(target: &Target) -> i64 {
    target
        .wave
        .closes_on
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .filter(|&t| t > outbox::now_ms())
        .unwrap_or_else(|| outbox::now_ms() + DRAFT_DAYS * 86_400_000)
}

fn cookie(
    name: &'static str,
    value: &str,
    path: &str,
    state: &AppState,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build(name, value.to_owned())
        .path(path.to_owned())
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_secs))
        .finish()
}

async fn personal_get(
    s: web::Data<AppState>,
    r: HttpRequest,
    t: web::Path<String>,
) -> HttpResponse {
    show(s, r, t).await
}

async fn personal_post(
    s: web::Data<AppState>,
    r: HttpRequest,
    t: web::Path<String>,
    f: web::Bytes,
) -> HttpResponse {
    accept(s, r, t, f).await
}

/// Opening the opt-out link only asks for confirmation.
async fn optout_get(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    if !token::well_formed(&token) {
        return unusable(&state, &req, true);
    }
    let t = token.clone();
    match state.with_db(move |c| outbox::opt_out_state(c, &t)).await {
        Ok(Some((true, invited))) => page(
            &state,
            StatusCode::OK,
            &pages::OPTED_OUT,
            invitation_language(&req, &invited),
        ),
        Ok(Some((false, invited))) => {
            let lang = invitation_language(&req, &invited);
            let action = format!("/o/{}", token.as_str());
            let button = if lang == Language::Sv {
                "Bekräfta avregistrering"
            } else {
                "Confirm unsubscribe"
            };
            html(
                StatusCode::OK,
                pages::message(
                    &state.about,
                    &pages::OPT_OUT,
                    lang,
                    None,
                    Some((&action, button)),
                ),
            )
        }
        Ok(None) => unusable(&state, &req, true),
        Err(e) => state.error(&e),
    }
}

/// The confirming POST (also RFC 8058's one-click POST) opts out.
async fn optout_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    if !token::well_formed(&token) {
        return unusable(&state, &req, true);
    }
    let t = token.clone();
    match state.with_db(move |c| outbox::opt_out(c, &t)).await {
        Ok(Some(invited)) => page(
            &state,
            StatusCode::OK,
            &pages::OPTED_OUT,
            invitation_language(&req, &invited),
        ),
        Ok(None) => unusable(&state, &req, true),
        Err(e) => state.error(&e),
    }
}
