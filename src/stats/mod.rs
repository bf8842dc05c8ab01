//! Numeric building blocks: descriptive statistics, distribution quantiles and
//! the one-factor model.
//!
//! A leaf: nothing here imports from the rest of the crate, and nothing here
//! knows about surveys, units or waves. Inputs are numbers and matrices.

pub mod adjust;
pub mod cfa;
pub mod cluster;
pub mod descriptive;
pub mod distributions;
pub mod factor;
pub mod permutation;
pub mod polychoric;
pub mod staggered;
pub mod stepped_wedge;
pub mod welch;
pub mod wild;
