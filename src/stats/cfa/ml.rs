//! Maximum-likelihood estimation on each group's means and covariances.
//!
//! The discrepancy is lavaan's for `estimator = "ML"` with the normal
//! likelihood (covariances divided by N): per group
//! F_g = ln|Σ| + tr(SΣ⁻¹) + (m − μ)'Σ⁻¹(m − μ) − ln|S| − p, and over groups
//! F = Σ (N_g/N) F_g, so that χ² = N·F. Σ = ΛΦΛ' + Θ and μ = ν + Λα.
//!
//! It is minimised by L-BFGS (argmin) with the analytic gradient, then, when
//! the model is small enough for its information matrix, polished by Fisher
//! scoring, whose expected information also gives the standard errors
//! (lavaan's default `information = "expected"`).

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::{Cholesky, DMatrix, DVector};

use super::model::{Entry, Local, Spec};

/// One group's sample: its size, means and covariances (divided by N).
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    pub n: f64,
    pub mean: DVector<f64>,
    pub cov: DMatrix<f64>,
}

/// One group's model matrices.
#[derive(Debug, Clone)]
pub struct Matrices {
    pub lambda: DMatrix<f64>,
    pub phi: DMatrix<f64>,
    pub theta: DVector<f64>,
    pub nu: DVector<f64>,
    pub alpha: DVector<f64>,
}

impl Matrices {
    pub fn sigma(&self) -> DMatrix<f64> {
        let mut s = &self.lambda * &self.phi * self.lambda.transpose();
        for i in 0..s.nrows() {
            s[(i, i)] += self.theta[i];
        }
        s
    }

    pub fn mu(&self) -> DVector<f64> {
        &self.nu + &self.lambda * &self.alpha
    }
}

/// Why a model could not be fitted at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("{0}")]
    Structure(String),
    #[error("group {group}: {n} complete cases are too few for {items} items")]
    TooFewCases { group: usize, n: f64, items: usize },
    #[error(
        "group {group}: the items' covariance matrix is not positive definite (an item is constant, or some items are linear combinations of others)"
    )]
    SampleNotPositiveDefinite { group: usize },
    #[error("the optimiser stopped: {0}")]
    Optimiser(String),
}

/// A fitted model.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub spec: Spec,
    pub entries: Vec<Entry>,
    pub x: Vec<f64>,
    /// F = Σ (N_g/N) F_g at the estimate.
    pub f: f64,
    pub n: f64,
    pub iterations: u64,
    /// The gradient's largest absolute element at the end, and whether it
    /// is small enough to call the fit converged.
    pub gradient: f64,
    pub converged: bool,
    pub groups: Vec<Matrices>,
}

impl Estimate {
    pub fn chisq(&self) -> f64 {
        self.n * self.f
    }

    pub fn df(&self) -> i64 {
        self.spec.df()
    }

    /// The value of a group's parameter (free or fixed).
    pub fn value(&self, group: usize, local: Local) -> f64 {
        let m = &self.groups[group];
        let of = self.spec.structure.factor_of();
        match local {
            Local::Loading(i) => m.lambda[(i, of[i])],
            Local::Residual(i) => m.theta[i],
            Local::FactorCov(f, h) => m.phi[(f, h)],
            Local::Intercept(i) => m.nu[i],
            Local::FactorMean(f) => m.alpha[f],
        }
    }
}

/// Models with more free parameters are not polished by Fisher scoring
/// (its information matrix grows with the square of the parameters).
const MAX_POLISHED: usize = 1600;
/// lavaan checks its solution at 1e-3 (`optim.dx.tol`); this is far stricter.
const GRADIENT_TOLERANCE: f64 = 1e-6;
/// L-BFGS iterations before a fit is given up as not converging. Fits that
/// converge take a few hundred (40 items, up to 8 groups); one that has not
/// by then sits on the boundary (a variance going to zero in a small group)
/// and more iterations only cost time.
const MAX_ITERATIONS: u64 = 3_000;
const CHI_SQUARE_TOLERANCE: f64 = 1e-5;

/// Fits `spec` to the groups' moments, starting from `start` where it has
/// the same parameters (a warm start from a neighbouring model).
pub fn fit(spec: &Spec, data: &[Moments], start: Option<&Estimate>) -> Result<Estimate, FitError> {
    fit_to(spec, data, start, Precision::Estimates)
}

/// How close to the optimum a fit must come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Parameters and standard errors to many digits: L-BFGS, then Fisher
    /// scoring where the model is small enough.
    Estimates,
    /// The χ² only, for comparing neighbouring models: L-BFGS alone (the
    /// error in F is quadratic in the parameters' error).
    ChiSquare,
}

pub fn fit_to(
    spec: &Spec,
    data: &[Moments],
    start: Option<&Estimate>,
    precision: Precision,
) -> Result<Estimate, FitError> {
    spec.structure.check().map_err(FitError::Structure)?;
    assert_eq!(data.len(), spec.groups, "one sample per group");
    let p = spec.structure.items;
    let mut log_det_s = Vec::with_capacity(data.len());
    for (g, d) in data.iter().enumerate() {
        if d.n < (p + 1) as f64 {
            return Err(FitError::TooFewCases {
                group: g,
                n: d.n,
                items: p,
            });
        }
        let chol =
            Cholesky::new(d.cov.clone()).ok_or(FitError::SampleNotPositiveDefinite { group: g })?;
        log_det_s.push(2.0 * chol.l().diagonal().iter().map(|v| v.ln()).sum::<f64>());
    }
    let (entries, q) = spec.entries();
    let n: f64 = data.iter().map(|d| d.n).sum();
    let problem = Problem {
        spec,
        entries: &entries,
        data,
        log_det_s,
        weights: data.iter().map(|d| d.n / n).collect(),
        of: spec.structure.factor_of(),
    };
    let x0 = match start {
        Some(s) => problem.warm(s),
        None => problem.start(),
    };
    let polish = q <= MAX_POLISHED && precision == Precision::Estimates;
    // Fisher scoring converges fast near the optimum: L-BFGS only brings
    // the estimate there when it will be polished.
    let tolerance = match precision {
        _ if polish => 1e-5,
        Precision::ChiSquare => CHI_SQUARE_TOLERANCE * 1e-1,
        Precision::Estimates => GRADIENT_TOLERANCE * 1e-2,
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 12)
        .with_tolerance_grad(tolerance)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .map_err(|e| FitError::Optimiser(e.to_string()))?;
    let (mut x, mut iterations) = match Executor::new(&problem, solver)
        .configure(|state| state.param(x0.clone()).max_iters(MAX_ITERATIONS))
        .run()
    {
        Ok(result) => {
            let state = result.state();
            let best = state.get_best_param().cloned().unwrap_or(x0);
            (best, state.get_iter())
        }
        // The line search gives up when it can no longer improve; the best
        // point so far is judged by its gradient below.
        Err(_) => (x0, 0),
    };
    if polish {
        for _ in 0..8 {
            let gradient = problem.gradient_of(&x);
            if gradient.is_some_and(|g| g.iter().all(|v| v.abs() < GRADIENT_TOLERANCE * 1e-3)) {
                break;
            }
            let Some(step) = problem.fisher_step(&x) else {
                break;
            };
            let (next, improved) = problem.damped(&x, &step);
            x = next;
            iterations += 1;
            if !improved {
                break;
            }
        }
    }
    let f = problem.cost_of(&x).ok_or_else(|| {
        FitError::Optimiser(
            "the estimate's implied covariance matrix is not positive definite".into(),
        )
    })?;
    let gradient = problem
        .gradient_of(&x)
        .map_or(f64::INFINITY, |g| g.iter().fold(0.0, |m, v| m.max(v.abs())));
    let groups = (0..spec.groups).map(|g| problem.matrices(&x, g)).collect();
    Ok(Estimate {
        spec: spec.clone(),
        entries,
        x,
        f,
        n,
        iterations,
        gradient,
        converged: gradient
            < match precision {
                Precision::Estimates => GRADIENT_TOLERANCE,
                Precision::ChiSquare => CHI_SQUARE_TOLERANCE,
            },
        groups,
    })
}

/// The covariance matrix of the free parameters: (Σ_g N_g I_g)⁻¹ from the
/// expected information; `None` when it is singular.
pub fn vcov(estimate: &Estimate, data: &[Moments]) -> Option<DMatrix<f64>> {
    let (entries, q) = estimate.spec.entries();
    let info = pooled_information(estimate, &entries, q, |g| data[g].n);
    info.try_inverse()
}

/// Σ_g weight(g)·I_g over the free parameters: each group's information
/// added where its entries point.
fn pooled_information(
    estimate: &Estimate,
    entries: &[Entry],
    q: usize,
    weight: impl Fn(usize) -> f64,
) -> DMatrix<f64> {
    let mut info = DMatrix::zeros(q, q);
    for g in 0..estimate.spec.groups {
        let local = information(estimate, g, entries);
        let w = weight(g);
        let idx: Vec<usize> = entries
            .iter()
            .filter(|e| e.group == g)
            .map(|e| e.free)
            .collect();
        for (a, &fa) in idx.iter().enumerate() {
            for (b, &fb) in idx.iter().enumerate() {
                info[(fa, fb)] += w * local[(a, b)];
            }
        }
    }
    info
}

/// A derivative of Σ as c·(x y' + y x'), x and y columns of V.
pub(super) type SigmaPart = Option<(f64, usize, usize)>;
/// A derivative of μ as d·z, z a column of V.
pub(super) type MuPart = Option<(f64, usize)>;

/// One group's unit expected information over its own entries, in order:
/// ½ tr(P Σ_a P Σ_b) + μ_a' P μ_b.
///
/// Every derivative of Σ is c·(x y' + y x') and every derivative of μ is
/// d·z, with x, y, z among the columns of V = [I | ΛΦ | Λ]. With M = V'PV,
/// tr(P (xy' + yx') P (zw' + wz')) = 2 (M_xz M_yw + M_xw M_yz), so the whole
/// matrix costs one product V'PV and a lookup per pair.
fn information(estimate: &Estimate, g: usize, entries: &[Entry]) -> DMatrix<f64> {
    Derivatives::new(estimate, g, entries).information_matrix()
}

/// One group's derivatives of Σ and μ in the form [`information`] uses.
pub(super) struct Derivatives {
    /// V'PV, V = [I | ΛΦ | Λ].
    pub mm: DMatrix<f64>,
    /// Σ⁻¹.
    pub pinv: DMatrix<f64>,
    /// ΛΦ.
    pub lphi: DMatrix<f64>,
    /// Per free parameter of the group (in `entries` order).
    pub parts: Vec<(SigmaPart, MuPart)>,
    p: usize,
    k: usize,
}

impl Derivatives {
    pub fn new(estimate: &Estimate, g: usize, entries: &[Entry]) -> Derivatives {
        let m = &estimate.groups[g];
        let (p, k) = (m.lambda.nrows(), m.lambda.ncols());
        let of = estimate.spec.structure.factor_of();
        let pinv = Cholesky::new(m.sigma()).map_or_else(|| DMatrix::zeros(p, p), |c| c.inverse());
        let lphi = &m.lambda * &m.phi;
        let mut v = DMatrix::zeros(p, p + 2 * k);
        for i in 0..p {
            v[(i, i)] = 1.0;
        }
        v.view_mut((0, p), (p, k)).copy_from(&lphi);
        v.view_mut((0, p + k), (p, k)).copy_from(&m.lambda);
        let mm = v.transpose() * &pinv * &v;
        let mut d = Derivatives {
            mm,
            pinv,
            lphi,
            parts: Vec::new(),
            p,
            k,
        };
        d.parts = entries
            .iter()
            .filter(|e| e.group == g)
            .map(|e| match e.local {
                Local::Loading(i) => d.loading(i, of[i], m.alpha[of[i]]),
                Local::Residual(i) => (Some((0.5, i, i)), None),
                Local::FactorCov(f, h) if f == h => (Some((0.5, d.l(f), d.l(f))), None),
                Local::FactorCov(f, h) => (Some((1.0, d.l(f), d.l(h))), None),
                Local::Intercept(i) => (None, Some((1.0, i))),
                Local::FactorMean(f) => (None, Some((1.0, d.l(f)))),
            })
            .collect();
        d
    }

    /// The column of ΛΦ's factor f in V.
    fn u(&self, f: usize) -> usize {
        self.p + f
    }

    /// The column of Λ's factor f in V.
    fn l(&self, f: usize) -> usize {
        self.p + self.k + f
    }

    /// The parts of a loading of item i on factor f (whose mean is α_f),
    /// free or not.
    pub fn loading(&self, i: usize, f: usize, alpha_f: f64) -> (SigmaPart, MuPart) {
        (Some((1.0, i, self.u(f))), Some((alpha_f, i)))
    }

    /// The information over the group's free parameters (see
    /// [`information`]).
    pub fn information_matrix(&self) -> DMatrix<f64> {
        let n = self.parts.len();
        let mut info = DMatrix::zeros(n, n);
        for a in 0..n {
            for b in a..n {
                let value = self.information(self.parts[a], self.parts[b]);
                info[(a, b)] = value;
                info[(b, a)] = value;
            }
        }
        info
    }

    /// ½ tr(P Σ_a P Σ_b) + μ_a' P μ_b for two parameters' parts.
    pub fn information(&self, a: (SigmaPart, MuPart), b: (SigmaPart, MuPart)) -> f64 {
        let mm = &self.mm;
        let mut value = 0.0;
        if let (Some((ca, x, y)), Some((cb, z, w))) = (a.0, b.0) {
            // ½ · c_a c_b · 2 (M_xz M_yw + M_xw M_yz)
            value += ca * cb * (mm[(x, z)] * mm[(y, w)] + mm[(x, w)] * mm[(y, z)]);
        }
        if let (Some((da, x)), Some((db, z))) = (a.1, b.1) {
            value += da * db * mm[(x, z)];
        }
        value
    }
}

/// Group `g`'s matrices at the parameter vector `x`.
pub fn matrices_at(spec: &Spec, entries: &[Entry], of: &[usize], x: &[f64], g: usize) -> Matrices {
    let s = &spec.structure;
    let (p, m) = (s.items, s.factors());
    let mut lambda = DMatrix::zeros(p, m);
    for (f, items) in s.factors.iter().enumerate() {
        lambda[(items[0], f)] = 1.0;
    }
    let mut mats = Matrices {
        lambda,
        phi: DMatrix::zeros(m, m),
        theta: DVector::zeros(p),
        nu: DVector::zeros(p),
        alpha: DVector::zeros(m),
    };
    for e in entries.iter().filter(|e| e.group == g) {
        let v = x[e.free];
        match e.local {
            Local::Loading(i) => mats.lambda[(i, of[i])] = v,
            Local::Residual(i) => mats.theta[i] = v,
            Local::FactorCov(f, h) => {
                mats.phi[(f, h)] = v;
                mats.phi[(h, f)] = v;
            }
            Local::Intercept(i) => mats.nu[i] = v,
            Local::FactorMean(f) => mats.alpha[f] = v,
        }
    }
    mats
}

/// The lower Cholesky factor, row-oriented: dot products over contiguous
/// rows of a transposed copy (nalgebra's generic factorisation spends most
/// of a fit's time in its column views). `None` when not positive definite.
fn cholesky(a: DMatrix<f64>) -> Option<DMatrix<f64>> {
    let n = a.nrows();
    // Column-major storage of aᵀ: row i of the factor is column i here.
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let (ri, rj) = (&l[i * n..i * n + j], &l[j * n..j * n + j]);
            let dot: f64 = ri.iter().zip(rj).map(|(x, y)| x * y).sum();
            let v = a[(i, j)] - dot;
            if i == j {
                if v.is_nan() || v <= 0.0 || !v.is_finite() {
                    return None;
                }
                l[i * n + i] = v.sqrt();
            } else {
                l[i * n + j] = v / l[j * n + j];
            }
        }
    }
    // l holds Lᵀ column-major, which is L row-major: transpose into place.
    Some(DMatrix::from_row_slice(n, n, &l))
}

/// Σ⁻¹ and ln|Σ| of a positive definite matrix: Cholesky, the triangular
/// factor inverted in place, then L⁻ᵀL⁻¹ by one matrix product (several
/// times faster than solving against the identity, and this is the inner
/// loop of every fit). `None` when Σ is not positive definite.
fn inverse(sigma: DMatrix<f64>) -> Option<(DMatrix<f64>, f64)> {
    let p = sigma.nrows();
    let l = cholesky(sigma)?;
    let log_det = 2.0 * l.diagonal().iter().map(|v| v.ln()).sum::<f64>();
    let mut li = DMatrix::zeros(p, p);
    for j in 0..p {
        li[(j, j)] = 1.0 / l[(j, j)];
        for i in j + 1..p {
            let mut sum = 0.0;
            for k in j..i {
                sum += l[(i, k)] * li[(k, j)];
            }
            li[(i, j)] = -sum / l[(i, i)];
        }
    }
    Some((li.transpose() * li, log_det))
}

struct Problem<'a> {
    spec: &'a Spec,
    entries: &'a [Entry],
    data: &'a [Moments],
    log_det_s: Vec<f64>,
    weights: Vec<f64>,
    of: Vec<usize>,
}

impl Problem<'_> {
    fn matrices(&self, x: &[f64], g: usize) -> Matrices {
        matrices_at(self.spec, self.entries, &self.of, x, g)
    }

    /// lavaan-like simple starting values: loadings from the ratio of the
    /// items' average covariances with their factor's other items, residual
    /// variances half the item's variance, uncorrelated factors, sample means.
    fn start(&self) -> Vec<f64> {
        let (_, q) = (self.entries.len(), self.spec.entries().1);
        let mut x = vec![0.0; q];
        let s = &self.spec.structure;
        for e in self.entries {
            let d = &self.data[e.group];
            x[e.free] = match e.local {
                Local::Loading(i) => s.start_loading(&d.cov, i, self.of[i]),
                Local::Residual(i) => d.cov[(i, i)] / 2.0,
                Local::FactorCov(f, h) if f == h => {
                    let marker = s.factors[f][0];
                    let a = s.sibling_average(&d.cov, marker, f).abs();
                    if a > 0.0 {
                        a.min(d.cov[(marker, marker)] / 2.0)
                    } else {
                        0.05
                    }
                }
                Local::FactorCov(..) => 0.0,
                Local::Intercept(i) => d.mean[i],
                Local::FactorMean(_) => 0.0,
            };
        }
        x
    }

    /// Starting values taken from a neighbouring model where it has the
    /// same parameter, the simple start elsewhere.
    fn warm(&self, from: &Estimate) -> Vec<f64> {
        let mut x = self.start();
        for e in self.entries {
            if e.group < from.groups.len() {
                x[e.free] = from.value(e.group, e.local);
            }
        }
        x
    }

    /// Per group: P = Σ⁻¹, ln|Σ|, d = m − μ.
    fn implied(&self, x: &[f64], g: usize) -> Option<(Matrices, DMatrix<f64>, f64, DVector<f64>)> {
        let mats = self.matrices(x, g);
        let (pinv, log_det) = inverse(mats.sigma())?;
        let d = &self.data[g].mean - mats.mu();
        Some((mats, pinv, log_det, d))
    }

    fn cost_of(&self, x: &[f64]) -> Option<f64> {
        let p = self.spec.structure.items as f64;
        let mut f = 0.0;
        for g in 0..self.spec.groups {
            let (_, pinv, log_det, d) = self.implied(x, g)?;
            let tr = pinv.component_mul(&self.data[g].cov).sum();
            let fg = log_det + tr + d.dot(&(&pinv * &d)) - self.log_det_s[g] - p;
            f += self.weights[g] * fg;
        }
        Some(f)
    }

    fn gradient_of(&self, x: &[f64]) -> Option<Vec<f64>> {
        let mut grad = vec![0.0; x.len()];
        for g in 0..self.spec.groups {
            let (mats, pinv, _, d) = self.implied(x, g)?;
            let pd = &pinv * &d;
            let t = &self.data[g].cov + &d * d.transpose();
            let gm = &pinv - &pinv * t * &pinv;
            let glp = &gm * &mats.lambda * &mats.phi;
            let lgl = mats.lambda.transpose() * &gm * &mats.lambda;
            let lpd = mats.lambda.transpose() * &pd;
            let w = self.weights[g];
            for e in self.entries.iter().filter(|e| e.group == g) {
                grad[e.free] += w * match e.local {
                    Local::Loading(i) => {
                        let f = self.of[i];
                        2.0 * glp[(i, f)] - 2.0 * pd[i] * mats.alpha[f]
                    }
                    Local::Residual(i) => gm[(i, i)],
                    Local::FactorCov(f, h) if f == h => lgl[(f, f)],
                    Local::FactorCov(f, h) => 2.0 * lgl[(f, h)],
                    Local::Intercept(i) => -2.0 * pd[i],
                    Local::FactorMean(f) => -2.0 * lpd[f],
                };
            }
        }
        Some(grad)
    }

    /// The Fisher scoring step −(2 I)⁻¹ ∇F, with I the weighted unit information.
    fn fisher_step(&self, x: &[f64]) -> Option<Vec<f64>> {
        let q = x.len();
        let groups: Vec<Matrices> = (0..self.spec.groups).map(|g| self.matrices(x, g)).collect();
        let estimate = Estimate {
            spec: self.spec.clone(),
            entries: self.entries.to_vec(),
            x: x.to_vec(),
            f: 0.0,
            n: 1.0,
            iterations: 0,
            gradient: 0.0,
            converged: false,
            groups,
        };
        let info = pooled_information(&estimate, self.entries, q, |g| 2.0 * self.weights[g]);
        let grad = DVector::from_vec(self.gradient_of(x)?);
        let l = cholesky(info)?;
        let step = l
            .transpose()
            .solve_upper_triangular(&l.solve_lower_triangular(&grad)?)?;
        Some(step.iter().map(|v| -v).collect())
    }

    /// x + t·step for the first t in 1, ½, ¼, … that lowers F.
    fn damped(&self, x: &[f64], step: &[f64]) -> (Vec<f64>, bool) {
        let Some(f0) = self.cost_of(x) else {
            return (x.to_vec(), false);
        };
        let mut t = 1.0;
        for _ in 0..30 {
            let next: Vec<f64> = x.iter().zip(step).map(|(a, s)| a + t * s).collect();
            if let Some(f) = self.cost_of(&next)
                && f <= f0
            {
                return (next, f < f0);
            }
            t /= 2.0;
        }
        (x.to_vec(), false)
    }
}

/// A penalty the line search can step back from where Σ is not positive
/// definite.
const OUTSIDE: f64 = 1e10;

impl CostFunction for &Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.cost_of(x).unwrap_or(OUTSIDE))
    }
}

impl Gradient for &Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, x: &Self::Param) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(self.gradient_of(x).unwrap_or_else(|| vec![0.0; x.len()]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{Level, Structure};
    use super::*;

    fn sample() -> Moments {
        // A covariance matrix with two clear factors.
        let l = [0.9, 0.8, 0.7, 0.8, 0.7, 0.6];
        let mut cov = DMatrix::zeros(6, 6);
        for i in 0..6 {
            for j in 0..6 {
                let r = if (i < 3) == (j < 3) { 1.0 } else { 0.4 };
                cov[(i, j)] = if i == j { 1.0 } else { l[i] * l[j] * r };
            }
        }
        Moments {
            n: 200.0,
            mean: DVector::from_element(6, 3.0),
            cov,
        }
    }

    fn spec() -> Spec {
        Spec::new(
            Structure {
                items: 6,
                factors: vec![vec![0, 1, 2], vec![3, 4, 5]],
            },
            1,
            Level::Configural,
        )
    }

    #[test]
    fn the_gradient_is_the_derivative_of_the_discrepancy() {
        let spec = spec();
        let data = [sample()];
        let (entries, _) = spec.entries();
        let problem = Problem {
            spec: &spec,
            entries: &entries,
            data: &data,
            log_det_s: vec![0.0],
            weights: vec![1.0],
            of: spec.structure.factor_of(),
        };
        let mut x = problem.start();
        x[0] += 0.1;
        let grad = problem.gradient_of(&x).unwrap();
        for k in 0..x.len() {
            let h = 1e-6;
            let (mut up, mut down) = (x.clone(), x.clone());
            up[k] += h;
            down[k] -= h;
            let numeric =
                (problem.cost_of(&up).unwrap() - problem.cost_of(&down).unwrap()) / (2.0 * h);
            assert!(
                (numeric - grad[k]).abs() < 1e-6,
                "parameter {k}: {numeric} vs {}",
                grad[k]
            );
        }
    }

    #[test]
    fn a_model_that_generated_the_covariances_fits_them_exactly() {
        let fit = fit(&spec(), &[sample()], None).unwrap();
        assert!(fit.converged, "gradient {}", fit.gradient);
        assert!(fit.chisq() < 1e-8, "χ² {}", fit.chisq());
        // λ₂ = 0.8/0.9 relative to the marker.
        assert!((fit.value(0, Local::Loading(1)) - 0.8 / 0.9).abs() < 1e-6);
    }

    #[test]
    fn a_constant_item_is_named_not_fitted() {
        let mut s = sample();
        for j in 0..6 {
            s.cov[(2, j)] = 0.0;
            s.cov[(j, 2)] = 0.0;
        }
        assert_eq!(
            fit(&spec(), &[s], None).unwrap_err(),
            FitError::SampleNotPositiveDefinite { group: 0 }
        );
    }
}
