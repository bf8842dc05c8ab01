//! klimat's integration tests: one binary, a `helpers` module, a file per feature.

mod boundaries;
mod browser;
mod cfa;
mod demo;
mod disclosure;
mod effect;
mod helpers;
mod mail;
mod order;
mod polychoric;
mod rollout;
mod score;
mod services;
mod settings;
mod setup;
mod simulate;
mod staff;
mod staggered;
mod stepped_wedge;
mod store;
mod survey_check;
mod survey_corpus;
mod survey_show;
mod validity;
mod web;
mod wlsmv;
