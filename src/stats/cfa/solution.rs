//! The parameter table: estimates with standard errors, and the completely
//! standardised solution (lavaan's `std.all`) with delta-method standard
//! errors, from the expected information.

use nalgebra::DMatrix;
use serde::Serialize;

use super::ml::{Estimate, Moments, matrices_at, vcov};
use super::model::Local;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Loading,
    Residual,
    FactorVariance,
    FactorCovariance,
    Intercept,
    FactorMean,
}

/// One parameter of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub group: usize,
    pub kind: Kind,
    /// The item (loadings, residuals, intercepts) or the first factor.
    pub index: usize,
    /// The second factor of a covariance; the factor of a loading.
    pub other: usize,
    pub estimate: f64,
    /// None for a fixed parameter.
    pub se: Option<f64>,
    /// Completely standardised: loadings and correlations on the scale of
    /// standardised items and factors, residuals as shares of the variance.
    pub std: f64,
    pub std_se: Option<f64>,
}

/// Every parameter of every group, with standard errors when the
/// information matrix is invertible.
pub fn solution(estimate: &Estimate, data: &[Moments]) -> Vec<Parameter> {
    let spec = &estimate.spec;
    let of = spec.structure.factor_of();
    let layout = list(estimate);
    let v = vcov(estimate, data);
    let standardised = |x: &[f64]| -> Vec<f64> {
        let groups: Vec<_> = (0..spec.groups)
            .map(|g| matrices_at(spec, &estimate.entries, &of, x, g))
            .collect();
        layout
            .iter()
            .map(|&(g, kind, a, b)| std_value(&groups[g], kind, a, b))
            .collect()
    };
    let std = standardised(&estimate.x);
    let std_se = v.as_ref().map(|v| {
        // Central differences of the standardised values in each free parameter.
        let q = estimate.x.len();
        let mut jac = DMatrix::zeros(layout.len(), q);
        for k in 0..q {
            let h = 1e-6 * estimate.x[k].abs().max(1.0);
            let (mut up, mut down) = (estimate.x.clone(), estimate.x.clone());
            up[k] += h;
            down[k] -= h;
            let (a, b) = (standardised(&up), standardised(&down));
            for r in 0..layout.len() {
                jac[(r, k)] = (a[r] - b[r]) / (2.0 * h);
            }
        }
        let cov = &jac * v * jac.transpose();
        (0..layout.len())
            .map(|r| cov[(r, r)].max(0.0).sqrt())
            .collect::<Vec<_>>()
    });
    layout
        .iter()
        .enumerate()
        .map(|(r, &(g, kind, a, b))| {
            let free = free_of(estimate, g, kind, a, b);
            let se = free.and_then(|f| v.as_ref().map(|v| v[(f, f)].max(0.0).sqrt()));
            let estimate_value = raw_value(&estimate.groups[g], kind, a, b);
            let fixed_std = matches!(kind, Kind::FactorVariance)
                || matches!(kind, Kind::Intercept | Kind::FactorMean) && free.is_none();
            Parameter {
                group: g,
                kind,
                index: a,
                other: b,
                estimate: estimate_value,
                se,
                std: std[r],
                std_se: if fixed_std {
                    None
                } else {
                    std_se.as_ref().map(|s| s[r])
                },
            }
        })
        .collect()
}

fn list(estimate: &Estimate) -> Vec<(usize, Kind, usize, usize)> {
    let s = &estimate.spec.structure;
    let of = s.factor_of();
    let mut out = Vec::new();
    for g in 0..estimate.spec.groups {
        for (f, items) in s.factors.iter().enumerate() {
            for &i in items {
                out.push((g, Kind::Loading, i, f));
            }
        }
        for (i, &f) in of.iter().enumerate() {
            out.push((g, Kind::Residual, i, f));
        }
        for f in 0..s.factors() {
            out.push((g, Kind::FactorVariance, f, f));
        }
        for f in 0..s.factors() {
            for h in f + 1..s.factors() {
                out.push((g, Kind::FactorCovariance, f, h));
            }
        }
        for (i, &f) in of.iter().enumerate() {
            out.push((g, Kind::Intercept, i, f));
        }
        for f in 0..s.factors() {
            out.push((g, Kind::FactorMean, f, f));
        }
    }
    out
}

fn local(kind: Kind, a: usize, b: usize) -> Local {
    match kind {
        Kind::Loading => Local::Loading(a),
        Kind::Residual => Local::Residual(a),
        Kind::FactorVariance => Local::FactorCov(a, a),
        Kind::FactorCovariance => Local::FactorCov(a, b),
        Kind::Intercept => Local::Intercept(a),
        Kind::FactorMean => Local::FactorMean(a),
    }
}

fn free_of(estimate: &Estimate, g: usize, kind: Kind, a: usize, b: usize) -> Option<usize> {
    let l = local(kind, a, b);
    estimate
        .entries
        .iter()
        .find(|e| e.group == g && e.local == l)
        .map(|e| e.free)
}

fn raw_value(m: &super::ml::Matrices, kind: Kind, a: usize, b: usize) -> f64 {
    match kind {
        Kind::Loading => m.lambda[(a, b)],
        Kind::Residual => m.theta[a],
        Kind::FactorVariance | Kind::FactorCovariance => m.phi[(a, b)],
        Kind::Intercept => m.nu[a],
        Kind::FactorMean => m.alpha[a],
    }
}

fn std_value(m: &super::ml::Matrices, kind: Kind, a: usize, b: usize) -> f64 {
    let sigma_ii = |i: usize| {
        let l = m.lambda.row(i);
        (l * &m.phi * l.transpose())[(0, 0)] + m.theta[i]
    };
    match kind {
        Kind::Loading => m.lambda[(a, b)] * m.phi[(b, b)].sqrt() / sigma_ii(a).sqrt(),
        Kind::Residual => m.theta[a] / sigma_ii(a),
        Kind::FactorVariance => 1.0,
        Kind::FactorCovariance => m.phi[(a, b)] / (m.phi[(a, a)] * m.phi[(b, b)]).sqrt(),
        Kind::Intercept => m.nu[a] / sigma_ii(a).sqrt(),
        Kind::FactorMean => m.alpha[a] / m.phi[(a, a)].sqrt(),
    }
}
