//! The power of a roll-out design by simulation: studies simulated from
//! klimat's own latent climate model ([`crate::simulate`]: unit levels that
//! drift a little from wave to wave, a common trend, items on the survey's
//! scale with missing and don't-know answers, cells of varying size), each
//! analysed as the roll-out report analyses it — Callaway & Sant'Anna's
//! overall effect with its unit-clustered t test, and the randomisation test
//! over schedules the design could have drawn. Hussey & Hughes's formula
//! assumes none of the drift, the discreteness or the estimator; the
//! simulation shows what the design gives with the estimator actually used.
//!
//! Each simulated study draws its own adoption order (the design is
//! randomised), and the stepped wedge and the parallel design of the same size
//! see the same simulated organisations (the same seeds), so their difference
//! is the design's, not the simulation's noise.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::schedule::{ScheduleRequest, Strata};
use crate::said::Said;
use crate::scoring::Accumulator;
use crate::simulate::{Spec, simulate};
use crate::stats::descriptive::Moments;
use crate::stats::staggered::randomisation::Cells;
use crate::stats::staggered::{
    Aggregation, Base, Cell, Cluster, Control, Panel, aggregate, group_time,
};
use crate::survey::Survey;

/// How much to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Simulation {
    /// Simulated studies per design.
    pub studies: usize,
    /// Schedules per study for the randomisation test.
    pub draws: usize,
    pub seed: u64,
}

/// What one design gives over the simulated studies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulatedPower {
    /// Studies with an estimate (all, unless a simulated cell stayed empty).
    pub studies: usize,
    /// Share rejected at `alpha` by the unit-clustered t test (G − 1 df).
    pub cluster_t: f64,
    /// Share rejected at `alpha` by the randomisation test.
    pub randomisation: f64,
    /// The Monte Carlo standard error of a share near one half: √(¼ / studies).
    pub monte_carlo_se: f64,
    /// The mean overall estimate in standard deviations of the score: the
    /// effect the simulation produced after the items' noise and the scale's steps.
    pub mean_effect_sd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulatedComparison {
    pub survey: String,
    pub dimension: String,
    /// The effect asked for, in standard deviations of the score.
    pub effect: f64,
    /// The effect simulated on the latent climate: `effect` / √reliability.
    pub latent_effect: f64,
    pub respondents_per_unit_wave: f64,
    pub icc: f64,
    pub alpha: f64,
    pub simulation: Simulation,
    pub stepped_wedge: SimulatedPower,
    pub parallel: SimulatedPower,
}

/// A design to simulate: the units' strata and, in adoption order, how many
/// units adopt at which period.
struct Design {
    strata: Strata,
    units: usize,
    periods: usize,
    adopt: Vec<(usize, usize)>,
}

impl Design {
    /// Each unit's first period after adoption (`None`: never) for the order drawn from `seed`.
    fn assign(&self, seed: u64) -> Vec<Option<usize>> {
        let order = self.strata.order(seed);
        let mut first = vec![None; self.units];
        let mut next = order.into_iter();
        for &(period, count) in &self.adopt {
            next.by_ref()
                .take(count)
                .for_each(|u| first[u] = Some(period));
        }
        first
    }
}

/// The simulated power of the stepped wedge `request` describes and of the
/// parallel design of the same size (half the units adopting at step 1), for
/// dimension `dimension` of `survey`.
#[allow(clippy::too_many_arguments)]
pub fn simulated_power(
    survey: &Survey,
    dimension: usize,
    request: &ScheduleRequest,
    m: f64,
    icc: f64,
    effect: f64,
    alpha: f64,
    simulation: Simulation,
) -> Result<SimulatedComparison, Said> {
    if simulation.studies == 0 || simulation.draws == 0 {
        return Err(crate::said!(
            "the simulation needs at least one study and one schedule",
            "simuleringen behöver minst en studie och ett schema"
        ));
    }
    if !(m >= 1.0 && (0.0..0.9).contains(&icc) && effect.is_finite() && effect.abs() <= 5.0) {
        return Err(crate::said!(
            "the simulation needs at least 1 respondent per unit, an ICC from 0 to below 0.9 and an effect from −5 to 5 SD",
            "simuleringen behöver minst 1 svarande per enhet, en ICC från 0 till under 0,9 och en effekt från −5 till 5 SD"
        ));
    }
    let units = request.units.len();
    let periods = request.steps + 1;
    let stepped = Design {
        strata: Strata::of(request),
        units,
        periods,
        adopt: (1..=request.steps)
            .map(|k| (k, request.units_per_step))
            .collect(),
    };
    let parallel = Design {
        strata: Strata::of(request),
        units,
        periods,
        adopt: vec![(1, units / 2)],
    };
    let latent_effect = effect / reliability(survey, dimension).sqrt();
    let run = |design: &Design| {
        run_design(
            survey,
            dimension,
            design,
            m,
            icc,
            latent_effect,
            alpha,
            simulation,
        )
    };
    Ok(SimulatedComparison {
        survey: survey.key.clone(),
        dimension: survey.dimensions[dimension].id.clone(),
        effect,
        latent_effect,
        respondents_per_unit_wave: m,
        icc,
        alpha,
        simulation,
        stepped_wedge: run(&stepped),
        parallel: run(&parallel),
    })
}

/// The reliability of the dimension's continuous item mean at the simulator's
/// mean loading (Spearman–Brown), by which its latent effects shrink.
fn reliability(survey: &Survey, dimension: usize) -> f64 {
    let k = survey.dimensions[dimension].items.len() as f64;
    let l2 = crate::simulate::MEAN_LOADING.powi(2);
    k * k * l2 / (k * k * l2 + k * (1.0 - l2))
}

#[allow(clippy::too_many_arguments)]
fn run_design(
    survey: &Survey,
    dimension: usize,
    design: &Design,
    m: f64,
    icc: f64,
    latent_effect: f64,
    alpha: f64,
    simulation: Simulation,
) -> SimulatedPower {
    let mut seeds = ChaCha8Rng::seed_from_u64(simulation.seed);
    let (mut studies, mut by_t, mut by_ri, mut effects) = (0usize, 0usize, 0usize, 0.0);
    let critical = |df: f64| crate::stats::distributions::t_quantile(1.0 - alpha / 2.0, df);
    for _ in 0..simulation.studies {
        let (data_seed, order_seed, test_seed) = (
            seeds.random::<u64>(),
            seeds.random::<u64>(),
            seeds.random::<u64>(),
        );
        let first = design.assign(order_seed);
        let Some(study) = simulate_study(
            survey,
            dimension,
            design,
            &first,
            m,
            icc,
            latent_effect,
            data_seed,
        ) else {
            continue;
        };
        let Some((theta, se, df, sd)) = study.estimate() else {
            continue;
        };
        studies += 1;
        effects += theta / sd;
        if df > 0.0 && se > 0.0 && (theta / se).abs() > critical(df) {
            by_t += 1;
        }
        // The randomisation test: the same data under other orders the design could have drawn.
        let cells = Cells::of(&study.panel);
        let mut orders = ChaCha8Rng::seed_from_u64(test_seed);
        let mut at_least = 1usize;
        for _ in 0..simulation.draws {
            let other = design.assign(orders.random::<u64>());
            if cells
                .overall(&other, study.control)
                .is_some_and(|x| x.abs() >= theta.abs() * (1.0 - 1e-12))
            {
                at_least += 1;
            }
        }
        if (at_least as f64) / ((simulation.draws + 1) as f64) <= alpha {
            by_ri += 1;
        }
    }
    let share = |k: usize| {
        if studies == 0 {
            0.0
        } else {
            k as f64 / studies as f64
        }
    };
    SimulatedPower {
        studies,
        cluster_t: share(by_t),
        randomisation: share(by_ri),
        monte_carlo_se: (0.25 / studies.max(1) as f64).sqrt(),
        mean_effect_sd: if studies == 0 {
            0.0
        } else {
            effects / studies as f64
        },
    }
}

struct Study {
    panel: Panel,
    control: Control,
}

impl Study {
    /// The overall effect, its clustered SE, the df and the score's SD.
    fn estimate(&self) -> Option<(f64, f64, f64, f64)> {
        let (gt, _) = group_time(&self.panel, self.control, Base::Universal);
        if !gt.iter().any(|x| x.post() && !x.reference) {
            return None;
        }
        let group = aggregate(&self.panel, &gt, Aggregation::Group);
        let se = Cluster::of(&self.panel, &group.overall.influence).se;
        let df = self.panel.clusters().saturating_sub(1) as f64;
        let mut total = Moments::default();
        self.panel.cells.iter().for_each(|c| total.merge(&c.m));
        let sd = total.variance()?.sqrt();
        (group.overall.att.is_finite() && sd > 0.0).then_some((group.overall.att, se, df, sd))
    }
}

#[allow(clippy::too_many_arguments)]
fn simulate_study(
    survey: &Survey,
    dimension: usize,
    design: &Design,
    first: &[Option<usize>],
    m: f64,
    icc: f64,
    latent_effect: f64,
    seed: u64,
) -> Option<Study> {
    let spec = Spec {
        units: design.units,
        respondents_per_unit: m.round().max(1.0) as usize,
        waves: design.periods,
        pilot_units: 0,
        first_post_wave: design.periods,
        effects: vec![(dimension, latent_effect)],
        item_shifts: Vec::new(),
        cohorts: Vec::new(),
        fixed_adoption: Some(first.to_vec()),
        growth: 0.0,
        icc,
        missing_rate: 0.02,
        dont_know_rate: 0.03,
        seed,
    };
    let mut acc = Accumulator::new(survey);
    let (mut unit, mut wave) = (0usize, 0usize);
    let (mut last_unit, mut last_wave) = (String::new(), String::new());
    let names: Vec<String> = (0..design.units)
        .map(|u| crate::simulate::unit_name(u, design.units))
        .collect();
    simulate(survey, &spec, |u, w, answers| {
        // Rows come wave by wave, unit by unit: follow the names as they change.
        if w != last_wave {
            wave = (0..design.periods)
                .find(|&i| crate::simulate::wave_name(i) == w)
                .unwrap_or(wave);
            last_wave = w.to_owned();
        }
        if u != last_unit {
            unit = names.iter().position(|n| n == u).unwrap_or(unit);
            last_unit = u.to_owned();
        }
        acc.push(wave, unit, answers);
        Ok(())
    })
    .ok()?;
    let mut cells = Vec::new();
    for (period, stats) in acc.waves.iter().enumerate() {
        for (u, cell) in stats.cells.iter().enumerate() {
            if let Some(cell) = cell {
                let m = cell.scores(&acc.layout, dimension);
                if m.n > 0 {
                    cells.push(Cell { unit: u, period, m });
                }
            }
        }
    }
    let panel = Panel {
        periods: design.periods,
        cohort: first.to_vec(),
        cells,
    };
    let (panel, _) = panel.usable();
    let control = if first.iter().any(Option::is_none) {
        Control::NeverTreated
    } else {
        Control::NotYetTreated
    };
    Some(Study { panel, control })
}
