//! Free-text comments: never for fewer respondents than the wave's comment
//! minimum in any output, no view subtracted from another gives a smaller
//! group away, personal details removed (in the database too once the wave
//! closed), and only evaluators and unit-limited viewers read them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::helpers::*;
use crate::services::{Server, get, klimat};
use crate::staff::{PASSWORD, login_as};

const PHONE: &str = "070-123 45 67";
const MINIMUM: u64 = 25;

/// The demo with a comment minimum of 25, so that most units pool.
pub fn demo() -> (Klimat, Vec<(&'static str, String)>) {
    let k = Klimat::new();
    let out = k
        .cmd()
        .env("KLIMAT_MIN_GROUP_SIZE_COMMENTS", MINIMUM.to_string())
        .args(["demo", "--dir", "d"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let env = vec![
        (
            "KLIMAT_DATABASE_URL",
            format!("sqlite://{}", k.path("d/klimat.db").display()),
        ),
        (
            "KLIMAT_SECRET_FILE",
            k.path("d/klimat.secret").display().to_string(),
        ),
    ];
    (k, env)
}

/// Respondents per unit code in a wave, from the raw export.
fn respondents(k: &Klimat, env: &[(&str, String)], wave: &str) -> BTreeMap<String, u64> {
    let raw = klimat(k, env, &["responses", "export", "--wave", wave]);
    let mut n = BTreeMap::new();
    for line in raw.lines().skip(1) {
        *n.entry(line.split(',').next().unwrap().to_owned())
            .or_default() += 1;
    }
    n
}

/// Unit name → code.
fn codes(k: &Klimat, env: &[(&str, String)]) -> BTreeMap<String, String> {
    klimat(k, env, &["unit", "list"])
        .lines()
        .map(|l| {
            let (code, name) = l.split_once('\t').unwrap();
            (name.to_owned(), code.to_owned())
        })
        .collect()
}

/// A view's groups as (name, units) with their comment count over all questions.
fn groups(view: &Value) -> BTreeMap<(String, Vec<String>), usize> {
    let groups = view["groups"].as_array().unwrap();
    let mut out = BTreeMap::new();
    for (g, group) in groups.iter().enumerate() {
        let units: Vec<String> = group["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap().to_owned())
            .collect();
        let count: usize = view["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["by_group"][g].as_array().unwrap().len())
            .sum();
        out.insert((group["name"].as_str().unwrap().to_owned(), units), count);
    }
    out
}

#[test]
fn no_view_of_the_comments_gives_a_group_below_the_minimum_away() {
    let (k, env) = demo();
    let wave = "innovation-pilot:2025-05";
    let n = respondents(&k, &env, wave);
    let code_of = codes(&k, &env);
    let view = |unit: Option<&str>| -> Value {
        let mut args = vec!["comments", "--wave", wave, "--format", "json"];
        if let Some(u) = unit {
            args.extend(["--unit", u]);
        }
        serde_json::from_str(&klimat(&k, &env, &args)).unwrap()
    };
    let all = view(None);
    assert_eq!(
        all["minimum"], MINIMUM,
        "the wave fixed the configured minimum"
    );
    let cells = groups(&all);
    assert!(cells.len() >= 3, "{cells:?}");
    // Each group holds at least the minimum of respondents, no unit is in two.
    let mut seen = BTreeSet::new();
    for ((name, units), count) in &cells {
        let size: u64 = units
            .iter()
            .map(|u| n.get(&code_of[u]).copied().unwrap_or(0))
            .sum();
        assert!(size >= MINIMUM, "{name} {units:?}: {size} respondents");
        assert!(*count > 0, "{name}");
        for u in units {
            assert!(seen.insert(u.clone()), "{u} is in two groups");
        }
    }
    // Some unit is below the minimum on its own, so the pooling was tested.
    assert!(n.values().any(|&r| r < MINIMUM), "{n:?}");
    // Every other view (a viewer limited to each unit and division) shows
    // whole groups of the evaluator's view, with the same comments, so any
    // difference of two views is a union of groups of the minimum.
    for (name, code) in &code_of {
        let scoped = view(Some(code));
        for (group, count) in groups(&scoped) {
            assert_eq!(cells.get(&group), Some(&count), "{name}: {group:?}");
        }
        if n.get(code).is_some_and(|&r| r < MINIMUM) {
            let alone = (name.clone(), vec![name.clone()]);
            assert!(!groups(&scoped).contains_key(&alone), "{name}");
        }
    }
    // The demo's comments arrive redacted; the CSV has no response ids.
    let md = klimat(&k, &env, &["comments", "--wave", wave]);
    let csv = klimat(&k, &env, &["comments", "--wave", wave, "--format", "csv"]);
    for out in [&md, &csv, &all.to_string()] {
        assert!(!out.contains(PHONE), "{out}");
    }
    assert!(md.contains("ring mig gärna på [borttaget]"), "{md}");
    // An English reader sees the English marker, whatever language it was stored in.
    let en = klimat(&k, &env, &["comments", "--wave", wave, "--lang", "en"]);
    assert!(en.contains("ring mig gärna på [removed]"), "{en}");
    assert!(!en.contains("[borttaget]"), "{en}");
    assert_eq!(csv.lines().next(), Some("wave,group,question,comment"));
    let rows = csv.lines().count() - 1;
    assert_eq!(rows, cells.values().sum::<usize>());
    // A search filters within the groups.
    let found: Value = serde_json::from_str(&klimat(
        &k,
        &env,
        &[
            "comments",
            "--wave",
            wave,
            "--format",
            "json",
            "--search",
            "KONFLIKTERNA",
        ],
    ))
    .unwrap();
    for ((name, units), count) in groups(&found) {
        assert!(count <= cells[&(name.clone(), units.clone())], "{name}");
    }
    assert!(found.to_string().contains("Konflikterna i gruppen"));
    assert!(!found.to_string().contains("Chefen lyssnar"));
    // Words: "tid" is among the first question's most used words.
    let words = all["questions"][0]["words"].as_array().unwrap();
    assert!(words.iter().any(|w| w["word"] == "tid"), "{words:?}");
    // The open wave shows none.
    let open: Value = serde_json::from_str(&klimat(
        &k,
        &env,
        &[
            "comments",
            "--wave",
            "innovation-pilot:2027-11",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(open["unavailable"], "open");
    // What the closed waves stored is redacted in the file itself.
    let bytes = std::fs::read(k.path("d/klimat.db")).unwrap();
    let phone = PHONE.as_bytes();
    assert!(
        !bytes.windows(phone.len()).any(|w| w == phone),
        "the phone number is still in the database file"
    );
}

#[test]
fn comments_are_for_evaluators_and_unit_limited_viewers() {
    let (k, env) = demo();
    for (email, role, unit) in [
        ("eva@region.se", "evaluator", None),
        ("lead@region.se", "viewer", None),
        ("chef@region.se", "viewer", Some("social")),
    ] {
        let mut cmd = k.cmd();
        for (key, value) in &env {
            cmd.env(key, value);
        }
        cmd.args(["user", "add", email, "--role", role, "--password-stdin"]);
        if let Some(u) = unit {
            cmd.args(["--unit", u]);
        }
        let out = cmd.write_stdin(format!("{PASSWORD}\n")).output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let s = Server::start(&k, &env);
    let page = |email: &str| {
        let cookie = login_as(&s, email, PASSWORD);
        get(&s.url("/staff/waves/1/comments?lang=sv"), Some(&cookie))
    };
    let eva = page("eva@region.se");
    assert_eq!(eva.status, 200, "{}", eva.body);
    assert!(eva.body.contains("[borttaget]"), "{}", eva.body);
    assert!(
        eva.body.contains("Hälso- och sjukvård") || eva.body.contains("Regionstab"),
        "{}",
        eva.body
    );
    assert_eq!(page("lead@region.se").status, 403);
    let chef = page("chef@region.se");
    assert_eq!(chef.status, 200, "{}", chef.body);
    assert!(chef.body.contains("Social omsorg"), "{}", chef.body);
    assert!(!chef.body.contains("Hälso- och sjukvård"), "{}", chef.body);
    // The CSV download holds the same groups.
    let cookie = login_as(&s, "chef@region.se", PASSWORD);
    let csv = get(&s.url("/staff/waves/1/comments.csv"), Some(&cookie));
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("wave,group,question,comment"));
    assert!(!csv.body.contains("Hälso- och sjukvård"));
    // The API: an evaluator's token all groups, a whole-organisation
    // viewer's token none, a unit-limited viewer's token its own.
    let token = |name: &str, role: &str, unit: Option<&str>| {
        let mut args = vec!["token", "create", "--name", name, "--role", role];
        if let Some(u) = unit {
            args.extend(["--unit", u]);
        }
        klimat(&k, &env, &args).trim().to_owned()
    };
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let call = |t: &str| {
        let mut r = agent
            .get(&s.url("/api/v1/waves/1/comments"))
            .header("authorization", &format!("Bearer {t}"))
            .call()
            .unwrap();
        let body = r.body_mut().read_to_string().unwrap();
        (r.status().as_u16(), body)
    };
    let (status, body) = call(&token("eval", "evaluator", None));
    assert_eq!(status, 200, "{body}");
    let all: Value = serde_json::from_str(&body).unwrap();
    let (status, _) = call(&token("intranet", "viewer", None));
    assert_eq!(status, 403);
    let (status, body) = call(&token("chef", "viewer", Some("social")));
    assert_eq!(status, 200, "{body}");
    let mine: Value = serde_json::from_str(&body).unwrap();
    let all_groups = groups(&all);
    let my_groups = groups(&mine);
    assert!(!my_groups.is_empty() && my_groups.len() < all_groups.len());
    for (g, count) in my_groups {
        assert_eq!(all_groups.get(&g), Some(&count), "{g:?}");
    }
    assert!(!s.log().contains("panicked"));
}
