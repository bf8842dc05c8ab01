//! The staff pages and the JSON API over HTTP against `klimat serve` with its
//! own SQLite database: roles, CSRF, login limits, session expiry,
//! suppression in pages, API and exports, the audit log, and the API against
//! its own OpenAPI document.

use serde_json::Value;

use crate::helpers::*;
use crate::services::*;

const SECRET: &str = "staff-test-secret-0123456789abcdef01";
pub const PASSWORD: &str = "a long enough password";

/// Respondents per unit in both waves: a1 is below the minimum of 5; over
/// the units alone hiding a1 with b1 would do, but division A is shown too,
/// so A − a2 − a3 would give a1 away: a2 must be hidden as well.
const UNITS: [(&str, usize, &str); 5] = [
    ("a1", 3, "4"),
    ("a2", 10, "3"),
    ("a3", 12, "4"),
    ("b1", 6, "2"),
    ("b2", 9, "3"),
];

fn env(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![("KLIMAT_SECRET", SECRET.to_owned())];
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    env
}

/// An organisation region → A (a1, a2, a3), B (b1, b2); a study (pilot a3,
/// b1) with two closed waves of imported responses; an admin, an evaluator and a viewer; an open
/// third wave with a roster (for sends); API tokens for viewer and evaluator.
pub struct Setup {
    pub k: Klimat,
    pub server: Server,
    viewer_token: String,
    evaluator_token: String,
}

pub fn setup(extra: &[(&'static str, &str)]) -> Setup {
    let k = Klimat::new();
    let env = env(extra);
    k.write(
        "units.csv",
        "code,name,parent\nregion,Region,\nA,Division A,region\nB,Division B,region\na1,Unit a1,A\na2,Unit a2,A\na3,Unit a3,A\nb1,Unit b1,B\nb2,Unit b2,B\n",
    );
    klimat(&k, &env, &["unit", "import", "units.csv"]);
    klimat(
        &k,
        &env,
        &[
            "survey",
            "publish",
            arg(&repo().join("surveys/team-climate.toml")),
        ],
    );
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
            "a1,a2,b2",
            "--intervention-date",
            "2026-06-01",
        ],
    );
    let items = item_ids();
    for (wave, opens) in [("2026-03", "2026-03-01"), ("2026-09", "2026-09-01")] {
        klimat(
            &k,
            &env,
            &[
                "wave", "create", "--study", "pilot", "--name", wave, "--opens", opens, "--closes",
                opens,
            ],
        );
        let mut csv = format!("unit,wave,{}\n", items.join(","));
        for (unit, n, value) in UNITS {
            for _ in 0..n {
                csv += &format!("{unit},{wave},{}\n", vec![value; items.len()].join(","));
            }
        }
        k.write(&format!("{wave}.csv"), &csv);
        let reference = format!("pilot:{wave}");
        klimat(&k, &env, &["wave", "open", &reference]);
        klimat(
            &k,
            &env,
            &[
                "responses",
                "import",
                "--wave",
                &reference,
                &format!("{wave}.csv"),
            ],
        );
        // Figures of a wave are shown once it closes.
        klimat(&k, &env, &["wave", "close", &reference]);
    }
    k.write(
        "roster.csv",
        "email,unit,language\nx@region.se,a3,sv\ny@region.se,b2,en\n",
    );
    klimat(
        &k,
        &env,
        &[
            "wave",
            "create",
            "--study",
            "pilot",
            "--name",
            "2027-03",
            "--opens",
            "2027-03-01",
            "--closes",
            "2027-03-31",
        ],
    );
    klimat(
        &k,
        &env,
        &["roster", "import", "--wave", "pilot:2027-03", "roster.csv"],
    );
    klimat(&k, &env, &["wave", "open", "pilot:2027-03"]);
    for (email, role) in [
        ("admin@region.se", "admin"),
        ("eva@region.se", "evaluator"),
        ("lead@region.se", "viewer"),
    ] {
        add_user(&k, &env, email, role, None);
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
    let viewer_token = token("intranet", "viewer");
    let evaluator_token = token("stats", "evaluator");
    let server = Server::start(&k, &env);
    Setup {
        k,
        server,
        viewer_token,
        evaluator_token,
    }
}

/// The value of the first hidden field `name` in a page.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in\n{body}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Logs in through the form; the response of the POST.
fn try_login(s: &Server, email: &str, password: &str) -> Page {
    let page = get(&s.url("/staff/login"), None);
    assert_eq!(page.status, 200);
    let cookie = page.cookie("klimat_login").expect("a login cookie");
    post(
        &s.url("/staff/login"),
        &form(&[
            ("email", email),
            ("password", password),
            ("csrf", &hidden(&page.body, "csrf")),
            ("next", "/staff"),
        ]),
        Some(&cookie),
    )
}

/// Logs in; the session cookie.
/// A staff account with [`PASSWORD`], limited to `unit` if given.
pub fn add_user(k: &Klimat, env: &[(&str, String)], email: &str, role: &str, unit: Option<&str>) {
    let mut cmd = k.cmd();
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.args(["user", "add", email, "--role", role, "--password-stdin"]);
    if let Some(u) = unit {
        cmd.args(["--unit", u]);
    }
    let out = cmd.write_stdin(format!("{PASSWORD}\n")).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

pub fn login_as(s: &Server, email: &str, password: &str) -> String {
    let r = try_login(s, email, password);
    assert_eq!(r.status, 303, "{}", r.body);
    r.cookie("klimat_session").expect("a session cookie")
}

/// A session cookie and the session's CSRF token.
/// A session cookie and its CSRF token.
pub fn login_with_csrf(s: &Server, email: &str) -> (String, String) {
    login(s, email)
}

fn login(s: &Server, email: &str) -> (String, String) {
    let r = try_login(s, email, PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = r.cookie("klimat_session").expect("a session cookie");
    let home = get(&s.url("/staff"), Some(&cookie));
    assert_eq!(home.status, 200);
    (cookie.clone(), hidden(&home.body, "csrf"))
}

pub fn api(s: &Server, path: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    let mut req = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .get(s.url(path));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let r = req.call().unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value =
        serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap_or(Value::Null);
    (status, ct, body)
}

fn audit(s: &Setup) -> String {
    klimat(&s.k, &env(&[]), &["audit", "--limit", "500"])
}

#[test]
fn each_role_is_denied_what_it_may_not_do_through_pages_and_api() {
    let s = setup(&[]);
    let srv = &s.server;
    let anonymous = get(&srv.url("/staff/studies/pilot/dashboard"), None);
    assert_eq!(anonymous.status, 303);
    assert_eq!(
        anonymous.header("location"),
        Some("/staff/login?next=/staff/studies/pilot/dashboard")
    );

    let (viewer, viewer_csrf) = login(srv, "lead@region.se");
    let (evaluator, _) = login(srv, "eva@region.se");
    let (admin, _) = login(srv, "admin@region.se");
    let status = |path: &str, cookie: &str| get(&srv.url(path), Some(cookie)).status;
    for path in [
        "/staff",
        "/staff/studies/pilot",
        "/staff/studies/pilot/dashboard",
    ] {
        assert_eq!(status(path, &viewer), 200, "viewer {path}");
    }
    for path in [
        "/staff/waves/1",
        "/staff/studies/pilot/report",
        "/staff/studies/pilot/report.csv",
        "/staff/waves/1/responses.csv",
        "/staff/admin",
    ] {
        assert_eq!(status(path, &viewer), 403, "viewer {path}");
    }
    let close = post(
        &srv.url("/staff/waves/3/close"),
        &form(&[("csrf", &viewer_csrf)]),
        Some(&viewer),
    );
    assert_eq!(close.status, 403, "a viewer cannot close a wave");
    for path in [
        "/staff/waves/1",
        "/staff/studies/pilot/report",
        "/staff/waves/1/responses.csv",
    ] {
        assert_eq!(status(path, &evaluator), 200, "evaluator {path}");
    }
    assert_eq!(status("/staff/admin", &evaluator), 403);
    assert_eq!(status("/staff/admin", &admin), 200);
    // A closed wave's page carries its validity section; these answers (the
    // same value on every item) cannot be factored, and the page says why.
    let wave = get(&srv.url("/staff/waves/1?lang=en"), Some(&evaluator)).body;
    let section = wave
        .split("Do the dimensions measure what they claim?")
        .nth(1)
        .expect("the closed wave's page has a validity section");
    assert!(
        section.contains("class=\"warning\""),
        "the section says what could not be computed: {section}"
    );
    let page = get(&srv.url("/staff/studies/pilot"), Some(&viewer)).body;
    assert!(
        !page.contains("/staff/waves/1"),
        "a viewer gets no wave links"
    );

    // The API: no token, a viewer token, an evaluator token.
    let (code, ct, body) = api(srv, "/api/v1/studies/pilot/aggregates", None);
    assert_eq!(
        (code, ct.as_deref()),
        (401, Some("application/problem+json"))
    );
    assert_eq!(body["status"], 401);
    let (code, _, _) = api(
        srv,
        "/api/v1/studies/pilot/aggregates",
        Some(&"0".repeat(40)),
    );
    assert_eq!(code, 401, "an unknown token");
    assert_eq!(
        api(
            srv,
            "/api/v1/studies/pilot/aggregates",
            Some(&s.viewer_token)
        )
        .0,
        200
    );
    let lower = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .get(srv.url("/api/v1/studies/pilot/aggregates"))
        .header("authorization", format!("bearer {}", s.viewer_token))
        .call()
        .unwrap();
    assert_eq!(
        lower.status().as_u16(),
        200,
        "the scheme is case-insensitive"
    );
    for path in ["/api/v1/waves/1/status", "/api/v1/studies/pilot/report"] {
        let (code, ct, body) = api(srv, path, Some(&s.viewer_token));
        assert_eq!(
            (code, ct.as_deref()),
            (403, Some("application/problem+json")),
            "{path}"
        );
        assert!(body["detail"].as_str().unwrap().contains("viewer"));
        assert_eq!(api(srv, path, Some(&s.evaluator_token)).0, 200, "{path}");
    }
    klimat(&s.k, &env(&[]), &["token", "revoke", "stats"]);
    assert_eq!(
        api(srv, "/api/v1/waves/1/status", Some(&s.evaluator_token)).0,
        401,
        "revoked"
    );
}

#[test]
fn state_changing_forms_without_the_session_csrf_token_are_refused() {
    let s = setup(&[]);
    let srv = &s.server;
    let (evaluator, csrf) = login(srv, "eva@region.se");
    let other = login(srv, "eva@region.se").1;
    assert_ne!(csrf, other, "each session has its own token");
    for sent in [
        "",
        "0123456789abcdef0123456789abcdef01234567",
        other.as_str(),
    ] {
        let r = post(
            &srv.url("/staff/waves/3/send"),
            &form(&[("csrf", sent)]),
            Some(&evaluator),
        );
        assert_eq!(r.status, 403, "csrf {sent:?}");
    }
    let none = post(&srv.url("/staff/waves/3/close"), &[], Some(&evaluator));
    assert_eq!(none.status, 403);
    let queued = |k: &Klimat| {
        use diesel::prelude::*;
        klimat::store::schema::outbox::table
            .count()
            .get_result::<i64>(&mut *database(k).get().unwrap())
            .unwrap()
    };
    assert_eq!(queued(&s.k), 0, "nothing was queued");
    let sent = post(
        &srv.url("/staff/waves/3/send"),
        &form(&[("csrf", &csrf)]),
        Some(&evaluator),
    );
    assert_eq!(sent.status, 303);
    assert_eq!(
        sent.header("location"),
        Some("/staff/waves/3?done=send&n=2")
    );
    assert_eq!(queued(&s.k), 2, "queued, not sent in the request");
    let page = get(
        &srv.url("/staff/waves/3?done=send&n=2&lang=en"),
        Some(&evaluator),
    )
    .body;
    assert!(page.contains("2 invitations queued."));
    // Logging out needs the token too, and ends the session.
    assert_eq!(
        post(&srv.url("/staff/logout"), &[], Some(&evaluator)).status,
        403
    );
    let out = post(
        &srv.url("/staff/logout"),
        &form(&[("csrf", &csrf)]),
        Some(&evaluator),
    );
    assert_eq!(out.status, 303);
    assert_eq!(get(&srv.url("/staff"), Some(&evaluator)).status, 303);
    let log = audit(&s);
    assert!(
        log.contains("eva@region.se") && log.contains("wave.send") && log.contains("logout"),
        "{log}"
    );
    // Commands are audited too, under `cli:` and the system user.
    assert!(
        log.lines()
            .any(|l| l.contains("cli:") && l.contains("wave.open")),
        "{log}"
    );
}

#[test]
fn logins_are_rate_limited_per_client_and_accounts_lock_after_failures() {
    let s = setup(&[
        ("KLIMAT_LOGIN_MAX_FAILURES", "3"),
        ("KLIMAT_LOGIN_LOCK_SECS", "600"),
    ]);
    let srv = &s.server;
    for _ in 0..3 {
        let r = try_login(srv, "eva@region.se", "not the password at all");
        assert_eq!(r.status, 401);
        assert!(r.body.contains("Fel e-postadress eller lösenord"));
    }
    let locked = try_login(srv, "eva@region.se", PASSWORD);
    assert_eq!(
        locked.status, 401,
        "locked: the right password is refused too"
    );
    assert!(locked.cookie("klimat_session").is_none());
    let unknown = try_login(srv, "nobody@region.se", PASSWORD);
    assert_eq!(
        unknown.status, 401,
        "the same answer for an unknown account"
    );
    // A new password (by an admin) lifts the lock.
    let mut cmd = s.k.cmd();
    cmd.env("KLIMAT_SECRET", SECRET);
    let out = cmd
        .args(["user", "password", "eva@region.se", "--password-stdin"])
        .write_stdin("another long password\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        try_login(srv, "eva@region.se", "another long password").status,
        303
    );
    // Six attempts so far; the client's burst of ten runs out.
    let statuses: Vec<u16> = (0..6)
        .map(|_| try_login(srv, "lead@region.se", "wrong wrong wrong").status)
        .collect();
    assert_eq!(statuses, vec![401, 401, 401, 401, 429, 429]);
    let log = audit(&s);
    assert!(log.contains("wrong password; account locked"), "{log}");
    assert!(
        log.contains("login.refused") && log.contains("locked"),
        "{log}"
    );
}

#[test]
fn sessions_expire_after_the_idle_time() {
    let s = setup(&[("KLIMAT_SESSION_IDLE_SECS", "1")]);
    let (cookie, _) = login(&s.server, "lead@region.se");
    std::thread::sleep(std::time::Duration::from_millis(2_200));
    let r = get(&s.server.url("/staff"), Some(&cookie));
    assert_eq!(r.status, 303, "an expired session is a new login");
    assert!(r.header("location").unwrap().starts_with("/staff/login"));
}

#[test]
fn hidden_units_stay_hidden_in_pages_api_and_exports() {
    let s = setup(&[]);
    let srv = &s.server;
    let (viewer, _) = login(srv, "lead@region.se");
    let page = get(
        &srv.url("/staff/studies/pilot/dashboard?parent=A&unit=a3&lang=en"),
        Some(&viewer),
    );
    assert_eq!(page.status, 200);
    let rows: Vec<&str> = page
        .body
        .split("<tr>")
        .filter(|r| r.contains("<th scope=\"row\">Unit a"))
        .collect();
    let row = |name: &str| {
        *rows
            .iter()
            .find(|r| r.contains(&format!(">{name}</th>")))
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    // The trend table comes first: a1 and a2 hidden, a3 shown with its n.
    assert!(row("Unit a1").contains("<td>hidden</td>"));
    assert!(
        row("Unit a2").contains("<td>hidden</td>"),
        "the complementary hiding inside A"
    );
    assert!(row("Unit a3").contains("n=12"));
    assert!(!page.body.contains("n=3<") && !page.body.contains("n=10<"));
    assert!(page.body.contains("<svg") && page.body.contains("role=\"img\""));

    let (code, _, dash) = api(
        srv,
        "/api/v1/studies/pilot/aggregates?lang=en",
        Some(&s.viewer_token),
    );
    assert_eq!(code, 200);
    let index = |code: &str| {
        dash["units"]
            .as_array()
            .unwrap()
            .iter()
            .position(|u| u["code"] == code)
            .unwrap()
    };
    for w in 0..2 {
        let figures = &dash["figures"][w][0];
        for unit in ["a1", "a2"] {
            let f = &figures[index(unit)];
            assert_eq!(
                (
                    f["suppressed"].as_bool(),
                    f["n"].is_null(),
                    f["mean"].is_null()
                ),
                (Some(true), true, true),
                "{unit}"
            );
        }
        assert_eq!(figures[index("a3")]["n"], 12);
        assert_eq!(
            figures[index("b1")]["n"],
            6,
            "b1 stays: B has no hidden part"
        );
        assert_eq!(figures[index("A")]["n"], 25);
        assert_eq!(dash["organisation"][w][0]["n"], 40);
    }

    let (evaluator, _) = login(srv, "eva@region.se");
    let csv = get(&srv.url("/staff/waves/1/responses.csv"), Some(&evaluator));
    assert_eq!(csv.status, 200);
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    let count = |unit: &str| {
        csv.body
            .lines()
            .filter(|l| l.starts_with(&format!("{unit},")))
            .count()
    };
    assert_eq!(
        (count("a1"), count("a2"), count("a3"), count("b1")),
        (0, 0, 12, 6)
    );
    assert_eq!(
        count("(hidden units)"),
        13,
        "a1 and a2 pooled into a group above the minimum"
    );
    // A fresh random order each time, never the units' order.
    let again = get(&srv.url("/staff/waves/1/responses.csv"), Some(&evaluator));
    assert_ne!(csv.body, again.body);
    let units: Vec<&str> = csv
        .body
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut sorted = units.clone();
    sorted.sort();
    assert_ne!(units, sorted, "rows are not in unit order");
    let mut again_units: Vec<&str> = again
        .body
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    again_units.sort();
    assert_eq!(sorted, again_units, "the same rows both times");
    let log = audit(&s);
    assert!(
        log.contains("export.responses") && log.contains("lead@region.se"),
        "{log}"
    );
}

#[test]
fn the_pages_speak_swedish_and_english() {
    let s = setup(&[]);
    let (viewer, _) = login(&s.server, "lead@region.se");
    let sv = get(&s.server.url("/staff?lang=sv"), Some(&viewer));
    assert!(sv.body.contains("<html lang=\"sv\">") && sv.body.contains("Studier"));
    let en = get(&s.server.url("/staff?lang=en"), Some(&viewer));
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Studies"));
    let cookie = en.cookie("klimat_lang").unwrap();
    let remembered = get(
        &s.server.url("/staff"),
        Some(&format!("{viewer}; {cookie}")),
    );
    assert!(
        remembered.body.contains("<html lang=\"en\">"),
        "the choice is remembered"
    );
}

/// Every endpoint's answers, successes and problems, validate against the
/// schema the OpenAPI document gives for that status.
#[test]
fn the_api_answers_as_its_openapi_document_says() {
    let s = setup(&[]);
    let srv = &s.server;
    let (code, _, doc) = api(srv, "/api/v1/openapi.json", None);
    assert_eq!(code, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let calls: &[(&str, &str, Option<&str>, u16)] = &[
        (
            "/api/v1/units",
            "/api/v1/units?limit=3",
            Some(&s.viewer_token),
            200,
        ),
        (
            "/api/v1/units",
            "/api/v1/units?limit=0",
            Some(&s.viewer_token),
            400,
        ),
        ("/api/v1/units", "/api/v1/units", None, 401),
        (
            "/api/v1/surveys",
            "/api/v1/surveys",
            Some(&s.viewer_token),
            200,
        ),
        (
            "/api/v1/studies",
            "/api/v1/studies",
            Some(&s.viewer_token),
            200,
        ),
        (
            "/api/v1/studies/{name}/waves",
            "/api/v1/studies/pilot/waves",
            Some(&s.viewer_token),
            200,
        ),
        (
            "/api/v1/studies/{name}/waves",
            "/api/v1/studies/nope/waves",
            Some(&s.viewer_token),
            404,
        ),
        (
            "/api/v1/studies/{name}/aggregates",
            "/api/v1/studies/pilot/aggregates",
            Some(&s.viewer_token),
            200,
        ),
        (
            "/api/v1/waves/{id}/status",
            "/api/v1/waves/3/status",
            Some(&s.evaluator_token),
            200,
        ),
        (
            "/api/v1/waves/{id}/status",
            "/api/v1/waves/3/status",
            Some(&s.viewer_token),
            403,
        ),
        (
            "/api/v1/studies/{name}/report",
            "/api/v1/studies/pilot/report",
            Some(&s.evaluator_token),
            200,
        ),
    ];
    for (template, path, token, expected) in calls {
        let (code, _, body) = api(srv, path, *token);
        assert_eq!(code, *expected, "{path}");
        let content = &doc["paths"][template]["get"]["responses"][code.to_string()]["content"];
        let media = content
            .as_object()
            .unwrap_or_else(|| panic!("{template} documents no {code}"))
            .values()
            .next()
            .unwrap();
        let mut schema = media["schema"].clone();
        schema
            .as_object_mut()
            .unwrap()
            .insert("components".into(), doc["components"].clone());
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path} ({code}): {errors:?}");
    }
    // The schemas do constrain: a page of units without its items is refused.
    let mut unit_page = doc["paths"]["/api/v1/units"]["get"]["responses"]["200"]["content"]["application/json"]["schema"].clone();
    unit_page
        .as_object_mut()
        .unwrap()
        .insert("components".into(), doc["components"].clone());
    let validator = jsonschema::validator_for(&unit_page).unwrap();
    assert!(!validator.is_valid(&serde_json::json!({"next": null})));
    assert!(!validator.is_valid(&serde_json::json!({"items": [{"code": 1}], "next": null})));
    // Pagination walks every unit exactly once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/units?limit=3".to_owned();
    loop {
        let (_, _, page) = api(srv, &path, Some(&s.viewer_token));
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["code"].as_str().unwrap().to_owned()),
        );
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/units?limit=3&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ["A", "B", "a1", "a2", "a3", "b1", "b2", "region"]);
}

/// The admin page: accounts (add, disable), units (all or nothing); none of
/// it for an evaluator.
#[test]
fn admins_manage_accounts_and_units_and_evaluators_cannot() {
    let s = setup(&[]);
    let srv = &s.server;
    let (admin, csrf) = login(srv, "admin@region.se");
    let (evaluator, eva_csrf) = login(srv, "eva@region.se");
    let new_user = form(&[
        ("csrf", &eva_csrf),
        ("email", "new@region.se"),
        ("role", "admin"),
        ("password", PASSWORD),
    ]);
    assert_eq!(
        post(&srv.url("/staff/admin/users"), &new_user, Some(&evaluator)).status,
        403
    );
    let added = post(
        &srv.url("/staff/admin/users"),
        &form(&[
            ("csrf", &csrf),
            ("email", "New@Region.se"),
            ("role", "viewer"),
            ("password", PASSWORD),
        ]),
        Some(&admin),
    );
    assert_eq!(added.status, 303);
    login(srv, "new@region.se");
    let short = post(
        &srv.url("/staff/admin/users"),
        &form(&[
            ("csrf", &csrf),
            ("email", "other@region.se"),
            ("role", "viewer"),
            ("password", "short"),
        ]),
        Some(&admin),
    );
    assert_eq!(short.status, 422, "input the admin can correct");
    assert!(short.body.contains("minst 12 tecken"), "{}", short.body);
    // A unit manager from the page: limited to division B, shown so in the list.
    let page = get(&srv.url("/staff/admin"), Some(&admin));
    assert!(
        page.body
            .contains("<option value=\"B\">Division B (B)</option>"),
        "{}",
        page.body
    );
    let scoped = post(
        &srv.url("/staff/admin/users"),
        &form(&[
            ("csrf", &csrf),
            ("email", "chef.b@region.se"),
            ("role", "viewer"),
            ("unit", "B"),
            ("password", PASSWORD),
        ]),
        Some(&admin),
    );
    assert_eq!(scoped.status, 303, "{}", scoped.body);
    let page = get(&srv.url("/staff/admin"), Some(&admin));
    assert!(page.body.contains("inom Division B (B)"), "{}", page.body);
    let (chef, _) = login(srv, "chef.b@region.se");
    let dash = get(&srv.url("/staff/studies/pilot/dashboard"), Some(&chef));
    assert!(dash.body.contains("Unit b1") && !dash.body.contains("Unit a1"));
    let evaluator_scoped = post(
        &srv.url("/staff/admin/users"),
        &form(&[
            ("csrf", &csrf),
            ("email", "eva.b@region.se"),
            ("role", "evaluator"),
            ("unit", "B"),
            ("password", PASSWORD),
        ]),
        Some(&admin),
    );
    assert_eq!(evaluator_scoped.status, 422, "{}", evaluator_scoped.body);
    assert!(
        evaluator_scoped.body.contains("bara en läsare"),
        "{}",
        evaluator_scoped.body
    );
    let disabled = post(
        &srv.url("/staff/admin/users/new%40region.se/disable"),
        &form(&[("csrf", &csrf)]),
        Some(&admin),
    );
    assert_eq!(disabled.status, 303);
    assert_eq!(
        try_login(srv, "new@region.se", PASSWORD).status,
        401,
        "a disabled account cannot log in"
    );

    let units = |csv: &str, cookie: &str, token: &str| {
        post(
            &srv.url("/staff/admin/units"),
            &form(&[("csrf", token), ("csv", csv)]),
            Some(cookie),
        )
    };
    assert_eq!(
        units("code,name,parent\nc1,Unit c1,B\n", &evaluator, &eva_csrf).status,
        403
    );
    let bad = units(
        "code,name,parent\nc1,Unit c1,B\nc2,Unit c2,nowhere\n",
        &admin,
        &csrf,
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("nowhere"), "{}", bad.body);
    assert!(bad.body.contains("inget importerades"), "{}", bad.body);
    let codes = || -> Vec<String> {
        let (_, _, page) = api(srv, "/api/v1/units?limit=500", Some(&s.viewer_token));
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!codes().contains(&"c1".to_owned()), "all or nothing");
    assert_eq!(
        units("code,name,parent\nc1,Unit c1,B\n", &admin, &csrf).status,
        303
    );
    assert!(codes().contains(&"c1".to_owned()));
    let log = audit(&s);
    for action in ["user.add", "user.disable", "units.import"] {
        assert!(log.contains(action), "{action} in {log}");
    }
}

/// Behind a trusted proxy the login limit counts the client named in
/// `X-Forwarded-For`; from anyone else that header is ignored.
#[test]
fn the_login_limit_counts_forwarded_clients_only_behind_trusted_proxies() {
    let attempts = |s: &Server, forwarded: &dyn Fn(usize) -> String| -> Vec<u16> {
        (0..12)
            .map(|i| {
                let page = get(&s.url("/staff/login"), None);
                let cookie = page.cookie("klimat_login").unwrap();
                let body = [
                    ("email", "lead@region.se"),
                    ("password", "wrong wrong wrong"),
                    ("csrf", hidden(&page.body, "csrf").as_str()),
                ]
                .map(|(k, v)| (k.to_owned(), v.to_owned()));
                let pairs: Vec<(&str, &str)> =
                    body.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .max_redirects(0)
                    .build()
                    .new_agent()
                    .post(s.url("/staff/login"))
                    .header("cookie", &cookie)
                    .header("x-forwarded-for", forwarded(i))
                    .send_form(pairs)
                    .unwrap()
                    .status()
                    .as_u16()
            })
            .collect()
    };
    let behind = setup(&[
        ("KLIMAT_TRUSTED_PROXIES", "127.0.0.1"),
        ("KLIMAT_LOGIN_MAX_FAILURES", "100"),
    ]);
    let spread = attempts(&behind.server, &|i| format!("203.0.113.{i}"));
    assert!(
        spread.iter().all(|&s| s == 401),
        "twelve clients, one attempt each: {spread:?}"
    );
    let one = attempts(&behind.server, &|_| "198.51.100.7, 203.0.113.99".to_owned());
    assert_eq!(
        one[10..],
        [429, 429],
        "one client behind the proxy: {one:?}"
    );
    let direct = setup(&[("KLIMAT_LOGIN_MAX_FAILURES", "100")]);
    let forged = attempts(&direct.server, &|i| format!("203.0.113.{i}"));
    assert_eq!(
        forged[10..],
        [429, 429],
        "a forged header changes nothing: {forged:?}"
    );
}

#[test]
fn evaluators_record_adoption_dates_in_the_page_and_the_report_becomes_a_roll_out_report() {
    let s = setup(&[]);
    let srv = &s.server;
    let (cookie, csrf) = login(srv, "eva@region.se");
    // One intervention date: the dashboard draws pilot against control, the pilot's start marked.
    let dash = get(&srv.url("/staff/studies/pilot/dashboard"), Some(&cookie));
    assert!(
        dash.body.contains("id=\"groups-chart-title\""),
        "{}",
        dash.body
    );
    assert!(
        ["Pilotenheter", "Pilot units"]
            .iter()
            .any(|w| dash.body.contains(w))
            && !dash.body.contains("cohort-"),
        "{}",
        dash.body
    );
    let page = get(&srv.url("/staff/studies/pilot/adoption"), Some(&cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    for unit in ["a1", "a2", "a3", "b1", "b2"] {
        assert!(
            page.body.contains(&format!("name=\"date.{unit}\"")),
            "{unit}: {}",
            page.body
        );
    }
    // A bad date: the form again with the reason, nothing stored.
    let bad = post(
        &srv.url("/staff/studies/pilot/adoption"),
        &form(&[
            ("csrf", &csrf),
            ("date.a3", "2026-05-01"),
            ("date.b1", "2026-13-01"),
        ]),
        Some(&cookie),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("2026-13-01"), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"2026-05-01\""),
        "what was entered is kept: {}",
        bad.body
    );
    let page = get(&srv.url("/staff/studies/pilot/adoption"), Some(&cookie));
    assert!(
        !page.body.contains("value=\"2026-05-01\""),
        "nothing stored: {}",
        page.body
    );
    // Without the session's CSRF token: refused.
    let forged = post(
        &srv.url("/staff/studies/pilot/adoption"),
        &form(&[("date.a3", "2026-05-01")]),
        Some(&cookie),
    );
    assert_eq!(forged.status, 403);

    let saved = post(
        &srv.url("/staff/studies/pilot/adoption"),
        &form(&[
            ("csrf", &csrf),
            ("date.a3", "2026-05-01"),
            ("date.b1", ""),
            ("never.b1", "yes"),
            ("date.a1", ""),
        ]),
        Some(&cookie),
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let location = saved.header("location").unwrap().to_owned();
    let page = get(&srv.url(&location), Some(&cookie));
    assert!(page.body.contains("value=\"2026-05-01\""), "{}", page.body);
    assert!(
        page.body.contains("role=\"status\"><p>2 "),
        "two changes saved (a3's date, b1 never): {}",
        page.body
    );
    assert!(
        page.body
            .contains("name=\"never.b1\" value=\"yes\" checked"),
        "{}",
        page.body
    );
    assert!(audit(&s).contains("study.adopt"));
    // Now a roll-out: the dashboard's lines are the cohorts, each with its adoption.
    let dash = get(&srv.url("/staff/studies/pilot/dashboard"), Some(&cookie));
    assert!(
        ["Började inför 2026-09", "Adopted by 2026-09"]
            .iter()
            .any(|w| dash.body.contains(w))
            && ["Utan insatsen", "Never adopted"]
                .iter()
                .any(|w| dash.body.contains(w)),
        "{}",
        dash.body
    );

    // The study's report is now the roll-out report, on the page and through the API.
    let report = get(&srv.url("/staff/studies/pilot/report"), Some(&cookie));
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(
        report.body.contains("Utrullningsrapport") || report.body.contains("Roll-out report"),
        "{}",
        report.body
    );
    let (status, _, body) = api(
        srv,
        "/api/v1/studies/pilot/report",
        Some(&s.evaluator_token),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["design"]["cohorts"][0]["first_wave"], "2026-09",
        "{body}"
    );
    assert_eq!(
        body["design"]["cohorts"][0]["units"],
        serde_json::json!(["a3"]),
        "{body}"
    );
    // a3's date reaches back before wave 2026-09, which had closed when it was recorded.
    let changes = body["adoption_changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["unit"] == "a3" && c["after_close"] == true),
        "{body}"
    );
    assert!(
        [
            "ADOPTION CHANGED AFTER THE FACT",
            "STARTDATUM ÄNDRADE I EFTERHAND"
        ]
        .iter()
        .any(|w| body["warnings"].to_string().contains(w)),
        "{}",
        body["warnings"]
    );
    assert!(report.body.contains("Ändrade startdatum") || report.body.contains("Adoption changes"));

    // Viewers may not see or change adoption dates.
    let (viewer, _) = login(srv, "lead@region.se");
    assert_eq!(
        get(&srv.url("/staff/studies/pilot/adoption"), Some(&viewer)).status,
        403
    );
}

#[test]
fn evaluators_draw_a_roll_out_schedule_see_its_power_and_record_it_once() {
    let s = setup(&[]);
    let srv = &s.server;
    let (cookie, csrf) = login(srv, "eva@region.se");
    let page = get(&srv.url("/staff/studies/pilot/roll-out"), Some(&cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"seed\""), "{}", page.body);
    assert!(!page.body.contains("name=\"hash\""), "nothing drawn yet");
    let study = get(&srv.url("/staff/studies/pilot"), Some(&cookie));
    assert!(study.body.contains("/staff/studies/pilot/roll-out"));

    // Mistyped numbers: each named, nothing drawn.
    let bad = get(
        &srv.url("/staff/studies/pilot/roll-out?steps=2&units_per_step=2&seed=abc&respondents_per_unit=x&icc=0.1&effect=0.5&alpha=0.05"),
        Some(&cookie),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("`abc`") && bad.body.contains("`x`"),
        "{}",
        bad.body
    );
    assert!(!bad.body.contains("name=\"hash\""));
    // More units than the study has: the reason, in words.
    let big = get(
        &srv.url("/staff/studies/pilot/roll-out?steps=3&units_per_step=2&seed=9"),
        Some(&cookie),
    );
    assert_eq!(big.status, 422, "{}", big.body);
    assert!(
        big.body
            .contains("3 steg med 2 enheter behöver 6 enheter; det finns 5")
            || big
                .body
                .contains("3 steps of 2 units need 6 units; there are 5"),
        "{}",
        big.body
    );

    // A draw with its power, recorded nowhere.
    let url = "/staff/studies/pilot/roll-out?steps=2&units_per_step=2&seed=9&respondents_per_unit=12&icc=0.1&effect=0.8&alpha=0.05";
    let drawn = get(&srv.url(url), Some(&cookie));
    assert_eq!(drawn.status, 200, "{}", drawn.body);
    let hash_at = drawn
        .body
        .find("name=\"hash\" value=\"")
        .expect("a draw to record");
    let hash = &drawn.body[hash_at + 19..hash_at + 19 + 64];
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
    // Hussey & Hughes and the simulation, for both designs.
    let power_table = &drawn.body[drawn.body.find("id=\"power-h\"").expect("power")..];
    assert_eq!(
        power_table.matches("<tr><th scope=\"row\">").count(),
        2,
        "{power_table}"
    );
    assert!(power_table.matches(" %</td>").count() >= 6, "{power_table}");
    let again = get(&srv.url(url), Some(&cookie));
    assert!(
        again.body.contains(hash),
        "the same seed draws the same order"
    );
    assert!(
        !audit(&s).contains("study.schedule"),
        "nothing recorded by looking"
    );

    // Recording: without the CSRF token refused; with it, once.
    let fields = |token: &str| {
        form(&[
            ("csrf", token),
            ("steps", "2"),
            ("units_per_step", "2"),
            ("seed", "9"),
            ("hash", hash),
        ])
    };
    let forged = post(
        &srv.url("/staff/studies/pilot/roll-out"),
        &fields(""),
        Some(&cookie),
    );
    assert_eq!(forged.status, 403);
    let saved = post(
        &srv.url("/staff/studies/pilot/roll-out"),
        &fields(&csrf),
        Some(&cookie),
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let location = saved.header("location").unwrap().to_owned();
    let page = get(&srv.url(&location), Some(&cookie));
    assert!(page.body.contains(hash), "{}", page.body);
    assert!(
        !page.body.contains("name=\"hash\""),
        "no second recording offered"
    );
    assert!(page.body.contains("role=\"status\""), "{}", page.body);
    assert!(audit(&s).contains("study.schedule"));
    let twice = post(
        &srv.url("/staff/studies/pilot/roll-out"),
        &fields(&csrf),
        Some(&cookie),
    );
    assert_eq!(twice.status, 409, "{}", twice.body);
    // The CLI verifies what the page recorded.
    let verified = klimat(
        &s.k,
        &env(&[]),
        &["design", "roll-out", "--study", "pilot", "--verify"],
    );
    assert!(
        verified.contains("verified") && verified.contains(hash),
        "{verified}"
    );
    // A hash that is not the draw's (the units changed in between): refused.
    let s2 = setup(&[]);
    let (cookie2, csrf2) = login(&s2.server, "eva@region.se");
    let stale = post(
        &s2.server.url("/staff/studies/pilot/roll-out"),
        &form(&[
            ("csrf", &csrf2),
            ("steps", "2"),
            ("units_per_step", "2"),
            ("seed", "9"),
            ("hash", &"0".repeat(64)),
        ]),
        Some(&cookie2),
    );
    assert_eq!(stale.status, 409, "{}", stale.body);

    // Viewers may not open it.
    let (viewer, _) = login(srv, "lead@region.se");
    let denied = get(&srv.url("/staff/studies/pilot/roll-out"), Some(&viewer));
    assert_eq!(denied.status, 403);
}

#[test]
fn an_empty_dashboard_says_what_will_appear_and_when() {
    let s = setup(&[]);
    let env = env(&[]);
    klimat(
        &s.k,
        &env,
        &[
            "study",
            "create",
            "--name",
            "later",
            "--survey",
            "team-climate",
            "--pilot",
            "a3",
            "--control",
            "b2",
            "--intervention-date",
            "2027-06-01",
        ],
    );
    let (viewer, _) = login(&s.server, "lead@region.se");
    let page = get(
        &s.server.url("/staff/studies/later/dashboard?lang=en"),
        Some(&viewer),
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("No waves yet. The figures appear here when the first wave has closed."),
        "{}",
        page.body
    );
    klimat(
        &s.k,
        &env,
        &[
            "wave",
            "create",
            "--study",
            "later",
            "--name",
            "2027-05",
            "--opens",
            "2027-05-01",
            "--closes",
            "2027-05-31",
        ],
    );
    klimat(
        &s.k,
        &env,
        &["roster", "import", "--wave", "later:2027-05", "roster.csv"],
    );
    klimat(&s.k, &env, &["wave", "open", "later:2027-05"]);
    let page = get(
        &s.server.url("/staff/studies/later/dashboard"),
        Some(&viewer),
    );
    assert!(
        page.body.contains(
            "Inga figurer ännu: mätomgången 2027-05 är öppen till och med 2027-05-31. När den stänger visas här varje grupp med minst 5 svarande."
        ),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<svg"), "no empty axes: {}", page.body);
}

/// One seed per study: the staff page's file and the command line give the
/// same numbers, and the seed is the one the study was created with.
#[test]
fn the_web_and_the_command_line_report_the_same_numbers_with_the_studys_seed() {
    let s = setup(&[]);
    let (cookie, _) = login(&s.server, "eva@region.se");
    let web = get(
        &s.server.url("/staff/studies/pilot/report.json?lang=en"),
        Some(&cookie),
    );
    assert_eq!(web.status, 200, "{}", web.body);
    let cli = klimat(
        &s.k,
        &env(&[]),
        &["report", "effect", "--study", "pilot", "--format", "json"],
    );
    let (web, cli): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&web.body).unwrap(),
        serde_json::from_str(&cli).unwrap(),
    );
    assert_eq!(web["dimensions"], cli["dimensions"]);
    assert_eq!(web["design"]["seed"], cli["design"]["seed"]);
    let listed = klimat(&s.k, &env(&[]), &["audit", "--limit", "500"]);
    assert!(listed.contains("study.create"), "{listed}");
    // The seed was drawn when the study was created, not the old fixed 1.
    assert_ne!(web["design"]["seed"], 1, "{}", web["design"]);
}

/// A unit manager: a viewer limited to division A sees A and its units and
/// the organisation's line, nothing of B, no arm lines (they span B); an API
/// token limited to B sees B alone. Only viewers can be limited.
#[test]
fn a_viewer_limited_to_a_unit_sees_only_its_subtree_and_the_organisation() {
    let s = setup(&[]);
    let env = env(&[]);
    let add = |email: &str, role: &str, unit: &str| {
        let mut cmd = s.k.cmd();
        for (key, value) in &env {
            cmd.env(key, value);
        }
        cmd.args([
            "user",
            "add",
            email,
            "--role",
            role,
            "--password-stdin",
            "--unit",
            unit,
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap()
    };
    let out = add("chef.a@region.se", "viewer", "A");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("limited to A"),
        "{}",
        stdout_of(&out)
    );
    let refused = add("eva2@region.se", "evaluator", "A");
    assert!(!refused.status.success());
    assert!(
        stderr_of(&refused).contains("only a viewer"),
        "{}",
        stderr_of(&refused)
    );
    let unknown = add("chef.x@region.se", "viewer", "X");
    assert!(!unknown.status.success());
    assert!(
        stderr_of(&unknown).contains("no unit `X`"),
        "{}",
        stderr_of(&unknown)
    );
    assert!(
        !klimat(&s.k, &env, &["user", "list"]).contains("chef.x@"),
        "nothing is half-written"
    );

    let (cookie, _) = login(&s.server, "chef.a@region.se");
    let page = get(
        &s.server.url("/staff/studies/pilot/dashboard?lang=en"),
        Some(&cookie),
    );
    assert_eq!(page.status, 200, "{}", page.body);
    for seen in ["Division A", "Unit a1", "Unit a2", "Organisation"] {
        assert!(page.body.contains(seen), "{seen}: {}", page.body);
    }
    for unseen in ["Division B", "Unit b1", "Unit b2", "groups-chart"] {
        assert!(!page.body.contains(unseen), "{unseen}: {}", page.body);
    }
    // The whole-organisation viewer still sees everything.
    let (lead, _) = login(&s.server, "lead@region.se");
    let full = get(
        &s.server.url("/staff/studies/pilot/dashboard?lang=en"),
        Some(&lead),
    );
    assert!(full.body.contains("Division B") && full.body.contains("groups-chart"));

    let token = klimat(
        &s.k,
        &env,
        &[
            "token", "create", "--name", "chef-b", "--role", "viewer", "--unit", "B",
        ],
    )
    .trim()
    .to_owned();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut r = agent
        .get(&s.server.url("/api/v1/studies/pilot/aggregates"))
        .header("authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let codes: Vec<&str> = body["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["B", "b1", "b2"], "{}", body["units"]);
    assert_eq!(body["units"][0]["parent"], serde_json::Value::Null);
    assert_eq!(body["units"][1]["parent"], 0);
    assert_eq!(body["figures"][0][0].as_array().unwrap().len(), 3);
    assert!(
        !body["organisation"][0][0]["mean"].is_null(),
        "{}",
        body["organisation"]
    );
    assert_eq!(body["groups"], serde_json::json!([]));
    assert!(audit(&s).contains("chef-b as viewer within B"));
}

/// The dashboard's headline cards carry the effect report's own figures:
/// estimate, interval, permutation p and its Holm adjustment.
#[test]
fn the_headlines_are_the_effect_reports_figures_and_viewers_see_them() {
    let s = setup(&[]);
    let (status, _, report) = api(
        &s.server,
        "/api/v1/studies/pilot/report",
        Some(&s.evaluator_token),
    );
    assert_eq!(status, 200, "{report}");
    let (status, _, headlines) = api(
        &s.server,
        "/api/v1/studies/pilot/headlines",
        Some(&s.viewer_token),
    );
    assert_eq!(status, 200, "{headlines}");
    assert_eq!(headlines["rollout"], false);
    let cards = headlines["cards"].as_array().unwrap();
    let dims = report["dimensions"].as_array().unwrap();
    assert_eq!(cards.len(), dims.len());
    for (card, dim) in cards.iter().zip(dims) {
        assert_eq!(card["dimension"], dim["id"]);
        let did = &dim["did"];
        assert_eq!(card["estimate"], did["estimate"], "{card}");
        assert_eq!(card["ci95"], did["ci95_cr2"], "{card}");
        assert_eq!(card["p"], did["p_permutation"], "{card}");
        assert_eq!(card["p_adjusted"], did["p_holm"], "{card}");
        let adjusted = did["p_holm"].as_f64().unwrap();
        let p = did["p_permutation"].as_f64().unwrap();
        let expected = match (adjusted < 0.05, p < 0.05) {
            (true, _) => ["clear-improvement", "clear-decline"],
            (false, true) => ["possible-improvement", "possible-decline"],
            _ => ["no-clear-difference", "no-clear-difference"],
        };
        assert!(
            expected.contains(&card["verdict"].as_str().unwrap()),
            "{card}"
        );
    }
    // The viewer's dashboard shows them; a unit-limited viewer's does not.
    let (lead, _) = login(&s.server, "lead@region.se");
    let page = get(
        &s.server.url("/staff/studies/pilot/dashboard?lang=en"),
        Some(&lead),
    );
    assert!(
        page.body
            .contains("Did the pilot units improve compared with the others?"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("<li class=\"card ").count(), cards.len());
    let scoped = klimat(
        &s.k,
        &env(&[]),
        &[
            "token", "create", "--name", "chef-a", "--role", "viewer", "--unit", "A",
        ],
    );
    let (status, _, _) = api(
        &s.server,
        "/api/v1/studies/pilot/headlines",
        Some(scoped.trim()),
    );
    assert_eq!(status, 403);
    // Kept until the study changes: a new unit changes the digest.
    let db = database(&s.k);
    let mut conn = db.get().unwrap();
    let study = klimat::store::studies::by_name(&mut conn, "pilot").unwrap();
    let before = klimat::store::headlines::digest(&mut conn, study.id).unwrap();
    assert!(
        klimat::store::headlines::stored(&mut conn, study.id, &before)
            .unwrap()
            .is_some()
    );
    s.k.write("more.csv", "code,name,parent\nb3,Unit b3,B\n");
    klimat(&s.k, &env(&[]), &["unit", "import", "more.csv"]);
    let after = klimat::store::headlines::digest(&mut conn, study.id).unwrap();
    assert_ne!(before, after);
    assert!(
        klimat::store::headlines::stored(&mut conn, study.id, &after)
            .unwrap()
            .is_none()
    );
    // The dashboard does not wait for the report: it says the effect is
    // being computed, computes it in the background, and shows it after.
    let page = get(
        &s.server.url("/staff/studies/pilot/dashboard?lang=en"),
        Some(&lead),
    );
    assert!(
        page.body.contains("the effect is being computed"),
        "{}",
        page.body
    );
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let page = get(
            &s.server.url("/staff/studies/pilot/dashboard?lang=en"),
            Some(&lead),
        );
        if page.body.matches("<li class=\"card ").count() == cards.len() {
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "the cards did not come back"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(
        klimat::store::headlines::stored(&mut conn, study.id, &after)
            .unwrap()
            .is_some()
    );
}

/// Reorganisations from the admin page's forms, from a units file with the
/// change columns (page and API), and as JSON through the API: each checked
/// whole, refused with every reason and nothing changed, listed in the
/// page's history and `GET /api/v1/units/changes`, audited; for admins only.
#[test]
fn admins_record_reorganisations_in_the_page_the_units_file_and_the_api() {
    use crate::setup::{Answer, call, conforms};
    let s = setup(&[]);
    let srv = &s.server;
    let doc: Value =
        serde_json::from_str(&get(&srv.url("/api/v1/openapi.json"), None).body).unwrap();
    let admin_token = klimat(
        &s.k,
        &env(&[]),
        &["token", "create", "--name", "hr", "--role", "admin"],
    )
    .trim()
    .to_owned();
    let (admin, csrf) = login(srv, "admin@region.se");
    let (evaluator, eva_csrf) = login(srv, "eva@region.se");
    let change = |cookie: &str, token: &str, fields: &[(&str, &str)]| {
        let mut pairs = vec![("csrf", token)];
        pairs.extend_from_slice(fields);
        post(
            &srv.url("/staff/admin/units/changes"),
            &form(&pairs),
            Some(cookie),
        )
    };
    let codes = || -> Vec<String> {
        let (_, _, page) = api(srv, "/api/v1/units?limit=500", Some(&s.viewer_token));
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["code"].as_str().unwrap().to_owned())
            .collect()
    };

    // The page: its forms, and the history (empty at first).
    let page = get(&srv.url("/staff/admin"), Some(&admin));
    assert!(page.body.contains("Inga omorganisationer registrerade."));
    for kind in ["rename", "move", "merge", "split"] {
        assert!(
            page.body
                .contains(&format!("name=\"kind\" value=\"{kind}\"")),
            "a {kind} form"
        );
    }
    let rename = [
        ("kind", "rename"),
        ("code", "a1"),
        ("to", "a1x"),
        ("name", "Unit a1 X"),
        ("on", "2027-01-01"),
    ];
    assert_eq!(change(&evaluator, &eva_csrf, &rename).status, 403);
    let done = change(&admin, &csrf, &rename);
    assert_eq!(done.status, 303, "{}", done.body);
    let page = get(&srv.url(done.header("location").unwrap()), Some(&admin));
    assert!(
        page.body
            .contains("Registrerat: a1 bytte namn till a1x den 2027-01-01."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<td>namnbyte</td>"),
        "the history lists it"
    );

    // Refused whole, every reason given: the merged units have different
    // parents, and b2 has invitations in a wave opening after the date.
    let refused = change(
        &admin,
        &csrf,
        &[
            ("kind", "merge"),
            ("codes", "a2, b2"),
            ("to", "ab"),
            ("name", "Unit AB"),
            ("on", "2027-02-01"),
        ],
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("olika överordnade"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("mätomgången `2027-03`"),
        "{}",
        refused.body
    );
    assert!(!codes().contains(&"ab".to_owned()), "nothing changed");
    let bad_part = change(
        &admin,
        &csrf,
        &[
            ("kind", "split"),
            ("code", "a2"),
            ("parts", "a2b=Unit a2 B\na2c"),
            ("on", "2027-06-01"),
        ],
    );
    assert_eq!(bad_part.status, 422);
    assert!(
        bad_part.body.contains("är inte KOD=NAMN"),
        "{}",
        bad_part.body
    );

    // A units file: a new unit, a split whose second part moves to B.
    let file = "code,name,parent,change,on,from\n\
                c1,Unit c1,B,,,\n\
                a2b,Unit a2 B,,split,2027-06-01,a2\n\
                a2c,Unit a2 C,B,split,2027-06-01,a2\n";
    let bad_file = post(
        &srv.url("/staff/admin/units"),
        &form(&[
            ("csrf", &csrf),
            ("csv", &format!("{file}d1,Unit d1,,swap,2027-06-01,a1x\n")),
        ]),
        Some(&admin),
    );
    assert_eq!(bad_file.status, 422);
    assert!(
        bad_file.body.contains("rad 5: `swap` är ingen ändring"),
        "{}",
        bad_file.body
    );
    let in_use = post(
        &srv.url("/staff/admin/units"),
        &form(&[
            ("csrf", &csrf),
            (
                "csv",
                &format!("{file}b2x,Unit b2 X,,merge,2027-02-01,b2;b1\n"),
            ),
        ]),
        Some(&admin),
    );
    assert_eq!(in_use.status, 422, "{}", in_use.body);
    assert!(
        in_use.body.contains("rad 5: "),
        "the change's line: {}",
        in_use.body
    );
    assert!(
        !codes().contains(&"c1".to_owned()),
        "a refused change keeps the file's plain rows out too"
    );
    let imported = post(
        &srv.url("/staff/admin/units"),
        &form(&[("csrf", &csrf), ("csv", file)]),
        Some(&admin),
    );
    assert_eq!(imported.status, 303, "{}", imported.body);
    let page = get(&srv.url(imported.header("location").unwrap()), Some(&admin));
    assert!(
        page.body
            .contains("1 enheter tillagda eller omdöpta. 2 omorganisationer registrerade."),
        "{}",
        page.body
    );

    // The API: the history, one change as JSON, a units file.
    let history = call(
        srv,
        "GET",
        "/api/v1/units/changes",
        &s.viewer_token,
        None,
        &[],
    );
    assert_eq!(history.status, 200);
    conforms(&doc, "/api/v1/units/changes", "get", &history);
    let kinds: Vec<(&str, &str)> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["effective_on"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("rename", "2027-01-01"),
            ("split", "2027-06-01"),
            ("move", "2027-06-01")
        ]
    );
    let split = &history.body[1];
    assert_eq!(split["before"][0]["code"], "a2");
    assert_eq!(split["after"][1]["code"], "a2c");
    assert_eq!(history.body[2]["after"][0]["parent"], "B");

    let json = |token: &str, body: &str| -> Answer {
        call(
            srv,
            "POST",
            "/api/v1/units/changes",
            token,
            Some(("application/json", body)),
            &[],
        )
    };
    let move_b1 = r#"{"kind":"move","code":"b1","parent":"A","on":"2027-07-01"}"#;
    assert_eq!(json(&s.evaluator_token, move_b1).status, 403);
    let moved = json(&admin_token, move_b1);
    assert_eq!(moved.status, 201, "{}", moved.body);
    conforms(&doc, "/api/v1/units/changes", "post", &moved);
    assert_eq!(moved.body["after"][0]["parent"], "A");
    let lonely = json(
        &admin_token,
        r#"{"kind":"merge","codes":["b1"],"into":"q","name":"Q","on":"2027-08-01"}"#,
    );
    assert_eq!(lonely.status, 422, "{}", lonely.body);
    conforms(&doc, "/api/v1/units/changes", "post", &lonely);
    assert!(
        lonely.body.to_string().contains("at least two"),
        "{}",
        lonely.body
    );

    let csv = |token: &str, body: &str| -> Answer {
        call(
            srv,
            "POST",
            "/api/v1/units",
            token,
            Some(("text/csv", body)),
            &[],
        )
    };
    let units_file =
        "code,name,parent,change,on,from\nc2,Unit c2,B,,,\nc1,Unit c-1,,rename,2027-09-01,c1\n";
    assert_eq!(csv(&s.evaluator_token, units_file).status, 403);
    let done = csv(&admin_token, units_file);
    assert_eq!(done.status, 200, "{}", done.body);
    conforms(&doc, "/api/v1/units", "post", &done);
    assert_eq!(done.body["added"], 1);
    assert_eq!(done.body["changes"][0]["after"][0]["name"], "Unit c-1");

    let log = audit(&s);
    for action in ["unit.rename", "unit.split", "unit.move", "units.import"] {
        assert!(log.contains(action), "{action} in {log}");
    }
}
