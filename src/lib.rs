//! klimat: innovation-climate surveys for public-sector organisations.
//!
//! The library holds everything; the `klimat` binary only parses the command
//! line and dispatches to [`cli`]. See ARCHITECTURE.md for the map.

pub mod app;
pub mod auth;
pub mod cli;
pub mod comments;
pub mod config;
pub mod dashboard;
pub mod disclosure;
pub mod email;
pub mod evaluation;
pub mod export;
pub mod feedback;
pub mod mail;
pub mod reorganisation;
pub mod report;
pub mod responses;
pub mod said;
pub mod scoring;
pub mod simulate;
pub mod sso;
pub mod stats;
pub mod store;
pub mod survey;
pub mod token;
pub mod validity;
pub mod web;
