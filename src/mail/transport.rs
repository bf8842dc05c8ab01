//! Where messages go: an SMTP relay through lettre's async transport with a
//! connection pool and a timeout, or, when no relay is configured, .eml
//! files in a folder (lettre's file transport). A send ends in one of three
//! ways: accepted, a temporary failure (4xx, connection trouble, timeout),
//! or a permanent one (5xx).

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Settings, redact_url_password};

/// What the relay said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Accepted,
    Temporary(String),
    Permanent(String),
}

pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The URL with the password masked, for messages.
        shown: String,
        timeout: Duration,
    },
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// lettre's builder for `url`, or why the URL is not usable.
pub(super) fn smtp_builder(
    url: &str,
) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, String> {
    let shown = redact_url_password(url);
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        return Err(format!(
            "`{shown}`: expected smtp://host:port, smtp://host:port?tls=required or smtps://user:password@host"
        ));
    }
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| {
        let e = e.to_string();
        let e = match url.split_once("://").and_then(|(_, r)| r.split_once('@')) {
            Some((userinfo, _)) => e.replace(userinfo, "***"),
            None => e,
        };
        format!("`{shown}`: {e}")
    })
}

impl Mailer {
    pub fn new(settings: &Settings) -> Result<Mailer, String> {
        let timeout = Duration::from_secs(settings.mail_timeout_secs);
        match &settings.smtp_url {
            Some(url) => {
                let transport = smtp_builder(url)?
                    .timeout(Some(timeout))
                    .pool_config(
                        PoolConfig::new()
                            .max_size(settings.mail_connections)
                            .idle_timeout(Duration::from_secs(30)),
                    )
                    .build();
                Ok(Mailer::Smtp {
                    transport,
                    shown: redact_url_password(url),
                    timeout,
                })
            }
            None => {
                std::fs::create_dir_all(&settings.mail_dir).map_err(|e| {
                    format!(
                        "cannot create the mail folder {}: {e}",
                        settings.mail_dir.display()
                    )
                })?;
                Ok(Mailer::Files {
                    transport: AsyncFileTransport::new(&settings.mail_dir),
                    dir: settings.mail_dir.clone(),
                })
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { shown, .. } => format!("SMTP relay {shown}"),
            Mailer::Files { dir, .. } => format!(".eml files in {}", dir.display()),
        }
    }

    /// Checks that the relay answers (NOOP), within the timeout.
    pub async fn check(&self) -> Result<(), String> {
        match self {
            Mailer::Smtp {
                transport,
                shown,
                timeout,
            } => match tokio::time::timeout(*timeout, transport.test_connection()).await {
                Err(_) => Err(format!(
                    "the SMTP server {shown} did not answer within {} s",
                    timeout.as_secs()
                )),
                Ok(Err(e)) => Err(format!("cannot reach the SMTP server {shown}: {e}")),
                Ok(Ok(false)) => Err(format!("the SMTP server {shown} closed the connection")),
                Ok(Ok(true)) => Ok(()),
            },
            Mailer::Files { .. } => Ok(()),
        }
    }

    pub async fn send(&self, message: Message) -> Delivery {
        match self {
            Mailer::Smtp {
                transport, timeout, ..
            } => match tokio::time::timeout(*timeout, transport.send(message)).await {
                Err(_) => Delivery::Temporary(format!("no answer within {} s", timeout.as_secs())),
                Ok(Ok(_)) => Delivery::Accepted,
                Ok(Err(e)) if e.is_permanent() => Delivery::Permanent(e.to_string()),
                Ok(Err(e)) => Delivery::Temporary(e.to_string()),
            },
            Mailer::Files { transport, dir } => {
                // The folder may have been emptied and removed while the
                // worker ran (an administrator collecting the files):
                // make it again rather than retry later.
                if let Err(e) = tokio::fs::create_dir_all(dir).await {
                    return Delivery::Temporary(format!("{}: {e}", dir.display()));
                }
                match transport.send(message).await {
                    Ok(_) => Delivery::Accepted,
                    Err(e) => Delivery::Temporary(e.to_string()),
                }
            }
        }
    }
}
