//! A unit's feedback report as HTML in Swedish or English: a
//! self-contained document (inline CSS and SVG, A4 print rules) to
//! download, and its body for the staff page.

use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::charts::{self, ChartText, Profile};
use super::format::{fixed, interval, localised};
use crate::feedback::{Difference, UnitFeedback, Verdict};
use crate::survey::Language;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 60rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
.note { color: #444; font-size: .9rem; }
figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; }
.wide { overflow-x: auto; }
.better { color: #05603a; font-weight: 600; } .worse { color: #8a2c00; font-weight: 600; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; } .wide { overflow: visible; }
  figure, table, li { break-inside: avoid; } h2, h3 { break-after: avoid; } th, td { padding: .15rem .3rem; } }
";

static TEMPLATES: std::sync::LazyLock<minijinja::Environment<'static>> =
    std::sync::LazyLock::new(|| {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in [
            ("feedback.html", include_str!("templates/feedback.html")),
            (
                "feedback_body.html",
                include_str!("templates/feedback_body.html"),
            ),
        ] {
            env.add_template(name, source)
                .expect("built-in templates parse");
        }
        env
    });

/// A self-contained document to download or print.
pub fn html(report: &UnitFeedback, lang: Language) -> String {
    render("feedback.html", report, lang)
}

/// The body for a page with its own document and style.
pub fn html_body(report: &UnitFeedback, lang: Language) -> String {
    render("feedback_body.html", report, lang)
}

fn render(template: &str, report: &UnitFeedback, lang: Language) -> String {
    TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(view(report, lang)))
        .unwrap_or_else(|e| panic!("built-in template {template} failed: {e}"))
}

#[derive(Serialize)]
struct Row {
    name: String,
    n: String,
    mean: String,
    ci: String,
    organisation: String,
    against: String,
    against_class: &'static str,
    change: String,
    change_class: &'static str,
}

#[derive(Serialize)]
struct Named {
    name: String,
    text: String,
    class: &'static str,
}

#[derive(Serialize)]
struct ItemRow {
    text: String,
    percents: Vec<String>,
    dont_know: String,
    n: u64,
}

#[derive(Serialize)]
struct ItemGroup {
    dimension: String,
    rows: Vec<ItemRow>,
}

#[derive(Serialize)]
struct CommentGroup {
    heading: String,
    comments: Vec<String>,
}

#[derive(Serialize)]
struct QuestionComments {
    text: String,
    groups: Vec<CommentGroup>,
}

fn view(r: &UnitFeedback, lang: Language) -> Value {
    let sv = lang == Language::Sv;
    let w = |sv_text: &'static str, en_text: &'static str| if sv { sv_text } else { en_text };
    let num = |x: Option<f64>| localised(fixed(x, 2), lang);
    let diff_text = |d: &Option<Difference>| match d {
        Some(d) => localised(
            format!("{:+.2} {}", d.estimate, interval(Some(d.ci95), 2)),
            lang,
        ),
        None => "—".to_owned(),
    };
    let class = |d: &Option<Difference>| match d.map(|d| d.verdict) {
        Some(Verdict::Better) => "better",
        Some(Verdict::Worse) => "worse",
        _ => "",
    };
    let marked = |name: &str, lower: bool| {
        if lower {
            format!("{name} ({})", w("lägre är bättre", "lower is better"))
        } else {
            name.to_owned()
        }
    };
    let rows: Vec<Row> = r
        .dimensions
        .iter()
        .map(|d| Row {
            name: marked(&d.name, d.lower_is_better),
            n: d.unit
                .n
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into()),
            mean: num(d.unit.mean),
            ci: localised(interval(d.unit.ci95, 2), lang),
            organisation: num(d.organisation.mean),
            against: diff_text(&d.against_organisation),
            against_class: class(&d.against_organisation),
            change: diff_text(&d.change),
            change_class: class(&d.change),
        })
        .collect();
    let verdict_text = |d: &Option<Difference>| match d.map(|d| d.verdict) {
        Some(Verdict::Better) => w(
            "tydligt bättre än i organisationen",
            "clearly better than the organisation",
        ),
        Some(Verdict::Worse) => w(
            "tydligt sämre än i organisationen",
            "clearly worse than the organisation",
        ),
        _ => w(
            "skillnaden ligger inom vad slumpen ger",
            "the difference is within what chance gives",
        ),
    };
    let named = |list: &[usize]| -> Vec<Named> {
        list.iter()
            .map(|&i| {
                let d = &r.dimensions[i];
                Named {
                    name: marked(&d.name, d.lower_is_better),
                    text: format!(
                        "{} ({})",
                        diff_text(&d.against_organisation),
                        verdict_text(&d.against_organisation)
                    ),
                    class: class(&d.against_organisation),
                }
            })
            .collect()
    };
    let mut item_groups: Vec<ItemGroup> = Vec::new();
    for item in &r.items {
        let answered: u64 = item.counts.iter().sum();
        let all = answered + item.dont_know;
        let pct = |c: u64| {
            if all == 0 {
                "—".to_owned()
            } else {
                format!("{} %", (100.0 * c as f64 / all as f64).round())
            }
        };
        let row = ItemRow {
            text: item.text.clone(),
            percents: item.counts.iter().map(|&c| pct(c)).collect(),
            dont_know: pct(item.dont_know),
            n: all,
        };
        match item_groups.last_mut() {
            Some(g) if g.dimension == item.dimension => g.rows.push(row),
            _ => item_groups.push(ItemGroup {
                dimension: item.dimension.clone(),
                rows: vec![row],
            }),
        }
    }
    let comments: Option<Vec<QuestionComments>> = r.comments.as_ref().map(|c| {
        c.questions
            .iter()
            .filter(|q| q.count() > 0)
            .map(|q| QuestionComments {
                text: q.text.clone(),
                groups: q
                    .by_group
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| !t.is_empty())
                    .map(|(g, t)| CommentGroup {
                        heading: super::comments::group_heading(c, g, lang),
                        comments: t.clone(),
                    })
                    .collect(),
            })
            .collect()
    });
    let comments_note = r.comments.as_ref().map(|c| {
        if c.unavailable.is_some() || c.groups.is_empty() {
            localised_min(
                w(
                    "Kommentarer visas bara för grupper med minst {min} svarande; enheten är för liten för en egen grupp.",
                    "Comments are shown only for groups of at least {min} respondents; the unit is too small for a group of its own.",
                ),
                c.minimum,
            )
        } else {
            localised_min(
                w(
                    "Kommentarerna visas för grupper med minst {min} svarande, i slumpad ordning, med namn och kontaktuppgifter borttagna.",
                    "Comments are shown for groups of at least {min} respondents, in random order, with names and contact details removed.",
                ),
                c.minimum,
            )
        }
    });
    let title = format!(
        "{}: {} {}",
        w("Resultatåterföring", "Feedback report"),
        r.unit,
        r.wave
    );
    let lead = match (&r.previous_wave, r.respondents, sv) {
        (Some(p), Some(n), true) => format!(
            "Så svarade de {n} personerna i enheten, jämfört med hela organisationen och med mätomgången {p}."
        ),
        (Some(p), Some(n), false) => format!(
            "How the {n} people in the unit answered, compared with the whole organisation and with wave {p}."
        ),
        (None, Some(n), true) => {
            format!("Så svarade de {n} personerna i enheten, jämfört med hela organisationen.")
        }
        (None, Some(n), false) => {
            format!(
                "How the {n} people in the unit answered, compared with the whole organisation."
            )
        }
        _ => String::new(),
    };
    let chart = charts::profile(
        &Profile {
            scale: r.scale,
            dimensions: r
                .dimensions
                .iter()
                .map(|d| marked(&d.name, d.lower_is_better))
                .collect(),
            unit_name: r.unit.clone(),
            unit: r.dimensions.iter().map(|d| d.unit).collect(),
            organisation: r.dimensions.iter().map(|d| d.organisation).collect(),
        },
        &ChartText {
            id: "feedback-profile",
            title: &format!(
                "{}: {} {}",
                w("Klimatprofil", "Climate profile"),
                r.unit,
                r.wave
            ),
            description: w(
                "Enhetens medelvärde per dimension med 95 % konfidensintervall, och organisationens medelvärde som triangel.",
                "The unit's mean per dimension with its 95 % confidence interval, and the organisation's mean as a triangle.",
            ),
            x: w("Medelvärde", "Mean"),
            y: w("Dimension", "Dimension"),
            organisation: w("Organisationen", "Organisation"),
            others: "",
        },
    );
    let mut labels = r.labels.clone();
    if r.dont_know_label.is_some() || r.items.iter().any(|i| i.dont_know > 0) {
        labels.push(
            r.dont_know_label
                .clone()
                .unwrap_or_else(|| w("Vet ej", "Don't know").into()),
        );
    }
    context! {
        lang => lang.code(),
        title => title,
        style => STYLE,
        lead => lead,
        previous_wave => r.previous_wave.clone(),
        strengths => Serde(named(&r.strengths)),
        areas => Serde(named(&r.areas)),
        rows => Serde(rows),
        chart => chart,
        labels => labels,
        item_groups => Serde(item_groups),
        comments => Serde(comments),
        comments_note => comments_note,
        questions => r.questions.clone(),
        t => context! {
            strengths_areas => w("Styrkor och utvecklingsområden", "Strengths and areas to develop"),
            strengths => w("Styrkor", "Strengths"),
            areas => w("Utvecklingsområden", "Areas to develop"),
            none_above => w("Ingen dimension ligger över organisationen.", "No dimension is above the organisation."),
            none_below => w("Ingen dimension ligger under organisationen.", "No dimension is below the organisation."),
            intervals => w(
                "Skillnaden mot organisationen med 95 % konfidensintervall inom hakparentes. Bara när intervallet inte rymmer noll är skillnaden tydlig; annars kan den vara slumpens verk, särskilt i en liten enhet.",
                "The difference from the organisation with its 95 % confidence interval in brackets. Only when the interval excludes zero is the difference clear; otherwise it may be chance, especially in a small unit.",
            ),
            profile => w("Klimatprofil", "Climate profile"),
            table_caption => w("Medelvärde per dimension, skillnad mot organisationen och förändring sedan förra mätomgången", "Mean per dimension, difference from the organisation and change since the previous wave"),
            dimension => w("Dimension", "Dimension"),
            unit_mean => w("Enheten", "Unit"),
            ci => w("95 % KI", "95 % CI"),
            organisation => w("Organisationen", "Organisation"),
            against => w("Skillnad mot organisationen", "Difference from the organisation"),
            change => w("Förändring sedan", "Change since"),
            no_previous => w("ingen tidigare mätomgång", "no earlier wave"),
            items => w("Svar per fråga", "Answers per question"),
            items_note => w("Andel av dem som svarade på frågan (inklusive vet ej).", "Share of those who answered the question (including don't know)."),
            question => w("Fråga", "Question"),
            comments => w("Kommentarer", "Comments"),
            meeting => w("Frågor till arbetsplatsträffen", "Questions for the workplace meeting"),
            meeting_note => w(
                "Resultaten är en utgångspunkt för samtal, inte ett betyg. Ingen enskild persons svar går att se.",
                "The results are a starting point for a conversation, not a grade. No single person's answers can be seen.",
            ),
        },
    }
}

fn localised_min(text: &str, min: u64) -> String {
    text.replace("{min}", &min.to_string())
}
