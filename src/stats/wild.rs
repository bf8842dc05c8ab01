//! The wild cluster restricted (WCR) bootstrap of one coefficient.
//!
//! The null is imposed (the coefficient's column is dropped), the restricted
//! residuals are flipped per cluster by random weights, the full model is
//! refitted and its CR1 t recomputed. Because the model is linear in the
//! weights, every draw is computed from cluster-level quantities: with
//! q_g = X_g'u_g (restricted residuals), f = B e_j and X_g'X_g,
//! δ* = Σ_h v_h f'q_h and the CR1 score of cluster g is
//! v_g f'q_g − Σ_h v_h f'(X_g'X_g) B q_h. A draw costs O(G²), whatever the
//! number of respondents.

use nalgebra::{DMatrix, DVector};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::cluster::{CellRegression, FitError, cr1_factor};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weights {
    /// ±1 with equal probability: 2^G distinct draws.
    Rademacher,
    /// Webb's six points ±√(3/2), ±1, ±√(1/2): for few clusters.
    Webb,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WildBootstrap {
    pub p: f64,
    /// The observed CR1 t statistic.
    pub t: f64,
    pub draws: usize,
    /// All 2^G Rademacher draws were used instead of random ones.
    pub enumerated: bool,
    pub weights: Weights,
}

impl Weights {
    /// One weight.
    pub fn draw(self, rng: &mut impl rand::Rng) -> f64 {
        match self {
            Weights::Rademacher => {
                if rng.random::<bool>() {
                    1.0
                } else {
                    -1.0
                }
            }
            Weights::Webb => WEBB[rng.random_range(0..6)],
        }
    }
}

const WEBB: [f64; 6] = [
    -1.224_744_871_391_589,
    -1.0,
    -std::f64::consts::FRAC_1_SQRT_2,
    std::f64::consts::FRAC_1_SQRT_2,
    1.0,
    1.224_744_871_391_589,
];

/// Tests coefficient `column` of `reg` = 0. `k_adjust` is the K of the CR1
/// factor. With Rademacher weights and 2^G ≤ `reps`, all draws are enumerated.
pub fn wild_cluster_restricted(
    reg: &CellRegression,
    column: usize,
    k_adjust: usize,
    weights: Weights,
    reps: usize,
    seed: u64,
) -> Result<WildBootstrap, FitError> {
    let full = reg.fit()?;
    let mut e = DVector::zeros(reg.k());
    e[column] = 1.0;
    let t = reg.cr1(&full, &e, k_adjust).t;
    let restricted = reg.without(column).fit()?;

    let g = reg.clusters;
    let k = reg.k();
    let f = &full.bread * &e;
    let mut q = vec![DVector::zeros(k); g];
    let mut xtx = vec![DMatrix::zeros(k, k); g];
    for c in 0..reg.x.nrows() {
        let row = reg.x.row(c).transpose();
        let cl = reg.cluster[c];
        q[cl] += reg.n[c] * restricted.residual[c] * &row;
        xtx[cl] += reg.n[c] * &row * row.transpose();
    }
    let alpha: Vec<f64> = q.iter().map(|q| f.dot(q)).collect();
    let b: Vec<DVector<f64>> = q.iter().map(|q| &full.bread * q).collect();
    let gamma = DMatrix::from_fn(g, g, |a, h| (&xtx[a] * &f).dot(&b[h]));
    let factor = cr1_factor(g, full.n, k_adjust);

    let statistic = |v: &[f64]| -> f64 {
        let delta: f64 = alpha.iter().zip(v).map(|(a, v)| a * v).sum();
        let mut meat = 0.0;
        for a in 0..g {
            let mut s = v[a] * alpha[a];
            for (h, vh) in v.iter().enumerate() {
                s -= vh * gamma[(a, h)];
            }
            meat += s * s;
        }
        delta / (factor * meat).sqrt()
    };
    let threshold = t.abs() * (1.0 - 1e-10);
    let mut v = vec![0.0; g];
    let (mut extreme, mut draws) = (0usize, 0usize);
    let enumerated =
        weights == Weights::Rademacher && g < usize::BITS as usize - 1 && (1usize << g) <= reps;
    if enumerated {
        for bits in 0..(1usize << g) {
            for (i, w) in v.iter_mut().enumerate() {
                *w = if bits >> i & 1 == 1 { -1.0 } else { 1.0 };
            }
            extreme += (statistic(&v).abs() >= threshold) as usize;
            draws += 1;
        }
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..reps {
            v.iter_mut().for_each(|w| *w = weights.draw(&mut rng));
            extreme += (statistic(&v).abs() >= threshold) as usize;
            draws += 1;
        }
    }
    Ok(WildBootstrap {
        p: extreme as f64 / draws as f64,
        t,
        draws,
        enumerated,
        weights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // 8 units × 3 waves, 2–5 respondents per cell, pilot units 0, 3 and 5
    // treated in wave 2: tests/reference/effect_reference.py.
    #[allow(clippy::approx_constant)] // measurements such as 3.14, not π
    const ROWS: [(usize, usize, f64); 84] = [
        (0, 0, 2.33),
        (0, 0, 3.35),
        (0, 1, 4.73),
        (0, 1, 3.44),
        (0, 1, 3.47),
        (0, 1, 2.06),
        (0, 1, 2.69),
        (0, 2, 3.74),
        (0, 2, 3.85),
        (0, 2, 4.95),
        (0, 2, 1.96),
        (1, 0, 2.96),
        (1, 0, 2.15),
        (1, 0, 2.99),
        (1, 0, 1.3),
        (1, 0, 4.2),
        (1, 1, 3.07),
        (1, 1, 3.42),
        (1, 1, 2.17),
        (1, 1, 2.78),
        (1, 2, 4.4),
        (1, 2, 2.26),
        (1, 2, 2.12),
        (2, 0, 2.21),
        (2, 0, 3.32),
        (2, 0, 2.97),
        (2, 0, 3.07),
        (2, 1, 2.39),
        (2, 1, 1.61),
        (2, 1, 2.29),
        (2, 2, 2.25),
        (2, 2, 2.36),
        (3, 0, 2.71),
        (3, 0, 3.4),
        (3, 0, 3.87),
        (3, 1, 3.96),
        (3, 1, 2.75),
        (3, 2, 4.81),
        (3, 2, 4.46),
        (3, 2, 4.5),
        (3, 2, 3.86),
        (3, 2, 3.25),
        (4, 0, 2.78),
        (4, 0, 3.82),
        (4, 1, 3.47),
        (4, 1, 2.99),
        (4, 1, 2.51),
        (4, 1, 2.72),
        (4, 1, 4.03),
        (4, 2, 3.81),
        (4, 2, 3.71),
        (4, 2, 3.08),
        (4, 2, 2.52),
        (5, 0, 4.64),
        (5, 0, 3.58),
        (5, 0, 3.14),
        (5, 0, 3.51),
        (5, 0, 3.18),
        (5, 1, 3.59),
        (5, 1, 3.9),
        (5, 1, 1.85),
        (5, 1, 1.93),
        (5, 2, 4.77),
        (5, 2, 3.23),
        (5, 2, 2.86),
        (6, 0, 5.7),
        (6, 0, 2.89),
        (6, 0, 3.77),
        (6, 0, 4.04),
        (6, 1, 2.86),
        (6, 1, 2.89),
        (6, 1, 2.58),
        (6, 2, 2.62),
        (6, 2, 3.73),
        (7, 0, 1.79),
        (7, 0, 3.54),
        (7, 0, 3.7),
        (7, 1, 4.33),
        (7, 1, 3.51),
        (7, 2, 3.14),
        (7, 2, 4.66),
        (7, 2, 3.24),
        (7, 2, 4.59),
        (7, 2, 2.92),
    ];

    /// Cells of ROWS with unit dummies, wave dummies for waves 1 and 2, and D.
    fn regression() -> CellRegression {
        let pilot = [0, 3, 5];
        let mut x = Vec::new();
        let (mut n, mut mean, mut ss, mut cluster) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for g in 0..8 {
            for t in 0..3 {
                let ys: Vec<f64> = ROWS
                    .iter()
                    .filter(|r| r.0 == g && r.1 == t)
                    .map(|r| r.2)
                    .collect();
                let m = ys.iter().sum::<f64>() / ys.len() as f64;
                let mut row = vec![0.0; 11];
                row[g] = 1.0;
                if t > 0 {
                    row[7 + t] = 1.0;
                }
                row[10] = (pilot.contains(&g) && t == 2) as u8 as f64;
                x.extend(row);
                n.push(ys.len() as f64);
                mean.push(m);
                ss.push(ys.iter().map(|y| (y - m).powi(2)).sum());
                cluster.push(g);
            }
        }
        CellRegression {
            x: DMatrix::from_row_slice(24, 11, &x),
            n,
            mean,
            ss,
            cluster,
            clusters: 8,
        }
    }

    #[test]
    fn the_estimate_and_cr1_match_statsmodels() {
        let reg = regression();
        let fit = reg.fit().unwrap();
        let mut c = DVector::zeros(11);
        c[10] = 1.0;
        // statsmodels OLS, cov_type="cluster" (K = all 11 columns).
        let cr1 = reg.cr1(&fit, &c, 11);
        assert!((cr1.estimate - 0.512_295_545_8).abs() < 1e-9);
        assert!((cr1.se - 0.187_447_585_8).abs() < 1e-9);
    }

    #[test]
    fn rademacher_enumeration_matches_wildboottest() {
        // wildboottest 0.3, B = 99999 → full enumeration of 2^8 draws: p = 4/256.
        let r =
            wild_cluster_restricted(&regression(), 10, 11, Weights::Rademacher, 99_999, 1).unwrap();
        assert!(r.enumerated);
        assert_eq!(r.draws, 256);
        assert!((r.t - 2.733_006_901_868).abs() < 1e-9);
        assert_eq!(r.p, 0.015_625);
    }

    #[test]
    fn webb_weights_agree_with_wildboottest_within_simulation_error() {
        // wildboottest 0.3, Webb, B = 99999: p = 0.01093. Both are Monte Carlo
        // estimates; their difference has SD below 0.0005.
        let r = wild_cluster_restricted(&regression(), 10, 11, Weights::Webb, 99_999, 7).unwrap();
        assert!(!r.enumerated);
        assert!((r.p - 0.010_930).abs() < 0.002, "{}", r.p);
    }

    #[test]
    fn the_small_sample_factor_does_not_change_the_bootstrap_p() {
        let a =
            wild_cluster_restricted(&regression(), 10, 11, Weights::Rademacher, 99_999, 1).unwrap();
        let b =
            wild_cluster_restricted(&regression(), 10, 3, Weights::Rademacher, 99_999, 1).unwrap();
        assert_eq!(a.p, b.p);
    }
}
