use super::*;
use crate::dashboard::{DimensionRef, Node, WaveRef};

/// A figure from n, mean and SD as the dashboard builds it (t interval).
fn figure(n: u64, mean: f64, sd: f64) -> Figure {
    let half = t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt();
    Figure {
        n: Some(n),
        mean: Some(mean),
        ci95: Some([mean - half, mean + half]),
        suppressed: false,
    }
}

fn dashboard(
    unit_now: Figure,
    unit_before: Figure,
    org: Figure,
    lower_is_better: bool,
) -> Dashboard {
    let wave = |name: &str| WaveRef {
        name: name.into(),
        min_group: 5,
        open: false,
        closes_on: None,
    };
    Dashboard {
        survey: "s".into(),
        scale: [0, 3],
        dimensions: vec![DimensionRef {
            id: "d".into(),
            name: "Idéstöd".into(),
            lower_is_better,
        }],
        waves: vec![wave("2025-05"), wave("2025-11")],
        units: vec![
            Node {
                code: "org".into(),
                name: "Org".into(),
                parent: None,
            },
            Node {
                code: "a".into(),
                name: "Enhet A".into(),
                parent: Some(0),
            },
        ],
        organisation: vec![vec![org], vec![org]],
        figures: vec![vec![vec![org, unit_before]], vec![vec![org, unit_now]]],
        organisation_rates: Vec::new(),
        rates: Vec::new(),
        groups: Vec::new(),
        group_figures: Vec::new(),
        notes: Vec::new(),
    }
}

/// Unit 1's report in the second wave.
fn input(dash: &Dashboard, lang: Language) -> FeedbackInput<'_> {
    FeedbackInput {
        study: "pilot",
        dash,
        unit: 1,
        wave: 1,
        labels: Vec::new(),
        dont_know_label: None,
        items: Vec::new(),
        comments: None,
        lang,
    }
}

fn report(dash: &Dashboard) -> UnitFeedback {
    build(input(dash, Language::Sv)).unwrap()
}

/// Worked by hand: unit n 20, mean 2.5, SD 0.5 inside an organisation of
/// 200, mean 2.0, SD 0.6. SE_u = 0.5/√20, SE_o = 0.6/√200; Var(ū − ō) =
/// 0.0125·(1 − 2·0.1) + 0.0018 = 0.0118; t(19) = 2.0930241; half-width
/// 0.2273591.
#[test]
fn the_difference_to_the_organisation_counts_the_unit_inside_it() {
    let dash = dashboard(
        figure(20, 2.5, 0.5),
        figure(18, 2.3, 0.5),
        figure(200, 2.0, 0.6),
        false,
    );
    let r = report(&dash);
    let d = r.dimensions[0].against_organisation.unwrap();
    assert!((d.estimate - 0.5).abs() < 1e-12);
    let half = 2.093_024_054_408_263 * 0.0118f64.sqrt();
    assert!((d.ci95[0] - (0.5 - half)).abs() < 1e-9, "{d:?}");
    assert_eq!(d.verdict, Verdict::Better);
    assert_eq!(r.strengths, [0]);
    assert!(r.areas.is_empty());
    // The change: 2.5 − 2.3 with SE √(0.25/20 + 0.25/18), t(17): unclear.
    let c = r.dimensions[0].change.unwrap();
    let half = 2.109_815_577_833_18 * (0.25f64 / 20.0 + 0.25 / 18.0).sqrt();
    assert!((c.ci95[1] - (0.2 + half)).abs() < 1e-9, "{c:?}");
    assert_eq!(c.verdict, Verdict::Unclear);
    assert_eq!(r.previous_wave.as_deref(), Some("2025-05"));
    assert!(
        r.questions
            .iter()
            .any(|q| q.contains("Vad gör vi som ger oss Idéstöd"))
    );
}

#[test]
fn higher_conflicts_read_as_worse() {
    let dash = dashboard(
        figure(20, 2.5, 0.5),
        figure(18, 2.3, 0.5),
        figure(200, 2.0, 0.6),
        true,
    );
    let r = report(&dash);
    assert_eq!(
        r.dimensions[0].against_organisation.unwrap().verdict,
        Verdict::Worse
    );
    assert_eq!(r.areas, [0]);
    assert!(r.strengths.is_empty());
}

#[test]
fn a_hidden_unit_gets_no_report() {
    let hidden = Figure {
        n: None,
        mean: None,
        ci95: None,
        suppressed: true,
    };
    let dash = dashboard(hidden, hidden, figure(200, 2.0, 0.6), false);
    assert!(build(input(&dash, Language::En)).is_none());
}
