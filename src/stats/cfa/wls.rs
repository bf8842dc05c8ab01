//! The ordinal factor model, as lavaan's `cfa(..., ordered = TRUE,
//! estimator = "WLSMV")` fits it in one group: diagonally weighted least
//! squares on the thresholds and polychoric correlations, robust standard
//! errors, and the mean-and-variance adjusted ("scaled-shifted") χ².
//!
//! The parameterisation is lavaan's "delta": each factor's first item is
//! its marker (loading 1), factor variances and covariances are free, the
//! latent responses have unit variance, so an item's residual variance is
//! 1 − its explained variance (not a parameter), and the thresholds are
//! free. With W = diag(Γ)⁻¹ (Γ the two-step estimates' asymptotic
//! covariance, [`crate::stats::polychoric::acov`]) the discrepancy is
//! F = Σ w (s − σ(θ))², minimised by Levenberg–Marquardt on the analytic
//! Jacobian Δ. The thresholds, free and weighted apart, fit exactly, so
//! only the correlations' part of Δ, W and Γ enters the rest:
//!
//! * χ² = (N − 1)·F (lavaan's factor for these estimators); robust covariance of the estimates
//!   (Δ'WΔ)⁻¹ Δ'WΓWΔ (Δ'WΔ)⁻¹ / (N − 1) (lavaan's `se = "robust.sem"`);
//! * with U = W − WΔ(Δ'WΔ)⁻¹Δ'W, a = √(df / tr((UΓ)²)) and
//!   b = df − a·tr(UΓ), the scaled-shifted statistic a·χ² + b on df
//!   (Asparouhov & Muthén 2010), and the same for the baseline model of
//!   uncorrelated items, for the scaled CFI, TLI and RMSEA.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::measures::{rmsea_interval, upper_tail};
use super::model::Structure;
use super::solution::{Kind, Parameter};
use crate::stats::polychoric::acov::TwoStep;

/// A free parameter of the ordinal model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// The loading of an item (not a marker) on its factor.
    Loading(usize),
    /// φ between two factors, f ≤ h.
    FactorCov(usize, usize),
}

/// The mean-and-variance adjusted statistic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scaled {
    pub chisq: f64,
    /// 1/a: the standard statistic divided by this, before the shift.
    pub scaling_factor: f64,
    pub shift: f64,
    pub pvalue: f64,
}

/// A fitted ordinal model.
#[derive(Debug, Clone)]
pub struct WlsEstimate {
    pub structure: Structure,
    pub params: Vec<Param>,
    pub x: Vec<f64>,
    pub lambda: DMatrix<f64>,
    pub phi: DMatrix<f64>,
    /// Per item, 1 − its explained variance; negative is a Heywood case.
    pub residual: Vec<f64>,
    /// Robust covariance of `x`; `None` when Δ'WΔ is singular.
    pub vcov: Option<DMatrix<f64>>,
    /// Per item, its thresholds' standard errors.
    pub threshold_se: Vec<Vec<f64>>,
    pub n: f64,
    /// F = Σ w (s − σ)² at the estimate.
    pub f: f64,
    pub df: i64,
    pub iterations: usize,
    pub gradient: f64,
    pub converged: bool,
    pub scaled: Scaled,
    pub baseline_chisq: f64,
    pub baseline_df: i64,
    pub baseline_scaled: Scaled,
    /// Correlation residuals s − σ per pair, in the estimates' pair order.
    pub residuals: Vec<f64>,
}

impl WlsEstimate {
    /// (N − 1)·F, as lavaan for its least-squares estimators.
    pub fn chisq(&self) -> f64 {
        (self.n - 1.0) * self.f
    }

    /// Whether a residual variance is negative or a factor correlation
    /// exceeds 1 in size.
    pub fn heywood(&self) -> bool {
        let k = self.phi.nrows();
        self.residual.iter().any(|&r| r < 0.0)
            || (0..k).any(|f| self.phi[(f, f)] <= 0.0)
            || (0..k).any(|f| {
                (0..f)
                    .any(|h| self.phi[(f, h)].abs() > (self.phi[(f, f)] * self.phi[(h, h)]).sqrt())
            })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WlsError {
    #[error("{0}")]
    Structure(String),
    #[error("the model has more parameters ({params}) than correlations ({pairs})")]
    NotIdentified { params: usize, pairs: usize },
    #[error("an estimate's asymptotic variance is zero or not finite: it cannot be weighted")]
    Weights,
}

const MAX_ITERATIONS: usize = 500;
const GRADIENT_TOLERANCE: f64 = 1e-8;

/// Fits the structure to the two-step estimates, Γ their asymptotic
/// covariance (in [`TwoStep::vector`] order, N times the covariance).
pub fn fit(
    structure: &Structure,
    est: &TwoStep,
    gamma: &DMatrix<f64>,
) -> Result<WlsEstimate, WlsError> {
    structure.check().map_err(WlsError::Structure)?;
    let p = structure.items;
    let k = structure.factors();
    let of = structure.factor_of();
    let nth = est.threshold_count();
    let npairs = est.pairs.len();
    assert_eq!(gamma.nrows(), nth + npairs, "Γ covers the estimates");
    let mut params: Vec<Param> = structure
        .factors
        .iter()
        .flat_map(|items| items[1..].iter().map(|&i| Param::Loading(i)))
        .collect();
    for h in 0..k {
        for f in 0..=h {
            params.push(Param::FactorCov(f, h));
        }
    }
    let q = params.len();
    if q > npairs {
        return Err(WlsError::NotIdentified {
            params: q,
            pairs: npairs,
        });
    }
    let w: Vec<f64> = (0..npairs)
        .map(|c| 1.0 / gamma[(nth + c, nth + c)])
        .collect();
    if w.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return Err(WlsError::Weights);
    }
    let model = Model {
        structure,
        params: &params,
        of: &of,
        pairs: &est.pairs,
        r: &est.rho,
        w: &w,
    };
    let (x, iterations) = model.minimise(model.start(&est.rho_matrix()));
    let (lambda, phi) = model.matrices(&x);
    let f = model.cost(&x);
    let jac = model.jacobian(&x);
    let residuals = model.residuals(&x);
    let grad = jac.transpose() * DVector::from_fn(npairs, |c, _| -2.0 * w[c] * residuals[c]);
    let gradient = grad.amax();
    let n = est.n as f64;
    let df = npairs as i64 - q as i64;

    let gamma_r = gamma.view((nth, nth), (npairs, npairs)).into_owned();
    let wj = DMatrix::from_fn(npairs, q, |c, a| w[c] * jac[(c, a)]);
    let e = jac.transpose() * &wj;
    let e_inv = e.clone().try_inverse();
    let vcov = e_inv.as_ref().map(|ei| {
        let meat = wj.transpose() * &gamma_r * &wj;
        ei * meat * ei / (n - 1.0)
    });
    // U = W − WΔ E⁻¹ Δ'W over the correlations.
    let ug = e_inv.as_ref().map(|ei| {
        let mut u = -(&wj * ei * wj.transpose());
        for c in 0..npairs {
            u[(c, c)] += w[c];
        }
        u * &gamma_r
    });
    let chisq = (n - 1.0) * f;
    let scaled = match &ug {
        Some(ug) => scale(chisq, df as f64, ug.trace(), trace_of_square(ug)),
        None => Scaled {
            chisq: f64::NAN,
            scaling_factor: f64::NAN,
            shift: f64::NAN,
            pvalue: f64::NAN,
        },
    };
    // The baseline: correlations 0, U = W over them, tr(UΓ) the pairs.
    let baseline_chisq = (n - 1.0)
        * (0..npairs)
            .map(|c| w[c] * est.rho[c] * est.rho[c])
            .sum::<f64>();
    let wg = DMatrix::from_fn(npairs, npairs, |c, d| w[c] * gamma_r[(c, d)]);
    let baseline_scaled = scale(
        baseline_chisq,
        npairs as f64,
        wg.trace(),
        trace_of_square(&wg),
    );
    let mut at = 0;
    let threshold_se = est
        .thresholds
        .iter()
        .map(|t| {
            let se = (0..t.len())
                .map(|s| (gamma[(at + s, at + s)] / (n - 1.0)).sqrt())
                .collect();
            at += t.len();
            se
        })
        .collect();
    let residual = (0..p)
        .map(|i| 1.0 - lambda[(i, of[i])].powi(2) * phi[(of[i], of[i])])
        .collect();
    Ok(WlsEstimate {
        structure: structure.clone(),
        params,
        x,
        lambda,
        phi,
        residual,
        vcov,
        threshold_se,
        n,
        f,
        df,
        iterations,
        gradient,
        converged: gradient < GRADIENT_TOLERANCE,
        scaled,
        baseline_chisq,
        baseline_df: npairs as i64,
        baseline_scaled,
        residuals,
    })
}

/// tr(M²) = Σ M_ab M_ba.
fn trace_of_square(m: &DMatrix<f64>) -> f64 {
    m.component_mul(&m.transpose()).sum()
}

fn scale(chisq: f64, df: f64, tr: f64, tr2: f64) -> Scaled {
    let a = (df / tr2).sqrt();
    let shift = df - a * tr;
    let stat = a * chisq + shift;
    Scaled {
        chisq: stat,
        scaling_factor: 1.0 / a,
        shift,
        pvalue: upper_tail(stat, df),
    }
}

struct Model<'a> {
    structure: &'a Structure,
    params: &'a [Param],
    of: &'a [usize],
    pairs: &'a [(usize, usize)],
    r: &'a [f64],
    w: &'a [f64],
}

impl Model<'_> {
    fn matrices(&self, x: &[f64]) -> (DMatrix<f64>, DMatrix<f64>) {
        let s = self.structure;
        let (p, k) = (s.items, s.factors());
        let mut lambda = DMatrix::zeros(p, k);
        for (f, items) in s.factors.iter().enumerate() {
            lambda[(items[0], f)] = 1.0;
        }
        let mut phi = DMatrix::zeros(k, k);
        for (param, &v) in self.params.iter().zip(x) {
            match *param {
                Param::Loading(i) => lambda[(i, self.of[i])] = v,
                Param::FactorCov(f, h) => {
                    phi[(f, h)] = v;
                    phi[(h, f)] = v;
                }
            }
        }
        (lambda, phi)
    }

    fn residuals(&self, x: &[f64]) -> Vec<f64> {
        let (lambda, phi) = self.matrices(x);
        self.pairs
            .iter()
            .zip(self.r)
            .map(|(&(i, j), r)| {
                r - lambda[(i, self.of[i])]
                    * lambda[(j, self.of[j])]
                    * phi[(self.of[i], self.of[j])]
            })
            .collect()
    }

    fn cost(&self, x: &[f64]) -> f64 {
        self.residuals(x)
            .iter()
            .zip(self.w)
            .map(|(e, w)| w * e * e)
            .sum()
    }

    /// ∂σ/∂θ: per pair (row), per parameter (column).
    fn jacobian(&self, x: &[f64]) -> DMatrix<f64> {
        let (lambda, phi) = self.matrices(x);
        let mut jac = DMatrix::zeros(self.pairs.len(), self.params.len());
        for (c, &(i, j)) in self.pairs.iter().enumerate() {
            let (fi, fj) = (self.of[i], self.of[j]);
            let (li, lj, ph) = (lambda[(i, fi)], lambda[(j, fj)], phi[(fi, fj)]);
            for (a, param) in self.params.iter().enumerate() {
                jac[(c, a)] = match *param {
                    Param::Loading(m) if m == i => lj * ph,
                    Param::Loading(m) if m == j => li * ph,
                    Param::FactorCov(f, h) if (f == fi && h == fj) || (f == fj && h == fi) => {
                        li * lj
                    }
                    _ => 0.0,
                };
            }
        }
        jac
    }

    /// Loadings from each item's average correlation with its factor's
    /// other items against the marker's (the sign follows a reverse-keyed
    /// item), factor variances from the marker's, factors uncorrelated.
    fn start(&self, r: &DMatrix<f64>) -> Vec<f64> {
        let s = self.structure;
        self.params
            .iter()
            .map(|param| match *param {
                Param::Loading(i) => s.start_loading(r, i, self.of[i]),
                Param::FactorCov(f, h) if f == h => s
                    .sibling_average(r, s.factors[f][0], f)
                    .abs()
                    .clamp(0.05, 1.0),
                Param::FactorCov(..) => 0.0,
            })
            .collect()
    }

    /// Δ'W e (half the negative gradient of F) and Δ'WΔ at `x`.
    fn normal_equations(&self, x: &[f64]) -> (DVector<f64>, DMatrix<f64>) {
        let jac = self.jacobian(x);
        let e = DVector::from_vec(self.residuals(x));
        let wj = DMatrix::from_fn(jac.nrows(), x.len(), |c, a| self.w[c] * jac[(c, a)]);
        (wj.transpose() * &e, jac.transpose() * &wj)
    }

    /// Levenberg–Marquardt from `x`; the estimate and the iterations taken.
    /// Near the optimum F stops registering a decrease before the gradient
    /// vanishes (a flat direction), so a step is also taken when F is
    /// unchanged to rounding and the gradient shrinks.
    fn minimise(&self, mut x: Vec<f64>) -> (Vec<f64>, usize) {
        let q = x.len();
        let mut f = self.cost(&x);
        let (mut g, mut h) = self.normal_equations(&x);
        let mut mu = 1e-3;
        let mut iterations = 0;
        while iterations < MAX_ITERATIONS && 2.0 * g.amax() >= GRADIENT_TOLERANCE * 1e-4 {
            iterations += 1;
            let mut moved = false;
            for _ in 0..40 {
                let mut damped = h.clone();
                for a in 0..q {
                    damped[(a, a)] += mu * h[(a, a)].max(1e-12);
                }
                let Some(step) = damped.cholesky().map(|c| c.solve(&g)) else {
                    mu *= 10.0;
                    continue;
                };
                let next: Vec<f64> = x.iter().zip(step.iter()).map(|(a, s)| a + s).collect();
                let f_next = self.cost(&next);
                let accept = f_next < f || {
                    f_next <= f + 1e-13 * f.max(1e-300) && {
                        let (g_next, _) = self.normal_equations(&next);
                        g_next.amax() < g.amax()
                    }
                };
                if f_next.is_finite() && accept {
                    x = next;
                    f = f_next;
                    (g, h) = self.normal_equations(&x);
                    mu = (mu / 10.0).max(1e-12);
                    moved = true;
                    break;
                }
                mu *= 10.0;
            }
            if !moved {
                break;
            }
        }
        (x, iterations)
    }
}

/// The parameter table in the form the ML fit gives it: loadings (std the
/// standardised loading, with its delta-method standard error), residual
/// variances (not parameters: a standard error for the standardised value
/// only), factor variances and
/// covariances (std the correlation).
pub fn solution(est: &WlsEstimate) -> Vec<Parameter> {
    let s = &est.structure;
    let of = s.factor_of();
    let k = s.factors();
    let free = |param: Param| est.params.iter().position(|&p| p == param);
    let se = |a: Option<usize>| {
        let (v, a) = (est.vcov.as_ref()?, a?);
        let d = v[(a, a)];
        (d >= 0.0).then(|| d.sqrt())
    };
    // The delta method for a function of two free parameters.
    let std_se = |grad: &[(Option<usize>, f64)]| -> Option<f64> {
        let v = est.vcov.as_ref()?;
        let mut var = 0.0;
        for &(a, ga) in grad {
            for &(b, gb) in grad {
                if let (Some(a), Some(b)) = (a, b) {
                    var += ga * gb * v[(a, b)];
                }
            }
        }
        (var >= 0.0).then(|| var.sqrt())
    };
    let mut out = Vec::new();
    for (i, &f) in of.iter().enumerate() {
        let (l, ph) = (est.lambda[(i, f)], est.phi[(f, f)]);
        let sd = ph.max(0.0).sqrt();
        let (a, b) = (free(Param::Loading(i)), free(Param::FactorCov(f, f)));
        out.push(Parameter {
            group: 0,
            kind: Kind::Loading,
            index: i,
            other: f,
            estimate: l,
            se: se(a),
            std: l * sd,
            std_se: std_se(&[(a, sd), (b, l / (2.0 * sd))]),
        });
    }
    for i in 0..s.items {
        // 1 − std², so its standard error is 2|std| times the loading's.
        let loading = &out[i];
        let std_se = loading.std_se.map(|se| 2.0 * loading.std.abs() * se);
        out.push(Parameter {
            group: 0,
            kind: Kind::Residual,
            index: i,
            other: i,
            estimate: est.residual[i],
            se: None,
            std: est.residual[i],
            std_se,
        });
    }
    for h in 0..k {
        for f in 0..=h {
            let a = free(Param::FactorCov(f, h));
            let v = est.phi[(f, h)];
            let (vf, vh) = (est.phi[(f, f)], est.phi[(h, h)]);
            let (kind, std, std_se) = if f == h {
                (Kind::FactorVariance, 1.0, None)
            } else {
                let d = (vf * vh).sqrt();
                let grad = [
                    (a, 1.0 / d),
                    (free(Param::FactorCov(f, f)), -v / (2.0 * vf * d)),
                    (free(Param::FactorCov(h, h)), -v / (2.0 * vh * d)),
                ];
                (Kind::FactorCovariance, v / d, std_se(&grad))
            };
            out.push(Parameter {
                group: 0,
                kind,
                index: f,
                other: h,
                estimate: v,
                se: se(a),
                std,
                std_se,
            });
        }
    }
    out
}

/// Fit measures of the ordinal model, the standard and the scaled.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WlsMeasures {
    pub n: f64,
    pub chisq: f64,
    pub df: i64,
    pub pvalue: f64,
    pub chisq_scaled: f64,
    pub scaling_factor: f64,
    pub shift: f64,
    pub pvalue_scaled: f64,
    pub baseline_chisq: f64,
    pub baseline_chisq_scaled: f64,
    pub baseline_df: i64,
    pub cfi: f64,
    pub tli: f64,
    pub cfi_scaled: f64,
    pub tli_scaled: f64,
    pub rmsea: f64,
    pub rmsea_lower: f64,
    pub rmsea_upper: f64,
    pub rmsea_scaled: f64,
    pub rmsea_scaled_lower: f64,
    pub rmsea_scaled_upper: f64,
    /// Root mean square of the correlation residuals over the p(p+1)/2
    /// elements of the correlation matrix (the diagonal's are 0), lavaan's
    /// `srmr` for ordinal items.
    pub srmr: f64,
}

/// RMSEA and its interval use N − 1, as lavaan does for the
/// least-squares estimators.
pub fn measures(est: &WlsEstimate) -> WlsMeasures {
    let n = est.n;
    let n1 = n - 1.0;
    let (df, dfb) = (est.df as f64, est.baseline_df as f64);
    let cfi = |t: f64, tb: f64| {
        let (t, tb) = ((t - df).max(0.0), (tb - dfb).max(0.0));
        let d = t.max(tb);
        if d == 0.0 { 1.0 } else { 1.0 - t / d }
    };
    let tli = |t: f64, tb: f64| {
        if df > 0.0 {
            (tb / dfb - t / df) / (tb / dfb - 1.0)
        } else {
            1.0
        }
    };
    let rmsea = |t: f64| {
        if df > 0.0 {
            ((t / n1 / df - 1.0 / n1).max(0.0)).sqrt()
        } else {
            0.0
        }
    };
    let chisq = est.chisq();
    let (t, tb) = (est.scaled.chisq, est.baseline_scaled.chisq);
    let (rmsea_lower, rmsea_upper) = rmsea_interval(chisq, df, n1, 1.0);
    let (rmsea_scaled_lower, rmsea_scaled_upper) = rmsea_interval(t, df, n1, 1.0);
    let p = est.structure.items as f64;
    let srmr = (est.residuals.iter().map(|e| e * e).sum::<f64>() / (p * (p + 1.0) / 2.0)).sqrt();
    WlsMeasures {
        n,
        chisq,
        df: est.df,
        pvalue: upper_tail(chisq, df),
        chisq_scaled: t,
        scaling_factor: est.scaled.scaling_factor,
        shift: est.scaled.shift,
        pvalue_scaled: est.scaled.pvalue,
        baseline_chisq: est.baseline_chisq,
        baseline_chisq_scaled: tb,
        baseline_df: est.baseline_df,
        cfi: cfi(chisq, est.baseline_chisq),
        tli: tli(chisq, est.baseline_chisq),
        cfi_scaled: cfi(t, tb),
        tli_scaled: tli(t, tb),
        rmsea: rmsea(chisq),
        rmsea_lower,
        rmsea_upper,
        rmsea_scaled: rmsea(t),
        rmsea_scaled_lower,
        rmsea_scaled_upper,
        srmr,
    }
}
