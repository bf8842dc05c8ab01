//! Modification indices for cross-loadings: for every loading the model
//! fixes at zero (item i on a factor other than its own), the score
//! (Lagrange multiplier) test of freeing it, and the expected change of the
//! parameter if it were freed — lavaan's `modindices(fit, op = "=~")` with
//! the expected information.
//!
//! At the estimate the score of every free parameter is zero; for a fixed
//! one it is s = −(N/2)·∂F/∂λ. With the unit information I of the free
//! parameters θ and the candidate j, MI = s² / (N·(I_jj − I_jθ I_θθ⁻¹ I_θj)),
//! χ² with one degree of freedom, and EPC = s / (N·(I_jj − I_jθ I_θθ⁻¹ I_θj)).

use nalgebra::DVector;

use super::measures::upper_tail;
use super::ml::{Derivatives, Estimate, Moments};

/// One cross-loading the model leaves out.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrossLoading {
    pub item: usize,
    pub factor: usize,
    /// The score test statistic (χ², 1 df).
    pub mi: f64,
    pub p: f64,
    /// The loading's expected value were it freed.
    pub epc: f64,
}

/// The cross-loadings of a one-group fit; empty for several groups.
pub fn cross_loadings(estimate: &Estimate, data: &[Moments]) -> Vec<CrossLoading> {
    if estimate.spec.groups != 1 || data.len() != 1 {
        return Vec::new();
    }
    let (entries, _) = estimate.spec.entries();
    let d = Derivatives::new(estimate, 0, &entries);
    let m = &estimate.groups[0];
    let sample = &data[0];
    let n = sample.n;
    let q = d.parts.len();
    let Some(inverse) = d.information_matrix().try_inverse() else {
        return Vec::new();
    };
    // ∂F/∂Σ contracted with a derivative c·(xy' + yx'): 2c·x'Wy, W = P(Σ − S)P;
    // the mean part: −2d·(m − μ)'P z.
    let sigma = m.sigma();
    let w = &d.pinv * (&sigma - &sample.cov) * &d.pinv;
    let residual_mean: DVector<f64> = &sample.mean - m.mu();
    let pr = &d.pinv * &residual_mean;
    let w_lphi = &w * &d.lphi;
    let of = estimate.spec.structure.factor_of();
    let mut out = Vec::new();
    for i in 0..m.lambda.nrows() {
        for f in 0..m.lambda.ncols() {
            if f == of[i] {
                continue;
            }
            let part = d.loading(i, f, m.alpha[f]);
            // x = e_i, y = (ΛΦ)_f: x'Wy = (WΛΦ)_if; the mean part
            // d = α_f, z = e_i: (m − μ)'P e_i.
            let gradient = 2.0 * w_lphi[(i, f)] - 2.0 * m.alpha[f] * pr[i];
            let cross = DVector::from_fn(q, |a, _| d.information(part, d.parts[a]));
            let own = d.information(part, part);
            let conditional = own - (cross.transpose() * &inverse * &cross)[(0, 0)];
            if conditional <= 0.0 {
                continue;
            }
            let score = -0.5 * n * gradient;
            let mi = score * score / (n * conditional);
            out.push(CrossLoading {
                item: i,
                factor: f,
                mi,
                p: upper_tail(mi, 1.0),
                epc: score / (n * conditional),
            });
        }
    }
    out
}
