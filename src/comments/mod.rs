//! Free-text answers ("comments") as klimat may show them: never for fewer
//! respondents than the wave's comment minimum, never twice in overlapping
//! groups, always with personal details removed.
//!
//! Figures can hide a small unit among published sums (the disclosure plan);
//! comments cannot, since a comment is a person's own words. A reader who saw
//! a division's comments and those of one of its units would have the other
//! units' comments by difference. So comments are shown on a **partition**
//! of the wave's respondents ([`partition`]): every comment belongs to
//! exactly one cell of at least the minimum number of respondents, and every
//! view (an evaluator's, a scoped viewer's, an export, a search) shows whole
//! cells or a filter of them. Any difference of two views is then a union of
//! cells, never fewer respondents than the minimum.
//!
//! Before anything is shown, [`redact`] replaces e-mail addresses, phone
//! numbers, Swedish personal identity numbers and the names derivable from
//! the wave's roster addresses. [`words`] counts the words of the shown
//! comments per question.
//!
//! Pure: counts and texts in, cells and texts out.

pub mod partition;
pub mod redact;
#[cfg(test)]
mod tests;
pub mod view;
pub mod words;

pub use partition::{Cell, Partition, partition};
pub use redact::Redactor;
pub use view::{
    CommentGroup, QuestionComments, Unavailable, WORDS_SHOWN, WaveComments, comments_csv,
};
pub use words::{WordCount, frequencies};
