//! The survey file as written, with the position of every value, before any
//! check. Every field is optional so that validation can report all missing
//! keys at once instead of stopping at the first. Map keys are plain strings
//! (toml cannot give the position of a key in an inline table); problems with
//! them point at their value.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub type S<T> = Spanned<T>;
/// A text per language code, e.g. `{ sv = "…", en = "…" }`.
pub type RawText = BTreeMap<String, S<String>>;
/// One list of labels per language code.
pub type RawLabels = BTreeMap<String, S<Vec<S<String>>>>;

#[derive(Debug, Deserialize)]
pub struct RawSurvey {
    pub key: Option<S<String>>,
    pub version: Option<S<i64>>,
    pub languages: Option<S<Vec<S<String>>>>,
    pub title: Option<S<RawText>>,
    pub introduction: Option<S<RawText>>,
    pub privacy_notice: Option<S<RawText>>,
    pub scale: Option<S<RawScale>>,
    pub models: Option<S<BTreeMap<String, S<RawModel>>>>,
    pub dimensions: Option<S<Vec<S<RawDimension>>>>,
    pub items: Option<S<Vec<S<RawItem>>>>,
    pub free_text: Option<S<Vec<S<RawFreeText>>>>,
}

#[derive(Debug, Deserialize)]
pub struct RawScale {
    pub points: Option<S<i64>>,
    pub min: Option<S<i64>>,
    pub max: Option<S<i64>>,
    pub labels: Option<S<RawLabels>>,
    pub dont_know: Option<S<RawText>>,
}

#[derive(Debug, Deserialize)]
pub struct RawModel {
    pub name: Option<S<String>>,
    pub citation: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
pub struct RawDimension {
    pub id: Option<S<String>>,
    pub name: Option<S<RawText>>,
    pub definition: Option<S<RawText>>,
    pub model: Option<S<String>>,
    pub direction: Option<S<String>>,
    pub min_answered: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
pub struct RawItem {
    pub id: Option<S<String>>,
    pub dimension: Option<S<String>>,
    pub text: Option<S<RawText>>,
    pub reverse: Option<S<bool>>,
}

#[derive(Debug, Deserialize)]
pub struct RawFreeText {
    pub id: Option<S<String>>,
    pub text: Option<S<RawText>>,
    pub max_length: Option<S<i64>>,
}
