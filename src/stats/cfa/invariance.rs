//! Measurement invariance: the configural, metric and scalar models in
//! turn, each compared with the one before by the χ² difference and by the
//! changes in CFI, RMSEA and SRMR against Chen's (2007) cut-offs; where a
//! level fails, the items whose release helps most, by a likelihood-ratio
//! test of freeing that item's parameter in every group.

use serde::Serialize;

use super::measures::{FitMeasures, measures, upper_tail};
use super::ml::{Estimate, FitError, Moments, Precision, fit, fit_to};
use super::model::{Level, Spec, Structure};
use crate::stats::adjust::holm;

/// Chen (2007), for samples above 300: non-invariance when CFI drops by
/// .010 or more, supplemented by RMSEA rising by .015 or more or SRMR by
/// .030 (loadings) / .010 (intercepts).
pub const CFI_DROP: f64 = 0.010;
pub const RMSEA_RISE: f64 = 0.015;
pub const SRMR_RISE_METRIC: f64 = 0.030;
pub const SRMR_RISE_SCALAR: f64 = 0.010;

/// Global criteria miss one deviant item among many (its misfit is spread
/// over every degree of freedom), so each constrained item is also tested on
/// its own: it is flagged when releasing it is significant (Holm, 5 %) and
/// the released parameter differs between groups by at least this much —
/// intercepts in the item's standard deviations, loadings standardised.
pub const INTERCEPT_DIFFERENCE: f64 = 0.20;
pub const LOADING_DIFFERENCE: f64 = 0.10;

/// One level's fit and, beyond configural, its comparison with the level below.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub level: Level,
    pub fit: FitMeasures,
    pub converged: bool,
    pub heywood: bool,
    pub compared: Option<Comparison>,
    /// Where the level does not hold: the items whose parameter (loading or
    /// intercept) differs most between groups, largest first.
    pub items: Vec<ItemTest>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub chisq: f64,
    pub df: i64,
    pub p: f64,
    pub delta_cfi: f64,
    pub delta_rmsea: f64,
    pub delta_srmr: f64,
    /// Whether the level holds by Chen's criteria.
    pub holds: bool,
}

/// The likelihood-ratio test of releasing one item's constraint.
#[derive(Debug, Clone, Serialize)]
pub struct ItemTest {
    pub item: usize,
    pub chisq: f64,
    pub df: i64,
    pub p: f64,
    /// Holm-adjusted over the items tested at this level.
    pub p_holm: f64,
    /// The largest difference between groups of the released parameter
    /// (see [`INTERCEPT_DIFFERENCE`]).
    pub difference: f64,
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Invariance {
    pub groups: usize,
    pub steps: Vec<Step>,
    /// The highest level that holds, if configural fits at all.
    pub supported: Option<Level>,
}

/// Tests invariance of `structure` across the groups.
pub fn invariance(structure: &Structure, data: &[Moments]) -> Result<Invariance, FitError> {
    let groups = data.len();
    let mut steps: Vec<Step> = Vec::new();
    let mut previous: Option<(Estimate, FitMeasures)> = None;
    for level in [Level::Configural, Level::Metric, Level::Scalar] {
        let spec = Spec::new(structure.clone(), groups, level);
        let estimate = fit(&spec, data, previous.as_ref().map(|(e, _)| e))?;
        let fit_measures = measures(&estimate, data);
        let compared = previous
            .as_ref()
            .map(|(e, m)| compare(level, e, m, &estimate, &fit_measures));
        // Items are tested where the level fails, or where the χ² difference
        // says something differs that the global indices may hide.
        let suspect = compared.as_ref().is_some_and(|c| !c.holds || c.p < 0.05);
        let items = if suspect {
            release_tests(&estimate, data)?
        } else {
            Vec::new()
        };
        steps.push(Step {
            level,
            converged: estimate.converged,
            heywood: heywood(&estimate),
            fit: fit_measures.clone(),
            compared,
            items,
        });
        previous = Some((estimate, fit_measures));
    }
    let supported = steps
        .iter()
        .take_while(|s| s.converged && s.compared.as_ref().is_none_or(|c| c.holds))
        .last()
        .map(|s| s.level);
    Ok(Invariance {
        groups,
        steps,
        supported,
    })
}

fn compare(
    level: Level,
    less: &Estimate,
    lm: &FitMeasures,
    more: &Estimate,
    mm: &FitMeasures,
) -> Comparison {
    let chisq = (more.chisq() - less.chisq()).max(0.0);
    let df = more.df() - less.df();
    let delta_cfi = mm.cfi - lm.cfi;
    let delta_rmsea = mm.rmsea - lm.rmsea;
    let delta_srmr = mm.srmr - lm.srmr;
    let srmr_cut = if level == Level::Metric {
        SRMR_RISE_METRIC
    } else {
        SRMR_RISE_SCALAR
    };
    let fails = delta_cfi <= -CFI_DROP && (delta_rmsea >= RMSEA_RISE || delta_srmr >= srmr_cut);
    Comparison {
        chisq,
        df,
        p: upper_tail(chisq, df as f64),
        delta_cfi,
        delta_rmsea,
        delta_srmr,
        holds: !fails,
    }
}

/// For each item whose parameter the level constrains, the model with that
/// item released in every group, and the χ² it gains. Released one at a
/// time, a deviant item makes its dimension's other items look deviant the
/// other way (the factor mean absorbs part of its shift), so the search is
/// sequential: the flagged item with the largest gain is released for good,
/// and the items flagged so far are tested again against that partial
/// model, until none is left. Holm's adjustment counts every item tested.
fn release_tests(constrained: &Estimate, data: &[Moments]) -> Result<Vec<ItemTest>, FitError> {
    let spec = &constrained.spec;
    let candidates: Vec<usize> = match spec.level {
        Level::Configural => Vec::new(),
        // A marker's loading is fixed to 1 in every group: it cannot be released.
        Level::Metric => spec
            .structure
            .factors
            .iter()
            .flat_map(|f| f[1..].to_vec())
            .collect(),
        Level::Scalar => (0..spec.structure.items).collect(),
    };
    let limit = if spec.level == Level::Metric {
        LOADING_DIFFERENCE
    } else {
        INTERCEPT_DIFFERENCE
    };
    let m = candidates.len();
    // Refitting is the cost here; an item whose residuals in the constrained
    // model barely differ between groups cannot reach the flagging limit
    // when released, so it is not refitted (it counts in Holm's m all the same).
    let candidates: Vec<usize> = candidates
        .into_iter()
        .filter(|&i| residual_spread(constrained, data, i) >= limit / 4.0)
        .collect();
    let round = |base: &Estimate, items: &[usize]| -> Result<Vec<ItemTest>, FitError> {
        let mut tests = Vec::with_capacity(items.len());
        for &item in items {
            let mut partial = base.spec.clone();
            match spec.level {
                Level::Metric => partial.free_loadings.push(item),
                _ => partial.free_intercepts.push(item),
            }
            let released = fit_to(&partial, data, Some(base), Precision::ChiSquare)?;
            let chisq = (base.chisq() - released.chisq()).max(0.0);
            let df = base.df() - released.df();
            tests.push(ItemTest {
                item,
                chisq,
                df,
                p: upper_tail(chisq, df as f64),
                p_holm: f64::NAN,
                difference: difference(&released, data, item),
                flagged: false,
            });
        }
        // Holm over all m items: the k-th smallest p of this round is
        // multiplied by at most m − k + 1, as in the first round.
        let mut ps: Vec<f64> = tests.iter().map(|t| t.p).collect();
        ps.resize(m, 1.0);
        let adjusted = holm(&ps);
        for (t, p) in tests.iter_mut().zip(adjusted) {
            t.p_holm = p;
            t.flagged = p < 0.05 && t.difference >= limit;
        }
        tests.sort_by(|a, b| b.chisq.total_cmp(&a.chisq));
        Ok(tests)
    };
    let mut first = round(constrained, &candidates)?;
    let mut base = constrained.clone();
    let mut pending: Vec<usize> = first.iter().filter(|t| t.flagged).map(|t| t.item).collect();
    let mut released = Vec::new();
    let mut tests = first.clone();
    while let Some(top) = tests.iter().find(|t| t.flagged).map(|t| t.item) {
        released.push(top);
        pending.retain(|&i| i != top);
        let mut partial = base.spec.clone();
        match spec.level {
            Level::Metric => partial.free_loadings.push(top),
            _ => partial.free_intercepts.push(top),
        }
        base = fit_to(&partial, data, Some(&base), Precision::ChiSquare)?;
        if pending.is_empty() {
            break;
        }
        tests = round(&base, &pending)?;
        pending = tests.iter().filter(|t| t.flagged).map(|t| t.item).collect();
    }
    for t in &mut first {
        t.flagged = released.contains(&t.item);
    }
    Ok(first)
}

/// How differently the constrained model misses `item` in each group: for
/// intercepts the spread of its standardised mean residuals, for loadings
/// the spread of its mean standardised residual covariance with its
/// factor's other items.
fn residual_spread(estimate: &Estimate, data: &[Moments], item: usize) -> f64 {
    let of = estimate.spec.structure.factor_of();
    let siblings: Vec<usize> = estimate.spec.structure.factors[of[item]]
        .iter()
        .copied()
        .filter(|&j| j != item)
        .collect();
    let values: Vec<f64> = estimate
        .groups
        .iter()
        .zip(data)
        .map(|(m, d)| {
            let sd = |i: usize| d.cov[(i, i)].sqrt();
            match estimate.spec.level {
                Level::Metric => {
                    let sigma = m.sigma();
                    siblings
                        .iter()
                        .map(|&j| (d.cov[(item, j)] - sigma[(item, j)]) / (sd(item) * sd(j)))
                        .sum::<f64>()
                        / siblings.len() as f64
                }
                _ => (d.mean[item] - m.mu()[item]) / sd(item),
            }
        })
        .collect();
    values.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b))
        - values.iter().fold(f64::INFINITY, |a, &b| a.min(b))
}

/// How far the released parameter of `item` lies apart between groups:
/// intercepts over the item's pooled standard deviation, or standardised
/// loadings.
fn difference(released: &Estimate, data: &[Moments], item: usize) -> f64 {
    let of = released.spec.structure.factor_of()[item];
    let values: Vec<f64> = released
        .groups
        .iter()
        .map(|m| match released.spec.level {
            Level::Metric => {
                let l = m.lambda.row(item);
                let var = (l * &m.phi * l.transpose())[(0, 0)] + m.theta[item];
                m.lambda[(item, of)] * m.phi[(of, of)].max(0.0).sqrt() / var.sqrt()
            }
            _ => m.nu[item],
        })
        .collect();
    let spread = values.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b))
        - values.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    if released.spec.level == Level::Metric {
        spread
    } else {
        let n: f64 = data.iter().map(|d| d.n).sum();
        let var: f64 = data.iter().map(|d| d.n * d.cov[(item, item)]).sum::<f64>() / n;
        spread / var.sqrt()
    }
}

/// Whether any group has a negative residual or factor variance, or a
/// factor correlation beyond ±1.
pub fn heywood(estimate: &Estimate) -> bool {
    estimate.groups.iter().any(|m| {
        let k = m.phi.nrows();
        m.theta.iter().any(|&t| t < 0.0)
            || (0..k).any(|f| m.phi[(f, f)] <= 0.0)
            || (0..k).any(|f| {
                (0..f)
                    .any(|h| m.phi[(f, h)].abs() > (m.phi[(f, f)] * m.phi[(h, h)]).max(0.0).sqrt())
            })
    })
}
