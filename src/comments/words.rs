//! Which words the comments to a question use most: a first look at their
//! themes. Words are runs of letters, lower case, without the Swedish and
//! English stop words, words under three letters and the redaction marker;
//! each is counted once per comment, so one long comment cannot make a
//! theme. No stemming and no language model: the reader sees the words
//! people wrote.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::redact::STOP_WORDS;

/// A word and the number of comments that use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WordCount {
    pub word: String,
    pub comments: usize,
}

/// The `top` words used by the most comments (at least two), most first,
/// ties alphabetically.
pub fn frequencies<'a>(comments: impl IntoIterator<Item = &'a str>, top: usize) -> Vec<WordCount> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for text in comments {
        let words: BTreeSet<String> = text
            .split(|c: char| !c.is_alphabetic())
            .map(str::to_lowercase)
            .filter(|w| w.chars().count() >= 3)
            .filter(|w| !STOP_WORDS.contains(w.as_str()))
            .filter(|w| w != "borttaget" && w != "removed")
            .collect();
        for w in words {
            *counts.entry(w).or_default() += 1;
        }
    }
    let mut out: Vec<WordCount> = counts
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(word, comments)| WordCount { word, comments })
        .collect();
    out.sort_by(|a, b| {
        b.comments
            .cmp(&a.comments)
            .then_with(|| a.word.cmp(&b.word))
    });
    out.truncate(top);
    out
}
