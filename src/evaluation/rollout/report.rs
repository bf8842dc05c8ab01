//! The roll-out report: the serialisable result of a staggered evaluation.

use serde::Serialize;

use crate::scoring::report::SurveyRef;
use crate::stats::staggered::{Base, Control};
use crate::stats::wild::Weights;
use crate::survey::Direction;

#[derive(Debug, Clone, Serialize)]
pub struct RolloutReport {
    pub survey: SurveyRef,
    pub design: RolloutDesign,
    pub min_group_size: u64,
    pub scale: (i32, i32),
    pub methods: RolloutMethods,
    pub dimensions: Vec<DimensionRollout>,
    /// About the whole design, in the report's language.
    pub warnings: Vec<String>,
    /// Adoption dates recorded or changed in the database (a study's report only).
    pub adoption_changes: Vec<AdoptionChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdoptionChange {
    pub unit: String,
    pub previous: Option<String>,
    pub adopted_on: Option<String>,
    pub recorded_at: String,
    /// Recorded after a wave it affects had closed.
    pub after_close: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloutDesign {
    /// All waves, in order.
    pub waves: Vec<String>,
    /// The adoption cohorts in order of adoption; pooled hidden units appear
    /// as one pooled unit.
    pub cohorts: Vec<Cohort>,
    /// Units that do not adopt within the data.
    pub never_treated: Vec<String>,
    /// Units that adopted at or before the first wave: no wave before, so not analysed.
    pub adopted_before_data: Vec<String>,
    /// The comparison of the primary estimates; the other is a sensitivity check.
    pub control: Control,
    pub base: Base,
    pub seed: u64,
    pub bootstrap_reps: usize,
    pub bootstrap_weights: Weights,
    /// Units (clusters) in the analysis.
    pub units: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cohort {
    /// The first wave after adoption.
    pub first_wave: String,
    pub units: Vec<String>,
    /// Waves before adoption (at least two are needed for a pre-trend check).
    pub pre_waves: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloutMethods {
    pub estimator: String,
    pub aggregation: String,
    pub inference: String,
    pub band: String,
    pub twfe: String,
    pub sun_abraham: String,
}

/// One estimate with unit-clustered inference: t with G − 1 degrees of freedom.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Estimate {
    pub estimate: f64,
    pub se: Option<f64>,
    pub df: f64,
    pub ci95: Option<[f64; 2]>,
    pub p: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupTimeRow {
    pub cohort: String,
    pub wave: String,
    pub base_wave: String,
    pub event_time: i64,
    #[serde(flatten)]
    pub estimate: Estimate,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventTimeRow {
    /// Waves since adoption: 0 the first wave after it; −1 the reference.
    pub event_time: i64,
    #[serde(flatten)]
    pub estimate: Estimate,
    /// The uniform 95 % band over all event times (multiplier bootstrap).
    pub band95: Option<[f64; 2]>,
    pub reference: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabelledRow {
    /// A cohort's first wave, or a calendar wave.
    pub at: String,
    #[serde(flatten)]
    pub estimate: Estimate,
}

#[derive(Debug, Clone, Serialize)]
pub struct Twfe {
    /// score ~ unit + wave + D, D = 1 from a unit's adoption on; CR1 by unit.
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// Sun & Abraham's interaction-weighted event study, beside Callaway & Sant'Anna's.
#[derive(Debug, Clone, Serialize)]
pub struct SunAbrahamSummary {
    pub event_study: Vec<EventTimeRow>,
    pub overall: Estimate,
    /// The cohort that served as the comparison when no unit stays untreated.
    pub control_cohort: Option<String>,
}

/// Why the two-way fixed-effects estimate is not used: the 2 × 2 comparisons it averages.
#[derive(Debug, Clone, Serialize)]
pub struct BaconSummary {
    pub comparisons: Vec<BaconRow>,
    /// The TWFE estimate on the cell means, which the weighted comparisons add up to.
    pub twfe_cell_means: f64,
    /// The weight of comparisons against units that had already adopted.
    pub forbidden_weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaconRow {
    pub comparison: crate::stats::staggered::bacon::Comparison,
    /// The treated cohort's first wave after adoption.
    pub treated: String,
    /// The comparison cohort's first wave, or `None` for the never-treated units.
    pub control: Option<String>,
    pub estimate: f64,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionRollout {
    pub id: String,
    pub name: String,
    pub direction: Direction,
    pub respondents: u64,
    /// The primary overall effect: the cohorts' average post-adoption
    /// effects, weighted by cohort size (Callaway & Sant'Anna's θ_sel).
    pub overall: Option<Estimate>,
    /// Every post-adoption ATT(g, t) weighted by cohort size.
    pub simple: Option<Estimate>,
    /// The overall effect with the other comparison group.
    pub sensitivity: Option<Estimate>,
    pub event_study: Vec<EventTimeRow>,
    /// The event study's overall: the mean of the effects at event times ≥ 0.
    pub event_overall: Option<Estimate>,
    /// The critical value of the uniform band.
    pub band_critical: Option<f64>,
    pub by_cohort: Vec<LabelledRow>,
    pub by_wave: Vec<LabelledRow>,
    pub group_time: Vec<GroupTimeRow>,
    pub twfe: Option<Twfe>,
    pub sun_abraham: Option<SunAbrahamSummary>,
    /// When the adoption order followed a randomised schedule: the overall
    /// effect's randomisation test (the primary p-value then).
    pub randomisation: Option<super::randomisation::RandomisationTest>,
    /// `None` when some unit has no respondents in some wave (the decomposition needs a balanced table).
    pub bacon: Option<BaconSummary>,
    pub warnings: Vec<String>,
}
