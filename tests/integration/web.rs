//! The respondent's pages over HTTP against `klimat serve` on a random port
//! with its own SQLite database.

use crate::helpers::*;
use crate::services::*;

const SECRET: &str = "web-test-secret-0123456789abcdef0123";

fn env() -> Vec<(&'static str, String)> {
    vec![("KLIMAT_SECRET", SECRET.to_owned())]
}

/// A server, an open wave with three invitations, and their survey tokens
/// (queued through `wave send`, read from the .eml files it writes).
fn setup(k: &Klimat) -> (Server, Vec<String>) {
    let env = env();
    open_wave(
        k,
        &env,
        &[
            ("a@region.se", "u1", "sv"),
            ("b@region.se", "u2", "en"),
            ("c@region.se", "u3", "sv"),
        ],
    );
    klimat(k, &env, &["wave", "send", WAVE]);
    klimat(k, &env, &["worker", "--once"]);
    // In roster order: a (sv, u1), b (en, u2), c (sv, u3).
    let mut found: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(k.path("mail-out")).unwrap() {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let to = text
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap()
            .trim()
            .to_owned();
        found.push((to, link_token(&raw, "/s/")));
    }
    found.sort();
    let tokens: Vec<String> = found.into_iter().map(|(_, t)| t).collect();
    assert_eq!(tokens.len(), 3);
    (Server::start(k, &env), tokens)
}

fn field(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

#[test]
fn the_form_shows_in_both_languages_with_fieldsets_and_the_privacy_notice() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let sv = get(&server.url(&format!("/s/{}", tokens[0])), None);
    assert_eq!(sv.status, 200);
    assert!(sv.body.contains("<html lang=\"sv\">"));
    assert!(sv.body.contains("Om anonymitet"));
    assert!(sv.body.contains("minst 5 svarande"));
    assert_eq!(
        sv.body.matches("<fieldset").count(),
        10,
        "ten items on the first page"
    );
    assert_eq!(sv.body.matches("<legend>").count(), 10);
    assert!(sv.body.contains("type=\"radio\""));
    assert!(sv.body.contains("class=\"dk\""), "don't know is set apart");
    assert!(sv.body.contains("Sida 1 av 2"));
    assert!(
        sv.body
            .contains("Alla frågor behöver ett svar. Välj ”Vet inte” om du inte kan svara."),
        "the form says before the questions that each needs an answer"
    );
    let en = get(&server.url(&format!("/s/{}?lang=en", tokens[0])), None);
    // minijinja escapes the apostrophe.
    assert!(
        en.body.contains(
            "Every question needs an answer. Choose “Don&#x27;t know” if you cannot say."
        ),
        "{}",
        en.body
    );
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("About anonymity"));
    assert!(en.body.contains("Page 1 of 2"));
    assert_eq!(
        response_count(&k, "invitation"),
        0,
        "opening changes nothing"
    );
}

#[test]
fn security_headers_are_set_and_tokens_never_reach_the_log() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let page = get(&server.url(&format!("/s/{}", tokens[0])), None);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.header("x-request-id").is_some());
    for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!page.body.contains(attr), "no third-party assets: {attr}");
    }
    post(
        &server.url(&format!("/s/{}", tokens[0])),
        &full_answers("3"),
        None,
    );
    get(
        &server.url("/o/0123456789abcdef0123456789abcdef01234567"),
        None,
    );
    assert_eq!(get(&server.url("/healthz"), None).status, 200);
    let log = server.log();
    assert!(log.contains("path=/s/*** status=200"), "{log}");
    assert!(log.contains("request_id="), "{log}");
    for t in &tokens {
        assert!(!log.contains(t.as_str()), "a token is in the log:\n{log}");
    }
    assert!(!log.contains("0123456789abcdef0123456789abcdef01234567"));
}

#[test]
fn validation_errors_link_to_the_fields_and_bad_posts_keep_nothing() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let url = server.url(&format!("/s/{}", tokens[0]));
    let mut partial = full_answers("2");
    partial.retain(|(n, _)| n != "i.vi2" && n != "i.si4");
    let page = post(&url, &partial, None);
    assert_eq!(page.status, 422);
    assert!(page.body.contains("class=\"error-summary\""));
    assert!(
        page.body.contains("href=\"#i-vi2\"") && page.body.contains("id=\"i-vi2\""),
        "the summary links to the field"
    );
    assert!(
        !page.body.contains("href=\"#i-si4\""),
        "the first page with problems is shown"
    );
    for (bad, says) in [
        (
            vec![
                field("i.vi1", "7"),
                field("action", "submit"),
                field("page", "1"),
            ],
            "not on the scale",
        ),
        (vec![field("i.unknown", "1")], "no question"),
        (vec![field("admin", "1")], "no field"),
    ] {
        let page = post(&url, &bad, None);
        assert_eq!(page.status, 400, "{bad:?}");
        assert!(page.body.contains(says), "{}", page.body);
    }
    assert_eq!(response_count(&k, "invitation"), 0);
}

#[test]
fn a_draft_is_saved_and_resumed_under_its_own_cookie_with_csrf() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let url = server.url(&format!("/s/{}", tokens[1]));
    let mut first_page: Vec<(String, String)> = full_answers("4")
        .into_iter()
        .filter(|(n, _)| n.starts_with("i."))
        .take(10)
        .collect();
    first_page.push(field("page", "0"));
    first_page.push(field("action", "next"));
    let next = post(&url, &first_page, None);
    assert_eq!(next.status, 200, "{}", next.body);
    assert!(
        next.body.contains("Page 2 of 2"),
        "the invitation is in English"
    );
    let cookie = next.cookie("klimat_draft").expect("a draft cookie");
    let set = next.set_cookies().join(" | ");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(set.contains(&format!("Path=/s/{}", tokens[1])), "{set}");
    let key = cookie.split_once('=').unwrap().1;
    assert!(
        !tokens.iter().any(|t| t == key),
        "the draft key is not the token"
    );

    let resumed = get(&url, Some(&cookie));
    assert!(
        resumed.body.contains("Page 2 of 2"),
        "resumes on the saved page"
    );
    let back = get(&format!("{url}?page=0"), Some(&cookie));
    assert_eq!(
        back.body.matches("value=\"4\" checked").count(),
        10,
        "answers are kept"
    );
    let csrf = back
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    let mut last: Vec<(String, String)> = full_answers("5")
        .into_iter()
        .filter(|(n, _)| n.starts_with("i."))
        .skip(10)
        .collect();
    last.push(field("page", "1"));
    last.push(field("action", "submit"));
    last.push(field("t.comment", "Bra möten."));
    let refused = post(&url, &last, Some(&cookie));
    assert_eq!(
        refused.status, 403,
        "a cookie without its CSRF token changes nothing"
    );
    last.push(field("csrf", &csrf));
    let done = post(&url, &last, Some(&cookie));
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Thank you"));
    assert_eq!(response_count(&k, "invitation"), 1);
    assert_eq!(draft_count(&k), 0, "the draft is deleted on submit");
}

/// The language buttons submit the page: what was answered on it is kept
/// (as a draft) and the same page comes back in the other language.
#[test]
fn switching_the_language_keeps_the_answers_on_the_page() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let url = server.url(&format!("/s/{}", tokens[0]));
    let form = get(&url, None);
    assert!(form.body.contains("<html lang=\"sv\">"));
    assert!(
        form.body.contains("name=\"switch\" value=\"en\""),
        "the language switch is a button of the form"
    );
    let mut page: Vec<(String, String)> = full_answers("4")
        .into_iter()
        .filter(|(n, _)| n.starts_with("i."))
        .take(3)
        .collect();
    page.push(field("page", "0"));
    page.push(field("lang", "sv"));
    page.push(field("switch", "en"));
    let switched = post(&url, &page, None);
    assert_eq!(switched.status, 200, "{}", switched.body);
    assert!(switched.body.contains("<html lang=\"en\">"));
    assert!(switched.body.contains("Page 1 of 2"), "the same page");
    assert_eq!(
        switched.body.matches("value=\"4\" checked").count(),
        3,
        "the answers are kept"
    );
    assert!(
        !switched.body.contains("class=\"error-summary\""),
        "switching is not a step forward: nothing is required yet"
    );
    assert_eq!(draft_count(&k), 1);
    // Resuming shows the page in English with the answers.
    let cookie = switched.cookie("klimat_draft").expect("a draft cookie");
    let resumed = get(&format!("{url}?lang=en"), Some(&cookie));
    assert_eq!(resumed.body.matches("value=\"4\" checked").count(), 3);
}

/// The opt-out pages speak the invitation's language, not the browser's
/// default (a client that sends no Accept-Language).
#[test]
fn the_opt_out_pages_speak_the_invitations_language() {
    let k = Klimat::new();
    let (server, _) = setup(&k);
    let english = std::fs::read_dir(k.path("mail-out"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .find(|raw| String::from_utf8_lossy(raw).contains("To: b@region.se"))
        .expect("b's invitation, in English");
    let url = server.url(&format!("/o/{}", link_token(&english, "/o/")));
    let confirm = get(&url, None);
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains("<html lang=\"en\">"),
        "{}",
        confirm.body
    );
    assert!(confirm.body.contains("Confirm unsubscribe"));
    let done = post(&url, &[], None);
    assert!(done.body.contains("You are unsubscribed"), "{}", done.body);
    // Asked for explicitly, the other language.
    let again = get(&format!("{url}?lang=sv"), None);
    assert!(again.body.contains("Du är avregistrerad"), "{}", again.body);
}

/// "Save and continue later" says until when the survey is open and links
/// back to the form, where the saved answers wait.
#[test]
fn the_saved_page_says_the_closing_date_and_leads_back() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let url = server.url(&format!("/s/{}", tokens[1]));
    let mut page: Vec<(String, String)> = full_answers("3")
        .into_iter()
        .filter(|(n, _)| n.starts_with("i."))
        .take(2)
        .collect();
    page.push(field("page", "0"));
    page.push(field("action", "save"));
    let saved = post(&url, &page, None);
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("Your answers are saved for now"));
    assert!(
        saved
            .body
            .contains(&format!("The survey is open until {CLOSES} inclusive.")),
        "{}",
        saved.body
    );
    // minijinja escapes the slashes of the address.
    let back = format!("href=\"&#x2f;s&#x2f;{}?lang=en\"", tokens[1]);
    assert!(saved.body.contains(&back), "{}", saved.body);
    let cookie = saved.cookie("klimat_draft").expect("a draft cookie");
    let resumed = get(&format!("{url}?lang=en"), Some(&cookie));
    assert_eq!(resumed.body.matches("value=\"3\" checked").count(), 2);
}

fn draft_count(k: &Klimat) -> i64 {
    use diesel::prelude::*;
    use klimat::store::schema::drafts;
    drafts::table
        .count()
        .get_result(&mut *database(k).get().unwrap())
        .unwrap()
}

#[test]
fn concurrent_double_submits_store_exactly_one_response() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let url = server.url(&format!("/s/{}", tokens[2]));
    let pages: Vec<crate::services::Page> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| post(&url, &full_answers("3"), None)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        pages
            .iter()
            .filter(|p| p.status == 200 && p.body.contains("Tack för dina svar"))
            .count(),
        1
    );
    // The others get what any unusable link gets, so that a POST does not
    // tell a used link from an unknown one.
    assert_eq!(
        pages
            .iter()
            .filter(|p| p.status == 404 && p.body.contains("Länken kan inte användas"))
            .count(),
        7
    );
    assert_eq!(response_count(&k, "invitation"), 1);
    // A reminder clicked after answering: the thank-you, in the invitation's
    // language, never the form again; an unknown link is still unusable.
    let used = get(&url, None);
    assert_eq!(used.status, 200);
    assert!(
        used.body.contains("Tack, dina svar är redan sparade") && !used.body.contains("<form"),
        "{}",
        used.body
    );
    let unknown = get(
        &server.url("/s/ffffffffffffffffffffffffffffffffffffffff"),
        None,
    );
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("Länken kan inte användas"));
    let english = get(&format!("{url}?lang=en"), None);
    assert!(
        english
            .body
            .contains("Thank you, your answers are already saved")
    );
}

#[test]
fn a_closed_wave_refuses_and_keeps_nothing_and_its_drafts_are_deleted() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let url = server.url(&format!("/s/{}", tokens[0]));
    let mut first: Vec<(String, String)> = vec![field("page", "0"), field("action", "save")];
    first.push(field("i.vi1", "2"));
    assert_eq!(post(&url, &first, None).status, 200);
    assert_eq!(draft_count(&k), 1);
    klimat(&k, &env(), &["wave", "close", WAVE]);
    assert_eq!(draft_count(&k), 0, "closing deletes drafts");
    let page = post(&url, &full_answers("3"), None);
    assert_eq!(
        page.status, 404,
        "a closed link answers a POST as an unknown one"
    );
    assert!(page.body.contains("Länken kan inte användas"));
    assert_eq!(response_count(&k, "invitation"), 0);
    let again = get(&url, None);
    assert_eq!(again.status, 410);
    assert!(again.body.contains("Enkäten har stängt") && !again.body.contains("<form"));
}

#[test]
fn guessing_links_is_rate_limited_per_client() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    let mut statuses = Vec::new();
    for i in 0..25 {
        statuses.push(get(&server.url(&format!("/s/{i:040x}")), None).status);
    }
    assert!(statuses[..20].iter().all(|&s| s == 404), "{statuses:?}");
    assert!(statuses[20..].iter().all(|&s| s == 429), "{statuses:?}");
    assert_eq!(
        get(&server.url(&format!("/s/{}", tokens[0])), None).status,
        200,
        "a valid link still opens"
    );
}

/// Staff without work e-mail get one-time codes: each takes one answer,
/// however many browsers try, so nobody can push a small unit over the
/// minimum with answers of their own choosing.
#[test]
fn one_time_codes_take_one_answer_each_and_count_as_invitations() {
    let k = Klimat::new();
    let env = env();
    // open_wave's steps, with codes added before the wave opens.
    k.write(
        "units.csv",
        "code,name,parent\nregion,Region,\nu1,Enhet Norr,region\nu2,Enhet Syd,region\n",
    );
    k.write("roster.csv", "email,unit,language\na@region.se,u1,sv\n");
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
            "u1",
            "--control",
            "u2",
            "--intervention-date",
            "2026-06-01",
        ],
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
            "2026-12",
            "--opens",
            "2026-12-01",
            "--closes",
            "2099-12-31",
        ],
    );
    klimat(
        &k,
        &env,
        &["roster", "import", "--wave", WAVE, "roster.csv"],
    );
    let out = klimat(
        &k,
        &env,
        &["wave", "codes", WAVE, "--unit", "u2", "--count", "3"],
    );
    assert!(out.contains("3 code(s)"), "{out}");
    let sheet = klimat(&k, &env, &["wave", "code-sheet", WAVE]);
    assert_eq!(sheet.matches("<svg").count(), 3, "a QR code per card");
    let csv = klimat(&k, &env, &["wave", "code-sheet", WAVE, "--format", "csv"]);
    let links: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(links.len(), 3);
    klimat(&k, &env, &["wave", "open", WAVE]);
    let mut late = k.cmd();
    late.env("KLIMAT_SECRET", SECRET);
    let refused = late
        .args(["wave", "codes", WAVE, "--unit", "u2", "--count", "1"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        stderr_of(&refused).contains("fixed when the wave opens"),
        "{}",
        stderr_of(&refused)
    );

    let server = Server::start(&k, &env);
    let token = links[0].rsplit('/').next().unwrap();
    let url = server.url(&format!("/s/{token}"));
    assert_eq!(get(&url, None).status, 200);
    assert!(post(&url, &full_answers("4"), None).body.contains("Tack"));
    // A second answer through the same code, from a fresh browser, is refused.
    let again = post(&url, &full_answers("1"), None);
    assert_eq!(again.status, 404);
    assert_eq!(response_count(&k, "invitation"), 1);
    let status = klimat(&k, &env, &["wave", "status", WAVE, "--format", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let u2 = status["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "u2")
        .unwrap();
    assert_eq!(u2["invited"], 3, "codes count as invitations");
    // Codes are never mailed.
    klimat(&k, &env, &["wave", "send", WAVE]);
    klimat(&k, &env, &["worker", "--once"]);
    assert_eq!(std::fs::read_dir(k.path("mail-out")).unwrap().count(), 1);
}

fn raw_post(url: &str, body: &[u8]) -> (u16, String) {
    let r = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(body)
        .unwrap();
    let status = r.status().as_u16();
    (status, r.into_body().read_to_string().unwrap())
}

/// The probe's findings on the respondent's side, each refused.
#[test]
fn the_probes_hardening_holds() {
    let k = Klimat::new();
    let (server, tokens) = setup(&k);
    // Percent-escaped link paths reach neither a form nor the log.
    for prefix in ["%73", "%75", "%6F"] {
        let r = get(&server.url(&format!("/{prefix}/{}", tokens[0])), None);
        assert_eq!(r.status, 404, "/{prefix}/…");
        assert!(!r.body.contains("<form"), "/{prefix}/…");
    }
    let unknown = server.url("/s/0123456789abcdef0123456789abcdef01234567");
    // A NUL or invalid UTF-8 in a free text is refused, nothing is kept.
    let url = server.url(&format!("/s/{}", tokens[0]));
    let mut with_nul = full_answers("3");
    with_nul.push(field("t.comment", "a\u{0}b"));
    let r = post(&url, &with_nul, None);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("U+0000"), "{}", r.body);
    let (status, body) = raw_post(&url, b"page=1&action=save&t.comment=ok%FF%FE");
    assert_eq!(status, 400);
    assert!(body.contains("UTF-8"), "{body}");
    // A draft never holds more than the form allows.
    let (status, _) = raw_post(
        &url,
        format!("page=1&action=save&t.comment={}", "x".repeat(3000)).as_bytes(),
    );
    assert_eq!(status, 422, "a text over max_length is not saved");
    assert_eq!(draft_count(&k), 0);
    assert_eq!(response_count(&k, "invitation"), 0);
    // Used, closed and unknown links answer a POST alike.
    assert_eq!(post(&url, &full_answers("3"), None).status, 200);
    let used = post(&url, &full_answers("3"), None);
    let none = post(&unknown, &full_answers("3"), None);
    assert_eq!((used.status, &used.body), (none.status, &none.body));
    klimat(&k, &env(), &["wave", "close", WAVE]);
    let closed = post(
        &server.url(&format!("/s/{}", tokens[1])),
        &full_answers("3"),
        None,
    );
    assert_eq!((closed.status, &closed.body), (none.status, &none.body));
    let log = server.log();
    for t in &tokens {
        assert!(!log.contains(t.as_str()), "a token is in the log:\n{log}");
    }
    // A login destination with a line break is not taken.
    let (status, body) = raw_post(
        &server.url("/staff/login"),
        b"email=x%40y.se&password=z&next=%2Fstaff%0D%0ASet-Cookie%3A+a%3Db&token=t",
    );
    assert_ne!(status, 500);
    assert!(!body.contains("Set-Cookie: a=b"));
}

/// Who runs the survey and whom to ask (`organisation_name`,
/// `contact_email`): on the form, on every respondent page and in the
/// e-mails; opening a link already used says thank you in the invitation's
/// language.
#[test]
fn respondents_are_told_who_runs_the_survey_and_whom_to_ask() {
    let k = Klimat::new();
    k.write(
        "klimat.toml",
        "organisation_name = \"Region Exempel, HR-avdelningen\"\ncontact_email = \"enkat@region.se\"\n",
    );
    let (server, tokens) = setup(&k);
    let footer = "<a href=\"mailto:enkat@region.se\">enkat@region.se</a>";
    let form = get(&server.url(&format!("/s/{}", tokens[0])), None);
    assert!(
        form.body
            .contains("Enkäten genomförs av Region Exempel, HR-avdelningen.")
            && form.body.contains(footer),
        "{}",
        form.body
    );
    // The English invitation's form, and a dead link, say it too.
    let english = get(&server.url(&format!("/s/{}", tokens[1])), None);
    assert!(
        english
            .body
            .contains("This survey is run by Region Exempel, HR-avdelningen.")
            && english.body.contains("Questions about it:"),
        "{}",
        english.body
    );
    let dead = get(
        &server.url("/s/0123456789abcdef0123456789abcdef01234567"),
        None,
    );
    assert_eq!(dead.status, 404);
    assert!(dead.body.contains(footer), "{}", dead.body);
    // The e-mails.
    let mail: String = std::fs::read_dir(k.path("mail-out"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        mail.contains("Region Exempel, HR-avdelningen") && mail.contains("enkat@region.se"),
        "the invitations name the organisation and the contact"
    );
    // Answered, then the reminder's link opened again: a thank-you in English.
    let url = server.url(&format!("/s/{}", tokens[1]));
    assert_eq!(post(&url, &full_answers("3"), None).status, 200);
    let again = get(&url, None);
    assert_eq!(again.status, 200);
    assert!(
        again
            .body
            .contains("Thank you, your answers are already saved")
            && again.body.contains(footer)
            && !again.body.contains("<form"),
        "{}",
        again.body
    );
}

#[test]
fn a_bad_contact_address_is_refused_with_its_key() {
    let k = Klimat::new();
    k.write("klimat.toml", "contact_email = \"not an address\"\n");
    let out = k.cmd().args(["audit"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("contact_email"),
        "{}",
        stderr_of(&out)
    );
}
