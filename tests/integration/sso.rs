//! Staff single sign-on against a real OpenID provider: oidc-provider (npm,
//! OpenID Certified) run by `tests/oidc/provider.mjs` on loopback, and
//! `klimat serve` configured for it. The test plays the browser: it follows
//! every redirect between klimat and the provider with each side's cookies,
//! signing in at the provider's interaction as one of its accounts.
//!
//! The provider can be told to spoil its next ID tokens (wrong audience,
//! issuer, nonce, or expired), re-signed with its own key, so that only
//! klimat's claim checks can refuse them.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::helpers::*;
use crate::services::*;

const SECRET: &str = "sso-test-secret-0123456789abcdef0123";
const CLIENT_SECRET: &str = "klimat-test-client-secret";
const ROLES: &str =
    "klimat-utvarderare=evaluator, ledningsgrupp=viewer, chefer-social=viewer:social";

/// The test provider, killed on drop.
struct Provider {
    child: Child,
    base: String,
}

impl Provider {
    fn start(redirect: &str) -> Provider {
        let port = free_port();
        let node = std::env::var("KLIMAT_TEST_NODE").unwrap_or_else(|_| "node".to_owned());
        let dir = repo().join("tests/oidc");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "run `npm ci` in tests/oidc (.ci/services.sh: install_oidc_provider)"
        );
        let mut child = Command::new(node)
            .current_dir(&dir)
            .args(["provider.mjs", &port.to_string(), redirect])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the test provider");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // The provider's later notices must not meet a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
            .to_owned();
        Provider { child, base }
    }

    fn post(&self, path: &str, json: &str) {
        let r = ureq::post(&format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(json)
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }

    fn set_groups(&self, account: &str, email: &str, groups: &[&str]) {
        let body = serde_json::json!({ "email": email, "groups": groups }).to_string();
        self.post(&format!("/test/accounts/{account}"), &body);
    }

    fn spoil(&self, mode: &str) {
        self.post("/test/mode", mode);
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser's cookies, per host and port, and the redirects it followed.
#[derive(Default, Clone)]
struct Browser {
    jar: HashMap<String, BTreeMap<String, String>>,
    visited: Vec<String>,
}

fn origin(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or("").to_owned()
}

impl Browser {
    fn get(&mut self, url: &str) -> Page {
        let jar = self.jar.entry(origin(url)).or_default();
        let cookie = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let page = get(url, (!cookie.is_empty()).then_some(cookie.as_str()));
        for set in page.set_cookies() {
            let first = set.split(';').next().unwrap_or("");
            let Some((name, value)) = first.split_once('=') else {
                continue;
            };
            let expired = set.to_ascii_lowercase().contains("max-age=0");
            if value.is_empty() || expired {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.to_owned());
            }
        }
        self.visited.push(url.to_owned());
        page
    }

    /// Follows redirects from `url`; at the provider's interaction the
    /// browser signs in as `account`. Returns the last page.
    fn follow(&mut self, url: &str, account: &str) -> Page {
        let mut url = url.to_owned();
        for _ in 0..12 {
            let page = self.get(&url);
            if !(300..400).contains(&page.status) {
                return page;
            }
            let location = page.header("location").unwrap().to_owned();
            url = if location.starts_with('/') {
                let scheme = url.split_once("://").unwrap().0;
                format!("{scheme}://{}{location}", origin(&url))
            } else {
                location
            };
            if url.contains("/interaction/") {
                url = format!("{url}?account={account}");
            }
        }
        panic!("too many redirects: {:?}", self.visited);
    }

    fn callback(&self) -> Option<&String> {
        self.visited
            .iter()
            .find(|u| u.contains("/staff/login/sso/callback"))
    }
}

struct Sso {
    k: Klimat,
    env: Vec<(&'static str, String)>,
    provider: Provider,
    server: Server,
}

fn env_for(
    port: u16,
    provider: &str,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("KLIMAT_SECRET", SECRET.to_owned()),
        ("KLIMAT_BIND", format!("127.0.0.1:{port}")),
        ("KLIMAT_PUBLIC_URL", format!("http://127.0.0.1:{port}")),
        ("KLIMAT_OIDC_ISSUER", provider.to_owned()),
        ("KLIMAT_OIDC_CLIENT_ID", "klimat".to_owned()),
        ("KLIMAT_OIDC_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("KLIMAT_OIDC_ROLES", ROLES.to_owned()),
        ("KLIMAT_OIDC_NAME", "Testregionen".to_owned()),
    ];
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push((k, (*v).to_owned()));
    }
    env
}

fn setup(extra: &[(&'static str, &str)]) -> Sso {
    let k = Klimat::new();
    let port = free_port();
    let provider = Provider::start(&format!("http://127.0.0.1:{port}/staff/login/sso/callback"));
    let env = env_for(port, &provider.base, extra);
    k.write(
        "units.csv",
        "code,name,parent\nregion,Region,\nsocial,Socialförvaltningen,region\nvard,Vården,region\n",
    );
    klimat(&k, &env, &["unit", "import", "units.csv"]);
    let server = Server::start(&k, &env);
    Sso {
        k,
        env,
        provider,
        server,
    }
}

impl Sso {
    fn login(&self, account: &str) -> (Browser, Page) {
        let mut b = Browser::default();
        let page = b.follow(&self.server.url("/staff/login/sso?next=/staff"), account);
        (b, page)
    }

    fn users(&self) -> String {
        klimat(&self.k, &self.env, &["user", "list"])
    }

    fn audit(&self) -> String {
        klimat(&self.k, &self.env, &["audit"])
    }
}

fn session_of(b: &Browser, server: &Server) -> Option<String> {
    b.jar
        .get(&origin(&server.base))
        .and_then(|j| j.get("klimat_session"))
        .cloned()
}

#[test]
fn staff_sign_in_through_the_provider_with_the_role_and_unit_their_groups_give() {
    let s = setup(&[]);
    let login = get(&s.server.url("/staff/login"), None);
    assert!(
        login.body.contains("Logga in med Testregionen"),
        "{}",
        login.body
    );
    assert!(
        login.body.contains("sso?next="),
        "the button starts the login"
    );
    assert!(
        login.body.contains("name=\"password\""),
        "password login stays on"
    );

    // An evaluator: the account is made on first login, with the role.
    let (b, page) = s.login("eva");
    assert_eq!(page.status, 200, "{:?}\n{}", b.visited, page.body);
    assert!(session_of(&b, &s.server).is_some());
    let callback = b.callback().expect("the provider sent the browser back");
    assert!(callback.contains("code=") && callback.contains("state="));
    let users = s.users();
    assert!(
        users.contains("eva@region.se") && users.contains("evaluator"),
        "{users}"
    );
    // PKCE: the provider required a challenge and the flow had one.
    let auth = b.visited.iter().find(|u| u.contains("/auth?")).unwrap();
    assert!(auth.contains("code_challenge_method=S256") && auth.contains("nonce="));

    // A unit manager: a viewer limited to the unit the mapping names.
    let (b, page) = s.login("karin");
    assert_eq!(page.status, 200);
    assert!(session_of(&b, &s.server).is_some());
    let users = s.users();
    assert!(
        users
            .lines()
            .any(|l| l.contains("karin@region.se") && l.contains("viewer within social")),
        "{users}"
    );

    // Someone the mapping gives nothing: refused, and no account made.
    let (b, page) = s.login("nils");
    assert_eq!(page.status, 403);
    assert!(page.body.contains("ingen roll i klimat"), "{}", page.body);
    assert!(session_of(&b, &s.server).is_none());
    assert!(!s.users().contains("nils@region.se"));

    // A role removed at the provider: the next login is refused, the account
    // is disabled and the session it had ends.
    let (lena, page) = s.login("lena");
    assert_eq!(page.status, 200);
    let cookie = format!("klimat_session={}", session_of(&lena, &s.server).unwrap());
    assert_eq!(get(&s.server.url("/staff"), Some(&cookie)).status, 200);
    s.provider
        .set_groups("lena", "lena@region.se", &["alla-anstallda"]);
    let (_, page) = s.login("lena");
    assert_eq!(page.status, 403);
    assert!(
        s.users()
            .lines()
            .any(|l| l.contains("lena@region.se") && l.contains("(disabled)"))
    );
    let after = get(&s.server.url("/staff"), Some(&cookie));
    assert_eq!(after.status, 303, "the old session ended");

    // A role changed at the provider: the next login carries the new one.
    s.provider
        .set_groups("karin", "karin@region.se", &["klimat-utvarderare"]);
    let (_, page) = s.login("karin");
    assert_eq!(page.status, 200);
    assert!(s.users().lines().any(|l| l.contains("karin@region.se")
        && l.contains("evaluator")
        && !l.contains("within")));

    let audit = s.audit();
    for expected in [
        "single sign-on (subject eva)",
        "eva@region.se as evaluator by single sign-on",
        "no group maps to a role",
        "lena@region.se: the identity provider grants no klimat role",
        "karin@region.se: viewer → evaluator",
    ] {
        assert!(
            audit.contains(expected),
            "audit lacks {expected:?}:\n{audit}"
        );
    }
    assert!(!audit.contains(CLIENT_SECRET));
    assert!(!s.server.log().contains(CLIENT_SECRET));
}

#[test]
fn spoiled_tokens_tampered_state_and_replayed_codes_are_refused() {
    let s = setup(&[]);
    for (mode, why) in [
        (r#"{"aud":"another-client"}"#, "audience"),
        (r#"{"iss":"http://127.0.0.1:1"}"#, "issuer"),
        (r#"{"expired":true}"#, "expired"),
        (r#"{"nonce":"not-the-one-sent"}"#, "nonce"),
    ] {
        s.provider.spoil(mode);
        let (b, page) = s.login("eva");
        assert_eq!(page.status, 401, "{why}: {}", page.body);
        assert!(session_of(&b, &s.server).is_none(), "{why}: no session");
        let audit = s.audit();
        assert!(
            audit.to_lowercase().contains(why),
            "the audit log says why ({why}):\n{audit}"
        );
    }
    s.provider.spoil("{}");
    assert!(
        !s.users().contains("eva@region.se"),
        "no account from a spoiled token"
    );

    // Tampered state: the provider's answer with another state is refused.
    let mut b = Browser::default();
    let mut url = s.server.url("/staff/login/sso?next=/staff");
    let callback = loop {
        let page = b.get(&url);
        let location = page.header("location").unwrap().to_owned();
        url = if location.starts_with('/') {
            format!("{}{location}", s.provider.base)
        } else {
            location
        };
        if url.contains("/interaction/") {
            url = format!("{url}?account=eva");
        }
        if url.contains("/staff/login/sso/callback") {
            break url;
        }
    };
    let tampered = callback.replace("state=", "state=x");
    let mut copy = b.clone();
    let page = copy.get(&tampered);
    assert_eq!(page.status, 400);
    assert!(session_of(&copy, &s.server).is_none());

    // The genuine answer works once; the same code again (with the same
    // pending-login cookie, as an attacker who copied both would send it)
    // is refused by the provider, and without the cookie by klimat.
    let mut replay = b.clone();
    let page = b.get(&callback);
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(session_of(&b, &s.server).is_some());
    let again = replay.get(&callback);
    assert_eq!(again.status, 401, "a used code: {}", again.body);
    assert!(session_of(&replay, &s.server).is_none());
    let bare = get(&callback, None);
    assert_eq!(bare.status, 400);
    let audit = s.audit();
    assert!(audit.contains("the state does not match"), "{audit}");
    assert!(audit.contains("invalid_grant"), "{audit}");
}

#[test]
fn a_rotated_signing_key_is_fetched_again_but_not_more_than_once_a_minute() {
    let s = setup(&[]);
    let (b, page) = s.login("eva");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(session_of(&b, &s.server).is_some());

    // The provider rotates its key: the next ID token names a key id that
    // klimat did not read at start-up, so it fetches the keys again.
    s.provider.post("/test/rotate", "{}");
    let (b, page) = s.login("eva");
    assert_eq!(page.status, 200, "after the rotation: {}", page.body);
    assert!(session_of(&b, &s.server).is_some());
    assert!(
        s.server.log().contains("fetched again"),
        "the log says the keys were fetched again:\n{}",
        s.server.log()
    );

    // A second rotation within the minute is not followed: the login is
    // refused and the audit log says why.
    s.provider.post("/test/rotate", "{}");
    let (b, page) = s.login("eva");
    assert_eq!(page.status, 401, "{}", page.body);
    assert!(session_of(&b, &s.server).is_none());
    let audit = s.audit();
    assert!(
        audit.contains("no key with its key id") && audit.contains("fetched less than 60 s ago"),
        "{audit}"
    );
}

/// `klimat serve` with `env`, which is expected to stop by itself; killed
/// (and the test failed) if it is still running after 30 s.
fn serve_must_stop(k: &Klimat, env: &[(&'static str, String)]) -> std::process::Output {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("klimat"));
    cmd.current_dir(k.dir.path());
    for (key, _) in std::env::vars() {
        if key.starts_with("KLIMAT_") {
            cmd.env_remove(key);
        }
    }
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut child = cmd
        .args(["serve", "--no-worker"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("klimat serve kept running with {env:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_misconfigured_provider_stops_serve_unless_passwords_keep_it_usable() {
    let k = Klimat::new();
    let port = free_port();
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let run = |env: &[(&'static str, String)]| serve_must_stop(&k, env);
    // Unreachable discovery, passwords off: serve stops and names the setting.
    let env = env_for(port, &nowhere, &[("KLIMAT_PASSWORD_LOGIN", "false")]);
    let out = run(&env);
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("oidc_issuer") && err.contains("discovery"),
        "{err}"
    );

    // A wrong client secret, passwords off: serve stops and names it.
    let provider = Provider::start(&format!("http://127.0.0.1:{port}/staff/login/sso/callback"));
    let env = env_for(
        port,
        &provider.base,
        &[
            ("KLIMAT_PASSWORD_LOGIN", "false"),
            ("KLIMAT_OIDC_CLIENT_SECRET", "a-wrong-secret"),
        ],
    );
    let out = run(&env);
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(err.contains("oidc_client_secret"), "{err}");
    assert!(!err.contains("a-wrong-secret"), "the secret is not printed");

    // With password login on, serve starts, logs why, and the login page
    // says that the organisation's login is not working.
    let env = env_for(port, &nowhere, &[]);
    let server = Server::start(&k, &env);
    assert!(
        server.log().contains("single sign-on is unavailable"),
        "{}",
        server.log()
    );
    let login = get(&server.url("/staff/login"), None);
    assert!(
        login.body.contains("fungerar inte just nu"),
        "{}",
        login.body
    );
    assert!(
        !login.body.contains("sso?next="),
        "no button to a provider that is down"
    );
    assert!(login.body.contains("name=\"password\""));

    // Settings that cannot work are refused before anything starts.
    for (key, value, named) in [
        ("KLIMAT_OIDC_ROLES", "klimat", "oidc_roles"),
        ("KLIMAT_OIDC_ISSUER", "http://idp.example.se", "oidc_issuer"),
    ] {
        let env = env_for(port, &provider.base, &[(key, value)]);
        let out = run(&env);
        assert!(!out.status.success());
        assert!(stderr_of(&out).contains(named), "{}", stderr_of(&out));
    }
    let out = serve_must_stop(&k, &[("KLIMAT_PASSWORD_LOGIN", "false".to_owned())]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("password_login"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn password_login_can_be_switched_off() {
    let s = setup(&[("KLIMAT_PASSWORD_LOGIN", "false")]);
    let login = get(&s.server.url("/staff/login"), None);
    assert!(!login.body.contains("name=\"password\""), "{}", login.body);
    assert!(login.body.contains("Logga in med Testregionen"));
    let csrf = login.cookie("klimat_login").unwrap();
    let token = csrf.split_once('=').unwrap().1.to_owned();
    let page = post(
        &s.server.url("/staff/login"),
        &[
            ("email".into(), "eva@region.se".into()),
            ("password".into(), "a long enough password".into()),
            ("csrf".into(), token),
        ],
        Some(&csrf),
    );
    assert_eq!(page.status, 403);
    let (_, page) = s.login("eva");
    assert_eq!(page.status, 200);
}
