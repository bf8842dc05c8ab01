//! Effect evaluation: did the climate improve in the pilot units, compared
//! with the control units, from before to after the intervention?
//!
//! Takes a design and the scored cells of an [`Accumulator`] and returns an
//! [`EffectReport`] per dimension: the respondent-level two-way fixed-effects
//! DiD with CR1, CR2 (Bell–McCaffrey df), wild cluster bootstrap and unit
//! permutation inference; the unit-aggregated (Donald–Lang) view; the
//! standardised effect; an event study; adjustment across dimensions; and
//! warnings. Pure: no files, no database.

pub mod design;
mod did;
pub mod disclosed;
pub mod headline;
pub mod measurement;
pub mod power;
pub mod report;
pub mod rollout;

pub use design::{Design, DesignError, DesignRequest};
pub use report::EffectReport;

use crate::scoring::{Accumulator, build};
use crate::stats::adjust::{benjamini_hochberg, holm};
use crate::stats::permutation::binomial;
use crate::stats::wild::Weights;
use crate::survey::{Language, Survey};

use report::{DesignSummary, EffectMethods};

/// How the random procedures run.
#[derive(Debug, Clone, Copy)]
pub struct Inference {
    pub seed: u64,
    /// Wild bootstrap draws, and sampled permutations when enumeration is too large.
    pub reps: usize,
    pub weights: Weights,
}

impl Default for Inference {
    fn default() -> Self {
        Inference {
            seed: 1,
            reps: 9_999,
            weights: Weights::Webb,
        }
    }
}

/// Few units per arm: inference that treats respondents as independent fails.
pub const FEW_UNITS: usize = 3;

/// Evaluates every dimension of `survey` under `request`.
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    survey: &Survey,
    acc: &Accumulator,
    waves: &[String],
    units: &[String],
    request: &DesignRequest,
    inference: Inference,
    min_group_size: u64,
    lang: Language,
) -> Result<EffectReport, DesignError> {
    let respondents = |w: usize, u: usize| acc.respondents(w, u);
    let design = design::check(request, units, waves, respondents)?;
    // The caller brings data the disclosure plan allows to be seen whole
    // (see [`disclosed`]).
    let everything: Vec<crate::disclosure::Plan> = (0..acc.waves.len())
        .map(|_| crate::disclosure::Plan::everything(units.len(), 0, min_group_size))
        .collect();
    let scores = build(survey, acc, waves, units, &everything, lang);

    let mut dimensions: Vec<report::DimensionEffect> = (0..survey.dimensions.len())
        .map(|d| {
            did::dimension(
                survey,
                acc,
                &design,
                d,
                inference,
                min_group_size,
                lang,
                &scores,
            )
        })
        .collect();
    let p: Vec<f64> = dimensions
        .iter()
        .filter_map(|d| d.did.as_ref().map(|x| x.p_permutation))
        .collect();
    let (adjusted_holm, adjusted_bh) = (holm(&p), benjamini_hochberg(&p));
    let mut i = 0;
    for d in dimensions.iter_mut() {
        if let Some(did) = d.did.as_mut() {
            did.p_holm = Some(adjusted_holm[i]);
            did.p_bh = Some(adjusted_bh[i]);
            i += 1;
        }
    }

    let (g, g1) = (
        design.pilot.len() + design.control.len(),
        design.pilot.len(),
    );
    let assignments = binomial(g, g1);
    let enumerated = assignments <= crate::stats::permutation::MAX_ENUMERATION;
    let p_min = 1.0 / assignments as f64;
    let warnings = design_warnings(&design, p_min);
    Ok(EffectReport {
        survey: scores.survey.clone(),
        design: DesignSummary {
            design,
            seed: inference.seed,
            bootstrap_reps: inference.reps,
            bootstrap_weights: inference.weights,
            permutation_assignments: if enumerated {
                assignments
            } else {
                inference.reps as u64 + 1
            },
            permutation_enumerated: enumerated,
            permutation_p_min: p_min,
        },
        min_group_size,
        scale: (survey.scale.min, survey.scale.max),
        methods: methods(inference, enumerated, p_min),
        dimensions,
        warnings,
        validity: None,
    })
}

fn design_warnings(design: &Design, p_min: f64) -> Vec<String> {
    let mut w = Vec::new();
    let (g1, g0) = (design.pilot.len(), design.control.len());
    if g1 <= FEW_UNITS || g0 <= FEW_UNITS {
        w.push(format!(
            "FEW UNITS: {g1} pilot and {g0} control unit(s). Units, not people, were assigned to the pilot, so the \
             evidence rests on {} units. Cluster-robust CR1 p-values over-reject badly with this few units; read the \
             permutation p-value (primary) and the wild bootstrap.",
            g1 + g0
        ));
    }
    if g1 == 1 {
        w.push(
            "ONE PILOT UNIT: with unit fixed effects its score contribution is zero, so every cluster-robust standard \
             error (CR1 and CR2) is far too small. Only the permutation p-value is honest here."
                .into(),
        );
    }
    if p_min > 0.05 {
        w.push(format!(
            "The smallest p-value this design can reach is {p_min:.3} (1 in {:.0} assignments of the pilot label): \
             significance at the 5 % level is impossible by design, whatever the effect.",
            1.0 / p_min
        ));
    }
    w
}

fn methods(inference: Inference, enumerated: bool, p_min: f64) -> EffectMethods {
    let weights = match inference.weights {
        Weights::Webb => "Webb six-point",
        Weights::Rademacher => "Rademacher (all 2^G draws enumerated when 2^G ≤ B)",
    };
    EffectMethods {
        estimator: "respondent-level two-way fixed effects: score ~ unit + wave + D, D = pilot × post; OLS \
                    (solved exactly on cell means weighted by respondents)"
            .into(),
        cr1: "CR1 clustered by unit, factor G/(G−1)·(N−1)/(N−K) with K = number of waves + 1 (D, the wave \
              effects and one intercept; unit effects nested in the clusters are not counted: the convention of \
              fixest and pyfixest, whose CR1 standard errors this reproduces); t with G−1 df"
            .into(),
        cr2: "CR2 (Bell–McCaffrey bias-reduced linearisation, working model independence) clustered by unit; \
              Bell–McCaffrey degrees of freedom; 95 % CI estimate ± t(ν)·SE"
            .into(),
        wild_bootstrap: format!(
            "wild cluster restricted bootstrap of the CR1 t statistic, null imposed, {weights} weights, B = {}, seed {}",
            inference.reps, inference.seed
        ),
        permutation: if enumerated {
            format!(
                "unit-level permutation of the pilot label (number of pilot units fixed), all {:.0} assignments \
                 enumerated, so the p-value is exact and at least {p_min:.2e}; statistic |DiD estimate|; primary \
                 p-value",
                1.0 / p_min
            )
        } else {
            format!(
                "unit-level permutation of the pilot label (number of pilot units fixed), {} sampled assignments plus \
                 the observed one, seed {}, so the p-value is at least {:.1e} and carries a Monte Carlo 95 % interval \
                 (Clopper–Pearson) of the exact one; statistic |DiD estimate|; primary p-value",
                inference.reps,
                inference.seed,
                1.0 / (inference.reps as f64 + 1.0)
            )
        },
        unit_level: "Donald–Lang: per unit the change of its respondent mean from the pre to the post period; pilot \
                     minus control changes, units weighted equally; Welch t and the same permutation scheme"
            .into(),
        effect_size: "d = DiD / SD_pre, SD_pre the respondent-level pooled SD of pilot and control in the pre period; \
                      Hedges g = J·d, J = 1 − 3/(4(n_P0 + n_C0 − 2) − 1); CI = the CR2 interval divided by SD_pre"
            .into(),
        adjustment: "Holm (default) and Benjamini–Hochberg across the dimensions of this report, applied to the \
                     permutation p-values"
            .into(),
        event_study: "score ~ unit + wave + Σ_k β_k·pilot·1[wave = k], the last pre wave as reference; CR2 standard \
                      errors and Bell–McCaffrey df; joint pre-trend test: Wald F of the pre-wave β_k with the CR2 \
                      covariance against F(q, G−1). Such tests have low power"
            .into(),
        cell_intervals: "arm × wave means with 95 % intervals that treat units as clusters (CR2, BM df); \
                         respondent-level t intervals where an arm has one unit"
            .into(),
    }
}

#[cfg(test)]
mod tests;
