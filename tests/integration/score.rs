//! `klimat score` end to end: the real binary on real files.

use crate::helpers::*;

fn team_climate() -> std::path::PathBuf {
    repo().join("surveys/team-climate.toml")
}

/// `klimat score` of team-climate on `responses`, with further arguments.
fn score(k: &Klimat, responses: &std::path::Path, extra: &[&str]) -> std::process::Output {
    k.cmd()
        .args([
            "score",
            "--survey",
            arg(&team_climate()),
            "--responses",
            arg(responses),
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr_of(out));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn simulate(k: &Klimat, args: &[&str]) -> std::path::PathBuf {
    let file = k.path("sim.csv");
    let out = k
        .cmd()
        .args([
            "simulate",
            "--survey",
            arg(&team_climate()),
            "--out",
            arg(&file),
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    file
}

#[test]
fn the_json_report_has_every_promised_field() {
    let k = Klimat::new();
    let file = simulate(
        &k,
        &[
            "--units",
            "8",
            "--respondents-per-unit",
            "15",
            "--waves",
            "2",
        ],
    );
    let out = score(&k, &file, &[]);
    let r = json(&out);
    assert_eq!(r["survey"]["key"], "team-climate");
    assert!(r["survey"]["hash"].as_str().unwrap().starts_with("sha256:"));
    let waves = r["waves"].as_array().unwrap();
    assert_eq!(waves.len(), 2);
    assert_eq!(waves[0]["wave"], "2024-03");
    let d = &waves[0]["dimensions"][0];
    for key in [
        "id",
        "n",
        "mean",
        "sd",
        "alpha",
        "alpha_ci95",
        "omega",
        "icc1",
        "icc2",
        "rwg_j_median",
        "items",
        "units",
    ] {
        assert!(!d[key].is_null(), "dimension field `{key}` in {d}");
    }
    let item = &d["items"][0];
    for key in [
        "id",
        "item_total_r",
        "alpha_if_deleted",
        "dk_rate",
        "missing_rate",
    ] {
        assert!(!item[key].is_null(), "item field `{key}`");
    }
    let unit = &d["units"][0];
    for key in ["unit", "n", "mean", "sd", "ci95", "rwg_j"] {
        assert!(!unit[key].is_null(), "unit field `{key}`");
    }
    assert_eq!(unit["suppressed"], false);
    assert_eq!(d["units"].as_array().unwrap().len(), 8);
}

#[test]
fn a_simulated_icc_is_recovered() {
    let k = Klimat::new();
    let file = simulate(
        &k,
        &[
            "--units",
            "40",
            "--respondents-per-unit",
            "40",
            "--waves",
            "2",
            "--pilot-units",
            "0",
            "--icc",
            "0.2",
            "--seed",
            "11",
        ],
    );
    let out = score(&k, &file, &[]);
    let r = json(&out);
    let iccs: Vec<f64> = r["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| {
            w["dimensions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["icc1"].as_f64().unwrap())
        })
        .collect();
    let mean = iccs.iter().sum::<f64>() / iccs.len() as f64;
    assert!(
        (mean - 0.2).abs() < 0.03,
        "mean ICC(1) {mean} from {iccs:?}"
    );
}

#[test]
fn a_valid_file_with_bom_crlf_quotes_and_dont_know_in_any_case_is_read() {
    let k = Klimat::new();
    let file = test_data("responses/valid-bom-crlf.csv");
    let out = score(&k, &file, &["--min-group", "3"]);
    let r = json(&out);
    let d = &r["waves"][0]["dimensions"][0];
    // Two respondents: below every minimum, so nothing is shown…
    assert_eq!(d["suppressed"], true);
    let units: Vec<&str> = d["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit"].as_str().unwrap())
        .collect();
    // …but the quoted unit name with its comma was read whole.
    assert_eq!(units, vec!["Akut, norra", "b"]);
    assert_eq!(r["waves"][0]["respondents"], 2);
}

#[test]
fn each_broken_file_gets_its_specific_error_and_a_non_zero_exit() {
    let cases = [
        ("unknown-column.csv", "unknown column(s) `xx1` (column 19)"),
        (
            "missing-unit-column.csv",
            "the required column `unit` is missing",
        ),
        ("missing-item-column.csv", "no column for item(s) si4"),
        (
            "out-of-scale.csv",
            "line 3, column 8 `ps2`: outside the scale: 7 is not in 1–5",
        ),
        (
            "not-a-number.csv",
            "line 3, column 5 `vi3`: not an answer: `3.5`",
        ),
        ("semicolons.csv", "pass --delimiter ';'"),
        (
            "wrong-field-count.csv",
            "line 3: wrong number of fields: 19 instead of 18",
        ),
        ("empty-unit.csv", "line 3, column 1 `unit`: empty"),
        ("latin1.csv", "line 2, column 1 `unit`: not UTF-8 text"),
        ("empty.csv", "the file is empty"),
    ];
    let k = Klimat::new();
    for (file, expected) in cases {
        let path = test_data(&format!("responses/{file}"));
        let out = score(&k, &path, &[]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains(expected),
            "{file}: expected `{expected}` in\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "{file}: nothing is computed");
    }
}

#[test]
fn a_semicolon_file_is_read_with_the_delimiter_option() {
    let k = Klimat::new();
    let path = test_data("responses/semicolons.csv");
    let out = score(&k, &path, &["--delimiter", ";", "--min-group", "3"]);
    assert_eq!(json(&out)["waves"][0]["respondents"], 2);
}

#[test]
fn skip_invalid_drops_bad_rows_and_says_how_many_and_why() {
    let k = Klimat::new();
    let file = simulate(
        &k,
        &[
            "--units",
            "4",
            "--respondents-per-unit",
            "10",
            "--waves",
            "1",
        ],
    );
    let mut text = std::fs::read_to_string(&file).unwrap();
    let good_rows = text.lines().count() - 1;
    text.push_str("unit-01,2024-03,9,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\n");
    text.push_str("unit-01,2024-03,x,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\n");
    let broken = k.write("broken.csv", &text);
    let refused = score(&k, &broken, &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr_of(&refused).contains("2 problem(s) in the rows; nothing was computed"));

    let out = score(&k, &broken, &["--skip-invalid"]);
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(&format!("skipped 2 of {} rows", good_rows + 2)),
        "{stderr}"
    );
    assert!(
        stderr.contains("outside the scale") && stderr.contains("not an answer"),
        "{stderr}"
    );
    assert_eq!(json(&out)["waves"][0]["respondents"], good_rows as u64);
}

/// Unit `tiny` has 3 respondents who all answer 5 (mean 5.00); `small` has 4
/// who answer 1. With a minimum of 5, both are hidden, in every format.
#[test]
fn no_figure_of_a_small_unit_appears_in_any_format() {
    let k = Klimat::new();
    let mut text =
        String::from("unit,wave,vi1,vi2,vi3,vi4,ps1,ps2,ps3,ps4,to1,to2,to3,to4,si1,si2,si3,si4\n");
    let row = |unit: &str, v: &str, rev: &str| {
        format!(
            "{unit},2025-03,{v},{v},{rev},{v},{v},{v},{rev},{v},{v},{v},{rev},{v},{v},{v},{rev},{v}\n"
        )
    };
    for _ in 0..3 {
        text += &row("tiny", "5", "1");
    }
    for _ in 0..4 {
        text += &row("small", "1", "5");
    }
    for i in 0..20 {
        let v = ["2", "3", "4"][i % 3];
        text += &row(&format!("big-{}", i % 2), v, "3");
    }
    let file = k.write("small.csv", &text);
    let score = |format: &str| {
        let out = score(&k, &file, &["--format", format]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
    };

    let r: serde_json::Value = serde_json::from_str(&score("json")).unwrap();
    for d in r["waves"][0]["dimensions"].as_array().unwrap() {
        for u in d["units"].as_array().unwrap() {
            let hidden = ["tiny", "small"].contains(&u["unit"].as_str().unwrap());
            assert_eq!(u["suppressed"], hidden, "{u}");
            if hidden {
                for key in ["n", "mean", "sd", "ci95", "rwg_j"] {
                    assert!(u[key].is_null(), "{key} of {u}");
                }
            }
        }
    }

    let csv = score("csv");
    for line in csv
        .lines()
        .filter(|l| l.contains(",tiny,") || l.contains(",small,"))
    {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[2], "unit");
        assert!(
            cells[5..22].iter().all(|c| c.is_empty()),
            "figures in {line}"
        );
        assert_eq!(cells[22], "true");
    }
    assert_eq!(
        csv.lines().filter(|l| l.contains(",tiny,")).count(),
        4,
        "one row per dimension"
    );

    let md = score("md");
    for line in md
        .lines()
        .filter(|l| l.starts_with("| tiny ") || l.starts_with("| small "))
    {
        assert!(
            line.contains("*suppressed*") && !line.contains("5.00") && !line.contains("1.00"),
            "{line}"
        );
    }
    assert!(md.contains("| tiny | *suppressed*"));
}

#[test]
fn the_markdown_and_csv_reports_carry_the_same_figures_as_the_json() {
    let k = Klimat::new();
    let file = simulate(
        &k,
        &[
            "--units",
            "6",
            "--respondents-per-unit",
            "12",
            "--waves",
            "1",
        ],
    );
    let run = |format: &str| {
        let out = score(&k, &file, &["--format", format]);
        stdout_of(&out)
    };
    let r: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let d = &r["waves"][0]["dimensions"][0];
    let md = run("md");
    assert!(md.contains("# Scores: team-climate v1"));
    assert!(
        md.contains(&format!(
            "| Vision | {} | {:.2} |",
            d["n"],
            d["mean"].as_f64().unwrap()
        )),
        "{md}"
    );
    assert!(md.contains("## Methods") && md.contains("maximum likelihood"));
    let csv = run("csv");
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("wave,dimension,level,unit,item,n,mean,sd,ci95_low,ci95_high,alpha")
    );
    let wave_row = csv
        .lines()
        .find(|l| l.starts_with("2024-03,vision,wave,"))
        .unwrap();
    assert!(wave_row.contains(&d["mean"].as_f64().unwrap().to_string()));
}

#[test]
fn out_writes_a_file_and_min_group_below_three_is_refused() {
    let k = Klimat::new();
    let file = simulate(
        &k,
        &[
            "--units",
            "3",
            "--respondents-per-unit",
            "6",
            "--waves",
            "1",
        ],
    );
    let target = k.path("reports/score.md");
    let out = score(&k, &file, &["--format", "md", "--out", arg(&target)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("# Scores")
    );

    let out = score(&k, &file, &["--min-group", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--min-group"));
}

#[test]
fn a_quoted_comment_with_line_breaks_is_read_and_later_lines_keep_their_numbers() {
    let k = Klimat::new();
    let items = "vi1,vi2,vi3,vi4,ps1,ps2,ps3,ps4,to1,to2,to3,to4,si1,si2,si3,si4";
    let row = |unit: &str, first: &str, comment: &str| {
        format!("{unit},2025-03,{first},3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,{comment}\n")
    };
    let mut text = format!("unit,wave,{items},comment\n");
    text += &row("a", "4", "\"Bra, men\nmer tid\nbehövs\"");
    text += &row("a", "9", "");
    let file = k.write("comments.csv", &text);
    let out = score(&k, &file, &[]);
    assert_eq!(out.status.code(), Some(1));
    // The header is line 1, the comment spans lines 2–4, the bad row is line 5.
    assert!(
        stderr_of(&out).contains("line 5, column 3 `vi1`: outside the scale"),
        "{}",
        stderr_of(&out)
    );
}
