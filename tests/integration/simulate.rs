//! `klimat simulate`: realistic, reproducible responses files.

use crate::helpers::*;

fn run(k: &Klimat, out: &str, args: &[&str]) -> std::process::Output {
    let survey = repo().join("surveys/creative-climate.toml");
    k.cmd()
        .args(["simulate", "--survey", arg(&survey), "--out", out])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_same_seed_gives_the_same_file_and_another_seed_another() {
    let k = Klimat::new();
    let args = [
        "--units",
        "5",
        "--respondents-per-unit",
        "8",
        "--seed",
        "42",
    ];
    assert!(run(&k, "a.csv", &args).status.success());
    assert!(run(&k, "b.csv", &args).status.success());
    assert!(
        run(
            &k,
            "c.csv",
            &[
                "--units",
                "5",
                "--respondents-per-unit",
                "8",
                "--seed",
                "43"
            ]
        )
        .status
        .success()
    );
    let read = |f: &str| std::fs::read(k.path(f)).unwrap();
    assert_eq!(read("a.csv"), read("b.csv"));
    assert_ne!(read("a.csv"), read("c.csv"));
}

#[test]
fn the_file_has_the_survey_columns_units_waves_and_some_missing_answers() {
    let k = Klimat::new();
    let out = run(
        &k,
        "s.csv",
        &[
            "--units",
            "12",
            "--waves",
            "3",
            "--pilot-units",
            "3",
            "--respondents-per-unit",
            "30",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = stdout_of(&out);
    assert!(stdout.contains("waves: 2024-03, 2024-09, 2025-03"));
    assert!(stdout.contains("first post wave: 2025-03"));
    let pilots = stdout
        .lines()
        .find_map(|l| l.strip_prefix("pilot units: "))
        .unwrap();
    assert_eq!(pilots.split(',').count(), 3);

    let text = std::fs::read_to_string(k.path("s.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 42);
    assert_eq!(&header[..3], &["unit", "wave", "ch1"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // 12 units × 3 waves × about 30.
    assert!(
        (12 * 3 * 22..=12 * 3 * 38).contains(&rows.len()),
        "{}",
        rows.len()
    );
    let cells: Vec<&str> = rows.iter().flat_map(|r| r[2..].iter().copied()).collect();
    let share = |f: &dyn Fn(&str) -> bool| {
        cells.iter().filter(|c| f(c)).count() as f64 / cells.len() as f64
    };
    assert!(
        (0.01..0.03).contains(&share(&|c| c.is_empty())),
        "missing share"
    );
    assert!(
        (0.02..0.04).contains(&share(&|c| c == "dk")),
        "don't know share"
    );
    assert!(
        cells
            .iter()
            .all(|c| c.is_empty() || *c == "dk" || ["0", "1", "2", "3"].contains(c))
    );
}

#[test]
fn a_true_effect_moves_the_pilot_units_after_the_intervention() {
    let k = Klimat::new();
    let out = run(
        &k,
        "e.csv",
        &[
            "--units",
            "10",
            "--pilot-units",
            "5",
            "--waves",
            "2",
            "--respondents-per-unit",
            "200",
            "--effect",
            "trust=1.0",
            "--icc",
            "0.02",
            "--seed",
            "5",
        ],
    );
    let stdout = stdout_of(&out);
    let pilots: Vec<String> = stdout
        .lines()
        .find_map(|l| l.strip_prefix("pilot units: "))
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    let text = std::fs::read_to_string(k.path("e.csv")).unwrap();
    // Mean of the keyed trust items (tr1, tr2, tr4 and reversed tr3) per arm and wave.
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = |id: &str| header.iter().position(|h| *h == id).unwrap();
    let (tr1, tr2, tr3, tr4) = (col("tr1"), col("tr2"), col("tr3"), col("tr4"));
    let mut sums = std::collections::HashMap::<(bool, String), (f64, f64)>::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        for (c, reverse) in [(tr1, false), (tr2, false), (tr3, true), (tr4, false)] {
            if let Ok(v) = f[c].parse::<f64>() {
                let e = sums
                    .entry((pilots.contains(&f[0].to_string()), f[1].to_string()))
                    .or_default();
                e.0 += if reverse { 3.0 - v } else { v };
                e.1 += 1.0;
            }
        }
    }
    let mean = |pilot: bool, wave: &str| {
        let (s, n) = sums[&(pilot, wave.to_string())];
        s / n
    };
    let did = (mean(true, "2024-09") - mean(true, "2024-03"))
        - (mean(false, "2024-09") - mean(false, "2024-03"));
    // One latent SD moves a 0–3 item mean by roughly half a point.
    assert!(did > 0.3, "difference in differences {did}");
}

#[test]
fn bad_arguments_are_refused_with_a_reason() {
    let k = Klimat::new();
    let cases: [(&[&str], &str); 4] = [
        (&["--effect", "nope=0.5"], "has no dimension `nope`"),
        (&["--effect", "trust"], "write DIM=SIZE"),
        (
            &["--units", "4", "--pilot-units", "4"],
            "leaves no control unit",
        ),
        (&["--icc", "0.95"], "--icc 0.95 must be"),
    ];
    for (args, expected) in cases {
        let out = run(&k, "x.csv", args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr_of(&out).contains(expected),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(!k.path("x.csv").exists(), "no file is left behind");
    }
}
