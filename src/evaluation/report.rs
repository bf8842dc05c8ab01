//! The effect report: the serialisable result of an evaluation.

use serde::Serialize;

use crate::scoring::report::SurveyRef;
use crate::stats::wild::Weights;
use crate::survey::Direction;

use super::design::Design;

#[derive(Debug, Clone, Serialize)]
pub struct EffectReport {
    pub survey: SurveyRef,
    pub design: DesignSummary,
    pub min_group_size: u64,
    /// The survey's scale: [min, max].
    pub scale: (i32, i32),
    pub methods: EffectMethods,
    pub dimensions: Vec<DimensionEffect>,
    /// Warnings about the whole design; dimensions carry their own too.
    pub warnings: Vec<String>,
    /// Do the dimensions measure alike in every wave and arm? (See
    /// [`super::measurement`].)
    pub validity: Option<crate::validity::ValidityReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesignSummary {
    #[serde(flatten)]
    pub design: Design,
    pub seed: u64,
    pub bootstrap_reps: usize,
    pub bootstrap_weights: Weights,
    /// How the unit-level permutation test ran for this design.
    pub permutation_assignments: u64,
    pub permutation_enumerated: bool,
    /// The smallest p-value the permutation test can give: 1 / C(G, G1).
    pub permutation_p_min: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EffectMethods {
    pub estimator: String,
    pub cr1: String,
    pub cr2: String,
    pub wild_bootstrap: String,
    pub permutation: String,
    pub unit_level: String,
    pub effect_size: String,
    pub adjustment: String,
    pub event_study: String,
    pub cell_intervals: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionEffect {
    pub id: String,
    pub name: String,
    pub direction: Direction,
    pub cells: Vec<CellSummary>,
    pub did: Option<Did>,
    pub unit_level: Option<UnitLevel>,
    pub effect_size: Option<EffectSize>,
    pub event_study: Option<EventStudy>,
    pub reliability: Vec<WaveReliability>,
    /// Whether its means may be compared across waves and arms.
    pub measurement: Option<super::measurement::Measurement>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CellSummary {
    pub arm: Arm,
    pub wave: String,
    pub units: usize,
    pub n: Option<u64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// True when the interval treats units as clusters (CR2); false when the
    /// arm had one unit that wave and the interval is respondent-level.
    pub ci95_clustered: bool,
    pub suppressed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arm {
    Pilot,
    Control,
}

#[derive(Debug, Clone, Serialize)]
pub struct Did {
    pub estimate: f64,
    pub se_cr1: f64,
    pub p_cr1: f64,
    pub se_cr2: f64,
    pub df_bm: f64,
    pub ci95_cr2: [f64; 2],
    pub p_cr2: f64,
    pub p_wild: f64,
    pub p_permutation: f64,
    pub p_permutation_min: f64,
    /// The permutation p's Monte Carlo 95 % interval when the assignments
    /// were sampled (none: all were enumerated, the p is exact).
    pub p_permutation_mc95: Option<[f64; 2]>,
    pub p_holm: Option<f64>,
    pub p_bh: Option<f64>,
    pub n: u64,
    pub units: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitLevel {
    /// Mean change of pilot units minus mean change of control units, units weighted equally.
    pub estimate: f64,
    pub welch_t: Option<f64>,
    pub welch_df: Option<f64>,
    pub p_welch: Option<f64>,
    pub p_permutation: f64,
    pub pilot_units: usize,
    pub control_units: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EffectSize {
    pub d: f64,
    pub g: f64,
    /// The CI of g: the CR2 interval of the estimate divided by SD_pre, times J.
    pub ci95: [f64; 2],
    pub d_ci95: [f64; 2],
    pub sd_pre: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventStudy {
    pub reference_wave: String,
    pub coefficients: Vec<EventCoefficient>,
    /// Joint test that all pre-wave coefficients are zero (low power: a large
    /// p is no proof of parallel trends).
    pub pretrend_p: Option<f64>,
    pub pretrend_f: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventCoefficient {
    pub wave: String,
    pub estimate: f64,
    pub se_cr2: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub reference: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaveReliability {
    pub wave: String,
    pub alpha: Option<f64>,
    pub omega: Option<f64>,
    pub icc1: Option<f64>,
    pub icc2: Option<f64>,
    pub rwg_j_median: Option<f64>,
}
