//! The analysts' formats read back by the analysts' tools: GNU PSPP reads the
//! `.sav` (dictionary and every value), openpyxl the `.xlsx`, R the `.R`
//! script with its CSV; each holds exactly the rows of the disclosed CSV
//! export (compared as multisets, since every export has its own row order).

use std::collections::BTreeMap;
use std::process::Command;

use crate::comments::demo;
use crate::helpers::*;
use crate::services::klimat;

const STUDY: &str = "innovation-pilot";

/// The survey's scale labels and don't-know label in `lang`, from the shipped file.
fn scale(lang: &str) -> (i64, Vec<String>, String) {
    let text = std::fs::read_to_string(repo().join("surveys/creative-climate.toml")).unwrap();
    let survey: toml::Table = text.parse().unwrap();
    let scale = survey["scale"].as_table().unwrap();
    let labels = scale["labels"][lang]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let dk = scale["dont_know"][lang].as_str().unwrap().to_owned();
    (scale["min"].as_integer().unwrap(), labels, dk)
}

fn item_text(id: &str, lang: &str) -> String {
    let text = std::fs::read_to_string(repo().join("surveys/creative-climate.toml")).unwrap();
    let survey: toml::Table = text.parse().unwrap();
    survey["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"].as_str() == Some(id))
        .map(|i| i["text"][lang].as_str().unwrap().to_owned())
        .unwrap()
}

/// The disclosed CSV's rows as sorted lists of fields, and its header.
fn csv_rows(csv: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = csv.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let mut rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    rows.sort();
    (header, rows)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    stdout_of(&out)
}

fn python() -> String {
    std::env::var("KLIMAT_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned())
}

fn export(k: &Klimat, env: &[(&str, String)], format: &str, lang: &str, file: &str) -> String {
    let path = k.path(file);
    klimat(
        k,
        env,
        &[
            "responses",
            "export",
            "--study",
            STUDY,
            "--disclosed",
            "--format",
            format,
            "--lang",
            lang,
            "--out",
            arg(&path),
        ],
    );
    path.display().to_string()
}

#[test]
fn pspp_reads_the_spss_export_with_its_labels_and_every_value() {
    let (k, env) = demo();
    let csv = klimat(
        &k,
        &env,
        &["responses", "export", "--study", STUDY, "--disclosed"],
    );
    let (header, expected) = csv_rows(&csv);
    assert!(expected.len() > 1000, "the demo has answers");
    let sav = export(&k, &env, "sav", "en", "all.sav");
    let (min, labels, dk) = scale("en");
    let names: BTreeMap<String, String> = klimat(&k, &env, &["unit", "list"])
        .lines()
        .map(|l| {
            let (code, name) = l.split_once('\t').unwrap();
            (code.to_owned(), name.to_owned())
        })
        .collect();

    // Every value, through its label, as PSPP reads it.
    let labelled = k.path("labelled.csv");
    run(Command::new("pspp-convert").args(["--labels", &sav, arg(&labelled)]));
    let (pspp_header, mut got) = csv_rows(&std::fs::read_to_string(&labelled).unwrap());
    assert_eq!(pspp_header, header, "variable names are the item ids");
    let mut want: Vec<Vec<String>> = expected
        .iter()
        .map(|row| {
            let mut out = vec![match names.get(&row[0]) {
                Some(name) => format!("{} {name}", row[0]),
                None => row[0].clone(),
            }];
            out.push(row[1].clone());
            for v in &row[2..] {
                out.push(match v.as_str() {
                    "" => String::new(),
                    "dk" => dk.clone(),
                    v => labels[(v.parse::<i64>().unwrap() - min) as usize].clone(),
                });
            }
            out
        })
        .collect();
    // pspp-convert quotes fields with a comma; none of the labels has one.
    for row in got.iter_mut() {
        for f in row.iter_mut() {
            *f = f.trim_matches('"').to_owned();
        }
    }
    want.sort();
    got.sort();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "PSPP reads the same rows as the CSV holds");

    // Don't know is user-missing: recoded to system-missing it disappears.
    let recoded = k.path("recoded.csv");
    run(Command::new("pspp-convert").args(["--recode", &sav, arg(&recoded)]));
    let recoded = std::fs::read_to_string(&recoded).unwrap();
    let dk_in_csv = csv.matches(",dk").count();
    assert!(dk_in_csv > 0, "the demo has don't-know answers");
    let values = k.path("values.csv");
    run(Command::new("pspp-convert").args([&sav, arg(&values)]));
    let values = std::fs::read_to_string(&values).unwrap();
    let count_99 = |t: &str| {
        t.lines()
            .skip(1)
            .flat_map(|l| l.split(',').skip(2))
            .filter(|v| *v == "99")
            .count()
    };
    assert_eq!(count_99(&values), dk_in_csv);
    assert_eq!(count_99(&recoded), 0);

    // The dictionary: labels in English, levels, the missing value.
    let syntax = k.write(
        "dict.sps",
        &format!("GET FILE='{sav}'.\nDISPLAY DICTIONARY /VARIABLES=unit wave ch1 co1.\n"),
    );
    let dict = k.path("dict.csv");
    run(Command::new("pspp").args([arg(&syntax), "-o", arg(&dict)]));
    let dict = std::fs::read_to_string(&dict).unwrap();
    assert!(dict.contains("unit,1,Unit,Nominal"), "{dict}");
    assert!(dict.contains("wave,2,Wave,Nominal"), "{dict}");
    let ch1 = format!("ch1,3,{},Ordinal", item_text("ch1", "en"));
    assert!(dict.contains(&ch1), "{ch1} in {dict}");
    let ch1_line = dict.lines().find(|l| l.starts_with("ch1,")).unwrap();
    assert!(
        ch1_line.ends_with(",99"),
        "don't know is the missing value: {ch1_line}"
    );
    // PSPP marks a user-missing value's label with a footnote: `99[a]`.
    assert!(
        dict.lines()
            .any(|l| l.starts_with(",99") && l.ends_with(&format!(",{dk}"))),
        "don't know is labelled: {dict}"
    );
    assert!(
        dict.contains(&format!(",{min},{}", labels[0])),
        "the scale is labelled"
    );
}

#[test]
fn the_excel_export_reads_back_with_the_same_rows_and_a_codebook() {
    let (k, env) = demo();
    let csv = klimat(
        &k,
        &env,
        &["responses", "export", "--study", STUDY, "--disclosed"],
    );
    let (header, expected) = csv_rows(&csv);
    let xlsx = export(&k, &env, "xlsx", "sv", "all.xlsx");
    let script = k.write(
        "read.py",
        r#"import sys, json, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True)
out = {"sheets": book.sheetnames}
rows = list(book["Svar"].iter_rows(values_only=True))
out["header"] = list(rows[0])
def cell(v):
    if v is None: return ""
    if isinstance(v, float) and v.is_integer(): return str(int(v))
    return str(v)
out["rows"] = [[cell(v) for v in r] for r in rows[1:]]
out["numeric"] = all(isinstance(v, (int, float)) or v in (None, "dk") for r in rows[1:] for v in r[2:])
out["items"] = [list(r) for r in book["Frågor"].iter_rows(values_only=True)]
out["units"] = [list(r) for r in book["Enheter"].iter_rows(values_only=True)]
print(json.dumps(out))
"#,
    );
    let got: serde_json::Value =
        serde_json::from_str(&run(Command::new(python()).args([arg(&script), &xlsx]))).unwrap();
    assert_eq!(
        got["sheets"],
        serde_json::json!(["Svar", "Frågor", "Enheter"])
    );
    let got_header: Vec<String> = got["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got_header, header, "unit, wave, then the items");
    let mut rows: Vec<Vec<String>> = serde_json::from_value(got["rows"].clone()).unwrap();
    rows.sort();
    assert!(rows == expected, "the workbook holds the CSV's rows");
    assert_eq!(got["numeric"], true, "answers are numbers, don't know `dk`");
    // Every unit in the rows is named on its own sheet.
    let units = got["units"].as_array().unwrap();
    for row in &rows {
        assert!(
            units.iter().skip(1).any(|u| u[0] == row[0].as_str()),
            "unit {} has a name",
            row[0]
        );
    }
    let items = got["items"].as_array().unwrap();
    assert_eq!(items.len(), 41, "a header and 40 items");
    assert_eq!(items[1][0], "ch1");
    assert_eq!(items[1][2].as_str().unwrap(), item_text("ch1", "sv"));
    let (_, labels, dk) = scale("sv");
    let values = items[1][4].as_str().unwrap();
    assert!(
        values.contains(&format!("0 = {}", labels[0])) && values.contains(&format!("dk = {dk}"))
    );
}

#[test]
fn the_r_export_reads_into_labelled_factors() {
    let (k, env) = demo();
    let csv = klimat(
        &k,
        &env,
        &["responses", "export", "--study", STUDY, "--disclosed"],
    );
    let (_, expected) = csv_rows(&csv);
    let zip = export(&k, &env, "r", "en", "all.zip");
    let dir = k.path("r");
    let script = k.write(
        "check.R",
        &format!(
            r#"unzip("{zip}", exdir = "{dir}")
setwd("{dir}")
source("responses.R", encoding = "UTF-8")
cat("rows", nrow(responses), "\n")
cat("ordered", is.ordered(responses$ch1), "\n")
cat("levels", paste(levels(responses$ch1), collapse = "|"), "\n")
cat("label", attr(responses$ch1, "label"), "\n")
cat("dk", sum(as.matrix(dont_know)), "\n")
cat("na", sum(is.na(responses$ch1)), "\n")
cat("first", as.integer(responses$ch1[!is.na(responses$ch1)][1]) + scale_min - 1, "\n")
t <- table(responses$unit)
cat("units", paste(names(t), as.integer(t), sep = "=", collapse = "|"), "\n")
"#,
            dir = dir.display()
        ),
    );
    let out = run(Command::new("Rscript").arg(arg(&script)));
    let line = |key: &str| -> String {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{key} ")))
            .unwrap_or_else(|| panic!("{key} in {out}"))
            .trim()
            .to_owned()
    };
    assert_eq!(line("rows"), expected.len().to_string());
    assert_eq!(line("ordered"), "TRUE");
    let (_, labels, _) = scale("en");
    assert_eq!(line("levels"), labels.join("|"));
    assert_eq!(line("label"), item_text("ch1", "en"));
    assert_eq!(line("dk"), csv.matches(",dk").count().to_string());
    let ch1_missing = expected
        .iter()
        .filter(|r| r[2].is_empty() || r[2] == "dk")
        .count();
    assert_eq!(line("na"), ch1_missing.to_string());
    // Units: every unit's count as the CSV has it, under its labelled name.
    let mut per_unit: BTreeMap<String, usize> = BTreeMap::new();
    for r in &expected {
        *per_unit.entry(r[0].clone()).or_default() += 1;
    }
    let units = line("units");
    for (code, n) in per_unit {
        assert!(
            units
                .split('|')
                .any(|u| u.starts_with(&code) && u.ends_with(&format!("={n}"))),
            "{code} with {n} rows in {units}"
        );
    }
}

/// Σ score / n and the variance from Σ score² in the aggregate give the
/// score report's means and SDs for every dimension, wave and shown unit;
/// units the score report hides are not in it; the organisation's complete
/// cases' means and covariances are those of the raw rows.
#[test]
fn the_aggregate_reproduces_the_score_report_from_its_sufficient_statistics() {
    let (k, env) = demo();
    let aggregate: serde_json::Value = serde_json::from_str(&klimat(
        &k,
        &env,
        &["responses", "aggregate", "--study", STUDY],
    ))
    .unwrap();
    let groups = aggregate["groups"].as_array().unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let waves: Vec<String> = groups
        .iter()
        .map(|g| g["wave"].as_str().unwrap().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(waves.len() >= 2, "the demo's closed waves: {waves:?}");
    let mut units_checked = 0;
    for wave in &waves {
        let scores: serde_json::Value = serde_json::from_str(&klimat(
            &k,
            &env,
            &[
                "score",
                "--wave",
                &format!("{STUDY}:{wave}"),
                "--no-validity",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        let group = |kind: &str, code: &str| {
            groups
                .iter()
                .find(|g| g["wave"] == wave.as_str() && g["kind"] == kind && g["group"] == code)
        };
        for (d, dim) in scores["waves"][0]["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let check = |g: &serde_json::Value, n: &serde_json::Value, mean: f64, sd: f64| {
                let s = &g["dimensions"][d];
                assert_eq!(s["dimension"], dim["id"]);
                assert_eq!(&s["n"], n);
                let (n, sum, sum_sq) = (
                    s["n"].as_f64().unwrap(),
                    s["sum"].as_f64().unwrap(),
                    s["sum_sq"].as_f64().unwrap(),
                );
                assert!(
                    close(sum / n, mean),
                    "{wave} {}: {} vs {mean}",
                    dim["id"],
                    sum / n
                );
                let var = (sum_sq - sum * sum / n) / (n - 1.0);
                assert!((var.sqrt() - sd).abs() < 1e-9, "{wave} {}: sd", dim["id"]);
            };
            let org = group("organisation", "organisation").expect("the organisation");
            check(
                org,
                &dim["n"],
                dim["mean"].as_f64().unwrap(),
                dim["sd"].as_f64().unwrap(),
            );
            for u in dim["units"].as_array().unwrap() {
                let code = u["unit"].as_str().unwrap();
                match group("unit", code) {
                    Some(g) if u["suppressed"] == false => {
                        check(
                            g,
                            &u["n"],
                            u["mean"].as_f64().unwrap(),
                            u["sd"].as_f64().unwrap(),
                        );
                        units_checked += 1;
                    }
                    None if u["suppressed"] == true => {}
                    _ => panic!(
                        "{wave} {code}: the aggregate and the score report disagree on showing it"
                    ),
                }
            }
        }
    }
    assert!(units_checked > 100);

    // The organisation's complete cases in the first wave, from the raw rows.
    let text = std::fs::read_to_string(repo().join("surveys/creative-climate.toml")).unwrap();
    let survey: toml::Table = text.parse().unwrap();
    let reverse: Vec<bool> = survey["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.get("reverse").and_then(|r| r.as_bool()).unwrap_or(false))
        .collect();
    let raw = klimat(
        &k,
        &env,
        &[
            "responses",
            "export",
            "--wave",
            &format!("{STUDY}:{}", waves[0]),
        ],
    );
    let rows: Vec<Vec<f64>> = raw
        .lines()
        .skip(1)
        .filter_map(|l| {
            l.split(',')
                .skip(2)
                .zip(&reverse)
                .map(|(v, &r)| v.parse::<f64>().ok().map(|x| if r { 3.0 - x } else { x })) // min + max = 0 + 3
                .collect()
        })
        .collect();
    let org = groups
        .iter()
        .find(|g| g["wave"] == waves[0].as_str() && g["kind"] == "organisation")
        .unwrap();
    assert_eq!(org["complete"]["n"].as_u64().unwrap() as usize, rows.len());
    let n = rows.len() as f64;
    let p = reverse.len();
    let mean: Vec<f64> = (0..p)
        .map(|i| rows.iter().map(|r| r[i]).sum::<f64>() / n)
        .collect();
    for i in 0..p {
        assert!(close(org["complete"]["mean"][i].as_f64().unwrap(), mean[i]));
        for j in 0..p {
            let c = rows
                .iter()
                .map(|r| (r[i] - mean[i]) * (r[j] - mean[j]))
                .sum::<f64>()
                / (n - 1.0);
            let got = org["complete"]["covariance"][i][j].as_f64().unwrap();
            assert!((got - c).abs() < 1e-12, "cov({i},{j}) {got} vs {c}");
        }
    }
}

/// The API and the staff web give the same files to evaluators only, and
/// say what is wrong with a format asked for.
#[test]
fn evaluators_download_every_format_from_the_web_and_the_api() {
    let (k, env) = demo();
    for (email, role) in [("eva@region.se", "evaluator"), ("lead@region.se", "viewer")] {
        let mut cmd = k.cmd();
        for (key, value) in &env {
            cmd.env(key, value);
        }
        cmd.args(["user", "add", email, "--role", role, "--password-stdin"]);
        let out = cmd
            .write_stdin(format!("{}\n", crate::staff::PASSWORD))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let s = crate::services::Server::start(&k, &env);
    let token = |name: &str, role: &str| {
        klimat(
            &k,
            &env,
            &["token", "create", "--name", name, "--role", role],
        )
        .trim()
        .to_owned()
    };
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let call = |path: &str, t: &str| {
        let mut r = agent
            .get(&s.url(path))
            .header("authorization", &format!("Bearer {t}"))
            .call()
            .unwrap();
        let kind = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = r
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap();
        (r.status().as_u16(), kind, body)
    };
    let eval = token("eval", "evaluator");
    let viewer = token("intranet", "viewer");
    let study = format!("/api/v1/studies/{STUDY}");
    let (status, kind, sav) = call(&format!("{study}/responses?format=sav&lang=en"), &eval);
    assert_eq!((status, kind.as_str()), (200, "application/x-spss-sav"));
    assert!(sav.starts_with(b"$FL2"), "an SPSS system file");
    let (status, _, xlsx) = call(&format!("{study}/responses?format=xlsx"), &eval);
    assert_eq!(status, 200);
    assert!(xlsx.starts_with(b"PK"), "a zip (xlsx)");
    let (status, _, csv) = call("/api/v1/waves/1/responses", &eval);
    assert_eq!(status, 200);
    assert!(csv.starts_with(b"unit,wave,ch1"));
    let (status, kind, agg) = call(&format!("{study}/aggregate?format=csv"), &eval);
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    assert!(agg.starts_with(b"wave,kind,group,name,statistic"));
    let (status, _, body) = call(&format!("{study}/responses?format=dta"), &eval);
    assert_eq!(status, 422);
    assert!(String::from_utf8_lossy(&body).contains("use csv, sav, xlsx or r"));
    for path in [
        format!("{study}/responses?format=sav"),
        format!("{study}/aggregate"),
    ] {
        assert_eq!(call(&path, &viewer).0, 403, "{path} for a viewer");
    }
    // The staff web: the same for an evaluator's session, nothing for a viewer's.
    let cookie = crate::staff::login_as(&s, "eva@region.se", crate::staff::PASSWORD);
    let page = crate::services::get(
        &s.url(&format!("/staff/studies/{STUDY}/responses.sav")),
        Some(&cookie),
    );
    assert_eq!(page.status, 200);
    let page = crate::services::get(
        &s.url(&format!("/staff/studies/{STUDY}/aggregate.json")),
        Some(&cookie),
    );
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("\"content_hash\""),
        "{}",
        &page.body[..page.body.len().min(300)]
    );
    let cookie = crate::staff::login_as(&s, "lead@region.se", crate::staff::PASSWORD);
    let page = crate::services::get(
        &s.url(&format!("/staff/studies/{STUDY}/responses.zip")),
        Some(&cookie),
    );
    assert_eq!(page.status, 403);
    let audit = klimat(&k, &env, &["audit"]);
    assert!(audit.contains("export.aggregate"), "{audit}");
    assert!(!s.log().contains("panicked"));
}

/// Every sheet of a workbook as header, rows (numbers as numbers, empty as
/// null) and each column's number format, read by openpyxl.
fn read_workbook(k: &Klimat, path: &str) -> serde_json::Value {
    let script = k.write(
        "sheets.py",
        r#"import sys, json, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in book.worksheets:
    rows = list(ws.iter_rows())
    formats = {}
    for r in rows[1:]:
        for c, cell in enumerate(r):
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                formats.setdefault(rows[0][c].value, cell.number_format)
    out[ws.title] = {
        "header": [c.value for c in rows[0]],
        "rows": [[c.value for c in r] for r in rows[1:]],
        "formats": formats,
    }
print(json.dumps(out))
"#,
    );
    serde_json::from_str(&run(Command::new(python()).args([arg(&script), path]))).unwrap()
}

/// The rows of `sheet` are the CSV's rows (those `keep` selects), cell for
/// cell in the sheet's columns: numbers equal to the CSV's figures, text the
/// same, empty where the CSV is empty.
fn assert_sheet_is_csv(sheet: &serde_json::Value, csv: &str, keep: impl Fn(&[String]) -> bool) {
    let (header, rows) = csv_rows_quoted(csv);
    let rows: Vec<Vec<String>> = rows.into_iter().filter(|r| keep(r)).collect();
    let columns: Vec<usize> = sheet["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            header
                .iter()
                .position(|c| c == h.as_str().unwrap())
                .unwrap()
        })
        .collect();
    let got = sheet["rows"].as_array().unwrap();
    assert_eq!(got.len(), rows.len(), "as many rows as the CSV");
    assert!(!rows.is_empty());
    for (want, got) in rows.iter().zip(got) {
        for (&c, cell) in columns.iter().zip(got.as_array().unwrap()) {
            let want = &want[c];
            match cell {
                serde_json::Value::Null => assert_eq!(want, "", "{}", header[c]),
                serde_json::Value::Number(x) => {
                    let x = x.as_f64().unwrap();
                    let w: f64 = want.parse().unwrap();
                    assert!(
                        (x - w).abs() <= 1e-12 * w.abs().max(1.0),
                        "{}: {x} ≠ {w}",
                        header[c]
                    );
                }
                other => assert_eq!(other.as_str().unwrap(), want, "{}", header[c]),
            }
        }
    }
    // No column of the CSV that this sheet's rows fill is left out.
    for (c, name) in header.iter().enumerate() {
        if rows.iter().any(|r| !r[c].is_empty()) {
            assert!(columns.contains(&c), "column {name} is in the sheet");
        }
    }
}

/// A CSV with quoted fields, in file order.
fn csv_rows_quoted(csv: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn the_score_and_effect_reports_tables_read_back_from_excel() {
    let (k, env) = demo();
    let score = |format: &str, out: Option<&str>| {
        let mut args = vec!["score", "--wave", "1", "--no-validity", "--format", format];
        if let Some(out) = out {
            args.extend(["--out", out]);
        }
        klimat(&k, &env, &args)
    };
    let csv = score("csv", None);
    let path = k.path("score.xlsx").to_str().unwrap().to_owned();
    score("xlsx", Some(&path));
    let book = read_workbook(&k, &path);
    assert_eq!(
        book.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["dimensions", "items", "units"],
        "a sheet per level"
    );
    let level = csv_rows_quoted(&csv)
        .0
        .iter()
        .position(|c| c == "level")
        .unwrap();
    for (key, sheet) in [("wave", "dimensions"), ("unit", "units"), ("item", "items")] {
        assert_sheet_is_csv(&book[sheet], &csv, |r| r[level] == key);
    }
    assert_eq!(book["dimensions"]["formats"]["mean"], "0.000");
    assert_eq!(book["dimensions"]["formats"]["n"], "0");

    // The demo's study records adoption dates: its report is the roll-out's.
    let rollout = |format: &str, out: Option<&str>| {
        let mut args = vec!["report", "effect", "--study", STUDY, "--format", format];
        if let Some(out) = out {
            args.extend(["--out", out]);
        }
        klimat(&k, &env, &args)
    };
    let csv = rollout("csv", None);
    let path = k.path("rollout.xlsx").to_str().unwrap().to_owned();
    rollout("xlsx", Some(&path));
    let book = read_workbook(&k, &path);
    assert_sheet_is_csv(&book["rollout"], &csv, |_| true);
    assert_eq!(book["rollout"]["formats"]["p"], "0.0000");
    assert_eq!(book["rollout"]["formats"]["estimate"], "0.000");

    // A one-date pilot from a file: the effect report's table and the
    // validity of its dimensions.
    let file = k.path("sim.csv");
    let survey = repo().join("surveys/creative-climate.toml");
    klimat(
        &k,
        &[],
        &[
            "simulate",
            "--survey",
            arg(&survey),
            "--units",
            "10",
            "--pilot-units",
            "3",
            "--waves",
            "2",
            "--respondents-per-unit",
            "30",
            "--seed",
            "3",
            "--out",
            arg(&file),
        ],
    );
    let effect = |format: &str, out: Option<&str>| {
        let mut args = vec![
            "report",
            "effect",
            "--survey",
            arg(&survey),
            "--responses",
            arg(&file),
            "--pilot",
            "unit-05,unit-07,unit-09",
            "--first-post-wave",
            "2024-09",
            "--reps",
            "199",
            "--format",
            format,
        ];
        if let Some(out) = out {
            args.extend(["--out", out]);
        }
        klimat(&k, &[], &args)
    };
    let csv = effect("csv", None);
    let path = k.path("effect.xlsx").to_str().unwrap().to_owned();
    effect("xlsx", Some(&path));
    let book = read_workbook(&k, &path);
    assert_sheet_is_csv(&book["effects"], &csv, |_| true);
    assert_eq!(book["effects"]["formats"]["p_cr2"], "0.0000");
    assert_eq!(book["effects"]["formats"]["estimate"], "0.000");
    assert!(book.get("validity").is_some(), "the validity sheet");
}
