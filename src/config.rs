//! Settings: the one source of truth for configuration.
//!
//! Layers, later wins: the documented defaults of [`Settings`], then an optional
//! TOML file (`--config PATH` or `KLIMAT_CONFIG`; `klimat.toml` in the working
//! directory when present), then `KLIMAT_*` environment variables (for example
//! `KLIMAT_MIN_GROUP_SIZE=7`). Invalid settings stop start-up with a message
//! that names the key, where it came from, and the problem.
//!
//! Secrets that later settings may hold are never printed: [`Settings::redacted`]
//! is what may be shown or logged.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The file read when neither `--config` nor `KLIMAT_CONFIG` names one.
pub const DEFAULT_CONFIG_FILE: &str = "klimat.toml";
/// No group smaller than this may ever be shown, whatever is configured.
pub const MIN_GROUP_SIZE_FLOOR: u32 = 3;

/// Comments are shown for groups of at least this many unless configured.
pub const DEFAULT_COMMENT_MINIMUM: u32 = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where klimat keeps its data: `sqlite://PATH` (the embedded default) or
    /// `postgres://user:password@host/db`. Default: `sqlite://klimat.db`.
    pub database_url: String,
    /// Smallest group whose figures are shown in any output; at least 3.
    /// Default: 5. A wave fixes its own value when it opens.
    pub min_group_size: u32,
    /// Smallest group whose free-text comments are shown; never below
    /// `min_group_size`. Default: 10, or `min_group_size` when that is
    /// larger. A wave fixes its own value when it is created.
    pub min_group_size_comments: Option<u32>,
    /// Folder where generated reports are written. Default: `reports`.
    pub reports_dir: PathBuf,

    /// The server secret from which personal links are derived (HMAC), at
    /// least 32 characters. Several instances must share it. Default: none,
    /// and `secret_file` is used.
    pub secret: Option<String>,
    /// Where the secret is kept when `secret` is not set; created with 32
    /// random bytes (readable by the owner only) on first use.
    /// Default: `klimat.secret`.
    pub secret_file: PathBuf,
    /// The address people reach klimat at; links in e-mails start with it.
    /// Default: `http://localhost:8080`.
    pub public_url: String,
    /// Address and port `klimat serve` listens on. Default: `127.0.0.1:8080`.
    pub bind: String,

    /// The SMTP relay: `smtp://host:port` (plain, or STARTTLS with
    /// `?tls=required`), `smtps://user:password@host` (TLS). Default: none,
    /// and messages are written as .eml files to `mail_dir`.
    pub smtp_url: Option<String>,
    /// Folder for .eml files when no `smtp_url` is set. Default: `mail-out`.
    pub mail_dir: PathBuf,
    /// Sender address. Default: `klimat@localhost`.
    pub mail_from: String,
    /// Sender name. Default: `Klimat`.
    pub mail_from_name: String,
    /// Reply-To address. Default: none.
    pub mail_reply_to: Option<String>,
    /// Who runs the survey, named on the form, in the e-mails and on every
    /// respondent page ("Region Exempel, HR"). Default: none.
    pub organisation_name: Option<String>,
    /// Whom respondents may ask about the survey, on the same pages and
    /// e-mails. Default: none.
    pub contact_email: Option<String>,
    /// Messages per second at most, over all connections. Default: 50.
    pub mail_rate: f64,
    /// Parallel SMTP connections at most. Default: 4.
    pub mail_connections: u32,
    /// Seconds one send (connect, commands, data) may take. Default: 30.
    pub mail_timeout_secs: u64,
    /// Attempts before a temporarily failing message is given up. Default: 8.
    pub mail_max_attempts: u32,
    /// First retry delay in seconds, doubled per attempt. Default: 60.
    pub mail_retry_secs: f64,
    /// Seconds a worker holds claimed messages before another may take them.
    /// Default: 300.
    pub mail_lease_secs: u64,
    /// Folder with template files overriding the built-in ones
    /// (`invitation.sv.txt`, `invitation.sv.html`, `reminder.en.txt`, …).
    /// Default: none.
    pub mail_templates_dir: Option<PathBuf>,

    /// Seconds a staff session lasts without a request. Default: 1800.
    pub session_idle_secs: u64,
    /// Seconds a staff session lasts at most, however active. Default: 43200.
    pub session_max_secs: u64,
    /// Addresses of the load balancers or proxies in front of klimat,
    /// comma-separated. Requests from them are limited (link guesses,
    /// logins) by the client address they add to `X-Forwarded-For`; without
    /// them that header is ignored, since any client could write it.
    /// Default: none.
    pub trusted_proxies: String,
    /// Failed logins in a row before an account is locked. Default: 5.
    pub login_max_failures: u32,
    /// Seconds an account stays locked after too many failures. Default: 900.
    pub login_lock_secs: u64,

    /// Whether staff may log in with a klimat password. Switch it off when
    /// everyone signs in through the identity provider. Default: true.
    pub password_login: bool,
    /// The OpenID Connect identity provider's issuer URL (discovery at
    /// `…/.well-known/openid-configuration`), for staff single sign-on.
    /// Default: none (no single sign-on).
    pub oidc_issuer: Option<String>,
    /// klimat's client id at the provider. Default: none.
    pub oidc_client_id: Option<String>,
    /// klimat's client secret at the provider (never printed). Default: none.
    pub oidc_client_secret: Option<String>,
    /// The ID token claim with the person's e-mail address. Default: `email`.
    pub oidc_email_claim: String,
    /// The ID token claim listing the person's groups or roles. Default: `groups`.
    pub oidc_groups_claim: String,
    /// Which groups give which klimat role: `group=role` or
    /// `group=viewer:UNIT`, separated by commas (the highest role wins).
    /// A person in none of them cannot log in, and their account is
    /// disabled. Default: none.
    pub oidc_roles: String,
    /// Scopes asked for. Default: `openid email profile`.
    pub oidc_scopes: String,
    /// The provider's name on the login button ("Logga in med …").
    /// Default: none, and the button says "your organisation's login".
    pub oidc_name: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://klimat.db".to_owned(),
            min_group_size: 5,
            min_group_size_comments: None,
            reports_dir: PathBuf::from("reports"),
            secret: None,
            secret_file: PathBuf::from("klimat.secret"),
            public_url: "http://localhost:8080".to_owned(),
            bind: "127.0.0.1:8080".to_owned(),
            smtp_url: None,
            mail_dir: PathBuf::from("mail-out"),
            mail_from: "klimat@localhost".to_owned(),
            mail_from_name: "Klimat".to_owned(),
            mail_reply_to: None,
            organisation_name: None,
            contact_email: None,
            mail_rate: 50.0,
            mail_connections: 4,
            mail_timeout_secs: 30,
            mail_max_attempts: 8,
            mail_retry_secs: 60.0,
            mail_lease_secs: 300,
            mail_templates_dir: None,
            session_idle_secs: 1800,
            session_max_secs: 43_200,
            trusted_proxies: String::new(),
            login_max_failures: 5,
            login_lock_secs: 900,
            password_login: true,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_email_claim: "email".to_owned(),
            oidc_groups_claim: "groups".to_owned(),
            oidc_roles: String::new(),
            oidc_scopes: "openid email profile".to_owned(),
            oidc_name: None,
        }
    }
}

/// Why settings could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration file {} does not exist", .0.display())]
    MissingFile(PathBuf),
    #[error("invalid setting: {0}")]
    Extract(String),
    #[error("invalid setting `{key}` (from {source_name}): {problem}")]
    Invalid {
        key: &'static str,
        source_name: String,
        problem: String,
    },
}

/// The address links point to when only `bind` is given: `http://` and the
/// bound host and port, a loopback or any-address host as `localhost`.
fn public_url_of(bind: &str) -> String {
    let (host, port) = bind.rsplit_once(':').unwrap_or((bind, "80"));
    let host = match host.trim_matches(['[', ']']) {
        "127.0.0.1" | "0.0.0.0" | "::" | "::1" | "" => "localhost",
        _ => host,
    };
    format!("http://{host}:{port}")
}

impl Settings {
    /// Builds settings from defaults, the file and the environment.
    ///
    /// `file` is the path given with `--config` or `KLIMAT_CONFIG`; when it is
    /// `None`, `klimat.toml` is read only if it exists.
    pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
        let path = match file {
            Some(p) if !p.exists() => return Err(SettingsError::MissingFile(p.to_owned())),
            Some(p) => Some(p.to_owned()),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
        };
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = &path {
            figment = figment.merge(Toml::file_exact(path));
        }
        // Only variables that name a setting: KLIMAT_CONFIG and the variables of
        // tools that share the prefix (KLIMAT_TEST_*) are not settings.
        let keys = Settings::keys();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        figment = figment.merge(Env::prefixed("KLIMAT_").only(&keys));
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| SettingsError::Extract(describe(e)))?;
        // Links follow the address klimat listens on unless the public address is given.
        let defaults = Figment::from(Serialized::defaults(Settings::default()));
        let named = |key: &str| {
            figment.find_metadata(key).map(|m| m.name.clone())
                != defaults.find_metadata(key).map(|m| m.name.clone())
        };
        if !named("public_url") && named("bind") {
            settings.public_url = public_url_of(&settings.bind);
        }
        settings.validate(&figment)?;
        Ok(settings)
    }

    fn keys() -> Vec<String> {
        match serde_json::to_value(Settings::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// The smallest group whose comments are shown, as new waves fix it.
    pub fn comment_minimum(&self) -> u32 {
        self.min_group_size_comments
            .unwrap_or(DEFAULT_COMMENT_MINIMUM)
            .max(self.min_group_size)
    }

    /// The trusted proxies' addresses, or the first entry that is not one.
    pub fn proxies(&self) -> Result<Vec<std::net::IpAddr>, String> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().map_err(|_| p.to_owned()))
            .collect()
    }

    fn validate(&self, figment: &Figment) -> Result<(), SettingsError> {
        let invalid = |key: &'static str, problem: String| SettingsError::Invalid {
            key,
            source_name: figment
                .find_metadata(key)
                .map(|m| m.name.to_string())
                .unwrap_or_else(|| "defaults".to_owned()),
            problem,
        };
        if self.min_group_size < MIN_GROUP_SIZE_FLOOR {
            return Err(invalid(
                "min_group_size",
                format!(
                    "{} is below the floor of {MIN_GROUP_SIZE_FLOOR}; groups that small would let readers identify people",
                    self.min_group_size
                ),
            ));
        }
        if let Some(n) = self.min_group_size_comments
            && n < self.min_group_size
        {
            return Err(invalid(
                "min_group_size_comments",
                format!(
                    "{n} is below min_group_size ({}); comments identify people more easily than figures, so their groups are never smaller",
                    self.min_group_size
                ),
            ));
        }
        let scheme = self.database_url.split_once("://").map(|(s, _)| s);
        if !matches!(scheme, Some("sqlite" | "postgres" | "postgresql")) {
            return Err(invalid(
                "database_url",
                "expected sqlite://PATH or postgres://user:password@host/database".to_owned(),
            ));
        }
        if let Some(secret) = &self.secret
            && secret.chars().count() < 32
        {
            return Err(invalid(
                "secret",
                format!(
                    "it has {} characters; use at least 32 random ones (e.g. `openssl rand -hex 32`)",
                    secret.chars().count()
                ),
            ));
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://"))
            || self.public_url.len() <= "https://".len()
        {
            return Err(invalid(
                "public_url",
                format!(
                    "`{}` is not an http:// or https:// address",
                    self.public_url
                ),
            ));
        }
        if let Err(bad) = self.proxies() {
            return Err(invalid(
                "trusted_proxies",
                format!("`{bad}` is not an IP address (list addresses separated by commas)"),
            ));
        }
        if self.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(
                "bind",
                format!(
                    "`{}` is not an address and port like 127.0.0.1:8080",
                    self.bind
                ),
            ));
        }
        if let Some(url) = &self.smtp_url
            && let Err(problem) = crate::mail::check_smtp_url(url)
        {
            return Err(invalid("smtp_url", problem));
        }
        if let Err(problem) = crate::mail::parse_address(&self.mail_from) {
            return Err(invalid("mail_from", problem));
        }
        if let Some(reply_to) = &self.mail_reply_to
            && let Err(problem) = crate::mail::parse_address(reply_to)
        {
            return Err(invalid("mail_reply_to", problem));
        }
        if let Some(contact) = &self.contact_email
            && let Err(problem) = crate::mail::parse_address(contact)
        {
            return Err(invalid("contact_email", problem));
        }
        if let Some(name) = &self.organisation_name
            && (name.trim().is_empty() || name.chars().count() > 200)
        {
            return Err(invalid(
                "organisation_name",
                "give the organisation's name (1–200 characters), or leave it out".to_owned(),
            ));
        }
        if !(self.mail_rate.is_finite() && self.mail_rate > 0.0) {
            return Err(invalid(
                "mail_rate",
                format!(
                    "{} messages per second: use a positive number",
                    self.mail_rate
                ),
            ));
        }
        if !(1..=64).contains(&self.mail_connections) {
            return Err(invalid(
                "mail_connections",
                format!("{}: use 1 to 64 connections", self.mail_connections),
            ));
        }
        for (key, value) in [
            ("mail_timeout_secs", self.mail_timeout_secs),
            ("mail_lease_secs", self.mail_lease_secs),
            ("mail_max_attempts", u64::from(self.mail_max_attempts)),
            ("session_idle_secs", self.session_idle_secs),
            ("session_max_secs", self.session_max_secs),
            ("login_max_failures", u64::from(self.login_max_failures)),
            ("login_lock_secs", self.login_lock_secs),
        ] {
            if value == 0 {
                return Err(invalid(key, "0: use at least 1".to_owned()));
            }
        }
        if self.mail_lease_secs <= self.mail_timeout_secs {
            return Err(invalid(
                "mail_lease_secs",
                format!(
                    "{} s is not longer than mail_timeout_secs ({} s): another worker could take a message still being sent",
                    self.mail_lease_secs, self.mail_timeout_secs
                ),
            ));
        }
        if !(self.mail_retry_secs.is_finite() && self.mail_retry_secs >= 0.0) {
            return Err(invalid(
                "mail_retry_secs",
                format!(
                    "{}: use a number of seconds, 0 or more",
                    self.mail_retry_secs
                ),
            ));
        }
        self.validate_sso(&invalid)?;
        if let Some(dir) = &self.mail_templates_dir
            && !dir.is_dir()
        {
            return Err(invalid(
                "mail_templates_dir",
                format!("{} is not a folder", dir.display()),
            ));
        }
        Ok(())
    }

    fn validate_sso(
        &self,
        invalid: &dyn Fn(&'static str, String) -> SettingsError,
    ) -> Result<(), SettingsError> {
        let parts = [
            ("oidc_issuer", self.oidc_issuer.is_some()),
            ("oidc_client_id", self.oidc_client_id.is_some()),
            ("oidc_client_secret", self.oidc_client_secret.is_some()),
        ];
        if parts.iter().any(|(_, set)| *set) {
            if let Some((missing, _)) = parts.iter().find(|(_, set)| !*set) {
                return Err(invalid(
                    missing,
                    "single sign-on needs oidc_issuer, oidc_client_id and oidc_client_secret together".to_owned(),
                ));
            }
            if let Some(issuer) = &self.oidc_issuer {
                let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                    .iter()
                    .any(|p| issuer.starts_with(p));
                if !(issuer.starts_with("https://") || loopback) {
                    return Err(invalid(
                        "oidc_issuer",
                        format!(
                            "`{issuer}` is not an https:// address (plain http only on loopback)"
                        ),
                    ));
                }
            }
            let roles = crate::sso::RoleMap::parse(&self.oidc_roles)
                .map_err(|problem| invalid("oidc_roles", problem))?;
            if roles.0.is_empty() {
                return Err(invalid(
                    "oidc_roles",
                    "map at least one group to a role (for example klimat-utvarderare=evaluator), or nobody can log in through the provider".to_owned(),
                ));
            }
            if !self.oidc_scopes.split_whitespace().any(|s| s == "openid") {
                return Err(invalid(
                    "oidc_scopes",
                    "include `openid`: without it the provider gives no ID token".to_owned(),
                ));
            }
        }
        if !self.password_login && self.oidc_issuer.is_none() {
            return Err(invalid(
                "password_login",
                "false without oidc_issuer: nobody could log in; configure single sign-on first"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// The settings with secrets masked, fit to print or log.
    pub fn redacted(&self) -> Settings {
        let mut out = self.clone();
        out.database_url = redact_url_password(&self.database_url);
        out.smtp_url = self.smtp_url.as_deref().map(redact_url_password);
        if out.secret.is_some() {
            out.secret = Some("***".to_owned());
        }
        if out.oidc_client_secret.is_some() {
            out.oidc_client_secret = Some("***".to_owned());
        }
        out
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, None), |(a, p)| (a, Some(p)));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
    let masked = if userinfo.contains(':') {
        format!("{user}:***")
    } else {
        user.to_owned()
    };
    match path {
        Some(p) => format!("{scheme}://{masked}@{host}/{p}"),
        None => format!("{scheme}://{masked}@{host}"),
    }
}

fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() {
                String::new()
            } else {
                format!("`{}`: ", e.path.join("."))
            };
            let from = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(figment::Source::File(p)) => format!(" (in {})", p.display()),
                    _ => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            format!("{key}{}{from}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
// figment's Jail fixes the closure's error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn load_in(
        jail: &mut Jail,
        file: &str,
        env: &[(&str, &str)],
    ) -> Result<Settings, SettingsError> {
        jail.create_file("klimat.toml", file).unwrap();
        for (k, v) in env {
            jail.set_env(k, v);
        }
        Settings::load(None)
    }

    #[test]
    fn defaults_are_the_documented_values() {
        Jail::expect_with(|jail| {
            let s = load_in(jail, "", &[]).unwrap();
            assert_eq!(s, Settings::default());
            assert_eq!(s.min_group_size, 5);
            assert_eq!(s.database_url, "sqlite://klimat.db");
            Ok(())
        });
    }

    #[test]
    fn links_follow_the_bound_address_unless_the_public_one_is_given() {
        Jail::expect_with(|jail| {
            let s = load_in(jail, "", &[("KLIMAT_BIND", "127.0.0.1:9090")]).unwrap();
            assert_eq!(s.public_url, "http://localhost:9090");
            jail.clear_env();
            let s = load_in(jail, "bind = \"10.1.2.3:8000\"\n", &[]).unwrap();
            assert_eq!(s.public_url, "http://10.1.2.3:8000");
            let s = load_in(
                jail,
                "bind = \"0.0.0.0:8000\"\npublic_url = \"https://klimat.region.se\"\n",
                &[],
            )
            .unwrap();
            assert_eq!(s.public_url, "https://klimat.region.se");
            Ok(())
        });
    }

    #[test]
    fn the_environment_overrides_the_file_which_overrides_defaults() {
        Jail::expect_with(|jail| {
            let env = [
                ("KLIMAT_MIN_GROUP_SIZE", "9"),
                ("KLIMAT_TEST_DATABASE_URL", "not a setting"),
            ];
            let s = load_in(jail, "min_group_size = 7\nreports_dir = \"out\"\n", &env).unwrap();
            assert_eq!(s.min_group_size, 9);
            assert_eq!(s.reports_dir, PathBuf::from("out"));
            Ok(())
        });
    }

    #[test]
    fn a_group_size_below_three_names_the_key_and_its_source() {
        Jail::expect_with(|jail| {
            let e = load_in(jail, "min_group_size = 2\n", &[])
                .unwrap_err()
                .to_string();
            assert!(e.contains("`min_group_size`"), "{e}");
            assert!(e.contains("below the floor of 3"), "{e}");
            assert!(e.contains("TOML file"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn the_comment_minimum_follows_the_group_size_and_is_never_below_it() {
        Jail::expect_with(|jail| {
            let s = load_in(jail, "min_group_size = 12\n", &[]).unwrap();
            assert_eq!(s.comment_minimum(), 12);
            let s = load_in(jail, "min_group_size = 5\n", &[]).unwrap();
            assert_eq!(s.comment_minimum(), 10);
            let e = load_in(jail, "min_group_size_comments = 4\n", &[])
                .unwrap_err()
                .to_string();
            assert!(e.contains("`min_group_size_comments`"), "{e}");
            assert!(e.contains("below min_group_size (5)"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        Jail::expect_with(|jail| {
            let e = load_in(jail, "min_groupsize = 7\n", &[])
                .unwrap_err()
                .to_string();
            assert!(e.contains("min_groupsize"), "{e}");
            assert!(e.contains("klimat.toml"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn a_non_number_from_the_environment_names_the_key_and_variable() {
        Jail::expect_with(|jail| {
            let e = load_in(jail, "", &[("KLIMAT_MIN_GROUP_SIZE", "five")])
                .unwrap_err()
                .to_string();
            assert!(e.contains("min_group_size"), "{e}");
            assert!(e.contains("KLIMAT_"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn a_database_url_with_an_unknown_scheme_is_refused() {
        Jail::expect_with(|jail| {
            let e = load_in(jail, "", &[("KLIMAT_DATABASE_URL", "postgress://x/y")])
                .unwrap_err()
                .to_string();
            assert!(e.contains("`database_url`"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_that_does_not_exist_is_an_error() {
        let e = Settings::load(Some(Path::new("/nonexistent/klimat.toml"))).unwrap_err();
        assert!(matches!(e, SettingsError::MissingFile(_)));
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            redact_url_password("postgres://k:s3cret@db:5432/klimat"),
            "postgres://k:***@db:5432/klimat"
        );
        assert_eq!(
            redact_url_password("sqlite://klimat.db"),
            "sqlite://klimat.db"
        );
    }
}
