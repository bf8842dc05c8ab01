//! The estimates of one dimension: cell table, DiD with its inference, the
//! unit-level view, the standardised effect and the event study.

use nalgebra::{DMatrix, DVector};

use super::report::{
    Arm, CellSummary, Did, DimensionEffect, EffectSize, EventCoefficient, EventStudy, UnitLevel,
    WaveReliability,
};
use super::{Design, FEW_UNITS, Inference};
use crate::scoring::{Accumulator, ScoreReport};
use crate::stats::cluster::{CellRegression, wald_f};
use crate::stats::descriptive::Moments;
use crate::stats::permutation::permutation_test;
use crate::stats::welch::welch_from_summaries;
use crate::stats::wild::wild_cluster_restricted;
use crate::survey::{Language, Survey};

/// Conventional thresholds for the warnings.
const LOW_RELIABILITY: f64 = 0.70;
const LOW_AGREEMENT: f64 = 0.70;

/// One unit × wave cell of a dimension: unit position among the active
/// units (pilot first), wave position, and the score moments.
struct Cell {
    unit: usize,
    wave: usize,
    m: Moments,
}

/// The scored data of one dimension in design order.
struct Panel {
    cells: Vec<Cell>,
    /// Units with at least one scored respondent, pilot units first.
    units: Vec<usize>,
    pilots: usize,
    waves: usize,
    post_from: usize,
}

impl Panel {
    fn of(acc: &Accumulator, design: &Design, d: usize) -> Panel {
        let mut cells = Vec::new();
        let mut units = Vec::new();
        let mut pilots = 0;
        for (arm_pos, u) in design.units().enumerate() {
            let mut any = false;
            for (t, &w) in design.wave_order.iter().enumerate() {
                let cell = acc
                    .waves
                    .get(w)
                    .and_then(|s| s.cells.get(u))
                    .and_then(Option::as_ref);
                let Some(cell) = cell else { continue };
                let m = cell.scores(&acc.layout, d);
                if m.n > 0 {
                    cells.push(Cell {
                        unit: units.len(),
                        wave: t,
                        m,
                    });
                    any = true;
                }
            }
            if any {
                units.push(u);
                if arm_pos < design.pilot.len() {
                    pilots += 1;
                }
            }
        }
        Panel {
            cells,
            units,
            pilots,
            waves: design.wave_order.len(),
            post_from: design.post_from,
        }
    }

    fn is_pilot(&self, unit: usize) -> bool {
        unit < self.pilots
    }

    fn is_post(&self, wave: usize) -> bool {
        wave >= self.post_from
    }

    /// Unit dummies, wave dummies (wave 0 the reference) and `extra` columns.
    fn regression(&self, extra: usize, value: impl Fn(&Cell, usize) -> f64) -> CellRegression {
        let (g, t) = (self.units.len(), self.waves);
        let k = g + t - 1 + extra;
        let x = DMatrix::from_fn(self.cells.len(), k, |r, j| {
            let c = &self.cells[r];
            if j < g {
                (c.unit == j) as u8 as f64
            } else if j < g + t - 1 {
                (c.wave == j - g + 1) as u8 as f64
            } else {
                value(c, j + 1 - g - t)
            }
        });
        CellRegression {
            x,
            n: self.cells.iter().map(|c| c.m.n as f64).collect(),
            mean: self
                .cells
                .iter()
                .map(|c| c.m.mean().unwrap_or(0.0))
                .collect(),
            ss: self.cells.iter().map(|c| c.m.sum_of_squares()).collect(),
            cluster: self.cells.iter().map(|c| c.unit).collect(),
            clusters: g,
        }
    }

    fn merged(&self, keep: impl Fn(&Cell) -> bool) -> Moments {
        let mut m = Moments::default();
        self.cells
            .iter()
            .filter(|c| keep(c))
            .for_each(|c| m.merge(&c.m));
        m
    }
}

#[allow(clippy::too_many_arguments)]
pub fn dimension(
    survey: &Survey,
    acc: &Accumulator,
    design: &Design,
    d: usize,
    inference: Inference,
    min_group: u64,
    lang: Language,
    scores: &ScoreReport,
) -> DimensionEffect {
    let dim = &survey.dimensions[d];
    let panel = Panel::of(acc, design, d);
    let mut warnings = Vec::new();
    let cells = cell_table(&panel, design, min_group, &mut warnings);
    let did = did(&panel, inference, &mut warnings);
    let unit_level = unit_level(&panel, inference, &mut warnings);
    let effect_size = did.as_ref().and_then(|did| effect_size(&panel, did));
    let event_study = (design.pre_waves() >= 2)
        .then(|| event_study(&panel, design))
        .flatten();
    let reliability = reliability(scores, d, &mut warnings);
    DimensionEffect {
        id: dim.id.clone(),
        name: dim.name.get(lang).to_owned(),
        direction: dim.direction,
        cells,
        did,
        unit_level,
        effect_size,
        event_study,
        reliability,
        measurement: None,
        warnings,
    }
}

fn cell_table(
    panel: &Panel,
    design: &Design,
    min_group: u64,
    warnings: &mut Vec<String>,
) -> Vec<CellSummary> {
    let mut out = Vec::new();
    for arm in [Arm::Pilot, Arm::Control] {
        let in_arm = |c: &Cell| panel.is_pilot(c.unit) == (arm == Arm::Pilot);
        for (t, wave) in design.waves.iter().enumerate() {
            let members: Vec<&Cell> = panel
                .cells
                .iter()
                .filter(|c| c.wave == t && in_arm(c))
                .collect();
            let m = panel.merged(|c| c.wave == t && in_arm(c));
            let suppressed = m.n < min_group;
            let (ci95, clustered) = if suppressed {
                (None, false)
            } else {
                arm_interval(&members, &m)
            };
            if suppressed {
                warnings.push(format!(
                    "The {} arm has fewer than {min_group} scored respondents in wave {wave}: its figures are suppressed.",
                    arm_name(arm)
                ));
            }
            let sizes: Vec<u64> = members.iter().map(|c| c.m.n).collect();
            if let (Some(&lo), Some(&hi)) = (sizes.iter().min(), sizes.iter().max())
                && lo > 0
                && hi >= 10 * lo
                && !suppressed
            {
                warnings.push(format!(
                    "Unbalanced cells: in wave {wave} the {} units range from {lo} to {hi} respondents; the \
                     respondent-level estimate weights the large units, the unit-level view weights units equally.",
                    arm_name(arm)
                ));
            }
            out.push(CellSummary {
                arm,
                wave: wave.clone(),
                units: members.len(),
                n: (!suppressed).then_some(m.n),
                mean: if suppressed { None } else { m.mean() },
                sd: if suppressed { None } else { m.sd() },
                ci95,
                ci95_clustered: clustered,
                suppressed,
            });
        }
    }
    out
}

fn arm_name(arm: Arm) -> &'static str {
    match arm {
        Arm::Pilot => "pilot",
        Arm::Control => "control",
    }
}

/// The 95 % interval of an arm's respondent mean in one wave, clustered by unit.
fn arm_interval(members: &[&Cell], pooled: &Moments) -> (Option<[f64; 2]>, bool) {
    if members.len() >= 2 {
        let reg = CellRegression {
            x: DMatrix::from_element(members.len(), 1, 1.0),
            n: members.iter().map(|c| c.m.n as f64).collect(),
            mean: members.iter().map(|c| c.m.mean().unwrap_or(0.0)).collect(),
            ss: members.iter().map(|c| c.m.sum_of_squares()).collect(),
            cluster: (0..members.len()).collect(),
            clusters: members.len(),
        };
        if let Ok(fit) = reg.fit() {
            let i = reg.cr2(&fit, &DVector::from_element(1, 1.0));
            if i.se.is_finite() && i.df.is_finite() && i.df > 0.0 {
                return (Some(i.ci95), true);
            }
        }
    }
    (pooled.summary().and_then(|s| s.ci95), false)
}

fn did(panel: &Panel, inference: Inference, warnings: &mut Vec<String>) -> Option<Did> {
    if panel.pilots == 0 || panel.pilots == panel.units.len() {
        warnings.push("No estimate: one arm has no scored respondents in this dimension.".into());
        return None;
    }
    let reg = panel.regression(1, |c, _| {
        (panel.is_pilot(c.unit) && panel.is_post(c.wave)) as u8 as f64
    });
    let column = reg.k() - 1;
    let fit = match reg.fit() {
        Ok(fit) => fit,
        Err(e) => {
            warnings.push(format!("No estimate: {e}."));
            return None;
        }
    };
    let mut contrast = DVector::zeros(reg.k());
    contrast[column] = 1.0;
    // K of the CR1 factor as fixest and pyfixest count it (fixef.K = "nested"):
    // D, the wave effects and one intercept; unit effects nested in the
    // clusters are not counted. Their CR1 standard errors are reproduced exactly.
    let k_adjust = panel.waves + 1;
    let cr1 = reg.cr1(&fit, &contrast, k_adjust);
    let cr2 = reg.cr2(&fit, &contrast);
    let wild = wild_cluster_restricted(
        &reg,
        column,
        k_adjust,
        inference.weights,
        inference.reps,
        inference.seed,
    )
    .ok()?;
    let statistic = did_statistic(panel)?;
    let observed: Vec<usize> = (0..panel.pilots).collect();
    let perm = permutation_test(
        panel.units.len(),
        &observed,
        inference.reps,
        inference.seed,
        statistic,
    );
    let estimate = fit.beta[column];
    if panel.pilots <= FEW_UNITS && cr1.p < 0.05 && perm.p >= 0.05 {
        warnings.push(format!(
            "CR1 calls this effect significant (p = {:.3}) but the permutation test does not (p = {:.3}): with {} pilot \
             unit(s) CR1 over-rejects.",
            cr1.p, perm.p, panel.pilots
        ));
    }
    Some(Did {
        estimate,
        se_cr1: cr1.se,
        p_cr1: cr1.p,
        se_cr2: cr2.se,
        df_bm: cr2.df,
        ci95_cr2: cr2.ci95,
        p_cr2: cr2.p,
        p_wild: wild.p,
        p_permutation: perm.p,
        p_permutation_min: perm.p_min,
        p_permutation_mc95: perm.monte_carlo_95,
        p_holm: None,
        p_bh: None,
        n: fit.n as u64,
        units: panel.units.len(),
    })
}

/// The DiD estimate as a function of which units are pilot units, via
/// Frisch–Waugh–Lovell: with D = Σ_g P_g d_g and d̃_g = d_g residualised on the
/// unit and wave effects, δ(P) = Σ_{g∈P} a_g / Σ_{g,h∈P} Ω_gh with
/// a_g = d̃_g'Wȳ and Ω = D̃'WD̃. Each assignment then costs O(G1²).
fn did_statistic(panel: &Panel) -> Option<impl FnMut(&[usize]) -> f64> {
    let fe = panel.regression(0, |_, _| 0.0);
    let fit = fe.fit().ok()?;
    let g = panel.units.len();
    let c = panel.cells.len();
    let dg = DMatrix::from_fn(c, g, |r, u| {
        let cell = &panel.cells[r];
        (cell.unit == u && panel.is_post(cell.wave)) as u8 as f64
    });
    let w = DVector::from_iterator(c, fe.n.iter().copied());
    let weighted = DMatrix::from_fn(c, g, |r, u| w[r] * dg[(r, u)]);
    let projected = &fe.x * (&fit.bread * (fe.x.transpose() * &weighted));
    let residual = dg - projected;
    let y = DVector::from_iterator(c, fe.mean.iter().copied());
    let a: Vec<f64> = (0..g)
        .map(|u| (0..c).map(|r| residual[(r, u)] * w[r] * y[r]).sum())
        .collect();
    let omega = DMatrix::from_fn(g, g, |u, v| {
        (0..c)
            .map(|r| residual[(r, u)] * w[r] * residual[(r, v)])
            .sum::<f64>()
    });
    Some(move |assignment: &[usize]| {
        let num: f64 = assignment.iter().map(|&u| a[u]).sum();
        let den: f64 = assignment
            .iter()
            .flat_map(|&u| assignment.iter().map(move |&v| (u, v)))
            .map(|(u, v)| omega[(u, v)])
            .sum();
        if den > 0.0 { num / den } else { 0.0 }
    })
}

fn unit_level(
    panel: &Panel,
    inference: Inference,
    warnings: &mut Vec<String>,
) -> Option<UnitLevel> {
    // Per unit: respondent mean of the post period minus that of the pre period.
    let mut changes = Vec::new();
    let mut pilot_count = 0;
    let mut dropped = 0;
    for u in 0..panel.units.len() {
        let pre = panel.merged(|c| c.unit == u && !panel.is_post(c.wave));
        let post = panel.merged(|c| c.unit == u && panel.is_post(c.wave));
        match (pre.mean(), post.mean()) {
            (Some(a), Some(b)) => {
                if panel.is_pilot(u) {
                    pilot_count += 1;
                }
                changes.push((panel.is_pilot(u), b - a));
            }
            _ => dropped += 1,
        }
    }
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} unit(s) lack responses before or after the intervention and are left out of the unit-level view."
        ));
    }
    let control_count = changes.len() - pilot_count;
    if pilot_count == 0 || control_count == 0 {
        return None;
    }
    // Pilot units first, so that the observed assignment is 0..pilot_count.
    changes.sort_by_key(|(pilot, _)| !pilot);
    let values: Vec<f64> = changes.iter().map(|(_, v)| *v).collect();
    let total: f64 = values.iter().sum();
    let n = values.len();
    let statistic = |assignment: &[usize]| {
        let pilot_sum: f64 = assignment.iter().map(|&u| values[u]).sum();
        let k = assignment.len() as f64;
        pilot_sum / k - (total - pilot_sum) / (n as f64 - k)
    };
    let observed: Vec<usize> = (0..pilot_count).collect();
    let estimate = statistic(&observed);
    let perm = permutation_test(n, &observed, inference.reps, inference.seed, statistic);
    let mv = |xs: &[f64]| {
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() as f64 - 1.0);
        (m, v)
    };
    let welch = if pilot_count >= 2 && control_count >= 2 {
        let (m1, v1) = mv(&values[..pilot_count]);
        let (m2, v2) = mv(&values[pilot_count..]);
        welch_from_summaries(m1, v1, pilot_count as f64, m2, v2, control_count as f64)
    } else {
        None
    };
    Some(UnitLevel {
        estimate,
        welch_t: welch.map(|w| w.t),
        welch_df: welch.map(|w| w.df),
        p_welch: welch.map(|w| w.p),
        p_permutation: perm.p,
        pilot_units: pilot_count,
        control_units: control_count,
    })
}

/// d = DiD / SD_pre and Hedges' g, with the CR2 interval scaled the same way.
pub fn standardise(
    estimate: f64,
    ci: [f64; 2],
    pilot_pre: &Moments,
    control_pre: &Moments,
) -> Option<EffectSize> {
    let (n1, n0) = (pilot_pre.n as f64, control_pre.n as f64);
    let pooled = ((n1 - 1.0) * pilot_pre.variance()? + (n0 - 1.0) * control_pre.variance()?)
        / (n1 + n0 - 2.0);
    let sd_pre = pooled.sqrt();
    if sd_pre.is_nan() || sd_pre <= 0.0 {
        return None;
    }
    let j = 1.0 - 3.0 / (4.0 * (n1 + n0 - 2.0) - 1.0);
    let d = estimate / sd_pre;
    Some(EffectSize {
        d,
        g: j * d,
        ci95: [j * ci[0] / sd_pre, j * ci[1] / sd_pre],
        d_ci95: [ci[0] / sd_pre, ci[1] / sd_pre],
        sd_pre,
    })
}

fn effect_size(panel: &Panel, did: &Did) -> Option<EffectSize> {
    let pilot_pre = panel.merged(|c| panel.is_pilot(c.unit) && !panel.is_post(c.wave));
    let control_pre = panel.merged(|c| !panel.is_pilot(c.unit) && !panel.is_post(c.wave));
    standardise(did.estimate, did.ci95_cr2, &pilot_pre, &control_pre)
}

fn event_study(panel: &Panel, design: &Design) -> Option<EventStudy> {
    let reference = panel.post_from - 1;
    let others: Vec<usize> = (0..panel.waves).filter(|&t| t != reference).collect();
    let reg = panel.regression(others.len(), |c, j| {
        (panel.is_pilot(c.unit) && c.wave == others[j]) as u8 as f64
    });
    let fit = reg.fit().ok()?;
    let first = reg.k() - others.len();
    let vcov = reg.cr2_vcov(&fit);
    let mut coefficients = Vec::new();
    for t in 0..panel.waves {
        let wave = design.waves[t].clone();
        match others.iter().position(|&o| o == t) {
            None => coefficients.push(EventCoefficient {
                wave,
                estimate: 0.0,
                se_cr2: None,
                ci95: None,
                reference: true,
            }),
            Some(j) => {
                let mut c = DVector::zeros(reg.k());
                c[first + j] = 1.0;
                let i = reg.cr2(&fit, &c);
                coefficients.push(EventCoefficient {
                    wave,
                    estimate: i.estimate,
                    se_cr2: Some(i.se),
                    ci95: Some(i.ci95),
                    reference: false,
                });
            }
        }
    }
    let pre: Vec<usize> = (0..others.len())
        .filter(|&j| others[j] < reference)
        .collect();
    let contrasts = DMatrix::from_fn(pre.len(), reg.k(), |r, col| {
        (col == first + pre[r]) as u8 as f64
    });
    let test = wald_f(&fit.beta, &vcov, &contrasts, (reg.clusters - 1) as f64);
    Some(EventStudy {
        reference_wave: design.waves[reference].clone(),
        coefficients,
        pretrend_p: test.map(|t| t.1),
        pretrend_f: test.map(|t| t.0),
    })
}

fn reliability(scores: &ScoreReport, d: usize, warnings: &mut Vec<String>) -> Vec<WaveReliability> {
    let mut low_alpha = Vec::new();
    let mut low_agreement = Vec::new();
    let rows = scores
        .waves
        .iter()
        .map(|w| {
            let s = &w.dimensions[d];
            if s.alpha.is_some_and(|a| a < LOW_RELIABILITY) {
                low_alpha.push(format!("{} ({:.2})", w.wave, s.alpha.unwrap_or_default()));
            }
            if s.icc2.is_some_and(|a| a < LOW_AGREEMENT) {
                low_agreement.push(format!(
                    "{} (ICC(2) {:.2})",
                    w.wave,
                    s.icc2.unwrap_or_default()
                ));
            }
            WaveReliability {
                wave: w.wave.clone(),
                alpha: s.alpha,
                omega: s.omega,
                icc1: s.icc1,
                icc2: s.icc2,
                rwg_j_median: s.rwg_j_median,
            }
        })
        .collect();
    if !low_alpha.is_empty() {
        warnings.push(format!(
            "Low reliability: alpha below {LOW_RELIABILITY:.2} in wave(s) {}.",
            low_alpha.join(", ")
        ));
    }
    if !low_agreement.is_empty() {
        warnings.push(format!(
            "Unit means are not reliable (ICC(2) below {LOW_AGREEMENT:.2}) in wave(s) {}: differences between single units are mostly noise.",
            low_agreement.join(", ")
        ));
    }
    rows
}
