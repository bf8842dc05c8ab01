//! Units over time, on both backends: reorganisations recorded on a date
//! and refused whole when they cannot hold (a cycle, a taken code, a date
//! before a recorded change, a roster left without its unit); rosters read
//! codes as they were on the wave's date; the effect report leaves out the
//! pilot and control units a merge or split changed during the study, says
//! so, and refuses when an arm has none left.

use serde_json::Value;

use crate::helpers::*;
use crate::store::{backends, ok, run, study};

fn fails(k: &Klimat, db: &crate::store::TestDb, args: &[&str], expected: &str) {
    let out = run(k, db, args);
    assert!(!out.status.success(), "{}: {args:?} should fail", db.name);
    assert!(
        stderr_of(&out).contains(expected),
        "{}: {args:?}: expected {expected:?} in {}",
        db.name,
        stderr_of(&out)
    );
}

#[test]
fn reorganisations_are_checked_mapped_and_the_effect_report_says_what_it_did() {
    let k = Klimat::new();
    for db in backends(&k) {
        let (_, pilots) = study(&k, &db);
        let pilot: Vec<String> = pilots.split(',').map(String::from).collect();
        let control: Vec<String> = (1..=8)
            .map(|i| format!("unit-{i:02}"))
            .filter(|u| !pilot.contains(u))
            .collect();
        let (p0, p1, p2) = (pilot[0].as_str(), pilot[1].as_str(), pilot[2].as_str());
        let (c0, c1, c2) = (
            control[0].as_str(),
            control[1].as_str(),
            control[2].as_str(),
        );
        let before = ok(&k, &db, &["unit", "list"]);

        // Refused whole, with the reason; nothing changes.
        fails(
            &k,
            &db,
            &["unit", "move", "region", "--to", p0, "--on", "2024-06-01"],
            "cycle",
        );
        fails(
            &k,
            &db,
            &["unit", "rename", p0, "--to", c0, "--on", "2024-06-01"],
            "is taken",
        );
        fails(
            &k,
            &db,
            &[
                "unit",
                "merge",
                &format!("{p1},{p2}"),
                "--into",
                "x",
                "--name",
                "X",
                "--on",
                "2024-13-01",
            ],
            "not a date",
        );
        fails(
            &k,
            &db,
            &[
                "unit",
                "merge",
                &format!("nope,{p1}"),
                "--into",
                "x",
                "--name",
                "X",
                "--on",
                "2024-06-01",
            ],
            "there is no unit `nope`",
        );
        fails(
            &k,
            &db,
            &[
                "unit",
                "merge",
                "region",
                "--into",
                "x",
                "--name",
                "X",
                "--on",
                "2024-06-01",
            ],
            "at least two",
        );
        // A roster of a later wave in two control units: merging them before
        // it opens would leave its invitations without a unit.
        ok(
            &k,
            &db,
            &[
                "wave",
                "create",
                "--study",
                "pilot",
                "--name",
                "2025-09",
                "--opens",
                "2025-09-01",
                "--closes",
                "2025-09-28",
            ],
        );
        let roster = k.write(
            "roster.csv",
            &format!("email,unit,language\na@region.se,{c1},sv\nb@region.se,{c2},sv\n"),
        );
        ok(
            &k,
            &db,
            &["roster", "import", "--wave", "pilot:2025-09", arg(&roster)],
        );
        fails(
            &k,
            &db,
            &[
                "unit",
                "merge",
                &format!("{c1},{c2}"),
                "--into",
                "c12",
                "--name",
                "C12",
                "--on",
                "2025-06-01",
            ],
            "wave `2025-09` opens on or after 2025-06-01 and has 2 invitations",
        );
        assert_eq!(
            ok(&k, &db, &["unit", "list"]),
            before,
            "{}: nothing changed",
            db.name
        );

        // Two pilot units merged during the study, a control unit renamed.
        ok(
            &k,
            &db,
            &[
                "unit",
                "merge",
                &format!("{p1},{p2}"),
                "--into",
                "p12",
                "--name",
                "Pilot 1–2",
                "--on",
                "2024-09-01",
            ],
        );
        ok(
            &k,
            &db,
            &[
                "unit",
                "rename",
                c0,
                "--to",
                "ctl",
                "--name",
                "Kontroll",
                "--on",
                "2024-10-01",
            ],
        );
        // Changes of a unit go in date order.
        fails(
            &k,
            &db,
            &[
                "unit",
                "rename",
                "ctl",
                "--to",
                "ctl-2",
                "--on",
                "2024-08-01",
            ],
            "date order",
        );
        let history = ok(&k, &db, &["unit", "history"]);
        assert!(
            history.contains(&format!("{p1}, {p2} merged into p12 on 2024-09-01")),
            "{history}"
        );
        assert!(
            history.contains(&format!("{c0} renamed ctl on 2024-10-01")),
            "{history}"
        );
        let list = ok(&k, &db, &["unit", "list"]);
        assert!(
            list.lines()
                .any(|l| l.starts_with(p1) && l.contains("ended")),
            "{list}"
        );

        let r: Value = serde_json::from_str(&ok(
            &k,
            &db,
            &["report", "effect", "--study", "pilot", "--format", "json"],
        ))
        .unwrap();
        assert_eq!(
            r["design"]["pilot_units"],
            serde_json::json!([p0]),
            "{}",
            db.name
        );
        let warnings = r["warnings"].to_string();
        for unit in [p1, p2] {
            assert!(
                warnings.contains(&format!("the pilot unit {unit} is left out")),
                "{}: {warnings}",
                db.name
            );
        }
        assert!(
            warnings.contains("the control unit ctl is kept"),
            "{warnings}"
        );
        assert!(
            r["design"]["control_units"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u == "ctl"),
            "a renamed unit stays in its arm"
        );

        // As a roll-out (c1 adopts early, the pilot units on the
        // intervention date), the same rule: the merged pilot units are
        // left out of the cohorts, and the report says so.
        ok(
            &k,
            &db,
            &[
                "study",
                "adopt",
                "--study",
                "pilot",
                "--units",
                c1,
                "--date",
                "2024-06-01",
            ],
        );
        let r: Value = serde_json::from_str(&ok(
            &k,
            &db,
            &["report", "effect", "--study", "pilot", "--format", "json"],
        ))
        .unwrap();
        let cohorts = r["design"]["cohorts"].to_string();
        assert!(cohorts.contains(p0) && cohorts.contains(c1), "{cohorts}");
        for unit in [p1, p2] {
            assert!(!cohorts.contains(unit), "{}: {unit} in {cohorts}", db.name);
            assert!(
                r["warnings"]
                    .to_string()
                    .contains(&format!("the roll-out unit {unit} is left out")),
                "{}",
                r["warnings"]
            );
        }
        let undo = k.write("undo.csv", &format!("unit,adoption_date\n{c1},\n"));
        ok(
            &k,
            &db,
            &["study", "adopt", "--study", "pilot", "--file", arg(&undo)],
        );

        // The dashboard: the merged unit's line holds its predecessors
        // before the merge, and the page says what was mapped.
        let env = vec![
            ("KLIMAT_DATABASE_URL", db.url.clone()),
            (
                "KLIMAT_SECRET",
                "store-test-secret-0123456789abcdef0123".to_owned(),
            ),
        ];
        let token = ok(
            &k,
            &db,
            &[
                "token",
                "create",
                "--name",
                &format!("t-{}", db.name),
                "--role",
                "viewer",
            ],
        )
        .trim()
        .to_owned();
        let server = crate::services::Server::start(&k, &env);
        let dash: Value = serde_json::from_str(
            &ureq::get(&server.url("/api/v1/studies/pilot/aggregates?lang=en"))
                .header("authorization", format!("Bearer {token}"))
                .call()
                .unwrap()
                .into_body()
                .read_to_string()
                .unwrap(),
        )
        .unwrap();
        let units = dash["units"].as_array().unwrap();
        let at = |code: &str| units.iter().position(|u| u["code"] == code).unwrap();
        let (merged, a, b) = (at("p12"), at(p1), at(p2));
        assert_eq!(
            units[a]["parent"], merged,
            "the predecessors are under the merged unit"
        );
        let n = |unit: usize| dash["figures"][0][0][unit]["n"].as_u64().unwrap();
        assert_eq!(
            n(merged),
            n(a) + n(b),
            "{}: before the merge, combined",
            db.name
        );
        let notes = dash["notes"].to_string();
        assert!(
            notes.contains("merged into Pilot 1–2 (p12) on 2024-09-01"),
            "{notes}"
        );
        drop(server);

        // Rosters read codes on the wave's date: after the rename the old
        // code is unknown and a merged unit is gone; before it, the old
        // code names the unit.
        let roster = k.write(
            "roster2.csv",
            &format!("email,unit,language\nc@region.se,ctl,sv\nd@region.se,{p1},sv\ne@region.se,{c0},sv\n"),
        );
        let out = run(
            &k,
            &db,
            &["roster", "import", "--wave", "pilot:2025-09", arg(&roster)],
        );
        assert!(!out.status.success());
        let err = stderr_of(&out);
        assert!(
            err.contains(&format!("unit `{p1}` no longer exists on 2025-09-01")),
            "{err}"
        );
        assert!(err.contains("merged into p12"), "{err}");
        assert!(err.contains(&format!("unknown unit `{c0}`")), "{err}");
        ok(
            &k,
            &db,
            &[
                "wave",
                "create",
                "--study",
                "pilot",
                "--name",
                "2024-09b",
                "--opens",
                "2024-09-15",
                "--closes",
                "2024-09-30",
            ],
        );
        let old = k.write(
            "roster3.csv",
            &format!("email,unit,language\nf@region.se,{c0},sv\n"),
        );
        ok(
            &k,
            &db,
            &["roster", "import", "--wave", "pilot:2024-09b", arg(&old)],
        );

        // The last pilot unit split during the study: no pilot unit stayed
        // the same, and the report says so instead of comparing.
        ok(
            &k,
            &db,
            &[
                "unit",
                "split",
                p0,
                "--into",
                "p0a=Pilot A",
                "--into",
                "p0b=Pilot B",
                "--on",
                "2024-12-01",
            ],
        );
        fails(
            &k,
            &db,
            &["report", "effect", "--study", "pilot", "--format", "json"],
            "no pilot unit stayed the same through the study",
        );
    }
}
