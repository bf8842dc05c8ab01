//! The one-factor model fitted by maximum likelihood, for McDonald's omega.
//!
//! Hand-written rather than taken from a crate: no maintained Rust crate fits
//! factor models, and one factor needs only the classic alternating solution.
//! For fixed uniquenesses Ψ the ML loadings are λ = Ψ^½ v √(e − 1), with (e, v)
//! the largest eigenpair of Ψ^-½ S Ψ^-½; then Ψ = diag(S − λλ'). Iterate to a
//! fixed point (Jöreskog, 1967; Lawley & Maxwell, 1971, ch. 2). Uniquenesses
//! are kept at or above 0.5 % of the item variance (a Heywood case is reported).

use nalgebra::{DMatrix, DVector, SymmetricEigen};

/// Loadings and residual variances of a one-factor model of a covariance matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct OneFactor {
    pub loadings: Vec<f64>,
    pub uniquenesses: Vec<f64>,
    /// True when a uniqueness hit its lower bound.
    pub heywood: bool,
    pub iterations: usize,
}

impl OneFactor {
    /// McDonald's omega total: (Σλ)² / ((Σλ)² + Σθ).
    pub fn omega(&self) -> f64 {
        let l: f64 = self.loadings.iter().sum();
        let t: f64 = self.uniquenesses.iter().sum();
        l * l / (l * l + t)
    }
}

const MAX_ITERATIONS: usize = 10_000;
const TOLERANCE: f64 = 1e-10;
const MIN_UNIQUENESS_SHARE: f64 = 0.005;

/// Fits one factor to the covariance matrix `s` (row-major, k × k, k ≥ 3).
/// `None` when the matrix is not positive definite or an item has no variance.
pub fn one_factor_ml(s: &[f64], k: usize) -> Option<OneFactor> {
    assert_eq!(s.len(), k * k, "a k × k matrix");
    if k < 3 {
        return None;
    }
    let s = DMatrix::from_row_slice(k, k, s);
    let diag: Vec<f64> = (0..k).map(|i| s[(i, i)]).collect();
    if diag.iter().any(|v| v.is_nan() || *v <= 0.0) {
        return None;
    }
    let inverse = s.clone().try_inverse()?;
    // Start from the squared multiple correlations: Ψ_i = 1 / (S^-1)_ii.
    let mut psi: Vec<f64> = (0..k)
        .map(|i| (1.0 / inverse[(i, i)]).clamp(MIN_UNIQUENESS_SHARE * diag[i], diag[i]))
        .collect();
    let mut loadings = vec![0.0; k];
    let mut heywood = false;
    for iteration in 1..=MAX_ITERATIONS {
        let root: DVector<f64> = DVector::from_iterator(k, psi.iter().map(|p| p.sqrt()));
        let scaled = DMatrix::from_fn(k, k, |i, j| s[(i, j)] / (root[i] * root[j]));
        let eigen = SymmetricEigen::new(scaled);
        let top = eigen.eigenvalues.imax();
        let e = eigen.eigenvalues[top];
        let v = eigen.eigenvectors.column(top);
        let sign = if v.sum() < 0.0 { -1.0 } else { 1.0 };
        let scale = (e - 1.0).max(0.0).sqrt();
        for i in 0..k {
            loadings[i] = sign * root[i] * v[i] * scale;
        }
        let mut change: f64 = 0.0;
        heywood = false;
        for i in 0..k {
            let floor = MIN_UNIQUENESS_SHARE * diag[i];
            let mut next = diag[i] - loadings[i] * loadings[i];
            if next < floor {
                next = floor;
                heywood = true;
            }
            change = change.max((next - psi[i]).abs() / diag[i]);
            psi[i] = next;
        }
        if change < TOLERANCE {
            return Some(OneFactor {
                loadings,
                uniquenesses: psi,
                heywood,
                iterations: iteration,
            });
        }
    }
    Some(OneFactor {
        loadings,
        uniquenesses: psi,
        heywood,
        iterations: MAX_ITERATIONS,
    })
}
