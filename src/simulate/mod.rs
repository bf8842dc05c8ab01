//! Simulated responses with a known truth, from a latent climate model.
//!
//! Per dimension, a person's latent climate is a unit level (shared by the
//! unit's members), a person deviation, a small common trend over waves and,
//! in pilot units from the first post wave on, the true effect. Items load on
//! their dimension's latent value; normal thresholds map the continuous
//! response to the survey's scale; reverse-keyed items are answered mirrored.
//! Some answers are missing and some "don't know".
//!
//! Calibration: `icc` is the share of a dimension *score's* variance that lies
//! between units, which is what ICC(1) estimates. Item noise dilutes the
//! latent unit share by the score's reliability, so the latent model uses
//! icc / reliability, with the reliability of the continuous item sum
//! (Spearman–Brown of the loadings). Effects are in standard deviations of
//! the latent climate, so the standardised effect of the scores is close to
//! effect × √reliability.
//!
//! Deterministic: the same survey, specification and seed give the same rows
//! (ChaCha8, whose output is fixed across versions).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::Serialize;

use crate::scoring::{Answer, DONT_KNOW, MISSING};
use crate::survey::Survey;

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub units: usize,
    /// Mean respondents per unit and wave; each cell varies ±25 %.
    pub respondents_per_unit: usize,
    pub waves: usize,
    pub pilot_units: usize,
    /// Index of the first wave after the intervention.
    pub first_post_wave: usize,
    /// True effects by dimension index, in latent standard deviations.
    pub effects: Vec<(usize, f64)>,
    /// Items answered higher (in item standard deviations) in the pilot
    /// units from the first post wave on, beyond their dimension's change:
    /// differential item functioning, which breaks scalar invariance.
    pub item_shifts: Vec<(usize, f64)>,
    /// A roll-out instead of one pilot: (first wave after adoption, units)
    /// per cohort; the units are drawn at random with the seed and
    /// `pilot_units` and `first_post_wave` are not used.
    pub cohorts: Vec<(usize, usize)>,
    /// Instead of drawing the cohorts' units: per unit its first wave after
    /// adoption (`None`: never), e.g. from a randomised schedule.
    pub fixed_adoption: Option<Vec<Option<usize>>>,
    /// How the effect grows with exposure: in the e-th wave after adoption
    /// (0 the first) the effect is `effect · (1 + growth · e)`.
    pub growth: f64,
    pub icc: f64,
    pub missing_rate: f64,
    pub dont_know_rate: f64,
    pub seed: u64,
}

impl Spec {
    /// The default split: the later half of the waves are post waves.
    pub fn default_first_post_wave(waves: usize) -> usize {
        waves - waves / 2
    }

    pub fn check(&self, survey: &Survey) -> Result<(), String> {
        if self.units < 2 {
            return Err("--units must be at least 2".into());
        }
        if self.waves < 1 || self.waves > 40 {
            return Err("--waves must be from 1 to 40".into());
        }
        if self.respondents_per_unit < 1 {
            return Err("--respondents-per-unit must be at least 1".into());
        }
        if self.pilot_units >= self.units {
            return Err(format!(
                "--pilot-units {} leaves no control unit among {} units",
                self.pilot_units, self.units
            ));
        }
        if !(0.0..0.9).contains(&self.icc) {
            return Err(format!(
                "--icc {} must be at least 0 and below 0.9",
                self.icc
            ));
        }
        let adopting: usize = self.cohorts.iter().map(|c| c.1).sum();
        if adopting > self.units {
            return Err(format!(
                "the cohorts hold {adopting} units, more than the {} units",
                self.units
            ));
        }
        if let Some(&(w, _)) = self.cohorts.iter().find(|c| c.0 >= self.waves) {
            return Err(format!(
                "a cohort adopts before wave {}, after the last wave {}",
                w + 1,
                self.waves
            ));
        }
        if !self.growth.is_finite() || self.growth.abs() > 5.0 {
            return Err(format!(
                "effect growth {} is not a number from −5 to 5",
                self.growth
            ));
        }
        if self.first_post_wave > self.waves {
            return Err("the first post wave lies after the last wave".into());
        }
        for &(d, size) in &self.effects {
            if d >= survey.dimensions.len() || !size.is_finite() || size.abs() > 5.0 {
                return Err(format!(
                    "effect {size} is not a size from −5 to 5 standard deviations"
                ));
            }
        }
        for &(i, size) in &self.item_shifts {
            if i >= survey.items.len() || !size.is_finite() || size.abs() > 5.0 {
                return Err(format!(
                    "item shift {size} is not a size from −5 to 5 standard deviations"
                ));
            }
        }
        Ok(())
    }
}

/// The design of what was simulated, so tests and reports know the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub units: Vec<String>,
    pub waves: Vec<String>,
    pub pilot_units: Vec<String>,
    pub first_post_wave: Option<String>,
    /// With cohorts: each adopting unit and its first wave after adoption.
    pub adoption: Vec<(String, String)>,
    pub respondents: u64,
    pub seed: u64,
}

/// Loadings are drawn per item in this range.
const LOADINGS: (f64, f64) = (0.65, 0.85);
/// The loadings' mean, by which a latent effect shrinks in the scores.
pub const MEAN_LOADING: f64 = (LOADINGS.0 + LOADINGS.1) / 2.0;
/// Share of a dimension's variance common to all dimensions, at both levels.
const GENERAL_SHARE: f64 = 0.5;
/// Share of the unit level that changes from wave to wave.
const UNIT_WAVE_SHARE: f64 = 0.1;
/// The common trend per wave, in latent SD.
const TREND: f64 = 0.03;
/// Thresholds are shifted down so that answers lean to the upper half, as
/// climate answers usually do.
const LEAN: f64 = 0.3;

pub fn wave_name(index: usize) -> String {
    format!(
        "{}-{}",
        2024 + index / 2,
        if index.is_multiple_of(2) { "03" } else { "09" }
    )
}

pub fn unit_name(index: usize, count: usize) -> String {
    let width = count.to_string().len().max(2);
    format!("unit-{:0width$}", index + 1)
}

/// Simulates responses and hands each row to `sink(unit, wave, answers)`.
pub fn simulate(
    survey: &Survey,
    spec: &Spec,
    mut sink: impl FnMut(&str, &str, &[Answer]) -> std::io::Result<()>,
) -> std::io::Result<Plan> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let dims = survey.dimensions.len();
    let items = survey.items.len();
    let points = survey.scale.points();

    let loadings: Vec<f64> = (0..items)
        .map(|_| rng.random_range(LOADINGS.0..LOADINGS.1))
        .collect();
    // Reliability of each dimension's continuous item mean (Spearman–Brown form).
    let latent_icc: Vec<f64> = survey
        .dimensions
        .iter()
        .map(|d| {
            let l: f64 = d.items.iter().map(|&i| loadings[i]).sum();
            let e: f64 = d
                .items
                .iter()
                .map(|&i| 1.0 - loadings[i] * loadings[i])
                .sum();
            (spec.icc / (l * l / (l * l + e))).min(0.95)
        })
        .collect();
    let thresholds: Vec<f64> = (1..points)
        .map(|k| normal_quantile(k as f64 / points as f64) - LEAN)
        .collect();

    let units: Vec<String> = (0..spec.units).map(|u| unit_name(u, spec.units)).collect();
    let waves: Vec<String> = (0..spec.waves).map(wave_name).collect();
    let mut order: Vec<usize> = (0..spec.units).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    // Per unit the first wave after adoption: the pilot, or the cohorts.
    let mut first = vec![None; spec.units];
    if spec.cohorts.is_empty() {
        order
            .iter()
            .take(spec.pilot_units)
            .for_each(|&u| first[u] = Some(spec.first_post_wave));
    } else {
        let mut next = order.iter();
        for &(w, k) in &spec.cohorts {
            next.by_ref().take(k).for_each(|&u| first[u] = Some(w));
        }
    }
    if let Some(fixed) = &spec.fixed_adoption {
        first.clone_from(fixed);
    }
    let mut effect = vec![0.0; dims];
    for &(d, size) in &spec.effects {
        effect[d] = size;
    }
    let mut shift = vec![0.0; items];
    for &(i, size) in &spec.item_shifts {
        shift[i] = size;
    }

    // Stable unit levels per dimension, before scaling by the ICC.
    let general = GENERAL_SHARE.sqrt();
    let specific = (1.0 - GENERAL_SHARE).sqrt();
    let stable: Vec<Vec<f64>> = (0..spec.units)
        .map(|_| {
            let g: f64 = rng.sample(StandardNormal);
            (0..dims)
                .map(|_| general * g + specific * rng.sample::<f64, _>(StandardNormal))
                .collect()
        })
        .collect();

    let mut latent = vec![0.0; dims];
    let mut unit_level = vec![0.0; dims];
    let mut answers: Vec<Answer> = vec![MISSING; items];
    let dk_allowed = survey.scale.dont_know.is_some();
    let mut respondents = 0u64;
    for (w, wave) in waves.iter().enumerate() {
        for (u, unit) in units.iter().enumerate() {
            // Waves since adoption, from 0; None before it or never.
            let exposure = first[u].filter(|&f| w >= f).map(|f| (w - f) as f64);
            for d in 0..dims {
                let drift: f64 = rng.sample(StandardNormal);
                let shared =
                    (1.0 - UNIT_WAVE_SHARE).sqrt() * stable[u][d] + UNIT_WAVE_SHARE.sqrt() * drift;
                let mut level = latent_icc[d].sqrt() * shared + TREND * w as f64;
                if let Some(e) = exposure {
                    level += effect[d] * (1.0 + spec.growth * e);
                }
                unit_level[d] = level;
            }
            let n = ((spec.respondents_per_unit as f64) * rng.random_range(0.75..1.25))
                .round()
                .max(1.0) as usize;
            for _ in 0..n {
                let g: f64 = rng.sample(StandardNormal);
                for d in 0..dims {
                    let s: f64 = rng.sample(StandardNormal);
                    latent[d] =
                        unit_level[d] + (1.0 - latent_icc[d]).sqrt() * (general * g + specific * s);
                }
                for (i, item) in survey.items.iter().enumerate() {
                    let noise: f64 = rng.sample(StandardNormal);
                    let l = loadings[i];
                    let mut x = l * latent[item.dimension] + (1.0 - l * l).sqrt() * noise;
                    if exposure.is_some() {
                        x += shift[i];
                    }
                    if item.reverse {
                        x = -x;
                    }
                    let r: f64 = rng.random();
                    answers[i] = if r < spec.missing_rate {
                        MISSING
                    } else if dk_allowed && r < spec.missing_rate + spec.dont_know_rate {
                        DONT_KNOW
                    } else {
                        let category = thresholds.iter().take_while(|&&t| x > t).count() as i32;
                        (survey.scale.min + category) as Answer
                    };
                }
                sink(unit, wave, &answers)?;
                respondents += 1;
            }
        }
    }
    let mut pilot_units: Vec<String> = (0..spec.units)
        .filter(|&u| spec.cohorts.is_empty() && spec.fixed_adoption.is_none() && first[u].is_some())
        .map(|u| units[u].clone())
        .collect();
    pilot_units.sort();
    let mut adoption: Vec<(String, String)> = (0..spec.units)
        .filter(|_| !spec.cohorts.is_empty() || spec.fixed_adoption.is_some())
        .filter_map(|u| first[u].map(|f| (units[u].clone(), waves[f].clone())))
        .collect();
    adoption.sort();
    Ok(Plan {
        first_post_wave: waves
            .get(spec.first_post_wave)
            .cloned()
            .filter(|_| spec.cohorts.is_empty() && spec.fixed_adoption.is_none()),
        adoption,
        units,
        waves,
        pilot_units,
        respondents,
        seed: spec.seed,
    })
}

fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}
