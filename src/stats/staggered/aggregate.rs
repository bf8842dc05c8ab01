//! The aggregations of `did`'s `aggte`: the ATT(g, t) averaged overall, by
//! event time, by cohort and by calendar period, each with its influence
//! function including, where the weights are estimated cohort shares, the
//! influence of estimating them.

use serde::Serialize;

use super::{GroupTime, Influence, Panel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Every post-adoption ATT(g, t) weighted by its cohort's size.
    Simple,
    /// By time since adoption (negative: before), overall the mean of e ≥ 0.
    Dynamic,
    /// By cohort (the mean of its post-adoption effects), overall weighted by cohort size.
    Group,
    /// By calendar period, overall their mean.
    Calendar,
}

/// One estimate of an aggregation: where it is (event time, cohort or
/// period; 0 for the overall), the effect and its influence function.
#[derive(Debug, Clone)]
pub struct Part {
    pub at: i64,
    pub att: f64,
    pub influence: Influence,
    /// The universal base period (event time −1): zero with no variance.
    pub reference: bool,
}

#[derive(Debug, Clone)]
pub struct Aggregate {
    pub kind: Aggregation,
    pub overall: Part,
    /// Empty for `Simple`.
    pub parts: Vec<Part>,
}

/// Aggregates `gt` (from [`super::group_time`] on `panel`).
pub fn aggregate(panel: &Panel, gt: &[GroupTime], kind: Aggregation) -> Aggregate {
    let weights = CohortWeights::of(panel);
    let cells = panel.cells.len();
    // Estimates (cohort, effect, influence) weighted by their cohorts' shares, with the
    // influence of estimating the shares.
    let weighted = |items: &[(usize, f64, &Influence)], at: i64, reference: bool| -> Part {
        let total: f64 = items.iter().map(|x| weights.share(x.0)).sum();
        let mut influence = Influence::zero(cells);
        let mut att = 0.0;
        for &(g, a, i) in items {
            let w = weights.share(g) / total;
            att += w * a;
            influence.add_scaled(w, i);
        }
        let keyed: Vec<(usize, f64)> = items.iter().map(|x| (x.0, x.1)).collect();
        weights.add_estimation_effect(panel, &keyed, &mut influence);
        Part {
            at,
            att,
            influence,
            reference,
        }
    };
    // Estimates (effect, influence) averaged with equal weights.
    let mean = |items: &[(f64, &Influence)], at: i64| -> Part {
        let w = 1.0 / items.len() as f64;
        let mut influence = Influence::zero(cells);
        items.iter().for_each(|x| influence.add_scaled(w, x.1));
        Part {
            at,
            att: items.iter().map(|x| x.0).sum::<f64>() * w,
            influence,
            reference: false,
        }
    };
    let of_cells = |keep: &[&GroupTime], at: i64| {
        let items: Vec<(usize, f64, &Influence)> = keep
            .iter()
            .map(|x| (x.cohort, x.att, &x.influence))
            .collect();
        weighted(&items, at, keep.iter().all(|x| x.reference))
    };
    let of_parts = |parts: &[&Part]| {
        let items: Vec<(f64, &Influence)> = parts.iter().map(|p| (p.att, &p.influence)).collect();
        mean(&items, 0)
    };
    let post: Vec<&GroupTime> = gt.iter().filter(|x| x.post()).collect();
    match kind {
        Aggregation::Simple => Aggregate {
            kind,
            overall: of_cells(&post, 0),
            parts: Vec::new(),
        },
        Aggregation::Dynamic => {
            let mut times: Vec<i64> = gt.iter().map(GroupTime::event_time).collect();
            times.sort_unstable();
            times.dedup();
            let parts: Vec<Part> = times
                .iter()
                .map(|&e| {
                    let keep: Vec<&GroupTime> = gt.iter().filter(|x| x.event_time() == e).collect();
                    of_cells(&keep, e)
                })
                .collect();
            let after: Vec<&Part> = parts.iter().filter(|p| p.at >= 0).collect();
            Aggregate {
                kind,
                overall: of_parts(&after),
                parts,
            }
        }
        Aggregation::Group => {
            // Per cohort the mean of its post-adoption effects; overall weighted by cohort size.
            let parts: Vec<Part> = panel
                .cohorts()
                .into_iter()
                .filter_map(|g| {
                    let keep: Vec<(f64, &Influence)> = post
                        .iter()
                        .filter(|x| x.cohort == g)
                        .map(|x| (x.att, &x.influence))
                        .collect();
                    (!keep.is_empty()).then(|| mean(&keep, g as i64))
                })
                .collect();
            let items: Vec<(usize, f64, &Influence)> = parts
                .iter()
                .map(|p| (p.at as usize, p.att, &p.influence))
                .collect();
            Aggregate {
                kind,
                overall: weighted(&items, 0, false),
                parts,
            }
        }
        Aggregation::Calendar => {
            let mut periods: Vec<usize> = post.iter().map(|x| x.period).collect();
            periods.sort_unstable();
            periods.dedup();
            let parts: Vec<Part> = periods
                .iter()
                .map(|&t| {
                    let keep: Vec<&GroupTime> =
                        post.iter().copied().filter(|x| x.period == t).collect();
                    of_cells(&keep, t as i64)
                })
                .collect();
            let all: Vec<&Part> = parts.iter().collect();
            Aggregate {
                kind,
                overall: of_parts(&all),
                parts,
            }
        }
    }
}

/// Each cohort's share of all respondents, the weights of the aggregations.
struct CohortWeights {
    n: f64,
    respondents: Vec<(usize, f64)>,
}

impl CohortWeights {
    fn of(panel: &Panel) -> CohortWeights {
        let respondents = panel
            .cohorts()
            .into_iter()
            .map(|g| {
                let n = panel
                    .cells
                    .iter()
                    .filter(|c| panel.cohort[c.unit] == Some(g))
                    .map(|c| c.m.n as f64)
                    .sum();
                (g, n)
            })
            .collect();
        CohortWeights {
            n: panel.n(),
            respondents,
        }
    }

    fn share(&self, g: usize) -> f64 {
        self.respondents
            .iter()
            .find(|(h, _)| *h == g)
            .map_or(0.0, |(_, n)| n / self.n)
    }

    /// Adds to `influence` the effect of estimating the shares of the cohorts
    /// of `keyed` (cohort, effect), as `did`'s `wif`: a respondent of cohort h
    /// contributes Σ_k att_k [(1{h = g_k} − p_k)/S − p_k Σ_j (1{h = g_j} − p_j)/S²],
    /// S = Σ_k p_k.
    fn add_estimation_effect(
        &self,
        panel: &Panel,
        keyed: &[(usize, f64)],
        influence: &mut Influence,
    ) {
        let p: Vec<f64> = keyed.iter().map(|&(g, _)| self.share(g)).collect();
        let s: f64 = p.iter().sum();
        let of_cohort = |h: Option<usize>| -> f64 {
            let hit = |g: usize| (h == Some(g)) as u8 as f64;
            let row_sum: f64 = keyed.iter().zip(&p).map(|(&(g, _), p)| hit(g) - p).sum();
            keyed
                .iter()
                .zip(&p)
                .map(|(&(g, att), p)| att * ((hit(g) - p) / s - p * row_sum / (s * s)))
                .sum()
        };
        let never = of_cohort(None);
        let by_cohort: Vec<(usize, f64)> = self
            .respondents
            .iter()
            .map(|&(g, _)| (g, of_cohort(Some(g))))
            .collect();
        for (i, c) in panel.cells.iter().enumerate() {
            influence.a[i] += match panel.cohort[c.unit] {
                None => never,
                Some(g) => by_cohort
                    .iter()
                    .find(|(h, _)| *h == g)
                    .map_or(never, |x| x.1),
            };
        }
    }
}
