//! klimat's integration tests: one binary, a `helpers` module, a file per feature.

mod effect;
mod helpers;
mod score;
mod settings;
mod simulate;
mod store;
mod survey_check;
mod survey_corpus;
mod survey_show;
