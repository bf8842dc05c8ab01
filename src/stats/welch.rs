//! Welch's two-sample t-test.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::distributions::t_quantile;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Welch {
    /// Mean of the first sample minus mean of the second.
    pub difference: f64,
    pub se: f64,
    pub t: f64,
    pub df: f64,
    pub p: f64,
    pub ci95: [f64; 2],
}

/// Welch's test from summary statistics (mean, variance, n) of two samples.
pub fn welch_from_summaries(m1: f64, v1: f64, n1: f64, m2: f64, v2: f64, n2: f64) -> Option<Welch> {
    if n1 < 2.0 || n2 < 2.0 {
        return None;
    }
    let (a, b) = (v1 / n1, v2 / n2);
    let se = (a + b).sqrt();
    if se.is_nan() || se <= 0.0 {
        return None;
    }
    let df = (a + b).powi(2) / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0));
    let difference = m1 - m2;
    let t = difference / se;
    let p = two_sided_t_p(t, df);
    let half = t_quantile(0.975, df) * se;
    Some(Welch {
        difference,
        se,
        t,
        df,
        p,
        ci95: [difference - half, difference + half],
    })
}

/// Welch's test of two samples.
pub fn welch(x: &[f64], y: &[f64]) -> Option<Welch> {
    let (m1, v1) = mean_var(x)?;
    let (m2, v2) = mean_var(y)?;
    welch_from_summaries(m1, v1, x.len() as f64, m2, v2, y.len() as f64)
}

fn mean_var(x: &[f64]) -> Option<(f64, f64)> {
    if x.len() < 2 {
        return None;
    }
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    Some((
        m,
        x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0),
    ))
}

/// The two-sided p-value of a t statistic.
/// NaN when `df` is not positive or `t` is not a number.
pub fn two_sided_t_p(t: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) if t.is_finite() => (2.0 * dist.cdf(-t.abs())).min(1.0),
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sleep_data_give_rs_welch_test() {
        // R: t.test(extra ~ group, data = sleep); statistics reference.
        let g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let w = welch(&g1, &g2).unwrap();
        assert!((w.t - -1.860_813).abs() < 1e-6, "{}", w.t);
        assert!((w.df - 17.776_47).abs() < 1e-5, "{}", w.df);
        assert!((w.p - 0.079_39).abs() < 1e-5, "{}", w.p);
        assert!((w.ci95[0] - -3.365_483_2).abs() < 1e-6);
        assert!((w.ci95[1] - 0.205_483_2).abs() < 1e-6);
    }
}
