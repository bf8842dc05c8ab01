//! The validity report of a study, under the study's disclosure plan like
//! every other output: only waves the plan publishes are analysed, the arms
//! only in waves where the plan shows both, and only when the units in
//! neither arm do not give away a count below the minimum by difference.
//! Every group analysed is then a sum of published groups.

use super::{Loaded, Result, language_for};
use crate::store::DbConnection;
use crate::survey::{Language, Survey};
use crate::validity::{Group, Grouping, Products, ValidityReport, build, groupings, ordinal};

/// What a study's validity report is computed from: the products of its
/// responses and the groups its plan lets be analysed.
pub struct ValidityInput {
    products: Products,
    every: Group,
    comparisons: Vec<Grouping>,
    min_group: u64,
}

impl ValidityInput {
    /// The plan's groups of `loaded`'s study over `products`, which the same
    /// pass over the responses filled.
    pub fn new(loaded: &Loaded, products: Products) -> ValidityInput {
        ValidityInput::of_waves(loaded, products, |_| true)
    }

    /// As [`ValidityInput::new`], over the waves whose names `keep` takes.
    pub fn of_waves(
        loaded: &Loaded,
        products: Products,
        keep: impl Fn(&str) -> bool,
    ) -> ValidityInput {
        let plan = &loaded.plan;
        let min_group = plan
            .waves
            .iter()
            .map(|w| w.plan.min_group)
            .max()
            .unwrap_or(0);
        // The plan's arms over the products' units.
        let in_products = |units: &[usize]| -> Vec<usize> {
            units.iter().filter_map(|&u| plan.acc_unit[u]).collect()
        };
        let (pilot, control) = (in_products(&plan.pilot), in_products(&plan.control));
        let mut waves = Vec::new();
        let mut arm_waves = Vec::new();
        for (w, wave_name) in loaded.wave_names.iter().enumerate() {
            let Some(wp) = plan.waves.iter().find(|p| p.wave.name == *wave_name) else {
                continue;
            };
            if !wp.publishes() || !keep(wave_name) {
                continue;
            }
            waves.push((w, wave_name.clone()));
            let arms_shown = wp.plan.group_shown.iter().all(|&s| s);
            // The wave's total less both arms is the units in neither: its
            // count of complete cases would be published by difference.
            let neither = products
                .sum(w, |u| !pilot.contains(&u) && !control.contains(&u))
                .complete;
            if arms_shown && (neither == 0 || neither >= min_group) {
                arm_waves.push(w);
            }
        }
        let units = loaded.unit_codes.len();
        let (every, comparisons) = groupings(&waves, units, (&pilot, &control), &arm_waves);
        ValidityInput {
            products,
            every,
            comparisons,
            min_group,
        }
    }

    /// The report with the ordinal model, for which the complete cases of
    /// the analysed waves are read a second time.
    pub fn report_with_ordinal_model(
        &self,
        conn: &mut DbConnection,
        loaded: &Loaded,
        lang: Language,
    ) -> Result<ValidityReport> {
        let survey = &loaded.survey;
        let lang = language_for(survey, lang);
        let mut report = self.report(survey, lang);
        let waves: Vec<usize> = self.every.cells.iter().map(|(w, _)| *w).collect();
        let ids: Vec<i64> = waves
            .iter()
            .filter_map(|&w| {
                let name = &loaded.wave_names[w];
                loaded.waves.iter().find(|x| x.name == *name).map(|x| x.id)
            })
            .collect();
        let (model, problems) = ordinal::model(survey, &self.products, &waves, lang, |make| {
            let mut sink = make();
            super::scan_into(conn, &ids, &mut sink).map(|_| sink)
        })?;
        ordinal::attach(&mut report, model, problems);
        Ok(report)
    }

    pub fn report(&self, survey: &Survey, lang: Language) -> ValidityReport {
        build(
            survey,
            &self.products,
            &self.every,
            &self.comparisons,
            self.min_group,
            language_for(survey, lang),
        )
    }
}

pub fn study_validity(
    conn: &mut DbConnection,
    name: &str,
    lang: Language,
) -> Result<ValidityReport> {
    let (loaded, products) = super::load_with(conn, name, Products::new)?;
    let input = ValidityInput::new(&loaded, products);
    input.report_with_ordinal_model(conn, &loaded, lang)
}

/// The validity report of one wave of a study (its arms compared), under
/// the study's plan; nothing for an open wave.
pub fn wave_validity(
    conn: &mut DbConnection,
    wave: &crate::store::studies::Wave,
    lang: Language,
) -> Result<ValidityReport> {
    let study = crate::store::studies::by_id(conn, wave.study_id)?;
    let (loaded, products) = super::load_with(conn, &study.name, Products::new)?;
    let input = ValidityInput::of_waves(&loaded, products, |n| n == wave.name);
    input.report_with_ordinal_model(conn, &loaded, lang)
}
