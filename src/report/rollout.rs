//! The roll-out report as JSON, tidy CSV and Markdown (in the reader's language).

use std::fmt::Write as _;

use super::format::{cell, fixed, interval};
use crate::evaluation::rollout::report::{
    BaconSummary, DimensionRollout, Estimate, RolloutReport, SunAbrahamSummary,
};
use crate::survey::{Direction, Language};

pub fn json(report: &RolloutReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a report serialises");
    s.push('\n');
    s
}

/// Words and numbers of the Markdown report: Swedish has decimal commas
/// (and so semicolons between an interval's ends).
struct Words {
    sv: bool,
}

impl Words {
    fn w<'a>(&self, en: &'a str, sv: &'a str) -> &'a str {
        if self.sv { sv } else { en }
    }

    fn decimal(&self, figure: String) -> String {
        super::format::localised(figure, self.lang())
    }

    fn lang(&self) -> Language {
        if self.sv { Language::Sv } else { Language::En }
    }

    fn fixed(&self, value: Option<f64>, decimals: usize) -> String {
        self.decimal(fixed(value, decimals))
    }

    fn signed(&self, value: f64, decimals: usize) -> String {
        self.decimal(format!("{value:+.decimals$}"))
    }

    fn interval(&self, value: Option<[f64; 2]>, decimals: usize) -> String {
        self.decimal(interval(value, decimals))
    }

    fn p(&self, value: Option<f64>) -> String {
        match value {
            Some(v) => self.decimal(super::format::p_value(v)),
            None => "—".into(),
        }
    }
}

/// One line per dimension in plain words: what changed after adoption.
fn headline(d: &DimensionRollout, words: &Words) -> String {
    let Some(o) = &d.overall else {
        return format!(
            "**{}**: {}",
            d.name,
            words.w(
                "no effect can be estimated from these data.",
                "ingen effekt kan skattas ur dessa data."
            )
        );
    };
    let better = match d.direction {
        Direction::HigherIsBetter => o.estimate > 0.0,
        Direction::LowerIsBetter => o.estimate < 0.0,
    };
    let clear = o.ci95.is_some_and(|[a, b]| a > 0.0 || b < 0.0);
    let verdict = match (clear, better, words.sv) {
        (true, true, false) => "a clear improvement after adoption",
        (true, false, false) => "a clear deterioration after adoption",
        (false, _, false) => "no clear change after adoption",
        (true, true, true) => "tydlig förbättring efter start",
        (true, false, true) => "tydlig försämring efter start",
        (false, _, true) => "ingen tydlig förändring efter start",
    };
    let lower = if d.direction == Direction::LowerIsBetter {
        words.w(" (lower is better)", " (lägre är bättre)")
    } else {
        ""
    };
    // A randomised roll-out: the randomisation test's p is the primary one.
    let (value, label) = match &d.randomisation {
        Some(r) => (Some(r.p), words.w("p (randomisation)", "p (randomisering)")),
        None => (o.p, "p"),
    };
    let p = words.p(value);
    let p = if p.starts_with('<') {
        format!("{label} {p}")
    } else {
        format!("{label} = {p}")
    };
    format!(
        "**{}**{lower}: {verdict} — {} {} {} ({p}).",
        d.name,
        words.signed(o.estimate, 2),
        words.w("points, 95 % CI", "poäng, 95 % KI"),
        words.interval(o.ci95, 2),
    )
}

fn row(o: &mut String, words: &Words, label: &str, e: &Estimate) {
    let _ = writeln!(
        o,
        "| {label} | {} | {} | {} | {} |",
        words.signed(e.estimate, 3),
        words.fixed(e.se, 3),
        words.interval(e.ci95, 3),
        words.p(e.p)
    );
}

pub fn markdown(report: &RolloutReport, lang: Language) -> String {
    document(report, lang, false)
}

/// The Markdown; with `charts`, a line `CHART:event:i` / `CHART:bacon:i`
/// where dimension i's charts go in the HTML.
fn document(report: &RolloutReport, lang: Language, charts: bool) -> String {
    let words = Words {
        sv: lang == Language::Sv,
    };
    let w = |en, sv| words.w(en, sv).to_owned();
    let mut o = String::new();
    let s = &report.survey;
    let _ = writeln!(
        o,
        "# {}: {} v{}\n",
        w("Roll-out report", "Utrullningsrapport"),
        s.key,
        s.version
    );
    let _ = writeln!(o, "## {}\n", w("Summary", "Sammanfattning"));
    for d in &report.dimensions {
        let _ = writeln!(o, "- {}", headline(d, &words));
    }
    let _ = writeln!(o);
    if !report.warnings.is_empty() {
        let _ = writeln!(o, "## {}\n", w("Warnings", "Varningar"));
        for x in &report.warnings {
            let _ = writeln!(o, "- {x}");
        }
        let _ = writeln!(o);
    }
    let design = &report.design;
    let _ = writeln!(o, "## {}\n", w("Cohorts", "Grupper"));
    let _ = writeln!(
        o,
        "| {} | {} | {} |\n|---|---|---|",
        w("first wave after adoption", "första mätomgång efter start"),
        w("units", "enheter"),
        w("waves before", "mätomgångar före")
    );
    for c in &design.cohorts {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            c.first_wave,
            c.units.join(", "),
            c.pre_waves
        );
    }
    let never = if design.never_treated.is_empty() {
        "—".to_owned()
    } else {
        design.never_treated.join(", ")
    };
    let _ = writeln!(o, "| {} | {never} | |\n", w("never", "aldrig"));
    if !report.adoption_changes.is_empty() {
        let _ = writeln!(
            o,
            "## {}\n\n| {} | {} | {} | {} | |\n|---|---|---|---|---|",
            w("Adoption changes", "Ändrade startdatum"),
            w("unit", "enhet"),
            w("before", "före"),
            w("after", "efter"),
            w("recorded", "angavs")
        );
        for c in &report.adoption_changes {
            let late = if c.after_close {
                w(
                    "after a wave it affects had closed",
                    "efter att en mätomgång den påverkar hade stängt",
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {late} |",
                c.unit,
                c.previous.as_deref().unwrap_or("—"),
                c.adopted_on.as_deref().unwrap_or("—"),
                c.recorded_at
            );
        }
        let _ = writeln!(o);
    }
    let header = format!(
        "| | {} | {} | 95 % {} | p |\n|---|---|---|---|---|",
        w("estimate", "skattning"),
        w("SE", "medelfel"),
        w("CI", "KI")
    );
    for d in &report.dimensions {
        let _ = writeln!(o, "## {}\n", d.name);
        let _ = writeln!(
            o,
            "{} {}.\n",
            d.respondents,
            w("respondents with a score", "svarande med ett värde")
        );
        for x in &d.warnings {
            let _ = writeln!(o, "- {x}");
        }
        if d.overall.is_none() {
            continue;
        }
        let _ = writeln!(o, "{header}");
        if let Some(e) = &d.overall {
            row(
                &mut o,
                &words,
                &w(
                    "**overall** (cohorts weighted by size)",
                    "**samlat** (grupper vägda efter storlek)",
                ),
                e,
            );
        }
        if let Some(e) = &d.event_overall {
            row(
                &mut o,
                &words,
                &w(
                    "mean over waves since adoption",
                    "medel över mätomgångar sedan start",
                ),
                e,
            );
        }
        if let Some(e) = &d.sensitivity {
            row(
                &mut o,
                &words,
                &w(
                    "overall, not-yet-treated as comparison",
                    "samlat, ännu inte startade som jämförelse",
                ),
                e,
            );
        }
        if let Some(t) = &d.twfe {
            row(
                &mut o,
                &words,
                &w(
                    "two-way fixed effects (not used: biased with staggered adoption)",
                    "tvåvägs fixa effekter (används inte: snedvriden vid stegvis start)",
                ),
                &t.estimate,
            );
        }
        let _ = writeln!(o);
        if let Some(r) = &d.randomisation {
            let _ = writeln!(
                o,
                "{} {} {}: p = {} ({} {}; {} {}, {} {}).\n",
                w(
                    "Randomisation test of the overall effect over",
                    "Randomiseringstest av den samlade effekten över"
                ),
                r.draws,
                w(
                    "other schedules the design could have drawn",
                    "andra scheman som designen kunde ha dragit"
                ),
                words.decimal(if r.p < 0.001 {
                    format!("{:.1e}", r.p)
                } else {
                    format!("{:.4}", r.p)
                }),
                w("smallest attainable", "minsta möjliga"),
                words.decimal(format!("{:.1e}", r.smallest_p)),
                w("seed", "frö"),
                r.seed,
                w("schedule", "schema"),
                &r.schedule_hash[..12.min(r.schedule_hash.len())]
            );
        }
        let _ = writeln!(
            o,
            "### {}\n\n| {} | {} | {} | 95 % {} | {} |\n|---|---|---|---|---|",
            w("By time since adoption", "Efter tid sedan start"),
            w("waves since adoption", "mätomgångar sedan start"),
            w("estimate", "skattning"),
            w("SE", "medelfel"),
            w("CI", "KI"),
            w("uniform band", "simultant band")
        );
        for e in &d.event_study {
            if e.reference {
                let _ = writeln!(
                    o,
                    "| {} | 0 ({}) | — | — | — |",
                    e.event_time,
                    w("reference", "referens")
                );
            } else {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} |",
                    e.event_time,
                    words.signed(e.estimate.estimate, 3),
                    words.fixed(e.estimate.se, 3),
                    words.interval(e.estimate.ci95, 3),
                    words.interval(e.band95, 3)
                );
            }
        }
        let _ = writeln!(o);
        if charts {
            let _ = writeln!(o, "CHART:event:{}\n", d.id);
        }
        for (title, rows) in [
            (
                w(
                    "By cohort (first wave after adoption)",
                    "Efter grupp (första mätomgång efter start)",
                ),
                &d.by_cohort,
            ),
            (w("By wave", "Efter mätomgång"), &d.by_wave),
        ] {
            let _ = writeln!(o, "### {title}\n\n{header}");
            for r in rows {
                row(&mut o, &words, &r.at, &r.estimate);
            }
            let _ = writeln!(o);
        }
        if let Some(sa) = &d.sun_abraham {
            sun_abraham(&mut o, sa, &words, &header);
        }
        if let Some(b) = &d.bacon {
            bacon(&mut o, b, &words);
            if charts {
                let _ = writeln!(o, "CHART:bacon:{}\n", d.id);
            }
        }
    }
    let m = &report.methods;
    let _ = writeln!(o, "## {}\n", w("Methods", "Metoder"));
    for x in [
        &m.estimator,
        &m.aggregation,
        &m.inference,
        &m.band,
        &m.sun_abraham,
        &m.twfe,
    ] {
        let _ = writeln!(o, "- {x}");
    }
    o
}

fn sun_abraham(o: &mut String, sa: &SunAbrahamSummary, words: &Words, header: &str) {
    let _ = writeln!(
        o,
        "### {}\n\n{header}",
        words.w(
            "Sun & Abraham event study (a second estimator)",
            "Sun & Abrahams händelsestudie (en andra skattare)"
        )
    );
    for e in &sa.event_study {
        row(o, words, &e.event_time.to_string(), &e.estimate);
    }
    row(
        o,
        words,
        words.w("overall (after adoption)", "samlat (efter start)"),
        &sa.overall,
    );
    let _ = writeln!(o);
}

fn bacon(o: &mut String, b: &BaconSummary, words: &Words) {
    use crate::stats::staggered::bacon::Comparison;
    let _ = writeln!(
        o,
        "### {}\n\n{} {} % {}\n",
        words.w("Why two-way fixed effects are not used", "Varför tvåvägs fixa effekter inte används"),
        words.w(
            "The two-way fixed-effects estimate averages these 2 × 2 comparisons;",
            "Skattningen med tvåvägs fixa effekter är ett medel av dessa 2 × 2-jämförelser;"
        ),
        words.decimal(format!("{:.0}", 100.0 * b.forbidden_weight)),
        words.w(
            "of its weight compares later cohorts with units that had already adopted, whose own change is not a \
             valid comparison.",
            "av vikten jämför senare grupper med enheter som redan hade börjat, vars egen förändring inte är en \
             giltig jämförelse."
        )
    );
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} |\n|---|---|---|---|",
        words.w("treated cohort", "behandlad grupp"),
        words.w("compared with", "jämförd med"),
        words.w("estimate", "skattning"),
        words.w("weight", "vikt")
    );
    for c in &b.comparisons {
        let control = match (&c.control, c.comparison) {
            (None, _) => words
                .w("never-treated units", "enheter utan insatsen")
                .to_owned(),
            (Some(g), Comparison::LaterVsEarlier) => {
                format!("{g} {}", words.w("(already adopted)", "(redan startad)"))
            }
            (Some(g), _) => format!(
                "{g} {}",
                words.w("(not yet adopted)", "(ännu inte startad)")
            ),
        };
        let _ = writeln!(
            o,
            "| {} | {control} | {} | {} |",
            c.treated,
            words.signed(c.estimate, 3),
            words.fixed(Some(c.weight), 3)
        );
    }
    let _ = writeln!(
        o,
        "| | {} | {} | 1 |\n",
        words.w("= TWFE on the cell means", "= TWFE på cellmedelvärdena"),
        words.signed(b.twfe_cell_means, 3)
    );
}

/// The report's table as a workbook (the CSV's figures, numbers as numbers).
pub fn xlsx(report: &RolloutReport) -> Vec<u8> {
    let sheet = crate::export::xlsx::csv_sheet("rollout", &csv(report));
    crate::export::xlsx::sheets(&[sheet]).expect("an in-memory workbook")
}

/// Tidy rows: dimension, kind (overall, simple, event, cohort, wave, group_time, twfe), at, figures.
pub fn csv(report: &RolloutReport) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "dimension",
        "kind",
        "at",
        "wave",
        "estimate",
        "se",
        "df",
        "ci95_low",
        "ci95_high",
        "p",
        "band95_low",
        "band95_high",
    ]);
    for d in &report.dimensions {
        let mut put = |kind: &str, at: String, wave: &str, e: &Estimate, band: Option<[f64; 2]>| {
            let _ = out.write_record([
                d.id.clone(),
                kind.to_owned(),
                at,
                wave.to_owned(),
                cell(Some(e.estimate)),
                cell(e.se),
                cell(Some(e.df)),
                cell(e.ci95.map(|c| c[0])),
                cell(e.ci95.map(|c| c[1])),
                cell(e.p),
                cell(band.map(|c| c[0])),
                cell(band.map(|c| c[1])),
            ]);
        };
        for (kind, e) in [
            ("overall", &d.overall),
            ("simple", &d.simple),
            ("not_yet_treated", &d.sensitivity),
            ("event_overall", &d.event_overall),
        ] {
            if let Some(e) = e {
                put(kind, String::new(), "", e, None);
            }
        }
        if let Some(t) = &d.twfe {
            put("twfe", String::new(), "", &t.estimate, None);
        }
        if let Some(sa) = &d.sun_abraham {
            put("sun_abraham_overall", String::new(), "", &sa.overall, None);
            for e in &sa.event_study {
                put(
                    "sun_abraham_event",
                    e.event_time.to_string(),
                    "",
                    &e.estimate,
                    None,
                );
            }
        }
        for e in d.event_study.iter().filter(|e| !e.reference) {
            put("event", e.event_time.to_string(), "", &e.estimate, e.band95);
        }
        for r in &d.by_cohort {
            put("cohort", r.at.clone(), "", &r.estimate, None);
        }
        for r in &d.by_wave {
            put("wave", r.at.clone(), "", &r.estimate, None);
        }
        for r in &d.group_time {
            put("group_time", r.cohort.clone(), &r.wave, &r.estimate, None);
        }
    }
    String::from_utf8(out.into_inner().expect("a vector")).expect("UTF-8")
}

/// The terminal's summary.
pub fn summary(report: &RolloutReport, lang: Language) -> String {
    let words = Words {
        sv: lang == Language::Sv,
    };
    report
        .dimensions
        .iter()
        .map(|d| headline(d, &words).replace("**", "") + "\n")
        .collect()
}

/// The report's body as HTML for a page: the Markdown, every text escaped
/// first (unit codes and survey texts cannot inject markup), rendered by
/// pulldown-cmark with tables.
pub fn html_body(report: &RolloutReport, lang: Language) -> String {
    let escaped = document(report, lang, true)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let parser = pulldown_cmark::Parser::new_ext(&escaped, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    // The charts, where the document marked them (the ids are the survey's dimension ids,
    // escaped like every other text above).
    let sv = lang == Language::Sv;
    for d in &report.dimensions {
        let id =
            d.id.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
        for (kind, chart) in [
            ("event", super::charts::event_time_chart(d, sv)),
            ("bacon", super::charts::bacon_chart(d, sv)),
        ] {
            let marker = format!("<p>CHART:{kind}:{id}</p>\n");
            let figure = chart
                .map(|svg| format!("<figure class=\"chart\">{svg}</figure>\n"))
                .unwrap_or_default();
            html = html.replace(&marker, &figure);
        }
    }
    html
}

/// A self-contained HTML document of the report (prints on A4).
pub fn html(report: &RolloutReport, lang: Language) -> String {
    let title = match lang {
        Language::Sv => "Utrullningsrapport",
        Language::En => "Roll-out report",
    };
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}: {key}</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}}\
         table{{border-collapse:collapse;margin:.5rem 0 1rem;font-variant-numeric:tabular-nums}}\
         th,td{{border:1px solid #bbb;padding:.2rem .5rem;text-align:left}}th{{background:#eef}}\
         figure.chart{{margin:.5rem 0 1rem}}figure.chart svg{{max-width:100%;height:auto}}\
         @media (max-width:40rem){{table{{display:block;overflow-x:auto}}}}\
         @media print{{body{{font-size:11pt;max-width:none}}h2{{break-before:auto}}table,figure{{break-inside:avoid}}}}</style>\n\
         </head>\n<body>\n{body}</body>\n</html>\n",
        key = report.survey.key.replace('&', "&amp;").replace('<', "&lt;"),
        body = html_body(report, lang)
    )
}
