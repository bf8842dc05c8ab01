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

const WEBB: [f64; 6] = [
    -1.224_744_871_391_589,
    -1.0,
    -0.707_106_781_186_547_6,
    0.707_106_781_186_547_6,
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
            for w in v.iter_mut() {
                *w = match weights {
                    Weights::Rademacher => {
                        if rng.random::<bool>() {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                    Weights::Webb => WEBB[rng.random_range(0..6)],
                };
            }
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
