//! `klimat demo`: the README's first command, end to end.

use crate::helpers::*;

#[test]
fn the_demo_runs_the_whole_job_and_recovers_the_simulated_effects() {
    let k = Klimat::new();
    let out = k.cmd().args(["demo", "--dir", "d"]).output().unwrap();
    let stdout = stdout_of(&out);
    assert!(out.status.success(), "{stdout}\n{}", stderr_of(&out));
    assert!(
        stdout.contains("every 95 % interval covers the simulated truth"),
        "{stdout}"
    );
    for wave in ["2025-05", "2025-11", "2026-05", "2026-11", "2027-05"] {
        assert!(stdout.contains(&format!("wave {wave}: ")), "{stdout}");
    }
    // 8 of 30 units: the permutations are sampled, so each p carries its Monte
    // Carlo interval, and the design's tiny smallest p is no warning.
    let effect = std::fs::read_to_string(k.path("reports/demo/effect.md")).unwrap();
    assert!(effect.contains("(sampled; Monte Carlo 95 % "), "{effect}");
    // The findings in one sentence first, grouped by the strength of the evidence.
    assert!(
        effect.contains("In short: a clear improvement in the pilot units in Idea support"),
        "{effect}"
    );
    // Conflicts: lower is better, and the tables and headings say so.
    assert!(
        effect.contains("### Konflikter (lower is better)")
            || effect.contains("### Conflicts (lower is better)"),
        "{effect}"
    );
    assert!(
        !effect.contains("smallest attainable permutation p-value"),
        "{effect}"
    );
    // The last wave stays open to be tried: its unanswered links, and how to serve them.
    assert!(stdout.contains("wave 2027-11 is open"), "{stdout}");
    assert_eq!(
        stdout.matches("  http://localhost:8080/s/").count(),
        3,
        "{stdout}"
    );
    assert!(stdout.contains("klimat demo --serve"), "{stdout}");
    // Act two: the spread to two more cohorts, and the roll-out report recovers its truth.
    assert!(
        stdout.contains("every 95 % interval of the roll-out covers the simulated truth"),
        "{stdout}"
    );
    let rollout: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(k.path("reports/demo/rollout.json")).unwrap(),
    )
    .unwrap();
    let cohorts = rollout["design"]["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 3, "{}", rollout["design"]);
    assert_eq!(cohorts[0]["units"].as_array().unwrap().len(), 8);
    // The spread's dates were recorded before the waves they affect had closed.
    let changes = rollout["adoption_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 12);
    assert!(
        changes.iter().all(|c| c["after_close"] == false),
        "{changes:?}"
    );
    assert!(
        !rollout["warnings"].to_string().contains("AFTER THE FACT"),
        "{}",
        rollout["warnings"]
    );
    assert!(k.path("reports/demo/rollout.html").exists());
    let idea = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("idea-support"))
        .unwrap();
    assert!(idea.contains("0.486"), "{idea}");
    for file in [
        "effect.html",
        "effect.md",
        "effect.json",
        "trends-forest.svg",
        "trend-idea-support.svg",
    ] {
        let path = k.path("reports/demo").join(file);
        assert!(
            std::fs::metadata(&path)
                .map(|m| m.len() > 500)
                .unwrap_or(false),
            "{}",
            path.display()
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(k.path("reports/demo/effect.json")).unwrap())
            .unwrap();
    assert_eq!(json["dimensions"].as_array().unwrap().len(), 10);
    // The demo's answers measure alike in every wave and arm (no item is
    // simulated to shift), and the report says so for every dimension.
    for d in json["dimensions"].as_array().unwrap() {
        assert_eq!(
            d["measurement"]["means_comparable"], true,
            "{}: {}",
            d["id"], d["measurement"]
        );
    }
    assert!(
        json["validity"]["model"]["fit"]["cfi"].as_f64().unwrap() > 0.95,
        "{}",
        json["validity"]["model"]["fit"]
    );
    // The study's validity report read the published waves' complete cases
    // a second time for the ordinal model.
    let ordinal = &json["validity"]["ordinal_model"];
    assert_eq!(
        ordinal["converged"], true,
        "{}",
        json["validity"]["problems"]
    );
    assert_eq!(
        ordinal["fit"]["n"].as_f64().unwrap() as u64,
        json["validity"]["complete_cases"].as_u64().unwrap()
    );
    // Invitations and reminders went through the outbox into the mail folder.
    let mails = std::fs::read_dir(k.path("d/mail")).unwrap().count();
    assert!(mails > 1_800 + 700, "{mails} messages");
    // Running it again starts afresh.
    let again = k.cmd().args(["demo", "--dir", "d"]).output().unwrap();
    assert!(again.status.success());
    let idea_line = |text: &str| {
        text.lines()
            .rfind(|l| l.contains("idea-support"))
            .map(str::to_owned)
    };
    assert_eq!(
        idea_line(&stdout_of(&again)),
        idea_line(&stdout),
        "the same seed, the same result"
    );
}

/// `klimat demo --serve`: the service starts on the demo database and the
/// printed viewer account opens the dashboard.
#[test]
fn the_served_demo_prints_a_viewer_account_that_opens_the_dashboard() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let k = Klimat::new();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("klimat"));
    cmd.current_dir(k.dir.path());
    for (key, _) in std::env::vars() {
        if key.starts_with("KLIMAT_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .args(["demo", "--dir", "d", "--serve"])
        .env("KLIMAT_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (mut email, mut password, mut base) = (None, None, None);
    let mut links = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(at) = line.find("/s/").filter(|_| line.trim().starts_with("http")) {
            links.push(line[at..].trim().to_owned());
        }
        if let Some(rest) = line.trim().strip_prefix("log in as viewer: ") {
            let mut parts = rest.split_whitespace();
            email = parts.next().map(str::to_owned);
            password = parts.nth(1).map(str::to_owned);
        }
        if let Some(addr) = line.strip_prefix("listening on ") {
            base = Some(addr.trim().to_owned());
            break;
        }
    }
    let server = crate::services::Server::attach(child, base.expect("the service started"));
    let cookie = crate::staff::login_as(&server, &email.unwrap(), &password.unwrap());
    let page = crate::services::get(
        &server.url("/staff/studies/innovation-pilot/dashboard?lang=en"),
        Some(&cookie),
    );
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("<svg").count(),
        4,
        "the cohorts, the trend, the heatmap and the profile"
    );
    assert!(
        page.body.contains("Adopted by ") && page.body.contains("Never adopted"),
        "the viewer sees each cohort's line"
    );
    // The open wave's printed links open the form.
    assert_eq!(links.len(), 3, "the unanswered invitations' links");
    for link in &links {
        let form = crate::services::get(&server.url(link), None);
        assert_eq!(form.status, 200, "{link}");
        assert!(form.body.contains("<form"), "{link}: {}", form.body);
    }
    // A viewer sees aggregates only.
    let report = crate::services::get(
        &server.url("/staff/studies/innovation-pilot/report"),
        Some(&cookie),
    );
    assert_eq!(report.status, 403);
}
