use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use super::*;
use crate::survey::Language;

#[derive(Deserialize)]
struct Corpus {
    roster: Vec<String>,
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    lang: String,
    text: String,
    expected: String,
}

#[test]
fn the_redaction_corpus_comes_out_as_written() {
    let corpus: Corpus =
        toml::from_str(include_str!("../../tests/data/comments/redaction.toml")).unwrap();
    let redactor = Redactor::new(corpus.roster.iter().map(String::as_str));
    let mut wrong = Vec::new();
    for case in &corpus.case {
        let lang = if case.lang == "sv" {
            Language::Sv
        } else {
            Language::En
        };
        let got = redactor.redact(&case.text, lang);
        if got != case.expected {
            wrong.push(format!(
                "{}\n  got      {got}\n  expected {}",
                case.text, case.expected
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(corpus.case.len() >= 15);
}

#[test]
fn without_a_roster_only_the_patterns_apply() {
    let r = Redactor::new([]);
    assert_eq!(
        r.redact("Anna: anna@x.se, 070-123 45 67", Language::En),
        "Anna: [removed], [removed]"
    );
}

#[test]
fn an_address_gives_its_names() {
    assert_eq!(
        redact::names_of("Anna.Svensson+hr@x.se"),
        ["anna", "svensson"]
    );
    assert_eq!(redact::names_of("k_lind-2@x.se"), ["lind"]);
    assert!(redact::names_of("12345@x.se").is_empty());
}

/// Parents as a tree: 0 is the root with 1 and 2 under it, 3 and 4 under 1,
/// 5 and 6 under 2.
const TREE: [Option<usize>; 7] = [None, Some(0), Some(0), Some(1), Some(1), Some(2), Some(2)];

#[test]
fn large_units_stand_alone_and_small_ones_pool_at_their_parent() {
    let p = partition(&TREE, &[0, 0, 0, 12, 4, 6, 5], 10);
    assert!(p.withheld.is_empty());
    // 3 alone; 5 and 6 make a cell at 2 (11); 4, left alone under 1, joins
    // the smallest cell at the root.
    assert_eq!(p.cells.len(), 2);
    let three = &p.cells[p.cell_of(3).unwrap()];
    assert_eq!(
        (three.node, three.members.as_slice(), three.whole),
        (3, &[3][..], true)
    );
    let rest = &p.cells[p.cell_of(5).unwrap()];
    assert_eq!(rest.members, [4, 5, 6]);
    assert_eq!(rest.node, 0, "joined at the root, named after it");
    assert!(!rest.whole);
}

#[test]
fn a_node_whose_children_are_all_small_is_one_cell() {
    // 2, 5 and 6 (13) make a cell at 2; 3 and 4 (7) wait at 1 and join it at
    // the root, so the one cell is the root's whole.
    let p = partition(&TREE, &[0, 0, 2, 3, 4, 6, 5], 10);
    assert_eq!(p.cells.len(), 1);
    assert_eq!(p.cells[0].members, [2, 3, 4, 5, 6]);
    assert_eq!((p.cells[0].node, p.cells[0].whole), (0, true));
    let p = partition(&TREE, &[0, 0, 2, 12, 4, 6, 5], 10);
    let cell = &p.cells[p.cell_of(6).unwrap()];
    assert_eq!(
        (cell.node, cell.whole, cell.members.as_slice()),
        (2, true, &[2, 5, 6][..])
    );
}

#[test]
fn a_wave_below_the_minimum_shows_no_comments() {
    let p = partition(&TREE, &[1, 0, 0, 3, 4, 0, 1], 10);
    assert!(p.cells.is_empty());
    assert_eq!(p.withheld, [0, 3, 4, 6]);
}

/// Every cell holds at least the minimum, no unit is in two cells, every
/// unit with respondents is in a cell or withheld, and a root withholds
/// only when it has no cell: so any difference of two unions of cells is
/// itself a union of cells, never below the minimum.
#[test]
fn the_cells_partition_the_respondents_in_groups_of_the_minimum() {
    let mut rng = ChaCha8Rng::seed_from_u64(20261202);
    for _ in 0..2000 {
        let n = rng.random_range(1..40);
        let parents: Vec<Option<usize>> = (0..n)
            .map(|u| (u > 0 && rng.random_bool(0.9)).then(|| rng.random_range(0..u)))
            .collect();
        let respondents: Vec<u64> = (0..n)
            .map(|_| {
                if rng.random_bool(0.3) {
                    0
                } else {
                    rng.random_range(1..15)
                }
            })
            .collect();
        let min = rng.random_range(3..20);
        let p = partition(&parents, &respondents, min);
        let mut seen = vec![0; n];
        for cell in &p.cells {
            let size: u64 = cell.members.iter().map(|&u| respondents[u]).sum();
            assert!(size >= min, "{parents:?} {respondents:?} {min}: {cell:?}");
            for &u in &cell.members {
                seen[u] += 1;
            }
        }
        for &u in &p.withheld {
            seen[u] += 1;
        }
        for u in 0..n {
            assert_eq!(seen[u], usize::from(respondents[u] > 0), "unit {u}");
        }
        let root = |mut u: usize| {
            while let Some(p) = parents[u] {
                u = p;
            }
            u
        };
        for &u in &p.withheld {
            let r = root(u);
            assert!(
                p.cells
                    .iter()
                    .all(|c| c.members.iter().all(|&m| root(m) != r))
            );
        }
    }
}

#[test]
fn words_count_once_per_comment_without_stop_words() {
    let comments = [
        "Vi behöver mer tid för idéer och mer tid för att testa.",
        "Tid för idéer saknas.",
        "Chefen [borttaget] ger inte tid.",
        "Nothing here and the time is short, time.",
        "Time to test.",
    ];
    let words = frequencies(comments, 10);
    assert_eq!(
        words[0],
        WordCount {
            word: "tid".into(),
            comments: 3
        }
    );
    assert!(words.contains(&WordCount {
        word: "idéer".into(),
        comments: 2
    }));
    assert!(words.contains(&WordCount {
        word: "time".into(),
        comments: 2
    }));
    for stop in ["för", "och", "the", "borttaget", "mer"] {
        assert!(words.iter().all(|w| w.word != stop), "{stop}: {words:?}");
    }
}
