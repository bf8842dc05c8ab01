//! A study's roll-out: its units' adoption dates as cohorts (the disclosure
//! plan's extra published groups) and the roll-out report computed from them.

use super::{Error, Result, load};
use crate::evaluation::Inference;
use crate::evaluation::rollout::report::{AdoptionChange, RolloutReport};
use crate::evaluation::rollout::schedule::Schedule;
use crate::evaluation::rollout::{Adoption, evaluate};
use crate::store::studies::{Study, Wave, WaveState};
use crate::store::{DbConnection, StoreError, adoptions, units::Unit};
use crate::survey::Language;

/// A cohort of the study: the units whose first wave after adoption is
/// `first_wave` (`None`: the units that do not adopt before any wave of the
/// study). Members are indices into the plan's units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortGroup {
    pub first_wave: Option<String>,
    pub members: Vec<usize>,
}

/// The study's cohorts in the order of their first wave, the never-treated
/// units last; `None` when no adoption date is recorded (a one-date pilot:
/// the pilot arm adopts on the intervention date, as the effect report has it).
pub fn cohorts(
    conn: &mut DbConnection,
    study: &Study,
    waves: &[Wave],
    units: &[Unit],
    pilot: &[usize],
    control: &[usize],
) -> std::result::Result<Option<Vec<CohortGroup>>, StoreError> {
    let recorded = adoptions::of(conn, study)?;
    if recorded.is_empty() {
        return Ok(None);
    }
    let mut sorted: Vec<&Wave> = waves.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let first_after = |date: &str| {
        sorted
            .iter()
            .find(|w| w.opens_on.as_deref().is_some_and(|d| d >= date))
            .map(|w| w.name.clone())
    };
    let mut groups: Vec<CohortGroup> = Vec::new();
    let mut never = Vec::new();
    for &u in pilot.iter().chain(control) {
        let date = match recorded.iter().find(|(code, _)| *code == units[u].code) {
            Some((_, d)) => Some(d.clone()),
            None if pilot.contains(&u) => Some(study.intervention_date.clone()),
            None => None,
        };
        match date
            .filter(|d| d != adoptions::NEVER)
            .and_then(|d| first_after(&d))
        {
            Some(first) => match groups
                .iter_mut()
                .find(|g| g.first_wave.as_deref() == Some(first.as_str()))
            {
                Some(g) => g.members.push(u),
                None => groups.push(CohortGroup {
                    first_wave: Some(first),
                    members: vec![u],
                }),
            },
            None => never.push(u),
        }
    }
    groups.sort_by(|a, b| a.first_wave.cmp(&b.first_wave));
    groups.iter_mut().for_each(|g| g.members.sort_unstable());
    never.sort_unstable();
    groups.push(CohortGroup {
        first_wave: None,
        members: never,
    });
    Ok(Some(groups))
}

/// A study's units for drawing its schedule, each with its stratum: its
/// parent unit's code with `by_division`, else none.
pub fn schedule_units(
    conn: &mut DbConnection,
    name: &str,
    by_division: bool,
) -> Result<Vec<(String, String)>> {
    let study = crate::store::studies::by_name(conn, name)?;
    let (pilot, control) = crate::store::studies::arms(conn, &study)?;
    let all = crate::store::units::all(conn)?;
    let parent_code = |code: &str| -> String {
        let unit = all.iter().find(|u| u.code == code);
        let parent = unit
            .and_then(|u| u.parent_id)
            .and_then(|p| all.iter().find(|x| x.id == p));
        parent.map(|p| p.code.clone()).unwrap_or_default()
    };
    Ok(pilot
        .into_iter()
        .chain(control)
        .map(|c| {
            let stratum = if by_division {
                parent_code(&c)
            } else {
                String::new()
            };
            (c, stratum)
        })
        .collect())
}

/// The newest published version of the study's survey.
pub fn study_survey(conn: &mut DbConnection, name: &str) -> Result<crate::survey::Survey> {
    let study = crate::store::studies::by_name(conn, name)?;
    Ok(crate::store::surveys::latest(conn, &study.survey_key)?.survey()?)
}

/// The study's recorded schedule, verified; `None` when none is recorded.
pub fn recorded_schedule(conn: &mut DbConnection, study: &Study) -> Result<Option<Schedule>> {
    let Some(json) = adoptions::schedule(conn, study)? else {
        return Ok(None);
    };
    let schedule: Schedule = serde_json::from_str(&json).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "study {}: the recorded schedule does not read: {e}",
            study.name
        ))
    })?;
    crate::evaluation::rollout::schedule::verify(&schedule).map_err(Error::Conflict)?;
    Ok(Some(schedule))
}

/// Whether a study records adoption dates (its effect report is a roll-out report).
pub fn is_rollout(conn: &mut DbConnection, name: &str) -> Result<bool> {
    let study = crate::store::studies::by_name(conn, name)?;
    Ok(!adoptions::of(conn, &study)?.is_empty())
}

/// The roll-out report of a study with recorded adoption dates: its closed
/// waves (and drafts holding imported answers), the cohorts' hidden units
/// pooled as the study's one plan decided.
pub fn report(
    conn: &mut DbConnection,
    name: &str,
    inference: Inference,
    lang: Language,
) -> Result<RolloutReport> {
    let loaded = load(conn, name)?;
    let Some(cohorts) = loaded.plan.cohorts.clone() else {
        return Err(Error::Conflict(crate::said!(
            "study `{name}` records no adoption dates: it is a one-date pilot; record them with \
             `klimat study adopt` for a roll-out report",
            "studien `{name}` har inga startdatum: den är en pilot med ett datum; ange dem med \
             `klimat study adopt` för en utrullningsrapport"
        )));
    };
    let lang = super::language_for(&loaded.survey, lang);
    let (_, acc, waves, plans) = loaded.analysed_waves();
    let units = &loaded.unit_codes;

    // Per accumulator unit its cohort's first wave with answers, as a position in name order.
    let mut wave_order: Vec<usize> = (0..waves.len()).collect();
    wave_order.sort_by(|&a, &b| waves[a].cmp(&waves[b]));
    let position_of = |first: &Option<String>| -> Option<usize> {
        let first = first.as_ref()?;
        wave_order.iter().position(|&w| waves[w] >= *first)
    };
    // Units a merge or split changed during the study are left out (not
    // the same people before and after), as the effect report does.
    let members: Vec<(String, crate::said::Said)> = cohorts
        .iter()
        .flat_map(|g| &g.members)
        .map(|&u| {
            (
                loaded.plan.units[u].code.clone(),
                crate::said!("roll-out", "utrullnings"),
            )
        })
        .collect();
    let (left_out, reorganised) = super::reorganised_during(&loaded, &members);
    let mut first = vec![None; units.len()];
    let mut in_study = vec![false; units.len()];
    // Which plan group (2 + i: after the arms) each unit's cohort is.
    let mut group_of_unit = vec![None; units.len()];
    for (i, g) in cohorts.iter().enumerate() {
        for &u in &g.members {
            if left_out.contains(&loaded.plan.units[u].code) {
                continue;
            }
            if let Some(a) = loaded.plan.acc_unit[u] {
                first[a] = position_of(&g.first_wave);
                in_study[a] = true;
                group_of_unit[a] = Some(2 + i);
            }
        }
    }
    let adoption = Adoption {
        wave_order,
        first,
        in_study,
    };
    // An evaluation group is shown in a wave when every plan group it gathers is.
    let shown: Vec<Vec<bool>> = plans
        .iter()
        .map(|plan| {
            adoption
                .groups()
                .iter()
                .map(|g| {
                    g.members
                        .iter()
                        .filter_map(|&u| group_of_unit[u])
                        .all(|pg| plan.group_shown.get(pg).copied().unwrap_or(false))
                })
                .collect()
        })
        .collect();
    let schedule = recorded_schedule(conn, &loaded.study)?;
    let min_group = loaded
        .waves
        .iter()
        .map(|w| w.min_group_size as u64)
        .max()
        .unwrap_or(5);
    let mut report = evaluate(
        &loaded.survey,
        &acc,
        &waves,
        units,
        &adoption,
        &plans,
        &shown,
        schedule.as_ref(),
        inference,
        min_group,
        lang,
    )
    .map_err(|e| Error::Conflict(e.0))?;
    report
        .warnings
        .extend(reorganised.iter().map(|n| n.get(lang).to_owned()));
    report.adoption_changes = changes(conn, &loaded.study, &loaded.waves)?;
    let late = report
        .adoption_changes
        .iter()
        .filter(|c| c.after_close)
        .count();
    if late > 0 {
        report.warnings.push(
            crate::said!(
                "ADOPTION CHANGED AFTER THE FACT: {late} adoption date(s) were recorded or changed after a wave \
                 they affect had closed (listed under Adoption changes). Check them against the roll-out plan.",
                "STARTDATUM ÄNDRADE I EFTERHAND: {late} startdatum angavs eller ändrades efter att en mätomgång \
                 de påverkar hade stängt (se Ändrade startdatum). Stäm av dem mot utrullningsplanen."
            )
            .get(lang)
            .to_owned(),
        );
    }
    Ok(report)
}

/// Every recorded change, marked where a wave it affects (opening on or
/// after the earlier of the two dates) had closed before it was recorded.
fn changes(conn: &mut DbConnection, study: &Study, waves: &[Wave]) -> Result<Vec<AdoptionChange>> {
    Ok(adoptions::changes(conn, study)?
        .into_iter()
        .map(|c| {
            let recorded = c.recorded_at.date().to_string();
            let earliest = [c.previous.as_deref(), c.adopted_on.as_deref()]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or_default()
                .to_owned();
            // A wave it affects had closed before the change was recorded (for waves closed
            // before klimat kept the time: their planned closing day).
            let after_close = waves.iter().any(|w| {
                let closed_before = match w.closed_at {
                    Some(t) => t < c.recorded_at,
                    None => w
                        .closes_on
                        .as_deref()
                        .is_some_and(|d| d < recorded.as_str()),
                };
                w.state == WaveState::Closed
                    && closed_before
                    && w.opens_on
                        .as_deref()
                        .is_some_and(|d| d >= earliest.as_str())
            });
            AdoptionChange {
                unit: c.unit,
                previous: c.previous,
                adopted_on: c.adopted_on,
                recorded_at: c.recorded_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                after_close,
            }
        })
        .collect())
}

/// What the staff design page asks for: a draw (unless the study already
/// records its schedule) and, optionally, the power of it.
pub struct DesignRequest {
    pub draw: Option<DrawRequest>,
    /// Respondents per unit and wave, ICC, effect (SD), alpha.
    pub power: Option<(f64, f64, Option<f64>, f64)>,
    /// Simulated studies per design (0: none).
    pub simulations: usize,
}

/// A schedule to draw from the study's units.
pub struct DrawRequest {
    pub steps: usize,
    pub units_per_step: usize,
    pub seed: u64,
    pub by_division: bool,
}

/// A study's roll-out design: its schedule (the recorded one, verified, or
/// the one `request` draws), and the power of it.
pub struct DesignView {
    pub schedule: Schedule,
    pub recorded: bool,
    pub power: Option<crate::evaluation::rollout::schedule::PowerComparison>,
    pub simulated: Option<crate::evaluation::rollout::simulated_power::SimulatedComparison>,
}

/// The design page's figures: the study's recorded schedule if it has one,
/// else the draw `request` describes (nothing recorded); `None` when there
/// is neither. The simulated power draws from the latent model of the
/// study's survey, on its first dimension.
pub fn design(
    conn: &mut DbConnection,
    name: &str,
    request: Option<&DesignRequest>,
) -> Result<Option<DesignView>> {
    use crate::evaluation::rollout::{schedule, simulated_power};
    let study = crate::store::studies::by_name(conn, name)?;
    let draw = request.and_then(|r| r.draw.as_ref());
    let (schedule, recorded) = match (recorded_schedule(conn, &study)?, draw) {
        (Some(s), _) => (s, true),
        (None, None) => return Ok(None),
        (None, Some(r)) => {
            let units = schedule_units(conn, name, r.by_division)?;
            let drawn = schedule::draw(&schedule::ScheduleRequest {
                units,
                steps: r.steps,
                units_per_step: r.units_per_step,
                seed: r.seed,
            })
            .map_err(|s| Error::Invalid {
                reason: crate::said!("the schedule cannot be drawn", "schemat kan inte dras"),
                problems: vec![s],
            })?;
            (drawn, false)
        }
    };
    let Some((m, icc, effect, alpha)) = request.and_then(|r| r.power) else {
        return Ok(Some(DesignView {
            schedule,
            recorded,
            power: None,
            simulated: None,
        }));
    };
    let power = schedule::compare(&schedule, m, icc, effect, alpha);
    let simulations = request.map_or(0, |r| r.simulations);
    let simulated = match effect.filter(|_| simulations > 0) {
        None => None,
        Some(effect) => {
            let survey = study_survey(conn, name)?;
            // The page waits for it: about 4·10⁷ simulated answers over both designs at most.
            let per_study = 2.0
                * schedule.request.units.len() as f64
                * (schedule.request.steps + 1) as f64
                * m
                * survey.items.len() as f64;
            let affordable = ((4e7 / per_study.max(1.0)) as usize).max(20);
            let simulation = simulated_power::Simulation {
                studies: simulations.min(affordable),
                draws: 199,
                seed: schedule.request.seed,
            };
            Some(
                simulated_power::simulated_power(
                    &survey,
                    0,
                    &schedule.request,
                    m,
                    icc,
                    effect,
                    alpha,
                    simulation,
                )
                .map_err(|s| Error::Invalid {
                    reason: crate::said!(
                        "the power cannot be simulated",
                        "styrkan kan inte simuleras"
                    ),
                    problems: vec![s],
                })?,
            )
        }
    };
    Ok(Some(DesignView {
        schedule,
        recorded,
        power: Some(power),
        simulated,
    }))
}

/// Records the schedule `draw` gives for the study's units, provided it is
/// the one the evaluator saw (`hash`): the units may have changed since.
pub fn record_drawn(
    conn: &mut DbConnection,
    actor: &super::Actor,
    name: &str,
    draw: DrawRequest,
    hash: &str,
) -> Result<Schedule> {
    let request = DesignRequest {
        draw: Some(draw),
        power: None,
        simulations: 0,
    };
    let view = design(conn, name, Some(&request))?.expect("a draw was asked for");
    if view.recorded {
        return Err(Error::Conflict(crate::said!(
            "study {name} already records its schedule (seed {}); it cannot be drawn again",
            "studien {name} har redan ett draget schema (frö {}); det kan inte dras om",
            view.schedule.request.seed
        )));
    }
    if view.schedule.hash != hash {
        return Err(Error::Conflict(crate::said!(
            "the study's units have changed since the schedule was shown: look at the new draw before recording it",
            "studiens enheter har ändrats sedan schemat visades: se på den nya dragningen innan den sparas"
        )));
    }
    super::setup::record_schedule(conn, actor, name, &view.schedule)?;
    Ok(view.schedule)
}
