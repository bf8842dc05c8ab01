//! The validity report as JSON, CSV (one tidy table) and Markdown.

use std::fmt::Write;

use super::format::{cell, fixed};
use crate::stats::cfa::invariance::Step;
use crate::validity::ValidityReport;

pub fn json(report: &ValidityReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a report serialises");
    s.push('\n');
    s
}

/// The CSV's table as a workbook (numbers as numbers).
pub fn xlsx(report: &ValidityReport) -> Vec<u8> {
    let sheet = crate::export::xlsx::csv_sheet("validity", &csv(report));
    crate::export::xlsx::sheets(&[sheet]).expect("an in-memory workbook")
}

/// One row per figure: section, what it is about, the statistic, its value.
pub fn csv(report: &ValidityReport) -> String {
    let mut out = String::from("section,group,subject,statistic,value\n");
    let mut row = |section: &str, group: &str, subject: &str, statistic: &str, value: String| {
        let _ = writeln!(
            out,
            "{section},{},{},{statistic},{value}",
            quote(group),
            quote(subject)
        );
    };
    if let Some(m) = &report.model {
        for (k, v) in fit_rows(&m.fit) {
            row("fit", "", "", k, cell(Some(v)));
        }
        for l in &m.loadings {
            let subject = format!("{} on {}", l.item, l.dimension);
            row("loading", "", &subject, "estimate", cell(Some(l.estimate)));
            row("loading", "", &subject, "se", cell(l.se));
            row("loading", "", &subject, "std", cell(Some(l.std)));
            row("loading", "", &subject, "std_se", cell(l.std_se));
            row("loading", "", &subject, "residual", cell(Some(l.residual)));
        }
    }
    if let Some(o) = &report.ordinal {
        for t in &o.thresholds {
            for (k, v) in t.thresholds.iter().enumerate() {
                let v = Some(*v).filter(|v| v.is_finite());
                row("threshold", "", &t.item, &format!("t{}", k + 1), cell(v));
            }
        }
        for c in &o.correlations {
            let subject = format!("{} with {}", c.a, c.b);
            row("polychoric", "", &subject, "rho", cell(c.rho));
            row("polychoric", "", &subject, "se", cell(c.se));
            row("polychoric", "", &subject, "pearson", cell(Some(c.pearson)));
            row(
                "polychoric",
                "",
                &subject,
                "empty_cells",
                c.empty_cells.to_string(),
            );
        }
    }
    if let Some(m) = &report.ordinal_model {
        let f = &m.fit;
        for (k, v) in [
            ("n", f.n),
            ("chisq", f.chisq),
            ("df", f.df as f64),
            ("p", f.pvalue),
            ("chisq_scaled", f.chisq_scaled),
            ("scaling_factor", f.scaling_factor),
            ("shift", f.shift),
            ("p_scaled", f.pvalue_scaled),
            ("cfi", f.cfi),
            ("tli", f.tli),
            ("cfi_scaled", f.cfi_scaled),
            ("tli_scaled", f.tli_scaled),
            ("rmsea", f.rmsea),
            ("rmsea_scaled", f.rmsea_scaled),
            ("rmsea_scaled_ci90_low", f.rmsea_scaled_lower),
            ("rmsea_scaled_ci90_high", f.rmsea_scaled_upper),
            ("srmr", f.srmr),
        ] {
            row("ordinal_fit", "", "", k, cell(Some(v)));
        }
        for l in &m.loadings {
            let subject = format!("{} on {}", l.item, l.dimension);
            row(
                "ordinal_loading",
                "",
                &subject,
                "estimate",
                cell(Some(l.estimate)),
            );
            row("ordinal_loading", "", &subject, "se", cell(l.se));
            row("ordinal_loading", "", &subject, "std", cell(Some(l.std)));
            row("ordinal_loading", "", &subject, "std_se", cell(l.std_se));
            row(
                "ordinal_loading",
                "",
                &subject,
                "residual",
                cell(Some(l.residual)),
            );
        }
        for c in &m.factor_correlations {
            let subject = format!("{} with {}", c.a, c.b);
            row(
                "ordinal_factor",
                "",
                &subject,
                "correlation",
                cell(Some(c.correlation)),
            );
            row("ordinal_factor", "", &subject, "se", cell(c.se));
            row("ordinal_factor", "", &subject, "htmt", cell(Some(c.htmt)));
        }
    }
    for p in &report.discriminant {
        let subject = format!("{} with {}", p.a, p.b);
        row("discriminant", "", &subject, "htmt", cell(Some(p.htmt)));
        row(
            "discriminant",
            "",
            &subject,
            "correlation",
            cell(Some(p.correlation)),
        );
        row(
            "discriminant",
            "",
            &subject,
            "ci95_low",
            cell(Some(p.lower)),
        );
        row(
            "discriminant",
            "",
            &subject,
            "ci95_high",
            cell(Some(p.upper)),
        );
    }
    for s in &report.invariance {
        let across = serde_json::to_value(s.across)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        for g in &s.groups {
            row(
                "invariance",
                &across,
                &g.label,
                "complete_cases",
                g.complete_cases.to_string(),
            );
        }
        for step in s.result.iter().flat_map(|r| &r.steps) {
            let level = step.level.name();
            for (k, v) in fit_rows(&step.fit) {
                row("invariance", &across, level, k, cell(Some(v)));
            }
            if let Some(c) = &step.compared {
                row(
                    "invariance",
                    &across,
                    level,
                    "delta_chisq",
                    cell(Some(c.chisq)),
                );
                row("invariance", &across, level, "delta_df", c.df.to_string());
                row("invariance", &across, level, "delta_p", cell(Some(c.p)));
                row(
                    "invariance",
                    &across,
                    level,
                    "delta_cfi",
                    cell(Some(c.delta_cfi)),
                );
                row(
                    "invariance",
                    &across,
                    level,
                    "delta_rmsea",
                    cell(Some(c.delta_rmsea)),
                );
                row("invariance", &across, level, "holds", c.holds.to_string());
            }
        }
    }
    for d in &report.items {
        row("item", "", &d.item, "std_loading", cell(d.std_loading));
        row(
            "item",
            "",
            &d.item,
            "dont_know_share",
            cell(Some(d.dont_know_share)),
        );
        row(
            "item",
            "",
            &d.item,
            "missing_share",
            cell(Some(d.missing_share)),
        );
        if let Some(c) = &d.cross_loading {
            let subject = format!("{} on {}", d.item, c.dimension);
            row("cross_loading", "", &subject, "mi", cell(Some(c.mi)));
            row(
                "cross_loading",
                "",
                &subject,
                "std_epc",
                cell(Some(c.std_epc)),
            );
        }
    }
    out
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn fit_rows(f: &crate::stats::cfa::FitMeasures) -> Vec<(&'static str, f64)> {
    vec![
        ("n", f.n),
        ("chisq", f.chisq),
        ("df", f.df as f64),
        ("p", f.pvalue),
        ("cfi", f.cfi),
        ("tli", f.tli),
        ("rmsea", f.rmsea),
        ("rmsea_ci90_low", f.rmsea_lower),
        ("rmsea_ci90_high", f.rmsea_upper),
        ("srmr", f.srmr),
    ]
}

pub fn markdown(report: &ValidityReport) -> String {
    let mut s = format!(
        "# Validity of the dimensions: {} v{}\n\n",
        report.survey.key, report.survey.version
    );
    s.push_str(&markdown_section(report, 2));
    s
}

/// The report below its title, its headings at `level` (2: `##`), for a
/// section of another report.
pub fn markdown_section(report: &ValidityReport, level: usize) -> String {
    let h = "#".repeat(level);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} respondents, {} with every item answered (complete cases). Survey `{}`.\n",
        report.respondents, report.complete_cases, report.survey.hash
    );
    if !report.problems.is_empty() {
        s.push_str(&format!("{h} Problems\n\n"));
        for p in &report.problems {
            let _ = writeln!(s, "- **{p}**");
        }
        s.push('\n');
    }
    if let Some(m) = &report.model {
        let f = &m.fit;
        let _ = writeln!(
            s,
            "{h} Fit of the dimension model\n\n| N | χ² | df | p | CFI | TLI | RMSEA [90 %] | SRMR |\n|---:|---:|---:|---:|---:|---:|---|---:|\n| {} | {:.2} | {} | {} | {:.3} | {:.3} | {:.3} [{:.3}, {:.3}] | {:.3} |\n",
            f.n,
            f.chisq,
            f.df,
            p_value(f.pvalue),
            f.cfi,
            f.tli,
            f.rmsea,
            f.rmsea_lower,
            f.rmsea_upper,
            f.srmr
        );
        s.push_str(&format!("{h} Loadings\n\n| Item | Dimension | Loading (SE) | Standardised (SE) | Residual share |\n|---|---|---:|---:|---:|\n"));
        for l in &m.loadings {
            let _ = writeln!(
                s,
                "| {} | {} | {} ({}) | {} ({}) | {:.2} |",
                l.item,
                l.dimension,
                fixed(Some(l.estimate), 3),
                fixed(l.se, 3),
                fixed(Some(l.std), 3),
                fixed(l.std_se, 3),
                l.residual_std
            );
        }
        s.push('\n');
    }
    if !report.discriminant.is_empty() {
        s.push_str(&format!("{h} Are the dimensions distinct?\n\n| Dimensions | HTMT | Factor correlation [95 %] | |\n|---|---:|---|---|\n"));
        for p in &report.discriminant {
            let _ = writeln!(
                s,
                "| {} – {} | {:.2} | {:.2} [{:.2}, {:.2}] | {} |",
                p.a,
                p.b,
                p.htmt,
                p.correlation,
                p.lower,
                p.upper,
                if p.indistinct { "**not distinct**" } else { "" }
            );
        }
        s.push('\n');
    }
    for series in &report.invariance {
        let _ = writeln!(
            s,
            "{h} Invariance ({})\n\n{}\n",
            series
                .groups
                .iter()
                .map(|g| format!("{}: {}", g.label, g.complete_cases))
                .collect::<Vec<_>>()
                .join(", "),
            series.verdict
        );
        if let Some(r) = &series.result {
            s.push_str("| Level | χ² | df | CFI | RMSEA | SRMR | Δχ² (df), p | ΔCFI | ΔRMSEA | Holds |\n|---|---:|---:|---:|---:|---:|---|---:|---:|---|\n");
            for step in &r.steps {
                step_row(&mut s, step);
            }
            s.push('\n');
            for step in r.steps.iter().filter(|s| !s.items.is_empty()) {
                let _ = writeln!(
                    s,
                    "Items released one at a time at the {} level (largest χ² gain first):\n",
                    step.level.name()
                );
                for t in step.items.iter().take(5) {
                    let id = report
                        .dimensions
                        .iter()
                        .flat_map(|d| &d.items)
                        .nth(t.item)
                        .cloned()
                        .unwrap_or_default();
                    let _ = writeln!(
                        s,
                        "- `{id}`: Δχ² {:.2} ({} df), Holm p {}",
                        t.chisq,
                        t.df,
                        p_value(t.p_holm)
                    );
                }
                s.push('\n');
            }
        }
    }
    if let Some(o) = &report.ordinal {
        ordinal_markdown(&mut s, o, &h);
    }
    if let Some(m) = &report.ordinal_model {
        ordinal_model_markdown(&mut s, m, &h);
    }
    s.push_str(&format!("{h} Items\n\n| Item | Dimension | Standardised loading | Don't know | Missing | Also reflects |\n|---|---|---:|---:|---:|---|\n"));
    for d in &report.items {
        let also = d.cross_loading.as_ref().map_or(String::new(), |c| {
            format!(
                "{} (MI {:.0}, {:.2} if freed)",
                c.dimension, c.mi, c.std_epc
            )
        });
        let _ = writeln!(
            s,
            "| {} | {} | {}{} | {:.1} %{} | {:.1} % | {also} |",
            d.item,
            d.dimension,
            fixed(d.std_loading, 2),
            if d.low_loading { " (weak)" } else { "" },
            100.0 * d.dont_know_share,
            if d.high_dont_know { " (high)" } else { "" },
            100.0 * d.missing_share
        );
    }
    s.push('\n');
    if !report.advice.is_empty() {
        s.push_str(&format!(
            "{h} What to revise in the next version of the survey\n\n"
        ));
        for a in &report.advice {
            let _ = writeln!(s, "- {a}");
        }
        s.push('\n');
    }
    s.push_str(&format!("{h} Methods\n\n"));
    for m in &report.methods {
        let _ = writeln!(s, "- {m}");
    }
    s
}

/// The ordinal items' thresholds, and how the polychoric correlations
/// compare with Pearson's (all of them are in the JSON and CSV).
fn ordinal_markdown(s: &mut String, o: &crate::validity::report::OrdinalSection, h: &str) {
    let estimated: Vec<(f64, f64)> = o
        .correlations
        .iter()
        .filter_map(|c| c.rho.map(|r| (r, c.pearson)))
        .collect();
    let mean_gap =
        estimated.iter().map(|(r, p)| r - p).sum::<f64>() / estimated.len().max(1) as f64;
    let largest = estimated
        .iter()
        .map(|(r, p)| (r - p).abs())
        .fold(0.0, f64::max);
    let _ = writeln!(
        s,
        "{h} Ordinal items: thresholds and polychoric correlations\n\n\
         The items have {} points: their answers are ordered categories. On the {} complete cases, each item's \
         thresholds (the normal quantiles of its cumulative shares) and each pair's polychoric correlation \
         (two-step maximum likelihood, as lavaan's `lavCor`) estimate the correlations of the continuous \
         opinions behind the answers. {} of {} pairs estimated; pairs with empty cells: {}. Polychoric \
         correlations are on average {} above Pearson's (largest difference {:.3}).\n",
        o.points,
        o.complete_cases,
        estimated.len(),
        o.correlations.len(),
        o.pairs_with_empty_cells,
        signed(mean_gap),
        largest
    );
    let k = o.points.saturating_sub(1);
    let _ = writeln!(
        s,
        "| Item | {} |\n|---|{}",
        (1..=k)
            .map(|t| format!("τ{t}"))
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(k)
    );
    for t in &o.thresholds {
        let cells: Vec<String> = t
            .thresholds
            .iter()
            .map(|v| match v {
                v if v.is_finite() => format!("{v:.3}"),
                v if *v < 0.0 => "−∞".into(),
                _ => "∞".into(),
            })
            .collect();
        let _ = writeln!(s, "| {} | {} |", t.item, cells.join(" | "));
    }
    s.push('\n');
}

/// The ordinal model: its fit (scaled and standard), loadings and factor
/// correlations.
fn ordinal_model_markdown(s: &mut String, m: &crate::validity::ordinal::OrdinalModel, h: &str) {
    let f = &m.fit;
    let _ = writeln!(
        s,
        "{h} Ordinal model (WLSMV)\n\n\
         The dimension model fitted to the thresholds and polychoric correlations by diagonally weighted least \
         squares, with robust standard errors and the mean-and-variance adjusted χ² (as lavaan's \
         `cfa(ordered = TRUE, estimator = \"WLSMV\")`): the estimates to read for items of at most seven points.\n\n\
         | | χ² | df | p | CFI | TLI | RMSEA [90 %] |\n|---|---:|---:|---:|---:|---:|---|\n\
         | Scaled | {:.2} | {} | {} | {:.3} | {:.3} | {:.3} [{:.3}, {:.3}] |\n\
         | Standard | {:.2} | {} | {} | {:.3} | {:.3} | {:.3} [{:.3}, {:.3}] |\n\n\
         N = {}, scaling factor {:.3}, shift {:.2}, SRMR {:.3}.{}\n",
        f.chisq_scaled,
        f.df,
        p_value(f.pvalue_scaled),
        f.cfi_scaled,
        f.tli_scaled,
        f.rmsea_scaled,
        f.rmsea_scaled_lower,
        f.rmsea_scaled_upper,
        f.chisq,
        f.df,
        p_value(f.pvalue),
        f.cfi,
        f.tli,
        f.rmsea,
        f.rmsea_lower,
        f.rmsea_upper,
        f.n,
        f.scaling_factor,
        f.shift,
        f.srmr,
        if m.converged {
            ""
        } else {
            " **The model did not converge.**"
        }
    );
    s.push_str(
        "| Item | Dimension | Standardised loading (SE) | Residual share |\n|---|---|---:|---:|\n",
    );
    for l in &m.loadings {
        let _ = writeln!(
            s,
            "| {} | {} | {} ({}) | {:.2} |",
            l.item,
            l.dimension,
            fixed(Some(l.std), 3),
            fixed(l.std_se, 3),
            l.residual_std
        );
    }
    s.push_str("\n| Dimensions | Factor correlation (SE) | HTMT (polychoric) |\n|---|---:|---:|\n");
    for c in &m.factor_correlations {
        let _ = writeln!(
            s,
            "| {} – {} | {} ({}) | {:.2} |",
            c.a,
            c.b,
            fixed(Some(c.correlation), 2),
            fixed(c.se, 2),
            c.htmt
        );
    }
    s.push('\n');
}

fn step_row(s: &mut String, step: &Step) {
    let f = &step.fit;
    let (diff, dcfi, drmsea, holds) = match &step.compared {
        Some(c) => (
            format!("{:.2} ({}), {}", c.chisq, c.df, p_value(c.p)),
            signed(c.delta_cfi),
            signed(c.delta_rmsea),
            if c.holds { "yes" } else { "**no**" },
        ),
        None => ("".into(), "".into(), "".into(), ""),
    };
    let _ = writeln!(
        s,
        "| {}{} | {:.2} | {} | {:.3} | {:.3} | {:.3} | {diff} | {dcfi} | {drmsea} | {holds} |",
        step.level.name(),
        if step.converged {
            ""
        } else {
            " (did not converge)"
        },
        f.chisq,
        f.df,
        f.cfi,
        f.rmsea,
        f.srmr
    );
}

/// A change to three decimals with its sign, never "−0.000".
fn signed(v: f64) -> String {
    let rounded = (v * 1000.0).round() / 1000.0;
    if rounded == 0.0 {
        "0.000".into()
    } else {
        format!("{rounded:+.3}")
    }
}

fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< .001".into()
    } else {
        format!("{p:.3}")
    }
}
