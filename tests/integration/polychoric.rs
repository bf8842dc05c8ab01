//! Polychoric correlations against lavaan on public data: fifteen six-point
//! items of psych's bfi (agreeableness, conscientiousness, extraversion),
//! complete cases. Reference values from
//! `tests/reference/polychoric_reference.R` (lavaan 0.6.14 `lavCor` with
//! every item ordered; psych 2.2.9 `polychoric(global = TRUE)` beside it).

use klimat::stats::polychoric::{self, Table};
use serde_json::Value;

use crate::helpers::{Klimat, arg, stderr_of, test_data};

const CATEGORIES: usize = 6;

/// The bfi answers, 0-based categories (shared with `wlsmv.rs`).
pub(crate) fn rows() -> Vec<Vec<usize>> {
    let file = "polychoric/bfi-agreeableness-conscientiousness-extraversion.csv";
    let text = std::fs::read_to_string(test_data(file)).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .map(|f| f.parse::<usize>().unwrap() - 1)
                .collect()
        })
        .collect()
}

/// `klimat validity --format json` on the bfi answers as a responses file
/// of `bfi-ace.toml` (items by their lower-case ids, one unit and wave).
pub(crate) fn bfi_validity_report(items: &[String], rows: &[Vec<usize>]) -> Value {
    let k = Klimat::new();
    let mut csv = format!("unit,wave,{}\n", items.join(","));
    for r in rows {
        let answers: Vec<String> = r.iter().map(|c| (c + 1).to_string()).collect();
        csv += &format!("all,2024,{}\n", answers.join(","));
    }
    let responses = k.write("bfi.csv", &csv);
    let out = k
        .cmd()
        .args([
            "validity",
            "--survey",
            arg(&test_data("surveys/bfi-ace.toml")),
        ])
        .args(["--responses", arg(&responses), "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn reference() -> Value {
    let text = std::fs::read_to_string(test_data("polychoric/lavaan-reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub(crate) fn table(rows: &[Vec<usize>], i: usize, j: usize) -> Table {
    let mut t = Table::new(CATEGORIES, CATEGORIES);
    for r in rows {
        t.counts[r[i] * CATEGORIES + r[j]] += 1;
    }
    t
}

#[test]
fn thresholds_and_polychoric_correlations_match_lavaan() {
    let rows = rows();
    let reference = reference();
    assert_eq!(rows.len() as u64, reference["n"].as_u64().unwrap());
    let items = reference["items"].as_array().unwrap().len();
    let m = polychoric::matrix(items, |i, j| table(&rows, i, j));
    assert!(m.failed.is_empty(), "{:?}", m.failed);
    for (i, expected) in reference["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for (k, t) in expected.as_array().unwrap().iter().enumerate() {
            let t = t.as_f64().unwrap();
            assert!(
                (m.thresholds[i][k] - t).abs() < 1e-9,
                "item {i} threshold {k}: {} vs lavaan {t}",
                m.thresholds[i][k]
            );
        }
    }
    let mut largest = 0.0f64;
    for (source, tolerance) in [("lavaan", 1e-4), ("psych", 1e-3)] {
        for (i, row) in reference[source].as_array().unwrap().iter().enumerate() {
            for (j, r) in row.as_array().unwrap().iter().enumerate() {
                let r = r.as_f64().unwrap();
                let diff = (m.rho[(i, j)] - r).abs();
                if source == "lavaan" {
                    largest = largest.max(diff);
                }
                assert!(
                    diff < tolerance,
                    "{source} ({i}, {j}): {} vs {r}",
                    m.rho[(i, j)]
                );
            }
        }
    }
    eprintln!("largest difference from lavaan: {largest:.2e}");
}

/// The same data as a klimat responses file, through `klimat validity`:
/// the pass over the rows keeps each pair's table, and the report's
/// thresholds and polychoric correlations are lavaan's.
#[test]
fn klimat_validity_reports_lavaans_polychoric_correlations() {
    let rows = rows();
    let reference = reference();
    let items: Vec<String> = reference["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_lowercase())
        .collect();
    let report = bfi_validity_report(&items, &rows);
    let ordinal = &report["ordinal"];
    assert_eq!(ordinal["points"], 6);
    assert_eq!(ordinal["complete_cases"], rows.len() as u64);
    let lavaan = reference["lavaan"].as_array().unwrap();
    let correlations = ordinal["correlations"].as_array().unwrap();
    assert_eq!(correlations.len(), items.len() * (items.len() - 1) / 2);
    for c in correlations {
        let at = |key: &str| items.iter().position(|i| c[key] == **i).unwrap();
        let (a, b) = (at("a"), at("b"));
        let expected = lavaan[a][b].as_f64().unwrap();
        let rho = c["rho"].as_f64().unwrap();
        assert!((rho - expected).abs() < 1e-4, "{c} vs lavaan {expected}");
    }
    // The ML model's cross-loading hints are lavaan's modification indices:
    // per item the largest above 10 whose standardised change is ≥ .20.
    assert_eq!(report["model"]["converged"], true, "{}", report["problems"]);
    let indices = reference["ml_modindices"].as_array().unwrap();
    for item in report["items"].as_array().unwrap() {
        let id = item["item"].as_str().unwrap();
        let expected = indices
            .iter()
            .filter(|m| m["item"] == id)
            .filter(|m| {
                m["mi"].as_f64().unwrap() > 10.0 && m["sepc_all"].as_f64().unwrap().abs() >= 0.2
            })
            .max_by(|a, b| {
                a["mi"]
                    .as_f64()
                    .unwrap()
                    .total_cmp(&b["mi"].as_f64().unwrap())
            });
        let hint = &item["cross_loading"];
        match expected {
            None => assert!(hint.is_null(), "{id}: {hint}"),
            Some(m) => {
                assert_eq!(hint["dimension"], m["factor"], "{id}");
                let (mi, lavaan) = (hint["mi"].as_f64().unwrap(), m["mi"].as_f64().unwrap());
                assert!(
                    ((mi - lavaan) / lavaan).abs() < 1e-4,
                    "{id}: MI {mi} vs lavaan {lavaan}"
                );
                let (sepc, lavaan) = (
                    hint["std_epc"].as_f64().unwrap(),
                    m["sepc_all"].as_f64().unwrap(),
                );
                assert!(
                    (sepc - lavaan).abs() < 1e-4,
                    "{id}: sepc {sepc} vs lavaan {lavaan}"
                );
            }
        }
    }
    for (t, expected) in ordinal["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .zip(reference["thresholds"].as_array().unwrap())
    {
        for (v, e) in t["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .zip(expected.as_array().unwrap())
        {
            assert!(
                (v.as_f64().unwrap() - e.as_f64().unwrap()).abs() < 1e-9,
                "{t}"
            );
        }
    }
}
