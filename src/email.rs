//! An e-mail address, checked once where it enters (a roster line, a new
//! account) and carried typed from there: trimmed, lower case, in the form
//! the mail relay accepts (the syntax check is `mail`'s, where lettre is).

use crate::said::Said;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, Said> {
        let trimmed = text.trim();
        if trimmed.len() > 254 {
            return Err(crate::said!(
                "an e-mail address has at most 254 characters",
                "en e-postadress har högst 254 tecken"
            ));
        }
        crate::mail::parse_address(trimmed).map(Email).map_err(|_| {
            crate::said!(
                "`{trimmed}` is not an e-mail address",
                "`{trimmed}` är ingen e-postadress"
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_and_bad_ones_refused_in_both_languages() {
        let e = Email::parse(" Anna.Svensson@Region.SE ").unwrap();
        assert_eq!(e.as_str(), "anna.svensson@region.se");
        for bad in ["anna", "anna@", "@region.se", "anna svensson@region.se", ""] {
            let why = Email::parse(bad).unwrap_err();
            assert!(why.sv.contains("ingen e-postadress"), "{bad}: {why:?}");
        }
        assert!(Email::parse(&format!("{}@x.se", "a".repeat(260))).is_err());
    }
}
