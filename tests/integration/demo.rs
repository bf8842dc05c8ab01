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
    for wave in ["2025-05", "2025-11", "2026-05"] {
        assert!(stdout.contains(&format!("wave {wave}: ")), "{stdout}");
    }
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
