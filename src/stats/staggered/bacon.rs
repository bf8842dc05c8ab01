//! The Goodman-Bacon (2021) decomposition of the static two-way fixed-effects
//! estimate on the unit × period cell means (each cell weighted equally, a
//! balanced table): the estimate is a weighted average of every 2 × 2
//! difference in differences between timing groups — each cohort against the
//! never-treated units, earlier against later cohorts before the later ones
//! adopt, and later against earlier cohorts after the earlier ones adopted,
//! the comparison that uses already-treated units as controls.

use serde::Serialize;

use super::Panel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// A cohort against the never-treated units.
    TreatedVsNever,
    /// An earlier cohort against a later one, before the later adopts.
    EarlierVsLater,
    /// A later cohort against an earlier one that has already adopted.
    LaterVsEarlier,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwoByTwo {
    pub comparison: Comparison,
    /// The cohort treated in this comparison (its first period).
    pub treated: usize,
    /// The comparison cohort (`None`: the never-treated units).
    pub control: Option<usize>,
    pub estimate: f64,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decomposition {
    pub comparisons: Vec<TwoByTwo>,
    /// Σ weight · estimate: the TWFE estimate on the cell means.
    pub twfe: f64,
    /// The total weight of the later-vs-earlier comparisons.
    pub forbidden_weight: f64,
}

/// `None` when the table is not balanced (a unit without respondents in some period).
pub fn decompose(panel: &Panel) -> Option<Decomposition> {
    let periods = panel.periods;
    let mut units: Vec<usize> = panel.cells.iter().map(|c| c.unit).collect();
    units.sort_unstable();
    units.dedup();
    let mut mean = vec![vec![f64::NAN; periods]; panel.cohort.len()];
    for c in &panel.cells {
        mean[c.unit][c.period] = c.m.mean()?;
    }
    if units.iter().any(|&u| mean[u].iter().any(|m| m.is_nan())) {
        return None;
    }
    let total = units.len() as f64;
    // A timing group's mean per period: the mean of its units' cell means.
    let group = |g: Option<usize>| -> (f64, Vec<f64>) {
        let members: Vec<usize> = units
            .iter()
            .copied()
            .filter(|&u| panel.cohort[u] == g)
            .collect();
        let m = (0..periods)
            .map(|t| members.iter().map(|&u| mean[u][t]).sum::<f64>() / members.len() as f64)
            .collect();
        (members.len() as f64 / total, m)
    };
    let window_mean =
        |m: &[f64], from: usize, to: usize| m[from..to].iter().sum::<f64>() / (to - from) as f64;
    // 2 × 2 over periods [from, to): treated switches at `switch`.
    let did = |treated: &[f64], control: &[f64], from: usize, switch: usize, to: usize| {
        (window_mean(treated, switch, to) - window_mean(treated, from, switch))
            - (window_mean(control, switch, to) - window_mean(control, from, switch))
    };
    let share = |g: usize| 1.0 - g as f64 / periods as f64; // D̄: the share of periods treated
    let cohorts = panel.cohorts();
    let (n_u, never) = group(None);
    let mut comparisons = Vec::new();
    for &k in &cohorts {
        let (n_k, yk) = group(Some(k));
        let d_k = share(k);
        if n_u > 0.0 {
            let n_ku = n_k / (n_k + n_u);
            comparisons.push(TwoByTwo {
                comparison: Comparison::TreatedVsNever,
                treated: k,
                control: None,
                estimate: did(&yk, &never, 0, k, periods),
                weight: (n_k + n_u).powi(2) * n_ku * (1.0 - n_ku) * d_k * (1.0 - d_k),
            });
        }
        for &l in cohorts.iter().filter(|&&l| l > k) {
            let (n_l, yl) = group(Some(l));
            let d_l = share(l);
            let n_kl = n_k / (n_k + n_l);
            comparisons.push(TwoByTwo {
                comparison: Comparison::EarlierVsLater,
                treated: k,
                control: Some(l),
                estimate: did(&yk, &yl, 0, k, l),
                weight: ((n_k + n_l) * (1.0 - d_l)).powi(2)
                    * n_kl
                    * (1.0 - n_kl)
                    * ((d_k - d_l) / (1.0 - d_l))
                    * ((1.0 - d_k) / (1.0 - d_l)),
            });
            comparisons.push(TwoByTwo {
                comparison: Comparison::LaterVsEarlier,
                treated: l,
                control: Some(k),
                estimate: did(&yl, &yk, k, l, periods),
                weight: ((n_k + n_l) * d_k).powi(2)
                    * n_kl
                    * (1.0 - n_kl)
                    * (d_l / d_k)
                    * ((d_k - d_l) / d_k),
            });
        }
    }
    let sum: f64 = comparisons.iter().map(|c| c.weight).sum();
    comparisons.iter_mut().for_each(|c| c.weight /= sum);
    Some(Decomposition {
        twfe: comparisons.iter().map(|c| c.weight * c.estimate).sum(),
        forbidden_weight: comparisons
            .iter()
            .filter(|c| c.comparison == Comparison::LaterVsEarlier)
            .map(|c| c.weight)
            .sum(),
        comparisons,
    })
}
