//! The evaluator's whole job from an empty database through the API (the
//! same use cases as the staff pages), every answer checked against the
//! OpenAPI document; and the site's own pages: a home, a favicon, styled
//! pages in the reader's language for addresses that lead nowhere, no 500
//! and no bare text for anything a user can cause.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::services::*;

const SECRET: &str = "setup-test-secret-0123456789abcdef0123";

pub fn env() -> Vec<(&'static str, String)> {
    vec![("KLIMAT_SECRET", SECRET.to_owned())]
}

/// An empty database with an organisation's units, an admin account
/// (password [`crate::staff::PASSWORD`]) and API tokens; klimat serving it.
pub struct Empty {
    pub k: Klimat,
    pub server: Server,
    pub evaluator: String,
    pub viewer: String,
}

pub fn empty() -> Empty {
    let k = Klimat::new();
    let env = env();
    k.write(
        "units.csv",
        "code,name,parent\nregion,Region,\nA,Division A,region\nB,Division B,region\na1,Unit a1,A\na2,Unit a2,A\nb1,Unit b1,B\nb2,Unit b2,B\n",
    );
    klimat(&k, &env, &["unit", "import", "units.csv"]);
    let mut cmd = k.cmd();
    for (key, value) in &env {
        cmd.env(key, value);
    }
    let out = cmd
        .args([
            "user",
            "add",
            "admin@region.se",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .write_stdin(format!("{}\n", crate::staff::PASSWORD))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let token = |name: &str, role: &str| {
        klimat(
            &k,
            &env,
            &["token", "create", "--name", name, "--role", role],
        )
        .trim()
        .to_owned()
    };
    let evaluator = token("hr-system", "evaluator");
    let viewer = token("intranet", "viewer");
    let server = Server::start(&k, &env);
    Empty {
        k,
        server,
        evaluator,
        viewer,
    }
}

pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

pub fn call(
    s: &Server,
    method: &str,
    path: &str,
    token: &str,
    body: Option<(&str, &str)>,
    headers: &[(&str, &str)],
) -> Answer {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url = s.url(path);
    let auth = format!("Bearer {token}");
    let r = match (method, body) {
        ("GET", _) => agent.get(&url).header("authorization", &auth).call(),
        (m, b) => {
            let mut req = match m {
                "POST" => agent.post(&url),
                "PUT" => agent.put(&url),
                other => panic!("{other}"),
            }
            .header("authorization", &auth);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            match b {
                Some((ct, text)) => req.header("content-type", ct).send(text),
                None => req.send_empty(),
            }
        }
    }
    .unwrap();
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.into_body().read_to_string().unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: JSON, got {text}"));
    Answer {
        status,
        content_type,
        body,
    }
}

/// Checks an answer against the OpenAPI document's schema for it.
pub fn conforms(doc: &Value, template: &str, method: &str, a: &Answer) {
    let responses = &doc["paths"][template][method]["responses"];
    let content = responses[a.status.to_string()]["content"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {template} documents no {}: {}", a.status, a.body));
    let media = a.content_type.split(';').next().unwrap();
    let mut schema = content
        .get(media)
        .unwrap_or_else(|| panic!("{method} {template} {}: no {media}", a.status))["schema"]
        .clone();
    schema
        .as_object_mut()
        .unwrap()
        .insert("components".into(), doc["components"].clone());
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&a.body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} ({}): {errors:?}",
        a.status
    );
}

#[test]
fn an_integration_sets_up_and_runs_a_study_through_the_api() {
    let e = empty();
    let s = &e.server;
    let doc = get(&s.url("/api/v1/openapi.json"), None);
    let doc: Value = serde_json::from_str(&doc.body).unwrap();
    let t = &e.evaluator;
    let check = |template: &str,
                 method: &str,
                 path: &str,
                 body: Option<(&str, &str)>,
                 headers: &[(&str, &str)],
                 expect: u16| {
        let a = call(s, &method.to_uppercase(), path, t, body, headers);
        assert_eq!(a.status, expect, "{method} {path}: {}", a.body);
        conforms(&doc, template, method, &a);
        a.body
    };

    // A broken survey: 422 with every problem at its line and column.
    let broken =
        std::fs::read_to_string(test_data("surveys/broken/duplicate-item-id.toml")).unwrap();
    let p = check(
        "/api/v1/surveys",
        "post",
        "/api/v1/surveys",
        Some(("application/toml", &broken)),
        &[],
        422,
    );
    let problems = p["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    for line in broken.lines().filter_map(|l| l.strip_prefix("# expect ")) {
        let at = line.split(':').take(2).collect::<Vec<_>>().join(":");
        assert!(
            problems
                .iter()
                .any(|q| q.as_str().unwrap().contains(&format!(":{at}:"))),
            "{at} in {problems:?}"
        );
    }
    let survey = std::fs::read_to_string(repo().join("surveys/team-climate.toml")).unwrap();
    let first = check(
        "/api/v1/surveys",
        "post",
        "/api/v1/surveys",
        Some(("application/toml", &survey)),
        &[],
        201,
    );
    assert_eq!(first["key"], "team-climate");
    assert_eq!(first["created"], true);
    let again = check(
        "/api/v1/surveys",
        "post",
        "/api/v1/surveys",
        Some(("application/toml", &survey)),
        &[],
        200,
    );
    assert_eq!(
        (again["created"].clone(), again["hash"].clone()),
        (json!(false), first["hash"].clone())
    );
    let wrong_type = call(
        s,
        "POST",
        "/api/v1/surveys",
        t,
        Some(("application/json", "{}")),
        &[],
    );
    assert_eq!(wrong_type.status, 415);

    // A study: bad input refused with its reason, nothing stored.
    let bad = json!({"name": "pilot", "survey": "team-climate", "pilot": ["a1", "nowhere"], "control": ["b1"], "intervention_date": "2026-06-01"});
    let p = check(
        "/api/v1/studies",
        "post",
        "/api/v1/studies",
        Some(("application/json", &bad.to_string())),
        &[],
        422,
    );
    assert!(p["detail"].as_str().unwrap().contains("nowhere"), "{p}");
    let not_json = call(
        s,
        "POST",
        "/api/v1/studies",
        t,
        Some(("application/json", "{\"name\": 1}")),
        &[],
    );
    assert_eq!(not_json.status, 422, "{}", not_json.body);
    assert_eq!(not_json.content_type, "application/problem+json");
    let good = json!({"name": "pilot", "survey": "team-climate", "pilot": ["a1", "b1"], "control": ["a2", "b2"], "intervention_date": "2026-06-01"});
    let study = check(
        "/api/v1/studies",
        "post",
        "/api/v1/studies",
        Some(("application/json", &good.to_string())),
        &[],
        201,
    );
    assert_eq!(study["pilot"], json!(["a1", "b1"]));
    let viewer = call(
        s,
        "POST",
        "/api/v1/studies",
        &e.viewer,
        Some(("application/json", &good.to_string())),
        &[],
    );
    assert_eq!(viewer.status, 403);

    // Adoption dates (a roll-out): a unit outside the study refused, nothing stored; then
    // recorded, recorded again unchanged (no change), and removed again.
    let template = "/api/v1/studies/{name}/adoptions";
    let path = "/api/v1/studies/pilot/adoptions";
    let outside = json!({"adoptions": [{"unit": "a1", "adopted_on": "2026-07-01"}, {"unit": "zz", "adopted_on": "2026-07-01"}]});
    let p = check(
        template,
        "put",
        path,
        Some(("application/json", &outside.to_string())),
        &[],
        422,
    );
    assert!(p["detail"].as_str().unwrap().contains("`zz`"), "{p}");
    let bad_date = json!({"adoptions": [{"unit": "a1", "adopted_on": "2026-02-30"}]});
    check(
        template,
        "put",
        path,
        Some(("application/json", &bad_date.to_string())),
        &[],
        422,
    );
    let dates = json!({"adoptions": [{"unit": "a1", "adopted_on": "2026-07-01"}, {"unit": "a2", "adopted_on": "2027-01-15"}]});
    let made = check(
        template,
        "put",
        path,
        Some(("application/json", &dates.to_string())),
        &[],
        200,
    );
    assert_eq!(made["changes"].as_array().unwrap().len(), 2, "{made}");
    let again = check(
        template,
        "put",
        path,
        Some(("application/json", &dates.to_string())),
        &[],
        200,
    );
    assert_eq!(again["changes"], json!([]));
    let viewer = call(
        s,
        "PUT",
        path,
        &e.viewer,
        Some(("application/json", &dates.to_string())),
        &[],
    );
    assert_eq!(viewer.status, 403);
    let removed = json!({"adoptions": [{"unit": "a1", "adopted_on": null}, {"unit": "a2", "adopted_on": null}]});
    let made = check(
        template,
        "put",
        path,
        Some(("application/json", &removed.to_string())),
        &[],
        200,
    );
    assert_eq!(made["changes"][0]["previous"], "2026-07-01", "{made}");

    // Waves: dates required, opening before closing.
    let template = "/api/v1/studies/{name}/waves";
    let backwards = json!({"name": "2026-03", "opens": "2026-03-20", "closes": "2026-03-01"});
    let p = check(
        template,
        "post",
        "/api/v1/studies/pilot/waves",
        Some(("application/json", &backwards.to_string())),
        &[],
        422,
    );
    assert!(p["detail"].as_str().unwrap().contains("closes"), "{p}");
    let tiny = json!({"name": "2026-03", "opens": "2026-03-01", "closes": "2026-03-20", "min_group_size": 2});
    check(
        template,
        "post",
        "/api/v1/studies/pilot/waves",
        Some(("application/json", &tiny.to_string())),
        &[],
        422,
    );
    let pre = json!({"name": "2026-03", "opens": "2026-03-01", "closes": "2026-03-20"});
    let pre = check(
        template,
        "post",
        "/api/v1/studies/pilot/waves",
        Some(("application/json", &pre.to_string())),
        &[],
        201,
    );
    let post_wave = json!({"name": "2026-09", "opens": "2026-09-01", "closes": "2026-09-20"});
    check(
        template,
        "post",
        "/api/v1/studies/pilot/waves",
        Some(("application/json", &post_wave.to_string())),
        &[],
        201,
    );
    let id = pre["id"].as_i64().unwrap();
    assert_eq!(pre["state"], "draft");
    check(
        template,
        "post",
        "/api/v1/studies/nope/waves",
        Some(("application/json", &post_wave.to_string())),
        &[],
        404,
    );

    // The report before the post wave has any answer: 409, said why.
    let r = check(
        "/api/v1/studies/{name}/report",
        "get",
        "/api/v1/studies/pilot/report",
        None,
        &[],
        409,
    );
    assert!(r["detail"].as_str().unwrap().contains("2026-09"), "{r}");

    // A roster with one bad line: 422 naming it, nothing stored.
    let roster_path = format!("/api/v1/waves/{id}/roster");
    let bad_roster =
        "email,unit,language\nanna@region.se,a1,sv\nnot-an-address,a2,sv\nbo@region.se,b1,en\n";
    let p = check(
        "/api/v1/waves/{id}/roster",
        "put",
        &roster_path,
        Some(("text/csv", bad_roster)),
        &[],
        422,
    );
    let problems: Vec<&str> = p["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("line 3:"), "{problems:?}");
    let status = check(
        "/api/v1/waves/{id}/status",
        "get",
        &format!("/api/v1/waves/{id}/status"),
        None,
        &[],
        200,
    );
    assert_eq!(status["total"]["invited"], 0, "nothing stored: {status}");
    let good_roster =
        "email,unit,language\nanna@region.se,a1,sv\ncarl@region.se,a2,sv\nbo@region.se,b1,en\n";
    let counts = check(
        "/api/v1/waves/{id}/roster",
        "put",
        &roster_path,
        Some(("text/csv", good_roster)),
        &[],
        200,
    );
    assert_eq!(counts["added"], 3);
    assert_eq!(
        counts["units"],
        json!([{"unit": "a1", "invited": 1}, {"unit": "a2", "invited": 1}, {"unit": "b1", "invited": 1}])
    );
    // Replacing keeps nobody twice.
    let counts = check(
        "/api/v1/waves/{id}/roster",
        "put",
        &roster_path,
        Some(("text/csv", good_roster)),
        &[],
        200,
    );
    assert_eq!(counts["added"], 3);
    assert_eq!(counts["units"].as_array().unwrap().len(), 3);

    // Sending needs an open wave; then once per Idempotency-Key.
    let send = format!("/api/v1/waves/{id}/send");
    check("/api/v1/waves/{id}/send", "post", &send, None, &[], 409);
    let open = check(
        "/api/v1/waves/{id}/open",
        "post",
        &format!("/api/v1/waves/{id}/open"),
        None,
        &[],
        200,
    );
    assert_eq!(open["state"], "open");
    check(
        "/api/v1/waves/{id}/open",
        "post",
        &format!("/api/v1/waves/{id}/open"),
        None,
        &[],
        409,
    );
    check(
        "/api/v1/waves/{id}/roster",
        "put",
        &roster_path,
        Some(("text/csv", good_roster)),
        &[],
        409,
    );
    let key = [("idempotency-key", "hr-2026-03-send")];
    let sent = check("/api/v1/waves/{id}/send", "post", &send, None, &key, 200);
    assert_eq!(sent, json!({"queued": 3}));
    let retried = check("/api/v1/waves/{id}/send", "post", &send, None, &key, 200);
    assert_eq!(retried, json!({"queued": 3}), "the first answer again");
    let fresh = check(
        "/api/v1/waves/{id}/send",
        "post",
        &send,
        None,
        &[("idempotency-key", "another")],
        200,
    );
    assert_eq!(fresh, json!({"queued": 0}), "everyone is invited already");
    let remind = format!("/api/v1/waves/{id}/remind");
    check(
        "/api/v1/waves/{id}/remind",
        "post",
        &remind,
        Some(("application/json", "{\"min_days\": 0}")),
        &key,
        422,
    );
    let reminded = check(
        "/api/v1/waves/{id}/remind",
        "post",
        &remind,
        Some(("application/json", "{\"min_days\": 0}")),
        &[],
        200,
    );
    assert_eq!(reminded, json!({"queued": 0}), "nobody was reached yet");
    check(
        "/api/v1/waves/{id}/remind",
        "post",
        &remind,
        Some(("application/json", "{\"max_reminders\": 9}")),
        &[],
        422,
    );
    let closed = check(
        "/api/v1/waves/{id}/close",
        "post",
        &format!("/api/v1/waves/{id}/close"),
        None,
        &[],
        200,
    );
    assert_eq!(closed["state"], "closed");
    check(
        "/api/v1/waves/{id}/close",
        "post",
        &format!("/api/v1/waves/{id}/close"),
        None,
        &[],
        409,
    );
    check(
        "/api/v1/waves/{id}/open",
        "post",
        "/api/v1/waves/999/open",
        None,
        &[],
        404,
    );

    // Every change is in the audit log under the token's name.
    let audit = klimat(&e.k, &env(), &["audit", "--limit", "100"]);
    for action in [
        "survey.publish",
        "study.create",
        "wave.create",
        "roster.replace",
        "wave.open",
        "wave.send",
        "wave.close",
    ] {
        assert!(
            audit
                .lines()
                .any(|l| l.contains(action) && l.contains("token:hr-system")),
            "{action} in\n{audit}"
        );
    }
    // The queued invitations went out once: three rows in the outbox.
    let db = database(&e.k);
    let mut conn = db.get().unwrap();
    let wave = klimat::store::studies::wave_by_id(&mut conn, id).unwrap();
    let queue = klimat::store::outbox::queue_counts(&mut conn, &wave).unwrap();
    let total: i64 = queue.iter().map(|(_, n)| *n).sum();
    assert_eq!(total, 3, "{queue:?}");
}

/// What a browser gets at addresses that are not a page's, in each language.
#[test]
fn the_site_answers_every_address_with_a_styled_page_in_the_readers_language() {
    let e = empty();
    let s = &e.server;
    let home = get(&s.url("/"), None);
    assert_eq!(home.status, 200);
    // minijinja escapes `/` in attributes.
    assert!(
        home.body.contains("href=\"&#x2f;staff&#x2f;login\""),
        "{}",
        home.body
    );
    assert!(home.body.contains("lang=\"sv\""));
    let en = get(&s.url("/?lang=en"), None);
    assert!(en.body.contains("Staff login"), "{}", en.body);
    let icon = get(&s.url("/favicon.ico"), None);
    assert_eq!(
        (icon.status, icon.header("content-type")),
        (200, Some("image/svg+xml"))
    );
    for (path, status) in [
        ("/nowhere", 404),
        ("/staff/nowhere", 404),
        ("/static/nothing.css", 404),
    ] {
        let p = get(&s.url(path), None);
        assert_eq!(p.status, status, "{path}");
        assert!(
            p.header("content-type").unwrap().starts_with("text/html"),
            "{path}"
        );
        assert!(p.body.contains("Sidan finns inte"), "{path}: {}", p.body);
        assert!(p.body.contains("/static/klimat.css"), "{path}: styled");
    }
    let p = get(&s.url("/nowhere?lang=en"), None);
    assert!(p.body.contains("Page not found"), "{}", p.body);
    let api = get(&s.url("/api/v1/nowhere"), None);
    assert_eq!(
        (api.status, api.header("content-type")),
        (404, Some("application/problem+json"))
    );

    let (cookie, _) = crate::staff::login_with_csrf(s, "admin@region.se");
    for path in [
        "/staff/waves/abc",
        "/staff/waves/99999",
        "/staff/studies/nope",
        "/staff/studies/nope/report",
    ] {
        let p = get(&s.url(path), Some(&cookie));
        assert_eq!(p.status, 404, "{path}: {}", p.body);
        assert!(
            p.body.contains("<nav"),
            "{path}: a staff page with its menu"
        );
        assert!(!p.body.contains("parse"), "{path}: {}", p.body);
    }
    let p = get(&s.url("/staff/waves/99999?lang=en"), Some(&cookie));
    assert!(p.body.contains("wave `99999` not found"), "{}", p.body);
    let p = get(&s.url("/staff/waves/99999?lang=sv"), Some(&cookie));
    assert!(
        p.body.contains("mätomgången `99999` finns inte"),
        "{}",
        p.body
    );
    // A form that is not what the page sent: a 400 page, not actix's text.
    let p = post(&s.url("/staff/admin/waves/abc/purge"), &[], Some(&cookie));
    assert_eq!(p.status, 404);
    let p = post(
        &s.url("/staff/studies"),
        &[("name".into(), "x".into())],
        Some(&cookie),
    );
    assert_eq!(p.status, 403, "no CSRF token: refused as a page");
    assert!(p.body.contains("Formuläret togs inte emot"), "{}", p.body);
    // An empty study list says what to do next.
    let home = get(&s.url("/staff"), Some(&cookie));
    assert!(
        home.body.contains("skapa den första studien"),
        "{}",
        home.body
    );
}

/// Drafts can be changed and deleted (after a confirmation) until a wave
/// opens; bad input shows the form again with its reason and changes
/// nothing.
#[test]
fn drafts_are_edited_and_deleted_in_the_pages_until_a_wave_opens() {
    let e = empty();
    let s = &e.server;
    let t = &e.evaluator;
    let survey = std::fs::read_to_string(repo().join("surveys/team-climate.toml")).unwrap();
    assert_eq!(
        call(
            s,
            "POST",
            "/api/v1/surveys",
            t,
            Some(("application/toml", &survey)),
            &[]
        )
        .status,
        201
    );
    for name in ["keep", "drop"] {
        let body = json!({"name": name, "survey": "team-climate", "pilot": ["a1"], "control": ["b1"], "intervention_date": "2026-06-01"});
        assert_eq!(
            call(
                s,
                "POST",
                "/api/v1/studies",
                t,
                Some(("application/json", &body.to_string())),
                &[]
            )
            .status,
            201
        );
    }
    let w = json!({"name": "2026-03", "opens": "2026-03-01", "closes": "2026-03-20"});
    let wave = call(
        s,
        "POST",
        "/api/v1/studies/keep/waves",
        t,
        Some(("application/json", &w.to_string())),
        &[],
    )
    .body;
    let id = wave["id"].as_i64().unwrap();
    let (cookie, csrf) = crate::staff::login_with_csrf(s, "admin@region.se");
    let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };

    // The wave: a minimum group size below the floor is refused, the form kept.
    let edit = format!("/staff/waves/{id}/edit");
    let bad = post(
        &s.url(&edit),
        &form(&[
            ("csrf", &csrf),
            ("name", "2026-03b"),
            ("opens", "2026-03-02"),
            ("closes", "2026-03-21"),
            ("min_group_size", "2"),
        ]),
        Some(&cookie),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("under golvet 3"), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"2026-03b\""),
        "what was typed stays"
    );
    let unchanged = call(s, "GET", "/api/v1/studies/keep/waves", t, None, &[]).body;
    assert_eq!(unchanged[0]["name"], "2026-03", "nothing changed");
    let good = post(
        &s.url(&edit),
        &form(&[
            ("csrf", &csrf),
            ("name", "2026-03b"),
            ("opens", "2026-03-02"),
            ("closes", "2026-03-21"),
            ("min_group_size", "6"),
        ]),
        Some(&cookie),
    );
    assert_eq!(good.status, 303, "{}", good.body);
    let changed = call(s, "GET", "/api/v1/studies/keep/waves", t, None, &[]).body;
    assert_eq!(
        (
            changed[0]["name"].clone(),
            changed[0]["min_group_size"].clone()
        ),
        (json!("2026-03b"), json!(6))
    );

    // The study: edited while drafts only.
    let edit_study = post(
        &s.url("/staff/studies/keep/edit"),
        &form(&[
            ("csrf", &csrf),
            ("survey", "team-climate"),
            ("intervention_date", "2026-07-01"),
            ("arm.A", "pilot"),
            ("arm.b2", "control"),
        ]),
        Some(&cookie),
    );
    assert_eq!(edit_study.status, 303, "{}", edit_study.body);
    let study = get(&s.url("/staff/studies/keep"), Some(&cookie));
    assert!(
        study.body.contains("2026-07-01") && study.body.contains("Unit a2"),
        "{}",
        study.body
    );

    // Deleting asks first.
    let confirm = get(&s.url("/staff/studies/drop/delete"), Some(&cookie));
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains("Det går inte att ångra"),
        "{}",
        confirm.body
    );
    let unconfirmed = post(
        &s.url("/staff/studies/drop/delete"),
        &form(&[("csrf", &csrf)]),
        Some(&cookie),
    );
    assert_eq!(
        (unconfirmed.status, unconfirmed.header("location")),
        (303, Some("/staff/studies/drop/delete"))
    );
    assert_eq!(
        get(&s.url("/staff/studies/drop"), Some(&cookie)).status,
        200,
        "still there"
    );
    let done = post(
        &s.url("/staff/studies/drop/delete"),
        &form(&[("csrf", &csrf), ("confirm", "yes")]),
        Some(&cookie),
    );
    assert_eq!(done.status, 303);
    assert_eq!(
        get(&s.url("/staff/studies/drop"), Some(&cookie)).status,
        404
    );

    // Once a wave has opened, the design is fixed.
    assert_eq!(
        call(s, "POST", &format!("/api/v1/waves/{id}/open"), t, None, &[]).status,
        200
    );
    let late = post(
        &s.url("/staff/studies/keep/edit"),
        &form(&[
            ("csrf", &csrf),
            ("survey", "team-climate"),
            ("intervention_date", "2026-08-01"),
            ("arm.A", "pilot"),
            ("arm.B", "control"),
        ]),
        Some(&cookie),
    );
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body.contains("upplägg ligger fast"), "{}", late.body);
    let gone = post(
        &s.url(&format!("/staff/waves/{id}/delete")),
        &form(&[("csrf", &csrf), ("confirm", "yes")]),
        Some(&cookie),
    );
    assert_eq!(gone.status, 409, "an open wave is not deleted");
}

/// `klimat serve` on a taken address says which and how to choose another.
#[test]
fn serve_names_the_taken_address_and_the_setting_that_moves_it() {
    let e = empty();
    let taken = e.server.base.trim_start_matches("http://").to_owned();
    let mut cmd = e.k.cmd();
    for (key, value) in env() {
        cmd.env(key, value);
    }
    let out = cmd
        .env("KLIMAT_BIND", &taken)
        .args(["serve", "--no-worker"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(err.contains(&taken) && err.contains("KLIMAT_BIND"), "{err}");
}
