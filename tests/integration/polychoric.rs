//! Polychoric correlations against lavaan on public data: fifteen six-point
//! items of psych's bfi (agreeableness, conscientiousness, extraversion),
//! complete cases. Reference values from
//! `tests/reference/polychoric_reference.R` (lavaan 0.6.14 `lavCor` with
//! every item ordered; psych 2.2.9 `polychoric(global = TRUE)` beside it).

use klimat::stats::polychoric::{self, Table};
use serde_json::Value;

use crate::helpers::test_data;

const CATEGORIES: usize = 6;

fn rows() -> Vec<Vec<usize>> {
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

fn reference() -> Value {
    let text = std::fs::read_to_string(test_data("polychoric/lavaan-reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn table(rows: &[Vec<usize>], i: usize, j: usize) -> Table {
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
    for (i, expected) in reference["thresholds"].as_array().unwrap().iter().enumerate() {
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
