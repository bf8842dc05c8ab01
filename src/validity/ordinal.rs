//! The ordinal factor model of the validity report (lavaan's WLSMV), the
//! default for scales of at most [`MAX_ORDINAL_POINTS`] points.
//!
//! The first pass ([`Products`]) keeps each pair's contingency table per
//! wave: enough for the thresholds, the polychoric correlations and every
//! respondent's influence on them ([`OrdinalPass::prepare`]). Their
//! asymptotic covariance Γ needs each respondent's whole pattern, so the
//! caller feeds the same complete cases once more into a [`GammaSink`]
//! (the file reader or the database scan, as in the first pass; memory
//! d² doubles per worker, d = thresholds + pairs) and hands the sum to
//! [`OrdinalPass::finish`].
//!
//! [`MAX_ORDINAL_POINTS`]: super::accumulate::MAX_ORDINAL_POINTS

use std::sync::Arc;

use serde::Serialize;

use super::Products;
use super::report::{LoadingRow, ValidityReport, structure};
use crate::responses::RowSink;
use crate::said;
use crate::scoring::{Answer, DONT_KNOW, MISSING};
use crate::stats::cfa::solution::Kind;
use crate::stats::cfa::wls::{self, WlsMeasures};
use crate::stats::cfa::{Structure, htmt};
use crate::stats::polychoric::acov::{GammaSum, Influence, TwoStep, TwoStepError};
use crate::survey::{Language, Survey};

/// The ordinal model's section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct OrdinalModel {
    pub estimator: &'static str,
    pub fit: WlsMeasures,
    pub converged: bool,
    pub heywood: bool,
    /// Loadings on the latent responses' scale; `residual` is the share of
    /// the latent response's variance the factor leaves unexplained.
    pub loadings: Vec<LoadingRow>,
    pub factor_correlations: Vec<FactorCorrelation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactorCorrelation {
    pub a: String,
    pub b: String,
    pub correlation: f64,
    pub se: Option<f64>,
    /// The heterotrait–monotrait ratio of the polychoric correlations.
    pub htmt: f64,
}

/// The first pass's estimates, ready for the second pass.
pub struct OrdinalPass {
    est: TwoStep,
    influence: Arc<Influence>,
    structure: Structure,
    model_items: Vec<usize>,
    dim_of_factor: Vec<usize>,
}

impl OrdinalPass {
    /// The estimates of the complete cases of `waves` (every unit); `None`
    /// when the items are not ordinal or too few answered, an error when a
    /// threshold or correlation cannot be estimated.
    pub fn prepare(
        survey: &Survey,
        products: &Products,
        waves: &[usize],
    ) -> Option<Result<OrdinalPass, TwoStepError>> {
        products.ordinal?;
        let (structure, model_items, dim_of_factor) = structure(survey);
        if structure.check().is_err() {
            return None;
        }
        let table = |a: usize, b: usize| {
            products
                .table(waves, model_items[a], model_items[b])
                .expect("ordinal products keep tables")
        };
        let complete = table(1, 0).n();
        // Fewer cases than estimates leave Γ singular; the ML model's floor
        // (two per item) is far lower, but so is its number of statistics.
        if complete < 2 * model_items.len() as u64 {
            return None;
        }
        let est = match TwoStep::new(model_items.len(), table) {
            Ok(est) => est,
            Err(e) => return Some(Err(e)),
        };
        let influence = Arc::new(Influence::new(&est));
        Some(Ok(OrdinalPass {
            est,
            influence,
            structure,
            model_items,
            dim_of_factor,
        }))
    }

    /// A sink for the second pass over the same rows.
    pub fn sink(&self, survey: &Survey) -> GammaSink {
        GammaSink {
            influence: Arc::clone(&self.influence),
            sum: GammaSum::new(self.influence.dim()),
            min: survey.scale.min,
            mirror: survey.scale.min + survey.scale.max,
            reverse: survey.items.iter().map(|i| i.reverse).collect(),
            model_items: self.model_items.clone(),
            categories: Vec::with_capacity(self.model_items.len()),
            unknown: 0,
        }
    }

    /// Fits the model with the second pass's sum; what fails goes to
    /// `problems`.
    pub fn finish(
        &self,
        survey: &Survey,
        sink: GammaSink,
        lang: Language,
        problems: &mut Vec<String>,
    ) -> Option<OrdinalModel> {
        let say = |s: crate::said::Said| s.get(lang).to_owned();
        if sink.unknown > 0 || sink.sum.n != self.est.n {
            problems.push(say(said!(
                "the ordinal model is left out: the second reading of the responses found {} complete cases where the first found {}",
                "den ordinala modellen utelämnas: andra läsningen av svaren fann {} fullständiga svar där den första fann {}",
                sink.sum.n,
                self.est.n
            )));
            return None;
        }
        let gamma = sink.sum.gamma();
        let est = match wls::fit(&self.structure, &self.est, &gamma) {
            Ok(est) => est,
            Err(e) => {
                problems.push(say(said!(
                    "the ordinal model cannot be fitted: {}",
                    "den ordinala modellen kan inte skattas: {}",
                    e
                )));
                return None;
            }
        };
        if !est.converged {
            problems.push(say(said!(
                "the ordinal model did not converge (largest gradient {:.1e}): its numbers are not estimates",
                "den ordinala modellen konvergerade inte (största gradient {:.1e}): dess siffror är inga skattningar",
                est.gradient
            )));
        }
        let heywood = est.heywood();
        if heywood {
            problems.push(say(said!(
                "the ordinal model has a Heywood case: a residual variance is negative or a factor correlation exceeds 1",
                "den ordinala modellen har ett Heywood-fall: en residualvarians är negativ eller en faktorkorrelation överstiger 1"
            )));
        }
        let item_id = |k: usize| survey.items[self.model_items[k]].id.clone();
        let dim_id = |f: usize| survey.dimensions[self.dim_of_factor[f]].id.clone();
        let solution = wls::solution(&est);
        let loadings = solution
            .iter()
            .filter(|p| p.kind == Kind::Loading)
            .map(|p| LoadingRow {
                item: item_id(p.index),
                dimension: dim_id(p.other),
                estimate: p.estimate,
                se: p.se,
                std: p.std,
                std_se: p.std_se,
                residual: est.residual[p.index],
                residual_std: est.residual[p.index],
            })
            .collect();
        let rho = self.est.rho_matrix();
        let factor_correlations = solution
            .iter()
            .filter(|p| p.kind == Kind::FactorCovariance)
            .map(|c| FactorCorrelation {
                a: dim_id(c.index),
                b: dim_id(c.other),
                correlation: c.std,
                se: c.std_se,
                htmt: htmt(
                    &rho,
                    &self.structure.factors[c.index],
                    &self.structure.factors[c.other],
                ),
            })
            .collect();
        Some(OrdinalModel {
            estimator: "WLSMV",
            fit: wls::measures(&est),
            converged: est.converged,
            heywood,
            loadings,
            factor_correlations,
        })
    }
}

/// Sums the complete cases' influence on the ordinal estimates.
pub struct GammaSink {
    influence: Arc<Influence>,
    sum: GammaSum,
    min: i32,
    mirror: i32,
    reverse: Vec<bool>,
    model_items: Vec<usize>,
    categories: Vec<usize>,
    /// Complete cases with a category the first pass never saw.
    unknown: u64,
}

impl RowSink for GammaSink {
    fn row(&mut self, _wave: usize, _unit: usize, answers: &[Answer]) {
        // Complete cases as the first pass counts them: every item answered.
        if answers.iter().any(|&a| a == MISSING || a == DONT_KNOW) {
            return;
        }
        self.categories.clear();
        for &k in &self.model_items {
            let a = answers[k] as i32;
            let keyed = if self.reverse[k] { self.mirror - a } else { a };
            self.categories.push((keyed - self.min) as usize);
        }
        if !self.sum.push(&self.influence, &self.categories) {
            self.unknown += 1;
        }
    }

    fn absorb(&mut self, other: &Self, _: &[usize], _: &[usize]) {
        self.sum.add(&other.sum);
        self.unknown += other.unknown;
    }
}

/// Adds the ordinal model to `report`, its problems among the report's.
pub fn attach(report: &mut ValidityReport, model: Option<OrdinalModel>, problems: Vec<String>) {
    report.ordinal_model = model;
    report.problems.extend(problems);
}

/// The ordinal model of the complete cases of `waves`, `second_pass`
/// feeding the same rows into sinks it makes with the function it is given
/// (one per reader thread, absorbed into one) and returning the sum; the
/// model (if any) and the problems met. Errors are the second pass's own.
pub fn model<E>(
    survey: &Survey,
    products: &Products,
    waves: &[usize],
    lang: Language,
    second_pass: impl FnOnce(&(dyn Fn() -> GammaSink + Sync)) -> Result<GammaSink, E>,
) -> Result<(Option<OrdinalModel>, Vec<String>), E> {
    let mut problems = Vec::new();
    let pass = match OrdinalPass::prepare(survey, products, waves) {
        None => return Ok((None, problems)),
        Some(Err(e)) => {
            problems.push(
                said!(
                    "the ordinal model is left out: {}",
                    "den ordinala modellen utelämnas: {}",
                    e
                )
                .get(lang)
                .to_owned(),
            );
            return Ok((None, problems));
        }
        Some(Ok(pass)) => pass,
    };
    let sink = second_pass(&|| pass.sink(survey))?;
    let model = pass.finish(survey, sink, lang, &mut problems);
    Ok((model, problems))
}
