//! Scoring and psychometrics: per-person dimension scores, unit and wave
//! aggregates, reliability (alpha, omega, item statistics) and agreement
//! (ICC, rwg(j)), with the minimum group size enforced in the result itself.
//!
//! Pure: scored data in, a serialisable [`ScoreReport`] out. Reading files,
//! databases or requests is the callers' business.

pub mod accumulate;
pub mod agreement;
pub mod reliability;
pub mod report;

pub use accumulate::{Accumulator, Answer, DONT_KNOW, MISSING};
pub use report::{ScoreReport, build};

#[cfg(test)]
mod tests;
