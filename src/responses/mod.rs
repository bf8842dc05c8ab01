//! The offline responses file: CSV, one row per respondent, columns `unit`,
//! `wave` and one per item id (free-text columns allowed and not scored).
//! An empty cell is a missing answer; `dk` (any case) is "don't know".
//!
//! Reading streams: rows are checked and handed to a sink one at a time, so
//! memory does not grow with the number of rows. This module knows the file
//! format and nothing of statistics.

mod answer;
mod header;
mod read;
mod write;

pub use read::{
    Interner, ReadOptions, ReadOutcome, ResponsesError, RowProblem, RowSink, read, read_path,
};
pub use write::ResponsesWriter;
