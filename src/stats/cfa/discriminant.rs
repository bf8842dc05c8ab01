//! Discriminant validity: the heterotrait–monotrait ratio of correlations
//! (Henseler, Ringle & Sarstedt, 2015) and the factor correlations' Wald
//! intervals, with a flag for pairs of dimensions the data cannot tell apart.

use nalgebra::DMatrix;
use serde::Serialize;

use super::solution::{Kind, Parameter};

/// HTMT above this says two dimensions are not distinct (Henseler et al.'s
/// conservative .85).
pub const HTMT_LIMIT: f64 = 0.85;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    pub htmt: f64,
    pub correlation: f64,
    pub lower: f64,
    pub upper: f64,
    /// HTMT above the limit, or the correlation's 95 % interval reaching ±1.
    pub indistinct: bool,
}

/// HTMT of factors `a` and `b` on an item correlation matrix: the mean
/// correlation between their items over the geometric mean of the mean
/// correlations within each.
pub fn htmt(corr: &DMatrix<f64>, a: &[usize], b: &[usize]) -> f64 {
    let between = mean(a.iter().flat_map(|&i| b.iter().map(move |&j| corr[(i, j)])));
    let within = |f: &[usize]| {
        mean(
            f.iter()
                .enumerate()
                .flat_map(|(k, &i)| f[k + 1..].iter().map(move |&j| corr[(i, j)])),
        )
    };
    between / (within(a) * within(b)).sqrt()
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n as f64
}

/// Every pair of factors: HTMT on `corr` and the standardised factor
/// correlation of group 0 in `solution`, with its Wald interval.
pub fn pairs(corr: &DMatrix<f64>, factors: &[Vec<usize>], solution: &[Parameter]) -> Vec<Pair> {
    let z = 1.959_963_984_540_054;
    let mut out = Vec::new();
    for a in 0..factors.len() {
        for b in a + 1..factors.len() {
            let h = htmt(corr, &factors[a], &factors[b]);
            let r = solution.iter().find(|p| {
                p.group == 0 && p.kind == Kind::FactorCovariance && p.index == a && p.other == b
            });
            let (correlation, se) = r.map_or((f64::NAN, None), |p| (p.std, p.std_se));
            let (lower, upper) = se.map_or((f64::NAN, f64::NAN), |se| {
                (correlation - z * se, correlation + z * se)
            });
            out.push(Pair {
                a,
                b,
                htmt: h,
                correlation,
                lower,
                upper,
                indistinct: h > HTMT_LIMIT || upper >= 1.0 || lower <= -1.0,
            });
        }
    }
    out
}
