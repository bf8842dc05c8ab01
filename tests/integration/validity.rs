//! `klimat validity` end to end on simulated answers with a known truth:
//! the dimension model is recovered and invariance holds; an item answered
//! differently in the pilot after the intervention breaks scalar invariance
//! and is named.

use serde_json::Value;

use crate::helpers::*;

fn creative_climate() -> std::path::PathBuf {
    repo().join("surveys/creative-climate.toml")
}

/// Simulates 2 waves × 40 units × ~60 respondents and returns the file and
/// the pilot units.
fn simulate(k: &Klimat, extra: &[&str]) -> (std::path::PathBuf, String) {
    let file = k.path("sim.csv");
    let out = k
        .cmd()
        .args([
            "simulate",
            "--survey",
            arg(&creative_climate()),
            "--out",
            arg(&file),
        ])
        .args([
            "--units",
            "40",
            "--respondents-per-unit",
            "60",
            "--waves",
            "2",
            "--pilot-units",
            "12",
        ])
        .args([
            "--seed",
            "3",
            "--missing-rate",
            "0.005",
            "--dont-know-rate",
            "0.005",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    let pilot = stdout
        .lines()
        .find_map(|l| l.strip_prefix("pilot units: "))
        .expect("simulate names the pilot units")
        .to_owned();
    (file, pilot)
}

fn validity(k: &Klimat, file: &std::path::Path, pilot: &str) -> Value {
    let out = k
        .cmd()
        .args([
            "validity",
            "--survey",
            arg(&creative_climate()),
            "--responses",
            arg(file),
        ])
        .args(["--pilot", pilot])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn series<'a>(report: &'a Value, across: &str) -> &'a Value {
    report["invariance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["across"] == across)
        .unwrap_or_else(|| panic!("no invariance series {across}"))
}

#[test]
fn the_simulated_structure_is_recovered_and_invariance_holds() {
    let k = Klimat::new();
    let (file, pilot) = simulate(&k, &[]);
    let report = validity(&k, &file, &pilot);
    assert!(
        report["problems"].as_array().unwrap().is_empty(),
        "{}",
        report["problems"]
    );
    let model = &report["model"];
    assert_eq!(model["converged"], true);
    // 40 items on 10 correlated factors: 820 covariances, 125 parameters.
    assert_eq!(model["fit"]["df"], 820 - 125);
    assert!(
        model["fit"]["cfi"].as_f64().unwrap() > 0.95,
        "{}",
        model["fit"]
    );
    assert!(
        model["fit"]["rmsea"].as_f64().unwrap() < 0.05,
        "{}",
        model["fit"]
    );
    // Simulated loadings are 0.65–0.85 on the continuous scale; five
    // categories attenuate them a little.
    for l in model["loadings"].as_array().unwrap() {
        let std = l["std"].as_f64().unwrap();
        assert!((0.5..0.9).contains(&std), "{l}");
    }
    // The ordinal model on the polychoric correlations recovers the
    // loadings of the continuous opinions behind the five categories
    // (simulated 0.65–0.85), which the ML model sees attenuated.
    let ordinal = &report["ordinal_model"];
    assert_eq!(ordinal["converged"], true, "{ordinal}");
    assert_eq!(ordinal["fit"]["df"], 780 - 85);
    assert!(
        ordinal["fit"]["cfi_scaled"].as_f64().unwrap() > 0.95,
        "{}",
        ordinal["fit"]
    );
    let mean = |loadings: &Value| {
        let v = loadings.as_array().unwrap();
        v.iter().map(|l| l["std"].as_f64().unwrap()).sum::<f64>() / v.len() as f64
    };
    for l in ordinal["loadings"].as_array().unwrap() {
        let std = l["std"].as_f64().unwrap();
        assert!((0.6..0.92).contains(&std), "{l}");
    }
    assert!(
        mean(&ordinal["loadings"]) > mean(&model["loadings"]),
        "polychoric loadings are not attenuated"
    );
    // Each item measures its own dimension only: no cross-loading is
    // suggested.
    for item in report["items"].as_array().unwrap() {
        assert!(item["cross_loading"].is_null(), "{item}");
    }
    // Dimensions share half their variance through a general factor.
    for p in report["discriminant"].as_array().unwrap() {
        let r = p["correlation"].as_f64().unwrap();
        assert!((0.35..0.7).contains(&r), "{p}");
        assert_eq!(p["indistinct"], false, "{p}");
    }
    for across in ["waves", "arms", "waves_and_arms"] {
        let s = series(&report, across);
        assert_eq!(
            s["result"]["supported"], "scalar",
            "{across}: {}",
            s["verdict"]
        );
        assert!(
            s["breaking"].as_array().unwrap().is_empty(),
            "{across}: {}",
            s["breaking"]
        );
        assert!(
            s["dimensions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["means_comparable"] == true)
        );
    }
}

#[test]
fn an_item_shifted_in_the_pilot_after_the_intervention_breaks_scalar_invariance_and_is_named() {
    let k = Klimat::new();
    let (file, pilot) = simulate(&k, &["--item-shift", "is2=1.0"]);
    let report = validity(&k, &file, &pilot);
    for across in ["arms", "waves_and_arms"] {
        let s = series(&report, across);
        assert!(
            s["verdict"].as_str().unwrap().starts_with("WARNING"),
            "{}",
            s["verdict"]
        );
        let breaking = s["breaking"].as_array().unwrap();
        let scalar = breaking
            .iter()
            .find(|b| b[0] == "scalar")
            .expect("scalar breaks");
        assert_eq!(
            scalar[1],
            serde_json::json!(["is2"]),
            "{across}: {breaking:?}"
        );
        for d in s["dimensions"].as_array().unwrap() {
            let shifted = d["dimension"] == "idea-support";
            assert_eq!(d["means_comparable"], !shifted, "{across}: {d}");
        }
    }
    let advice = report["advice"].as_array().unwrap();
    assert!(
        advice.iter().any(|a| a.as_str().unwrap().contains("is2")),
        "{advice:?}"
    );

    // The effect report takes it into account: idea support's difference
    // in differences is flagged, the other dimensions' are not.
    let out = k
        .cmd()
        .args(["report", "effect", "--survey", arg(&creative_climate())])
        .args(["--responses", arg(&file), "--pilot", &pilot])
        .args([
            "--first-post-wave",
            "2024-09",
            "--reps",
            "99",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let effect: Value = serde_json::from_slice(&out.stdout).unwrap();
    for d in effect["dimensions"].as_array().unwrap() {
        let shifted = d["id"] == "idea-support";
        let m = &d["measurement"];
        assert_eq!(m["means_comparable"], !shifted, "{}: {m}", d["id"]);
        let warned = d["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("MEASUREMENT"));
        assert_eq!(warned, shifted, "{}: {}", d["id"], d["warnings"]);
        if shifted {
            assert_eq!(m["items"], serde_json::json!(["is2"]), "{m}");
        }
    }
    assert_eq!(effect["validity"]["survey"]["key"], "creative-climate");
}
