//! The score report as JSON, CSV (one tidy table) and Markdown.

use std::fmt::Write;

use super::format::{cell, fixed, interval};
use crate::scoring::ScoreReport;
use crate::scoring::report::RWG_ADEQUATE;

pub fn json(report: &ScoreReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a report serialises");
    s.push('\n');
    s
}

/// One row per wave × dimension × level: the whole wave (`level` = wave), each
/// unit (`unit`) and each item (`item`); figures that do not apply are empty.
pub fn csv(report: &ScoreReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "wave",
        "dimension",
        "level",
        "unit",
        "item",
        "n",
        "mean",
        "sd",
        "ci95_low",
        "ci95_high",
        "alpha",
        "alpha_ci95_low",
        "alpha_ci95_high",
        "omega",
        "icc1",
        "icc2",
        "rwg_j",
        "rwg_j_median",
        "item_total_r",
        "alpha_if_deleted",
        "dk_rate",
        "missing_rate",
        "suppressed",
    ];
    w.write_record(header).expect("in-memory CSV");
    let lo = |v: Option<[f64; 2]>| cell(v.map(|v| v[0]));
    let hi = |v: Option<[f64; 2]>| cell(v.map(|v| v[1]));
    for wave in &report.waves {
        for d in &wave.dimensions {
            let n = d.n.map(|n| n.to_string()).unwrap_or_default();
            let row = [
                wave.wave.clone(),
                d.id.clone(),
                "wave".into(),
                String::new(),
                String::new(),
                n,
                cell(d.mean),
                cell(d.sd),
                lo(d.ci95),
                hi(d.ci95),
                cell(d.alpha),
                lo(d.alpha_ci95),
                hi(d.alpha_ci95),
                cell(d.omega),
                cell(d.icc1),
                cell(d.icc2),
                String::new(),
                cell(d.rwg_j_median),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                d.suppressed.to_string(),
            ];
            w.write_record(&row).expect("in-memory CSV");
            for u in &d.units {
                let n = u.n.map(|n| n.to_string()).unwrap_or_default();
                let row = [
                    wave.wave.clone(),
                    d.id.clone(),
                    "unit".into(),
                    u.unit.clone(),
                    String::new(),
                    n,
                    cell(u.mean),
                    cell(u.sd),
                    lo(u.ci95),
                    hi(u.ci95),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    cell(u.rwg_j),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    u.suppressed.to_string(),
                ];
                w.write_record(&row).expect("in-memory CSV");
            }
            for i in &d.items {
                let row = [
                    wave.wave.clone(),
                    d.id.clone(),
                    "item".into(),
                    String::new(),
                    i.id.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    cell(i.item_total_r),
                    cell(i.alpha_if_deleted),
                    cell(i.dk_rate),
                    cell(i.missing_rate),
                    d.suppressed.to_string(),
                ];
                w.write_record(&row).expect("in-memory CSV");
            }
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8 in, UTF-8 out")
}

/// A readable report: per wave an overview table, then per dimension its
/// units and items; the methods at the end.
pub fn markdown(report: &ScoreReport) -> String {
    let mut o = String::new();
    let s = &report.survey;
    let _ = writeln!(o, "# Scores: {} v{}\n", s.key, s.version);
    let _ = writeln!(
        o,
        "Survey hash `{}`. Minimum group size {}: smaller units are shown as *suppressed*, without figures.\n",
        s.hash, report.min_group_size
    );
    for wave in &report.waves {
        let _ = writeln!(
            o,
            "## Wave {} ({} respondents)\n",
            wave.wave, wave.respondents
        );
        let _ = writeln!(
            o,
            "| dimension | n | mean | SD | 95 % CI | alpha [95 % CI] | omega | ICC(1) | ICC(2) | rwg(j) median | rwg(j) ≥ {RWG_ADEQUATE:.2} |"
        );
        let _ = writeln!(o, "|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|");
        for d in &wave.dimensions {
            if d.suppressed {
                let _ = writeln!(o, "| {} | *suppressed* | | | | | | | | | |", d.name);
                continue;
            }
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} {} | {} | {} | {} | {} | {} |",
                d.name,
                d.n.unwrap_or(0),
                fixed(d.mean, 2),
                fixed(d.sd, 2),
                interval(d.ci95, 2),
                fixed(d.alpha, 2),
                interval(d.alpha_ci95, 2),
                fixed(d.omega, 2),
                fixed(d.icc1, 3),
                fixed(d.icc2, 2),
                fixed(d.rwg_j_median, 2),
                d.rwg_j_share_adequate
                    .map(|s| format!("{:.0} %", s * 100.0))
                    .unwrap_or_else(|| "—".into()),
            );
        }
        o.push('\n');
        for d in wave.dimensions.iter().filter(|d| !d.suppressed) {
            let lower = if d.direction == crate::survey::Direction::LowerIsBetter {
                " (lower is better)"
            } else {
                ""
            };
            let _ = writeln!(o, "### {} — {}{lower}\n", wave.wave, d.name);
            let _ = writeln!(
                o,
                "{} scored, {} not scored (too few items answered); alpha and omega from {} complete cases.{}\n",
                d.n.unwrap_or(0),
                d.not_scored,
                d.complete_cases,
                if d.omega_heywood {
                    " The one-factor model hit a bound (Heywood case): read omega with care."
                } else {
                    ""
                }
            );
            let _ = writeln!(o, "| unit | n | mean | SD | 95 % CI | rwg(j) |");
            let _ = writeln!(o, "|---|---:|---:|---:|---|---:|");
            for u in &d.units {
                if u.suppressed {
                    let _ = writeln!(o, "| {} | *suppressed* | | | | |", u.unit);
                } else {
                    let _ = writeln!(
                        o,
                        "| {} | {} | {} | {} | {} | {} |",
                        u.unit,
                        u.n.unwrap_or(0),
                        fixed(u.mean, 2),
                        fixed(u.sd, 2),
                        interval(u.ci95, 2),
                        fixed(u.rwg_j, 2)
                    );
                }
            }
            let _ = writeln!(
                o,
                "\n| item | reverse | item-total r | alpha if deleted | don't know | missing |"
            );
            let _ = writeln!(o, "|---|---|---:|---:|---:|---:|");
            for i in &d.items {
                let pct = |v: Option<f64>| {
                    v.map(|v| format!("{:.1} %", v * 100.0))
                        .unwrap_or_else(|| "—".into())
                };
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {} |",
                    i.id,
                    if i.reverse { "yes" } else { "" },
                    fixed(i.item_total_r, 2),
                    fixed(i.alpha_if_deleted, 2),
                    pct(i.dk_rate),
                    pct(i.missing_rate)
                );
            }
            o.push('\n');
        }
    }
    let m = &report.methods;
    let _ = writeln!(o, "## Methods\n");
    for (name, text) in [
        ("Dimension score", &m.dimension_score),
        ("Alpha", &m.alpha),
        ("Omega", &m.omega),
        ("ICC", &m.icc),
        ("rwg(j)", &m.rwg_j),
        ("Suppression", &m.suppression),
    ] {
        let _ = writeln!(o, "- **{name}**: {text}.");
    }
    let _ = writeln!(
        o,
        "\nConventions: alpha ≥ .70 acceptable, ≥ .80 good; ICC(2) ≥ .70 means unit means are reliable; rwg(j) ≥ .70 adequate agreement."
    );
    o
}
