//! Planning a pilot: the minimum detectable standardised effect of a design
//! and the smallest p-value its permutation test can reach.

use serde::Serialize;

use crate::stats::distributions::t_quantile;
use crate::stats::permutation::binomial;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerDesign {
    pub pilot_units: usize,
    pub control_units: usize,
    pub respondents_per_unit: f64,
    pub icc: f64,
    pub pre_waves: usize,
    pub post_waves: usize,
    /// Share of the between-unit variance that is stable from wave to wave.
    pub stability: f64,
    pub alpha: f64,
    pub power: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PowerResult {
    /// In standard deviations of the person-level score.
    pub minimum_detectable_effect: f64,
    /// The SD of one unit's change (pre period to post period), in person SDs.
    pub sd_unit_change: f64,
    pub design_effect: f64,
    pub degrees_of_freedom: f64,
    pub assignments: u64,
    pub smallest_p: f64,
    /// Whether the smallest attainable p is at most alpha.
    pub alpha_attainable: bool,
}

/// The unit-level (Donald–Lang) view of the design: each unit contributes its
/// change Δ_g, whose variance in person-SD units is
/// (1/P + 1/Q) · (ρ(1 − s) + (1 − ρ)/m): the part of the unit level that moves
/// between waves plus the sampling noise of a unit mean of m respondents (P, Q
/// pre and post waves, ρ the ICC, s its stable share; the stable part cancels).
/// MDE = (t(1 − α/2; ν) + t(power; ν)) · SD(Δ) · √(1/G1 + 1/G0), ν = G1 + G0 − 2.
pub fn minimum_detectable_effect(d: &PowerDesign) -> Result<PowerResult, String> {
    if d.pilot_units < 1 || d.control_units < 1 {
        return Err("a design needs at least one pilot and one control unit".into());
    }
    if d.pilot_units + d.control_units < 3 {
        return Err(
            "with fewer than three units there are no degrees of freedom for a test".into(),
        );
    }
    if !(0.0..1.0).contains(&d.icc) {
        return Err(format!("--icc {} must be at least 0 and below 1", d.icc));
    }
    if !(0.0..=1.0).contains(&d.stability) {
        return Err(format!("--stability {} must be from 0 to 1", d.stability));
    }
    let unit_interval = |x: f64| x > 0.0 && x < 1.0;
    if !unit_interval(d.alpha) || !unit_interval(d.power) {
        return Err("--alpha and --power must lie between 0 and 1".into());
    }
    if d.respondents_per_unit < 1.0 || d.pre_waves < 1 || d.post_waves < 1 {
        return Err(
            "respondents per unit, pre waves and post waves must each be at least 1".into(),
        );
    }
    let m = d.respondents_per_unit;
    let periods = 1.0 / d.pre_waves as f64 + 1.0 / d.post_waves as f64;
    let var_change = periods * (d.icc * (1.0 - d.stability) + (1.0 - d.icc) / m);
    let (g1, g0) = (d.pilot_units as f64, d.control_units as f64);
    let df = g1 + g0 - 2.0;
    let multiplier = t_quantile(1.0 - d.alpha / 2.0, df) + t_quantile(d.power, df);
    let assignments = binomial(d.pilot_units + d.control_units, d.pilot_units);
    let smallest_p = 1.0 / assignments as f64;
    Ok(PowerResult {
        minimum_detectable_effect: multiplier * (var_change * (1.0 / g1 + 1.0 / g0)).sqrt(),
        sd_unit_change: var_change.sqrt(),
        design_effect: 1.0 + (m - 1.0) * d.icc,
        degrees_of_freedom: df,
        assignments,
        smallest_p,
        alpha_attainable: smallest_p <= d.alpha,
    })
}
