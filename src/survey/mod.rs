//! Survey definitions as data: the validated in-memory model of an instrument,
//! loading it from a TOML file with every problem reported at once, its
//! content hash, and a plain-text rendering for reading it as a respondent would.
//!
//! This module knows nothing about storage, HTTP or e-mail: it turns text into a
//! [`Survey`] or into a list of [`Problem`]s, and nothing else.

mod hash;
mod load;
mod problem;
mod raw;
mod render;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use load::{load, parse};
pub use problem::{LoadError, Location, Problem};
pub use render::render_text;

/// A language a survey can be answered in. klimat's own respondent pages exist
/// in these languages, so a survey may only declare these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Sv,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Sv, Language::En];

    pub fn code(self) -> &'static str {
        match self {
            Language::Sv => "sv",
            Language::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::from_code(s).ok_or_else(|| format!("unknown language `{s}`; use sv or en"))
    }
}

/// A text given in every language the survey declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text(pub BTreeMap<Language, String>);

impl Text {
    /// The text in `lang`. Validation guarantees every declared language is present.
    pub fn get(&self, lang: Language) -> &str {
        self.0.get(&lang).map(String::as_str).unwrap_or_default()
    }
}

/// Whether a high dimension score means a better climate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

impl Direction {
    pub const NAMES: [&'static str; 2] = ["higher-is-better", "lower-is-better"];

    pub fn from_name(name: &str) -> Option<Direction> {
        match name {
            "higher-is-better" => Some(Direction::HigherIsBetter),
            "lower-is-better" => Some(Direction::LowerIsBetter),
            _ => None,
        }
    }
}

/// The response scale shared by all items: integer points `min..=max`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    pub min: i32,
    pub max: i32,
    /// One label per point, from `min` to `max`, per language.
    pub labels: BTreeMap<Language, Vec<String>>,
    /// The label of the "don't know" option, if the survey offers one.
    pub dont_know: Option<Text>,
}

impl Scale {
    pub fn points(&self) -> usize {
        (self.max - self.min + 1) as usize
    }

    pub fn contains(&self, value: i32) -> bool {
        (self.min..=self.max).contains(&value)
    }

    /// The reverse-keyed value: x' = min + max − x.
    pub fn reverse(&self, value: i32) -> i32 {
        self.min + self.max - value
    }

    pub fn label(&self, lang: Language, value: i32) -> &str {
        self.labels
            .get(&lang)
            .and_then(|l| l.get((value - self.min) as usize))
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// A published dimension model, cited by the dimensions that follow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    pub name: String,
    pub citation: String,
}

/// A validated climate construct scored from several items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    pub id: String,
    pub name: Text,
    pub definition: Text,
    /// Key into [`Survey::models`].
    pub model: String,
    pub direction: Direction,
    /// A person gets a score only with at least this many items answered.
    pub min_answered: usize,
    /// Indices into [`Survey::items`], in file order.
    pub items: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    /// Index into [`Survey::dimensions`].
    pub dimension: usize,
    pub text: Text,
    pub reverse: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeText {
    pub id: String,
    pub text: Text,
    pub max_length: usize,
}

/// A validated survey definition. Construct it with [`load`] or [`parse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub key: String,
    pub version: u32,
    pub languages: Vec<Language>,
    pub title: Text,
    pub introduction: Text,
    pub privacy_notice: Text,
    pub scale: Scale,
    pub models: BTreeMap<String, Model>,
    pub dimensions: Vec<Dimension>,
    pub items: Vec<Item>,
    pub free_text: Vec<FreeText>,
}

impl Survey {
    /// About how long answering takes, for the invitation: 15 seconds an
    /// item, rounded up to five minutes (the shipped surveys' introductions
    /// say the same: 16 items five minutes, 40 items ten).
    pub fn minutes_to_answer(&self) -> u32 {
        let minutes = (self.items.len() as u32 * 15).div_ceil(60);
        minutes.div_ceil(5).max(1) * 5
    }

    /// The content hash: `sha256:` and 64 hex digits over a canonical form of the
    /// validated survey, so formatting, comments, key order and spelled-out
    /// defaults do not change it, and any change of meaning does.
    pub fn content_hash(&self) -> String {
        hash::content_hash(self)
    }

    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }

    pub fn dimension_index(&self, id: &str) -> Option<usize> {
        self.dimensions.iter().position(|d| d.id == id)
    }

    pub fn offers(&self, lang: Language) -> bool {
        self.languages.contains(&lang)
    }
}

#[cfg(test)]
mod tests;
