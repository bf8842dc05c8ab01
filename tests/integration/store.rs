//! The store on every backend: SQLite always, PostgreSQL too when
//! KLIMAT_TEST_DATABASE_URL names a server (and the postgres feature is on).
//! Each test gets its own database.

use crate::helpers::*;

/// A fresh database of one backend, dropped (PostgreSQL) or deleted with its
/// folder (SQLite) at the end.
pub struct TestDb {
    pub url: String,
    pub name: &'static str,
    #[cfg(feature = "postgres")]
    drop: Option<(String, String)>,
}

impl TestDb {
    fn sqlite(k: &Klimat) -> TestDb {
        TestDb {
            url: format!("sqlite://{}", k.path("klimat.db").display()),
            name: "sqlite",
            #[cfg(feature = "postgres")]
            drop: None,
        }
    }

    #[cfg(feature = "postgres")]
    fn postgres(admin: &str) -> TestDb {
        use diesel::{Connection, RunQueryDsl};
        let name = format!("klimat_test_{:016x}", rand::random::<u64>());
        let mut conn = diesel::PgConnection::establish(admin)
            .expect("KLIMAT_TEST_DATABASE_URL accepts connections");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .unwrap();
        let (base, _) = admin.rsplit_once('/').expect("a URL with a database");
        TestDb {
            url: format!("{base}/{name}"),
            name: "postgres",
            drop: Some((admin.to_owned(), name)),
        }
    }
}

#[cfg(feature = "postgres")]
impl Drop for TestDb {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Some((admin, name)) = &self.drop
            && let Ok(mut conn) = diesel::PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// SQLite, and PostgreSQL when configured.
#[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
pub fn backends(k: &Klimat) -> Vec<TestDb> {
    let mut out = vec![TestDb::sqlite(k)];
    if let Ok(admin) = std::env::var("KLIMAT_TEST_DATABASE_URL") {
        #[cfg(feature = "postgres")]
        out.push(TestDb::postgres(&admin));
        #[cfg(not(feature = "postgres"))]
        panic!(
            "KLIMAT_TEST_DATABASE_URL is set ({admin}) but the tests were built without --features postgres"
        );
    }
    out
}

/// The secret every command here runs with, so a test can derive links.
const SECRET: &str = "store-test-secret-0123456789abcdef0123";

pub fn run(k: &Klimat, db: &TestDb, args: &[&str]) -> std::process::Output {
    k.cmd()
        .env("KLIMAT_DATABASE_URL", &db.url)
        .env("KLIMAT_SECRET", SECRET)
        .args(args)
        .output()
        .unwrap()
}

pub fn ok(k: &Klimat, db: &TestDb, args: &[&str]) -> String {
    let out = run(k, db, args);
    assert!(
        out.status.success(),
        "{}: {args:?}: {}",
        db.name,
        stderr_of(&out)
    );
    stdout_of(&out)
}

pub fn units_file(k: &Klimat, units: usize) -> std::path::PathBuf {
    let mut text = String::from("code,name,parent\nregion,Region Exempel,\n");
    for i in 1..=units {
        text += &format!("unit-{i:02},Enhet {i},region\n");
    }
    k.write("units.csv", &text)
}

/// Units, the team-climate survey, a study and three waves with responses.
pub fn study(k: &Klimat, db: &TestDb) -> (std::path::PathBuf, String) {
    let survey = repo().join("surveys/team-climate.toml");
    ok(k, db, &["migrate"]);
    ok(k, db, &["unit", "import", arg(&units_file(k, 8))]);
    ok(k, db, &["survey", "publish", arg(&survey)]);
    let sim = k.path("all.csv");
    let out = ok(
        k,
        db,
        &[
            "simulate",
            "--survey",
            arg(&survey),
            "--units",
            "8",
            "--pilot-units",
            "3",
            "--waves",
            "3",
            "--respondents-per-unit",
            "12",
            "--seed",
            "2",
            "--effect",
            "vision=0.5",
            "--out",
            arg(&sim),
        ],
    );
    let pilots = out
        .lines()
        .find_map(|l| l.strip_prefix("pilot units: "))
        .unwrap()
        .to_owned();
    let control: Vec<String> = (1..=8)
        .map(|i| format!("unit-{i:02}"))
        .filter(|u| !pilots.contains(u.as_str()))
        .collect();
    ok(
        k,
        db,
        &[
            "study",
            "create",
            "--name",
            "pilot",
            "--survey",
            "team-climate",
            "--pilot",
            &pilots,
            "--control",
            &control.join(","),
            "--intervention-date",
            "2025-01-10",
            "--seed",
            "7",
        ],
    );
    let text = std::fs::read_to_string(&sim).unwrap();
    let header = text.lines().next().unwrap();
    for wave in ["2024-03", "2024-09", "2025-03"] {
        ok(
            k,
            db,
            &[
                "wave",
                "create",
                "--study",
                "pilot",
                "--name",
                wave,
                "--opens",
                &format!("{wave}-01"),
                "--closes",
                &format!("{wave}-28"),
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
        let out = ok(
            k,
            db,
            &[
                "responses",
                "import",
                "--wave",
                &format!("pilot:{wave}"),
                arg(&file),
            ],
        );
        assert!(
            out.contains(&format!("imported {} responses", rows.len())),
            "{out}"
        );
    }
    (sim, pilots)
}

#[test]
fn migrations_run_from_empty_and_a_second_run_changes_nothing() {
    let k = Klimat::new();
    for db in backends(&k) {
        ok(&k, &db, &["migrate"]);
        ok(&k, &db, &["migrate"]);
        let units = ok(&k, &db, &["unit", "list"]);
        assert!(units.is_empty(), "{}", db.name);
    }
}

#[test]
fn the_database_path_gives_the_same_numbers_as_the_file_path() {
    let k = Klimat::new();
    for db in backends(&k) {
        let (sim, pilots) = study(&k, &db);
        let survey = repo().join("surveys/team-climate.toml");
        // Score: one wave from the database and from its export.
        let from_db = ok(&k, &db, &["score", "--wave", "pilot:2025-03"]);
        let export = k.path(&format!("export-{}.csv", db.name));
        ok(
            &k,
            &db,
            &[
                "responses",
                "export",
                "--wave",
                "pilot:2025-03",
                "--out",
                arg(&export),
            ],
        );
        let from_export = ok(
            &k,
            &db,
            &[
                "score",
                "--survey",
                arg(&survey),
                "--responses",
                arg(&export),
            ],
        );
        // The same numbers; the validity sections differ only in what the
        // database knows and the file does not (the study's arms), so their
        // pooled models are the same and the rest is compared apart.
        let (mut from_db, mut from_export): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(&from_db).unwrap(),
            serde_json::from_str(&from_export).unwrap(),
        );
        let (validity_db, validity_export) =
            (from_db["validity"].take(), from_export["validity"].take());
        assert!(validity_db["model"].is_object(), "{validity_db}");
        assert_eq!(
            validity_db["model"], validity_export["model"],
            "{}",
            db.name
        );
        assert_eq!(
            validity_db["ordinal"], validity_export["ordinal"],
            "{}",
            db.name
        );
        assert_eq!(from_db, from_export, "{}", db.name);
        // The effect report of the study and of the original file.
        let report_db = ok(
            &k,
            &db,
            &[
                "report", "effect", "--study", "pilot", "--format", "json", "--reps", "199",
            ],
        );
        let report_file = ok(
            &k,
            &db,
            &[
                "report",
                "effect",
                "--survey",
                arg(&survey),
                "--responses",
                arg(&sim),
                "--pilot",
                &pilots,
                "--first-post-wave",
                "2025-03",
                "--format",
                "json",
                "--reps",
                "199",
                "--seed",
                "7",
            ],
        );
        // The study's report used the study's own seed.
        assert_eq!(report_db, report_file, "{}", db.name);
        let seed: serde_json::Value = serde_json::from_str(&report_db).unwrap();
        assert_eq!(seed["design"]["seed"], 7, "{}", db.name);
        // The study export holds every response.
        let all = ok(&k, &db, &["responses", "export", "--study", "pilot"]);
        assert_eq!(
            all.lines().count(),
            std::fs::read_to_string(&sim).unwrap().lines().count(),
            "{}",
            db.name
        );
    }
}

#[test]
fn unit_import_is_all_or_nothing_and_a_reimport_renames() {
    let k = Klimat::new();
    for db in backends(&k) {
        ok(&k, &db, &["migrate"]);
        let bad = k.write("bad.csv", "code,name,parent\na,A,\nb,B,zz\na,A again,\n");
        let out = run(&k, &db, &["unit", "import", arg(&bad)]);
        assert_eq!(out.status.code(), Some(1), "{}", db.name);
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains("code `a` appears twice") && stderr.contains("parent `zz`"),
            "{}: {stderr}",
            db.name
        );
        assert!(
            ok(&k, &db, &["unit", "list"]).is_empty(),
            "{}: nothing imported",
            db.name
        );

        let good = k.write("good.csv", "code,name,parent\na,A,\nb,B,a\n");
        assert!(ok(&k, &db, &["unit", "import", arg(&good)]).contains("2 added"));
        let renamed = k.write("renamed.csv", "code,name,parent\nb,B renamed,a\nc,C,\n");
        assert!(ok(&k, &db, &["unit", "import", arg(&renamed)]).contains("1 added, 1 renamed"));
        assert_eq!(
            ok(&k, &db, &["unit", "list"]),
            "a\tA\nb\tB renamed\nc\tC\n",
            "{}",
            db.name
        );
        let cycle = k.write("cycle.csv", "code,name,parent\na,A,b\n");
        let out = run(&k, &db, &["unit", "import", arg(&cycle)]);
        assert!(
            stderr_of(&out).contains("cycle"),
            "{}: {}",
            db.name,
            stderr_of(&out)
        );
        assert_eq!(ok(&k, &db, &["unit", "list"]), "a\tA\nb\tB renamed\nc\tC\n");
    }
}

#[test]
fn a_published_survey_is_immutable() {
    let k = Klimat::new();
    let original = std::fs::read_to_string(repo().join("surveys/team-climate.toml")).unwrap();
    let survey = k.write("team.toml", &original);
    let reformatted = k.write(
        "team-reformatted.toml",
        &format!("# a comment changes nothing\n{original}"),
    );
    let changed = k.write("team-changed.toml", &original.replace("Vision", "Visionen"));
    for db in backends(&k) {
        ok(&k, &db, &["migrate"]);
        assert!(
            ok(&k, &db, &["survey", "publish", arg(&survey)]).contains("published team-climate v1")
        );
        assert!(
            ok(&k, &db, &["survey", "publish", arg(&reformatted)]).contains("published already")
        );
        let out = run(&k, &db, &["survey", "publish", arg(&changed)]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr_of(&out).contains("publish the change as version 2"),
            "{}: {}",
            db.name,
            stderr_of(&out)
        );
    }
}

#[test]
fn response_imports_are_all_or_nothing() {
    let k = Klimat::new();
    for db in backends(&k) {
        study(&k, &db);
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
                "2025-09-30",
            ],
        );
        let header = "unit,wave,vi1,vi2,vi3,vi4,ps1,ps2,ps3,ps4,to1,to2,to3,to4,si1,si2,si3,si4";
        let row = |unit: &str, wave: &str| format!("{unit},{wave},3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3");
        let unknown = k.write(
            "unknown.csv",
            &format!(
                "{header}\n{}\n{}\n",
                row("unit-01", "2025-09"),
                row("nowhere", "2025-09")
            ),
        );
        let out = run(
            &k,
            &db,
            &[
                "responses",
                "import",
                "--wave",
                "pilot:2025-09",
                arg(&unknown),
            ],
        );
        assert!(
            stderr_of(&out).contains("unknown unit code(s) nowhere"),
            "{}: {}",
            db.name,
            stderr_of(&out)
        );
        let other = k.write(
            "other.csv",
            &format!("{header}\n{}\n", row("unit-01", "2024-03")),
        );
        let out = run(
            &k,
            &db,
            &[
                "responses",
                "import",
                "--wave",
                "pilot:2025-09",
                arg(&other),
            ],
        );
        assert!(
            stderr_of(&out).contains("rows of wave `2024-03`"),
            "{}",
            stderr_of(&out)
        );
        let export = ok(&k, &db, &["responses", "export", "--wave", "pilot:2025-09"]);
        assert_eq!(export.lines().count(), 1, "{}: only the header", db.name);
    }
}

#[test]
fn waves_move_forward_only() {
    let k = Klimat::new();
    for db in backends(&k) {
        study(&k, &db);
        let out = run(&k, &db, &["wave", "close", "pilot:2024-03"]);
        assert!(
            stderr_of(&out).contains("is draft; it cannot become closed"),
            "{}",
            stderr_of(&out)
        );
        ok(&k, &db, &["wave", "open", "pilot:2024-03"]);
        ok(&k, &db, &["wave", "close", "pilot:2024-03"]);
        let out = run(&k, &db, &["wave", "open", "pilot:2024-03"]);
        assert!(stderr_of(&out).contains("is closed; it cannot become open"));
    }
}

#[test]
fn a_mistyped_database_url_is_refused_and_creates_no_file() {
    let k = Klimat::new();
    for url in [
        "postgress://klimat@localhost/klimat",
        "klimat.db",
        "sqlite://",
    ] {
        let out = k
            .cmd()
            .env("KLIMAT_DATABASE_URL", url)
            .arg("migrate")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{url}");
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains("database_url") || stderr.contains("database URL"),
            "{url}: {stderr}"
        );
    }
    assert_eq!(
        std::fs::read_dir(k.dir.path()).unwrap().count(),
        0,
        "no file was created"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn a_server_refuses_an_unmigrated_postgresql_database() {
    let Ok(admin) = std::env::var("KLIMAT_TEST_DATABASE_URL") else {
        return;
    };
    let db = TestDb::postgres(&admin);
    let e = klimat::store::Database::open(&db.url, klimat::store::Migrations::Require).unwrap_err();
    assert!(e.to_string().contains("run `klimat migrate` first"), "{e}");
    klimat::store::Database::open(&db.url, klimat::store::Migrations::Apply).unwrap();
    klimat::store::Database::open(&db.url, klimat::store::Migrations::Require).unwrap();
}

#[test]
fn roster_imports_are_all_or_nothing_and_freeze_when_the_wave_opens() {
    let k = Klimat::new();
    for db in backends(&k) {
        study(&k, &db);
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
                "2025-09-30",
            ],
        );
        let bad = k.write(
            "bad-roster.csv",
            "email,unit,language\nanna@region.se,unit-01,sv\nnot-an-address,unit-01,sv\nbo@region.se,nowhere,en\nANNA@region.se,unit-02,sv\ncid@region.se,unit-02,fi\n",
        );
        let out = run(
            &k,
            &db,
            &["roster", "import", "--wave", "pilot:2025-09", arg(&bad)],
        );
        assert_eq!(out.status.code(), Some(1));
        let stderr = stderr_of(&out);
        for expected in [
            "line 3: `not-an-address` is not an e-mail address",
            "line 4: unknown unit `nowhere`",
            "line 5: anna@region.se is listed twice (also line 2)",
            "line 6: language `fi` is not offered",
        ] {
            assert!(
                stderr.contains(expected),
                "{}: {expected} in {stderr}",
                db.name
            );
        }
        let good = k.write("roster.csv", "email,unit,language\nanna@region.se,unit-01,sv\nbo@region.se,unit-01,en\ncid@region.se,unit-02,sv\n");
        let out = ok(
            &k,
            &db,
            &["roster", "import", "--wave", "pilot:2025-09", arg(&good)],
        );
        assert!(
            out.contains("added 3 people") && out.contains("unit-01") && out.contains("2"),
            "{out}"
        );
        let again = run(
            &k,
            &db,
            &["roster", "import", "--wave", "pilot:2025-09", arg(&good)],
        );
        assert!(stderr_of(&again).contains("is on the wave's roster already"));

        let out = run(&k, &db, &["wave", "purge-contacts", "pilot:2025-09"]);
        assert!(stderr_of(&out).contains("purged only after it closes"));
        ok(&k, &db, &["wave", "open", "pilot:2025-09"]);
        let late = k.write(
            "late.csv",
            "email,unit,language\ndan@region.se,unit-03,sv\n",
        );
        let out = run(
            &k,
            &db,
            &["roster", "import", "--wave", "pilot:2025-09", arg(&late)],
        );
        assert!(
            stderr_of(&out).contains("frozen when it opened"),
            "{}",
            stderr_of(&out)
        );
        ok(&k, &db, &["wave", "close", "pilot:2025-09"]);
        assert!(
            ok(&k, &db, &["wave", "purge-contacts", "pilot:2025-09"])
                .contains("of 3 invitation(s)")
        );
        assert!(
            ok(&k, &db, &["wave", "purge-contacts", "pilot:2025-09"])
                .contains("of 0 invitation(s)")
        );
        let remaining = email_count(&db.url);
        assert_eq!(remaining, 0, "{}: no address is left", db.name);
    }
}

/// Invitations of any wave that still hold an e-mail address.
fn email_count(url: &str) -> i64 {
    use diesel::prelude::*;
    use klimat::store::schema::invitations;
    let db = klimat::store::Database::open(url, klimat::store::Migrations::Require).unwrap();
    let mut conn = db.get().unwrap();
    invitations::table
        .filter(invitations::email.is_not_null())
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

#[test]
fn two_processes_writing_one_sqlite_file_both_succeed() {
    let k = Klimat::new();
    let db = TestDb::sqlite(&k);
    study(&k, &db);
    let survey = repo().join("surveys/team-climate.toml");
    let mut children = Vec::new();
    for (i, wave) in ["2026-03", "2026-09"].iter().enumerate() {
        ok(
            &k,
            &db,
            &[
                "wave",
                "create",
                "--study",
                "pilot",
                "--name",
                wave,
                "--opens",
                &format!("{wave}-01"),
                "--closes",
                &format!("{wave}-28"),
            ],
        );
        let file = k.path(&format!("big-{i}.csv"));
        ok(
            &k,
            &db,
            &[
                "simulate",
                "--survey",
                arg(&survey),
                "--units",
                "8",
                "--waves",
                "1",
                "--respondents-per-unit",
                "3000",
                "--seed",
                &i.to_string(),
                "--out",
                arg(&file),
            ],
        );
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace(",2024-03,", &format!(",{wave},"));
        std::fs::write(&file, text).unwrap();
    }
    for (i, wave) in ["2026-03", "2026-09"].iter().enumerate() {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("klimat"));
        cmd.current_dir(k.dir.path())
            .env("KLIMAT_DATABASE_URL", &db.url)
            .args(["responses", "import", "--wave", &format!("pilot:{wave}")])
            .arg(k.path(&format!("big-{i}.csv")))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        children.push(cmd.spawn().unwrap());
    }
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert!(!stderr_of(&out).contains("locked"));
    }
    for wave in ["pilot:2026-03", "pilot:2026-09"] {
        let export = ok(&k, &db, &["responses", "export", "--wave", wave]);
        assert!(export.lines().count() > 8 * 2000, "{wave}");
    }
}

/// One batch of the group commit, as the writer stores it: each link is
/// claimed once (a second submit of it in the same batch, or a later one,
/// is already answered), a closed wave keeps nothing, a unit link always
/// stores, and every stored submission is one response.
#[test]
fn a_batch_of_submissions_claims_each_link_once() {
    use diesel::prelude::*;
    use klimat::store::respondents::{self, Submission, Submitted};
    use klimat::store::schema::{invitations, responses};
    use klimat::store::{Database, Migrations, studies};
    use klimat::token::{Purpose, Secret};
    let k = Klimat::new();
    let survey = repo().join("surveys/team-climate.toml");
    for db in backends(&k) {
        ok(&k, &db, &["migrate"]);
        ok(&k, &db, &["unit", "import", arg(&units_file(&k, 3))]);
        ok(&k, &db, &["survey", "publish", arg(&survey)]);
        ok(
            &k,
            &db,
            &[
                "study",
                "create",
                "--name",
                "pilot",
                "--survey",
                "team-climate",
                "--pilot",
                "unit-01",
                "--control",
                "unit-02,unit-03",
                "--intervention-date",
                "2026-06-01",
            ],
        );
        let roster = k.write(
            "roster.csv",
            "email,unit,language\nanna@region.se,unit-01,sv\nbo@region.se,unit-02,en\ndan@region.se,unit-02,sv\n",
        );
        let later = k.write(
            "later.csv",
            "email,unit,language\ncid@region.se,unit-03,sv\n",
        );
        for (wave, roster) in [("open", &roster), ("closed", &later)] {
            ok(
                &k,
                &db,
                &[
                    "wave",
                    "create",
                    "--study",
                    "pilot",
                    "--name",
                    wave,
                    "--opens",
                    "2026-01-01",
                    "--closes",
                    "2026-01-31",
                ],
            );
            let wave = format!("pilot:{wave}");
            ok(&k, &db, &["roster", "import", "--wave", &wave, arg(roster)]);
            ok(&k, &db, &["wave", "open", &wave]);
            ok(&k, &db, &["wave", "send", &wave]);
        }
        ok(&k, &db, &["wave", "close", "pilot:closed"]);

        let store = Database::open(&db.url, Migrations::Require).unwrap();
        let mut conn = store.get().unwrap();
        let secret = Secret::new(SECRET).unwrap();
        let people: Vec<(i64, i64, String)> = invitations::table
            .select((
                invitations::id,
                invitations::wave_id,
                invitations::email.assume_not_null(),
            ))
            .order(invitations::id)
            .load(&mut *conn)
            .unwrap();
        let submission = |target| Submission {
            target,
            answers: vec![3; 14],
            texts: Vec::new(),
            draft_key: None,
        };
        let mut by_person = std::collections::HashMap::new();
        for (id, wave, email) in &people {
            let token = secret.token(Purpose::Survey, *wave, *id);
            let target = respondents::by_token(&mut conn, &token).unwrap().unwrap();
            by_person.insert(email.as_str(), submission(target));
        }
        let open = studies::wave_named(&mut conn, "pilot", "open").unwrap();
        let (anna, bo, cid) = (
            &by_person["anna@region.se"],
            &by_person["bo@region.se"],
            &by_person["cid@region.se"],
        );

        let outcomes = respondents::submit_batch(&mut conn, &[anna, anna, bo, cid]).unwrap();
        assert_eq!(
            outcomes,
            [
                Submitted::Stored,
                Submitted::AlreadyAnswered,
                Submitted::Stored,
                Submitted::Closed,
            ],
            "{}",
            db.name
        );
        assert_eq!(
            respondents::submit_batch(&mut conn, &[bo]).unwrap(),
            [Submitted::AlreadyAnswered],
            "{}",
            db.name
        );
        let stored: Vec<(i64, String)> = responses::table
            .select((responses::wave_id, responses::source))
            .order(responses::source)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(
            stored,
            [
                (open.id, "invitation".to_owned()),
                (open.id, "invitation".to_owned()),
            ],
            "{}",
            db.name
        );
        let answered: Vec<String> = invitations::table
            .filter(invitations::answered)
            .select(invitations::email.assume_not_null())
            .order(invitations::email)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(answered, ["anna@region.se", "bo@region.se"], "{}", db.name);

        // The same through the group commit's thread, as the server stores
        // them: four submits of one link, one stored.
        let commits = respondents::GroupCommit::start(store.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..4 {
            let tx = tx.clone();
            commits.submit(
                by_person["dan@region.se"].clone(),
                Box::new(move |r| tx.send(r).unwrap()),
            );
        }
        let mut outcomes: Vec<Submitted> = (0..4).map(|_| rx.recv().unwrap().unwrap()).collect();
        outcomes.sort_by_key(|o| *o != Submitted::Stored);
        assert_eq!(
            outcomes,
            [
                Submitted::Stored,
                Submitted::AlreadyAnswered,
                Submitted::AlreadyAnswered,
                Submitted::AlreadyAnswered
            ],
            "{}",
            db.name
        );
        let count: i64 = responses::table.count().get_result(&mut *conn).unwrap();
        assert_eq!(count, 3, "{}", db.name);
    }
}

/// Migration 2026-11-28-000005 keeps responses in (wave, unit, id) order and
/// keys free texts the same way: every response and free text that existed
/// before it is there after it, and after reverting it, with the same
/// content; a free text of a response that does not exist is refused.
#[test]
fn clustering_the_responses_keeps_every_response_and_free_text() {
    use diesel::prelude::*;
    use diesel_migrations::{FileBasedMigrations, MigrationHarness};
    use klimat::store::DbConnection;

    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    fn lines(conn: &mut DbConnection, sql: &str) -> Vec<String> {
        diesel::sql_query(sql)
            .load::<Line>(conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|l| l.line)
            .collect()
    }
    // Migrations up to and including `last`, or back to it, from the files.
    macro_rules! to_version {
        ($conn:expr, $dir:literal, $last:literal) => {{
            let files = FileBasedMigrations::from_path(repo().join($dir)).unwrap();
            let conn = $conn;
            loop {
                let pending = conn.pending_migrations(files.clone()).unwrap();
                match pending.first() {
                    Some(m) if m.name().version().to_string().as_str() <= $last => {
                        conn.run_migration(&**m).unwrap();
                    }
                    _ => break,
                }
            }
            while conn
                .applied_migrations()
                .unwrap()
                .iter()
                .any(|v| v.to_string().as_str() > $last)
            {
                conn.revert_last_migration(files.clone()).unwrap();
            }
        }};
    }
    fn to_before_clustering(conn: &mut DbConnection) {
        match conn {
            DbConnection::Sqlite(c) => to_version!(c, "migrations/sqlite", "20261128000004"),
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => to_version!(c, "migrations/postgres", "20261128000004"),
        }
    }

    let k = Klimat::new();
    for db in backends(&k) {
        let mut conn = DbConnection::establish(&db.url).unwrap();
        let sqlite = matches!(conn, DbConnection::Sqlite(_));
        let blob = |h: &str| match sqlite {
            true => format!("X'{h}'"),
            false => format!("decode('{h}', 'hex')"),
        };
        let hex = match sqlite {
            true => "hex(answers)",
            false => "upper(encode(answers, 'hex'))",
        };
        to_before_clustering(&mut conn);
        for sql in [
            "INSERT INTO units (id, code, name) VALUES (1, 'a', 'A'), (2, 'b', 'B')".to_owned(),
            "INSERT INTO survey_versions (id, key, version, hash, definition, published_at) \
             VALUES (1, 's', 1, 'h', '{}', '2026-01-01 00:00:00')"
                .to_owned(),
            "INSERT INTO studies (id, name, survey_key, intervention_date, created_at) \
             VALUES (1, 'st', 's', '2026-06-01', '2026-01-01 00:00:00')"
                .to_owned(),
            "INSERT INTO waves (id, study_id, name, survey_version_id, min_group_size) \
             VALUES (1, 1, 'w1', 1, 3), (2, 1, 'w2', 1, 3)"
                .to_owned(),
            format!(
                "INSERT INTO responses (id, wave_id, unit_id, period, source, answers) VALUES \
                 ('f0', 2, 1, '2026-09', 'unit-link', {}), \
                 ('0a', 1, 2, '2026-03', 'invitation', {}), \
                 ('9c', 1, 1, '2026-03', 'import', {})",
                blob("0102FF"),
                blob("0300"),
                blob("04")
            ),
            "INSERT INTO response_texts (response_id, question, text) VALUES \
             ('0a', 'idea', 'fler möten'), ('0a', 'why', 'tid'), ('f0', 'idea', 'ingen')"
                .to_owned(),
        ] {
            diesel::sql_query(&sql)
                .execute(&mut conn)
                .unwrap_or_else(|e| panic!("{}: {sql}: {e}", db.name));
        }
        let responses = format!(
            "SELECT CAST(wave_id AS TEXT) || ' ' || CAST(unit_id AS TEXT) || ' ' || id || ' ' \
             || period || ' ' || source || ' ' || {hex} AS line FROM responses ORDER BY id"
        );
        let texts = "SELECT response_id || ' ' || question || ' ' || text AS line \
                     FROM response_texts ORDER BY response_id, question";
        let expected_responses = [
            "1 2 0a 2026-03 invitation 0300",
            "1 1 9c 2026-03 import 04",
            "2 1 f0 2026-09 unit-link 0102FF",
        ];
        let expected_texts = ["0a idea fler möten", "0a why tid", "f0 idea ingen"];
        let all_kept = |conn: &mut DbConnection, when: &str| {
            assert_eq!(
                lines(conn, &responses),
                expected_responses,
                "{}: {when}",
                db.name
            );
            assert_eq!(lines(conn, texts), expected_texts, "{}: {when}", db.name);
        };

        ok(&k, &db, &["migrate"]);
        all_kept(&mut conn, "after migrating");
        assert_eq!(
            lines(
                &mut conn,
                "SELECT CAST(wave_id AS TEXT) || ' ' || CAST(unit_id AS TEXT) AS line \
                 FROM response_texts ORDER BY response_id, question"
            ),
            ["1 2", "1 2", "2 1"],
            "{}: each text carries its response's wave and unit",
            db.name
        );
        if sqlite {
            diesel::sql_query("PRAGMA foreign_keys = ON")
                .execute(&mut conn)
                .unwrap();
        }
        let orphan = diesel::sql_query(
            "INSERT INTO response_texts (wave_id, unit_id, response_id, question, text) \
             VALUES (1, 1, '0a', 'idea', 'fel enhet')",
        )
        .execute(&mut conn);
        assert!(
            orphan.is_err(),
            "{}: a text must name its response's wave and unit",
            db.name
        );

        to_before_clustering(&mut conn);
        all_kept(&mut conn, "after reverting");
        ok(&k, &db, &["migrate"]);
        all_kept(&mut conn, "after migrating again");
    }
}

/// The reader thread (link lookups on SQLite) answers every read it is
/// given, also when many arrive at once and share a transaction; a read
/// queued after a commit sees it; a read that fails or panics loses only
/// its own result.
#[test]
fn the_reader_answers_every_read_and_survives_a_failing_one() {
    use diesel::prelude::*;
    use klimat::store::reader::Reader;
    use klimat::store::schema::units;
    use klimat::store::{Database, Migrations, StoreError};
    use std::sync::mpsc;
    let k = Klimat::new();
    let db = TestDb::sqlite(&k);
    ok(&k, &db, &["migrate"]);
    ok(&k, &db, &["unit", "import", arg(&units_file(&k, 3))]);
    let store = Database::open(&db.url, Migrations::Require).unwrap();
    let reader = Reader::start(store.clone());
    let count = |tx: mpsc::Sender<Result<i64, StoreError>>| -> klimat::store::reader::Read {
        Box::new(move |c| {
            let _ = tx.send(units::table.count().get_result(c).map_err(Into::into));
        })
    };

    // 500 reads queued at once: more than one burst, each answered once.
    let (tx, rx) = mpsc::channel();
    for i in 0..500 {
        let tx = tx.clone();
        reader.run(Box::new(move |c| {
            let n: Result<i64, StoreError> = units::table.count().get_result(c).map_err(Into::into);
            let _ = tx.send((i, n));
        }));
    }
    drop(tx);
    let mut answered: Vec<(i32, i64)> = rx.iter().map(|(i, n)| (i, n.unwrap())).collect();
    answered.sort();
    assert_eq!(answered, (0..500).map(|i| (i, 4)).collect::<Vec<_>>());

    // A unit committed elsewhere is seen by the next read.
    diesel::insert_into(units::table)
        .values((units::code.eq("unit-04"), units::name.eq("Enhet 4")))
        .execute(&mut *store.get().unwrap())
        .unwrap();
    let (tx, rx) = mpsc::channel();
    reader.run(count(tx));
    assert_eq!(rx.recv().unwrap().unwrap(), 5);

    // A failing read and a panicking one, then a read behind them.
    let (failed_tx, failed) = mpsc::channel();
    reader.run(Box::new(move |c| {
        let r = diesel::sql_query("SELECT * FROM no_such_table").execute(c);
        let _ = failed_tx.send(r.is_err());
    }));
    let (panicked_tx, panicked) = mpsc::channel::<()>();
    reader.run(Box::new(move |_| {
        let _keep = panicked_tx;
        panic!("a read that panics, on purpose");
    }));
    let (tx, rx) = mpsc::channel();
    reader.run(count(tx));
    assert!(failed.recv().unwrap(), "the failing read hears it failed");
    assert!(
        panicked.recv().is_err(),
        "the panicking read's caller hears nothing came"
    );
    assert_eq!(rx.recv().unwrap().unwrap(), 5, "the reader still serves");
}

/// A draft wave with a roster, codes, imported answers and a queued row of
/// nothing else is deleted whole on both backends (foreign keys in order),
/// its audit entry with it; an opened wave and its study are not.
#[test]
fn draft_waves_and_studies_are_deleted_whole_on_both_backends() {
    use klimat::app::{Actor, setup};
    use klimat::store::studies::{self, WaveState};
    let k = Klimat::new();
    for db in backends(&k) {
        study(&k, &db);
        let roster = k.write(
            "drop-roster.csv",
            "email,unit,language\nanna@region.se,unit-01,sv\n",
        );
        for w in ["drop", "keep"] {
            ok(
                &k,
                &db,
                &[
                    "wave",
                    "create",
                    "--study",
                    "pilot",
                    "--name",
                    w,
                    "--opens",
                    "2027-01-01",
                    "--closes",
                    "2027-01-31",
                ],
            );
        }
        ok(
            &k,
            &db,
            &["roster", "import", "--wave", "pilot:drop", arg(&roster)],
        );
        ok(
            &k,
            &db,
            &[
                "wave",
                "codes",
                "pilot:drop",
                "--unit",
                "unit-02",
                "--count",
                "3",
            ],
        );
        let base =
            klimat::store::Database::open(&db.url, klimat::store::Migrations::Require).unwrap();
        let mut conn = base.get().unwrap();
        let me = Actor::Cli("test".into());
        let drop = studies::wave_named(&mut conn, "pilot", "drop").unwrap();
        let keep = studies::wave_named(&mut conn, "pilot", "keep").unwrap();
        setup::delete_wave(&mut conn, &me, drop.id).unwrap_or_else(|e| panic!("{}: {e}", db.name));
        assert!(
            studies::wave_by_id(&mut conn, drop.id).is_err(),
            "{}: gone",
            db.name
        );
        setup::move_wave(&mut conn, &me, keep.id, WaveState::Open).unwrap();
        let refused = setup::delete_wave(&mut conn, &me, keep.id).unwrap_err();
        assert!(
            matches!(refused, klimat::app::Error::Conflict(_)),
            "{}: {refused}",
            db.name
        );
        let refused = setup::delete_study(&mut conn, &me, "pilot").unwrap_err();
        assert!(
            matches!(refused, klimat::app::Error::Conflict(_)),
            "{}: {refused}",
            db.name
        );
        let audit = ok(&k, &db, &["audit", "--limit", "20"]);
        assert!(audit.contains("wave.delete"), "{}: {audit}", db.name);
        assert_eq!(
            audit.matches("study.delete").count(),
            0,
            "{}: a refused change is not audited",
            db.name
        );
    }
}
