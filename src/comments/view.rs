//! A wave's comments as one reader may see them: the model every output
//! (page, API, command line, CSV) renders.

use rand::seq::SliceRandom;
use serde::Serialize;

use super::WordCount;

/// Why a wave shows no comments at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unavailable {
    /// Still taking answers.
    Open,
    /// Fewer respondents than the comment minimum (or than the figures'
    /// minimum) in the reader's part of the organisation.
    TooFew,
}

/// A wave's comments for one reader.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaveComments {
    pub study: String,
    pub wave: String,
    /// The smallest group whose comments are shown.
    pub minimum: u64,
    pub unavailable: Option<Unavailable>,
    /// Some units with answers are in no cell the reader may see: too small
    /// for one of their own, or pooled with units outside the reader's part.
    pub some_withheld: bool,
    pub groups: Vec<CommentGroup>,
    pub questions: Vec<QuestionComments>,
    pub search: Option<String>,
}

/// One cell: the units whose comments are shown together.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommentGroup {
    /// The unit the cell is named after.
    pub name: String,
    /// The cell is that unit as a whole (else: some of the units under it).
    pub whole: bool,
    /// The units it holds, by name.
    pub units: Vec<String>,
}

/// One free-text question's comments.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionComments {
    pub id: String,
    pub text: String,
    /// Per group (in [`WaveComments::groups`]' order): its comments, shuffled.
    pub by_group: Vec<Vec<String>>,
    /// The words most of the shown comments use.
    pub words: Vec<WordCount>,
}

impl QuestionComments {
    pub fn count(&self) -> usize {
        self.by_group.iter().map(Vec::len).sum()
    }
}

/// How many of a question's most used words are listed.
pub const WORDS_SHOWN: usize = 25;

/// The comments as CSV: wave, group, question, comment; one row per
/// comment, shuffled across groups and questions, no response ids.
pub fn comments_csv(comments: &WaveComments) -> String {
    let mut rows: Vec<[&str; 4]> = Vec::new();
    for q in &comments.questions {
        for (g, texts) in q.by_group.iter().enumerate() {
            for t in texts {
                rows.push([&comments.wave, &comments.groups[g].name, &q.id, t]);
            }
        }
    }
    rows.shuffle(&mut rand::rng());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["wave", "group", "question", "comment"])
        .expect("writing to memory");
    for r in rows {
        w.write_record(r).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}
