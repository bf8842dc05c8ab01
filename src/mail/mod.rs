//! E-mail: templates, message composition, the SMTP (or file) transport, the
//! outbox worker and bounce reading. The only module that knows lettre.
//!
//! Messages are never sent inside a command or a web request: those queue
//! outbox rows (`store::outbox`), and [`worker`] sends them.

pub mod bounce;
pub mod message;
pub mod template;
pub mod transport;
pub mod worker;

pub use message::Composer;
pub use template::Templates;
pub use transport::Mailer;
pub use worker::{WorkerConfig, WorkerStats};

/// A mailbox address as lettre will send to it, lower-cased so that one
/// person is one address; or why it is not one.
pub fn parse_address(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    trimmed
        .parse::<lettre::Address>()
        .map(|a| a.to_string().to_lowercase())
        .map_err(|e| format!("`{trimmed}` is not an e-mail address ({e})"))
}

/// Whether lettre accepts an SMTP URL, in words when it does not. The
/// password is never part of the message.
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    transport::smtp_builder(url).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_normalised() {
        assert_eq!(
            parse_address(" Anna.Svensson@Region.SE ").unwrap(),
            "anna.svensson@region.se"
        );
        for bad in ["anna", "anna@", "@region.se", "anna svensson@region.se", ""] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn smtp_urls_are_checked_without_showing_the_password() {
        for good in [
            "smtp://localhost:2525",
            "smtp://relay.region.se:587?tls=required",
            "smtps://klimat:s3cret@relay.region.se",
        ] {
            assert!(check_smtp_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://relay.region.se",
            "smtp://",
            "relay.region.se:25",
            "smtps://klimat:s3cret@",
        ] {
            let e = check_smtp_url(bad).unwrap_err();
            assert!(!e.contains("s3cret"), "{e}");
        }
    }
}
