//! Least squares with cluster-robust inference for regressions whose
//! regressors are constant within cells (unit × wave), solved in cell space.
//!
//! A respondent-level regression y_i = x_c'β + e_i, where every regressor is
//! constant within the respondent's cell c, has the same OLS estimate as the
//! regression of the cell means on x_c weighted by the cell sizes n_c, and
//! its cluster-robust variances depend on the data only through the cell
//! means, sizes and residuals: X_g'e_g = Σ_c n_c x_c r_c with r_c the cell
//! mean residual. CR2 is also exact in cell space: with N_g the cell sizes of
//! cluster g, Z_g its cell rows and S_g = N_g^½ Z_g B Z_g' N_g^½, the
//! adjustment (I − H_gg)^-½ acts on the cell totals as N_g^½ (I − S_g)^-½ N_g^-½
//! (derivation in ARCHITECTURE.md). So nothing here grows with respondents.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use super::distributions::t_quantile;
use super::welch::two_sided_t_p;

/// Cell-level data of a respondent-level regression.
#[derive(Debug, Clone)]
pub struct CellRegression {
    /// Regressors, one row per cell (C × K).
    pub x: DMatrix<f64>,
    /// Respondents per cell.
    pub n: Vec<f64>,
    /// Mean of y per cell.
    pub mean: Vec<f64>,
    /// Within-cell sum of squares of y per cell.
    pub ss: Vec<f64>,
    /// Cluster (unit) of each cell, 0..clusters.
    pub cluster: Vec<usize>,
    pub clusters: usize,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FitError {
    #[error("the regressors are collinear (X'X is singular)")]
    Singular,
    #[error("fewer respondents ({0}) than parameters ({1})")]
    TooFewRespondents(f64, usize),
}

/// An OLS fit in cell space.
#[derive(Debug, Clone)]
pub struct Fit {
    pub beta: DVector<f64>,
    /// (X'X)^-1 at the respondent level.
    pub bread: DMatrix<f64>,
    /// Cell mean residuals ȳ_c − x_c'β.
    pub residual: Vec<f64>,
    /// Respondents.
    pub n: f64,
    /// Residual sum of squares at the respondent level.
    pub rss: f64,
    members: Vec<Vec<usize>>,
}

/// A coefficient (or contrast) with a standard error and its t reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inference {
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub t: f64,
    pub p: f64,
    pub ci95: [f64; 2],
}

impl Inference {
    fn new(estimate: f64, se: f64, df: f64) -> Inference {
        let t = estimate / se;
        let half = t_quantile(0.975, df) * se;
        Inference {
            estimate,
            se,
            df,
            t,
            p: two_sided_t_p(t, df),
            ci95: [estimate - half, estimate + half],
        }
    }
}

impl CellRegression {
    pub fn k(&self) -> usize {
        self.x.ncols()
    }

    /// X'WX and X'Wȳ with W = diag(n).
    fn normal_equations(&self) -> (DMatrix<f64>, DVector<f64>) {
        let k = self.k();
        let mut xtx = DMatrix::zeros(k, k);
        let mut xty = DVector::zeros(k);
        for c in 0..self.x.nrows() {
            let row = self.x.row(c).transpose();
            xtx += self.n[c] * &row * row.transpose();
            xty += self.n[c] * self.mean[c] * &row;
        }
        (xtx, xty)
    }

    pub fn fit(&self) -> Result<Fit, FitError> {
        let n: f64 = self.n.iter().sum();
        if n <= self.k() as f64 {
            return Err(FitError::TooFewRespondents(n, self.k()));
        }
        let (xtx, xty) = self.normal_equations();
        let bread = invert_symmetric(&xtx).ok_or(FitError::Singular)?;
        let beta = &bread * xty;
        let fitted = &self.x * &beta;
        let residual: Vec<f64> = (0..self.x.nrows())
            .map(|c| self.mean[c] - fitted[c])
            .collect();
        let rss = (0..residual.len())
            .map(|c| self.ss[c] + self.n[c] * residual[c] * residual[c])
            .sum();
        let mut members = vec![Vec::new(); self.clusters];
        for (c, &g) in self.cluster.iter().enumerate() {
            members[g].push(c);
        }
        Ok(Fit {
            beta,
            bread,
            residual,
            n,
            rss,
            members,
        })
    }

    /// The same data without regressor `column`.
    pub fn without(&self, column: usize) -> CellRegression {
        CellRegression {
            x: self.x.clone().remove_column(column),
            ..self.clone()
        }
    }

    /// X_g'e_g for every cluster: Σ_{c∈g} n_c r_c x_c.
    pub fn scores(&self, fit: &Fit) -> Vec<DVector<f64>> {
        fit.members
            .iter()
            .map(|cells| {
                let mut s = DVector::zeros(self.k());
                for &c in cells {
                    s += self.n[c] * fit.residual[c] * self.x.row(c).transpose();
                }
                s
            })
            .collect()
    }

    /// The classical i.i.d. standard error: σ² = RSS / (N − K), V = σ² B; t with N − K df.
    pub fn iid(&self, fit: &Fit, contrast: &DVector<f64>) -> Inference {
        let df = fit.n - self.k() as f64;
        let variance = fit.rss / df * (contrast.transpose() * &fit.bread * contrast)[(0, 0)];
        Inference::new(contrast.dot(&fit.beta), variance.sqrt(), df)
    }

    /// R² at the respondent level.
    pub fn r_squared(&self, fit: &Fit) -> f64 {
        let grand = (0..self.n.len())
            .map(|c| self.n[c] * self.mean[c])
            .sum::<f64>()
            / fit.n;
        let total: f64 = (0..self.n.len())
            .map(|c| self.ss[c] + self.n[c] * (self.mean[c] - grand).powi(2))
            .sum();
        1.0 - fit.rss / total
    }

    /// CR1 for contrast `c`: V = c · B (Σ_g s_g s_g') B with the small-sample
    /// factor G/(G−1) · (N−1)/(N−K); t with G − 1 degrees of freedom.
    /// `k_adjust` is the K of that factor (see [`cr1_factor`]).
    pub fn cr1(&self, fit: &Fit, contrast: &DVector<f64>, k_adjust: usize) -> Inference {
        let f = &fit.bread * contrast;
        let factor = cr1_factor(self.clusters, fit.n, k_adjust);
        let v: f64 = self
            .scores(fit)
            .iter()
            .map(|s| f.dot(s).powi(2))
            .sum::<f64>()
            * factor;
        Inference::new(
            contrast.dot(&fit.beta),
            v.sqrt(),
            (self.clusters - 1) as f64,
        )
    }

    /// The CR2 adjustment of every cluster: R_g = N^½ (I − S_g)^-½ N^-½, with
    /// the pseudo-inverse root where I − S_g is singular (as with unit effects).
    fn cr2_adjustments(&self, fit: &Fit) -> Vec<DMatrix<f64>> {
        fit.members
            .iter()
            .map(|cells| {
                let m = cells.len();
                let z = DMatrix::from_fn(m, self.k(), |i, j| self.x[(cells[i], j)]);
                let root: Vec<f64> = cells.iter().map(|&c| self.n[c].sqrt()).collect();
                let h = &z * &fit.bread * z.transpose();
                let i_minus_s = DMatrix::from_fn(m, m, |i, j| {
                    let s = root[i] * h[(i, j)] * root[j];
                    if i == j { 1.0 - s } else { -s }
                });
                let inv_root = inverse_square_root(i_minus_s);
                DMatrix::from_fn(m, m, |i, j| root[i] * inv_root[(i, j)] / root[j])
            })
            .collect()
    }

    /// The CR2 variance matrix: Σ_g u_g u_g' with u_g = B Z_g' R_g (n ∘ r)_g.
    pub fn cr2_vcov(&self, fit: &Fit) -> DMatrix<f64> {
        let k = self.k();
        let mut v = DMatrix::zeros(k, k);
        for (cells, r) in fit.members.iter().zip(self.cr2_adjustments(fit)) {
            let totals = DVector::from_iterator(
                cells.len(),
                cells.iter().map(|&c| self.n[c] * fit.residual[c]),
            );
            let adjusted = r * totals;
            let mut s = DVector::zeros(k);
            for (i, &c) in cells.iter().enumerate() {
                s += adjusted[i] * self.x.row(c).transpose();
            }
            let u = &fit.bread * s;
            v += &u * u.transpose();
        }
        v
    }

    /// CR2 for contrast `c` with Bell–McCaffrey degrees of freedom
    /// ν = tr(M)² / tr(M²), M_st = a_s'(I − H)_st a_t.
    pub fn cr2(&self, fit: &Fit, contrast: &DVector<f64>) -> Inference {
        let k = self.k();
        let adjustments = self.cr2_adjustments(fit);
        let bc = &fit.bread * contrast;
        let mut variance = 0.0;
        let mut own = Vec::with_capacity(self.clusters);
        let mut p = DMatrix::zeros(k, self.clusters);
        for (g, (cells, r)) in fit.members.iter().zip(&adjustments).enumerate() {
            // a_g = U_g α_g with α_g = R_g' z_g, z_g = Z_g B c.
            let z = DVector::from_iterator(
                cells.len(),
                cells.iter().map(|&c| self.x.row(c).transpose().dot(&bc)),
            );
            let alpha = r.transpose() * z;
            let mut a_e = 0.0;
            let mut a_a = 0.0;
            let mut pg = DVector::zeros(k);
            for (i, &c) in cells.iter().enumerate() {
                a_e += alpha[i] * self.n[c] * fit.residual[c];
                a_a += alpha[i] * alpha[i] * self.n[c];
                pg += alpha[i] * self.n[c] * self.x.row(c).transpose();
            }
            variance += a_e * a_e;
            own.push(a_a);
            p.set_column(g, &pg);
        }
        let cross = p.transpose() * &fit.bread * &p;
        let mut m = -cross;
        for (g, a) in own.iter().enumerate() {
            m[(g, g)] += a;
        }
        let trace = m.trace();
        let trace_sq = (&m * &m).trace();
        let df = trace * trace / trace_sq;
        Inference::new(contrast.dot(&fit.beta), variance.sqrt(), df)
    }
}

/// The CR1 small-sample factor G/(G−1) · (N−1)/(N−K).
pub fn cr1_factor(clusters: usize, n: f64, k: usize) -> f64 {
    let g = clusters as f64;
    g / (g - 1.0) * (n - 1.0) / (n - k as f64)
}

/// A Wald test that `contrasts` (q rows) times β are all zero, with variance
/// `vcov`: F = β'C'(C V C')^-1 Cβ / q against F(q, df).
pub fn wald_f(
    beta: &DVector<f64>,
    vcov: &DMatrix<f64>,
    contrasts: &DMatrix<f64>,
    df: f64,
) -> Option<(f64, f64)> {
    use statrs::distribution::{ContinuousCDF, FisherSnedecor};
    let q = contrasts.nrows();
    let cb = contrasts * beta;
    let cvc = contrasts * vcov * contrasts.transpose();
    let inv = invert_symmetric(&cvc)?;
    let f = (cb.transpose() * inv * &cb)[(0, 0)] / q as f64;
    let dist = FisherSnedecor::new(q as f64, df).ok()?;
    Some((f, 1.0 - dist.cdf(f)))
}

fn invert_symmetric(m: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let scale = m
        .diagonal()
        .iter()
        .fold(0.0f64, |a, b| a.max(b.abs()))
        .max(1.0);
    let chol = nalgebra::Cholesky::new(m.clone())?;
    let inv = chol.inverse();
    // Reject near-singular systems that Cholesky still accepts.
    let min_pivot = chol
        .l()
        .diagonal()
        .iter()
        .fold(f64::INFINITY, |a, b| a.min(b.abs()));
    (min_pivot * min_pivot > 1e-12 * scale).then_some(inv)
}

/// The symmetric inverse square root, with zero for (near-)zero eigenvalues.
fn inverse_square_root(m: DMatrix<f64>) -> DMatrix<f64> {
    let eigen = SymmetricEigen::new(m);
    let values = eigen
        .eigenvalues
        .map(|l| if l > 1e-10 { 1.0 / l.sqrt() } else { 0.0 });
    &eigen.eigenvectors * DMatrix::from_diagonal(&values) * eigen.eigenvectors.transpose()
}

#[cfg(test)]
mod tests;
