//! Unit managers: the roster from CSV (every bad line named, nothing half
//! imported) and the e-mails that tell each manager their unit's feedback
//! report is ready, sent through a real SMTP server: a link to the report
//! page behind the manager's login, never a figure.

use mail_parser::MessageParser;

use crate::comments::demo;
use crate::helpers::*;
use crate::services::{Server, Smtp, get, klimat};
use crate::staff::{PASSWORD, add_user, login_as};

const STUDY: &str = "innovation-pilot";
const WAVE: &str = "2025-11";

fn fails(k: &Klimat, env: &[(&str, String)], args: &[&str]) -> String {
    let mut cmd = k.cmd();
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    stderr_of(&out)
}

#[test]
fn managers_are_told_where_their_units_report_is_and_nothing_of_it() {
    let (k, mut env) = demo();
    k.write(
        "bad.csv",
        "unit,email,language\nsocial-01,anna@region.se,sv\nsocial-02,not-an-address,sv\n\
         social-03,bo@region.se,fi\nnope,cf@region.se,en\n",
    );
    let err = fails(&k, &env, &["managers", "import", "bad.csv"]);
    assert!(
        err.contains("line 3: `not-an-address` is not an e-mail address")
            && err.contains("line 4: language `fi` is neither sv nor en"),
        "{err}"
    );
    k.write(
        "unknown.csv",
        "unit,email\nsocial-01,anna@region.se\nnope,cf@region.se\n",
    );
    let err = fails(&k, &env, &["managers", "import", "unknown.csv"]);
    assert!(err.contains("line 3: there is no unit `nope`"), "{err}");
    assert_eq!(
        klimat(&k, &env, &["managers", "list"]),
        "",
        "nothing imported"
    );

    k.write(
        "managers.csv",
        "unit,email,language\nsocial-01,Anna@Region.se,sv\nsocial-01,bo@region.se,en\n",
    );
    let out = klimat(&k, &env, &["managers", "import", "managers.csv"]);
    assert!(out.contains("managers: 2 on the roster"), "{out}");
    let list = klimat(&k, &env, &["managers", "list"]);
    assert!(
        list.contains("social-01\t") && list.contains("anna@region.se\tsv"),
        "{list}"
    );

    let out = klimat(
        &k,
        &env,
        &["managers", "notify", "--study", STUDY, "--wave", WAVE],
    );
    assert!(out.contains("queued 2 notice(s)"), "{out}");
    assert!(out.contains("no manager on the roster for:"), "{out}");
    let again = klimat(
        &k,
        &env,
        &["managers", "notify", "--study", STUDY, "--wave", WAVE],
    );
    assert!(again.contains("queued 0 notice(s)"), "told once: {again}");

    let smtp = Smtp::start(&k.path("inbox"), 0.0);
    let server = Server::start_without_worker(&k, &env);
    env.push(("KLIMAT_SMTP_URL", smtp.url()));
    env.push(("KLIMAT_PUBLIC_URL", server.base.clone()));
    let out = klimat(&k, &env, &["worker", "--once"]);
    assert!(out.contains("sent 2"), "{out}");
    let received = smtp.wait_for(2, 10);
    let body = |rcpt: &str| {
        let r = received.iter().find(|r| r.rcpt == rcpt).unwrap();
        let raw = smtp.message(r);
        let m = MessageParser::default().parse(&raw).unwrap();
        (
            m.subject().unwrap().to_owned(),
            m.body_text(0).unwrap().into_owned(),
        )
    };
    let (subject, text) = body("anna@region.se");
    assert!(subject.starts_with("Resultatåterföring för"), "{subject}");
    let link = format!(
        "{}/staff/studies/{STUDY}/feedback/social-01?wave={WAVE}&lang=sv",
        server.base
    );
    assert!(text.contains(&link), "{text}");
    let (subject, english) = body("bo@region.se");
    assert!(subject.starts_with("Feedback for"), "{subject}");
    assert!(english.contains("lang=en"), "{english}");
    let figure = regex::Regex::new(r"\d[.,]\d").unwrap();
    assert!(
        !figure.is_match(&text.replace(&server.base, ""))
            && !figure.is_match(&english.replace(&server.base, "")),
        "no figure in the e-mail:\n{text}\n{english}"
    );

    // The link leads to the report, behind a login.
    let path = link.strip_prefix(&server.base).unwrap();
    let anonymous = get(&server.url(path), None);
    assert_ne!(anonymous.status, 200, "the report needs a login");
    add_user(&k, &env, "anna@region.se", "viewer", Some("social-01"));
    let cookie = login_as(&server, "anna@region.se", PASSWORD);
    let page = get(&server.url(path), Some(&cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(WAVE), "{}", page.body);
    let audit = klimat(&k, &env, &["audit"]);
    assert!(
        audit.contains("managers.import") && audit.contains("feedback.notify"),
        "{audit}"
    );
}

#[test]
fn evaluators_keep_the_roster_and_notify_managers_from_the_feedback_page() {
    let (k, env) = demo();
    add_user(&k, &env, "eva@region.se", "evaluator", None);
    add_user(&k, &env, "lena@region.se", "viewer", None);
    let s = Server::start_without_worker(&k, &env);
    let list = format!("/staff/studies/{STUDY}/feedback");
    let form = |csrf: &str, pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        std::iter::once(("csrf".to_owned(), csrf.to_owned()))
            .chain(
                pairs
                    .iter()
                    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned())),
            )
            .collect()
    };

    let (viewer, viewer_csrf) = crate::staff::login_with_csrf(&s, "lena@region.se");
    let page = get(&s.url(&list), Some(&viewer));
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("feedback/managers"),
        "viewers keep no roster"
    );
    let refused = crate::services::post(
        &s.url(&format!("{list}/managers")),
        &form(
            &viewer_csrf,
            &[("csv", "unit,email\nsocial-01,a@region.se\n")],
        ),
        Some(&viewer),
    );
    assert_eq!(refused.status, 403);

    let (cookie, csrf) = crate::staff::login_with_csrf(&s, "eva@region.se");
    let page = get(&s.url(&list), Some(&cookie));
    assert!(
        page.body.contains("Inga chefer registrerade"),
        "{}",
        page.body
    );
    let bad = crate::services::post(
        &s.url(&format!("{list}/managers")),
        &form(
            &csrf,
            &[("csv", "unit,email\nsocial-01,a@region.se\nsocial-02,nej\n")],
        ),
        Some(&cookie),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("rad 3"), "{}", bad.body);
    let good = crate::services::post(
        &s.url(&format!("{list}/managers")),
        &form(
            &csrf,
            &[(
                "csv",
                "unit,email,language\nsocial-01,a@region.se,sv\nsocial-02,b@region.se,en\n",
            )],
        ),
        Some(&cookie),
    );
    assert_eq!(good.status, 303, "{}", good.body);
    let page = get(&s.url(good.header("location").unwrap()), Some(&cookie));
    assert!(page.body.contains("2 chefer i listan"), "{}", page.body);
    assert!(page.body.contains("b@region.se"), "{}", page.body);

    let sent = crate::services::post(
        &s.url(&format!("{list}/notify")),
        &form(&csrf, &[("wave", WAVE)]),
        Some(&cookie),
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let page = get(&s.url(sent.header("location").unwrap()), Some(&cookie));
    assert!(page.body.contains("meddelanden köade"), "{}", page.body);
    let queued = klimat(
        &k,
        &env,
        &["managers", "notify", "--study", STUDY, "--wave", WAVE],
    );
    assert!(
        queued.contains("queued 0 notice(s)"),
        "the page queued them: {queued}"
    );
    let unknown = crate::services::post(
        &s.url(&format!("{list}/notify")),
        &form(&csrf, &[("wave", "1999-01")]),
        Some(&cookie),
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}
