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

/// The columns of the CSV table.
const CSV_COLUMNS: [&str; 23] = [
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

/// A CSV row from named cells; columns not named stay empty.
fn csv_row(cells: Vec<(&str, String)>) -> Vec<String> {
    let mut row = vec![String::new(); CSV_COLUMNS.len()];
    for (name, value) in cells {
        let at = CSV_COLUMNS
            .iter()
            .position(|c| *c == name)
            .expect("a known column");
        row[at] = value;
    }
    row
}

/// One row per wave × dimension × level: the whole wave (`level` = wave), each
/// unit (`unit`) and each item (`item`); figures that do not apply are empty.
pub fn csv(report: &ScoreReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS).expect("in-memory CSV");
    let low = |v: Option<[f64; 2]>| cell(v.map(|v| v[0]));
    let high = |v: Option<[f64; 2]>| cell(v.map(|v| v[1]));
    let count = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    for wave in &report.waves {
        for d in &wave.dimensions {
            let key = |level: &str| {
                vec![
                    ("wave", wave.wave.clone()),
                    ("dimension", d.id.clone()),
                    ("level", level.to_owned()),
                ]
            };
            let mut cells = key("wave");
            cells.extend([
                ("n", count(d.n)),
                ("mean", cell(d.mean)),
                ("sd", cell(d.sd)),
                ("ci95_low", low(d.ci95)),
                ("ci95_high", high(d.ci95)),
                ("alpha", cell(d.alpha)),
                ("alpha_ci95_low", low(d.alpha_ci95)),
                ("alpha_ci95_high", high(d.alpha_ci95)),
                ("omega", cell(d.omega)),
                ("icc1", cell(d.icc1)),
                ("icc2", cell(d.icc2)),
                ("rwg_j_median", cell(d.rwg_j_median)),
                ("suppressed", d.suppressed.to_string()),
            ]);
            w.write_record(csv_row(cells)).expect("in-memory CSV");
            for u in &d.units {
                let mut cells = key("unit");
                cells.extend([
                    ("unit", u.unit.clone()),
                    ("n", count(u.n)),
                    ("mean", cell(u.mean)),
                    ("sd", cell(u.sd)),
                    ("ci95_low", low(u.ci95)),
                    ("ci95_high", high(u.ci95)),
                    ("rwg_j", cell(u.rwg_j)),
                    ("suppressed", u.suppressed.to_string()),
                ]);
                w.write_record(csv_row(cells)).expect("in-memory CSV");
            }
            for i in &d.items {
                let mut cells = key("item");
                cells.extend([
                    ("item", i.id.clone()),
                    ("item_total_r", cell(i.item_total_r)),
                    ("alpha_if_deleted", cell(i.alpha_if_deleted)),
                    ("dk_rate", cell(i.dk_rate)),
                    ("missing_rate", cell(i.missing_rate)),
                    ("suppressed", d.suppressed.to_string()),
                ]);
                w.write_record(csv_row(cells)).expect("in-memory CSV");
            }
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8 in, UTF-8 out")
}

/// The CSV's table as a workbook, a sheet per level: the dimensions of each
/// wave, the units, the items; each with the columns that apply to it.
pub fn xlsx(report: &ScoreReport) -> Vec<u8> {
    let all = crate::export::xlsx::csv_sheet("", &csv(report));
    let level = CSV_COLUMNS
        .iter()
        .position(|c| *c == "level")
        .expect("a level column");
    let sheets: Vec<_> = [("wave", "dimensions"), ("unit", "units"), ("item", "items")]
        .into_iter()
        .map(|(key, name)| {
            let rows: Vec<_> = all
                .rows
                .iter()
                .filter(|r| matches!(&r[level], crate::export::xlsx::Cell::Text(t) if t == key))
                .cloned()
                .collect();
            crate::export::xlsx::Sheet {
                name: name.to_owned(),
                header: all.header.clone(),
                rows,
            }
            .without_empty_columns()
        })
        .collect();
    crate::export::xlsx::sheets(&sheets).expect("an in-memory workbook")
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
    if let Some(v) = &report.validity {
        let _ = writeln!(o, "## Do the dimensions measure what they claim?\n");
        o.push_str(&super::validity::markdown_section(v, 3));
    }
    o
}
