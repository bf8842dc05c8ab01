//! The leadership dashboard as data: per wave, dimension and unit (and for
//! every unit, its whole subtree), the mean score with its 95 % interval,
//! the organisation's line, and response rates; hidden as the wave's
//! disclosure plan says.
//!
//! Pure: the caller brings the scored cells (an [`Accumulator`]), the unit
//! tree, the invitation counts and each wave's plan ([`crate::disclosure`]);
//! a hidden figure carries no number, so no page, export or API answer can
//! leak one.

use serde::Serialize;

use crate::disclosure::Plan;
use crate::scoring::Accumulator;
use std::collections::HashMap;

use crate::stats::descriptive::Moments;
use crate::stats::distributions::t_quantile;
use crate::survey::{Language, Survey};

/// A unit in the organisation's tree; `parent` indexes the same list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Node {
    pub code: String,
    pub name: String,
    pub parent: Option<usize>,
}

/// One wave as the caller knows it.
#[derive(Debug, Clone)]
pub struct WaveInput {
    pub name: String,
    pub min_group: u64,
    /// Still taking answers, and until when (for what the page says meanwhile).
    pub open: bool,
    pub closes_on: Option<String>,
    /// The accumulator's index of this wave (None: no responses yet).
    pub acc_wave: Option<usize>,
    /// Per node: invitations and answered invitations of that unit itself.
    pub invited: Vec<u64>,
    pub answered: Vec<u64>,
    /// The wave's disclosure plan over the nodes.
    pub plan: Plan,
    /// The wave shows figures at all (closed, large enough).
    pub publishes: bool,
    /// The wave's answered invitations, when they may be shown (an open
    /// wave shows this alone).
    pub total_answered: Option<u64>,
}

/// One of the study's published groups besides the unit tree, as the caller
/// knows it: an arm, or a roll-out cohort (and the units that never adopt).
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub id: String,
    pub name: String,
    /// Node indices.
    pub members: Vec<usize>,
    /// The group's index among the plans' extra groups.
    pub plan_group: usize,
    /// Index into the waves of the first wave after the group adopted.
    pub adopted_at: Option<usize>,
}

/// A published group: an arm or a roll-out cohort, with its units.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
    /// The codes of its units.
    pub units: Vec<String>,
    /// The first wave after the group adopted the method (none: it has not).
    pub adopted_at: Option<String>,
}

/// A mean with its interval, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figure {
    /// Scored respondents; None when hidden.
    pub n: Option<u64>,
    pub mean: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// Hidden by the minimum group size (its own or a complementary hiding).
    pub suppressed: bool,
}

impl Figure {
    const HIDDEN: Figure = Figure {
        n: None,
        mean: None,
        ci95: None,
        suppressed: true,
    };

    fn of(m: &Moments, t: &mut TQuantiles) -> Figure {
        let mean = m.mean();
        let ci95 = match (mean, m.sd()) {
            (Some(mean), Some(sd)) if m.n >= 2 => {
                let half = t.get(m.n - 1) * sd / (m.n as f64).sqrt();
                Some([mean - half, mean + half])
            }
            _ => None,
        };
        Figure {
            n: Some(m.n),
            mean,
            ci95,
            suppressed: false,
        }
    }
}

/// The 97.5 % quantiles of t by degrees of freedom, computed once each: a
/// dashboard needs tens of thousands of intervals but few distinct df.
#[derive(Default)]
struct TQuantiles(HashMap<u64, f64>);

impl TQuantiles {
    fn get(&mut self, df: u64) -> f64 {
        *self
            .0
            .entry(df)
            .or_insert_with(|| t_quantile(0.975, df as f64))
    }
}

/// Invited and answered in a unit's subtree; answered hidden like the scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rate {
    pub invited: u64,
    pub answered: Option<u64>,
    pub rate: Option<f64>,
    pub suppressed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DimensionRef {
    pub id: String,
    pub name: String,
    /// Lower scores are better (conflicts): a fall is an improvement.
    pub lower_is_better: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WaveRef {
    pub name: String,
    pub min_group: u64,
    /// Still taking answers: its figures appear when it closes.
    pub open: bool,
    pub closes_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub survey: String,
    pub scale: [i32; 2],
    pub dimensions: Vec<DimensionRef>,
    pub waves: Vec<WaveRef>,
    pub units: Vec<Node>,
    /// [wave][dimension]: everyone.
    pub organisation: Vec<Vec<Figure>>,
    /// [wave][dimension][unit]: the unit with its subtree.
    pub figures: Vec<Vec<Vec<Figure>>>,
    /// [wave]: everyone.
    pub organisation_rates: Vec<Rate>,
    /// [wave][unit]: the unit with its subtree.
    pub rates: Vec<Vec<Rate>>,
    /// The arms, or the roll-out's cohorts.
    pub groups: Vec<GroupRef>,
    /// [wave][dimension][group], hidden as the wave's plan hides the group.
    pub group_figures: Vec<Vec<Vec<Figure>>>,
    /// What reorganisations did to the lines (merged units combined before
    /// the merge, split units ending), in the reader's language.
    pub notes: Vec<Note>,
}

/// What one reorganisation did to the lines, and the units it concerns.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Note {
    pub text: String,
    /// Indices into `units`: the units on either side of the change and
    /// their parents, where they are still units; a viewer limited to a
    /// subtree sees the notes about a unit in it.
    pub units: Vec<usize>,
}

/// Builds the dashboard. `acc_unit[i]` is the accumulator's index of node i
/// (None: no responses in any wave).
pub fn build(
    survey: &Survey,
    lang: Language,
    nodes: &[Node],
    waves: &[WaveInput],
    acc: &Accumulator,
    acc_unit: &[Option<usize>],
    groups: &[GroupInput],
) -> Dashboard {
    let parent: Vec<Option<usize>> = nodes.iter().map(|n| n.parent).collect();
    let order = subtree_order(&parent);
    let dims = survey.dimensions.len();
    let mut t = TQuantiles::default();
    let mut organisation = Vec::with_capacity(waves.len());
    let mut figures = Vec::with_capacity(waves.len());
    let mut organisation_rates = Vec::with_capacity(waves.len());
    let mut rates = Vec::with_capacity(waves.len());
    let mut group_figures = Vec::with_capacity(waves.len());
    for wave in waves {
        let mut wave_org = Vec::with_capacity(dims);
        let mut wave_figures = Vec::with_capacity(dims);
        let mut wave_groups = Vec::with_capacity(dims);
        for d in 0..dims {
            let own: Vec<Moments> = (0..nodes.len())
                .map(|i| {
                    let cell = wave
                        .acc_wave
                        .zip(acc_unit[i])
                        .and_then(|(w, u)| acc.waves[w].cells.get(u).and_then(Option::as_ref));
                    match cell {
                        Some(c) => c.scores(&acc.layout, d),
                        None => Moments::with_origin(acc.layout.mirror as f64 / 2.0),
                    }
                })
                .collect();
            let plan = &wave.plan;
            let zero = Moments::with_origin(acc.layout.mirror as f64 / 2.0);
            wave_groups.push(
                groups
                    .iter()
                    .map(|g| {
                        let shown = plan.group_shown.get(g.plan_group).copied();
                        if !(wave.publishes && shown == Some(true)) {
                            return Figure::HIDDEN;
                        }
                        let mut m = zero;
                        g.members
                            .iter()
                            .filter_map(|&i| own.get(i))
                            .for_each(|x| m.merge(x));
                        Figure::of(&m, &mut t)
                    })
                    .collect::<Vec<_>>(),
            );
            let (subtree, total) = roll_up(&parent, &order, own, zero, |a, b| a.merge(b));
            wave_org.push(if wave.publishes && plan.total_shown {
                Figure::of(&total, &mut t)
            } else {
                Figure::HIDDEN
            });
            wave_figures.push(
                subtree
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        if wave.publishes && plan.subtree_shown[i] {
                            Figure::of(m, &mut t)
                        } else {
                            Figure::HIDDEN
                        }
                    })
                    .collect(),
            );
        }
        let pairs: Vec<(u64, u64)> = wave
            .invited
            .iter()
            .zip(&wave.answered)
            .map(|(&i, &a)| (i, a))
            .collect();
        let (subtree, total) = roll_up(&parent, &order, pairs, (0, 0), |a, b| {
            a.0 += b.0;
            a.1 += b.1;
        });
        organisation.push(wave_org);
        figures.push(wave_figures);
        group_figures.push(wave_groups);
        organisation_rates.push(rate(total, wave.total_answered.is_none()));
        rates.push(
            subtree
                .into_iter()
                .enumerate()
                .map(|(i, p)| rate(p, !(wave.publishes && wave.plan.subtree_shown[i])))
                .collect(),
        );
    }
    Dashboard {
        survey: survey.key.clone(),
        scale: [survey.scale.min, survey.scale.max],
        dimensions: survey
            .dimensions
            .iter()
            .map(|d| DimensionRef {
                id: d.id.clone(),
                name: d.name.get(lang).to_owned(),
                lower_is_better: d.direction == crate::survey::Direction::LowerIsBetter,
            })
            .collect(),
        waves: waves
            .iter()
            .map(|w| WaveRef {
                name: w.name.clone(),
                min_group: w.min_group,
                open: w.open,
                closes_on: w.closes_on.clone(),
            })
            .collect(),
        units: nodes.to_vec(),
        organisation,
        figures,
        organisation_rates,
        rates,
        groups: groups
            .iter()
            .map(|g| GroupRef {
                id: g.id.clone(),
                name: g.name.clone(),
                units: g
                    .members
                    .iter()
                    .filter_map(|&i| nodes.get(i).map(|n| n.code.clone()))
                    .collect(),
                adopted_at: g
                    .adopted_at
                    .and_then(|w| waves.get(w))
                    .map(|w| w.name.clone()),
            })
            .collect(),
        group_figures,
        notes: Vec::new(),
    }
}

fn rate((invited, answered): (u64, u64), hidden: bool) -> Rate {
    Rate {
        invited,
        answered: (!hidden).then_some(answered),
        rate: (!hidden && invited > 0).then(|| answered as f64 / invited as f64),
        suppressed: hidden,
    }
}

/// Nodes children-first (every node after all of its descendants); nodes on
/// a parent cycle are left out.
fn subtree_order(parent: &[Option<usize>]) -> Vec<usize> {
    let n = parent.len();
    let mut children = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) if *p < n => children[*p].push(i),
            _ => roots.push(i),
        }
    }
    let mut pre = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut stack = roots;
    while let Some(i) = stack.pop() {
        if !std::mem::replace(&mut seen[i], true) {
            pre.push(i);
            stack.extend(&children[i]);
        }
    }
    pre.reverse();
    pre
}

/// Each node's value combined with its descendants', and the total of the
/// top-level nodes.
fn roll_up<T: Clone>(
    parent: &[Option<usize>],
    order: &[usize],
    own: Vec<T>,
    zero: T,
    add: impl Fn(&mut T, &T),
) -> (Vec<T>, T) {
    let mut sub = own;
    let mut total = zero;
    for &i in order {
        match parent[i].filter(|&p| p < sub.len()) {
            Some(p) => {
                let child = sub[i].clone();
                add(&mut sub[p], &child);
            }
            None => add(&mut total, &sub[i]),
        }
    }
    (sub, total)
}

impl Dashboard {
    /// What a viewer limited to unit `root` may see: that unit and everything
    /// under it (re-indexed, `root` at the top), the organisation's line, and
    /// no group lines (the arms and cohorts span other units). Every figure
    /// kept is one the plan published, so this shows a part of what the whole
    /// dashboard shows.
    pub fn within(self, root: usize) -> Dashboard {
        let n = self.units.len();
        let mut keep = vec![false; n];
        for (i, k) in keep.iter_mut().enumerate() {
            let mut at = Some(i);
            let mut steps = 0;
            while let Some(u) = at.filter(|_| steps <= n) {
                if u == root {
                    *k = true;
                    break;
                }
                at = self.units.get(u).and_then(|x| x.parent);
                steps += 1;
            }
        }
        let index: Vec<Option<usize>> = keep
            .iter()
            .scan(0, |next, &k| {
                let at = k.then_some(*next);
                *next += k as usize;
                Some(at)
            })
            .collect();
        let pick = |row: &Vec<Figure>| -> Vec<Figure> {
            row.iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(f, _)| *f)
                .collect()
        };
        Dashboard {
            units: self
                .units
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                // The root's parent is not kept, so it comes out on top.
                .map(|(u, _)| Node {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    parent: u.parent.and_then(|p| index[p]),
                })
                .collect(),
            figures: self
                .figures
                .iter()
                .map(|w| w.iter().map(pick).collect())
                .collect(),
            rates: self
                .rates
                .iter()
                .map(|w| {
                    w.iter()
                        .zip(&keep)
                        .filter(|(_, k)| **k)
                        .map(|(r, _)| *r)
                        .collect()
                })
                .collect(),
            groups: Vec::new(),
            group_figures: self
                .waves
                .iter()
                .map(|_| self.dimensions.iter().map(|_| Vec::new()).collect())
                .collect(),
            notes: self
                .notes
                .iter()
                .filter(|note| note.units.iter().any(|&u| keep.get(u) == Some(&true)))
                .map(|note| Note {
                    text: note.text.clone(),
                    units: note.units.iter().filter_map(|&u| index[u]).collect(),
                })
                .collect(),
            ..self
        }
    }

    pub fn dimension(&self, id: &str) -> Option<usize> {
        self.dimensions.iter().position(|d| d.id == id)
    }

    pub fn unit(&self, code: &str) -> Option<usize> {
        self.units.iter().position(|u| u.code == code)
    }

    /// Every unit, each followed by the units under it (depth first,
    /// siblings in code order): the order of an indented list.
    pub fn tree_order(&self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.units.len());
        let mut stack: Vec<usize> = self.children(None).into_iter().rev().collect();
        while let Some(u) = stack.pop() {
            order.push(u);
            stack.extend(self.children(Some(u)).into_iter().rev());
        }
        order
    }

    /// The units directly under `parent` (None: the top level), in code order.
    pub fn children(&self, parent: Option<usize>) -> Vec<usize> {
        let mut c: Vec<usize> = (0..self.units.len())
            .filter(|&i| self.units[i].parent == parent)
            .collect();
        c.sort_by(|&a, &b| self.units[a].code.cmp(&self.units[b].code));
        c
    }

    /// The change of unit `u` on dimension `d` from wave `w − 1` to `w`, when
    /// both figures are shown.
    pub fn change(&self, w: usize, d: usize, u: usize) -> Option<f64> {
        let now = self.figures.get(w)?.get(d)?.get(u)?.mean?;
        let before = self.figures.get(w.checked_sub(1)?)?.get(d)?.get(u)?.mean?;
        Some(now - before)
    }
}

#[cfg(test)]
mod tests;
