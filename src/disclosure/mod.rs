//! The disclosure-control plan: which units' figures klimat may show in one
//! wave, decided once, for every output together.
//!
//! Every figure klimat publishes about a wave (a mean, an SD, a count, a
//! response rate, an effect estimate) is a function of sums over *published
//! groups* of units: every node of the unit tree (a unit with everything
//! under it), every arm of the study, the organisation, and every unit the
//! plan shows. A reader who sees several of them can add and subtract: this
//! is the linked-tables problem of statistical disclosure control. The plan
//! hides units (their own figures) so that nothing below the minimum group
//! size can be derived from any combination of published sums:
//!
//! 1. **Primary**: a unit with a count in (0, minimum) is hidden, and so are
//!    the own members of a unit that has units under it (they are never
//!    shown apart from their subtree).
//! 2. **Determined units**: a hidden unit whose sums follow exactly from the
//!    published groups (its indicator lies in the row space of the groups'
//!    hidden parts; tested by exact elimination modulo a 61-bit prime) is as
//!    good as shown. Below, "the hidden part" of a group means its hidden,
//!    not determined units.
//! 3. **Group rule**: in every published group, the hidden part's count is 0
//!    or at least the minimum, in every measure (respondents, scored persons
//!    per dimension, answered invitations); and when it has answers, not all
//!    of its invitations are answered (otherwise each hidden unit's count
//!    equals its invitations, which are shown). A violation hides the
//!    group's smallest visible unit; when none is left, the group is not
//!    published.
//! 4. **Small units are never determined**: a hidden small unit that is
//!    determined hides the smallest visible unit of the smallest published
//!    group around it that has one; when none has, the smallest published
//!    group containing it is withdrawn.
//!
//! Repeated until nothing changes (greedy, as tau-Argus's hypercube method
//! and sdcTable's SIMPLEHEURISTIC are). The property test at the bottom
//! checks the result against an independent rank computation over random
//! trees, arms and counts.
//!
//! Pure: counts in, flags out. No figure is computed here; callers publish
//! only what the plan shows.

mod span;
#[cfg(test)]
mod tests;

use serde::Serialize;

/// What one unit (its own members, not its subtree) holds in one wave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitCounts {
    /// Responses stored for the unit.
    pub respondents: u64,
    /// Per dimension: respondents with a score.
    pub scored: Vec<u64>,
    /// Invitations and answered invitations (0 for imported waves).
    pub invited: u64,
    pub answered: u64,
}

impl UnitCounts {
    /// A unit with `n` respondents scored on every one of `dims` dimensions.
    pub fn respondents(n: u64, dims: usize) -> UnitCounts {
        UnitCounts {
            respondents: n,
            scored: vec![n; dims],
            invited: 0,
            answered: 0,
        }
    }

    fn measures(&self) -> impl Iterator<Item = u64> + '_ {
        [self.respondents, self.answered]
            .into_iter()
            .chain(self.scored.iter().copied())
    }

    fn is_empty(&self) -> bool {
        self.respondents == 0 && self.invited == 0 && self.answered == 0
    }

    /// Some figure of the unit is below the minimum (and above zero).
    fn is_small(&self, min: u64) -> bool {
        self.measures().any(|m| m > 0 && m < min)
    }

    fn add(&mut self, o: &UnitCounts) {
        self.respondents += o.respondents;
        self.invited += o.invited;
        self.answered += o.answered;
        if self.scored.len() < o.scored.len() {
            self.scored.resize(o.scored.len(), 0);
        }
        for (a, b) in self.scored.iter_mut().zip(&o.scored) {
            *a += b;
        }
    }
}

/// A published group other than the unit tree's nodes: an arm of a study,
/// an adoption cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    /// Indices of the units whose own members it holds.
    pub members: Vec<usize>,
}

/// What a wave's outputs may show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub min_group: u64,
    /// Per unit: its own figures are hidden.
    pub unit_hidden: Vec<bool>,
    /// Per unit: the figure of its subtree (itself and everything under it)
    /// is published. For a unit without units under it, the same as shown.
    pub subtree_shown: Vec<bool>,
    /// Per extra group, in the order given: published.
    pub group_shown: Vec<bool>,
    /// The organisation (the wave's total) is published.
    pub total_shown: bool,
}

impl Plan {
    /// The plan that shows nothing (a wave below the minimum in total, or
    /// one still open).
    pub fn nothing(units: usize, groups: usize, min_group: u64) -> Plan {
        Plan {
            min_group,
            unit_hidden: vec![true; units],
            subtree_shown: vec![false; units],
            group_shown: vec![false; groups],
            total_shown: false,
        }
    }

    /// The plan that shows everything: for data that is already only what
    /// a plan published (pooled units).
    pub fn everything(units: usize, groups: usize, min_group: u64) -> Plan {
        Plan {
            min_group,
            unit_hidden: vec![false; units],
            subtree_shown: vec![true; units],
            group_shown: vec![true; groups],
            total_shown: true,
        }
    }

    /// Units whose own figures are shown.
    pub fn shown(&self, unit: usize) -> bool {
        !self.unit_hidden[unit]
    }
}

/// The unit tree and the other published groups of a wave.
#[derive(Debug, Clone)]
pub struct Structure {
    /// `parent[i]`: unit i's parent (None: top level). Units on a parent
    /// cycle are treated as top-level.
    pub parent: Vec<Option<usize>>,
    pub groups: Vec<Group>,
}

impl Structure {
    /// Units without a tree: every unit top-level.
    pub fn flat(units: usize) -> Structure {
        Structure {
            parent: vec![None; units],
            groups: Vec::new(),
        }
    }

    /// A unit tree with a study's two arms as its other published groups.
    pub fn with_arms(
        parent: Vec<Option<usize>>,
        pilot: Vec<usize>,
        control: Vec<usize>,
    ) -> Structure {
        Structure {
            parent,
            groups: vec![
                Group {
                    name: "pilot".into(),
                    members: pilot,
                },
                Group {
                    name: "control".into(),
                    members: control,
                },
            ],
        }
    }

    /// Each unit's subtree (itself first), with cycles broken.
    pub fn subtrees(&self) -> Vec<Vec<usize>> {
        let n = self.parent.len();
        let mut subtree: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
        for i in 0..n {
            // Walk up, at most n steps (a cycle stops there).
            let mut p = self.parent[i];
            let mut steps = 0;
            while let Some(a) = p.filter(|&a| a < n && a != i) {
                subtree[a].push(i);
                steps += 1;
                if steps > n {
                    break;
                }
                p = self.parent[a];
            }
        }
        subtree
    }
}

/// A published sum: the units it adds up and whether it is still published.
struct Published {
    members: Vec<usize>,
    shown: bool,
    /// Where the flag goes in the plan.
    place: Place,
}

#[derive(Clone, Copy)]
enum Place {
    Subtree(usize),
    Extra(usize),
    Total,
}

/// Decides the plan of one wave. `forced[i]` hides unit i whatever its
/// counts (used to keep a study's waves consistent); pass an empty slice for
/// none.
pub fn decide(
    structure: &Structure,
    counts: &[UnitCounts],
    min_group: u64,
    forced: &[bool],
) -> Plan {
    let n = counts.len();
    assert_eq!(structure.parent.len(), n, "one parent per unit");
    let min = min_group.max(1);
    let subtrees = structure.subtrees();
    let has_children: Vec<bool> = subtrees.iter().map(|s| s.len() > 1).collect();

    let mut total = UnitCounts::default();
    counts.iter().for_each(|c| total.add(c));
    if total.respondents < min {
        return Plan::nothing(n, structure.groups.len(), min_group);
    }

    let mut hidden: Vec<bool> = (0..n)
        .map(|i| {
            forced.get(i).copied().unwrap_or(false) || has_children[i] || counts[i].is_small(min)
        })
        .collect();

    // Every published sum: subtrees of units with units under them (a leaf's
    // own figure is the unit itself), the extra groups, the total.
    let mut published: Vec<Published> = Vec::new();
    for (i, s) in subtrees.iter().enumerate() {
        if has_children[i] {
            published.push(Published {
                members: s.clone(),
                shown: true,
                place: Place::Subtree(i),
            });
        }
    }
    for (g, group) in structure.groups.iter().enumerate() {
        let mut members: Vec<usize> = group.members.iter().copied().filter(|&u| u < n).collect();
        members.sort_unstable();
        members.dedup();
        published.push(Published {
            members,
            shown: true,
            place: Place::Extra(g),
        });
    }
    published.push(Published {
        members: (0..n).collect(),
        shown: true,
        place: Place::Total,
    });

    let nothing_known = vec![false; n];
    loop {
        // The group rule, first on the hidden parts as they are (the common
        // case: a small unit alone in its group), then less what the
        // published sums determine.
        if group_rule(&mut published, &mut hidden, &nothing_known, counts, min) {
            continue;
        }
        let determined = span::determined(&published_parts(&published, &hidden, counts));
        if group_rule(&mut published, &mut hidden, &determined, counts, min) {
            continue;
        }
        // Small units are never determined.
        let Some(u) = (0..n).find(|&u| hidden[u] && determined[u] && counts[u].is_small(min))
        else {
            break;
        };
        protect(u, &mut published, &mut hidden, counts);
    }

    let mut plan = Plan {
        min_group,
        unit_hidden: hidden.clone(),
        subtree_shown: hidden.iter().map(|h| !h).collect(),
        group_shown: vec![false; structure.groups.len()],
        total_shown: false,
    };
    for p in &published {
        match p.place {
            Place::Subtree(i) => plan.subtree_shown[i] = p.shown,
            Place::Extra(g) => plan.group_shown[g] = p.shown,
            Place::Total => plan.total_shown = p.shown,
        }
    }
    if !plan.total_shown {
        return Plan::nothing(n, structure.groups.len(), min_group);
    }
    // A subtree that is not published hides everything under it.
    for i in 0..n {
        if has_children[i] && !plan.subtree_shown[i] {
            for &u in &subtrees[i] {
                plan.unit_hidden[u] = true;
                plan.subtree_shown[u] = false;
            }
        }
    }
    plan
}

/// Applies the group rule to every published sum once; true when it hid
/// something or withdrew a group.
fn group_rule(
    published: &mut [Published],
    hidden: &mut [bool],
    determined: &[bool],
    counts: &[UnitCounts],
    min: u64,
) -> bool {
    let mut changed = false;
    for p in published.iter_mut().filter(|p| p.shown) {
        let part = hidden_part(&p.members, hidden, determined, counts, min);
        if !violates(&part, min) {
            continue;
        }
        match smallest_visible(&p.members, hidden, counts) {
            Some(u) => hidden[u] = true,
            None => p.shown = false,
        }
        changed = true;
    }
    changed
}

/// Makes the determined small unit `u` undetermined: hides the first of
/// the visible units around it (smallest first, from the smallest published
/// group around it) whose hiding does it, else the first of them; when none
/// is left, withdraws the smallest published group around it.
fn protect(u: usize, published: &mut [Published], hidden: &mut [bool], counts: &[UnitCounts]) {
    /// Candidates tried by elimination before settling for the smallest.
    const TRIALS: usize = 8;
    let mut around: Vec<usize> = (0..published.len())
        .filter(|&g| published[g].shown && published[g].members.contains(&u))
        .collect();
    around.sort_by_key(|&g| published[g].members.len());
    let mut candidates: Vec<usize> = Vec::new();
    for &g in &around {
        let mut visible: Vec<usize> = published[g]
            .members
            .iter()
            .copied()
            .filter(|&v| !hidden[v] && !counts[v].is_empty() && !candidates.contains(&v))
            .collect();
        visible.sort_by_key(|&v| (counts[v].respondents, counts[v].answered, v));
        candidates.extend(visible);
    }
    let Some(&first) = candidates.first() else {
        if let Some(&g) = around.first() {
            published[g].shown = false;
        }
        return;
    };
    for &v in candidates.iter().take(TRIALS) {
        hidden[v] = true;
        let still = span::determined(&published_parts(published, hidden, counts))[u];
        hidden[v] = false;
        if !still {
            hidden[v] = true;
            return;
        }
    }
    hidden[first] = true;
}

/// Per published sum, its hidden non-empty units (the unknowns a reader
/// faces).
fn published_parts(
    published: &[Published],
    hidden: &[bool],
    counts: &[UnitCounts],
) -> span::System {
    let unknowns: Vec<usize> = (0..hidden.len())
        .filter(|&u| hidden[u] && !counts[u].is_empty())
        .collect();
    let rows = published
        .iter()
        .filter(|p| p.shown)
        .map(|p| {
            p.members
                .iter()
                .copied()
                .filter(|&u| hidden[u] && !counts[u].is_empty())
                .collect()
        })
        .collect();
    span::System {
        units: hidden.len(),
        unknowns,
        rows,
    }
}

/// The sums of a group's hidden, not determined units, and whether one of
/// them is small.
struct Part {
    sums: UnitCounts,
    holds_small: bool,
}

fn hidden_part(
    members: &[usize],
    hidden: &[bool],
    determined: &[bool],
    counts: &[UnitCounts],
    min: u64,
) -> Part {
    let mut part = Part {
        sums: UnitCounts::default(),
        holds_small: false,
    };
    for &u in members {
        if hidden[u] && !determined[u] {
            part.sums.add(&counts[u]);
            part.holds_small |= counts[u].is_small(min);
        }
    }
    part
}

/// The hidden part of a published group gives something away: a sum below
/// the minimum, or a small unit's count pinned by its invitations (every
/// invitation of the part answered).
fn violates(part: &Part, min: u64) -> bool {
    let s = &part.sums;
    s.is_small(min) || (part.holds_small && s.answered > 0 && s.answered >= s.invited)
}

/// The visible non-empty unit with the fewest respondents (then the lowest
/// index), the cheapest to hide.
fn smallest_visible(members: &[usize], hidden: &[bool], counts: &[UnitCounts]) -> Option<usize> {
    members
        .iter()
        .copied()
        .filter(|&u| !hidden[u] && !counts[u].is_empty())
        .min_by_key(|&u| (counts[u].respondents, counts[u].answered, u))
}

/// The plans of a study's waves, made consistent: a unit hidden in one wave
/// is hidden in all of them, so that every wave's figures and the effect
/// report's pooled units cover the same units. Monotone (hiding more never
/// shows something a plan hid), so it ends.
pub fn decide_study(structure: &Structure, waves: &[(Vec<UnitCounts>, u64)]) -> Vec<Plan> {
    let n = structure.parent.len();
    let mut forced = vec![false; n];
    loop {
        let plans: Vec<Plan> = waves
            .iter()
            .map(|(counts, min)| decide(structure, counts, *min, &forced))
            .collect();
        let mut union = forced.clone();
        for (plan, (counts, _)) in plans.iter().zip(waves) {
            // A wave that shows nothing, or a unit with no one in it this
            // wave, says nothing about the unit in the other waves.
            if !plan.total_shown {
                continue;
            }
            for u in 0..n {
                let leaf_or_own = plan.unit_hidden[u] && !counts[u].is_empty();
                union[u] |= leaf_or_own;
            }
        }
        if union == forced {
            return plans;
        }
        forced = union;
    }
}
