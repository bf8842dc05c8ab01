//! Validity of a survey's dimensions on an organisation's own answers:
//! confirmatory factor analysis of the dimension model, discriminant
//! validity, measurement invariance across waves and arms, and item
//! diagnostics for the survey's author.
//!
//! Pure, like `scoring`: rows in through [`Products`] (a `RowSink`, so the
//! file reader and the database scan feed it alike), a serialisable
//! [`ValidityReport`] out.

pub mod accumulate;
pub mod ordinal;
pub mod report;

pub use accumulate::Products;
pub use ordinal::{GammaSink, OrdinalPass};
pub use report::{Across, FileDesign, Group, Grouping, ValidityReport, build, groupings, of_file};
