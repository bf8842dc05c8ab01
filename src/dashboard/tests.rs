//! The dashboard on a small organisation whose figures are easy to check by
//! hand: every respondent of unit u answers so that their score is `score[u]`.

use super::*;
use crate::survey::parse;

fn survey() -> Survey {
    parse(
        include_str!("../../tests/data/surveys/minimal.toml"),
        "minimal.toml",
    )
    .expect("the minimal survey")
}

/// Organisation ─ A (a1: 3, a2: 10, a3: 12) and B (b1: 6, b2: 9).
fn tree() -> Vec<Node> {
    let node = |code: &str, parent: Option<usize>| Node {
        code: code.into(),
        name: code.to_uppercase(),
        parent,
    };
    vec![
        node("a", None),
        node("a1", Some(0)),
        node("a2", Some(0)),
        node("a3", Some(0)),
        node("b", None),
        node("b1", Some(4)),
        node("b2", Some(4)),
    ]
}

const SIZES: [usize; 7] = [0, 3, 10, 12, 0, 6, 9];
const SCORES: [i8; 7] = [0, 2, 3, 4, 0, 5, 1];

/// Two waves with the same answers; the second has everyone one point higher
/// in a3 (so the change is +1 there).
fn dashboard() -> Dashboard {
    let survey = survey();
    let mut acc = Accumulator::new(&survey);
    for w in 0..2 {
        for (u, &n) in SIZES.iter().enumerate() {
            let x = SCORES[u] + i8::from(w == 1 && u == 3);
            for _ in 0..n {
                // items a, b, c; c is reverse keyed on 1..5
                acc.push(w, u, &[x, x, 6 - x]);
            }
        }
    }
    let structure = crate::disclosure::Structure {
        parent: tree().iter().map(|n| n.parent).collect(),
        groups: Vec::new(),
    };
    let waves: Vec<WaveInput> = (0..2)
        .map(|w| {
            let mut counts = acc.unit_counts(w, 7);
            for (c, &n) in counts.iter_mut().zip(&SIZES) {
                c.invited = 2 * n as u64;
                c.answered = n as u64;
            }
            let plan = crate::disclosure::decide(&structure, &counts, 5, &[]);
            WaveInput {
                name: format!("2026-0{}", w + 1),
                min_group: 5,
                open: false,
                closes_on: None,
                acc_wave: Some(w),
                invited: SIZES.iter().map(|&n| 2 * n as u64).collect(),
                answered: SIZES.iter().map(|&n| n as u64).collect(),
                publishes: plan.total_shown,
                total_answered: plan.total_shown.then_some(40),
                plan,
            }
        })
        .collect();
    let acc_unit: Vec<Option<usize>> = (0..7).map(Some).collect();
    build(&survey, Language::En, &tree(), &waves, &acc, &acc_unit, &[])
}

#[test]
fn a_parent_covers_its_whole_subtree_and_the_organisation_everyone() {
    let d = dashboard();
    let a = d.figures[0][0][0];
    assert_eq!(a.n, Some(25));
    let expected = (3.0 * 2.0 + 10.0 * 3.0 + 12.0 * 4.0) / 25.0;
    assert!((a.mean.unwrap() - expected).abs() < 1e-12);
    let org = d.organisation[0][0];
    assert_eq!(org.n, Some(40));
    let expected = (6.0 + 30.0 + 48.0 + 30.0 + 9.0) / 40.0;
    assert!((org.mean.unwrap() - expected).abs() < 1e-12);
    // b1: six identical scores of 5, so no spread and a zero-width interval.
    assert_eq!(d.figures[0][0][5].mean, Some(5.0));
    assert_eq!(d.figures[0][0][5].ci95, Some([5.0, 5.0]));
}

/// Over the units alone, hiding a1 and b1 would do; but A is shown, and
/// A − a2 − a3 would be a1. The sibling a2 is hidden with a1; b1 stays.
#[test]
fn hidden_units_carry_no_figure_and_cannot_be_derived_from_their_parent() {
    let d = dashboard();
    let shown: Vec<bool> = d.figures[0][0].iter().map(|f| !f.suppressed).collect();
    assert_eq!(shown, vec![true, false, false, true, true, true, true]);
    for f in d.figures[0][0].iter().filter(|f| f.suppressed) {
        assert_eq!((f.n, f.mean, f.ci95), (None, None, None));
    }
    let rates: Vec<Option<u64>> = d.rates[0].iter().map(|r| r.answered).collect();
    assert_eq!(
        rates,
        vec![Some(25), None, None, Some(12), Some(15), Some(6), Some(9)]
    );
    assert_eq!(d.rates[0][1].invited, 6, "invitations are not hidden");
    assert_eq!(d.organisation_rates[0].rate, Some(0.5));
}

#[test]
fn the_change_since_the_previous_wave_needs_both_figures() {
    let d = dashboard();
    assert!((d.change(1, 0, 3).unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(d.change(1, 0, 1), None, "a1 is hidden");
    assert_eq!(d.change(0, 0, 3), None, "no earlier wave");
}

#[test]
fn a_wave_below_the_minimum_in_total_shows_nothing() {
    let survey = survey();
    let mut acc = Accumulator::new(&survey);
    for _ in 0..4 {
        acc.push(0, 0, &[3, 3, 3]);
    }
    let plan = crate::disclosure::decide(
        &crate::disclosure::Structure::flat(1),
        &acc.unit_counts(0, 1),
        5,
        &[],
    );
    let waves = [WaveInput {
        name: "w".into(),
        min_group: 5,
        open: false,
        closes_on: None,
        acc_wave: Some(0),
        invited: vec![10],
        answered: vec![4],
        publishes: plan.total_shown,
        total_answered: None,
        plan,
    }];
    let nodes = [Node {
        code: "u".into(),
        name: "U".into(),
        parent: None,
    }];
    let d = build(&survey, Language::En, &nodes, &waves, &acc, &[Some(0)], &[]);
    assert!(d.organisation[0][0].suppressed && d.figures[0][0][0].suppressed);
    assert_eq!(d.organisation_rates[0].answered, None);
}

#[test]
fn a_subtree_keeps_its_units_and_only_the_reorganisations_that_concern_them() {
    let mut d = dashboard();
    let note = |text: &str, units: Vec<usize>| Note {
        text: text.into(),
        units,
    };
    d.notes = vec![
        note("a1 and a2 merged", vec![1, 2, 0]),
        note("b2 moved from a to b", vec![6, 0, 4]),
        note("b1 renamed", vec![5, 4]),
    ];
    let b = d.clone().within(4);
    let codes: Vec<&str> = b.units.iter().map(|u| u.code.as_str()).collect();
    assert_eq!(codes, ["b", "b1", "b2"]);
    assert_eq!(b.units[0].parent, None, "the root comes out on top");
    assert_eq!(b.figures[0][0][1], d.figures[0][0][5]);
    assert_eq!(b.organisation, d.organisation, "the organisation stays");
    let notes: Vec<(&str, &[usize])> = b
        .notes
        .iter()
        .map(|n| (n.text.as_str(), n.units.as_slice()))
        .collect();
    assert_eq!(
        notes,
        [
            ("b2 moved from a to b", &[2, 0][..]),
            ("b1 renamed", &[1, 0][..])
        ],
        "a's merge is not b's; the move names b2 and b, renumbered"
    );
    let a = d.within(0);
    assert_eq!(a.notes.len(), 2, "the merge and the move out of a");
}

#[test]
fn an_indented_list_puts_every_unit_under_its_parent() {
    let mut d = dashboard();
    // b2 moved under a: it must come after a, whatever its index.
    d.units[6].parent = Some(0);
    let codes: Vec<&str> = d
        .tree_order()
        .into_iter()
        .map(|u| d.units[u].code.as_str())
        .collect();
    assert_eq!(codes, ["a", "a1", "a2", "a3", "b2", "b", "b1"]);
}
