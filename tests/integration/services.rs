//! Real services for the tests: an SMTP server (aiosmtpd, not ours) and
//! `klimat serve` on a random port, each a child process killed on drop;
//! plus a wave set up through the CLI.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::*;

/// The Python that has aiosmtpd (Debian's python3-aiosmtpd; .ci/services.sh installs it).
fn python() -> String {
    std::env::var("KLIMAT_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned())
}

pub struct Smtp {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Received {
    pub time: f64,
    pub rcpt: String,
    pub message_id: String,
    pub file: String,
}

impl Smtp {
    /// Starts the receiver; `delay` seconds pass before each message is accepted.
    pub fn start(dir: &Path, delay: f64) -> Smtp {
        let mut child = Command::new(python())
            .arg(repo().join("tests/smtp/server.py"))
            .args([
                "--out",
                dir.to_str().unwrap(),
                "--delay",
                &delay.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd runs tests/smtp/server.py (bash .ci/test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| {
                panic!("the SMTP server did not start: {line:?} (is python3-aiosmtpd installed?)")
            })
            .parse()
            .unwrap();
        Smtp {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        std::fs::read_to_string(self.dir.join("received.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits until at least `n` messages arrived (or panics after `secs`).
    pub fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let r = self.received();
            if r.len() >= n {
                return r;
            }
            assert!(
                Instant::now() < end,
                "only {} of {n} messages arrived",
                r.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn message(&self, r: &Received) -> Vec<u8> {
        std::fs::read(self.dir.join(&r.file)).unwrap()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `klimat serve` in the test's directory, on a random port.
pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    pub fn start(k: &Klimat, env: &[(&str, String)]) -> Server {
        Server::start_with(k, env, &[])
    }

    /// Without its outbox worker, for tests that run `klimat worker --once`
    /// themselves: a second worker could claim their messages first.
    pub fn start_without_worker(k: &Klimat, env: &[(&str, String)]) -> Server {
        Server::start_with(k, env, &["--no-worker"])
    }

    fn start_with(k: &Klimat, env: &[(&str, String)], args: &[&str]) -> Server {
        let log = k.path(&format!("serve-{}.log", rand::random::<u32>()));
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("klimat"));
        cmd.current_dir(k.dir.path());
        for (key, _) in std::env::vars() {
            if key.starts_with("KLIMAT_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("KLIMAT_BIND", "127.0.0.1:0")
            .env("RUST_LOG", "info");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let mut child = cmd
            .args(["serve", "--threads", "2"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "klimat serve did not start: {line:?}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .to_owned();
        Server {
            child,
            base: addr,
            log,
        }
    }

    /// A server started some other way (its stdout already read).
    pub fn attach(child: Child, base: String) -> Server {
        Server {
            child,
            base,
            log: PathBuf::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP response as the tests look at it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `name=value` of a Set-Cookie header for `name`, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.split(';').next().unwrap_or("").to_owned())
            .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn page(response: ureq::http::Response<ureq::Body>) -> Page {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.into_body().read_to_string().unwrap_or_default();
    Page {
        status,
        body,
        headers,
    }
}

pub fn get(url: &str, cookie: Option<&str>) -> Page {
    let mut req = agent().get(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    page(req.call().unwrap())
}

pub fn post(url: &str, form: &[(String, String)], cookie: Option<&str>) -> Page {
    let mut req = agent().post(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    page(req.send_form(pairs).unwrap())
}

/// Runs klimat with `env`; panics with its stderr on failure.
pub fn klimat(k: &Klimat, env: &[(&str, String)], args: &[&str]) -> String {
    let mut cmd = k.cmd();
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    stdout_of(&out)
}

pub const WAVE: &str = "pilot:2026-12";
/// The closing date of [`WAVE`].
pub const CLOSES: &str = "2099-12-31";

/// Units u1–u3, the team-climate survey, a study, an open wave (closing far
/// ahead) with `roster` (email, unit, language).
pub fn open_wave(k: &Klimat, env: &[(&str, String)], roster: &[(&str, &str, &str)]) {
    k.write(
        "units.csv",
        "code,name,parent\nregion,Region Exempel,\nu1,Vårdcentral Norr,region\nu2,Enhet Syd,region\nu3,Enhet Väst,region\n",
    );
    let mut text = String::from("email,unit,language\n");
    for (email, unit, lang) in roster {
        text += &format!("{email},{unit},{lang}\n");
    }
    k.write("roster.csv", &text);
    let survey = repo().join("surveys/team-climate.toml");
    klimat(k, env, &["unit", "import", "units.csv"]);
    klimat(k, env, &["survey", "publish", arg(&survey)]);
    klimat(
        k,
        env,
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
            "u2,u3",
            "--intervention-date",
            "2026-06-01",
        ],
    );
    klimat(
        k,
        env,
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
            CLOSES,
        ],
    );
    klimat(k, env, &["roster", "import", "--wave", WAVE, "roster.csv"]);
    klimat(k, env, &["wave", "open", WAVE]);
}

/// The item ids of the team-climate survey, in order.
pub fn item_ids() -> Vec<String> {
    let survey = klimat::survey::load(&repo().join("surveys/team-climate.toml")).unwrap();
    survey.items.iter().map(|i| i.id.clone()).collect()
}

/// A complete submission: every item answered with `value`.
pub fn full_answers(value: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("page".to_owned(), "1".to_owned()),
        ("action".to_owned(), "submit".to_owned()),
    ];
    form.extend(
        item_ids()
            .into_iter()
            .map(|id| (format!("i.{id}"), value.to_owned())),
    );
    form
}

/// The survey token in a delivered message's link (`/s/TOKEN`).
pub fn link_token(message: &[u8], prefix: &str) -> String {
    let text = String::from_utf8_lossy(message)
        .replace("=\r\n", "")
        .replace("=\n", "");
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in\n{text}"))
        + prefix.len();
    text[start..start + 40].to_owned()
}

/// The test's SQLite database (the default `klimat.db` in its folder).
pub fn database(k: &Klimat) -> klimat::store::Database {
    let url = format!("sqlite://{}", k.path("klimat.db").display());
    klimat::store::Database::open(&url, klimat::store::Migrations::Require).unwrap()
}

/// Responses stored in the test's SQLite database.
pub fn response_count(k: &Klimat, source: &str) -> i64 {
    use diesel::prelude::*;
    use klimat::store::schema::responses;
    responses::table
        .filter(responses::source.eq(source))
        .count()
        .get_result(&mut *database(k).get().unwrap())
        .unwrap()
}
