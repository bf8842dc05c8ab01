//! The confidentiality probe, automated: an attacker with evaluator access
//! collects every figure klimat publishes about a study (dashboard and API,
//! wave status on the web, the API and the command line, `klimat score
//! --wave`, the effect report, the export) and tries to derive the 3-person
//! unit a3 from them. Real server, real SQLite file, answers through the
//! personal links.
//!
//! Region → A (a1 12, a2 12, a3 3), B (b1 and b2 11 of 12 invited); pilot
//! a3 + b1, control a1, a2, b2. Everyone in A answers (so counts could be
//! pinned by the invitations). Two waves: one before the intervention, one
//! after, both answered through the form.

use std::collections::BTreeMap;

use nalgebra::DMatrix;
use serde_json::Value;

use crate::helpers::*;
use crate::services::*;

const SECRET: &str = "disclosure-test-secret-0123456789abcdef";
const UNITS: [&str; 5] = ["a1", "a2", "a3", "b1", "b2"];
const INVITED: [usize; 5] = [12, 12, 3, 12, 12];
const ANSWERING: [usize; 5] = [12, 12, 3, 11, 11];

fn env() -> Vec<(&'static str, String)> {
    vec![("KLIMAT_SECRET", SECRET.to_owned())]
}

struct Probe {
    k: Klimat,
    server: Server,
    evaluator: String,
    viewer: String,
}

/// The tokens of the personal links of `wave`, by unit, from the .eml files.
fn tokens_by_unit(k: &Klimat, env: &[(&str, String)], wave: &str) -> BTreeMap<String, Vec<String>> {
    let dir = k.path("mail-out");
    let _ = std::fs::remove_dir_all(&dir);
    klimat(k, env, &["wave", "send", wave]);
    klimat(k, env, &["worker", "--once"]);
    // The running server's own worker may have claimed some of the
    // messages: wait until every invitation's file is written whole (its
    // opt-out link comes after the survey link in both parts).
    let expected: usize = INVITED.iter().sum();
    let whole = |raw: &[u8]| String::from_utf8_lossy(raw).contains("/o/");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let files = loop {
        let files: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .map(|d| {
                d.map(|e| std::fs::read(e.unwrap().path()).unwrap())
                    .collect()
            })
            .unwrap_or_default();
        if files.len() == expected && files.iter().all(|f| whole(f)) {
            break files;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {expected} invitations written",
            files.len()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut by_unit: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for raw in files {
        let text = String::from_utf8_lossy(&raw).into_owned();
        let to = text
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap()
            .trim()
            .to_owned();
        // Addresses are unit.n@region.se.
        let unit = to
            .trim_start_matches('<')
            .split('.')
            .next()
            .unwrap()
            .to_owned();
        by_unit
            .entry(unit)
            .or_default()
            .push(link_token(&raw, "/s/"));
    }
    by_unit
}

/// Answers that differ by unit and person, so that a derived mean would be
/// recognisable.
fn answers_of(unit: usize, person: usize) -> Vec<(String, String)> {
    let value = 1 + (unit * 3 + person) % 5;
    full_answers(&value.to_string())
}

fn setup() -> Probe {
    let k = Klimat::new();
    let env = env();
    k.write(
        "units.csv",
        "code,name,parent\nregion,Region,\nA,Division A,region\nB,Division B,region\n\
         a1,Unit a1,A\na2,Unit a2,A\na3,Unit a3,A\nb1,Unit b1,B\nb2,Unit b2,B\n",
    );
    klimat(&k, &env, &["unit", "import", "units.csv"]);
    let survey = repo().join("surveys/team-climate.toml");
    klimat(&k, &env, &["survey", "publish", arg(&survey)]);
    klimat(
        &k,
        &env,
        &[
            "study",
            "create",
            "--name",
            "pilot",
            "--survey",
            "team-climate",
            "--pilot",
            "a3,b1",
            "--control",
            // Division A brings a1 and a2; a3, named as pilot, stays there.
            "A,b2",
            "--intervention-date",
            "2026-06-01",
        ],
    );
    let mut roster = String::from("email,unit,language\n");
    for (u, unit) in UNITS.iter().enumerate() {
        for p in 0..INVITED[u] {
            roster += &format!("{unit}.{p}@region.se,{unit},sv\n");
        }
    }
    k.write("roster.csv", &roster);
    for (name, opens, closes) in [
        ("2026-03", "2026-03-01", "2099-03-31"),
        ("2026-09", "2026-09-01", "2099-09-30"),
    ] {
        klimat(
            &k,
            &env,
            &[
                "wave", "create", "--study", "pilot", "--name", name, "--opens", opens, "--closes",
                closes,
            ],
        );
        let wave = format!("pilot:{name}");
        klimat(
            &k,
            &env,
            &["roster", "import", "--wave", &wave, "roster.csv"],
        );
    }
    for (email, role) in [("eva@region.se", "evaluator"), ("lead@region.se", "viewer")] {
        let mut cmd = k.cmd();
        for (key, value) in &env {
            cmd.env(key, value);
        }
        let out = cmd
            .args(["user", "add", email, "--role", role, "--password-stdin"])
            .write_stdin("a long enough password\n")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let token = |name: &str, role: &str| {
        klimat(
            &k,
            &env,
            &["token", "create", "--name", name, "--role", role],
        )
        .trim()
        .to_owned()
    };
    let evaluator = token("probe", "evaluator");
    let viewer = token("intranet", "viewer");
    let server = Server::start(&k, &env);
    Probe {
        k,
        server,
        evaluator,
        viewer,
    }
}

fn call(s: &Server, path: &str, token: &str) -> (u16, Value) {
    let r = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .get(s.url(path))
        .header("authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    let status = r.status().as_u16();
    let body =
        serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap_or(Value::Null);
    (status, body)
}

/// Answers wave `name` through the form, checking after each answer in a3
/// that the open wave's published figures did not move.
fn answer_wave(p: &Probe, name: &str) {
    let env = env();
    let wave = format!("pilot:{name}");
    klimat(&p.k, &env, &["wave", "open", &wave]);
    let tokens = tokens_by_unit(&p.k, &env, &wave);
    let snapshot = |p: &Probe| {
        let (_, dash) = call(&p.server, "/api/v1/studies/pilot/aggregates", &p.viewer);
        let wave_id = if name == "2026-03" { 1 } else { 2 };
        let (_, status) = call(
            &p.server,
            &format!("/api/v1/waves/{wave_id}/status"),
            &p.evaluator,
        );
        let w = dash["waves"]
            .as_array()
            .unwrap()
            .iter()
            .position(|x| x["name"] == name)
            .unwrap();
        (
            dash["figures"][w].clone(),
            dash["rates"][w].clone(),
            status["units"].clone(),
        )
    };
    for (u, unit) in UNITS.iter().enumerate() {
        for (person, token) in tokens[*unit].iter().take(ANSWERING[u]).enumerate() {
            let before = snapshot(p);
            let page = post(
                &p.server.url(&format!("/s/{token}")),
                &answers_of(u, person),
                None,
            );
            assert_eq!(page.status, 200, "{}", page.body);
            if *unit == "a3" {
                assert_eq!(
                    snapshot(p),
                    before,
                    "polling: an answer in a3 changed a published figure of the open wave"
                );
            }
        }
    }
    // While open, not a single unit figure or unit count is published.
    let (figures, rates, status) = snapshot(p);
    for f in figures
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d.as_array().unwrap())
    {
        assert!(f["n"].is_null() && f["mean"].is_null(), "{f}");
    }
    for r in rates.as_array().unwrap() {
        assert!(r["answered"].is_null(), "{r}");
    }
    for r in status.as_array().unwrap() {
        assert!(r["answered"].is_null(), "{r}");
    }
    klimat(&p.k, &env, &["wave", "close", &wave]);
}

/// The attacker's linear system: each published sum as the set of units it
/// covers (A and B and region have no members of their own here).
struct Equations {
    rows: Vec<[f64; 5]>,
}

impl Equations {
    fn new() -> Equations {
        Equations { rows: Vec::new() }
    }

    fn add(&mut self, members: &[&str]) {
        let mut row = [0.0; 5];
        for m in members {
            row[UNITS.iter().position(|u| u == m).unwrap()] = 1.0;
        }
        if !self.rows.contains(&row) {
            self.rows.push(row);
        }
    }

    /// Whether unit `u`'s sum follows from the rows.
    fn determines(&self, u: usize) -> bool {
        if self.rows.is_empty() {
            return false;
        }
        let rank =
            |rows: &[[f64; 5]]| DMatrix::from_fn(rows.len(), 5, |r, c| rows[r][c]).rank(1e-9);
        let mut with = self.rows.clone();
        let mut e = [0.0; 5];
        e[u] = 1.0;
        with.push(e);
        rank(&with) == rank(&self.rows)
    }
}

fn members_of(code: &str) -> Vec<&'static str> {
    match code {
        "region" => UNITS.to_vec(),
        "A" => vec!["a1", "a2", "a3"],
        "B" => vec!["b1", "b2"],
        "pilot" | "(pooled pilot units)" => vec!["a3", "b1"],
        "control" => vec!["a1", "a2", "b2"],
        unit => vec![UNITS.iter().copied().find(|u| *u == unit).unwrap()],
    }
}

#[test]
fn no_combination_of_published_figures_gives_the_small_unit_away() {
    let p = setup();
    answer_wave(&p, "2026-03");
    answer_wave(&p, "2026-09");
    let a3 = 2;
    let (_, studies) = call(&p.server, "/api/v1/studies", &p.evaluator);
    let control: Vec<&str> = studies["items"][0]["control"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(control, ["A", "a1", "a2", "b2"], "{studies}");

    // Every published sum, for one dimension and both waves: the
    // dashboard's nodes and organisation (API), wave status (API and CLI),
    // score --wave (CLI), the effect report's arm cells (API).
    let mut sums = Equations::new();
    let mut counts = Equations::new();
    let (code, dash) = call(&p.server, "/api/v1/studies/pilot/aggregates", &p.viewer);
    assert_eq!(code, 200);
    let codes: Vec<String> = dash["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_owned())
        .collect();
    let mut group_lines = 0;
    for w in 0..2 {
        for (i, code) in codes.iter().enumerate() {
            let f = &dash["figures"][w][0][i];
            if !f["mean"].is_null() {
                sums.add(&members_of(code));
            }
            if !dash["rates"][w][i]["answered"].is_null() {
                counts.add(&members_of(code));
            }
        }
        if !dash["organisation"][w][0]["mean"].is_null() {
            sums.add(&UNITS);
        }
        // The pilot and control lines: sums and counts over their units.
        let groups = dash["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 2, "{}", dash["groups"]);
        for (g, group) in groups.iter().enumerate() {
            let members: Vec<&str> = group["units"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|u| UNITS.iter().copied().find(|x| Some(*x) == u.as_str()))
                .collect();
            let f = &dash["group_figures"][w][0][g];
            if !f["mean"].is_null() {
                sums.add(&members);
                group_lines += 1;
            }
            if !f["n"].is_null() {
                counts.add(&members);
            }
        }
    }
    assert!(
        dash["figures"][1][0][codes.iter().position(|c| c == "a3").unwrap()]["n"].is_null(),
        "a3 itself is hidden"
    );
    assert!(
        group_lines > 0,
        "the dashboard draws the arms: {}",
        dash["group_figures"]
    );

    for (wave_id, wave) in [(1, "pilot:2026-03"), (2, "pilot:2026-09")] {
        let (code, status) = call(
            &p.server,
            &format!("/api/v1/waves/{wave_id}/status"),
            &p.evaluator,
        );
        assert_eq!(code, 200);
        let cli: Value = serde_json::from_str(&klimat(
            &p.k,
            &env(),
            &["wave", "status", wave, "--format", "json"],
        ))
        .unwrap();
        for (api_row, cli_row) in status["units"]
            .as_array()
            .unwrap()
            .iter()
            .zip(cli["units"].as_array().unwrap())
        {
            assert_eq!(api_row["unit"], cli_row["unit"]);
            assert_eq!(
                api_row["answered"], cli_row["answered"],
                "the command line and the API hide the same counts"
            );
            if !api_row["answered"].is_null() {
                counts.add(&members_of(api_row["unit"].as_str().unwrap()));
            }
        }
        if !status["total"]["answered"].is_null() {
            counts.add(&UNITS);
        }
        // Counts pinned by invitations: a group whose every invitation was
        // answered gives each of its hidden units' counts.
        let answered_a =
            dash["rates"][wave_id - 1][codes.iter().position(|c| c == "A").unwrap()].clone();
        assert!(
            answered_a["answered"].is_null() || answered_a["answered"] != answered_a["invited"],
            "division A's rate would pin a3's count: {answered_a}"
        );

        let score: Value = serde_json::from_str(&klimat(
            &p.k,
            &env(),
            &["score", "--wave", wave, "--format", "json"],
        ))
        .unwrap();
        for unit in score["waves"][0]["dimensions"][0]["units"]
            .as_array()
            .unwrap()
        {
            let code = unit["unit"].as_str().unwrap();
            let i = codes.iter().position(|c| c == code).unwrap();
            assert_eq!(
                unit["n"].is_null(),
                dash["figures"][wave_id - 1][0][i]["n"].is_null(),
                "score --wave and the dashboard hide the same units ({code})"
            );
            if !unit["mean"].is_null() {
                sums.add(&members_of(code));
            }
        }
    }

    let (code, report) = call(&p.server, "/api/v1/studies/pilot/report", &p.evaluator);
    assert_eq!(code, 200, "{report}");
    let text = report.to_string();
    assert!(
        !text.contains("\"a3\""),
        "the report names no figure of a3 apart"
    );
    for cell in report["dimensions"][0]["cells"].as_array().unwrap() {
        if !cell["mean"].is_null() {
            sums.add(&members_of(cell["arm"].as_str().unwrap()));
        }
    }
    for arm in ["pilot_units", "control_units"] {
        for unit in report["design"][arm].as_array().unwrap() {
            let unit = unit.as_str().unwrap();
            if unit.starts_with('(') {
                continue;
            }
            assert_ne!(unit, "a3");
        }
    }

    // The validity report: its groups' complete-case counts (the models'
    // N) are sums over their units like any other count.
    let mut series = 0;
    for of in [
        ["--study", "pilot"],
        ["--wave", "pilot:2026-03"],
        ["--wave", "pilot:2026-09"],
    ] {
        let validity: Value = serde_json::from_str(&klimat(
            &p.k,
            &env(),
            &["validity", of[0], of[1], "--format", "json"],
        ))
        .unwrap();
        assert!(
            !validity.to_string().contains("\"a3\""),
            "the validity report names no figure of a3 apart"
        );
        counts.add(&UNITS);
        for s in validity["invariance"].as_array().unwrap() {
            for g in s["groups"].as_array().unwrap() {
                // "2026-03" is a wave (every unit), "2026-03 pilot" an arm in one wave.
                let label = g["label"].as_str().unwrap();
                let arm = label.rsplit(' ').next().unwrap();
                let members = match arm {
                    "pilot" | "control" => members_of(arm),
                    _ => UNITS.to_vec(),
                };
                counts.add(&members);
                series += 1;
            }
        }
    }
    assert!(series > 0, "the validity reports compare groups");

    assert!(
        !sums.determines(a3),
        "a3's sum follows from published figures: {:?}",
        sums.rows
    );
    assert!(
        !counts.determines(a3),
        "a3's count follows from published counts: {:?}",
        counts.rows
    );

    // The export: only units the plan shows, pooled rows only as a whole
    // (here every unit is hidden: a3 needs all of them).
    let csv = klimat(
        &p.k,
        &env(),
        &[
            "responses",
            "export",
            "--wave",
            "pilot:2026-09",
            "--disclosed",
        ],
    );
    let units: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(!units.contains(&"a3"), "a3's rows are not exported as a3");
    let pooled = units.iter().filter(|u| **u == "(hidden units)").count();
    assert!(pooled == 0 || pooled >= 5, "a pooled group of {pooled}");
}
