//! The staggered-adoption estimator against csdid (the Python port of R's
//! `did`) on repeated cross-sections: tests/reference/staggered_reference.py
//! wrote tests/data/staggered/csdid.json.

use klimat::stats::descriptive::Moments;
use klimat::stats::staggered::{
    Aggregation, Base, Cell, Cluster, Control, Panel, aggregate, group_time, multiplier_band,
};
use klimat::stats::wild::Weights;
use serde_json::Value;

fn reference() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/staggered/csdid.json"
    ))
    .expect("the reference file");
    serde_json::from_str(&text).unwrap()
}

/// The reference rows as cells: waves 1..6 are periods 0..5, cohort 0 never.
fn panel(reference: &Value) -> Panel {
    let rows = reference["rows"].as_array().unwrap();
    let units = 1 + rows.iter().map(|r| r[0].as_u64().unwrap()).max().unwrap() as usize;
    let mut cohort = vec![None; units];
    let mut moments = vec![vec![Moments::default(); 6]; units];
    for r in rows {
        let (u, w, g) = (
            r[0].as_u64().unwrap() as usize,
            r[1].as_u64().unwrap() as usize,
            r[2].as_u64().unwrap(),
        );
        cohort[u] = (g > 0).then(|| g as usize - 1);
        moments[u][w - 1].push(r[3].as_f64().unwrap());
    }
    let cells = moments
        .iter()
        .enumerate()
        .flat_map(|(unit, m)| {
            m.iter()
                .enumerate()
                .filter(|(_, m)| m.n > 0)
                .map(move |(period, m)| Cell {
                    unit,
                    period,
                    m: *m,
                })
        })
        .collect();
    Panel {
        periods: 6,
        cohort,
        cells,
    }
}

fn close(what: &str, ours: f64, theirs: &Value, tolerance: f64) {
    let theirs = theirs
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no reference value"));
    assert!(
        (ours - theirs).abs() <= tolerance,
        "{what}: klimat {ours:.12}, reference {theirs:.12}"
    );
}

#[test]
fn group_time_effects_and_aggregations_match_csdid() {
    let reference = reference();
    let panel = panel(&reference);
    for case in reference["cases"].as_array().unwrap() {
        let control = match case["control"].as_str().unwrap() {
            "nevertreated" => Control::NeverTreated,
            _ => Control::NotYetTreated,
        };
        let base = match case["base"].as_str().unwrap() {
            "varying" => Base::Varying,
            _ => Base::Universal,
        };
        let label = format!("{control:?}/{base:?}");
        let (gt, missing) = group_time(&panel, control, base);
        assert!(missing.is_empty(), "{label}: {missing:?}");
        let cells = case["cells"].as_array().unwrap();
        assert_eq!(gt.len(), cells.len(), "{label}: number of ATT(g, t)");
        for (ours, theirs) in gt.iter().zip(cells) {
            let at = format!("{label} ATT({}, {})", ours.cohort + 1, ours.period + 1);
            assert_eq!(
                ours.cohort as u64 + 1,
                theirs["cohort"].as_u64().unwrap(),
                "{at}"
            );
            assert_eq!(
                ours.period as u64 + 1,
                theirs["wave"].as_u64().unwrap(),
                "{at}"
            );
            close(&at, ours.att, &theirs["att"], 1e-9);
            if ours.reference {
                assert!(
                    theirs["se"].is_null(),
                    "{at}: the universal base has no variance"
                );
                continue;
            }
            let se = Cluster::of(&panel, &ours.influence);
            close(&format!("{at} se"), se.se_respondents, &theirs["se"], 1e-9);
            close(
                &format!("{at} clustered se"),
                se.se_asymptotic,
                &theirs["se_clustered"],
                1e-9,
            );
        }
        for (kind, name) in [
            (Aggregation::Simple, "simple"),
            (Aggregation::Dynamic, "dynamic"),
            (Aggregation::Group, "group"),
            (Aggregation::Calendar, "calendar"),
        ] {
            let ours = aggregate(&panel, &gt, kind);
            for (plain, key) in [(true, "aggregations"), (false, "aggregations_clustered")] {
                let theirs = &case[key][name];
                let at = format!("{label} {name}");
                let se = |p: &klimat::stats::staggered::Part| {
                    let c = Cluster::of(&panel, &p.influence);
                    if plain {
                        c.se_respondents
                    } else {
                        c.se_asymptotic
                    }
                };
                close(&at, ours.overall.att, &theirs["overall"], 1e-9);
                close(
                    &format!("{at} overall se ({key})"),
                    se(&ours.overall),
                    &theirs["overall_se"],
                    1e-9,
                );
                if kind == Aggregation::Simple {
                    continue;
                }
                let at_ref = theirs["at"].as_array().unwrap();
                assert_eq!(ours.parts.len(), at_ref.len(), "{at}: parts");
                for (i, p) in ours.parts.iter().enumerate() {
                    let shift = if kind == Aggregation::Dynamic { 0 } else { 1 };
                    assert_eq!(
                        p.at + shift,
                        at_ref[i].as_f64().unwrap() as i64,
                        "{at}: part {i}"
                    );
                    close(
                        &format!("{at} part {}", p.at),
                        p.att,
                        &theirs["att"][i],
                        1e-9,
                    );
                    if !p.reference {
                        close(
                            &format!("{at} part {} se ({key})", p.at),
                            se(p),
                            &theirs["se"][i],
                            1e-9,
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_uniform_band_of_the_event_study_matches_csdids_multiplier_bootstrap() {
    let reference = reference();
    let panel = panel(&reference);
    let band_ref = &reference["band"];
    let (gt, _) = group_time(&panel, Control::NeverTreated, Base::Varying);
    let dynamic = aggregate(&panel, &gt, Aggregation::Dynamic);
    let influences: Vec<_> = dynamic.parts.iter().map(|p| &p.influence).collect();
    // With 14 units, 2^14 ≤ 20,000: every Rademacher sign pattern once, as the reference did.
    let band = multiplier_band(&panel, &influences, Weights::Rademacher, 20_000, 7, 0.95);
    assert!(band.enumerated && band.draws == 16_384);
    // csdid leaves out the small-sample factor G/(G − 1) that klimat applies to its draws.
    let factor = (14.0_f64 / 13.0).sqrt();
    for (i, (ours, theirs)) in band
        .se
        .iter()
        .zip(band_ref["se"].as_array().unwrap())
        .enumerate()
    {
        close(
            &format!("event time {i}: bootstrap se"),
            ours.unwrap() / factor,
            theirs,
            1e-9,
        );
    }
    close(
        "critical value",
        band.critical.unwrap(),
        &band_ref["critical"],
        1e-9,
    );
    // Webb's six points, drawn at random: the same band within Monte Carlo error, and the
    // same seed gives the same draws.
    let webb = multiplier_band(&panel, &influences, Weights::Webb, 20_000, 7, 0.95);
    assert!(!webb.enumerated);
    let critical = webb.critical.unwrap();
    assert!(
        (critical - band.critical.unwrap()).abs() < 0.1,
        "Webb {critical}, Rademacher {:?}",
        band.critical
    );
    assert!(
        critical > 1.96,
        "a uniform band is wider than the pointwise interval"
    );
    for (w, r) in webb.se.iter().zip(&band.se) {
        assert!(
            (w.unwrap() / r.unwrap() - 1.0).abs() < 0.05,
            "Webb se {w:?}, Rademacher {r:?}"
        );
    }
    assert_eq!(
        webb,
        multiplier_band(&panel, &influences, Weights::Webb, 20_000, 7, 0.95)
    );
}

fn sunab_reference() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/staggered/sunab.json"
    ))
    .expect("the reference file");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_sun_abraham_event_study_matches_pyfixest() {
    let theirs = sunab_reference();
    let panel = panel(&reference());
    let ours = klimat::stats::staggered::sun_abraham::sun_abraham(&panel).unwrap();
    assert_eq!(
        ours.control_cohort, None,
        "never-treated units are the comparison"
    );
    let coefficients = theirs["coefficients"].as_array().unwrap();
    assert_eq!(ours.coefficients.len(), coefficients.len());
    for (((g, e), effect), c) in ours.coefficients.iter().zip(coefficients) {
        let at = format!("cohort {} event time {e}", g + 1);
        assert_eq!(*g as u64 + 1, c["cohort"].as_u64().unwrap(), "{at}");
        assert_eq!(*e, c["event_time"].as_i64().unwrap(), "{at}");
        close(&at, effect.estimate, &c["estimate"], 1e-9);
        // pyfixest demeans by alternating projections (tolerance 1e-8): its residuals, and so
        // its standard errors, agree with the exact solution to about 1e-9 relative.
        close(&format!("{at} se"), effect.se, &c["se"], 1e-8);
    }
    let event = theirs["event_study"].as_array().unwrap();
    assert_eq!(ours.event_study.len(), event.len());
    for ((e, effect), x) in ours.event_study.iter().zip(event) {
        assert_eq!(*e, x["event_time"].as_i64().unwrap());
        close(
            &format!("event time {e}"),
            effect.estimate,
            &x["estimate"],
            1e-9,
        );
        close(&format!("event time {e} se"), effect.se, &x["se"], 1e-8);
    }
    close(
        "overall",
        ours.overall.estimate,
        &theirs["overall"]["estimate"],
        1e-9,
    );
    close(
        "overall se",
        ours.overall.se,
        &theirs["overall"]["se"],
        1e-8,
    );
}

#[test]
fn the_bacon_decomposition_adds_up_to_pyfixests_twfe_on_the_cell_means() {
    use klimat::stats::staggered::bacon::{Comparison, decompose};
    let theirs = sunab_reference();
    let panel = panel(&reference());
    let d = decompose(&panel).expect("a balanced table");
    // 3 cohorts: 3 against the never-treated, 3 pairs in both directions.
    assert_eq!(d.comparisons.len(), 9);
    let total: f64 = d.comparisons.iter().map(|c| c.weight).sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!(d.comparisons.iter().all(|c| c.weight > 0.0));
    close(
        "TWFE on the cell means",
        d.twfe,
        &theirs["twfe_cell_means"],
        1e-9,
    );
    let forbidden: f64 = d
        .comparisons
        .iter()
        .filter(|c| c.comparison == Comparison::LaterVsEarlier)
        .map(|c| c.weight)
        .sum();
    assert!(
        (forbidden - d.forbidden_weight).abs() < 1e-15 && forbidden > 0.05,
        "{forbidden}"
    );
    // A unit without respondents in one wave: the table is not balanced, no decomposition.
    let mut unbalanced = panel.clone();
    unbalanced.cells.retain(|c| !(c.unit == 0 && c.period == 2));
    assert!(decompose(&unbalanced).is_none());
}

#[test]
fn the_randomisation_path_gives_the_same_overall_effect_as_the_full_estimator() {
    use klimat::stats::staggered::randomisation::Cells;
    let panel = panel(&reference());
    let cells = Cells::of(&panel);
    for control in [Control::NeverTreated, Control::NotYetTreated] {
        let (gt, _) = group_time(&panel, control, Base::Universal);
        let full = aggregate(&panel, &gt, Aggregation::Group).overall.att;
        let fast = cells.overall(&panel.cohort, control).unwrap();
        assert!((full - fast).abs() < 1e-12, "{control:?}: {full} vs {fast}");
        // Matches csdid's group aggregation too.
        let theirs = reference()["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["control"]
                    == if control == Control::NeverTreated {
                        "nevertreated"
                    } else {
                        "notyettreated"
                    }
            })
            .unwrap()["aggregations"]["group"]["overall"]
            .as_f64()
            .unwrap();
        assert!((fast - theirs).abs() < 1e-9);
    }
    // Another assignment: units 0 and 13 swap cohorts; the estimate changes.
    let mut swapped = panel.cohort.clone();
    swapped.swap(0, 13);
    let other = cells.overall(&swapped, Control::NeverTreated).unwrap();
    assert!((other - cells.overall(&panel.cohort, Control::NeverTreated).unwrap()).abs() > 1e-6);
}
