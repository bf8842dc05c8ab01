//! `klimat simulate`: a responses file from a latent model with a known truth.

use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args as ClapArgs;

use crate::responses::ResponsesWriter;
use crate::simulate::{Spec, simulate};
use crate::survey;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Examples:\n  klimat simulate --survey surveys/creative-climate.toml --out sim.csv\n  \
klimat simulate --survey surveys/team-climate.toml --units 12 --pilot-units 3 --waves 3 \\\n      \
--effect vision=0.5,support-for-innovation=0.3 --icc 0.15 --seed 7 --out pilot.csv\n\n\
Units are named unit-01 …, waves 2024-03, 2024-09, 2025-03 …; the pilot units and the first post wave are printed."
)]
pub struct SimulateArgs {
    /// Survey definition to answer (TOML).
    #[arg(long, value_name = "FILE")]
    pub survey: PathBuf,
    /// Number of units.
    #[arg(long, default_value_t = 20)]
    pub units: usize,
    /// Mean respondents per unit and wave (each unit and wave varies by ±25 %).
    #[arg(long, default_value_t = 20)]
    pub respondents_per_unit: usize,
    /// Number of waves.
    #[arg(long, default_value_t = 3)]
    pub waves: usize,
    /// Number of pilot units, drawn at random with the seed (default: a quarter of the units, at least 1).
    #[arg(long, value_name = "K")]
    pub pilot_units: Option<usize>,
    /// First wave after the intervention, 1-based (default: the later half are post waves).
    #[arg(long, value_name = "N")]
    pub first_post_wave: Option<usize>,
    /// True effects in the pilot units from the first post wave on, in standard
    /// deviations of the latent climate: DIM=SIZE,...
    #[arg(long, value_name = "DIM=SIZE,...", value_delimiter = ',')]
    pub effect: Vec<String>,
    /// Differential item functioning: items answered higher in the pilot units
    /// from the first post wave on, in item standard deviations: ITEM=SIZE,...
    #[arg(long, value_name = "ITEM=SIZE,...", value_delimiter = ',')]
    pub item_shift: Vec<String>,
    /// A roll-out instead of one pilot: per cohort the first wave after adoption
    /// (1-based) and its number of units, drawn at random: WAVE:UNITS,...
    #[arg(long, value_name = "WAVE:UNITS,...", value_delimiter = ',', conflicts_with_all = ["pilot_units", "first_post_wave"])]
    pub cohorts: Vec<String>,
    /// A roll-out with given units: a CSV `unit,first_wave` (the simulated names,
    /// e.g. unit-03,2025-03; empty: never), e.g. from a randomised schedule.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["pilot_units", "first_post_wave", "cohorts"])]
    pub adoption: Option<PathBuf>,
    /// With --cohorts or --adoption: the effect grows by this share of itself with every wave since adoption.
    #[arg(long, default_value_t = 0.0)]
    pub effect_growth: f64,
    /// With --cohorts: write the adoption (unit,first_wave) to this CSV, for `klimat report effect --adoption`.
    #[arg(long, value_name = "FILE")]
    pub adoption_out: Option<PathBuf>,
    /// Share of a dimension score's variance between units (what ICC(1) estimates).
    #[arg(long, default_value_t = 0.10)]
    pub icc: f64,
    /// Share of answers left empty.
    #[arg(long, default_value_t = 0.02)]
    pub missing_rate: f64,
    /// Share of answers "don't know" (when the survey offers it).
    #[arg(long, default_value_t = 0.03)]
    pub dont_know_rate: f64,
    /// Random seed: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Responses file to write (CSV).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let survey = survey::load(&args.survey)?;
    let mut effects = Vec::new();
    for e in &args.effect {
        let (dim, size) = e
            .split_once('=')
            .with_context(|| format!("--effect `{e}`: write DIM=SIZE, e.g. idea-support=0.5"))?;
        let d = survey.dimension_index(dim.trim()).with_context(|| {
            let ids: Vec<&str> = survey.dimensions.iter().map(|d| d.id.as_str()).collect();
            format!(
                "--effect `{e}`: {} has no dimension `{dim}`; it has {}",
                survey.key,
                ids.join(", ")
            )
        })?;
        let size: f64 = size
            .trim()
            .parse()
            .with_context(|| format!("--effect `{e}`: `{size}` is not a number"))?;
        effects.push((d, size));
    }
    let mut item_shifts = Vec::new();
    for e in &args.item_shift {
        let (item, size) = e
            .split_once('=')
            .with_context(|| format!("--item-shift `{e}`: write ITEM=SIZE, e.g. q07=0.8"))?;
        let i = survey
            .item_index(item.trim())
            .with_context(|| format!("--item-shift `{e}`: {} has no item `{item}`", survey.key))?;
        let size: f64 = size
            .trim()
            .parse()
            .with_context(|| format!("--item-shift `{e}`: `{size}` is not a number"))?;
        item_shifts.push((i, size));
    }
    let mut cohorts = Vec::new();
    for c in &args.cohorts {
        let parsed = c.split_once(':').and_then(|(w, k)| {
            Some((
                w.trim().parse::<usize>().ok()?,
                k.trim().parse::<usize>().ok()?,
            ))
        });
        match parsed {
            Some((w, k)) if w >= 1 && k >= 1 => cohorts.push((w - 1, k)),
            _ => anyhow::bail!(
                "--cohorts `{c}`: write WAVE:UNITS with a 1-based wave and at least one unit, e.g. 3:4"
            ),
        }
    }
    let fixed_adoption = match &args.adoption {
        None => None,
        Some(path) => Some(adoption_file(path, args.units, args.waves)?),
    };
    let first_post_wave = match args.first_post_wave {
        Some(0) => anyhow::bail!("--first-post-wave counts from 1"),
        Some(n) => n - 1,
        None => Spec::default_first_post_wave(args.waves),
    };
    if !(0.0..0.5).contains(&args.missing_rate) || !(0.0..0.5).contains(&args.dont_know_rate) {
        anyhow::bail!("--missing-rate and --dont-know-rate must be at least 0 and below 0.5");
    }
    let spec = Spec {
        units: args.units,
        respondents_per_unit: args.respondents_per_unit,
        waves: args.waves,
        pilot_units: args.pilot_units.unwrap_or((args.units / 4).max(1)),
        first_post_wave,
        effects,
        item_shifts,
        icc: args.icc,
        missing_rate: args.missing_rate,
        cohorts,
        fixed_adoption,
        growth: args.effect_growth,
        dont_know_rate: args.dont_know_rate,
        seed: args.seed,
    };
    spec.check(&survey).map_err(anyhow::Error::msg)?;

    // Written beside the target and renamed at the end: never a half file.
    let tmp = super::output::temporary_beside(&args.out)?;
    let mut writer = ResponsesWriter::new(BufWriter::with_capacity(1 << 20, tmp), &survey)?;
    let plan = simulate(&survey, &spec, |unit, wave, answers| {
        writer.row(unit, wave, answers)
    })?;
    let tmp = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
    tmp.persist(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;

    println!(
        "wrote {} respondents to {}",
        plan.respondents,
        args.out.display()
    );
    println!(
        "units: {} ({} … {})",
        plan.units.len(),
        plan.units[0],
        plan.units[plan.units.len() - 1]
    );
    println!("waves: {}", plan.waves.join(", "));
    if plan.adoption.is_empty() {
        println!("pilot units: {}", plan.pilot_units.join(","));
    } else {
        for (unit, wave) in &plan.adoption {
            println!("adopts: {unit} from {wave}");
        }
    }
    if let Some(path) = &args.adoption_out {
        let mut text = String::from("unit,first_wave\n");
        for unit in &plan.units {
            let wave = plan
                .adoption
                .iter()
                .find(|(u, _)| u == unit)
                .map_or("", |(_, w)| w.as_str());
            text.push_str(&format!("{unit},{wave}\n"));
        }
        super::output::write_atomically(path, text.as_bytes())?;
        println!("adoption written to {}", path.display());
    }
    if let Some(w) = &plan.first_post_wave {
        println!("first post wave: {w}");
    }
    println!("seed: {}", plan.seed);
    Ok(ExitCode::SUCCESS)
}

/// `unit,first_wave` over the simulated names: per unit its first wave after adoption.
fn adoption_file(
    path: &std::path::Path,
    units: usize,
    waves: usize,
) -> anyhow::Result<Vec<Option<usize>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let names: Vec<String> = (0..units)
        .map(|u| crate::simulate::unit_name(u, units))
        .collect();
    let wave_names: Vec<String> = (0..waves).map(crate::simulate::wave_name).collect();
    let mut first = vec![None; units];
    for (i, line) in text.lines().enumerate().skip(1) {
        let at = format!("{}:{}", path.display(), i + 1);
        let (unit, wave) = line
            .split_once(',')
            .with_context(|| format!("{at}: write `unit,first_wave`"))?;
        let (unit, wave) = (unit.trim(), wave.trim());
        let u = names.iter().position(|n| n == unit).with_context(|| {
            format!(
                "{at}: unit `{unit}` is not one of the {units} simulated units ({} …)",
                names[0]
            )
        })?;
        if !wave.is_empty() {
            let w = wave_names.iter().position(|n| n == wave).with_context(|| {
                format!(
                    "{at}: wave `{wave}` is not a simulated wave ({})",
                    wave_names.join(", ")
                )
            })?;
            first[u] = Some(w);
        }
    }
    Ok(first)
}
