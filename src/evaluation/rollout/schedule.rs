//! Designing the roll-out as a stepped-wedge trial: a seeded random order
//! of adoption (optionally stratified, e.g. by division), its hash so that
//! it can be verified later, and its power by Hussey & Hughes beside the
//! parallel design of the same size.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::said::Said;
use crate::stats::stepped_wedge::{hussey_hughes_variance, minimum_detectable, pattern, power};

/// What the schedule is drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRequest {
    /// The units, each with its stratum (empty: no stratification).
    pub units: Vec<(String, String)>,
    /// Waves between the baseline and the last adoption: units adopt at step 1 … steps.
    pub steps: usize,
    pub units_per_step: usize,
    pub seed: u64,
}

/// A drawn schedule: per step the units that adopt then; the rest never
/// (within the trial). `hash` is SHA-256 of the canonical JSON of the request
/// and the steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub request: ScheduleRequest,
    pub steps: Vec<Vec<String>>,
    pub never: Vec<String>,
    pub hash: String,
}

impl ScheduleRequest {
    fn check(&self) -> Result<(), Said> {
        if self.units.is_empty() {
            return Err(crate::said!("no unit is given", "ingen enhet är angiven"));
        }
        let mut names: Vec<&str> = self.units.iter().map(|u| u.0.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            let unit = w[0];
            return Err(crate::said!(
                "unit `{unit}` is named twice",
                "enheten `{unit}` är angiven två gånger"
            ));
        }
        let (steps, per, n) = (self.steps, self.units_per_step, self.units.len());
        if steps == 0 || per == 0 {
            return Err(crate::said!(
                "the steps and the units per step must be at least 1",
                "stegen och enheterna per steg måste vara minst 1"
            ));
        }
        if steps * per > n {
            return Err(crate::said!(
                "{steps} steps of {per} units need {} units; there are {n}",
                "{steps} steg med {per} enheter behöver {} enheter; det finns {n}",
                steps * per
            ));
        }
        Ok(())
    }
}

/// Draws the adoption order: units in name order within each stratum (strata
/// in name order) are shuffled with ChaCha8 from `seed`, the strata taken in
/// turn, and the first `units_per_step` adopt at step 1, the next at step 2, ….
pub fn draw(request: &ScheduleRequest) -> Result<Schedule, Said> {
    request.check()?;
    let order = Strata::of(request).order(request.seed);
    let per = request.units_per_step;
    let names = |idx: &[usize]| {
        let mut units: Vec<String> = idx.iter().map(|&i| request.units[i].0.clone()).collect();
        units.sort();
        units
    };
    let steps: Vec<Vec<String>> = (0..request.steps)
        .map(|k| names(&order[k * per..(k + 1) * per]))
        .collect();
    let never = names(&order[request.steps * per..]);
    let hash = hash(request, &steps);
    Ok(Schedule {
        request: request.clone(),
        steps,
        never,
        hash,
    })
}

/// The request's units by stratum (strata in name order, units in name order
/// within each), as indices into `request.units`: what every draw shuffles.
pub struct Strata(Vec<Vec<usize>>);

impl Strata {
    pub fn of(request: &ScheduleRequest) -> Strata {
        let mut strata: Vec<&str> = request.units.iter().map(|u| u.1.as_str()).collect();
        strata.sort_unstable();
        strata.dedup();
        Strata(
            strata
                .iter()
                .map(|s| {
                    let mut idx: Vec<usize> = (0..request.units.len())
                        .filter(|&i| request.units[i].1 == *s)
                        .collect();
                    idx.sort_by(|&a, &b| request.units[a].0.cmp(&request.units[b].0));
                    idx
                })
                .collect(),
        )
    }

    /// The adoption order drawn from `seed`: each stratum shuffled, then the strata in turn.
    pub fn order(&self, seed: u64) -> Vec<usize> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut shuffled: Vec<Vec<usize>> = self.0.clone();
        for units in shuffled.iter_mut() {
            for i in (1..units.len()).rev() {
                units.swap(i, rng.random_range(0..=i));
            }
        }
        let longest = shuffled.iter().map(Vec::len).max().unwrap_or(0);
        (0..longest)
            .flat_map(|j| shuffled.iter().filter_map(move |s| s.get(j).copied()))
            .collect()
    }
}

fn hash(request: &ScheduleRequest, steps: &[Vec<String>]) -> String {
    let canonical = serde_json::to_string(&(request, steps)).expect("a schedule serialises");
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `schedule` is what its request draws: the same steps and hash.
pub fn verify(schedule: &Schedule) -> Result<(), Said> {
    let again = draw(&schedule.request)?;
    if again.steps != schedule.steps || again.never != schedule.never {
        return Err(crate::said!(
            "the schedule's steps are not what its seed draws: it was changed after it was drawn",
            "schemats steg är inte vad dess frö drar: det har ändrats efter dragningen"
        ));
    }
    if again.hash != schedule.hash {
        return Err(crate::said!(
            "the schedule's hash does not match its content: it was changed after it was drawn",
            "schemats kontrollsumma stämmer inte med innehållet: det har ändrats efter dragningen"
        ));
    }
    Ok(())
}

/// The power of a design: Var(θ̂), its SE, the minimum detectable effect at
/// 80 % power and the power for `effect` (all in SD of the outcome).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DesignPower {
    pub variance: f64,
    pub se: f64,
    pub minimum_detectable_effect: f64,
    pub power: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerComparison {
    pub respondents_per_unit_wave: f64,
    pub icc: f64,
    pub alpha: f64,
    pub effect: Option<f64>,
    /// The stepped wedge as drawn (a baseline wave, then one wave per step).
    pub stepped_wedge: DesignPower,
    /// The parallel design of the same size: half the units adopt at step 1, the others never.
    pub parallel: DesignPower,
}

pub fn compare(
    schedule: &Schedule,
    m: f64,
    icc: f64,
    effect: Option<f64>,
    alpha: f64,
) -> PowerComparison {
    let steps = schedule.request.steps;
    let mut step_of: Vec<Option<usize>> = Vec::new();
    for (k, units) in schedule.steps.iter().enumerate() {
        step_of.extend(units.iter().map(|_| Some(k + 1)));
    }
    step_of.extend(schedule.never.iter().map(|_| None));
    let n = step_of.len();
    let parallel: Vec<Option<usize>> = (0..n).map(|i| (i < n / 2).then_some(1)).collect();
    let of = |steps_of: &[Option<usize>]| {
        let variance = hussey_hughes_variance(&pattern(steps_of, steps), m, icc);
        DesignPower {
            variance,
            se: variance.sqrt(),
            minimum_detectable_effect: minimum_detectable(variance, alpha, 0.8),
            power: effect.map(|e| power(variance, e, alpha)),
        }
    };
    PowerComparison {
        respondents_per_unit_wave: m,
        icc,
        alpha,
        effect,
        stepped_wedge: of(&step_of),
        parallel: of(&parallel),
    }
}
