//! Personal details removed from free text before it is shown or exported:
//! e-mail addresses, phone numbers (Swedish and international), Swedish
//! personal identity and coordination numbers, and the first and last names
//! that the wave's roster addresses give away (`anna.svensson@region.se` →
//! Anna, Svensson). Each becomes "[borttaget]" or "[removed]".
//!
//! Names match as whole words in any case, with the genitive (Annas,
//! Anna's) and with the letters that addresses spell without diacritics
//! (`asa.ostrom` matches Åsa Öström). A name that is also a common word
//! (Per, Bo, Vi…: on the Swedish or English stop-word list) is removed only
//! where it is capitalised, so "per månad" stays. Over-removal is the
//! accepted error: a comment that loses a word is still readable, one that
//! names a colleague is not.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::survey::Language;

/// The word that replaces what was removed.
pub fn marker(lang: Language) -> &'static str {
    match lang {
        Language::Sv => "[borttaget]",
        Language::En => "[removed]",
    }
}

/// The patterns that need no roster, in the order they are applied.
static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // E-mail addresses.
        r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+",
        // Personal identity and coordination numbers (day + 60), 10 or 12 digits.
        r"\b(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])[-+ ]?\d{4}\b",
        // International numbers: +46 70 123 45 67, 0046-8-123 456, +44 (0)20 7946 0958.
        r"(?:\+|\b00)\d{1,3}[\s\-]?(?:\(0\)[\s\-]?)?\d(?:[\s\-]?\d){5,12}\b",
        // Swedish and other national numbers from 0: 070-123 45 67, 08-123 456 78, 0701234567.
        r"\b0\d{1,3}[\s\-/]?\d(?:[\s\-]?\d){4,8}\b",
        // North American: (555) 123-4567, 555-123-4567, 555.123.4567.
        r"\(\d{3}\)\s?\d{3}[\-\s.]\d{4}\b",
        r"\b\d{3}[\-.]\d{3}[\-.]\d{4}\b",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("a valid pattern"))
    .collect()
});

/// Words on the Swedish or English stop-word lists, lower case.
pub(super) static STOP_WORDS: LazyLock<BTreeSet<&'static str>> = LazyLock::new(|| {
    stop_words::get("sv")
        .iter()
        .chain(stop_words::get("en"))
        .copied()
        .collect()
});

/// Removes personal details from the free texts of one wave.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// Names that are not common words: in any case.
    names: Option<Regex>,
    /// Names that are also common words: capitalised only.
    capitalised: Option<Regex>,
}

impl Redactor {
    /// A redactor for a wave whose roster holds these addresses (none when
    /// the contacts were purged: then only the patterns apply).
    pub fn new<'a>(addresses: impl IntoIterator<Item = &'a str>) -> Redactor {
        let names: BTreeSet<String> = addresses.into_iter().flat_map(names_of).collect();
        let (common, rare): (Vec<&String>, Vec<&String>) =
            names.iter().partition(|n| STOP_WORDS.contains(n.as_str()));
        let build = |names: &[&String], capitalised: bool| -> Option<Regex> {
            if names.is_empty() {
                return None;
            }
            let alternatives: Vec<String> = names
                .iter()
                .map(|n| letters_pattern(n, capitalised))
                .collect();
            let flags = if capitalised { "" } else { "(?i)" };
            let pattern = format!(r"{flags}\b(?:{})(?:s|'s|’s)?\b", alternatives.join("|"));
            Some(Regex::new(&pattern).expect("names are letters only"))
        };
        Redactor {
            names: build(&rare, false),
            capitalised: build(&common, true),
        }
    }

    /// The text with every personal detail replaced by the marker in `lang`.
    pub fn redact(&self, text: &str, lang: Language) -> String {
        let mark = marker(lang);
        let mut out = text.to_owned();
        for re in PATTERNS
            .iter()
            .chain(self.names.iter())
            .chain(self.capitalised.iter())
        {
            if re.is_match(&out) {
                out = re.replace_all(&out, mark).into_owned();
            }
        }
        out
    }
}

/// The names an address's local part gives: its parts split at `.`, `_`
/// and `-`, without digits, of two letters or more, lower case.
pub fn names_of(address: &str) -> Vec<String> {
    let local = address.split('@').next().unwrap_or("");
    let local = local.split('+').next().unwrap_or("");
    local
        .split(['.', '_', '-'])
        .map(|part| {
            part.chars()
                .filter(|c| !c.is_ascii_digit())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|part| part.chars().count() >= 2 && part.chars().all(char::is_alphabetic))
        .collect()
}

/// A name as a pattern that also matches the letters addresses spell
/// without diacritics; capitalised: the first letter upper case only.
fn letters_pattern(name: &str, capitalised: bool) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        let class = match c {
            'a' => "aåäáà",
            'o' => "oöóø",
            'e' => "eéèë",
            'u' => "uüú",
            'i' => "iíï",
            _ => "",
        };
        let mut letters: Vec<char> = if class.is_empty() {
            vec![c]
        } else {
            class.chars().collect()
        };
        if capitalised && i == 0 {
            letters = letters.iter().flat_map(|l| l.to_uppercase()).collect();
        }
        if letters.len() == 1 {
            out.push_str(&regex::escape(&letters[0].to_string()));
        } else {
            out.push('[');
            out.extend(letters);
            out.push(']');
        }
    }
    out
}
