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
const MAX_POLISHED: usize = 800;
const GRADIENT_TOLERANCE: f64 = 1e-7;

/// Fits `spec` to the groups' moments, starting from `start` where it has
/// the same parameters (a warm start from a neighbouring model).
pub fn fit(spec: &Spec, data: &[Moments], start: Option<&Estimate>) -> Result<Estimate, FitError> {
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
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 12)
        .with_tolerance_grad(GRADIENT_TOLERANCE * 1e-2)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .map_err(|e| FitError::Optimiser(e.to_string()))?;
    let (mut x, mut iterations) = match Executor::new(&problem, solver)
        .configure(|state| state.param(x0.clone()).max_iters(20_000))
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
    if q <= MAX_POLISHED {
        for _ in 0..50 {
            let Some(step) = problem.fisher_step(&x) else {
                break;
            };
            let (next, improved) = problem.damped(&x, &step);
            x = next;
            iterations += 1;
            if !improved || step.iter().all(|s| s.abs() < 1e-12) {
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
        converged: gradient < GRADIENT_TOLERANCE,
        groups,
    })
}

/// The covariance matrix of the free parameters: (Σ_g N_g I_g)⁻¹ from the
/// expected information; `None` when it is singular.
pub fn vcov(estimate: &Estimate, data: &[Moments]) -> Option<DMatrix<f64>> {
    let (entries, q) = estimate.spec.entries();
    let mut info = DMatrix::zeros(q, q);
    for (g, d) in data.iter().enumerate() {
        let local = information(estimate, g, &entries);
        let idx: Vec<usize> = entries
            .iter()
            .filter(|e| e.group == g)
            .map(|e| e.free)
            .collect();
        for (a, &fa) in idx.iter().enumerate() {
            for (b, &fb) in idx.iter().enumerate() {
                info[(fa, fb)] += d.n * local[(a, b)];
            }
        }
    }
    info.try_inverse()
}

/// One group's unit expected information over its own entries, in order:
/// ½ tr(P Σ_a P Σ_b) + μ_a' P μ_b.
fn information(estimate: &Estimate, g: usize, entries: &[Entry]) -> DMatrix<f64> {
    let m = &estimate.groups[g];
    let p = m.theta.len();
    let of = estimate.spec.structure.factor_of();
    let sigma = m.sigma();
    let pinv = Cholesky::new(sigma).map_or_else(|| DMatrix::zeros(p, p), |c| c.inverse());
    let lphi = &m.lambda * &m.phi;
    let mine: Vec<Local> = entries
        .iter()
        .filter(|e| e.group == g)
        .map(|e| e.local)
        .collect();
    let e = |i: usize| DVector::from_fn(p, |k, _| if k == i { 1.0 } else { 0.0 });
    let derivs: Vec<(DMatrix<f64>, DVector<f64>)> = mine
        .iter()
        .map(|&local| {
            let (ds, dmu) = match local {
                Local::Loading(i) => {
                    let u = lphi.column(of[i]).into_owned();
                    let ei = e(i);
                    (
                        &ei * u.transpose() + &u * ei.transpose(),
                        ei * m.alpha[of[i]],
                    )
                }
                Local::Residual(i) => {
                    let ei = e(i);
                    (&ei * ei.transpose(), DVector::zeros(p))
                }
                Local::FactorCov(f, h) => {
                    let lf = m.lambda.column(f).into_owned();
                    let lh = m.lambda.column(h).into_owned();
                    let ds = if f == h {
                        &lf * lf.transpose()
                    } else {
                        &lf * lh.transpose() + &lh * lf.transpose()
                    };
                    (ds, DVector::zeros(p))
                }
                Local::Intercept(i) => (DMatrix::zeros(p, p), e(i)),
                Local::FactorMean(f) => (DMatrix::zeros(p, p), m.lambda.column(f).into_owned()),
            };
            (&pinv * ds, dmu)
        })
        .collect();
    let k = derivs.len();
    let mut info = DMatrix::zeros(k, k);
    for a in 0..k {
        let pm = &pinv * &derivs[a].1;
        for b in a..k {
            let (aa, bb) = (&derivs[a].0, &derivs[b].0);
            let tr = aa.component_mul(&bb.transpose()).sum();
            let v = 0.5 * tr + derivs[b].1.dot(&pm);
            info[(a, b)] = v;
            info[(b, a)] = v;
        }
    }
    info
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
            let avg = |i: usize, f: usize| {
                let others: Vec<usize> = s.factors[f].iter().copied().filter(|&j| j != i).collect();
                others.iter().map(|&j| d.cov[(i, j)]).sum::<f64>() / others.len() as f64
            };
            x[e.free] = match e.local {
                Local::Loading(i) => {
                    let f = self.of[i];
                    let (a, am) = (avg(i, f), avg(s.factors[f][0], f));
                    if am > 0.0 && a > 0.0 { a / am } else { 1.0 }
                }
                Local::Residual(i) => d.cov[(i, i)] / 2.0,
                Local::FactorCov(f, h) if f == h => {
                    let marker = s.factors[f][0];
                    let a = avg(marker, f);
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
        let chol = Cholesky::new(mats.sigma())?;
        let log_det = 2.0 * chol.l().diagonal().iter().map(|v| v.ln()).sum::<f64>();
        let pinv = chol.inverse();
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
        let mut info = DMatrix::zeros(q, q);
        for g in 0..self.spec.groups {
            let local = information(&estimate, g, self.entries);
            let idx: Vec<usize> = self
                .entries
                .iter()
                .filter(|e| e.group == g)
                .map(|e| e.free)
                .collect();
            for (a, &fa) in idx.iter().enumerate() {
                for (b, &fb) in idx.iter().enumerate() {
                    info[(fa, fb)] += 2.0 * self.weights[g] * local[(a, b)];
                }
            }
        }
        let grad = DVector::from_vec(self.gradient_of(x)?);
        let step = Cholesky::new(info)?.solve(&grad);
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
