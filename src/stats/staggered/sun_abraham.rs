//! Sun & Abraham (2021): the interaction-weighted event study. The saturated
//! regression score ~ unit + wave + Σ_{g, e ≠ −1} 1{cohort = g, period − g = e}
//! at the respondent level (solved exactly on the cells), never-treated units
//! as the comparison (or, when every unit adopts, the last cohort before it
//! adopts), then per event time the cohorts' coefficients weighted by their
//! share of the respondents there; CR1 by unit as fixest.

use nalgebra::{DMatrix, DVector};

use super::super::cluster::{CellRegression, FitError};
use super::super::distributions::t_quantile;
use super::{Cell, Panel};

#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub ci95: [f64; 2],
}

#[derive(Debug, Clone, PartialEq)]
pub struct SunAbraham {
    /// Per cohort and event time the saturated model's coefficient.
    pub coefficients: Vec<((usize, i64), Effect)>,
    /// Per event time (−1, the reference, left out) the interaction-weighted effect.
    pub event_study: Vec<(i64, Effect)>,
    /// All post-adoption coefficients weighted by their respondents.
    pub overall: Effect,
    /// The cohort used as the comparison when no unit stays untreated.
    pub control_cohort: Option<usize>,
}

pub fn sun_abraham(panel: &Panel) -> Result<SunAbraham, FitError> {
    let cohorts = panel.cohorts();
    let never = panel.cells.iter().any(|c| panel.cohort[c.unit].is_none());
    // Without never-treated units the last cohort is the comparison, before it adopts.
    let control_cohort = (!never).then(|| *cohorts.last().expect("a cohort"));
    let cells: Vec<&Cell> = panel
        .cells
        .iter()
        .filter(|c| control_cohort.is_none_or(|last| c.period < last))
        .collect();
    let treated = |c: &Cell| panel.cohort[c.unit].filter(|&g| Some(g) != control_cohort);
    let event = |c: &Cell, g: usize| c.period as i64 - g as i64;
    let mut terms: Vec<(usize, i64)> = cells
        .iter()
        .filter_map(|c| treated(c).map(|g| (g, event(c, g))))
        .filter(|&(_, e)| e != -1)
        .collect();
    terms.sort_unstable();
    terms.dedup();

    let mut units: Vec<usize> = cells.iter().map(|c| c.unit).collect();
    units.sort_unstable();
    units.dedup();
    let mut periods: Vec<usize> = cells.iter().map(|c| c.period).collect();
    periods.sort_unstable();
    periods.dedup();
    let (g, t, q) = (units.len(), periods.len(), terms.len());
    let unit_of = |u: usize| units.binary_search(&u).expect("a unit of the cells");
    let period_of = |p: usize| periods.binary_search(&p).expect("a period of the cells");
    let x = DMatrix::from_fn(cells.len(), g + t - 1 + q, |r, j| {
        let c = cells[r];
        if j < g {
            (unit_of(c.unit) == j) as u8 as f64
        } else if j < g + t - 1 {
            (period_of(c.period) == j - g + 1) as u8 as f64
        } else {
            let (h, e) = terms[j + 1 - g - t];
            (treated(c) == Some(h) && event(c, h) == e) as u8 as f64
        }
    });
    let reg = CellRegression {
        x,
        n: cells.iter().map(|c| c.m.n as f64).collect(),
        mean: cells.iter().map(|c| c.m.mean().unwrap_or(0.0)).collect(),
        ss: cells.iter().map(|c| c.m.sum_of_squares()).collect(),
        cluster: cells.iter().map(|c| unit_of(c.unit)).collect(),
        clusters: g,
    };
    let fit = reg.fit()?;
    // fixest's K: the slopes and the wave effects, unit effects nested in the clusters.
    let k_adjust = t + q;
    let respondents: Vec<f64> = terms
        .iter()
        .map(|&(h, e)| {
            cells
                .iter()
                .filter(|c| treated(c) == Some(h) && event(c, h) == e)
                .map(|c| c.m.n as f64)
                .sum()
        })
        .collect();
    let combine = |keep: &dyn Fn(usize) -> bool| -> Effect {
        let total: f64 = (0..q).filter(|&i| keep(i)).map(|i| respondents[i]).sum();
        let mut contrast = DVector::zeros(g + t - 1 + q);
        for i in (0..q).filter(|&i| keep(i)) {
            contrast[g + t - 1 + i] = respondents[i] / total;
        }
        let inf = reg.cr1(&fit, &contrast, k_adjust);
        let df = (g - 1) as f64;
        let half = t_quantile(0.975, df) * inf.se;
        Effect {
            estimate: inf.estimate,
            se: inf.se,
            df,
            ci95: [inf.estimate - half, inf.estimate + half],
        }
    };
    let mut times: Vec<i64> = terms.iter().map(|t| t.1).collect();
    times.dedup();
    times.sort_unstable();
    times.dedup();
    Ok(SunAbraham {
        coefficients: (0..q).map(|i| (terms[i], combine(&|j| j == i))).collect(),
        event_study: times
            .iter()
            .map(|&e| (e, combine(&|i| terms[i].1 == e)))
            .collect(),
        overall: combine(&|i| terms[i].1 >= 0),
        control_cohort,
    })
}
