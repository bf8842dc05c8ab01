//! The effect report as JSON, Markdown, CSV and a self-contained HTML page,
//! each leading with the same plain-language summary.

use std::fmt::Write;

use super::charts::{event_study_chart, forest_chart, means_chart};
use super::format::{cell, fixed, interval};
use crate::evaluation::report::{Arm, Did, EffectReport, UnitLevel};
use crate::survey::Direction;

pub fn json(report: &EffectReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a report serialises");
    s.push('\n');
    s
}

use super::format::p_value as p;

/// The findings in one sentence, grouped by the strength of the evidence
/// (the dashboard's headline verdicts: Holm-adjusted, then unadjusted
/// primary p): "In short: a clear improvement in Idea support and Trust; no
/// clear difference in the other 8 dimensions."
fn in_short(report: &EffectReport) -> String {
    use crate::evaluation::headline::{Verdict, of_effect};
    let headlines = of_effect(report);
    let named = |wanted: &[Verdict]| -> Vec<&str> {
        report
            .dimensions
            .iter()
            .zip(&headlines.cards)
            .filter(|(_, h)| wanted.contains(&h.verdict))
            .map(|(d, _)| d.name.as_str())
            .collect()
    };
    let list = |names: &[&str]| match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let mut parts = Vec::new();
    for (verdict, words) in [
        (
            Verdict::ClearImprovement,
            "a clear improvement in the pilot units in",
        ),
        (
            Verdict::ClearDecline,
            "a clear decline in the pilot units in",
        ),
        (
            Verdict::PossibleImprovement,
            "a possible improvement, not established once every dimension tested is taken into account, in",
        ),
        (
            Verdict::PossibleDecline,
            "a possible decline, not established once every dimension tested is taken into account, in",
        ),
    ] {
        let names = named(&[verdict]);
        if !names.is_empty() {
            parts.push(format!("{words} {}", list(&names)));
        }
    }
    let rest = named(&[Verdict::NoClearDifference]).len();
    let total = report.dimensions.len();
    if rest > 0 {
        parts.push(if rest == total {
            "no clear difference between pilot and control units in any dimension".to_owned()
        } else {
            format!(
                "no clear difference in the other {rest} dimension{}",
                if rest == 1 { "" } else { "s" }
            )
        });
    }
    let missing = named(&[Verdict::NoEstimate]);
    if !missing.is_empty() {
        parts.push(format!("no estimate for {}", list(&missing)));
    }
    format!("In short: {}.", parts.join("; "))
}

/// One sentence per dimension, for a memo: the effect in scale points and in
/// standard deviations, its interval, the primary p-value and its adjustment.
pub fn plain_summary(report: &EffectReport) -> Vec<String> {
    let design = &report.design.design;
    let mut out = vec![format!(
        "{} pilot unit(s) were compared with {} control unit(s) over {} wave(s); the intervention began before wave {}. \
         Effects are differences in differences: how much more the pilot units changed than the control units.",
        design.pilot_units.len(),
        design.control_units.len(),
        design.waves.len(),
        design.first_post_wave
    )];
    out.push(in_short(report));
    for d in &report.dimensions {
        let Some(did) = &d.did else {
            out.push(format!("{}: no estimate (see the warnings).", d.name));
            continue;
        };
        let better = match d.direction {
            Direction::HigherIsBetter => did.estimate > 0.0,
            Direction::LowerIsBetter => did.estimate < 0.0,
        };
        let size = d
            .effect_size
            .as_ref()
            .map(|e| {
                format!(
                    " (g = {:.2}, 95 % CI {:.2} to {:.2})",
                    e.g, e.ci95[0], e.ci95[1]
                )
            })
            .unwrap_or_default();
        let holm = did.p_holm.unwrap_or(did.p_permutation);
        let verdict = if holm < 0.05 {
            format!(
                "a clear {} in the pilot units",
                if better {
                    "improvement"
                } else {
                    "deterioration"
                }
            )
        } else if did.p_permutation < 0.05 {
            format!(
                "a possible {}, but not once the {} dimensions tested together are taken into account",
                if better {
                    "improvement"
                } else {
                    "deterioration"
                },
                report.dimensions.len()
            )
        } else {
            "no clear difference between pilot and control units".into()
        };
        let caution = match d.measurement.as_ref().and_then(|m| m.means_comparable) {
            Some(false) => " Its items do not measure alike in every wave and arm: read this as a change in how \
                            the items are answered as much as in the climate."
                .to_owned(),
            _ => String::new(),
        };
        out.push(format!(
            "{}: {verdict}. The pilot units changed by {:+.2} scale points relative to the control units{size}; \
             95 % CI {:+.2} to {:+.2}; permutation p = {}, Holm-adjusted {}.{caution}",
            d.name,
            did.estimate,
            did.ci95_cr2[0],
            did.ci95_cr2[1],
            p(did.p_permutation),
            p(holm)
        ));
    }
    out
}

/// The lowest invariance level a dimension reaches over the comparisons
/// tested ("none" when a comparison reached none).
fn lowest_level(d: &crate::evaluation::report::DimensionEffect) -> Option<String> {
    let m = d.measurement.as_ref()?;
    let lowest = m.series.iter().map(|r| r.level).min()?;
    Some(lowest.map_or("none", |l| l.name()).to_owned())
}

/// The measurement table: per dimension, the level reached in each
/// comparison and whether its means may be compared.
fn measurement_rows(report: &EffectReport) -> (Vec<String>, Vec<Vec<String>>) {
    use crate::validity::Across;
    let columns = [Across::Waves, Across::Arms, Across::WavesAndArms];
    let header = [
        "dimension",
        "across waves",
        "between arms",
        "waves × arms",
        "means comparable",
    ]
    .map(String::from)
    .to_vec();
    let rows = report
        .dimensions
        .iter()
        .map(|d| {
            let m = d.measurement.as_ref();
            let mut row = vec![d.name.clone()];
            for across in columns {
                row.push(
                    m.and_then(|m| m.series.iter().find(|r| r.across == across))
                        .map(|r| r.level.map_or("none", |l| l.name()).to_owned())
                        .unwrap_or_else(|| "not tested".into()),
                );
            }
            row.push(match m.and_then(|m| m.means_comparable) {
                Some(true) => "yes".into(),
                Some(false) => "NO".into(),
                None => "not tested".into(),
            });
            row
        })
        .collect();
    (header, rows)
}

/// The dimension model's fit in one sentence, and what could not be computed.
fn model_sentences(report: &EffectReport) -> Vec<String> {
    let Some(v) = &report.validity else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(m) = &v.model {
        let f = &m.fit;
        out.push(format!(
            "The dimension model on {} complete cases of {}: CFI {:.3}, TLI {:.3}, RMSEA {:.3} [90 % {:.3}, {:.3}], SRMR {:.3}.",
            v.complete_cases, v.respondents, f.cfi, f.tli, f.rmsea, f.rmsea_lower, f.rmsea_upper, f.srmr
        ));
    }
    out.extend(v.problems.iter().cloned());
    out.extend(v.invariance.iter().map(|s| s.verdict.clone()));
    out
}

/// The inference of one DiD estimate in one sentence (Markdown and HTML).
fn did_sentence(x: &Did) -> String {
    format!(
        "DiD {:+.3}; CR1 SE {:.3} (p {}); CR2 SE {:.3}, Bell–McCaffrey df {:.1} (p {}); wild bootstrap p {}; \
         permutation p {}{}.",
        x.estimate,
        x.se_cr1,
        p(x.p_cr1),
        x.se_cr2,
        x.df_bm,
        p(x.p_cr2),
        p(x.p_wild),
        p(x.p_permutation),
        match x.p_permutation_mc95 {
            Some([lo, hi]) => format!(" (sampled; Monte Carlo 95 % {lo:.4}–{hi:.4})"),
            None => " (exact: every assignment)".to_owned(),
        }
    )
}

fn unit_level_sentence(u: &UnitLevel) -> String {
    let welch = match (u.welch_t, u.welch_df, u.p_welch) {
        (Some(t), Some(df), Some(pw)) => format!("Welch t {t:.2}, df {df:.1}, p {}", p(pw)),
        _ => "Welch test not possible (fewer than two units in an arm)".into(),
    };
    format!(
        "Unit-level view (Donald–Lang, units weighted equally): {:+.3}; {welch}; permutation p {}.",
        u.estimate,
        p(u.p_permutation)
    )
}

fn pretrend_sentence(pretrend_p: f64) -> String {
    format!(
        "Joint pre-trend test: p = {} (such tests have low power; a large p does not prove parallel trends).",
        p(pretrend_p)
    )
}

/// A few lines for the terminal.
pub fn summary(report: &EffectReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<28} {:>9} {:>16} {:>7} {:>8} {:>8} {:>8}",
        "dimension", "estimate", "95 % CI (CR2)", "g", "p perm", "p Holm", "p wild"
    );
    for d in &report.dimensions {
        match (&d.did, &d.effect_size) {
            (Some(x), e) => {
                let _ = writeln!(
                    o,
                    "{:<28} {:>+9.3} {:>16} {:>7} {:>8} {:>8} {:>8}",
                    truncate(&d.name, 28),
                    x.estimate,
                    format!("[{:+.2}, {:+.2}]", x.ci95_cr2[0], x.ci95_cr2[1]),
                    e.as_ref()
                        .map(|e| format!("{:.2}", e.g))
                        .unwrap_or_else(|| "—".into()),
                    p(x.p_permutation),
                    p(x.p_holm.unwrap_or(f64::NAN)),
                    p(x.p_wild)
                );
            }
            (None, _) => {
                let _ = writeln!(o, "{:<28} no estimate", truncate(&d.name, 28));
            }
        }
    }
    for w in &report.warnings {
        let _ = writeln!(o, "warning: {w}");
    }
    o
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// The effect table: one row per dimension.
pub fn csv(report: &EffectReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "dimension",
        "direction",
        "estimate",
        "se_cr1",
        "p_cr1",
        "se_cr2",
        "df_bm",
        "ci95_low",
        "ci95_high",
        "p_cr2",
        "p_wild",
        "p_permutation",
        "p_permutation_min",
        "p_holm",
        "p_bh",
        "unit_level_estimate",
        "p_unit_welch",
        "p_unit_permutation",
        "d",
        "g",
        "g_ci95_low",
        "g_ci95_high",
        "sd_pre",
        "pretrend_p",
        "n",
        "units",
        "means_comparable",
        "invariance",
    ];
    w.write_record(header).expect("in-memory CSV");
    for d in &report.dimensions {
        let did = d.did.as_ref();
        let e = d.effect_size.as_ref();
        let u = d.unit_level.as_ref();
        let f = |v: Option<f64>| cell(v);
        let row = vec![
            d.id.clone(),
            match d.direction {
                Direction::HigherIsBetter => "higher-is-better".into(),
                Direction::LowerIsBetter => "lower-is-better".into(),
            },
            f(did.map(|x| x.estimate)),
            f(did.map(|x| x.se_cr1)),
            f(did.map(|x| x.p_cr1)),
            f(did.map(|x| x.se_cr2)),
            f(did.map(|x| x.df_bm)),
            f(did.map(|x| x.ci95_cr2[0])),
            f(did.map(|x| x.ci95_cr2[1])),
            f(did.map(|x| x.p_cr2)),
            f(did.map(|x| x.p_wild)),
            f(did.map(|x| x.p_permutation)),
            f(did.map(|x| x.p_permutation_min)),
            f(did.and_then(|x| x.p_holm)),
            f(did.and_then(|x| x.p_bh)),
            f(u.map(|x| x.estimate)),
            f(u.and_then(|x| x.p_welch)),
            f(u.map(|x| x.p_permutation)),
            f(e.map(|x| x.d)),
            f(e.map(|x| x.g)),
            f(e.map(|x| x.ci95[0])),
            f(e.map(|x| x.ci95[1])),
            f(e.map(|x| x.sd_pre)),
            f(d.event_study.as_ref().and_then(|x| x.pretrend_p)),
            did.map(|x| x.n.to_string()).unwrap_or_default(),
            did.map(|x| x.units.to_string()).unwrap_or_default(),
            d.measurement
                .as_ref()
                .and_then(|m| m.means_comparable)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            lowest_level(d).unwrap_or_default(),
        ];
        w.write_record(&row).expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
}

fn arm(a: Arm) -> &'static str {
    match a {
        Arm::Pilot => "pilot",
        Arm::Control => "control",
    }
}

pub fn markdown(report: &EffectReport) -> String {
    let mut o = String::new();
    let s = &report.survey;
    let design = &report.design;
    let _ = writeln!(o, "# Effect report: {} v{}\n", s.key, s.version);
    let _ = writeln!(o, "## Summary\n");
    for line in plain_summary(report) {
        let _ = writeln!(o, "{line}\n");
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(o, "## Warnings\n");
        for w in &report.warnings {
            let _ = writeln!(o, "- {w}");
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Effects\n");
    let _ = writeln!(
        o,
        "Estimates in scale points (pilot change minus control change). The permutation p-value is primary; Holm adjusts it across the {} dimensions.\n",
        report.dimensions.len()
    );
    let _ = writeln!(
        o,
        "| dimension | estimate | 95 % CI (CR2) | g [95 % CI] | p permutation | p Holm | p BH | p wild | p CR2 | p CR1 | unit-level estimate | p unit-level |"
    );
    let _ = writeln!(
        o,
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for d in &report.dimensions {
        let name = labelled(d);
        let Some(x) = &d.did else {
            let _ = writeln!(o, "| {name} | — | | | | | | | | | | |");
            continue;
        };
        let g = d
            .effect_size
            .as_ref()
            .map(|e| format!("{:.2} {}", e.g, interval(Some(e.ci95), 2)))
            .unwrap_or_else(|| "—".into());
        let u = d.unit_level.as_ref();
        let _ = writeln!(
            o,
            "| {} | {:+.3} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            name,
            x.estimate,
            interval(Some(x.ci95_cr2), 3),
            g,
            p(x.p_permutation),
            x.p_holm.map(p).unwrap_or_default(),
            x.p_bh.map(p).unwrap_or_default(),
            p(x.p_wild),
            p(x.p_cr2),
            p(x.p_cr1),
            fixed(u.map(|u| u.estimate), 3),
            u.map(|u| p(u.p_permutation)).unwrap_or_else(|| "—".into()),
        );
    }
    o.push('\n');
    if report.validity.is_some() {
        let _ = writeln!(
            o,
            "## Do the dimensions measure alike in every wave and arm?\n"
        );
        for line in model_sentences(report) {
            let _ = writeln!(o, "{line}\n");
        }
        let (header, rows) = measurement_rows(report);
        let _ = writeln!(o, "| {} |", header.join(" | "));
        let _ = writeln!(o, "|---|---|---|---|---|");
        for row in rows {
            let _ = writeln!(o, "| {} |", row.join(" | "));
        }
        let _ = writeln!(
            o,
            "\nScalar invariance (equal loadings and intercepts) is what comparing means needs; `klimat validity` gives the whole analysis.\n"
        );
    }
    for d in &report.dimensions {
        let _ = writeln!(o, "### {}\n", labelled(d));
        if let Some(m) = &d.measurement {
            let _ = writeln!(o, "Measurement: {}.\n", m.verdict);
        }
        let _ = writeln!(o, "| arm | wave | units | n | mean | SD | 95 % CI |");
        let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---|");
        for c in &d.cells {
            if c.suppressed {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | *suppressed* | | | |",
                    arm(c.arm),
                    c.wave,
                    c.units
                );
            } else {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    arm(c.arm),
                    c.wave,
                    c.units,
                    c.n.unwrap_or(0),
                    fixed(c.mean, 2),
                    fixed(c.sd, 2),
                    interval(c.ci95, 2)
                );
            }
        }
        if let Some(x) = &d.did {
            let _ = writeln!(o, "\n{}", did_sentence(x));
        }
        if let Some(u) = &d.unit_level {
            let _ = writeln!(o, "\n{}", unit_level_sentence(u));
        }
        if let Some(es) = &d.event_study {
            let _ = writeln!(o, "\nEvent study (reference {}):\n", es.reference_wave);
            let _ = writeln!(o, "| wave | estimate | SE (CR2) | 95 % CI |");
            let _ = writeln!(o, "|---|---:|---:|---|");
            for c in &es.coefficients {
                let _ = writeln!(
                    o,
                    "| {} | {:+.3} | {} | {} |",
                    c.wave,
                    c.estimate,
                    fixed(c.se_cr2, 3),
                    if c.reference {
                        "reference".into()
                    } else {
                        interval(c.ci95, 3)
                    }
                );
            }
            if let Some(pt) = es.pretrend_p {
                let _ = writeln!(o, "\n{}", pretrend_sentence(pt));
            }
        }
        if !d.warnings.is_empty() {
            o.push('\n');
            for w in &d.warnings {
                let _ = writeln!(o, "- warning: {w}");
            }
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Reliability and agreement\n");
    let _ = writeln!(
        o,
        "| dimension | wave | alpha | omega | ICC(1) | ICC(2) | rwg(j) median |"
    );
    let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|");
    for d in &report.dimensions {
        for r in &d.reliability {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                d.name,
                r.wave,
                fixed(r.alpha, 2),
                fixed(r.omega, 2),
                fixed(r.icc1, 3),
                fixed(r.icc2, 2),
                fixed(r.rwg_j_median, 2)
            );
        }
    }
    o.push('\n');
    let _ = writeln!(o, "## Methods\n");
    for (name, text) in methods(report) {
        let _ = writeln!(o, "- **{name}**: {text}.");
    }
    let _ = writeln!(o, "\n## Design\n");
    let _ = writeln!(o, "- Pilot units: {}", design.design.pilot_units.join(", "));
    let _ = writeln!(
        o,
        "- Control units: {}",
        design.design.control_units.join(", ")
    );
    let _ = writeln!(
        o,
        "- Waves: {}; first post wave {}",
        design.design.waves.join(", "),
        design.design.first_post_wave
    );
    let _ = writeln!(
        o,
        "- Seed {}, {} bootstrap draws; survey hash `{}`; minimum group size {}",
        design.seed, design.bootstrap_reps, s.hash, report.min_group_size
    );
    o
}

fn methods(report: &EffectReport) -> [(&'static str, &str); 10] {
    let m = &report.methods;
    [
        ("Estimator", &m.estimator),
        ("CR1", &m.cr1),
        ("CR2", &m.cr2),
        ("Wild bootstrap", &m.wild_bootstrap),
        ("Permutation", &m.permutation),
        ("Unit-level view", &m.unit_level),
        ("Effect size", &m.effect_size),
        ("Adjustment", &m.adjustment),
        ("Event study", &m.event_study),
        ("Cell intervals", &m.cell_intervals),
    ]
}

const STYLE: &str = "
:root { color: #222; font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; line-height: 1.5; }
body { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: right; white-space: nowrap; }
th:first-child { white-space: normal; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.25rem; }
.summary { background: #f3f6fa; border-left: 4px solid #0072B2; padding: 0.5rem 1rem; }
.warning { background: #fff4e5; border-left: 4px solid #D55E00; padding: 0.5rem 1rem; }
figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; }
.wide { overflow-x: auto; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; } figure, table { break-inside: avoid; } h2 { break-after: avoid; } }
";

static TEMPLATES: std::sync::LazyLock<minijinja::Environment<'static>> =
    std::sync::LazyLock::new(|| {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in [
            ("effect.html", include_str!("templates/effect.html")),
            (
                "effect_body.html",
                include_str!("templates/effect_body.html"),
            ),
        ] {
            env.add_template(name, source)
                .expect("built-in templates parse");
        }
        env
    });

/// A self-contained page: inline CSS and SVG, no external assets.
pub fn html(report: &EffectReport) -> String {
    render("effect.html", report)
}

/// The report's body (its heading and sections) for a page that has its
/// own document and style, such as the staff page.
pub fn html_body(report: &EffectReport) -> String {
    render("effect_body.html", report)
}

fn render(template: &str, report: &EffectReport) -> String {
    TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(view(report)))
        .unwrap_or_else(|e| panic!("built-in template {template} failed: {e}"))
}

/// The report as the templates show it: every figure formatted here, so the
/// templates only place text.
/// A dimension's name, marked when lower scores are better (a fall is an improvement).
fn labelled(d: &crate::evaluation::report::DimensionEffect) -> String {
    match d.direction {
        crate::survey::Direction::LowerIsBetter => format!("{} (lower is better)", d.name),
        crate::survey::Direction::HigherIsBetter => d.name.clone(),
    }
}

fn view(report: &EffectReport) -> minijinja::Value {
    use minijinja::context;
    let s = &report.survey;
    let design = &report.design;
    let scale = report_scale(report);
    let dimensions: Vec<minijinja::Value> = report
        .dimensions
        .iter()
        .map(|d| {
            let did = d.did.as_ref().map(|x| {
                let g = d
                    .effect_size
                    .as_ref()
                    .map(|e| format!("{:.2} {}", e.g, interval(Some(e.ci95), 2)))
                    .unwrap_or_else(|| "—".into());
                context! {
                    estimate => format!("{:+.3}", x.estimate),
                    ci => interval(Some(x.ci95_cr2), 3),
                    g => g,
                    p_permutation => p(x.p_permutation),
                    p_holm => x.p_holm.map(p).unwrap_or_default(),
                    p_bh => x.p_bh.map(p).unwrap_or_default(),
                    p_wild => p(x.p_wild),
                    p_cr2 => p(x.p_cr2),
                    p_cr1 => p(x.p_cr1),
                    unit_level => fixed(d.unit_level.as_ref().map(|u| u.estimate), 3),
                }
            });
            let cells: Vec<minijinja::Value> = d
                .cells
                .iter()
                .map(|c| {
                    context! {
                        suppressed => c.suppressed, arm => arm(c.arm), wave => c.wave.clone(), units => c.units,
                        n => c.n.unwrap_or(0), mean => fixed(c.mean, 2), sd => fixed(c.sd, 2), ci => interval(c.ci95, 2),
                    }
                })
                .collect();
            let mut sentences = Vec::new();
            sentences.extend(d.did.as_ref().map(did_sentence));
            sentences.extend(d.unit_level.as_ref().map(unit_level_sentence));
            let event_study = match (&d.event_study, event_study_chart(report, d)) {
                (Some(es), Some(chart)) => Some(context! {
                    chart => chart,
                    reference => es.reference_wave.clone(),
                    rows => es.coefficients.iter().map(|c| context! {
                        wave => c.wave.clone(),
                        estimate => format!("{:+.3}", c.estimate),
                        se => fixed(c.se_cr2, 3),
                        ci => if c.reference { "reference".to_owned() } else { interval(c.ci95, 3) },
                    }).collect::<Vec<_>>(),
                    pretrend => es.pretrend_p.map(pretrend_sentence),
                }),
                _ => None,
            };
            context! {
                id => d.id.clone(), name => labelled(d), did => did, cells => cells,
                means_chart => means_chart(report, d, scale),
                sentences => sentences, event_study => event_study, warnings => d.warnings.clone(),
                measurement => d.measurement.as_ref().map(|m| m.verdict.clone()),
            }
        })
        .collect();
    let reliability: Vec<minijinja::Value> = report
        .dimensions
        .iter()
        .flat_map(|d| {
            d.reliability.iter().map(move |r| {
                context! {
                    name => d.name.clone(), wave => r.wave.clone(), alpha => fixed(r.alpha, 2), omega => fixed(r.omega, 2),
                    icc1 => fixed(r.icc1, 3), icc2 => fixed(r.icc2, 2), rwg => fixed(r.rwg_j_median, 2),
                }
            })
        })
        .collect();
    context! {
        title => format!("Effect report: {} v{}", s.key, s.version),
        style => STYLE,
        summary => plain_summary(report),
        warnings => report.warnings.clone(),
        dimensions => dimensions,
        measurement => report.validity.as_ref().map(|_| {
            let (header, rows) = measurement_rows(report);
            context! { header => header, rows => rows, sentences => model_sentences(report) }
        }),
        forest => forest_chart(report),
        min_group_size => report.min_group_size,
        reliability => reliability,
        methods => methods(report).iter().map(|(n, t)| vec![n.to_string(), t.to_string()]).collect::<Vec<_>>(),
        design => context! {
            pilot => design.design.pilot_units.join(", "),
            control => design.design.control_units.join(", "),
            waves => design.design.waves.join(", "),
            first_post => design.design.first_post_wave.clone(),
            seed => design.seed,
            draws => design.bootstrap_reps,
            weights => format!("{:?}", design.bootstrap_weights),
            assignments => design.permutation_assignments,
            enumerated => if design.permutation_enumerated { " (all enumerated)" } else { " (sampled)" },
            survey => s.key.clone(), version => s.version, hash => s.hash.clone(),
        },
    }
}

/// The range of the survey's scale, read from the report's cells.
fn report_scale(report: &EffectReport) -> (i32, i32) {
    report.scale
}

/// A format the effect report is written in: its file extension, its
/// content type and its renderer, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Html,
        Format::Markdown,
        Format::Json,
        Format::Csv,
        Format::Xlsx,
    ];

    pub fn from_extension(ext: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown => "md",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => crate::export::Format::Xlsx.content_type(),
        }
    }

    pub fn render(self, report: &EffectReport) -> Vec<u8> {
        match self {
            Format::Html => html(report).into_bytes(),
            Format::Markdown => markdown(report).into_bytes(),
            Format::Json => json(report).into_bytes(),
            Format::Csv => csv(report).into_bytes(),
            Format::Xlsx => xlsx(report),
        }
    }
}

/// The report's tables as a workbook: the effects (the CSV's table) and,
/// when the report has it, the validity of the dimensions.
pub fn xlsx(report: &EffectReport) -> Vec<u8> {
    let mut sheets = vec![crate::export::xlsx::csv_sheet("effects", &csv(report))];
    if let Some(v) = &report.validity {
        sheets.push(crate::export::xlsx::csv_sheet(
            "validity",
            &super::validity::csv(v),
        ));
    }
    crate::export::xlsx::sheets(&sheets).expect("an in-memory workbook")
}
