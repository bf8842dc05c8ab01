//! `klimat user`, `klimat token` and `klimat audit`: staff accounts, API
//! tokens and the audit log.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;

use super::data::open;
use crate::auth::{Role, hash_password};
use crate::config::Settings;
use crate::store::accounts;
use crate::store::outbox::now_ms;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account (the password is asked for, or read from stdin).
    #[command(
        after_help = "Examples:\n  klimat user add anna.berg@region.se --role evaluator\n  \
printf '%s\\n' \"$PASSWORD\" | klimat user add ledning@region.se --role viewer --password-stdin\n\n\
Roles: admin (accounts, units, retention, audit log), evaluator (waves, sends, reports, exports),\n\
viewer (leadership: aggregates only). Passwords have at least 12 characters."
    )]
    Add {
        email: String,
        /// viewer (dashboards), evaluator (studies, waves, reports) or admin (accounts, units, retention).
        #[arg(long)]
        role: Role,
        /// Read the password from the first line of stdin instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        /// A viewer limited to this unit and everything under it (a unit
        /// manager): only their figures and the organisation's.
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
    },
    /// Set a new password (ends the account's sessions and lifts a lockout).
    #[command(after_help = "Examples:\n  klimat user password anna.berg@region.se")]
    Password {
        email: String,
        /// Read the password from standard input instead of asking for it.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account (ends its sessions) or enable it again.
    #[command(
        after_help = "Examples:\n  klimat user disable anna.berg@region.se\n  klimat user disable anna.berg@region.se --enable"
    )]
    Disable {
        email: String,
        /// Enable the account again instead of disabling it.
        #[arg(long)]
        enable: bool,
    },
    /// List the accounts.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API bearer token; it is printed once and stored only as a hash.
    #[command(
        after_help = "Examples:\n  klimat token create --name intranet-dashboard --role viewer\n\n\
Use it as `Authorization: Bearer TOKEN` on /api/v1 (documented at /api/v1/openapi.json)."
    )]
    Create {
        /// The token's name, as the audit log shows it.
        #[arg(long)]
        name: String,
        /// The role the token acts as: viewer, evaluator or admin.
        #[arg(long)]
        role: Role,
        /// A viewer token limited to this unit and everything under it.
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
    },
    /// Revoke a token by name.
    #[command(after_help = "Examples:\n  klimat token revoke intranet-dashboard")]
    Revoke { name: String },
}

pub fn user(cmd: UserCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    match cmd {
        UserCommand::Add {
            email,
            role,
            password_stdin,
            unit,
        } => {
            let user = crate::app::setup::add_user(
                &mut conn,
                &crate::app::Actor::cli(),
                &email,
                role,
                &password(password_stdin)?,
                unit.as_deref(),
            )?;
            let within = unit
                .map(|u| format!(", limited to {u}"))
                .unwrap_or_default();
            println!("added {} as {}{within}", user.email, user.role);
        }
        UserCommand::Password {
            email,
            password_stdin,
        } => {
            let hash = hash_password(&password(password_stdin)?).map_err(anyhow::Error::msg)?;
            accounts::set_password(&mut conn, &email, &hash)?;
            accounts::audit(&mut conn, "cli", "user.password", &email, now_ms())?;
            println!("password of {email} changed; its sessions are ended");
        }
        UserCommand::Disable { email, enable } => {
            accounts::set_disabled(&mut conn, &email, !enable)?;
            let action = if enable {
                "user.enable"
            } else {
                "user.disable"
            };
            accounts::audit(&mut conn, "cli", action, &email, now_ms())?;
            println!("{email} {}", if enable { "enabled" } else { "disabled" });
        }
        UserCommand::List => {
            let units = crate::store::units::all(&mut conn)?;
            for u in accounts::users(&mut conn)? {
                let state = if u.disabled { "  (disabled)" } else { "" };
                let within = u
                    .scope
                    .and_then(|id| units.iter().find(|unit| unit.id == id))
                    .map(|unit| format!(" within {}", unit.code))
                    .unwrap_or_default();
                println!("{:<40} {}{within}{state}", u.email, u.role);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn token(cmd: TokenCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    match cmd {
        TokenCommand::Create { name, role, unit } => {
            let scope = crate::app::setup::unit_scope(&mut conn, role, unit.as_deref())?;
            let key = accounts::create_token(&mut conn, &name, role, now_ms(), scope)?;
            let within = unit.map(|u| format!(" within {u}")).unwrap_or_default();
            accounts::audit(
                &mut conn,
                "cli",
                "token.create",
                &format!("{name} as {role}{within}"),
                now_ms(),
            )?;
            eprintln!("token `{name}` ({role}); it is shown only now:");
            println!("{key}");
        }
        TokenCommand::Revoke { name } => {
            accounts::revoke_token(&mut conn, &name)?;
            accounts::audit(&mut conn, "cli", "token.revoke", &name, now_ms())?;
            println!("token `{name}` revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn audit(limit: i64, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    for e in accounts::audit_entries(&mut conn, limit, None)? {
        let at = chrono::DateTime::from_timestamp_millis(e.at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        println!("{at}  {:<28} {:<18} {}", e.actor, e.action, e.detail);
    }
    Ok(ExitCode::SUCCESS)
}

/// A password from a prompt (asked twice) or from stdin's first line.
fn password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("password: ").context("reading the password")?;
    let second = rpassword::prompt_password("again: ").context("reading the password")?;
    if first != second {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}
