//! Randomisation inference for a roll-out whose adoption order was drawn at
//! random (`schedule`): the overall effect recomputed for schedules the same
//! design draws from other seeds; the p-value is the share at least as far
//! from zero as the observed one.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::schedule::{Schedule, ScheduleRequest, Strata};
use crate::said::Said;
use crate::stats::staggered::Control;
use crate::stats::staggered::randomisation::Cells;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RandomisationTest {
    pub p: f64,
    /// Schedules drawn besides the observed one.
    pub draws: usize,
    /// The smallest p the test can give: 1/(draws + 1), or 1/(distinct schedules) when fewer.
    pub smallest_p: f64,
    pub seed: u64,
    /// The schedule's hash, as recorded.
    pub schedule_hash: String,
}

/// The assignments the design could have drawn, as each unit's cohort
/// (a period), for the units of `names` (in the panel's order).
pub struct Assignments {
    /// Per draw, per unit: the period (`u8::MAX`: never).
    draws: Vec<Vec<u8>>,
    pub seed: u64,
    pub distinct: f64,
}

impl Assignments {
    /// Checks that the observed adoption follows `schedule` (step k's units
    /// are the k-th cohort, whose first period is `step_period[k]`) and draws
    /// `count` other schedules from seeds of a ChaCha8 stream from `seed`.
    pub fn draw(
        schedule: &Schedule,
        names: &[String],
        observed: &[Option<usize>],
        step_period: &[Option<usize>],
        count: usize,
        seed: u64,
    ) -> Result<Assignments, Said> {
        let position = |unit: &str| names.iter().position(|n| n == unit);
        for (k, units) in schedule.steps.iter().enumerate() {
            for u in units {
                let p = position(u);
                if p.is_none_or(|p| observed[p] != step_period.get(k).copied().flatten()) {
                    return Err(crate::said!(
                        "the adoption does not follow the recorded schedule: `{u}` was drawn for step {} but adopted otherwise (or has no answers)",
                        "starten följer inte det dragna schemat: `{u}` drogs till steg {} men började på annat sätt (eller saknar svar)",
                        k + 1
                    ));
                }
            }
        }
        for u in &schedule.never {
            if position(u).is_some_and(|p| observed[p].is_some()) {
                return Err(crate::said!(
                    "the adoption does not follow the recorded schedule: `{u}` was drawn to stay out but adopted",
                    "starten följer inte det dragna schemat: `{u}` drogs att stå utanför men började"
                ));
            }
        }
        // Each request unit's panel position, and the draws as the design makes them.
        let request = &schedule.request;
        let at: Vec<Option<usize>> = request.units.iter().map(|u| position(&u.0)).collect();
        let strata = Strata::of(request);
        let per = request.units_per_step;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let draws = (0..count)
            .map(|_| {
                let order = strata.order(rng.random::<u64>());
                let mut row = vec![u8::MAX; names.len()];
                for (k, period) in step_period.iter().enumerate() {
                    for &i in &order[k * per..(k + 1) * per] {
                        if let (Some(p), Some(period)) = (at[i], period) {
                            row[p] = *period as u8;
                        }
                    }
                }
                row
            })
            .collect();
        Ok(Assignments {
            draws,
            seed,
            distinct: distinct_schedules(&schedule.request),
        })
    }

    pub fn test(
        &self,
        cells: &Cells,
        observed: &[Option<usize>],
        control: Control,
        hash: &str,
    ) -> Option<RandomisationTest> {
        let theta = cells.overall(observed, control)?.abs();
        let mut at_least = 1usize; // the observed schedule itself
        let mut cohort = vec![None; observed.len()];
        for row in &self.draws {
            for (c, &p) in cohort.iter_mut().zip(row) {
                *c = (p != u8::MAX).then_some(p as usize);
            }
            if cells
                .overall(&cohort, control)
                .is_some_and(|x| x.abs() >= theta * (1.0 - 1e-12))
            {
                at_least += 1;
            }
        }
        let total = self.draws.len() + 1;
        Some(RandomisationTest {
            p: at_least as f64 / total as f64,
            draws: self.draws.len(),
            smallest_p: (1.0 / total as f64).max(1.0 / self.distinct),
            seed: self.seed,
            schedule_hash: hash.to_owned(),
        })
    }
}

/// How many different schedules the design can draw: per stratum the ways to
/// order its units as they fill the steps — an upper bound ignoring the
/// interleaving of strata, exact without strata: n! / ((k!)^s (n − s k)!).
fn distinct_schedules(request: &ScheduleRequest) -> f64 {
    let n = request.units.len() as f64;
    let (s, k) = (request.steps as f64, request.units_per_step as f64);
    let ln_fact = |x: f64| statrs::function::gamma::ln_gamma(x + 1.0);
    (ln_fact(n) - s * ln_fact(k) - ln_fact(n - s * k)).exp()
}
