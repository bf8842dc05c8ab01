//! E-mail: addresses now; templates, the outbox worker and the SMTP
//! transport arrive with the e-mail issue. The only module that knows lettre.

/// A mailbox address as lettre will send to it, lower-cased so that one
/// person is one address; or why it is not one.
pub fn parse_address(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    trimmed
        .parse::<lettre::Address>()
        .map(|a| a.to_string().to_lowercase())
        .map_err(|e| format!("`{trimmed}` is not an e-mail address ({e})"))
}

#[cfg(test)]
mod tests {
    use super::parse_address;

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
}
