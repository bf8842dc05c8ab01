use super::did::standardise;
use super::power::{PowerDesign, minimum_detectable_effect};
use super::*;
use crate::simulate::{Plan, Spec, simulate};
use crate::stats::descriptive::Moments;

fn team_climate() -> Survey {
    crate::survey::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/surveys/team-climate.toml"
    )))
    .unwrap()
}

struct Data {
    survey: Survey,
    acc: Accumulator,
    waves: Vec<String>,
    units: Vec<String>,
    plan: Plan,
}

fn simulated(spec: Spec) -> Data {
    let survey = team_climate();
    let mut acc = Accumulator::new(&survey);
    let (mut waves, mut units): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let plan = simulate(&survey, &spec, |unit, wave, answers| {
        let index = |names: &mut Vec<String>, name: &str| {
            names.iter().position(|n| n == name).unwrap_or_else(|| {
                names.push(name.to_owned());
                names.len() - 1
            })
        };
        let (w, u) = (index(&mut waves, wave), index(&mut units, unit));
        acc.push(w, u, answers);
        Ok(())
    })
    .unwrap();
    Data {
        survey,
        acc,
        waves,
        units,
        plan,
    }
}

fn spec(seed: u64, effect: f64) -> Spec {
    Spec {
        units: 10,
        respondents_per_unit: 15,
        waves: 2,
        pilot_units: 3,
        first_post_wave: 1,
        effects: vec![(0, effect)],
        item_shifts: Vec::new(),
        icc: 0.1,
        missing_rate: 0.0,
        cohorts: Vec::new(),
        fixed_adoption: None,
        growth: 0.0,
        dont_know_rate: 0.0,
        seed,
    }
}

fn run(data: &Data, reps: usize) -> EffectReport {
    let request = DesignRequest {
        pilot: data.plan.pilot_units.clone(),
        control: None,
        first_post_wave: data.plan.first_post_wave.clone().unwrap(),
    };
    let inference = Inference {
        seed: 3,
        reps,
        weights: Weights::Webb,
    };
    evaluate(
        &data.survey,
        &data.acc,
        &data.waves,
        &data.units,
        &request,
        inference,
        5,
        Language::En,
    )
    .unwrap()
}

#[test]
fn the_standardised_effect_reproduces_morris_d_ppc2() {
    // Statistics reference (Morris 2008): pre/post means of pilot and control,
    // pre SDs and n; expected g with the pooled pre SD and Hedges' correction.
    let studies = [
        ((30.6, 38.5, 15.0, 20.0), (23.1, 19.7, 13.8, 20.0), 0.7685),
        ((23.5, 26.8, 3.1, 50.0), (24.9, 25.3, 4.1, 42.0), 0.8010),
        ((0.5, 0.7, 0.1, 9.0), (0.6, 0.6, 0.2, 9.0), 1.2047),
        ((53.4, 75.9, 14.5, 10.0), (55.7, 60.7, 17.3, 11.0), 1.0477),
        ((35.6, 36.0, 4.7, 14.0), (34.8, 33.4, 3.1, 14.0), 0.4390),
    ];
    let moments = |mean: f64, sd: f64, n: f64| {
        Moments::from_sums(
            n as u64,
            n * mean,
            (n - 1.0) * sd * sd + n * mean * mean,
            0.0,
        )
    };
    for ((p0, p1, ps, pn), (c0, c1, cs, cn), expected) in studies {
        let delta = (p1 - p0) - (c1 - c0);
        let e = standardise(
            delta,
            [delta, delta],
            &moments(p0, ps, pn),
            &moments(c0, cs, cn),
        )
        .unwrap();
        assert!(
            (e.g - expected).abs() < 5e-5,
            "g = {} expected {expected}",
            e.g
        );
    }
}

#[test]
fn with_one_pre_and_one_post_wave_and_one_unit_per_arm_the_did_is_the_difference_of_differences() {
    // Statistics reference: with balanced cells, δ = (P1 − P0) − (C1 − C0).
    let data = simulated(Spec {
        units: 2,
        pilot_units: 1,
        respondents_per_unit: 30,
        ..spec(5, 0.5)
    });
    let r = run(&data, 99);
    let d = &r.dimensions[0];
    let mean = |arm: report::Arm, wave: usize| {
        d.cells
            .iter()
            .filter(|c| c.arm == arm)
            .nth(wave)
            .unwrap()
            .mean
            .unwrap()
    };
    use report::Arm::{Control, Pilot};
    let expected = (mean(Pilot, 1) - mean(Pilot, 0)) - (mean(Control, 1) - mean(Control, 0));
    assert!((d.did.as_ref().unwrap().estimate - expected).abs() < 1e-12);
    // With one unit per arm the respondent and unit views coincide.
    assert!((d.unit_level.as_ref().unwrap().estimate - expected).abs() < 1e-12);
    assert!(r.warnings.iter().any(|w| w.contains("ONE PILOT UNIT")));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("impossible by design"))
    );
}

#[test]
fn the_report_holds_every_part_for_three_waves() {
    let data = simulated(Spec {
        waves: 3,
        first_post_wave: 2,
        ..spec(8, 0.6)
    });
    let r = run(&data, 199);
    assert_eq!(r.design.design.waves.len(), 3);
    assert_eq!(r.design.permutation_assignments, 120);
    assert!(r.design.permutation_enumerated);
    for d in &r.dimensions {
        let did = d.did.as_ref().unwrap();
        assert!(did.p_holm.unwrap() >= did.p_permutation);
        assert!(
            did.p_bh.unwrap() >= did.p_permutation
                && did.p_bh.unwrap() <= did.p_holm.unwrap() + 1e-12
        );
        assert!((did.p_permutation_min - 1.0 / 120.0).abs() < 1e-15);
        assert!(did.ci95_cr2[0] < did.estimate && did.estimate < did.ci95_cr2[1]);
        let es = d
            .event_study
            .as_ref()
            .expect("two pre waves give an event study");
        assert_eq!(es.coefficients.len(), 3);
        assert!(es.coefficients[1].reference && es.coefficients[1].estimate == 0.0);
        assert!(es.pretrend_p.is_some());
        assert_eq!(d.cells.len(), 6);
        assert_eq!(d.reliability.len(), 3);
    }
    // Dimension 0 (vision) carries the effect: its estimate is positive.
    assert!(r.dimensions[0].did.as_ref().unwrap().estimate > 0.0);
}

/// Under no effect the honest tests reject at about the nominal rate; CR1
/// rejects too often with three pilot units.
#[test]
fn under_no_effect_permutation_and_wild_bootstrap_reject_at_the_nominal_rate() {
    let replications = 300;
    let (mut perm, mut wild, mut cr1, mut total) = (0, 0, 0, 0);
    for seed in 0..replications {
        let data = simulated(Spec {
            icc: 0.15,
            ..spec(1000 + seed, 0.0)
        });
        let r = run(&data, 199);
        for d in &r.dimensions {
            let did = d.did.as_ref().unwrap();
            perm += (did.p_permutation <= 0.05) as u32;
            wild += (did.p_wild <= 0.05) as u32;
            cr1 += (did.p_cr1 <= 0.05) as u32;
            total += 1;
        }
    }
    let rate = |k: u32| k as f64 / total as f64;
    // 1200 tests (4 correlated dimensions × 300): 0.05 ± 0.03 holds with room.
    assert!(
        (0.02..=0.08).contains(&rate(perm)),
        "permutation rejects {}",
        rate(perm)
    );
    assert!(
        (0.02..=0.08).contains(&rate(wild)),
        "wild bootstrap rejects {}",
        rate(wild)
    );
    assert!(
        rate(cr1) > rate(perm),
        "CR1 {} vs permutation {}",
        rate(cr1),
        rate(perm)
    );
}

#[test]
fn a_large_true_effect_is_detected() {
    let data = simulated(Spec {
        units: 16,
        pilot_units: 5,
        respondents_per_unit: 40,
        ..spec(77, 1.2)
    });
    let r = run(&data, 999);
    let did = r.dimensions[0].did.as_ref().unwrap();
    assert!(did.p_permutation < 0.01, "{}", did.p_permutation);
    assert!(did.p_wild < 0.01, "{}", did.p_wild);
    assert!(r.dimensions[0].effect_size.as_ref().unwrap().g > 0.5);
    // The dimensions without an effect are not all significant.
    assert!(
        r.dimensions[1..]
            .iter()
            .any(|d| d.did.as_ref().unwrap().p_holm.unwrap() > 0.05)
    );
}

#[test]
fn invalid_designs_are_refused_with_a_reason() {
    let data = simulated(Spec {
        waves: 3,
        first_post_wave: 2,
        ..spec(9, 0.0)
    });
    let pilots = data.plan.pilot_units.clone();
    let attempt = |pilot: Vec<String>, control: Option<Vec<String>>, wave: &str| {
        let request = DesignRequest {
            pilot,
            control,
            first_post_wave: wave.into(),
        };
        evaluate(
            &data.survey,
            &data.acc,
            &data.waves,
            &data.units,
            &request,
            Inference::default(),
            5,
            Language::En,
        )
        .unwrap_err()
    };
    assert!(matches!(
        attempt(vec!["nowhere".into()], None, "2025-03"),
        DesignError::UnknownPilot { .. }
    ));
    assert!(matches!(
        attempt(pilots.clone(), Some(vec![pilots[0].clone()]), "2025-03"),
        DesignError::BothArms(_)
    ));
    assert!(matches!(
        attempt(pilots.clone(), Some(vec!["x".into()]), "2025-03"),
        DesignError::UnknownControl { .. }
    ));
    assert!(matches!(
        attempt(pilots.clone(), None, "2024-03"),
        DesignError::NoPreWave(_)
    ));
    assert!(matches!(
        attempt(pilots.clone(), None, "2030-01"),
        DesignError::UnknownWave { .. }
    ));
    let all: Vec<String> = data.units.clone();
    assert_eq!(attempt(all, None, "2025-03"), DesignError::NoControl);
    let message = attempt(vec!["nowhere".into()], None, "2025-03").to_string();
    assert!(
        message.contains("pilot unit `nowhere` has no responses") && message.contains("unit-01"),
        "{message}"
    );
}

#[test]
fn a_wave_without_one_arm_is_refused() {
    let data = simulated(spec(10, 0.0));
    // Keep only control units in the first wave.
    let mut acc = data.acc.clone();
    for u in &data.plan.pilot_units {
        let i = data.units.iter().position(|n| n == u).unwrap();
        acc.waves[0].cells[i] = None;
    }
    let request = DesignRequest {
        pilot: data.plan.pilot_units.clone(),
        control: None,
        first_post_wave: "2024-09".into(),
    };
    let e = evaluate(
        &data.survey,
        &acc,
        &data.waves,
        &data.units,
        &request,
        Inference::default(),
        5,
        Language::En,
    )
    .unwrap_err();
    assert_eq!(
        e,
        DesignError::ArmMissing {
            wave: "2024-03".into(),
            arm: "pilot"
        }
    );
}

#[test]
fn the_minimum_detectable_effect_follows_its_formula() {
    let design = PowerDesign {
        pilot_units: 4,
        control_units: 8,
        respondents_per_unit: 20.0,
        icc: 0.1,
        pre_waves: 1,
        post_waves: 1,
        stability: 0.5,
        alpha: 0.05,
        power: 0.8,
    };
    let r = minimum_detectable_effect(&design).unwrap();
    // By hand: var(Δ) = 2 (0.1·0.5 + 0.9/20) = 0.19; df 10;
    // t(0.975; 10) = 2.228139, t(0.8; 10) = 0.879058 (tables);
    // MDE = 3.107197 · √(0.19 · (1/4 + 1/8)) = 0.829 43.
    assert!((r.minimum_detectable_effect - 3.107_197 * (0.19f64 * 0.375).sqrt()).abs() < 1e-5);
    assert_eq!(r.assignments, 495);
    assert!(r.alpha_attainable);
    let two_of_six = minimum_detectable_effect(&PowerDesign {
        pilot_units: 2,
        control_units: 4,
        ..design
    })
    .unwrap();
    assert!((two_of_six.smallest_p - 1.0 / 15.0).abs() < 1e-15);
    assert!(!two_of_six.alpha_attainable);
}
