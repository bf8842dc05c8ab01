//! Confirmatory factor analysis against lavaan on public data: the
//! Holzinger & Swineford (1939) three-factor model, in one group and by
//! school at three levels of invariance. Reference values from
//! `tests/reference/cfa_reference.R` (lavaan 0.6.14).

use klimat::stats::cfa::{self, Kind, Level, Moments, Parameter, Spec, Structure};
use nalgebra::{DMatrix, DVector};
use serde_json::Value;

use crate::helpers::test_data;

/// The data's rows by school, and the moments (covariances divided by N).
fn moments(rows: &[(String, Vec<f64>)], school: Option<&str>) -> Moments {
    let chosen: Vec<&Vec<f64>> = rows
        .iter()
        .filter(|(s, _)| school.is_none_or(|k| k == s))
        .map(|(_, x)| x)
        .collect();
    let n = chosen.len() as f64;
    let p = chosen[0].len();
    let mean = DVector::from_fn(p, |i, _| chosen.iter().map(|x| x[i]).sum::<f64>() / n);
    let cov = DMatrix::from_fn(p, p, |i, j| {
        chosen
            .iter()
            .map(|x| (x[i] - mean[i]) * (x[j] - mean[j]))
            .sum::<f64>()
            / n
    });
    Moments { n, mean, cov }
}

fn data() -> Vec<(String, Vec<f64>)> {
    let text = std::fs::read_to_string(test_data("cfa/holzinger-swineford-1939.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.split(',');
            let school = fields.next().unwrap().to_owned();
            (school, fields.map(|f| f.parse().unwrap()).collect())
        })
        .collect()
}

fn reference() -> Value {
    let text = std::fs::read_to_string(test_data("cfa/lavaan-reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn structure() -> Structure {
    Structure {
        items: 9,
        factors: vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]],
    }
}

const FACTORS: [&str; 3] = ["visual", "textual", "speed"];

fn close(what: &str, ours: f64, theirs: f64, tolerance: f64) {
    let scale = theirs.abs().max(1e-2);
    assert!(
        ((ours - theirs) / scale).abs() <= tolerance,
        "{what}: klimat {ours}, lavaan {theirs}"
    );
}

fn compare_fit(what: &str, fit: &cfa::FitMeasures, lavaan: &Value) {
    let l = |k: &str| lavaan[k].as_f64().unwrap();
    close(&format!("{what} χ²"), fit.chisq, l("chisq"), 1e-4);
    assert_eq!(fit.df as f64, l("df"), "{what} df");
    close(&format!("{what} p"), fit.pvalue, l("pvalue"), 1e-4);
    close(
        &format!("{what} baseline χ²"),
        fit.baseline_chisq,
        l("baseline_chisq"),
        1e-4,
    );
    assert_eq!(
        fit.baseline_df as f64,
        l("baseline_df"),
        "{what} baseline df"
    );
    close(&format!("{what} CFI"), fit.cfi, l("cfi"), 1e-4);
    close(&format!("{what} TLI"), fit.tli, l("tli"), 1e-4);
    close(&format!("{what} RMSEA"), fit.rmsea, l("rmsea"), 1e-4);
    close(
        &format!("{what} RMSEA lower"),
        fit.rmsea_lower,
        l("rmsea_ci_lower"),
        1e-4,
    );
    close(
        &format!("{what} RMSEA upper"),
        fit.rmsea_upper,
        l("rmsea_ci_upper"),
        1e-4,
    );
    close(&format!("{what} SRMR"), fit.srmr, l("srmr"), 1e-4);
}

/// The klimat parameter that a lavaan row names.
fn ours<'a>(params: &'a [Parameter], row: &Value) -> Option<&'a Parameter> {
    let (lhs, op, rhs) = (
        row["lhs"].as_str()?,
        row["op"].as_str()?,
        row["rhs"].as_str()?,
    );
    let group = row["group"].as_u64()? as usize;
    let item = |s: &str| {
        s.strip_prefix('x')
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| n - 1)
    };
    let factor = |s: &str| FACTORS.iter().position(|f| *f == s);
    let (kind, a, b) = match op {
        "=~" => (Kind::Loading, item(rhs)?, factor(lhs)?),
        "~1" => match (item(lhs), factor(lhs)) {
            (Some(i), _) => (Kind::Intercept, i, usize::MAX),
            (_, Some(f)) => (Kind::FactorMean, f, usize::MAX),
            _ => return None,
        },
        "~~" => match (item(lhs), factor(lhs), factor(rhs)) {
            (Some(i), _, _) => (Kind::Residual, i, usize::MAX),
            (_, Some(f), Some(h)) if f == h => (Kind::FactorVariance, f, f),
            (_, Some(f), Some(h)) => (Kind::FactorCovariance, f.min(h), f.max(h)),
            _ => return None,
        },
        _ => return None,
    };
    params.iter().find(|p| {
        p.group == group && p.kind == kind && p.index == a && (b == usize::MAX || p.other == b)
    })
}

fn compare_parameters(what: &str, params: &[Parameter], lavaan: &Value) {
    let rows = lavaan.as_array().unwrap();
    let mut compared = 0;
    for row in rows {
        let Some(p) = ours(params, row) else {
            panic!("{what}: klimat has no parameter for lavaan's {row}");
        };
        let name = format!("{what} {} {} {}", row["lhs"], row["op"], row["rhs"]);
        close(
            &format!("{name} estimate"),
            p.estimate,
            row["est"].as_f64().unwrap(),
            1e-4,
        );
        let se = row["se"].as_f64().unwrap();
        if se > 0.0 {
            close(
                &format!("{name} se"),
                p.se.expect("a free parameter has a standard error"),
                se,
                1e-4,
            );
        }
        close(
            &format!("{name} std.all"),
            p.std,
            row["std"].as_f64().unwrap(),
            1e-4,
        );
        if let (Some(theirs), Some(mine)) = (row["std_se"].as_f64(), p.std_se)
            && theirs > 0.0
        {
            close(&format!("{name} std.all se"), mine, theirs, 1e-4);
        }
        compared += 1;
    }
    assert!(
        compared >= 21,
        "{what}: only {compared} parameters compared"
    );
}

#[test]
fn one_group_ml_matches_lavaan() {
    let rows = data();
    let data = [moments(&rows, None)];
    let spec = Spec::new(structure(), 1, Level::Configural);
    let estimate = cfa::fit(&spec, &data, None).unwrap();
    assert!(estimate.converged, "gradient {}", estimate.gradient);
    let reference = reference();
    compare_fit(
        "one group",
        &cfa::measures(&estimate, &data),
        &reference["one_group"]["fit"],
    );
    compare_parameters(
        "one group",
        &cfa::solution(&estimate, &data),
        &reference["one_group"]["parameters"],
    );
    // Modification indices of the 18 cross-loadings the model leaves out.
    let ours = cfa::cross_loadings(&estimate, &data);
    let theirs = reference["one_group"]["modindices"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len());
    for row in theirs {
        let factor = FACTORS.iter().position(|f| row["lhs"] == *f).unwrap();
        let item: usize = row["rhs"].as_str().unwrap()[1..].parse::<usize>().unwrap() - 1;
        let c = ours
            .iter()
            .find(|c| c.item == item && c.factor == factor)
            .unwrap_or_else(|| panic!("no test of {row}"));
        let what = format!("{} =~ {}", row["lhs"], row["rhs"]);
        close(
            &format!("{what} mi"),
            c.mi,
            row["mi"].as_f64().unwrap(),
            1e-4,
        );
        close(
            &format!("{what} epc"),
            c.epc,
            row["epc"].as_f64().unwrap(),
            1e-4,
        );
    }
}

#[test]
fn invariance_by_school_matches_lavaan() {
    let rows = data();
    let reference = reference();
    let schools: Vec<String> = reference["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap().to_owned())
        .collect();
    let data: Vec<Moments> = schools.iter().map(|s| moments(&rows, Some(s))).collect();
    let mut previous = None;
    for (level, key) in [
        (Level::Configural, "configural"),
        (Level::Metric, "metric"),
        (Level::Scalar, "scalar"),
    ] {
        let spec = Spec::new(structure(), 2, level);
        let estimate = cfa::fit(&spec, &data, previous.as_ref()).unwrap();
        assert!(estimate.converged, "{key}: gradient {}", estimate.gradient);
        compare_fit(
            key,
            &cfa::measures(&estimate, &data),
            &reference[key]["fit"],
        );
        if reference[key]["parameters"].is_array() {
            compare_parameters(
                key,
                &cfa::solution(&estimate, &data),
                &reference[key]["parameters"],
            );
        }
        previous = Some(estimate);
    }
    let mut partial = Spec::new(structure(), 2, Level::Scalar);
    partial.free_intercepts = vec![2, 6];
    let estimate = cfa::fit(&partial, &data, previous.as_ref()).unwrap();
    compare_fit(
        "partial scalar",
        &cfa::measures(&estimate, &data),
        &reference["partial_x3_x7"]["fit"],
    );
}
