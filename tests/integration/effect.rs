//! `klimat report effect` and `klimat design power` end to end.

use crate::helpers::*;

struct Study {
    k: Klimat,
    responses: std::path::PathBuf,
    pilots: String,
}

fn study(extra: &[&str]) -> Study {
    let k = Klimat::new();
    let responses = k.path("answers.csv");
    let survey = repo().join("surveys/team-climate.toml");
    let out = k
        .cmd()
        .args([
            "simulate",
            "--survey",
            arg(&survey),
            "--out",
            arg(&responses),
            "--units",
            "10",
            "--pilot-units",
            "3",
        ])
        .args([
            "--waves",
            "3",
            "--respondents-per-unit",
            "20",
            "--effect",
            "vision=0.8",
            "--seed",
            "21",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let pilots = stdout_of(&out)
        .lines()
        .find_map(|l| l.strip_prefix("pilot units: "))
        .unwrap()
        .to_owned();
    Study {
        k,
        responses,
        pilots,
    }
}

impl Study {
    fn effect(&self, args: &[&str]) -> std::process::Output {
        let survey = repo().join("surveys/team-climate.toml");
        self.k
            .cmd()
            .args([
                "report",
                "effect",
                "--survey",
                arg(&survey),
                "--responses",
                arg(&self.responses),
            ])
            .args(["--reps", "499"])
            .args(args)
            .output()
            .unwrap()
    }
}

#[test]
fn without_out_every_format_goes_to_a_new_folder_under_reports() {
    let s = study(&[]);
    let out = s.effect(&["--pilot", &s.pilots, "--first-post-wave", "2025-03"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    assert!(
        stdout.contains("report written to reports/effect-team-climate-1/effect.html"),
        "{stdout}"
    );
    assert!(stdout.contains("Vision") && stdout.contains("p perm"));
    let dir = s.k.path("reports/effect-team-climate-1");
    for f in ["effect.html", "effect.md", "effect.json", "effect.csv"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    // A second run does not overwrite the first.
    assert!(
        s.effect(&["--pilot", &s.pilots, "--first-post-wave", "2025-03"])
            .status
            .success()
    );
    assert!(
        s.k.path("reports/effect-team-climate-2/effect.json")
            .exists()
    );
}

#[test]
fn the_json_report_has_every_promised_field() {
    let s = study(&[]);
    let out = s.effect(&[
        "--pilot",
        &s.pilots,
        "--first-post-wave",
        "2025-03",
        "--format",
        "json",
        "--seed",
        "9",
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["key", "version", "hash"] {
        assert!(!r["survey"][key].is_null(), "survey.{key}");
    }
    let design = &r["design"];
    assert_eq!(design["pilot_units"].as_array().unwrap().len(), 3);
    assert_eq!(design["control_units"].as_array().unwrap().len(), 7);
    assert_eq!(design["waves"].as_array().unwrap().len(), 3);
    assert_eq!(design["first_post_wave"], "2025-03");
    assert_eq!(design["seed"], 9);
    assert_eq!(design["bootstrap_reps"], 499);
    let d = &r["dimensions"][0];
    assert_eq!(d["id"], "vision");
    let cell = &d["cells"][0];
    for key in ["arm", "wave", "n", "mean", "sd"] {
        assert!(!cell[key].is_null(), "cells.{key}");
    }
    for key in [
        "estimate",
        "se_cr1",
        "p_cr1",
        "se_cr2",
        "df_bm",
        "ci95_cr2",
        "p_cr2",
        "p_wild",
        "p_permutation",
        "p_permutation_min",
        "p_holm",
        "p_bh",
    ] {
        assert!(!d["did"][key].is_null(), "did.{key}");
    }
    for key in [
        "estimate",
        "welch_t",
        "welch_df",
        "p_welch",
        "p_permutation",
    ] {
        assert!(!d["unit_level"][key].is_null(), "unit_level.{key}");
    }
    for key in ["d", "g", "ci95"] {
        assert!(!d["effect_size"][key].is_null(), "effect_size.{key}");
    }
    let es = &d["event_study"];
    assert!(!es["pretrend_p"].is_null());
    for key in ["wave", "estimate"] {
        assert!(!es["coefficients"][0][key].is_null());
    }
    assert!(!es["coefficients"][0]["se_cr2"].is_null() && !es["coefficients"][0]["ci95"].is_null());
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("FEW UNITS"))
    );
}

#[test]
fn the_html_is_valid_self_contained_and_holds_the_charts() {
    let s = study(&[]);
    let out = s.effect(&[
        "--pilot",
        &s.pilots,
        "--first-post-wave",
        "2025-03",
        "--format",
        "html",
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let html = stdout_of(&out);
    let doc = scraper::Html::parse_document(&html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    let count = |css: &str| doc.select(&scraper::Selector::parse(css).unwrap()).count();
    // A forest plot, a means chart per dimension and an event study per dimension.
    assert_eq!(count("svg"), 1 + 4 + 4);
    assert_eq!(count("svg > title"), 9);
    assert_eq!(count("svg > desc"), 9);
    assert!(count("table") >= 10);
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("@page { size: A4"));
    for external in ["src=\"http", "href=\"http", "<link", "<script"] {
        assert!(!html.contains(external), "{external}");
    }
    let summary = html.find("id=\"summary\"").unwrap();
    assert!(
        summary < html.find("id=\"effects\"").unwrap(),
        "the summary leads"
    );
    assert!(html.contains("Bell–McCaffrey") && html.contains("Holm") && html.contains("Seed 1"));
}

#[test]
fn markdown_and_csv_carry_the_effect_table() {
    let s = study(&[]);
    let md = stdout_of(&s.effect(&[
        "--pilot",
        &s.pilots,
        "--first-post-wave",
        "2025-03",
        "--format",
        "md",
    ]));
    assert!(md.starts_with("# Effect report: team-climate v1"));
    assert!(
        md.contains("## Summary")
            && md.contains("## Methods")
            && md.contains("## Reliability and agreement")
    );
    let csv = stdout_of(&s.effect(&[
        "--pilot",
        &s.pilots,
        "--first-post-wave",
        "2025-03",
        "--format",
        "csv",
    ]));
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("dimension,direction,estimate,se_cr1,p_cr1,se_cr2,df_bm")
    );
    assert_eq!(lines.count(), 4);
}

#[test]
fn an_invalid_design_is_refused_with_a_clear_message() {
    let s = study(&[]);
    let first_pilot = s.pilots.split(',').next().unwrap().to_owned();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--pilot", "unit-99", "--first-post-wave", "2025-03"],
            "pilot unit `unit-99` has no responses",
        ),
        (
            vec![
                "--pilot",
                &s.pilots,
                "--control",
                &first_pilot,
                "--first-post-wave",
                "2025-03",
            ],
            "is named both as pilot and as control",
        ),
        (
            vec!["--pilot", &s.pilots, "--first-post-wave", "2024-03"],
            "no wave comes before the first post wave `2024-03`",
        ),
        (
            vec!["--pilot", &s.pilots, "--first-post-wave", "2026-09"],
            "the first post wave `2026-09` is not a wave of the data",
        ),
    ];
    for (args, expected) in cases {
        let out = s.effect(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains("the design does not fit the data") && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
        assert!(!s.k.path("reports").exists(), "nothing is written");
    }
}

#[test]
fn a_wave_missing_for_an_arm_is_refused() {
    let s = study(&[]);
    let text = std::fs::read_to_string(&s.responses).unwrap();
    let pilots: Vec<&str> = s.pilots.split(',').collect();
    let kept: String = text
        .lines()
        .filter(|l| {
            !(pilots.iter().any(|p| l.starts_with(&format!("{p},"))) && l.contains(",2024-09,"))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&s.responses, kept).unwrap();
    let out = s.effect(&["--pilot", &s.pilots, "--first-post-wave", "2025-03"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("wave `2024-09` has no respondents in the pilot units"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn design_power_reports_the_detectable_effect_and_the_smallest_p() {
    let k = Klimat::new();
    let out = k
        .cmd()
        .args([
            "design",
            "power",
            "--units-pilot",
            "2",
            "--units-control",
            "4",
            "--respondents-per-unit",
            "20",
            "--icc",
            "0.15",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        text.contains("smallest attainable permutation p: 0.0667 (1 of 15 assignments"),
        "{text}"
    );
    assert!(text.contains("no result can be significant at 0.05"));
    let bad = k
        .cmd()
        .args([
            "design",
            "power",
            "--units-pilot",
            "0",
            "--units-control",
            "4",
            "--respondents-per-unit",
            "20",
            "--icc",
            "0.1",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr_of(&bad).contains("at least one pilot"));
}

/// pyfixest 0.60 on the file `klimat simulate` writes with these arguments:
/// feols(conflicts ~ D | unit + wave, vcov = {"CRV1": "unit"}) and
/// wildboottest(param = "D", reps = 99999, weights_type = "webb"):
/// estimate 0.06749697335277124, CR1 SE 0.087501759469456, wild p 0.4994
/// (B = 9999) and for risk-taking, with B = 99999, p 0.0504305.
#[test]
fn the_estimate_cr1_and_wild_bootstrap_agree_with_pyfixest() {
    let k = Klimat::new();
    let survey = repo().join("surveys/creative-climate.toml");
    let file = k.path("eff.csv");
    let sim = k
        .cmd()
        .args([
            "simulate",
            "--survey",
            arg(&survey),
            "--units",
            "12",
            "--pilot-units",
            "3",
            "--waves",
            "3",
        ])
        .args([
            "--respondents-per-unit",
            "25",
            "--effect",
            "idea-support=0.8,trust=0.5",
            "--icc",
            "0.1",
            "--seed",
            "4",
        ])
        .args(["--out", arg(&file)])
        .output()
        .unwrap();
    assert!(stdout_of(&sim).contains("pilot units: unit-04,unit-05,unit-09"));
    let out = k
        .cmd()
        .args([
            "report",
            "effect",
            "--survey",
            arg(&survey),
            "--responses",
            arg(&file),
            "--pilot",
            "unit-04,unit-05,unit-09",
        ])
        .args([
            "--first-post-wave",
            "2025-03",
            "--format",
            "json",
            "--reps",
            "99999",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dim = |id: &str| {
        r["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .unwrap()["did"]
            .clone()
    };
    let conflicts = dim("conflicts");
    assert!((conflicts["estimate"].as_f64().unwrap() - 0.067_496_973_352_771_24).abs() < 1e-10);
    assert!((conflicts["se_cr1"].as_f64().unwrap() - 0.087_501_759_469_456).abs() < 1e-10);
    // Monte Carlo p-values: SD about 0.0007 at B = 99999.
    assert!((dim("risk-taking")["p_wild"].as_f64().unwrap() - 0.050_430_5).abs() < 0.003);
    assert!((conflicts["p_wild"].as_f64().unwrap() - 0.499_4).abs() < 0.006);
}
