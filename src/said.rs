//! Words for people in both of klimat's languages: a message a user may see
//! (a refusal, a problem with their input) is written once in English and
//! once in Swedish where it is made, so every page can speak its reader's
//! language without a lookup table that drifts. A leaf: no HTTP, no SQL.

use crate::survey::Language;

/// One message in English and Swedish.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Said {
    pub en: String,
    pub sv: String,
}

impl Said {
    pub fn new(en: impl Into<String>, sv: impl Into<String>) -> Said {
        Said {
            en: en.into(),
            sv: sv.into(),
        }
    }

    /// The same text in both languages (names, codes, file positions).
    pub fn both(text: impl Into<String>) -> Said {
        let text = text.into();
        Said {
            sv: text.clone(),
            en: text,
        }
    }

    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::Sv => &self.sv,
            Language::En => &self.en,
        }
    }

    /// `prefix` before this message, in each language.
    pub fn after(self, prefix: &Said) -> Said {
        Said {
            en: format!("{}{}", prefix.en, self.en),
            sv: format!("{}{}", prefix.sv, self.sv),
        }
    }
}

impl std::fmt::Display for Said {
    /// English: what the command line and the logs print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for Said {}

/// `said!("English {x}", "Svenska {x}")`: both formatted with the same
/// arguments in scope; positional arguments after the two texts are given
/// to both (and evaluated once for each).
#[macro_export]
macro_rules! said {
    ($en:expr, $sv:expr $(,)?) => {
        $crate::said::Said::new(format!($en), format!($sv))
    };
    ($en:expr, $sv:expr, $($arg:expr),+ $(,)?) => {
        $crate::said::Said::new(format!($en, $($arg),+), format!($sv, $($arg),+))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_gets_its_own_text() {
        let wave = "2025-03";
        let s = said!("wave `{wave}` not found", "mätomgången `{wave}` finns inte");
        assert_eq!(s.get(Language::En), "wave `2025-03` not found");
        assert_eq!(s.get(Language::Sv), "mätomgången `2025-03` finns inte");
        assert_eq!(s.to_string(), s.en);
    }
}
