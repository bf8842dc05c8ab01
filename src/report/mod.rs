//! Rendering results for people and programs: JSON, CSV and Markdown.
//!
//! Renders what the analysis core computed and nothing more: suppression and
//! every figure are decided before a report reaches this module.

pub mod codes;
pub mod comments;
pub mod feedback;
pub mod format;
pub mod rollout;
pub mod score;
pub mod validity;

pub use format::Format;
pub mod charts;
pub mod effect;
