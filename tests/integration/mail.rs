//! E-mail through a real SMTP server over TCP (aiosmtpd): what arrives, in
//! which language, with which link; retries, permanent failures, a worker
//! killed mid-batch, the rate limit, opt-out, reminders and bounces.

use std::process::Stdio;
use std::time::Duration;

use mail_parser::MessageParser;

use crate::helpers::*;
use crate::services::*;

const SECRET: &str = "test-secret-0123456789abcdef0123456789";

fn env(smtp: &Smtp, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("KLIMAT_SMTP_URL", smtp.url()),
        ("KLIMAT_MAIL_FROM", "klimat@region.se".to_owned()),
        ("KLIMAT_MAIL_RETRY_SECS", "0".to_owned()),
        ("KLIMAT_MAIL_TIMEOUT_SECS", "5".to_owned()),
        ("KLIMAT_SECRET", SECRET.to_owned()),
    ];
    for &(key, value) in extra {
        env.retain(|(e, _)| *e != key);
        env.push((key, value.to_owned()));
    }
    env
}

fn status_json(k: &Klimat, env: &[(&str, String)]) -> serde_json::Value {
    serde_json::from_str(&klimat(
        k,
        env,
        &["wave", "status", WAVE, "--format", "json"],
    ))
    .unwrap()
}

#[test]
fn invitations_arrive_in_the_right_language_with_both_parts_and_a_link_that_opens_the_form() {
    let k = Klimat::new();
    let smtp = Smtp::start(&k.path("inbox"), 0.0);
    let server = Server::start_without_worker(&k, &[("KLIMAT_SECRET", SECRET.to_owned())]);
    let env = env(&smtp, &[("KLIMAT_PUBLIC_URL", &server.base)]);
    open_wave(
        &k,
        &env,
        &[
            ("anna@region.se", "u1", "sv"),
            ("bo@region.se", "u2", "en"),
            ("cy@region.se", "u3", "sv"),
        ],
    );
    assert!(klimat(&k, &env, &["wave", "send", WAVE]).contains("queued 3 invitation"));
    assert!(
        klimat(&k, &env, &["wave", "send", WAVE]).contains("queued 0 invitation"),
        "a second send queues nothing"
    );
    klimat(&k, &env, &["worker", "--once"]);
    let received = smtp.wait_for(3, 10);
    let mut rcpts: Vec<&str> = received.iter().map(|r| r.rcpt.as_str()).collect();
    rcpts.sort();
    assert_eq!(rcpts, ["anna@region.se", "bo@region.se", "cy@region.se"]);
    for r in &received {
        let raw = smtp.message(r);
        let m = MessageParser::default().parse(&raw).unwrap();
        let swedish = r.rcpt != "bo@region.se";
        let subject = m.subject().unwrap();
        assert!(
            subject.starts_with(if swedish { "Inbjudan:" } else { "Invitation:" }),
            "{subject}"
        );
        let text = m.body_text(0).unwrap().replace("\r\n", "\n");
        let html = m.body_html(0).unwrap();
        assert!(text.contains(if swedish {
            "Ingen kan koppla dina svar"
        } else {
            "No one can link your answers"
        }));
        assert!(html.contains(if swedish {
            "lang=\"sv\""
        } else {
            "lang=\"en\""
        }));
        assert!(
            text.contains("minst\n5 svarande") || text.contains("least 5 respondents"),
            "{text}"
        );
        let unit = if r.rcpt == "anna@region.se" {
            "Vårdcentral Norr"
        } else if swedish {
            "Enhet Väst"
        } else {
            "Enhet Syd"
        };
        assert!(text.contains(unit), "{} expected {unit}: {text}", r.rcpt);
        // The survey link is in the body only; the headers carry the opt-out link.
        let token = link_token(&raw, "/s/");
        let headers =
            String::from_utf8_lossy(&raw[..raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap()])
                .to_string();
        assert!(
            !headers.contains(&token),
            "the survey token is in a header:\n{headers}"
        );
        assert!(headers.contains("List-Unsubscribe: <"), "{headers}");
        assert!(headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert_eq!(format!("<{}>", m.message_id().unwrap()), r.message_id);
        let form = get(&server.url(&format!("/s/{token}")), None);
        assert_eq!(form.status, 200);
        assert!(
            form.body.contains(unit),
            "the link opens the form of the invitation's unit"
        );
        assert!(form.body.contains(if swedish {
            "<html lang=\"sv\">"
        } else {
            "<html lang=\"en\">"
        }));
    }
    let status = status_json(&k, &env);
    assert_eq!(status["total"]["sent"], 3);
    assert_eq!(status["outbox"]["sent"], 3);
}

#[test]
fn reminders_reach_only_those_who_have_not_answered_and_not_opted_out() {
    let k = Klimat::new();
    let smtp = Smtp::start(&k.path("inbox"), 0.0);
    let server = Server::start_without_worker(&k, &[("KLIMAT_SECRET", SECRET.to_owned())]);
    let env = env(&smtp, &[("KLIMAT_PUBLIC_URL", &server.base)]);
    open_wave(
        &k,
        &env,
        &[
            ("answers@region.se", "u1", "sv"),
            ("optsout@region.se", "u1", "sv"),
            ("waits@region.se", "u2", "en"),
        ],
    );
    klimat(&k, &env, &["wave", "send", WAVE]);
    klimat(&k, &env, &["worker", "--once"]);
    let first = smtp.wait_for(3, 10);
    let message = |rcpt: &str| smtp.message(first.iter().find(|r| r.rcpt == rcpt).unwrap());

    let answer = link_token(&message("answers@region.se"), "/s/");
    assert!(
        post(
            &server.url(&format!("/s/{answer}")),
            &full_answers("4"),
            None
        )
        .body
        .contains("Tack")
    );

    let optout = link_token(&message("optsout@region.se"), "/o/");
    let confirm = get(&server.url(&format!("/o/{optout}")), None);
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("method=\"post\""), "{}", confirm.body);
    assert_eq!(
        status_json(&k, &env)["total"]["opted_out"],
        0,
        "opening the link changes nothing"
    );
    let done = post(&server.url(&format!("/o/{optout}")), &[], None);
    assert!(done.body.contains("Du är avregistrerad"), "{}", done.body);
    assert_eq!(status_json(&k, &env)["total"]["opted_out"], 1);

    assert!(
        klimat(&k, &env, &["wave", "remind", WAVE]).contains("queued 0 reminder"),
        "3 days have not passed"
    );
    assert!(
        klimat(&k, &env, &["wave", "remind", WAVE, "--min-days", "0"])
            .contains("queued 1 reminder")
    );
    assert!(
        klimat(&k, &env, &["wave", "remind", WAVE, "--min-days", "0"])
            .contains("queued 0 reminder"),
        "one is waiting"
    );
    klimat(&k, &env, &["worker", "--once"]);
    let all = smtp.wait_for(4, 10);
    assert_eq!(all.len(), 4);
    let reminder = &all[3];
    assert_eq!(reminder.rcpt, "waits@region.se");
    let raw = smtp.message(reminder);
    let m = MessageParser::default().parse(&raw).unwrap();
    assert!(m.subject().unwrap().starts_with("Reminder:"));
    assert_eq!(
        link_token(&raw, "/s/"),
        link_token(&message("waits@region.se"), "/s/"),
        "the reminder carries the invitation's link"
    );
    assert!(
        klimat(
            &k,
            &env,
            &[
                "wave",
                "remind",
                WAVE,
                "--min-days",
                "0",
                "--max-reminders",
                "1"
            ]
        )
        .contains("queued 0 reminder")
    );
}

#[test]
fn a_temporary_failure_is_retried_once_delivered_and_a_permanent_one_marks_undeliverable() {
    let k = Klimat::new();
    let smtp = Smtp::start(&k.path("inbox"), 0.0);
    let env = env(&smtp, &[]);
    open_wave(
        &k,
        &env,
        &[
            ("tempfail-a@region.se", "u1", "sv"),
            ("reject-b@region.se", "u2", "sv"),
            ("ok@region.se", "u3", "en"),
        ],
    );
    klimat(&k, &env, &["wave", "send", WAVE]);
    let out = klimat(&k, &env, &["worker", "--once"]);
    assert!(out.contains("sent 2, to retry 1, failed 1"), "{out}");
    let received = smtp.received();
    let mut rcpts: Vec<&str> = received.iter().map(|r| r.rcpt.as_str()).collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        ["ok@region.se", "tempfail-a@region.se"],
        "the 451 message arrived exactly once"
    );
    let status = status_json(&k, &env);
    assert_eq!(status["total"]["failed"], 1);
    assert_eq!(status["total"]["sent"], 2);
    assert_eq!(status["outbox"]["failed"], 1);
    assert!(
        klimat(&k, &env, &["wave", "remind", WAVE, "--min-days", "0"])
            .contains("queued 2 reminder"),
        "not to the undeliverable address"
    );
}

#[test]
fn a_worker_killed_mid_batch_loses_nothing_and_duplicates_keep_their_message_id() {
    let k = Klimat::new();
    // Each message takes 0.2 s to be accepted, so the kill lands mid-batch.
    let smtp = Smtp::start(&k.path("inbox"), 0.2);
    let env = env(
        &smtp,
        &[
            ("KLIMAT_MAIL_LEASE_SECS", "3"),
            ("KLIMAT_MAIL_TIMEOUT_SECS", "2"),
            ("KLIMAT_MAIL_CONNECTIONS", "2"),
        ],
    );
    let roster: Vec<(String, &str, &str)> = (0..30)
        .map(|i| (format!("p{i:02}@region.se"), "u1", "sv"))
        .collect();
    let roster: Vec<(&str, &str, &str)> = roster
        .iter()
        .map(|(e, u, l)| (e.as_str(), *u, *l))
        .collect();
    open_wave(&k, &env, &roster);
    klimat(&k, &env, &["wave", "send", WAVE]);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("klimat"));
    cmd.current_dir(k.dir.path());
    for (key, value) in &env {
        cmd.env(key, value);
    }
    let mut worker = cmd
        .arg("worker")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    smtp.wait_for(5, 20);
    worker.kill().unwrap(); // SIGKILL: no chance to record anything more
    worker.wait().unwrap();
    let before = smtp.received().len();
    assert!(before < 30, "the worker was killed before it finished");
    std::thread::sleep(Duration::from_millis(3200)); // the dead worker's lease runs out
    klimat(&k, &env, &["worker", "--once"]);
    let all = smtp.received();
    let mut per_rcpt: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for r in &all {
        per_rcpt.entry(&r.rcpt).or_default().push(&r.message_id);
    }
    assert_eq!(per_rcpt.len(), 30, "every message arrived");
    for (rcpt, ids) in &per_rcpt {
        assert!(ids.len() <= 2, "{rcpt} got {} copies", ids.len());
        assert!(
            ids.iter().all(|id| id == &ids[0]),
            "{rcpt}: a duplicate has another Message-ID"
        );
    }
    assert_eq!(status_json(&k, &env)["outbox"]["sent"], 30);
}

#[test]
fn the_rate_limit_holds() {
    let k = Klimat::new();
    let smtp = Smtp::start(&k.path("inbox"), 0.0);
    let env = env(
        &smtp,
        &[("KLIMAT_MAIL_RATE", "10"), ("KLIMAT_MAIL_CONNECTIONS", "4")],
    );
    let roster: Vec<String> = (0..21).map(|i| format!("r{i:02}@region.se")).collect();
    let roster: Vec<(&str, &str, &str)> = roster.iter().map(|e| (e.as_str(), "u2", "en")).collect();
    open_wave(&k, &env, &roster);
    klimat(&k, &env, &["wave", "send", WAVE]);
    klimat(&k, &env, &["worker", "--once"]);
    let received = smtp.wait_for(21, 10);
    let times: Vec<f64> = received.iter().map(|r| r.time).collect();
    let span = times.iter().cloned().fold(f64::MIN, f64::max)
        - times.iter().cloned().fold(f64::MAX, f64::min);
    // 21 messages at 10 per second: 20 intervals of 0.1 s at least.
    assert!(
        span >= 1.9,
        "21 messages arrived within {span:.2} s at 10 per second"
    );
}

#[test]
fn bounces_mark_the_reported_invitation_undeliverable() {
    let k = Klimat::new();
    let smtp = Smtp::start(&k.path("inbox"), 0.0);
    let env = env(&smtp, &[]);
    open_wave(
        &k,
        &env,
        &[
            ("gone@region.se", "u1", "sv"),
            ("here@region.se", "u2", "sv"),
        ],
    );
    klimat(&k, &env, &["wave", "send", WAVE]);
    klimat(&k, &env, &["worker", "--once"]);
    let gone = smtp
        .wait_for(2, 10)
        .into_iter()
        .find(|r| r.rcpt == "gone@region.se")
        .unwrap();
    let dsn = format!(
        "From MAILER-DAEMON Sat Nov 28 10:00:00 2026\nFrom: MAILER-DAEMON@relay.region.se\nTo: klimat@region.se\nSubject: Undelivered Mail\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nFailed.\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.region.se\n\nFinal-Recipient: rfc822; gone@region.se\nAction: failed\nStatus: 5.1.1\n\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: {}\nTo: gone@region.se\n\n--b--\n",
        gone.message_id
    );
    k.write("bounces.mbox", &dsn);
    let out = klimat(&k, &env, &["mail", "bounces", "bounces.mbox"]);
    assert!(out.contains("1 bounce(s) marked undeliverable"), "{out}");
    assert_eq!(status_json(&k, &env)["total"]["failed"], 1);
    assert!(
        klimat(&k, &env, &["wave", "remind", WAVE, "--min-days", "0"])
            .contains("queued 1 reminder")
    );
}

#[test]
fn an_unreachable_server_and_bad_settings_give_clear_errors_quickly() {
    let k = Klimat::new();
    let free = free_port();
    let env = [
        ("KLIMAT_SMTP_URL", format!("smtp://127.0.0.1:{free}")),
        ("KLIMAT_MAIL_TIMEOUT_SECS", "3".to_owned()),
    ];
    let started = std::time::Instant::now();
    let out = k
        .cmd()
        .envs(env.iter().map(|(a, b)| (*a, b)))
        .args(["worker", "--once"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!(
            "cannot reach the SMTP server smtp://127.0.0.1:{free}"
        )),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    for (key, value, says) in [
        ("KLIMAT_SMTP_URL", "http://relay", "`smtp_url`"),
        ("KLIMAT_SMTP_URL", "smtps://klimat:hemligt@", "`smtp_url`"),
        ("KLIMAT_MAIL_FROM", "klimat", "`mail_from`"),
        ("KLIMAT_MAIL_RATE", "0", "`mail_rate`"),
        ("KLIMAT_SECRET", "short", "`secret`"),
    ] {
        let out = k
            .cmd()
            .env(key, value)
            .args(["worker", "--once"])
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert!(
            !out.status.success() && err.contains(says),
            "{key}={value}: {err}"
        );
        assert!(!err.contains("hemligt"), "the password is shown: {err}");
    }
}
