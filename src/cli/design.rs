//! `klimat design power`: size a pilot before it starts.

use std::process::ExitCode;

use clap::{Args as ClapArgs, Subcommand};

use crate::evaluation::power::{PowerDesign, minimum_detectable_effect};

#[derive(Debug, Subcommand)]
pub enum DesignCommand {
    /// The minimum detectable standardised effect of a pilot design.
    Power(PowerArgs),
    /// Draw (seeded), keep and verify a randomised adoption order for the
    /// roll-out, a stepped-wedge trial, with its power.
    #[command(name = "roll-out")]
    RollOut(Box<super::design_rollout::RollOutArgs>),
}

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat design power --units-pilot 4 --units-control 12 --respondents-per-unit 15 --icc 0.1\n  \
klimat design power --units-pilot 2 --units-control 4 --respondents-per-unit 20 --icc 0.15 --waves-pre 2\n\n\
The effect is in standard deviations of a person's dimension score (0.2 small, 0.5 medium, 0.8 large)."
)]
pub struct PowerArgs {
    /// Pilot units.
    #[arg(long)]
    pub units_pilot: usize,
    /// Control units.
    #[arg(long)]
    pub units_control: usize,
    /// Respondents per unit and wave.
    #[arg(long)]
    pub respondents_per_unit: f64,
    /// Intraclass correlation of the dimension scores (ICC(1)).
    #[arg(long)]
    pub icc: f64,
    /// Waves before the intervention.
    #[arg(long, default_value_t = 1)]
    pub waves_pre: usize,
    /// Waves after the intervention.
    #[arg(long, default_value_t = 1)]
    pub waves_post: usize,
    /// Share of the between-unit variance that stays from wave to wave (it cancels in a unit's change).
    #[arg(long, default_value_t = 0.5)]
    pub stability: f64,
    /// Significance level (two-sided).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Power.
    #[arg(long, default_value_t = 0.8)]
    pub power: f64,
}

pub fn run(cmd: DesignCommand, settings: &crate::config::Settings) -> anyhow::Result<ExitCode> {
    let a = match cmd {
        DesignCommand::Power(a) => a,
        DesignCommand::RollOut(a) => return super::design_rollout::run(*a, settings),
    };
    let design = PowerDesign {
        pilot_units: a.units_pilot,
        control_units: a.units_control,
        respondents_per_unit: a.respondents_per_unit,
        icc: a.icc,
        pre_waves: a.waves_pre,
        post_waves: a.waves_post,
        stability: a.stability,
        alpha: a.alpha,
        power: a.power,
    };
    let r = minimum_detectable_effect(&design).map_err(anyhow::Error::msg)?;
    println!(
        "design: {} pilot and {} control units, {} respondents per unit and wave, ICC {}, {} pre and {} post wave(s)",
        a.units_pilot, a.units_control, a.respondents_per_unit, a.icc, a.waves_pre, a.waves_post
    );
    println!(
        "minimum detectable effect: {:.2} SD (two-sided alpha {}, power {})",
        r.minimum_detectable_effect, a.alpha, a.power
    );
    println!(
        "design effect of a unit mean: {:.2}; SD of a unit's change: {:.3} SD",
        r.design_effect, r.sd_unit_change
    );
    println!(
        "smallest attainable permutation p: {:.4} (1 of {} assignments of the pilot label)",
        r.smallest_p, r.assignments
    );
    if !r.alpha_attainable {
        println!(
            "warning: with this design no result can be significant at {}: add units, not respondents",
            a.alpha
        );
    }
    Ok(ExitCode::SUCCESS)
}
