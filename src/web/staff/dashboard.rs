//! The leadership dashboard: per unit (with everything under it) the trend
//! of a dimension over the waves, all dimensions in the latest wave, a
//! unit's profile, response rates; charts with tables of the same figures,
//! as the study's disclosure plan shows them.

use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::page::{num, percent};
use super::{Page, require, staff_or_return, words};
use crate::app;
use crate::auth::Role;
use crate::dashboard::{Dashboard, Figure, Rate};
use crate::evaluation::headline::Headlines;
use crate::report::charts::{self, ChartText};
use crate::survey::Language;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct DashboardQuery {
    dimension: Option<String>,
    parent: Option<String>,
    unit: Option<String>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    query: web::Query<DashboardQuery>,
) -> HttpResponse {
    let staff = staff_or_return!(require(&req, &state, Role::Viewer));
    let page = Page::new(&req, Some(&staff));
    let lang = page.lang;
    let name = name.into_inner();
    let study = name.clone();
    let query = query.into_inner();
    let scope = staff.scope;
    let reads_comments = staff.reads_comments();
    let done = state
        .call(move |c| {
            let dash = app::dashboard_within(c, &study, lang, scope)?;
            let closed: Vec<(i64, String)> = if reads_comments {
                let s = crate::store::studies::by_name(c, &study)?;
                crate::store::studies::waves_of(c, &s)?
                    .into_iter()
                    .filter(|w| w.state == crate::store::studies::WaveState::Closed)
                    .map(|w| (w.id, w.name))
                    .collect()
            } else {
                Vec::new()
            };
            // The pilot question's answer, for viewers of the whole organisation
            // (the arms span units a unit-limited viewer does not see).
            let published = (0..dash.waves.len())
                .any(|w| dash.organisation[w].iter().any(|f| f.mean.is_some()));
            let headlines = match scope.is_none() && published {
                true => Some(app::headlines::stored_headlines(c, &study)?),
                false => None,
            };
            Ok((dash, closed, headlines))
        })
        .await;
    match done {
        Ok((dash, closed, headlines)) => {
            let title = format!("{}: {name}", page.t("dashboard"));
            let mut context = dashboard_context(&dash, &name, &query, lang);
            use app::headlines::Outcome;
            let (cards, cards_note) = match &headlines {
                Some(Some(Outcome::Shown(h))) => (headline_cards(&dash, h, lang), None),
                Some(Some(Outcome::Refused(why))) => (Vec::new(), Some(why.get(lang).to_owned())),
                Some(None) => {
                    state.compute_headlines(&name);
                    (Vec::new(), Some(page.t("cards_computing").to_owned()))
                }
                None => (Vec::new(), None),
            };
            let rollout = matches!(&headlines, Some(Some(Outcome::Shown(h))) if h.rollout);
            context = minijinja::context! {
                comment_waves => closed,
                study_path => super::url_escape(&name),
                cards => cards,
                cards_note => cards_note,
                cards_rollout => rollout,
                ..context
            };
            page.ok("staff/dashboard.html", &title, context)
        }
        Err(e) => page.fail(&req, e),
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
fn dashboard_context(
    dash: &Dashboard,
    study: &str,
    query: &DashboardQuery,
    lang: Language,
) -> minijinja::Value {
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
    let published = dash
        .organisation
        .iter()
        .any(|w| w.iter().any(|f| f.n.is_some_and(|n| n > 0)));
    let has_waves =
        published && !waves.is_empty() && !dash.dimensions.is_empty() && !dash.units.is_empty();
    let empty_text = (!has_waves).then(|| empty_state(dash, lang));
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
    let (mut trend_svg, mut heatmap_svg, mut profile_svg, mut groups_svg) =
        (String::new(), String::new(), String::new(), String::new());
    let mut group_rows = Vec::new();
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
                                let arrow = charts::arrow(ch);
                                let arrow = if lang == Language::Sv {
                                    arrow.replace('.', ",")
                                } else {
                                    arrow
                                };
                                format!("{} ({arrow})", num(m, lang))
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
            profile,
            &ChartText {
                id: "trend-chart",
                title: &trend_title,
                description: &trend_desc,
                x: t("wave_axis"),
                y: t("mean_axis"),
                organisation: t("organisation"),
                others: t("other_units"),
            },
        );
        if !dash.groups.is_empty() {
            let rollout = dash.groups.iter().any(|g| g.id.starts_with("cohort-"));
            let title = format!(
                "{}: {}",
                t(if rollout {
                    "groups_trend_rollout"
                } else {
                    "groups_trend"
                }),
                dimension_name
            );
            let details: Vec<String> = dash
                .groups
                .iter()
                .map(|g| {
                    // A cohort's name says when it adopted; the pilot arm's detail does.
                    let units = format!("{} {}", g.units.len(), t("units").to_lowercase());
                    match g
                        .adopted_at
                        .as_ref()
                        .filter(|w| !g.name.contains(w.as_str()))
                    {
                        Some(w) => format!("{units}, {} {w}", t("starts_at")),
                        None => units,
                    }
                })
                .collect();
            groups_svg = charts::group_trend_chart(
                dash,
                d,
                &ChartText {
                    id: "groups-chart",
                    title: &title,
                    description: &format!("{title}. {}", t("groups_note")),
                    x: t("wave_axis"),
                    y: t("mean_axis"),
                    organisation: t("organisation"),
                    others: t("other_units"),
                },
                &details,
            );
            for (g, group) in dash.groups.iter().enumerate() {
                group_rows.push(context! {
                    name => group.name.clone(),
                    units => group.units.join(", "),
                    adopted_at => group.adopted_at.clone(),
                    cells => (0..waves.len())
                        .map(|w| figure_text(&dash.group_figures[w][d][g], lang))
                        .collect::<Vec<_>>(),
                });
            }
        }
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
                others: t("other_units"),
            },
            &charts::HeatWords {
                lower_is_better: t("lower_is_better"),
                worse: t("heat_worse"),
                better: t("heat_better"),
                no_change: t("heat_no_change"),
                legend: t("heat_legend"),
                decimal_comma: lang == Language::Sv,
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
                    others: t("other_units"),
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
    context! {
            study_name => study,
            reorganisations => dash.notes.iter().map(|n| n.text.clone()).collect::<Vec<_>>(),
            has_waves => has_waves,
            empty_text => empty_text,
            dimensions => dimensions,
            parents => Serde(parents),
            units => Serde(units),
            waves => waves.clone(),
            latest => waves.get(latest).cloned().unwrap_or_default(),
            dimension_name => dimension_name,
            trend_svg => trend_svg,
            groups_svg => groups_svg,
            group_rows => group_rows,
            heatmap_svg => heatmap_svg,
            profile_svg => profile_svg,
            profile_name => profile.map(|u| dash.units[u].name.clone()).unwrap_or_default(),
            trend_rows => Serde(trend_rows),
            heat_rows => Serde(heat_rows),
            rate_rows => Serde(rate_rows),
            profile_rows => profile_rows,
    }
}

/// What an empty dashboard says: what will appear, and when.
fn empty_state(dash: &Dashboard, lang: Language) -> String {
    let sv = lang == Language::Sv;
    let min = dash.waves.iter().map(|w| w.min_group).max().unwrap_or(5);
    match dash.waves.iter().find(|w| w.open) {
        None if dash.waves.is_empty() => if sv {
            "Inga mätomgångar ännu. Figurerna visas här när den första mätomgången har stängt."
        } else {
            "No waves yet. The figures appear here when the first wave has closed."
        }
        .to_owned(),
        Some(w) => {
            let until = w.closes_on.as_deref().map(|d| {
                if sv {
                    format!(" till och med {d}")
                } else {
                    format!(" until {d}")
                }
            });
            let until = until.unwrap_or_default();
            if sv {
                format!(
                    "Inga figurer ännu: mätomgången {} är öppen{until}. När den stänger visas här varje grupp med minst {min} svarande.",
                    w.name
                )
            } else {
                format!(
                    "No figures yet: wave {} is open{until}. When it closes, every group with at least {min} respondents appears here.",
                    w.name
                )
            }
        }
        None => {
            if sv {
                format!(
                    "Inga figurer ännu: de visas när en mätomgång har stängt med minst {min} svarande."
                )
            } else {
                format!(
                    "No figures yet: they appear when a wave has closed with at least {min} respondents."
                )
            }
        }
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

/// One card per dimension: the headline's words, its estimate, interval
/// and p-values, in the reader's language.
fn headline_cards(dash: &Dashboard, h: &Headlines, lang: Language) -> Vec<minijinja::Value> {
    use crate::evaluation::headline::{Verdict, sentence};
    use crate::report::format::{fixed, interval, localised, p_value};
    h.cards
        .iter()
        .map(|card| {
            let name = dash
                .dimensions
                .iter()
                .find(|d| d.id == card.dimension)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| card.dimension.clone());
            let name = if card.lower_is_better {
                format!("{name} ({})", super::words::pick(lang, "lower_better"))
            } else {
                name
            };
            let tone = match card.verdict {
                Verdict::ClearImprovement => "better",
                Verdict::ClearDecline => "worse",
                Verdict::PossibleImprovement | Verdict::PossibleDecline => "possible",
                _ => "neutral",
            };
            // "< 0.001" kept on one line.
            let p = |x: Option<f64>| {
                x.map_or("—".to_owned(), |p| p_value(p).replace("< ", "<\u{a0}"))
            };
            let figures = match card.estimate {
                Some(e) => localised(
                    format!(
                        "{e:+.2} {} {}, p {} ({} {})",
                        super::words::pick(lang, "scale_points"),
                        interval(card.ci95, 2),
                        p(card.p),
                        super::words::pick(lang, "holm_adjusted"),
                        p(card.p_adjusted),
                    ),
                    lang,
                ),
                None => fixed(None, 2),
            };
            minijinja::context! {
                sentence => sentence(&name, card.verdict, h.rollout, lang),
                figures => figures,
                tone => tone,
                lower_is_better => card.lower_is_better,
            }
        })
        .collect()
}
