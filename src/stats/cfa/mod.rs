//! Confirmatory factor analysis by maximum likelihood, in one group or
//! several, with lavaan's parameterisation, fit measures and standard errors.
//!
//! Hand-written rather than taken from a crate: no maintained Rust crate
//! fits structural equation models. The optimiser is argmin's L-BFGS; the
//! linear algebra is nalgebra's. Inputs are each group's size, means and
//! covariances (divided by N): the sufficient statistics, so the cost of a
//! fit does not depend on the number of respondents.

pub mod discriminant;
pub mod invariance;
pub mod measures;
pub mod ml;
pub mod model;
pub mod modification;
pub mod solution;
pub mod wls;

pub use discriminant::{Pair, htmt, pairs};
pub use invariance::{Invariance, invariance};
pub use measures::{FitMeasures, measures};
pub use ml::{Estimate, FitError, Moments, fit};
pub use model::{Level, Spec, Structure};
pub use modification::{CrossLoading, cross_loadings};
pub use solution::{Kind, Parameter, solution};
