//! A roll-out's headlines: the roll-out report's overall effects, the
//! randomisation test's p (the order was drawn), and Holm across the
//! dimensions computed here independently.

use serde_json::Value;

use crate::services::{Server, klimat};
use crate::staff::api;

/// Holm's step-down adjustment (Holm 1979), written out for the check.
fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

#[test]
fn a_rollouts_headlines_are_its_overall_effects_with_holm_across_dimensions() {
    let (k, env) = crate::comments::demo();
    let token = |name: &str, role: &str| {
        klimat(
            &k,
            &env,
            &["token", "create", "--name", name, "--role", role],
        )
        .trim()
        .to_owned()
    };
    let (eva, lead) = (token("eva", "evaluator"), token("lead", "viewer"));
    let s = Server::start(&k, &env);
    let (status, _, report) = api(&s, "/api/v1/studies/innovation-pilot/report", Some(&eva));
    assert_eq!(status, 200, "{report}");
    let (status, _, h) = api(
        &s,
        "/api/v1/studies/innovation-pilot/headlines",
        Some(&lead),
    );
    assert_eq!(status, 200, "{h}");
    assert_eq!(h["rollout"], true);
    let dims = report["dimensions"].as_array().unwrap();
    let cards = h["cards"].as_array().unwrap();
    let primary: Vec<f64> = dims
        .iter()
        .map(|d| match &d["randomisation"] {
            Value::Null => d["overall"]["p"].as_f64().unwrap(),
            r => r["p"].as_f64().unwrap(),
        })
        .collect();
    let adjusted = holm(&primary);
    for (i, (card, dim)) in cards.iter().zip(dims).enumerate() {
        assert_eq!(card["estimate"], dim["overall"]["estimate"], "{card}");
        assert_eq!(card["p"].as_f64().unwrap(), primary[i]);
        assert!(
            (card["p_adjusted"].as_f64().unwrap() - adjusted[i]).abs() < 1e-12,
            "{card}"
        );
    }
    // The demo simulates a true effect on idea support: it reads as clear.
    let support = cards
        .iter()
        .find(|c| c["dimension"] == "idea-support")
        .expect("idea support");
    assert_eq!(support["verdict"], "clear-improvement", "{support}");
}
