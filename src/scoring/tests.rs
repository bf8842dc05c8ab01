//! Scoring checked against values computed once with established packages:
//! pingouin 0.5 (Cronbach's alpha, Feldt interval, alpha if deleted),
//! factor_analyzer 0.5 (one-factor ML loadings → omega), statsmodels
//! (one-way ANOVA mean squares → ICC), numpy (item-total r, rwg(j)).
//! The script that computed them is tests/reference/scoring_reference.py.

use super::*;
use crate::scoring::agreement::uniform_null_variance;
use crate::scoring::report::plans_without_structure;
use crate::survey::{Language, parse};

const UNITS: [usize; 36] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3,
];
const A: [i8; 36] = [
    0, 2, 1, 1, 1, 3, 0, 0, 0, 2, 2, 2, 2, 1, 2, 1, 3, 1, 3, 1, 3, 3, 2, 2, 1, 0, 1, 2, 2, 3, 3, 3,
    0, 2, 3, 2,
];
const B: [i8; 36] = [
    1, 2, 2, 3, 0, 3, 1, 1, 1, 2, 1, 2, 2, 2, 1, 2, 2, 3, 3, 3, 3, 3, 1, 3, 0, 2, 1, 2, 0, 2, 3, 3,
    2, 1, 3, 2,
];
const C: [i8; 36] = [
    0, 3, 1, 3, 1, 2, 0, 0, 0, 2, 1, 2, 1, 2, 3, 1, 3, 1, 2, 3, 3, 2, 2, 3, 2, 2, 2, 1, 3, 3, 3, 3,
    2, 1, 3, 2,
];
const D: [i8; 36] = [
    1, 2, 1, 2, 1, 3, 1, 2, 1, 1, 0, 2, 1, 1, 2, 2, 3, 0, 3, 2, 3, 2, 2, 3, 2, 0, 1, 1, 3, 0, 3, 3,
    2, 3, 3, 3,
];

fn survey(reverse_b: bool) -> crate::survey::Survey {
    let text = format!(
        r#"
key = "reference"
version = 1
languages = ["en"]
title.en = "t"
introduction.en = "i"
privacy_notice.en = "p"
[scale]
points = 4
min = 0
max = 3
labels.en = ["0", "1", "2", "3"]
dont_know.en = "dk"
[models.m]
name = "m"
citation = "c"
[[dimensions]]
id = "d"
model = "m"
direction = "higher-is-better"
name.en = "D"
definition.en = "D"
[[items]]
id = "a"
dimension = "d"
text.en = "a"
[[items]]
id = "b"
dimension = "d"
reverse = {reverse_b}
text.en = "b"
[[items]]
id = "c"
dimension = "d"
text.en = "c"
[[items]]
id = "d"
dimension = "d"
text.en = "d"
"#
    );
    parse(&text, "reference.toml").unwrap()
}

fn report_of(reverse_b: bool, min_group: u64) -> ScoreReport {
    let survey = survey(reverse_b);
    let mut acc = Accumulator::new(&survey);
    for p in 0..36 {
        // Stored as given: a reverse-keyed item holds the mirrored answer.
        let b = if reverse_b { 3 - B[p] } else { B[p] };
        acc.push(0, UNITS[p], &[A[p], b, C[p], D[p]]);
    }
    let units: Vec<String> = (0..4).map(|u| format!("u{u}")).collect();
    build(
        &survey,
        &acc,
        &["w".into()],
        &units,
        &plans_without_structure(&acc, units.len(), min_group),
        Language::En,
    )
}

fn close(actual: Option<f64>, expected: f64, tolerance: f64) {
    let a = actual.expect("a value");
    assert!(
        (a - expected).abs() < tolerance,
        "{a} is not {expected} ± {tolerance}"
    );
}

#[test]
fn alpha_and_its_feldt_interval_match_pingouin() {
    let d = &report_of(false, 5).waves[0].dimensions[0];
    close(d.alpha, 0.776_045_533_3, 1e-9);
    let ci = d.alpha_ci95.unwrap();
    close(Some(ci[0]), 0.626_965_455_0, 1e-7);
    close(Some(ci[1]), 0.875_331_214_2, 1e-7);
    assert_eq!(d.complete_cases, 36);
}

#[test]
fn item_statistics_match_pingouin_and_numpy() {
    let d = &report_of(false, 5).waves[0].dimensions[0];
    let expected = [
        (0.680_284_904_1, 0.665_764_546_7),
        (0.466_767_189_5, 0.776_236_651_5),
        (0.658_421_374_0, 0.679_474_216_4),
        (0.520_348_847_5, 0.752_370_916_8),
    ];
    for (item, (r, a)) in d.items.iter().zip(expected) {
        close(item.item_total_r, r, 1e-9);
        close(item.alpha_if_deleted, a, 1e-9);
        assert_eq!(item.dk_rate, Some(0.0));
    }
}

#[test]
fn omega_matches_a_one_factor_ml_fit_by_factor_analyzer() {
    let d = &report_of(false, 5).waves[0].dimensions[0];
    // factor_analyzer's optimiser stops at about 1e-6 in the loadings.
    close(d.omega, 0.787_410_996_2, 1e-5);
    assert!(!d.omega_heywood);
}

#[test]
fn icc1_and_icc2_match_the_anova_of_statsmodels() {
    let d = &report_of(false, 5).waves[0].dimensions[0];
    close(d.icc1, 0.169_264_781_4, 1e-9);
    close(d.icc2, 0.644_748_963_3, 1e-9);
    close(d.icc_k0, 8.907_407_407_4, 1e-9);
    // 1 + (36/4 − 1) · ICC(1)
    close(d.design_effect, 1.0 + 8.0 * 0.169_264_781_4, 1e-8);
}

#[test]
fn rwg_j_per_unit_matches_numpy_and_its_median_and_share_follow() {
    let d = &report_of(false, 5).waves[0].dimensions[0];
    let expected = [
        0.324_324_324_3,
        0.736_318_408_0,
        0.735_042_735_0,
        0.352_941_176_5,
    ];
    for (u, r) in d.units.iter().zip(expected) {
        close(u.rwg_j, r, 1e-9);
    }
    close(
        d.rwg_j_median,
        (0.352_941_176_5 + 0.735_042_735_0) / 2.0,
        1e-9,
    );
    close(d.rwg_j_share_adequate, 0.5, 1e-12);
}

#[test]
fn the_uniform_null_variances_are_the_published_ones() {
    assert_eq!(uniform_null_variance(4), 1.25);
    assert_eq!(uniform_null_variance(5), 2.0);
    assert_eq!(uniform_null_variance(7), 4.0);
}

#[test]
fn unit_means_and_cis_match_a_direct_computation() {
    let d = &report_of(false, 5).waves[0].dimensions[0];
    // Unit 0: person means of a..d, computed by hand from the data above:
    // 0.5 2.25 1.25 2.25 0.75 2.75 0.5 0.75 → mean 1.375
    let u0 = &d.units[0];
    assert_eq!(u0.n, Some(8));
    close(u0.mean, 1.375, 1e-12);
    let sd = {
        let xs = [0.5, 2.25, 1.25, 2.25, 0.75, 2.75, 0.5, 0.75];
        let m = 1.375;
        (xs.iter().map(|x: &f64| (x - m).powi(2)).sum::<f64>() / 7.0).sqrt()
    };
    close(u0.sd, sd, 1e-12);
    // t(0.975, 7) = 2.364624 (table value)
    let ci = u0.ci95.unwrap();
    close(
        Some(ci[1] - 1.375),
        2.364_624_251_6 * sd / 8f64.sqrt(),
        1e-8,
    );
}

#[test]
fn reverse_keyed_items_are_mirrored_before_scoring() {
    let plain = report_of(false, 5);
    let keyed = report_of(true, 5);
    let (p, k) = (&plain.waves[0].dimensions[0], &keyed.waves[0].dimensions[0]);
    assert_eq!(p.mean, k.mean);
    assert_eq!(p.alpha, k.alpha);
    assert_eq!(p.icc1, k.icc1);
    assert!(k.items[1].reverse);
}

#[test]
fn a_person_with_too_few_answers_gets_no_score() {
    let survey = survey(false);
    let mut acc = Accumulator::new(&survey);
    for _ in 0..5 {
        acc.push(0, 0, &[3, 3, 3, 3]);
    }
    // min_answered defaults to 2 of 4: one answer is not enough, two are.
    acc.push(0, 0, &[0, MISSING, DONT_KNOW, MISSING]);
    acc.push(0, 0, &[0, 0, DONT_KNOW, MISSING]);
    let r = build(
        &survey,
        &acc,
        &["w".into()],
        &["u".into()],
        &plans_without_structure(&acc, 1, 5),
        Language::En,
    );
    let d = &r.waves[0].dimensions[0];
    assert_eq!(d.n, Some(6));
    assert_eq!(d.not_scored, 1);
    assert_eq!(d.complete_cases, 5);
    // (5 · 3 + 0) / 6
    close(d.mean, 2.5, 1e-12);
    close(d.items[2].dk_rate, 2.0 / 7.0, 1e-12);
    close(d.items[3].missing_rate, 2.0 / 7.0, 1e-12);
}

#[test]
fn small_units_are_suppressed_with_a_complementary_unit() {
    let r = report_of(false, 9);
    let units = &r.waves[0].dimensions[0].units;
    // Sizes 8, 10, 7, 11 with a minimum of 9: units 0 and 2 are below it;
    // together they reach 15, so no third unit needs hiding.
    let hidden: Vec<bool> = units.iter().map(|u| u.suppressed).collect();
    assert_eq!(hidden, vec![true, false, true, false]);
    for u in units.iter().filter(|u| u.suppressed) {
        assert!(
            u.n.is_none()
                && u.mean.is_none()
                && u.sd.is_none()
                && u.ci95.is_none()
                && u.rwg_j.is_none()
        );
    }
}

#[test]
fn a_wave_smaller_than_the_minimum_shows_no_figures_at_all() {
    let survey = survey(false);
    let mut acc = Accumulator::new(&survey);
    for _ in 0..4 {
        acc.push(0, 0, &[1, 2, 3, 2]);
    }
    let r = build(
        &survey,
        &acc,
        &["w".into()],
        &["u".into()],
        &plans_without_structure(&acc, 1, 5),
        Language::En,
    );
    let d = &r.waves[0].dimensions[0];
    assert!(d.suppressed);
    assert!(d.n.is_none() && d.mean.is_none() && d.alpha.is_none() && d.omega.is_none());
    assert!(
        d.items
            .iter()
            .all(|i| i.dk_rate.is_none() && i.item_total_r.is_none())
    );
}

#[test]
fn results_do_not_depend_on_the_order_of_rows() {
    let survey = survey(false);
    let (mut forward, mut backward) = (Accumulator::new(&survey), Accumulator::new(&survey));
    for p in 0..36 {
        forward.push(0, UNITS[p], &[A[p], B[p], C[p], D[p]]);
        let q = 35 - p;
        backward.push(0, UNITS[q], &[A[q], B[q], C[q], D[q]]);
    }
    let units: Vec<String> = (0..4).map(|u| format!("u{u}")).collect();
    let f = serde_json::to_string(&build(
        &survey,
        &forward,
        &["w".into()],
        &units,
        &plans_without_structure(&forward, 4, 5),
        Language::En,
    ))
    .unwrap();
    let b = serde_json::to_string(&build(
        &survey,
        &backward,
        &["w".into()],
        &units,
        &plans_without_structure(&backward, 4, 5),
        Language::En,
    ))
    .unwrap();
    assert_eq!(f, b);
}
