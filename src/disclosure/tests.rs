use super::{Group, Plan, Structure, UnitCounts, decide, decide_study};
use nalgebra::DMatrix;
use proptest::prelude::*;

fn units(ns: &[u64]) -> Vec<UnitCounts> {
    ns.iter().map(|&n| UnitCounts::respondents(n, 2)).collect()
}

/// The study: A (a1 12, a2 12, a3 3), B (b1 12, b2 11); pilot a3 + b1.
/// Indices: 0 A, 1 a1, 2 a2, 3 a3, 4 B, 5 b1, 6 b2.
fn the_probed_study() -> (Structure, Vec<UnitCounts>) {
    let structure = Structure {
        parent: vec![None, Some(0), Some(0), Some(0), None, Some(4), Some(4)],
        groups: vec![
            Group {
                name: "pilot".into(),
                members: vec![3, 5],
            },
            Group {
                name: "control".into(),
                members: vec![1, 2, 6],
            },
        ],
    };
    (structure, units(&[0, 12, 12, 3, 0, 12, 11]))
}

#[test]
fn the_small_unit_cannot_be_taken_out_of_its_division_its_arm_or_the_other_arm() {
    let (structure, counts) = the_probed_study();
    let plan = decide(&structure, &counts, 5, &[]);
    assert!(plan.total_shown);
    assert!(plan.unit_hidden[3], "a3 is below the minimum");
    // Pilot − b1 would give a3: b1 goes too. Division A − visible units would
    // give a3: a sibling goes. Control − visible control units would then give
    // that sibling, and A − sibling gives a3: a second control unit goes.
    assert!(plan.unit_hidden[5], "b1 protects a3 in the pilot arm");
    let hidden_in_a = [1, 2].iter().filter(|&&u| plan.unit_hidden[u]).count();
    assert!(hidden_in_a >= 1, "a sibling protects a3 in division A");
    assert_no_small_unit_derivable(&structure, &counts, &plan);
}

#[test]
fn nothing_is_hidden_when_every_unit_is_large_enough() {
    let (structure, mut counts) = the_probed_study();
    counts[3] = UnitCounts::respondents(7, 2);
    let plan = decide(&structure, &counts, 5, &[]);
    assert_eq!(
        plan.unit_hidden,
        vec![true, false, false, false, true, false, false],
        "only the divisions' own (empty) members"
    );
    assert!(plan.group_shown.iter().all(|&s| s));
}

#[test]
fn a_wave_below_the_minimum_shows_nothing() {
    let plan = decide(&Structure::flat(2), &units(&[2, 2]), 5, &[]);
    assert!(!plan.total_shown);
    assert!(plan.unit_hidden.iter().all(|&h| h));
}

#[test]
fn an_arm_below_the_minimum_is_not_published() {
    let structure = Structure {
        parent: vec![None; 3],
        groups: vec![Group {
            name: "pilot".into(),
            members: vec![0],
        }],
    };
    let plan = decide(&structure, &units(&[3, 20, 20]), 5, &[]);
    assert_eq!(plan.group_shown, vec![false]);
    assert!(plan.total_shown);
}

#[test]
fn answered_counts_are_not_pinned_by_the_invitations() {
    // Every invitation answered in both units of a division: A − a2 with
    // a2 shown gives a1's respondents; hiding a2 too still gives each its
    // invitations, unless a unit with a non-respondent joins.
    let counts = |n: u64, invited: u64| UnitCounts {
        respondents: n,
        scored: vec![n],
        invited,
        answered: n,
    };
    let structure = Structure {
        parent: vec![None, Some(0), Some(0), None],
        groups: vec![],
    };
    let c = vec![counts(0, 0), counts(3, 3), counts(12, 12), counts(20, 25)];
    let plan = decide(&structure, &c, 5, &[]);
    assert!(plan.unit_hidden[1] && plan.unit_hidden[2]);
    assert!(
        plan.unit_hidden[3] || !plan.subtree_shown[0],
        "a unit with non-respondents joins, or the division is not published"
    );
    assert_no_small_unit_derivable(&structure, &c, &plan);
}

#[test]
fn a_division_whose_units_are_all_hidden_may_still_be_shown() {
    // D = {d1: 3, d2: 3}: D shows 6, neither unit.
    let structure = Structure {
        parent: vec![None, Some(0), Some(0), None],
        groups: vec![],
    };
    let plan = decide(&structure, &units(&[0, 3, 3, 30]), 5, &[]);
    assert!(plan.subtree_shown[0]);
    assert!(plan.unit_hidden[1] && plan.unit_hidden[2]);
    assert!(plan.shown(3));
}

#[test]
fn a_studys_waves_hide_the_same_units() {
    let structure = Structure::flat(4);
    let waves = vec![(units(&[3, 12, 30, 40]), 5), (units(&[9, 12, 30, 40]), 5)];
    let plans = decide_study(&structure, &waves);
    assert_eq!(plans[0].unit_hidden, plans[1].unit_hidden);
    assert_eq!(plans[1].unit_hidden, vec![true, true, false, false]);
}

/// The reader's equations for one measure, solved independently of the plan's
/// own elimination (floating-point rank with nalgebra): every hidden small
/// unit must stay undetermined, and every published group's hidden part,
/// less the determined units, must be 0 or at least the minimum.
fn assert_no_small_unit_derivable(structure: &Structure, counts: &[UnitCounts], plan: &Plan) {
    if !plan.total_shown {
        return;
    }
    let n = counts.len();
    let min = plan.min_group;
    let subtrees = structure.subtrees();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, subtree) in subtrees.iter().enumerate() {
        if subtree.len() > 1 && plan.subtree_shown[i] {
            groups.push(subtree.clone());
        }
    }
    for (g, group) in structure.groups.iter().enumerate() {
        if plan.group_shown[g] {
            groups.push(group.members.clone());
        }
    }
    groups.push((0..n).collect());
    let unknown: Vec<usize> = (0..n)
        .filter(|&u| plan.unit_hidden[u] && !counts[u].is_empty())
        .collect();
    for i in 0..n {
        if subtrees[i].len() == 1 && !plan.unit_hidden[i] {
            assert!(!counts[i].is_small(min), "unit {i} is shown though small");
        }
        if subtrees[i].len() > 1 && !plan.subtree_shown[i] {
            for &u in &subtrees[i] {
                assert!(
                    plan.unit_hidden[u],
                    "unit {u} is shown under a hidden unit {i}"
                );
            }
        }
    }
    if unknown.is_empty() {
        return;
    }
    let rows: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| {
            unknown
                .iter()
                .map(|u| if g.contains(u) { 1.0 } else { 0.0 })
                .collect()
        })
        .collect();
    let rank = |rows: &[Vec<f64>]| {
        let m = DMatrix::from_fn(rows.len(), unknown.len(), |r, c| rows[r][c]);
        m.rank(1e-9)
    };
    let base = rank(&rows);
    let determined: Vec<bool> = (0..unknown.len())
        .map(|c| {
            let mut with = rows.clone();
            with.push(
                (0..unknown.len())
                    .map(|j| if j == c { 1.0 } else { 0.0 })
                    .collect(),
            );
            rank(&with) == base
        })
        .collect();
    for (c, &u) in unknown.iter().enumerate() {
        assert!(
            !(determined[c] && counts[u].is_small(min)),
            "hidden unit {u} ({:?}) is derivable",
            counts[u]
        );
    }
    for g in &groups {
        let mut part = UnitCounts::default();
        for (c, &u) in unknown.iter().enumerate() {
            if g.contains(&u) && !determined[c] {
                part.add(&counts[u]);
            }
        }
        assert!(
            !part.is_small(min),
            "a hidden part {part:?} of a published group {g:?} is derivable"
        );
    }
}

fn arb_case() -> impl Strategy<Value = (Structure, Vec<UnitCounts>, u64)> {
    (
        proptest::collection::vec((0usize..1000, 0u64..20, 0u64..4, 0u64..3), 2..30),
        proptest::collection::vec(proptest::collection::vec(0usize..1000, 1..8), 0..4),
        3u64..8,
    )
        .prop_map(|(shape, arms, min)| {
            let n = shape.len();
            let parent = shape
                .iter()
                .enumerate()
                .map(|(i, (p, ..))| {
                    if i == 0 || p % 3 == 0 {
                        None
                    } else {
                        Some(p % i)
                    }
                })
                .collect();
            let counts = shape
                .iter()
                .map(|&(_, r, skipped, unanswered)| UnitCounts {
                    respondents: r,
                    scored: vec![r, r.saturating_sub(skipped)],
                    invited: r + unanswered,
                    answered: r,
                })
                .collect();
            let groups = arms
                .into_iter()
                .enumerate()
                .map(|(g, m)| Group {
                    name: format!("arm {g}"),
                    members: m.into_iter().map(|u| u % n).collect(),
                })
                .collect();
            (Structure { parent, groups }, counts, min)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn no_small_hidden_unit_is_ever_derivable((structure, counts, min) in arb_case()) {
        let plan = decide(&structure, &counts, min, &[]);
        assert_no_small_unit_derivable(&structure, &counts, &plan);
    }
}

/// The staff tests' organisation: a1 (3) is protected inside its division
/// by a2; nothing outside A needs to go.
#[test]
fn protection_stays_local() {
    // A, B, a1, a2, a3, b1, b2, region
    let structure = Structure {
        parent: vec![
            Some(7),
            Some(7),
            Some(0),
            Some(0),
            Some(0),
            Some(1),
            Some(1),
            None,
        ],
        groups: vec![
            Group {
                name: "pilot".into(),
                members: vec![4, 5],
            },
            Group {
                name: "control".into(),
                members: vec![2, 3, 6],
            },
        ],
    };
    let counts = units(&[0, 0, 3, 10, 12, 6, 9, 0]);
    let plan = decide(&structure, &counts, 5, &[]);
    let hidden: Vec<usize> = (2..7).filter(|&u| plan.unit_hidden[u]).collect();
    assert_eq!(hidden, vec![2, 3], "a1 and a2");
    assert_no_small_unit_derivable(&structure, &counts, &plan);
}
