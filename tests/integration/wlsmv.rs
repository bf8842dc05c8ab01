//! The ordinal factor model against lavaan's `cfa(..., ordered = TRUE,
//! estimator = "WLSMV")` on public data: fifteen six-point items of psych's
//! bfi in three factors, complete cases, once all 2,563 and once the first
//! 80 (where item A2 has a category nobody chose). Reference values from
//! `tests/reference/wlsmv_reference.R` (lavaan 0.6.14).

use klimat::stats::cfa::Structure;
use klimat::stats::cfa::solution::Kind;
use klimat::stats::cfa::wls;
use klimat::stats::polychoric::acov::{GammaSum, Influence, TwoStep};
use serde_json::Value;

use crate::helpers::test_data;
use crate::polychoric::{bfi_validity_report, rows, table};

const ITEMS: [&str; 15] = [
    "A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5", "E1", "E2", "E3", "E4", "E5",
];
const FACTORS: [&str; 3] = ["agreeableness", "conscientiousness", "extraversion"];

fn reference() -> Value {
    let text = std::fs::read_to_string(test_data("polychoric/lavaan-wlsmv.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn structure() -> Structure {
    Structure {
        items: 15,
        factors: vec![(0..5).collect(), (5..10).collect(), (10..15).collect()],
    }
}

fn close(what: &str, ours: f64, theirs: f64, tolerance: f64) {
    assert!(
        (ours - theirs).abs() <= tolerance * theirs.abs().max(1.0),
        "{what}: klimat {ours} vs lavaan {theirs}"
    );
}

/// `tolerance` for the model's estimates: lavaan stops its optimiser when
/// F changes by less than 1e-10 relative, so where the likelihood is flat
/// (80 respondents) its estimates are a few digits short of the optimum.
fn check(case: &Value, rows: &[Vec<usize>], tolerance: f64) {
    assert_eq!(rows.len() as u64, case["n"].as_u64().unwrap());
    let t = |i: usize, j: usize| table(rows, i, j);
    let est = TwoStep::new(15, t).unwrap();
    assert_eq!(
        est.threshold_count() as u64,
        case["thresholds"].as_u64().unwrap()
    );
    let influence = Influence::new(&est);
    // Γ from a pass over the rows, in two halves summed as the readers'
    // workers are.
    let (mut first, mut second) = (
        GammaSum::new(influence.dim()),
        GammaSum::new(influence.dim()),
    );
    for (k, r) in rows.iter().enumerate() {
        let half = if k % 3 == 0 { &mut first } else { &mut second };
        assert!(half.push(&influence, r));
    }
    first.add(&second);
    let gamma = first.gamma();
    for (k, g) in case["gamma_diagonal"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        close(
            &format!("Γ[{k},{k}]"),
            gamma[(k, k)],
            g.as_f64().unwrap(),
            1e-6,
        );
    }
    for (row, values) in case["gamma_rows"].as_object().unwrap() {
        let r: usize = row.parse::<usize>().unwrap() - 1;
        for (k, g) in values.as_array().unwrap().iter().enumerate() {
            close(
                &format!("Γ[{r},{k}]"),
                gamma[(r, k)],
                g.as_f64().unwrap(),
                1e-6,
            );
        }
    }

    let fit = wls::fit(&structure(), &est, &gamma).unwrap();
    assert!(fit.converged, "gradient {}", fit.gradient);
    let m = wls::measures(&fit);
    let want = &case["measures"];
    let get = |k: &str| want[k].as_f64().unwrap();
    for (name, ours) in [
        ("chisq", m.chisq),
        ("chisq.scaled", m.chisq_scaled),
        ("chisq.scaling.factor", m.scaling_factor),
        ("baseline.chisq", m.baseline_chisq),
        ("baseline.chisq.scaled", m.baseline_chisq_scaled),
        ("cfi", m.cfi),
        ("tli", m.tli),
        ("cfi.scaled", m.cfi_scaled),
        ("tli.scaled", m.tli_scaled),
        ("rmsea", m.rmsea),
        ("rmsea.ci.lower", m.rmsea_lower),
        ("rmsea.ci.upper", m.rmsea_upper),
        ("rmsea.scaled", m.rmsea_scaled),
        ("rmsea.ci.lower.scaled", m.rmsea_scaled_lower),
        ("rmsea.ci.upper.scaled", m.rmsea_scaled_upper),
        ("srmr", m.srmr),
    ] {
        close(name, ours, get(name), 1e-6);
    }
    assert_eq!(m.df, get("df") as i64);
    close("shift", m.shift, case["shift"].as_f64().unwrap(), 1e-6);

    let solution = wls::solution(&fit);
    let item = |name: &str| ITEMS.iter().position(|i| *i == name).unwrap();
    let factor = |name: &str| FACTORS.iter().position(|f| *f == name).unwrap();
    let mut seen = 0;
    for p in case["parameters"].as_array().unwrap() {
        let (lhs, op, rhs) = (
            p["lhs"].as_str().unwrap(),
            p["op"].as_str().unwrap(),
            p["rhs"].as_str().unwrap(),
        );
        let num = |k: &str| p[k].as_f64().unwrap();
        let what = format!("{lhs} {op} {rhs}");
        if op == "|" {
            let i = item(lhs);
            let s: usize = rhs[1..].parse::<usize>().unwrap() - 1;
            close(&what, est.thresholds[i][s], num("est"), 1e-9);
            close(
                &format!("{what} se"),
                fit.threshold_se[i][s],
                num("se"),
                1e-6,
            );
            seen += 1;
            continue;
        }
        let found = match op {
            "=~" => solution
                .iter()
                .find(|s| s.kind == Kind::Loading && s.index == item(rhs)),
            "~~" if ITEMS.contains(&lhs) => solution
                .iter()
                .find(|s| s.kind == Kind::Residual && s.index == item(lhs)),
            "~~" => {
                let (f, h) = (factor(lhs), factor(rhs));
                let (f, h) = (f.min(h), f.max(h));
                solution.iter().find(|s| {
                    matches!(s.kind, Kind::FactorVariance | Kind::FactorCovariance)
                        && s.index == f
                        && s.other == h
                })
            }
            _ => None,
        };
        let s = found.unwrap_or_else(|| panic!("{what} is not in the solution"));
        close(&what, s.estimate, num("est"), tolerance);
        close(&format!("{what} std"), s.std, num("std_all"), tolerance);
        if num("se") > 0.0 {
            close(
                &format!("{what} se"),
                s.se.unwrap(),
                num("se"),
                10.0 * tolerance,
            );
        }
        if let Some(std_se) = s.std_se {
            close(
                &format!("{what} std se"),
                std_se,
                num("std_se"),
                10.0 * tolerance,
            );
        }
        seen += 1;
    }
    // Thresholds, loadings, residual variances, factor (co)variances.
    assert_eq!(seen, est.threshold_count() + 15 + 15 + 6);
}

#[test]
fn the_ordinal_model_matches_lavaans_wlsmv() {
    let rows = rows();
    check(&reference()["all"], &rows, 1e-6);
}

#[test]
fn a_category_nobody_chose_is_left_out_as_lavaan_does() {
    let rows = rows();
    check(&reference()["first_80"], &rows[..80], 1e-4);
}

/// `klimat validity` on the same answers as a responses file reads them
/// twice (the second time for Γ) and reports lavaan's ordinal model.
#[test]
fn klimat_validity_reports_lavaans_ordinal_model() {
    let rows = rows();
    let case = &reference()["all"];
    let items: Vec<String> = ITEMS.iter().map(|i| i.to_lowercase()).collect();
    let report = bfi_validity_report(&items, &rows);
    let model = &report["ordinal_model"];
    assert_eq!(model["estimator"], "WLSMV", "{}", report["problems"]);
    assert_eq!(model["converged"], true);
    let fit = &model["fit"];
    let want = &case["measures"];
    for (ours, theirs) in [
        ("chisq", "chisq"),
        ("chisq_scaled", "chisq.scaled"),
        ("cfi_scaled", "cfi.scaled"),
        ("tli_scaled", "tli.scaled"),
        ("rmsea_scaled", "rmsea.scaled"),
        ("srmr", "srmr"),
    ] {
        close(
            ours,
            fit[ours].as_f64().unwrap(),
            want[theirs].as_f64().unwrap(),
            1e-6,
        );
    }
    let parameters = case["parameters"].as_array().unwrap();
    for l in model["loadings"].as_array().unwrap() {
        let item = l["item"].as_str().unwrap().to_uppercase();
        let p = parameters
            .iter()
            .find(|p| p["op"] == "=~" && p["rhs"] == item.as_str())
            .unwrap();
        close(
            &item,
            l["std"].as_f64().unwrap(),
            p["std_all"].as_f64().unwrap(),
            1e-6,
        );
    }
    assert_eq!(model["factor_correlations"].as_array().unwrap().len(), 3);
}
