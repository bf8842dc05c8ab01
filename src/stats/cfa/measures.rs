//! Fit measures as lavaan computes them for `estimator = "ML"`: χ² against
//! the saturated model, the independence baseline, CFI, TLI, RMSEA with its
//! 90 % interval (noncentral χ²), and SRMR (Bentler's, residual covariances
//! standardised by the sample's standard deviations).

use nalgebra::Cholesky;
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::gamma::{gamma_lr, ln_gamma};

use super::ml::{Estimate, Moments};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FitMeasures {
    pub n: f64,
    pub chisq: f64,
    pub df: i64,
    pub pvalue: f64,
    pub baseline_chisq: f64,
    pub baseline_df: i64,
    pub cfi: f64,
    pub tli: f64,
    pub rmsea: f64,
    pub rmsea_lower: f64,
    pub rmsea_upper: f64,
    pub srmr: f64,
}

/// The fit measures of an estimate on its data.
pub fn measures(estimate: &Estimate, data: &[Moments]) -> FitMeasures {
    let p = estimate.spec.structure.items;
    let groups = data.len();
    let n = estimate.n;
    let chisq = estimate.chisq();
    let df = estimate.df();
    let (baseline_chisq, baseline_df) = baseline(data);
    let dfm = df as f64;
    let dfb = baseline_df as f64;
    let pvalue = upper_tail(chisq, dfm);
    let cfi = {
        let t = (chisq - dfm).max(0.0);
        let tb = (baseline_chisq - dfb).max(0.0);
        let d = t.max(tb);
        if d == 0.0 { 1.0 } else { 1.0 - t / d }
    };
    let tli = if df > 0 {
        (baseline_chisq / dfb - chisq / dfm) / (baseline_chisq / dfb - 1.0)
    } else {
        1.0
    };
    let g = groups as f64;
    let rmsea = if df > 0 {
        ((chisq / n / dfm - 1.0 / n).max(0.0)).sqrt() * g.sqrt()
    } else {
        0.0
    };
    let (rmsea_lower, rmsea_upper) = rmsea_interval(chisq, dfm, n, g);
    FitMeasures {
        n,
        chisq,
        df,
        pvalue,
        baseline_chisq,
        baseline_df,
        cfi,
        tli,
        rmsea,
        rmsea_lower,
        rmsea_upper,
        srmr: srmr(estimate, data, groups > 1 || p == 0),
    }
}

/// The independence model: every group's variances and means free, no
/// covariances.
fn baseline(data: &[Moments]) -> (f64, i64) {
    let mut chisq = 0.0;
    let mut df = 0;
    for d in data {
        let p = d.cov.nrows();
        let log_det = Cholesky::new(d.cov.clone()).map_or(f64::NAN, |c| {
            2.0 * c.l().diagonal().iter().map(|v| v.ln()).sum::<f64>()
        });
        let diag: f64 = (0..p).map(|i| d.cov[(i, i)].ln()).sum();
        chisq += d.n * (diag - log_det);
        df += (p * (p - 1) / 2) as i64;
    }
    (chisq, df)
}

/// SRMR over groups, weighted by group size; with `means`, the
/// standardised mean residuals are among the elements.
fn srmr(estimate: &Estimate, data: &[Moments], means: bool) -> f64 {
    let mut total = 0.0;
    for (g, d) in data.iter().enumerate() {
        let m = &estimate.groups[g];
        let sigma = m.sigma();
        let mu = m.mu();
        let p = d.cov.nrows();
        let sd: Vec<f64> = (0..p).map(|i| d.cov[(i, i)].sqrt()).collect();
        let mut sum = 0.0;
        let mut count = 0usize;
        for i in 0..p {
            for j in 0..=i {
                let r = (d.cov[(i, j)] - sigma[(i, j)]) / (sd[i] * sd[j]);
                sum += r * r;
                count += 1;
            }
            if means {
                let r = (d.mean[i] - mu[i]) / sd[i];
                sum += r * r;
                count += 1;
            }
        }
        total += d.n / estimate.n * (sum / count as f64).sqrt();
    }
    total
}

/// P(χ²_df > x).
pub fn upper_tail(x: f64, df: f64) -> f64 {
    if df <= 0.0 {
        return f64::NAN;
    }
    ChiSquared::new(df).map_or(f64::NAN, |c| c.sf(x))
}

/// The 90 % interval of RMSEA, as lavaan: the noncentralities λ at which the
/// observed χ² is the 95th and the 5th percentile.
pub(super) fn rmsea_interval(chisq: f64, df: f64, n: f64, g: f64) -> (f64, f64) {
    if df < 1.0 || !chisq.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let scale = |lambda: f64| (lambda / (n * df)).sqrt() * g.sqrt();
    let lower = if noncentral_cdf(chisq, df, 0.0) < 0.95 {
        0.0
    } else {
        scale(root(|l| noncentral_cdf(chisq, df, l) - 0.95, chisq))
    };
    let top = n.max(4.0 * chisq);
    let upper = if noncentral_cdf(chisq, df, top) > 0.05 || noncentral_cdf(chisq, df, 0.0) < 0.05 {
        0.0
    } else {
        scale(root(|l| noncentral_cdf(chisq, df, l) - 0.05, top))
    };
    (lower, upper)
}

/// The root of a decreasing function on [0, hi], by bisection.
fn root(f: impl Fn(f64) -> f64, hi: f64) -> f64 {
    let (mut a, mut b) = (0.0, hi);
    for _ in 0..200 {
        let mid = 0.5 * (a + b);
        if f(mid) > 0.0 {
            a = mid;
        } else {
            b = mid;
        }
        if b - a < 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (a + b)
}

/// P(X ≤ x) for X noncentral χ² with `df` degrees of freedom and
/// noncentrality `lambda`: the Poisson(λ/2) mixture of central χ²
/// distributions, summed outward from the mixture's mode.
pub fn noncentral_cdf(x: f64, df: f64, lambda: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let half = lambda / 2.0;
    let term = |j: f64| {
        let log_weight = if half > 0.0 {
            -half + j * half.ln() - ln_gamma(j + 1.0)
        } else if j == 0.0 {
            0.0
        } else {
            f64::NEG_INFINITY
        };
        log_weight.exp() * gamma_lr(df / 2.0 + j, x / 2.0)
    };
    let mode = half.floor();
    let mut sum = term(mode);
    let mut j = mode + 1.0;
    loop {
        let t = term(j);
        sum += t;
        if t < 1e-17 * sum.max(1e-300) || j > mode + 10_000.0 {
            break;
        }
        j += 1.0;
    }
    let mut j = mode - 1.0;
    while j >= 0.0 {
        let t = term(j);
        sum += t;
        if t < 1e-17 * sum.max(1e-300) {
            break;
        }
        j -= 1.0;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_noncentral_distribution_matches_r() {
        // R: pchisq(85.306, 24, ncp = 40) = 0.9219959778; ncp = 0 is central.
        assert!(
            (noncentral_cdf(85.306, 24.0, 0.0) - ChiSquared::new(24.0).unwrap().cdf(85.306)).abs()
                < 1e-12
        );
        assert!((noncentral_cdf(85.306, 24.0, 40.0) - 0.921_995_977_8).abs() < 1e-9);
    }
}
