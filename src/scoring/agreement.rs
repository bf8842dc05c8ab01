//! Whether unit means are meaningful: ICC(1) and ICC(2) from the one-way ANOVA
//! of person scores on unit, the design effect, and rwg(j) within a unit
//! against the uniform null distribution of the response scale.

use serde::Serialize;

use crate::stats::descriptive::Moments;

/// Between-unit agreement of one dimension in one wave.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Icc {
    pub icc1: f64,
    pub icc2: f64,
    /// The unit size used in ICC(1): k0 = (N − Σ n_j² / N) / (J − 1).
    pub k0: f64,
    /// 1 + (m̄ − 1) · ICC(1), with m̄ the mean unit size N / J.
    pub design_effect: f64,
    pub units: usize,
    pub n: u64,
}

/// ICC(1) = (MSB − MSW) / (MSB + (k0 − 1) MSW); ICC(2) = (MSB − MSW) / MSB.
///
/// Units without respondents are ignored. `None` with fewer than two units,
/// no within-unit degrees of freedom, or no variation at all.
pub fn icc(units: &[Moments]) -> Option<Icc> {
    let units: Vec<&Moments> = units.iter().filter(|m| m.n > 0).collect();
    let j = units.len();
    let n: u64 = units.iter().map(|m| m.n).sum();
    if j < 2 || n <= j as u64 {
        return None;
    }
    let nf = n as f64;
    let grand = units
        .iter()
        .map(|m| m.mean().unwrap_or(0.0) * m.n as f64)
        .sum::<f64>()
        / nf;
    let ssb: f64 = units
        .iter()
        .map(|m| m.n as f64 * (m.mean().unwrap_or(0.0) - grand).powi(2))
        .sum();
    let ssw: f64 = units.iter().map(|m| m.sum_of_squares()).sum();
    let msb = ssb / (j - 1) as f64;
    let msw = ssw / (nf - j as f64);
    if msb <= 0.0 {
        return None;
    }
    let sum_sq_sizes: f64 = units.iter().map(|m| (m.n as f64).powi(2)).sum();
    let k0 = (nf - sum_sq_sizes / nf) / (j - 1) as f64;
    let icc1 = (msb - msw) / (msb + (k0 - 1.0) * msw);
    let mean_size = nf / j as f64;
    Some(Icc {
        icc1,
        icc2: (msb - msw) / msb,
        k0,
        design_effect: 1.0 + (mean_size - 1.0) * icc1,
        units: j,
        n,
    })
}

/// The variance of the uniform null for an A-point scale: (A² − 1) / 12.
pub fn uniform_null_variance(points: usize) -> f64 {
    let a = points as f64;
    (a * a - 1.0) / 12.0
}

/// rwg(j) of J items from their within-unit variances:
/// J (1 − s̄²/σ²) / (J (1 − s̄²/σ²) + s̄²/σ²), with s̄² capped at σ².
///
/// `item_variances` holds the sample variance of each item within the unit
/// (items with fewer than two answers left out). `None` when no item has one.
pub fn rwg_j(item_variances: &[f64], null_variance: f64) -> Option<f64> {
    if item_variances.is_empty() {
        return None;
    }
    let j = item_variances.len() as f64;
    let mean = item_variances.iter().sum::<f64>() / j;
    let ratio = (mean / null_variance).min(1.0);
    let agreement = j * (1.0 - ratio);
    Some(agreement / (agreement + ratio))
}
