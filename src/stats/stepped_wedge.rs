//! Power of a cross-sectional stepped-wedge design (Hussey & Hughes 2007):
//! clusters cross from control to treatment at random steps; new respondents
//! in every cluster and period; random cluster intercepts, fixed period
//! effects. The variance of the treatment effect follows in closed form from
//! the treatment pattern, the respondents per cluster-period and the ICC.

use statrs::distribution::{ContinuousCDF, Normal};

/// Var(θ̂) for `pattern[i][j]` (cluster i treated in period j), `m`
/// respondents per cluster-period and intra-cluster correlation `icc`, the
/// outcome's total variance 1 (θ in standard deviations):
/// I σ² (σ² + T τ²) / ((I U − W) σ² + (U² + I T U − T W − I V) τ²),
/// σ² = (1 − ρ)/m, τ² = ρ, U = Σ x, W = Σ_j (Σ_i x_ij)², V = Σ_i (Σ_j x_ij)².
pub fn hussey_hughes_variance(pattern: &[Vec<bool>], m: f64, icc: f64) -> f64 {
    let i = pattern.len() as f64;
    let t = pattern.first().map_or(0, Vec::len);
    let x = |a: usize, b: usize| pattern[a][b] as u8 as f64;
    let u: f64 = (0..pattern.len())
        .flat_map(|a| (0..t).map(move |b| (a, b)))
        .map(|(a, b)| x(a, b))
        .sum();
    let w: f64 = (0..t)
        .map(|b| (0..pattern.len()).map(|a| x(a, b)).sum::<f64>().powi(2))
        .sum();
    let v: f64 = (0..pattern.len())
        .map(|a| (0..t).map(|b| x(a, b)).sum::<f64>().powi(2))
        .sum();
    let t = t as f64;
    let (sigma2, tau2) = ((1.0 - icc) / m, icc);
    i * sigma2 * (sigma2 + t * tau2)
        / ((i * u - w) * sigma2 + (u * u + i * t * u - t * w - i * v) * tau2)
}

/// The treatment pattern of a stepped wedge: `periods` = steps + 1 (a
/// baseline period first); cluster i crosses over at step `step[i]` (1-based;
/// `None`: never).
pub fn pattern(step: &[Option<usize>], steps: usize) -> Vec<Vec<bool>> {
    step.iter()
        .map(|s| (0..=steps).map(|t| s.is_some_and(|s| t >= s)).collect())
        .collect()
}

/// Power of the two-sided level-`alpha` test of an effect `effect` (in SD)
/// with variance `variance`: Φ(|θ|/√V − z_{1−α/2}) (the normal approximation
/// Hussey & Hughes use).
pub fn power(variance: f64, effect: f64, alpha: f64) -> f64 {
    let z = Normal::standard();
    z.cdf(effect.abs() / variance.sqrt() - z.inverse_cdf(1.0 - alpha / 2.0))
}

/// The smallest effect (in SD) detected with probability `power`: (z_{1−α/2} + z_power) √V.
pub fn minimum_detectable(variance: f64, alpha: f64, power: f64) -> f64 {
    let z = Normal::standard();
    (z.inverse_cdf(1.0 - alpha / 2.0) + z.inverse_cdf(power)) * variance.sqrt()
}
