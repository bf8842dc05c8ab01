//! The roll-out: units adopt the method at different waves. Per dimension,
//! Callaway & Sant'Anna's group-time effects on person scores with units as
//! clusters ([`crate::stats::staggered`]), their aggregations by time since
//! adoption, by cohort and by wave, the event study's uniform band, and the
//! two-way fixed-effects estimate beside them for comparison. Pure: the
//! caller brings the accumulator and the disclosure plans, whose published
//! groups are the cohorts (the never-treated units one of them).

pub mod randomisation;
pub mod report;
pub mod schedule;
pub mod simulated_power;

use nalgebra::{DMatrix, DVector};

use super::Inference;
use super::disclosed::pool_hidden;
use crate::disclosure::{Group, Plan};
use crate::said::Said;
use crate::scoring::Accumulator;
use crate::scoring::report::SurveyRef;
use crate::stats::cluster::CellRegression;
use crate::stats::distributions::t_quantile;
use crate::stats::staggered::{
    Aggregation, Base, Cell, Cluster, Control, Influence, Panel, aggregate, group_time,
    multiplier_band,
};
use crate::survey::{Language, Survey};
use report::{
    BaconRow, BaconSummary, Cohort, DimensionRollout, Estimate, EventTimeRow, GroupTimeRow,
    LabelledRow, RolloutDesign, RolloutMethods, RolloutReport, SunAbrahamSummary, Twfe,
};

/// Per unit, the first wave after it adopted the method (`None`: never
/// within the data). Units the request does not name never adopt.
#[derive(Debug, Clone)]
pub struct AdoptionRequest {
    pub first_waves: Vec<(String, Option<String>)>,
}

/// A request checked against the data's units and waves.
#[derive(Debug, Clone)]
pub struct Adoption {
    /// Wave indices (into the data's names) in text order.
    pub wave_order: Vec<usize>,
    /// Per unit of the data, the position in `wave_order` of its first wave after adoption.
    pub first: Vec<Option<usize>>,
    /// Per unit of the data, whether it takes part (a study's units; every unit of a file).
    pub in_study: Vec<bool>,
}

/// A request that does not fit the data, in both languages.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.get(Language::En))]
pub struct AdoptionError(pub Said);

impl AdoptionRequest {
    pub fn check(&self, units: &[String], waves: &[String]) -> Result<Adoption, AdoptionError> {
        let mut wave_order: Vec<usize> = (0..waves.len()).collect();
        wave_order.sort_by(|&a, &b| waves[a].cmp(&waves[b]));
        let sorted: Vec<&str> = wave_order.iter().map(|&w| waves[w].as_str()).collect();
        let mut first = vec![None; units.len()];
        let mut seen = vec![false; units.len()];
        for (unit, wave) in &self.first_waves {
            let Some(u) = units.iter().position(|x| x == unit) else {
                let mut known: Vec<&str> = units.iter().map(String::as_str).collect();
                known.sort();
                let known = known.join(", ");
                return Err(AdoptionError(crate::said!(
                    "unit `{unit}` has no responses in the data; units in the data: {known}",
                    "enheten `{unit}` har inga svar i datan; enheter i datan: {known}"
                )));
            };
            if std::mem::replace(&mut seen[u], true) {
                return Err(AdoptionError(crate::said!(
                    "unit `{unit}` is named twice; a unit adopts once",
                    "enheten `{unit}` är angiven två gånger; en enhet börjar en gång"
                )));
            }
            first[u] = match wave {
                None => None,
                Some(w) => Some(sorted.iter().position(|x| x == w).ok_or_else(|| {
                    let known = sorted.join(", ");
                    AdoptionError(crate::said!(
                        "unit `{unit}`: wave `{w}` is not a wave of the data; waves: {known}",
                        "enheten `{unit}`: mätomgången `{w}` finns inte i datan; mätomgångar: {known}"
                    ))
                })?),
            };
        }
        if !first.iter().any(|f| matches!(f, Some(p) if *p > 0)) {
            return Err(AdoptionError(crate::said!(
                "no unit adopts after the first wave: a roll-out needs a cohort with a wave before its adoption",
                "ingen enhet börjar efter den första mätomgången: en utrullning behöver en grupp med en mätomgång före start"
            )));
        }
        let in_study = vec![true; units.len()];
        Ok(Adoption {
            wave_order,
            first,
            in_study,
        })
    }
}

impl Adoption {
    /// The cohorts in order of adoption, then the never-treated units: the
    /// groups the disclosure plan publishes.
    pub fn groups(&self) -> Vec<Group> {
        self.firsts()
            .into_iter()
            .map(|f| Group {
                name: f.map_or("never".into(), |f| format!("cohort {f}")),
                members: (0..self.first.len())
                    .filter(|&u| self.first[u] == f && (f.is_some() || self.in_study[u]))
                    .collect(),
            })
            .collect()
    }

    /// Per group of [`Adoption::groups`] its first period after adoption
    /// (`None`: the never-treated units, last).
    pub fn firsts(&self) -> Vec<Option<usize>> {
        let mut firsts: Vec<usize> = self.first.iter().flatten().copied().collect();
        firsts.sort_unstable();
        firsts.dedup();
        firsts.into_iter().map(Some).chain([None]).collect()
    }
}

impl Adoption {
    /// Per wave and group of [`Adoption::groups`], whether plans decided with
    /// those groups as their published groups show it.
    pub fn shown(plans: &[Plan]) -> Vec<Vec<bool>> {
        plans.iter().map(|p| p.group_shown.clone()).collect()
    }
}

/// The roll-out report of every dimension. `plans[w]` is wave w's plan over
/// the accumulator's units; `shown[w][g]` says whether it publishes group g
/// of [`Adoption::groups`] in wave w ([`Adoption::shown`] when the plans
/// were decided with those groups as their published groups).
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    survey: &Survey,
    acc: &Accumulator,
    waves: &[String],
    units: &[String],
    adoption: &Adoption,
    plans: &[Plan],
    shown: &[Vec<bool>],
    schedule: Option<&schedule::Schedule>,
    inference: Inference,
    min_group_size: u64,
    lang: Language,
) -> Result<RolloutReport, AdoptionError> {
    let groups = adoption.groups();
    let firsts = adoption.firsts();
    let sorted: Vec<String> = adoption
        .wave_order
        .iter()
        .map(|&w| waves[w].clone())
        .collect();
    for (w, plan) in plans.iter().enumerate() {
        for (g, group) in groups.iter().enumerate() {
            let answered = group.members.iter().any(|&u| acc.respondents(w, u) > 0);
            let published = shown
                .get(w)
                .and_then(|s| s.get(g))
                .copied()
                .unwrap_or(false);
            if answered && !(plan.total_shown && published) {
                let (wave, min) = (&waves[w], plan.min_group);
                let (en, sv) = cohort_name(firsts[g], &sorted);
                return Err(AdoptionError(crate::said!(
                    "{en} cannot be shown in wave `{wave}`: it has fewer respondents than the minimum group size \
                     ({min}), or a small unit in it could be derived from it. A report would publish one small \
                     group's figures; merge cohorts or small units",
                    "{sv} kan inte visas i mätomgången `{wave}`: den har färre svarande än minsta gruppstorlek \
                     ({min}), eller en liten enhet i den skulle kunna räknas fram. Slå ihop grupper eller små enheter"
                )));
            }
        }
    }
    let pools: Vec<String> = firsts
        .iter()
        .map(|&f| format!("(pooled units of {})", cohort_name(f, &sorted).0))
        .collect();
    let spec: Vec<(&[usize], &str)> = groups
        .iter()
        .zip(&pools)
        .map(|(g, p)| (g.members.as_slice(), p.as_str()))
        .collect();
    let (acc, names, members, pooled) = pool_hidden(acc, units, &spec, plans);
    // `pool_hidden` names the new units group by group, in `members`' order.
    let cohort_of_unit: Vec<Option<usize>> = members
        .iter()
        .zip(&firsts)
        .flat_map(|(m, &f)| std::iter::repeat_n(f, m.len()))
        .collect();
    debug_assert_eq!(cohort_of_unit.len(), names.len());

    let mut design_warnings = Vec::new();
    let mut cohorts = Vec::new();
    let mut adopted_before = Vec::new();
    for (g, first) in firsts.iter().enumerate() {
        let Some(first) = *first else { continue };
        if first == 0 {
            adopted_before.extend(members[g].iter().cloned());
            continue;
        }
        cohorts.push(Cohort {
            first_wave: sorted[first].clone(),
            units: members[g].clone(),
            pre_waves: first,
        });
    }
    let never = members.last().cloned().unwrap_or_default();
    for c in &cohorts {
        let (wave, units) = (&c.first_wave, c.units.join(", "));
        if c.units.len() == 1 {
            design_warnings.push(crate::said!(
                "ONE UNIT IN A COHORT: the cohort adopting at {wave} has one unit ({units}). Its own variation \
                 cannot be estimated from one cluster, so its standard errors are too small (they reflect only the \
                 comparison units); read its effects as descriptive.",
                "EN ENHET I EN GRUPP: gruppen som börjar {wave} har en enhet ({units}). Dess egen variation kan inte \
                 skattas från ett kluster, så dess medelfel är för små (de speglar bara jämförelseenheterna); läs \
                 dess effekter som beskrivande."
            ));
        }
        if c.pre_waves < 2 {
            design_warnings.push(crate::said!(
                "NO PRE-TREND CHECK for the cohort adopting at {wave}: it has one wave before adoption, so whether \
                 it trended like its comparison units before cannot be checked.",
                "INGEN KONTROLL AV TRENDEN FÖRE för gruppen som börjar {wave}: den har en mätomgång före start, så \
                 om den följde jämförelseenheternas trend före kan inte prövas."
            ));
        }
    }
    if !adopted_before.is_empty() {
        let units = adopted_before.join(", ");
        design_warnings.push(crate::said!(
            "Left out: {units} adopted at or before the first wave, so no wave shows them before adoption.",
            "Utelämnade: {units} började senast vid den första mätomgången, så ingen mätomgång visar dem före start."
        ));
    }
    let control = if never.is_empty() {
        design_warnings.push(crate::said!(
            "NO NEVER-TREATED UNITS: every unit adopts, so each cohort is compared with the units that have not \
             adopted yet, and no effect can be estimated once the last cohort has adopted.",
            "INGA ENHETER UTAN INSATSEN: alla enheter börjar, så varje grupp jämförs med de enheter som ännu inte \
             börjat, och ingen effekt kan skattas när den sista gruppen har börjat."
        ));
        Control::NotYetTreated
    } else {
        Control::NeverTreated
    };
    for (pool, held) in &pooled {
        let held = held.len();
        design_warnings.push(crate::said!(
            "{pool}: {held} units too small to be shown alone are analysed as one unit.",
            "{pool}: {held} enheter som är för små för att visas var för sig analyseras som en enhet."
        ));
    }

    // A randomised order: the test over the schedules the design could have drawn.
    let assignments = match schedule {
        None => None,
        Some(_) if !pooled.is_empty() => {
            design_warnings.push(crate::said!(
                "No randomisation test: units too small to be shown alone are pooled, and the schedule assigned units one by one.",
                "Inget randomiseringstest: enheter som är för små för att visas var för sig är sammanslagna, och schemat fördelade enheterna en och en."
            ));
            None
        }
        Some(s) => {
            let mut firsts: Vec<usize> = cohorts.iter().map(|c| c.pre_waves).collect();
            firsts.sort_unstable();
            let step_period: Vec<Option<usize>> =
                (0..s.steps.len()).map(|k| firsts.get(k).copied()).collect();
            match randomisation::Assignments::draw(
                s,
                &names,
                &cohort_of_unit,
                &step_period,
                inference.reps,
                inference.seed,
            ) {
                Ok(a) => Some((a, s.hash.clone())),
                Err(e) => {
                    design_warnings.push(e);
                    None
                }
            }
        }
    };
    let dimensions = (0..survey.dimensions.len())
        .map(|d| {
            let panel = Panel {
                periods: sorted.len(),
                cohort: cohort_of_unit.clone(),
                cells: cells(&acc, adoption, names.len(), d),
            };
            let (panel, _) = panel.usable();
            let mut result = dimension(survey, d, &panel, control, &sorted, inference, lang);
            if let Some((a, hash)) = &assignments {
                let cells = crate::stats::staggered::randomisation::Cells::of(&panel);
                result.randomisation = a.test(&cells, &panel.cohort, control, hash);
            }
            result
        })
        .collect();

    Ok(RolloutReport {
        survey: SurveyRef {
            key: survey.key.clone(),
            version: survey.version,
            hash: survey.content_hash(),
        },
        design: RolloutDesign {
            waves: sorted,
            cohorts,
            never_treated: never,
            adopted_before_data: adopted_before,
            control,
            base: Base::Universal,
            seed: inference.seed,
            bootstrap_reps: inference.reps,
            bootstrap_weights: inference.weights,
            units: names.len(),
        },
        min_group_size,
        scale: (survey.scale.min, survey.scale.max),
        methods: methods(inference),
        dimensions,
        warnings: design_warnings
            .iter()
            .map(|s| s.get(lang).to_owned())
            .collect(),
        adoption_changes: Vec::new(),
    })
}

/// A group of [`Adoption::groups`] by its first period (`None`: never), in
/// English and Swedish, for messages; `sorted` names the periods.
fn cohort_name(first: Option<usize>, sorted: &[String]) -> (String, String) {
    match first {
        Some(p) => (
            format!("the cohort adopting at {}", sorted[p]),
            format!("gruppen som börjar {}", sorted[p]),
        ),
        None => (
            "the never-treated units".into(),
            "enheterna utan insatsen".into(),
        ),
    }
}

fn cells(acc: &Accumulator, adoption: &Adoption, units: usize, d: usize) -> Vec<Cell> {
    let mut cells = Vec::new();
    for unit in 0..units {
        for (period, &w) in adoption.wave_order.iter().enumerate() {
            let cell = acc
                .waves
                .get(w)
                .and_then(|s| s.cells.get(unit))
                .and_then(Option::as_ref);
            if let Some(cell) = cell {
                let m = cell.scores(&acc.layout, d);
                if m.n > 0 {
                    cells.push(Cell { unit, period, m });
                }
            }
        }
    }
    cells
}

fn dimension(
    survey: &Survey,
    d: usize,
    panel: &Panel,
    control: Control,
    waves: &[String],
    inference: Inference,
    lang: Language,
) -> DimensionRollout {
    let dim = &survey.dimensions[d];
    let respondents = panel.n() as u64;
    let df = panel.clusters().saturating_sub(1) as f64;
    let estimate = |att: f64, influence: &Influence| -> Estimate {
        let se = Cluster::of(panel, influence).se;
        let se = (se.is_finite() && se > 0.0 && df > 0.0).then_some(se);
        let half = se.map(|se| t_quantile(0.975, df) * se);
        Estimate {
            estimate: att,
            se,
            df,
            ci95: half.map(|h| [att - h, att + h]),
            p: se.map(|se| {
                use statrs::distribution::{ContinuousCDF, StudentsT};
                let t = StudentsT::new(0.0, 1.0, df).expect("df > 0");
                2.0 * (1.0 - t.cdf((att / se).abs()))
            }),
        }
    };
    let mut warnings = Vec::new();
    let (gt, missing) = group_time(panel, control, Base::Universal);
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|&(g, t)| format!("({}, {})", waves[g], waves[t]))
            .collect();
        let list = list.join(", ");
        warnings.push(
            crate::said!(
                "Not estimable (a group without respondents): cohort and wave {list}.",
                "Kan inte skattas (en grupp utan svarande): grupp och mätomgång {list}."
            )
            .get(lang)
            .to_owned(),
        );
    }
    let base = DimensionRollout {
        id: dim.id.clone(),
        name: dim.name.get(lang).to_owned(),
        direction: dim.direction,
        respondents,
        overall: None,
        simple: None,
        sensitivity: None,
        event_study: Vec::new(),
        event_overall: None,
        band_critical: None,
        by_cohort: Vec::new(),
        by_wave: Vec::new(),
        group_time: Vec::new(),
        twfe: None,
        sun_abraham: None,
        bacon: None,
        randomisation: None,
        warnings,
    };
    if !gt.iter().any(|x| x.post() && !x.reference) {
        return base;
    }
    let group = aggregate(panel, &gt, Aggregation::Group);
    let simple = aggregate(panel, &gt, Aggregation::Simple);
    let dynamic = aggregate(panel, &gt, Aggregation::Dynamic);
    let calendar = aggregate(panel, &gt, Aggregation::Calendar);
    let varying: Vec<&Influence> = dynamic
        .parts
        .iter()
        .filter(|p| !p.reference)
        .map(|p| &p.influence)
        .collect();
    let band = multiplier_band(
        panel,
        &varying,
        inference.weights,
        inference.reps,
        inference.seed,
        0.95,
    );
    let other = match control {
        Control::NeverTreated => Control::NotYetTreated,
        Control::NotYetTreated => Control::NeverTreated,
    };
    let sensitivity = (control == Control::NeverTreated).then(|| {
        let (gt, _) = group_time(panel, other, Base::Universal);
        let a = aggregate(panel, &gt, Aggregation::Group);
        estimate(a.overall.att, &a.overall.influence)
    });
    let mut se_iter = band.se.iter();
    let event_study = dynamic
        .parts
        .iter()
        .map(|p| {
            let band95 = if p.reference {
                None
            } else {
                let se = se_iter.next().copied().flatten();
                se.zip(band.critical)
                    .map(|(se, c)| [p.att - c * se, p.att + c * se])
            };
            EventTimeRow {
                event_time: p.at,
                estimate: if p.reference {
                    Estimate {
                        estimate: 0.0,
                        se: None,
                        df,
                        ci95: None,
                        p: None,
                    }
                } else {
                    estimate(p.att, &p.influence)
                },
                band95,
                reference: p.reference,
            }
        })
        .collect();
    DimensionRollout {
        overall: Some(estimate(group.overall.att, &group.overall.influence)),
        simple: Some(estimate(simple.overall.att, &simple.overall.influence)),
        sensitivity,
        event_study,
        event_overall: Some(estimate(dynamic.overall.att, &dynamic.overall.influence)),
        band_critical: band.critical,
        by_cohort: group
            .parts
            .iter()
            .map(|p| LabelledRow {
                at: waves[p.at as usize].clone(),
                estimate: estimate(p.att, &p.influence),
            })
            .collect(),
        by_wave: calendar
            .parts
            .iter()
            .map(|p| LabelledRow {
                at: waves[p.at as usize].clone(),
                estimate: estimate(p.att, &p.influence),
            })
            .collect(),
        group_time: gt
            .iter()
            .filter(|x| !x.reference)
            .map(|x| GroupTimeRow {
                cohort: waves[x.cohort].clone(),
                wave: waves[x.period].clone(),
                base_wave: waves[x.base].clone(),
                event_time: x.event_time(),
                estimate: estimate(x.att, &x.influence),
            })
            .collect(),
        twfe: twfe(panel, df),
        sun_abraham: sun_abraham(panel, waves),
        bacon: bacon(panel, waves),
        ..base
    }
}

fn sun_abraham(panel: &Panel, waves: &[String]) -> Option<SunAbrahamSummary> {
    let sa = crate::stats::staggered::sun_abraham::sun_abraham(panel).ok()?;
    let estimate = |e: &crate::stats::staggered::sun_abraham::Effect| {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        let t = StudentsT::new(0.0, 1.0, e.df).expect("df > 0");
        Estimate {
            estimate: e.estimate,
            se: Some(e.se),
            df: e.df,
            ci95: Some(e.ci95),
            p: Some(2.0 * (1.0 - t.cdf((e.estimate / e.se).abs()))),
        }
    };
    Some(SunAbrahamSummary {
        event_study: sa
            .event_study
            .iter()
            .map(|(e, effect)| EventTimeRow {
                event_time: *e,
                estimate: estimate(effect),
                band95: None,
                reference: false,
            })
            .collect(),
        overall: estimate(&sa.overall),
        control_cohort: sa.control_cohort.map(|g| waves[g].clone()),
    })
}

fn bacon(panel: &Panel, waves: &[String]) -> Option<BaconSummary> {
    let d = crate::stats::staggered::bacon::decompose(panel)?;
    Some(BaconSummary {
        comparisons: d
            .comparisons
            .iter()
            .map(|c| BaconRow {
                comparison: c.comparison,
                treated: waves[c.treated].clone(),
                control: c.control.map(|g| waves[g].clone()),
                estimate: c.estimate,
                weight: c.weight,
            })
            .collect(),
        twfe_cell_means: d.twfe,
        forbidden_weight: d.forbidden_weight,
    })
}

/// The static two-way fixed-effects estimate, respondent level, solved on
/// the cells: score ~ unit + wave + D with D = 1 from adoption on; CR1 by unit.
fn twfe(panel: &Panel, df: f64) -> Option<Twfe> {
    let mut units: Vec<usize> = panel.cells.iter().map(|c| c.unit).collect();
    units.sort_unstable();
    units.dedup();
    let (g, t) = (units.len(), panel.periods);
    let k = g + t;
    let position = |u: usize| units.binary_search(&u).expect("a unit of the cells");
    let treated = |c: &Cell| panel.cohort[c.unit].is_some_and(|f| c.period >= f);
    let x = DMatrix::from_fn(panel.cells.len(), k, |r, j| {
        let c = &panel.cells[r];
        if j < g {
            (position(c.unit) == j) as u8 as f64
        } else if j < g + t - 1 {
            (c.period == j - g + 1) as u8 as f64
        } else {
            treated(c) as u8 as f64
        }
    });
    let reg = CellRegression {
        x,
        n: panel.cells.iter().map(|c| c.m.n as f64).collect(),
        mean: panel
            .cells
            .iter()
            .map(|c| c.m.mean().unwrap_or(0.0))
            .collect(),
        ss: panel.cells.iter().map(|c| c.m.sum_of_squares()).collect(),
        cluster: panel.cells.iter().map(|c| position(c.unit)).collect(),
        clusters: g,
    };
    let fit = reg.fit().ok()?;
    let mut e = DVector::zeros(k);
    e[k - 1] = 1.0;
    let inf = reg.cr1(&fit, &e, t + 1);
    Some(Twfe {
        estimate: Estimate {
            estimate: inf.estimate,
            se: Some(inf.se),
            df,
            ci95: Some(inf.ci95),
            p: Some(inf.p),
        },
    })
}

fn methods(inference: Inference) -> RolloutMethods {
    RolloutMethods {
        estimator: "Callaway & Sant'Anna (2021) group-time effects ATT(g, t) for repeated cross-sections without \
                    covariates: per cohort g and wave t the change of the cohort's mean score from its last wave \
                    before adoption to t, minus the same change among the comparison units (never-treated; the \
                    not-yet-treated as a sensitivity check); universal base period; as R's did (att_gt with \
                    panel = FALSE)"
            .into(),
        aggregation: "as did's aggte: by time since adoption (cohorts weighted by their respondents), by cohort \
                      (the mean of its post-adoption effects), by calendar wave; the overall effect is the cohorts' \
                      effects weighted by their size; the influence of estimating the weights included"
            .into(),
        inference: "influence functions summed by unit: SE = √(G/(G−1)·Σ_u S_u²)/n; 95 % intervals and p-values \
                    from t with G − 1 df"
            .into(),
        band: format!(
            "uniform 95 % band over event times: multiplier bootstrap by unit ({:?} weights, B = {}, seed {}; \
             Rademacher draws enumerated when 2^G ≤ B), critical value the 95 % quantile of max |draw/SE|",
            inference.weights, inference.reps, inference.seed
        ),
        twfe: "score ~ unit + wave + D, D = 1 from a unit's adoption on, CR1 by unit: shown for comparison only; \
               with staggered adoption it averages comparisons that use already-treated units as controls; the \
               Goodman-Bacon (2021) decomposition of it on the unit × wave cell means (each cell weighted equally; \
               a balanced table) shows which 2 × 2 comparisons it averages and with which weights"
            .into(),
        sun_abraham: "Sun & Abraham (2021) interaction-weighted event study: score ~ unit + wave + Σ 1{cohort = g, \
                      waves since adoption = e} (e ≠ −1) at the respondent level, never-treated units as the \
                      comparison (or the last cohort before it adopts), each event time the cohorts' coefficients \
                      weighted by their respondents; CR1 by unit, t with G − 1 df; as fixest's sunab"
            .into(),
    }
}
