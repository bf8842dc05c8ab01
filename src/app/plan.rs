//! A study's disclosure-control plans read from the database: the one place
//! where the web, the API and the command line learn what they may show of
//! a wave. Every output of a study's waves (dashboard, API, wave status,
//! `klimat score --wave`, the effect report, exports) reads a [`StudyPlan`];
//! none decides hiding for itself.
//!
//! The published groups of a wave are every node of the unit tree, both
//! arms of the study and the wave total ([`crate::disclosure`] says how the
//! plan is decided). A study's waves hide the same units. An open wave
//! publishes no figures at all — answers arrive one at a time, so two
//! successive views would differ by one person — only its total count of
//! answers once it reaches the minimum.

use std::collections::HashMap;

use crate::disclosure::{self, Plan, Structure, UnitCounts};
use crate::scoring::Accumulator;
use crate::store::studies::{Study, Wave};
use crate::store::{DbConnection, StoreError, invitations, studies, units};

/// One wave's plan over the organisation's units.
#[derive(Debug, Clone)]
pub struct WavePlan {
    pub wave: Wave,
    /// Still taking answers: no figures until it closes.
    pub open: bool,
    pub plan: Plan,
    /// Per unit (own members): what the plan was decided on.
    pub counts: Vec<UnitCounts>,
}

impl WavePlan {
    /// The wave's figures may be shown at all.
    pub fn publishes(&self) -> bool {
        !self.open && self.plan.total_shown
    }

    /// The number of answers in the wave, when it may be shown: an open wave
    /// shows its total alone, once it reaches the minimum.
    pub fn total_answered(&self) -> Option<u64> {
        let answered: u64 = self.counts.iter().map(|c| c.answered).sum();
        let respondents: u64 = self.counts.iter().map(|c| c.respondents).sum();
        let min = self.plan.min_group.max(1);
        if self.open {
            (respondents >= min).then_some(answered)
        } else {
            self.plan.total_shown.then_some(answered)
        }
    }
}

/// The plans of every wave of a study, over the organisation's unit tree.
#[derive(Debug, Clone)]
pub struct StudyPlan {
    pub units: Vec<units::Unit>,
    pub parents: Vec<Option<usize>>,
    /// Per unit: its position in the accumulator the plan was made from.
    pub acc_unit: Vec<Option<usize>>,
    /// Unit indices of the study's arms.
    pub pilot: Vec<usize>,
    pub control: Vec<usize>,
    /// A roll-out's cohorts (groups 2, 3, … of `structure`), `None` for a one-date pilot.
    pub cohorts: Option<Vec<super::rollout::CohortGroup>>,
    /// The tree and the arms: the published groups the plans were decided on.
    pub structure: Structure,
    /// In the study's wave order.
    pub waves: Vec<WavePlan>,
    /// Every recorded reorganisation (merged units are under their
    /// successor in `parents`).
    pub history: crate::reorganisation::History,
}

impl StudyPlan {
    /// The plan of a wave by its id.
    pub fn wave(&self, id: i64) -> Option<&WavePlan> {
        self.waves.iter().find(|w| w.wave.id == id)
    }

    /// The unit index of a unit code.
    pub fn unit(&self, code: &str) -> Option<usize> {
        self.units.iter().position(|u| u.code == code)
    }

    /// Unit `u` is `root` or under it.
    pub fn within(&self, u: usize, root: usize) -> bool {
        std::iter::successors(Some(u), |&a| self.parents[a]).any(|a| a == root)
    }

    /// Per accumulator unit index: hidden in the given wave (true for units
    /// outside the tree); for [`crate::scoring::build`].
    pub fn acc_plan(&self, w: usize, acc_units: usize) -> Plan {
        let wp = &self.waves[w];
        let mut hidden = vec![true; acc_units];
        for (i, a) in self.acc_unit.iter().enumerate() {
            if let Some(a) = *a {
                hidden[a] = !wp.publishes() || wp.plan.unit_hidden[i];
            }
        }
        Plan {
            min_group: wp.plan.min_group,
            subtree_shown: hidden.iter().map(|h| !h).collect(),
            unit_hidden: hidden,
            group_shown: wp.plan.group_shown.clone(),
            total_shown: wp.publishes(),
        }
    }
}

/// Decides the plans of `study`'s `waves`, whose responses `acc` holds under
/// the names `wave_names` and `unit_codes`.
pub fn study_plan(
    conn: &mut DbConnection,
    study: &Study,
    waves: &[Wave],
    acc: &Accumulator,
    wave_names: &[String],
    unit_codes: &[String],
) -> Result<StudyPlan, StoreError> {
    let all = units::all(conn)?;
    let index: HashMap<i64, usize> = all.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let mut parents: Vec<Option<usize>> = all
        .iter()
        .map(|u| u.parent_id.and_then(|p| index.get(&p).copied()))
        .collect();
    // Units merged into one count as part of it: a merged unit's line shows
    // its predecessors combined before the merge, and the plan protects
    // that group like any other.
    let history = crate::store::unit_changes::history(conn)?;
    for change in &history.changes {
        if change.kind == crate::reorganisation::Kind::Merge
            && let Some(into) = change.after.first().and_then(|a| index.get(&a.unit_id))
        {
            for b in &change.before {
                if let Some(&u) = index.get(&b.unit_id) {
                    parents[u] = Some(*into);
                }
            }
        }
    }
    let by_code: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    let acc_unit: Vec<Option<usize>> = all
        .iter()
        .map(|u| unit_codes.iter().position(|c| *c == u.code))
        .collect();
    let (pilot, control) = studies::arms(conn, study)?;
    let arm = |codes: &[String]| -> Vec<usize> {
        codes
            .iter()
            .filter_map(|c| by_code.get(c.as_str()).copied())
            .collect()
    };
    let (pilot, control) = (arm(&pilot), arm(&control));
    let mut structure = Structure::with_arms(parents.clone(), pilot.clone(), control.clone());
    // A roll-out publishes each cohort (and the never-treated units) too.
    let cohorts = super::rollout::cohorts(conn, study, waves, &all, &pilot, &control)?;
    for (i, c) in cohorts.iter().flatten().enumerate() {
        structure.groups.push(disclosure::Group {
            name: format!("cohort {i}"),
            members: c.members.clone(),
        });
    }

    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let wave_index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut counts: Vec<Vec<UnitCounts>> = waves
        .iter()
        .map(|w| match wave_names.iter().position(|n| *n == w.name) {
            Some(aw) => {
                let by_acc = acc.unit_counts(aw, unit_codes.len());
                acc_unit
                    .iter()
                    .map(|a| match a {
                        Some(a) => by_acc[*a].clone(),
                        None => UnitCounts::respondents(0, acc.layout.dimensions.len()),
                    })
                    .collect()
            }
            None => vec![UnitCounts::respondents(0, acc.layout.dimensions.len()); all.len()],
        })
        .collect();
    for (wave, unit, invited, answered) in invitations::counts(conn, &ids)? {
        if let (Some(&w), Some(&u)) = (wave_index.get(&wave), index.get(&unit)) {
            counts[w][u].invited = invited;
            counts[w][u].answered = answered;
        }
    }

    // Open waves publish nothing and take no part in the study's plan.
    let open: Vec<bool> = waves
        .iter()
        .map(|w| w.state == crate::store::studies::WaveState::Open)
        .collect();
    let published: Vec<(Vec<UnitCounts>, u64)> = waves
        .iter()
        .zip(&counts)
        .zip(&open)
        .filter(|(_, o)| !**o)
        .map(|((w, c), _)| (c.clone(), w.min_group_size as u64))
        .collect();
    let mut decided = disclosure::decide_study(&structure, &published).into_iter();
    let plans = waves
        .iter()
        .zip(counts)
        .zip(open)
        .map(|((wave, counts), open)| {
            let plan = if open {
                Plan::nothing(
                    all.len(),
                    structure.groups.len(),
                    wave.min_group_size as u64,
                )
            } else {
                decided.next().expect("one plan per published wave")
            };
            WavePlan {
                wave: wave.clone(),
                open,
                plan,
                counts,
            }
        })
        .collect();
    Ok(StudyPlan {
        units: all,
        parents,
        acc_unit,
        pilot,
        control,
        cohorts,
        structure,
        waves: plans,
        history,
    })
}
