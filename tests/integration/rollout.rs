//! `klimat report effect --adoption`: the roll-out report end to end, on
//! responses simulated with staggered adoption and a known truth.

use serde_json::Value;

use crate::helpers::*;

/// 24 units over 6 waves; cohorts of 4 units adopt before waves 3, 4 and 5;
/// vision improves by 0.5 latent SD at adoption, growing by half of that per wave.
fn simulated(k: &Klimat, extra: &[&str]) -> (std::path::PathBuf, std::path::PathBuf) {
    let (responses, adoption) = (k.path("answers.csv"), k.path("adoption.csv"));
    let survey = repo().join("surveys/team-climate.toml");
    let out = k
        .cmd()
        .args([
            "simulate",
            "--survey",
            arg(&survey),
            "--out",
            arg(&responses),
        ])
        .args([
            "--units",
            "24",
            "--waves",
            "6",
            "--respondents-per-unit",
            "20",
            "--seed",
            "3",
        ])
        .args([
            "--cohorts",
            "3:4,4:4,5:4",
            "--effect",
            "vision=0.5",
            "--effect-growth",
            "0.5",
        ])
        .args(["--adoption-out", arg(&adoption)])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    (responses, adoption)
}

fn report(
    k: &Klimat,
    responses: &std::path::Path,
    adoption: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let survey = repo().join("surveys/team-climate.toml");
    k.cmd()
        .args([
            "report",
            "effect",
            "--survey",
            arg(&survey),
            "--responses",
            arg(responses),
        ])
        .args(["--adoption", arg(adoption)])
        .args(extra)
        .output()
        .unwrap()
}

fn covers(ci: &Value, x: f64) -> bool {
    ci[0].as_f64().unwrap() <= x && x <= ci[1].as_f64().unwrap()
}

#[test]
fn a_staggered_roll_out_recovers_the_simulated_effects_and_their_growth() {
    let k = Klimat::new();
    let (responses, adoption) = simulated(&k, &[]);
    let out = report(&k, &responses, &adoption, &["--format", "json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let r: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let cohorts = r["design"]["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 3);
    assert!(
        cohorts
            .iter()
            .all(|c| c["units"].as_array().unwrap().len() == 4)
    );
    assert_eq!(cohorts[0]["first_wave"], "2025-03");
    assert_eq!(cohorts[0]["pre_waves"], 2);
    assert_eq!(r["design"]["never_treated"].as_array().unwrap().len(), 12);
    assert_eq!(r["design"]["control"], "never_treated");

    let dims = r["dimensions"].as_array().unwrap();
    let vision = dims.iter().find(|d| d["id"] == "vision").unwrap();
    let overall = &vision["overall"];
    assert!(
        overall["ci95"][0].as_f64().unwrap() > 0.0,
        "vision improves: {overall}"
    );
    assert_eq!(overall["df"], 23.0);
    // The effect grows with exposure: three waves after adoption it is larger than at adoption.
    let at = |e: i64| {
        vision["event_study"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["event_time"] == e)
            .unwrap()
            .clone()
    };
    assert!(at(3)["estimate"].as_f64().unwrap() > at(0)["estimate"].as_f64().unwrap() + 0.3);
    assert_eq!(at(-1)["reference"], true);
    // Before adoption there is no effect to find.
    for e in [-4, -3, -2] {
        assert!(covers(&at(e)["band95"], 0.0), "pre-trend at {e}: {}", at(e));
    }
    // The uniform band is wider than each pointwise interval.
    for e in vision["event_study"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reference"] == false)
    {
        let (ci, band) = (&e["ci95"], &e["band95"]);
        assert!(band[0].as_f64().unwrap() < ci[0].as_f64().unwrap(), "{e}");
        assert!(band[1].as_f64().unwrap() > ci[1].as_f64().unwrap(), "{e}");
    }
    assert!(vision["twfe"]["estimate"].is_number());
    // Sun & Abraham's estimator agrees in sign and size; the Bacon weights add up to one, and
    // with an effect that grows the later-vs-earlier comparisons understate it.
    let sa = &vision["sun_abraham"]["overall"];
    assert!(sa["ci95"][0].as_f64().unwrap() > 0.0, "{sa}");
    let bacon = &vision["bacon"];
    let comparisons = bacon["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), 9);
    let total: f64 = comparisons
        .iter()
        .map(|c| c["weight"].as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9);
    assert!(bacon["forbidden_weight"].as_f64().unwrap() > 0.0);
    let mean_of = |kind: &str| {
        let x: Vec<f64> = comparisons
            .iter()
            .filter(|c| c["comparison"] == kind)
            .map(|c| c["estimate"].as_f64().unwrap())
            .collect();
        x.iter().sum::<f64>() / x.len() as f64
    };
    assert!(mean_of("later_vs_earlier") < mean_of("treated_vs_never"));
    assert_eq!(vision["by_cohort"].as_array().unwrap().len(), 3);
    assert_eq!(vision["by_wave"].as_array().unwrap().len(), 4);
    // The dimensions without an effect: every overall interval covers zero.
    for d in dims.iter().filter(|d| d["id"] != "vision") {
        assert!(
            covers(&d["overall"]["ci95"], 0.0),
            "{}: {}",
            d["id"],
            d["overall"]
        );
    }
    assert!(
        r["warnings"].as_array().unwrap().is_empty(),
        "{}",
        r["warnings"]
    );

    // In Swedish, with every format written to a folder.
    let folder = k.path("report");
    let out = report(
        &k,
        &responses,
        &adoption,
        &["--lang", "sv", "--out", arg(&folder)],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("Vision: tydlig förbättring efter start"),
        "{}",
        stdout_of(&out)
    );
    let md = std::fs::read_to_string(folder.join("rollout.md")).unwrap();
    assert!(
        md.starts_with("# Utrullningsrapport: team-climate v1"),
        "{md}"
    );
    assert!(md.contains("| aldrig | "), "{md}");
    // Swedish figures: decimal commas, and semicolons between an interval's ends.
    let vision = md.lines().find(|l| l.starts_with("- **Vision**")).unwrap();
    let ci = &vision[vision.find("KI [").expect(vision) + 4..];
    let ci = &ci[..ci.find(']').unwrap()];
    let ends: Vec<&str> = ci.split("; ").collect();
    assert_eq!(ends.len(), 2, "{vision}");
    for end in ends {
        assert!(
            end.contains(',') && !end.contains('.') && end.replace(',', ".").parse::<f64>().is_ok(),
            "{vision}"
        );
    }
    assert!(
        !md.lines().filter(|l| l.starts_with("| ")).any(|l| l
            .as_bytes()
            .windows(3)
            .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())),
        "no decimal points in the Swedish tables: {md}"
    );
    let html = std::fs::read_to_string(folder.join("rollout.html")).unwrap();
    assert!(
        html.starts_with("<!doctype html>") && html.contains("<html lang=\"sv\">"),
        "{html}"
    );
    // Per dimension the event-study chart and the Bacon chart, each with its accessible name.
    assert_eq!(html.matches("<svg role=\"img\"").count(), 8, "{html}");
    assert!(html.contains("Vision: effekt efter mätomgångar sedan start"));
    assert!(!html.contains("CHART:"), "every chart marker replaced");
    assert!(
        html.contains("<table>") && html.contains("<td>2025-03</td>"),
        "{html}"
    );
    let csv = std::fs::read_to_string(folder.join("rollout.csv")).unwrap();
    assert!(
        csv.lines().any(|l| l.starts_with("vision,event,3,")),
        "{csv}"
    );
}

#[test]
fn a_cohort_of_one_unit_is_flagged_and_one_below_the_minimum_is_refused() {
    let k = Klimat::new();
    let (responses, adoption) = simulated(&k, &[]);
    let text = std::fs::read_to_string(&adoption).unwrap();
    // unit-01 alone adopts at the last wave.
    let one: String = text
        .lines()
        .map(|l| {
            if l.starts_with("unit-01,") {
                "unit-01,2026-09"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let one_file = k.write("one.csv", &one);
    let out = report(&k, &responses, &one_file, &["--format", "json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let r: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains(
            "ONE UNIT IN A COHORT: the cohort adopting at 2026-09 has one unit (unit-01)"
        ),
        "{warnings}"
    );

    // With a minimum group of 30 the one unit's 15–25 respondents cannot be shown as a cohort,
    // and hiding it hides another group too (the total less the others would give it away).
    let out = report(
        &k,
        &responses,
        &one_file,
        &["--format", "json", "--min-group", "30"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("cannot be shown in wave `2024-03`"), "{err}");
    assert!(err.contains("merge cohorts or small units"), "{err}");
    assert!(stdout_of(&out).is_empty(), "nothing is written");
}

#[test]
fn a_bad_adoption_file_says_what_and_where() {
    let k = Klimat::new();
    let (responses, _) = simulated(&k, &[]);
    for (text, expected) in [
        (
            "unit;first_wave\nunit-01;2025-03\n",
            "adoption.csv:1: the header must be `unit,first_wave`",
        ),
        (
            "unit,first_wave\nunit-99,2025-03\n",
            "unit `unit-99` has no responses in the data",
        ),
        (
            "unit,first_wave\nunit-01,2031-03\n",
            "unit `unit-01`: wave `2031-03` is not a wave of the data",
        ),
        (
            "unit,first_wave\nunit-01,2025-03\nunit-01,2025-09\n",
            "unit `unit-01` is named twice",
        ),
        (
            "unit,first_wave\nunit-01,2024-03\n",
            "no unit adopts after the first wave",
        ),
        (
            "unit,first_wave\n,2025-03\n",
            "adoption.csv:2: write `unit,first_wave`",
        ),
    ] {
        let file = k.write("adoption.csv", text);
        let out = report(&k, &responses, &file, &["--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            stderr_of(&out).contains(expected),
            "{text}: {}",
            stderr_of(&out)
        );
    }
}

/// The same roll-out through the database, on both backends: a study whose
/// pilot arm adopts in three cohorts, adoption dates recorded from a CSV.
#[test]
fn a_study_with_adoption_dates_gets_the_same_roll_out_report_as_its_file() {
    use crate::store::{backends, ok, run, units_file};
    let k = Klimat::new();
    let (responses, adoption) = simulated(&k, &[]);
    let from_file = report(&k, &responses, &adoption, &["--format", "json"]);
    assert!(from_file.status.success(), "{}", stderr_of(&from_file));
    let from_file: Value = serde_json::from_str(&stdout_of(&from_file)).unwrap();

    let text = std::fs::read_to_string(&responses).unwrap();
    let header = text.lines().next().unwrap();
    let adopting: Vec<(String, String)> = std::fs::read_to_string(&adoption)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .filter(|(_, w)| !w.is_empty())
        .map(|(u, w)| (u.to_owned(), w.to_owned()))
        .collect();
    let pilot: Vec<&str> = adopting.iter().map(|(u, _)| u.as_str()).collect();
    let control: Vec<String> = (1..=24)
        .map(|i| format!("unit-{i:02}"))
        .filter(|u| !pilot.contains(&u.as_str()))
        .collect();
    // Each unit adopts in the fortnight before its first wave after adoption opens.
    let dates: String = adopting
        .iter()
        .map(|(u, w)| {
            let (year, month) = w.split_once('-').unwrap();
            let (year, month) = if month == "03" {
                (year.parse::<i32>().unwrap() - 1, "12")
            } else {
                (year.parse().unwrap(), "08")
            };
            format!("{u},{year}-{month}-15\n")
        })
        .collect();
    let dates = k.write("dates.csv", &format!("unit,adoption_date\n{dates}"));
    let survey = repo().join("surveys/team-climate.toml");
    for db in backends(&k) {
        ok(&k, &db, &["migrate"]);
        ok(&k, &db, &["unit", "import", arg(&units_file(&k, 24))]);
        ok(&k, &db, &["survey", "publish", arg(&survey)]);
        ok(
            &k,
            &db,
            &[
                "study",
                "create",
                "--name",
                "spread",
                "--survey",
                "team-climate",
                "--pilot",
                &pilot.join(","),
            ]
            .into_iter()
            .chain([
                "--control",
                &control.join(","),
                "--intervention-date",
                "2024-12-15",
            ])
            .collect::<Vec<_>>(),
        );
        for wave in [
            "2024-03", "2024-09", "2025-03", "2025-09", "2026-03", "2026-09",
        ] {
            let (opens, closes) = (format!("{wave}-01"), format!("{wave}-28"));
            ok(
                &k,
                &db,
                &[
                    "wave", "create", "--study", "spread", "--name", wave, "--opens", &opens,
                    "--closes", &closes,
                ],
            );
            let rows: Vec<&str> = text
                .lines()
                .filter(|l| l.contains(&format!(",{wave},")))
                .collect();
            let file = k.write(
                &format!("{wave}.csv"),
                &format!("{header}\n{}\n", rows.join("\n")),
            );
            ok(
                &k,
                &db,
                &[
                    "responses",
                    "import",
                    "--wave",
                    &format!("spread:{wave}"),
                    arg(&file),
                ],
            );
        }
        // Without adoption dates: the one-date effect report.
        let one_date = ok(
            &k,
            &db,
            &["report", "effect", "--study", "spread", "--format", "json"],
        );
        assert!(
            one_date.contains("\"first_post_wave\": \"2025-03\""),
            "{}",
            db.name
        );

        let out = ok(
            &k,
            &db,
            &["study", "adopt", "--study", "spread", "--file", arg(&dates)],
        );
        assert!(out.contains("12 change(s) recorded"), "{out}");
        let again = ok(
            &k,
            &db,
            &["study", "adopt", "--study", "spread", "--file", arg(&dates)],
        );
        assert!(
            again.contains("0 change(s) recorded"),
            "recording the same dates changes nothing: {again}"
        );
        let r: Value = serde_json::from_str(&ok(
            &k,
            &db,
            &["report", "effect", "--study", "spread", "--format", "json"],
        ))
        .unwrap();
        assert_eq!(
            r["design"]["cohorts"], from_file["design"]["cohorts"],
            "{}",
            db.name
        );
        for (ours, file) in r["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .zip(from_file["dimensions"].as_array().unwrap())
        {
            for key in ["overall", "simple", "event_overall"] {
                let (a, b) = (
                    ours[key]["estimate"].as_f64().unwrap(),
                    file[key]["estimate"].as_f64().unwrap(),
                );
                assert!(
                    (a - b).abs() < 1e-12,
                    "{} {}: {key} {a} vs {b}",
                    db.name,
                    ours["id"]
                );
                let (a, b) = (
                    ours[key]["se"].as_f64().unwrap(),
                    file[key]["se"].as_f64().unwrap(),
                );
                assert!(
                    (a - b).abs() < 1e-12,
                    "{} {}: {key} se {a} vs {b}",
                    db.name,
                    ours["id"]
                );
            }
        }
        assert_eq!(r["adoption_changes"].as_array().unwrap().len(), 12);

        // A unit outside the study, a bad date: refused, nothing recorded.
        let bad = k.write(
            "bad.csv",
            "unit,adoption_date\nunit-01,2025-02-01\nunit-99,2025-02-01\n",
        );
        let out = run(
            &k,
            &db,
            &["study", "adopt", "--study", "spread", "--file", arg(&bad)],
        );
        assert_eq!(out.status.code(), Some(1), "{}", db.name);
        assert!(
            stderr_of(&out).contains("unit `unit-99`"),
            "{}",
            stderr_of(&out)
        );
        let out = run(
            &k,
            &db,
            &[
                "study",
                "adopt",
                "--study",
                "spread",
                "--units",
                "unit-01",
                "--date",
                "2025-13-01",
            ],
        );
        assert!(
            stderr_of(&out).contains("is not a date written as YYYY-MM-DD"),
            "{}",
            stderr_of(&out)
        );
        let r: Value = serde_json::from_str(&ok(
            &k,
            &db,
            &["report", "effect", "--study", "spread", "--format", "json"],
        ))
        .unwrap();
        assert_eq!(
            r["adoption_changes"].as_array().unwrap().len(),
            12,
            "nothing half-written"
        );
        let audit = ok(&k, &db, &["audit"]);
        assert!(audit.contains("study.adopt"), "{audit}");
    }
}

/// A randomised roll-out: the schedule drawn by `klimat design roll-out`, the
/// responses simulated with that adoption, and the randomisation test.
#[test]
fn a_roll_out_that_follows_its_randomised_schedule_gets_the_randomisation_test() {
    let k = Klimat::new();
    let units: Vec<String> = (1..=24).map(|i| format!("unit-{i:02}")).collect();
    let schedule_for = |seed: &str, name: &str| {
        let path = k.path(name);
        let out = k
            .cmd()
            .args([
                "design",
                "roll-out",
                "--units",
                &units.join(","),
                "--steps",
                "3",
                "--units-per-step",
                "4",
            ])
            .args(["--seed", seed, "--out", arg(&path)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        path
    };
    let schedule = schedule_for("11", "schedule.json");
    let drawn: Value = serde_json::from_str(&std::fs::read_to_string(&schedule).unwrap()).unwrap();
    let mut adoption = String::from("unit,first_wave\n");
    for (k, wave) in ["2025-03", "2025-09", "2026-03"].iter().enumerate() {
        for u in drawn["steps"][k].as_array().unwrap() {
            adoption += &format!("{},{wave}\n", u.as_str().unwrap());
        }
    }
    let adoption = k.write("adoption.csv", &adoption);
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
            "--adoption",
            arg(&adoption),
        ])
        .args([
            "--units",
            "24",
            "--waves",
            "6",
            "--respondents-per-unit",
            "20",
            "--seed",
            "4",
        ])
        .args(["--effect", "vision=0.5", "--effect-growth", "0.5"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));

    let out = report(
        &k,
        &responses,
        &adoption,
        &["--schedule", arg(&schedule), "--format", "json"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let r: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    for d in r["dimensions"].as_array().unwrap() {
        let test = &d["randomisation"];
        assert_eq!(test["draws"], 9999, "{}", d["id"]);
        assert_eq!(test["schedule_hash"], drawn["hash"]);
        let p = test["p"].as_f64().unwrap();
        if d["id"] == "vision" {
            assert!(p <= 0.001, "vision: {test}");
        } else {
            assert!(p > 0.05, "{}: {test}", d["id"]);
        }
    }

    // Another seed's schedule: the adoption does not follow it, so no test, and the report says why.
    let other = schedule_for("12", "other.json");
    let out = report(
        &k,
        &responses,
        &adoption,
        &["--schedule", arg(&other), "--format", "json"],
    );
    let r: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert!(r["dimensions"][0]["randomisation"].is_null());
    assert!(
        r["warnings"]
            .to_string()
            .contains("does not follow the recorded schedule"),
        "{}",
        r["warnings"]
    );

    // A schedule changed after the draw: refused.
    let mut changed = drawn.clone();
    changed["request"]["seed"] = serde_json::json!(12);
    let tampered = k.write("tampered.json", &changed.to_string());
    let out = report(
        &k,
        &responses,
        &adoption,
        &["--schedule", arg(&tampered), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("not what its seed draws"),
        "{}",
        stderr_of(&out)
    );
}

/// The schedule recorded in a study: drawn once from the study's units, verified, the
/// adoption recorded as drawn, and the study's report carries the randomisation test.
#[test]
fn a_study_records_its_randomised_schedule_once_and_its_report_tests_it() {
    use crate::store::{backends, ok, run, units_file};
    let k = Klimat::new();
    let survey = repo().join("surveys/team-climate.toml");
    let waves = [
        "2024-03", "2024-09", "2025-03", "2025-09", "2026-03", "2026-09",
    ];
    for db in backends(&k) {
        ok(&k, &db, &["migrate"]);
        ok(&k, &db, &["unit", "import", arg(&units_file(&k, 24))]);
        ok(&k, &db, &["survey", "publish", arg(&survey)]);
        let all: Vec<String> = (1..=24).map(|i| format!("unit-{i:02}")).collect();
        ok(
            &k,
            &db,
            &[
                "study",
                "create",
                "--name",
                "spread",
                "--survey",
                "team-climate",
                "--pilot",
                &all[..12].join(","),
            ]
            .into_iter()
            .chain([
                "--control",
                &all[12..].join(","),
                "--intervention-date",
                "2025-02-15",
            ])
            .collect::<Vec<_>>(),
        );
        let drawn = ok(
            &k,
            &db,
            &[
                "design",
                "roll-out",
                "--study",
                "spread",
                "--steps",
                "3",
                "--units-per-step",
                "4",
                "--seed",
                "11",
            ],
        );
        assert!(drawn.contains("recorded in study spread"), "{drawn}");
        let verified = ok(
            &k,
            &db,
            &["design", "roll-out", "--study", "spread", "--verify"],
        );
        assert!(verified.contains("verified"), "{verified}");
        let again = run(
            &k,
            &db,
            &[
                "design",
                "roll-out",
                "--study",
                "spread",
                "--steps",
                "3",
                "--units-per-step",
                "4",
                "--seed",
                "12",
            ],
        );
        assert_eq!(again.status.code(), Some(1), "{}", db.name);
        assert!(
            stderr_of(&again).contains("has a recorded schedule already"),
            "{}",
            stderr_of(&again)
        );

        // Adopt as drawn: step k's units in the fortnight before wave 3 + k opens.
        let steps: Vec<Vec<String>> = drawn
            .lines()
            .filter_map(|l| l.strip_prefix("step "))
            .map(|l| {
                l.split_once(": ")
                    .unwrap()
                    .1
                    .split(", ")
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        assert_eq!(steps.len(), 3);
        let mut dates = String::from("unit,adoption_date\n");
        let mut first = String::from("unit,first_wave\n");
        for (i, (date, wave)) in [
            ("2025-02-15", "2025-03"),
            ("2025-08-15", "2025-09"),
            ("2026-02-15", "2026-03"),
        ]
        .iter()
        .enumerate()
        {
            for u in &steps[i] {
                dates += &format!("{u},{date}\n");
                first += &format!("{u},{wave}\n");
            }
        }
        // Units not drawn for a step never adopt (pilot units would otherwise adopt on the intervention date).
        for u in all
            .iter()
            .filter(|u| !steps.iter().flatten().any(|s| s == *u))
        {
            dates += &format!("{u},never\n");
        }
        let dates = k.write("dates.csv", &dates);
        let first = k.write("first.csv", &first);
        let responses = k.path("answers.csv");
        let out = k
            .cmd()
            .args([
                "simulate",
                "--survey",
                arg(&survey),
                "--out",
                arg(&responses),
                "--adoption",
                arg(&first),
            ])
            .args([
                "--units",
                "24",
                "--waves",
                "6",
                "--respondents-per-unit",
                "20",
                "--seed",
                "4",
                "--effect",
                "vision=0.5",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        let text = std::fs::read_to_string(&responses).unwrap();
        let header = text.lines().next().unwrap();
        for wave in waves {
            let (opens, closes) = (format!("{wave}-01"), format!("{wave}-28"));
            ok(
                &k,
                &db,
                &[
                    "wave", "create", "--study", "spread", "--name", wave, "--opens", &opens,
                    "--closes", &closes,
                ],
            );
            let rows: Vec<&str> = text
                .lines()
                .filter(|l| l.contains(&format!(",{wave},")))
                .collect();
            let file = k.write(
                &format!("{wave}.csv"),
                &format!("{header}\n{}\n", rows.join("\n")),
            );
            ok(
                &k,
                &db,
                &[
                    "responses",
                    "import",
                    "--wave",
                    &format!("spread:{wave}"),
                    arg(&file),
                ],
            );
        }
        ok(
            &k,
            &db,
            &["study", "adopt", "--study", "spread", "--file", arg(&dates)],
        );
        let r: Value = serde_json::from_str(&ok(
            &k,
            &db,
            &["report", "effect", "--study", "spread", "--format", "json"],
        ))
        .unwrap();
        let vision = r["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == "vision")
            .unwrap();
        assert!(
            vision["randomisation"]["p"].as_f64().unwrap() <= 0.001,
            "{}: {}",
            db.name,
            vision["randomisation"]
        );
        assert!(
            r["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|w| !w.as_str().unwrap().contains("does not follow")),
            "{}",
            r["warnings"]
        );
        assert!(ok(&k, &db, &["audit"]).contains("study.schedule"));
    }
}
