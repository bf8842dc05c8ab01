//! The effect report under the disclosure plan.
//!
//! Every statistic of the report is a function of unit × wave cells, and two
//! statistics that weight a hidden unit differently (the respondent-weighted
//! DiD and the unit-weighted Donald–Lang view, say) could be solved together
//! for it. So the report never sees a hidden unit apart: the hidden units of
//! each arm are pooled into one pseudo-unit, whose cells are the arm's hidden
//! part that the plan already publishes. An arm that the plan does not
//! publish in a wave (fewer respondents than the minimum, or no way to
//! protect a small unit in it) refuses the report.

use crate::disclosure::Plan;
use crate::scoring::Accumulator;

use super::{DesignError, DesignRequest};

/// The pooled unit of the pilot arm's hidden units.
pub const POOLED_PILOT: &str = "(pooled pilot units)";
/// The pooled unit of the control arm's hidden units.
pub const POOLED_CONTROL: &str = "(pooled control units)";

/// What the estimators may see.
#[derive(Debug, Clone)]
pub struct Disclosed {
    pub acc: Accumulator,
    pub units: Vec<String>,
    pub request: DesignRequest,
    /// The pooled units and the units they hold.
    pub pooled: Vec<(String, Vec<String>)>,
}

/// Pools the hidden units of each arm. `plans[w]` is wave w's plan over the
/// accumulator's units, with the pilot arm as its group 0 and the control
/// arm as group 1; `waves` names the accumulator's waves.
pub fn disclose(
    acc: &Accumulator,
    waves: &[String],
    units: &[String],
    request: &DesignRequest,
    plans: &[Plan],
) -> Result<Disclosed, DesignError> {
    let pilot: Vec<usize> = request
        .pilot
        .iter()
        .filter_map(|p| units.iter().position(|u| u == p))
        .collect();
    let control: Vec<usize> = match &request.control {
        Some(c) => c
            .iter()
            .filter_map(|p| units.iter().position(|u| u == p))
            .collect(),
        None => (0..units.len()).filter(|u| !pilot.contains(u)).collect(),
    };
    let respondents = |w: usize, u: usize| acc.respondents(w, u);
    for (w, plan) in plans.iter().enumerate() {
        let has = |arm: &[usize]| arm.iter().any(|&u| respondents(w, u) > 0);
        if !has(&pilot) && !has(&control) {
            continue;
        }
        if !plan.total_shown {
            return Err(DesignError::WaveHidden {
                wave: waves[w].clone(),
                min_group: plan.min_group,
            });
        }
        for (g, arm, name) in [(0, &pilot, "pilot"), (1, &control, "control")] {
            if has(arm) && !plan.group_shown.get(g).copied().unwrap_or(false) {
                return Err(DesignError::ArmHidden {
                    wave: waves[w].clone(),
                    arm: name,
                    min_group: plan.min_group,
                });
            }
        }
    }
    let (pooled_acc, names, arms, pooled) = pool_hidden(
        acc,
        units,
        &[(&pilot, POOLED_PILOT), (&control, POOLED_CONTROL)],
        plans,
    );
    let [pilot, control]: [Vec<String>; 2] = arms.try_into().expect("two arms");
    Ok(Disclosed {
        acc: pooled_acc,
        units: names,
        request: DesignRequest {
            pilot,
            control: Some(control),
            first_post_wave: request.first_post_wave.clone(),
        },
        pooled,
    })
}

/// Pools, within each group of `groups` (its units and the name of its pooled
/// unit), the units that some wave's plan hides into one unit. Returns the
/// accumulator over the new units (units in no group dropped), their names,
/// each group's unit names and the pooled units with what they hold.
#[allow(clippy::type_complexity)]
pub fn pool_hidden(
    acc: &Accumulator,
    units: &[String],
    groups: &[(&[usize], &str)],
    plans: &[Plan],
) -> (
    Accumulator,
    Vec<String>,
    Vec<Vec<String>>,
    Vec<(String, Vec<String>)>,
) {
    let respondents = |w: usize, u: usize| acc.respondents(w, u);
    let hidden = |u: usize| {
        plans
            .iter()
            .enumerate()
            .any(|(w, p)| respondents(w, u) > 0 && p.unit_hidden.get(u).copied().unwrap_or(true))
    };
    let mut names: Vec<String> = Vec::new();
    let mut map = vec![usize::MAX; units.len()];
    let mut pooled = Vec::new();
    let mut members: Vec<Vec<String>> = vec![Vec::new(); groups.len()];
    for (a, &(group, pool)) in groups.iter().enumerate() {
        let mut held = Vec::new();
        for &u in group {
            if hidden(u) {
                held.push(u);
            } else {
                map[u] = names.len();
                names.push(units[u].clone());
                members[a].push(units[u].clone());
            }
        }
        if !held.is_empty() {
            for &u in &held {
                map[u] = names.len();
            }
            names.push(pool.to_owned());
            members[a].push(pool.to_owned());
            pooled.push((
                pool.to_owned(),
                held.iter().map(|&u| units[u].clone()).collect(),
            ));
        }
    }
    // Units in no group play no part in the estimates.
    let outside = names.len();
    for m in map.iter_mut().filter(|m| **m == usize::MAX) {
        *m = outside;
    }
    let mut pooled_acc = acc.remap_units(&map);
    for w in pooled_acc.waves.iter_mut() {
        w.cells.truncate(outside);
    }
    (pooled_acc, names, members, pooled)
}
