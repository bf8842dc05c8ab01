//! Inference with the unit as the cluster: standard errors from the unit sums
//! of the influence function, and the multiplier bootstrap by unit for
//! uniform bands (as `did`'s `mboot`, with a per-unit weight).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

use super::super::wild::Weights;
use super::{Influence, Panel};

/// The standard errors of one estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cluster {
    /// Clustered by unit with the small-sample factor G/(G − 1):
    /// √(G/(G − 1) · Σ_u S_u²) / n, S_u the unit's sum of the influence function.
    pub se: f64,
    /// `did`'s clustered standard error, without the factor.
    pub se_asymptotic: f64,
    /// Treating respondents as independent: √(Σψ²) / n (for comparison only).
    pub se_respondents: f64,
    /// Units with respondents (G).
    pub clusters: usize,
}

impl Cluster {
    pub fn of(panel: &Panel, influence: &Influence) -> Cluster {
        let n = panel.n();
        let g = panel.clusters();
        let s: f64 = influence.unit_sums(panel).iter().map(|s| s * s).sum();
        let factor = if g > 1 {
            g as f64 / (g - 1) as f64
        } else {
            f64::NAN
        };
        Cluster {
            se: (factor * s).sqrt() / n,
            se_asymptotic: s.sqrt() / n,
            se_respondents: influence.sum_of_squares(panel).sqrt() / n,
            clusters: g,
        }
    }
}

/// The multiplier bootstrap of several estimates at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    /// Per estimate the bootstrap standard error (interquartile range of the
    /// draws over that of the normal), `None` where the draws do not vary.
    pub se: Vec<Option<f64>>,
    /// The critical value of the uniform band: the (1 − α) quantile of the
    /// largest |draw / se| over the estimates. `None` when no estimate varies.
    pub critical: Option<f64>,
    pub draws: usize,
    /// All 2^G Rademacher sign patterns were used instead of random draws.
    pub enumerated: bool,
    pub seed: u64,
    pub weights: Weights,
}

/// Draws δ*_j = √(G/(G − 1)) Σ_u v_u S_uj / n with one weight v_u per unit,
/// `reps` times (with Rademacher weights and 2^G ≤ `reps`, every sign pattern
/// once); `level` is the band's coverage (0.95).
pub fn multiplier_band(
    panel: &Panel,
    influences: &[&Influence],
    weights: Weights,
    reps: usize,
    seed: u64,
    level: f64,
) -> Band {
    let n = panel.n();
    let g = panel.clusters();
    let factor = (g as f64 / (g.max(2) - 1) as f64).sqrt() / n;
    // Only units with respondents have a weight: the others' sums are zero.
    let mut present = vec![false; panel.cohort.len()];
    panel.cells.iter().for_each(|c| present[c.unit] = true);
    let sums: Vec<Vec<f64>> = influences
        .iter()
        .map(|i| {
            let s = i.unit_sums(panel);
            s.into_iter()
                .zip(&present)
                .filter(|(_, p)| **p)
                .map(|(s, _)| s)
                .collect()
        })
        .collect();
    let enumerated = weights == Weights::Rademacher && g < 40 && (1usize << g) <= reps;
    let reps = if enumerated { 1usize << g } else { reps };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut v = vec![0.0; g];
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(reps); influences.len()];
    for b in 0..reps {
        if enumerated {
            for (i, w) in v.iter_mut().enumerate() {
                *w = if b >> (g - 1 - i) & 1 == 1 { 1.0 } else { -1.0 };
            }
        } else {
            v.iter_mut().for_each(|w| *w = weights.draw(&mut rng));
        }
        for (j, s) in sums.iter().enumerate() {
            draws[j].push(factor * s.iter().zip(&v).map(|(s, v)| s * v).sum::<f64>());
        }
    }
    let normal = Normal::standard();
    let iqr_normal = normal.inverse_cdf(0.75) - normal.inverse_cdf(0.25);
    let se: Vec<Option<f64>> = draws
        .iter()
        .map(|d| {
            let mut sorted = d.clone();
            sorted.sort_by(f64::total_cmp);
            let sigma = (quantile(&sorted, 0.75) - quantile(&sorted, 0.25)) / iqr_normal;
            (sigma.is_finite() && sigma > 0.0).then_some(sigma)
        })
        .collect();
    let mut largest: Vec<f64> = (0..reps)
        .map(|b| {
            draws
                .iter()
                .zip(&se)
                .filter_map(|(d, s)| s.map(|s| (d[b] / s).abs()))
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .filter(|x| x.is_finite())
        .collect();
    largest.sort_by(f64::total_cmp);
    Band {
        critical: (!largest.is_empty()).then(|| quantile(&largest, level)),
        se,
        draws: reps,
        enumerated,
        seed,
        weights,
    }
}

/// The p quantile of sorted values, `inverted_cdf` (type 1): the smallest
/// value whose empirical distribution reaches p.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let k = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}
