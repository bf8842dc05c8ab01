//! The score report: per wave and dimension, the scores, reliability and
//! agreement, per item and per unit, with small units suppressed. This is the
//! one model every output format renders, so suppression is decided once, here.

use serde::Serialize;

use super::accumulate::{Accumulator, Cell};
use super::agreement::{icc, rwg_j, uniform_null_variance};
use super::reliability::{Covariance, reliability};
use crate::disclosure::Plan;
use crate::stats::descriptive::{Moments, median};
use crate::survey::{Direction, Language, Survey};

/// Agreement at or above this rwg(j) is conventionally adequate.
pub const RWG_ADEQUATE: f64 = 0.70;

#[derive(Debug, Clone, Serialize)]
pub struct ScoreReport {
    pub survey: SurveyRef,
    pub min_group_size: u64,
    pub methods: Methods,
    pub waves: Vec<WaveScores>,
    /// Do the dimensions measure what they claim in these answers? Added by
    /// the caller (see [`crate::validity`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity: Option<crate::validity::ValidityReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SurveyRef {
    pub key: String,
    pub version: u32,
    pub hash: String,
}

/// How every figure was computed, stated in the report itself.
#[derive(Debug, Clone, Serialize)]
pub struct Methods {
    pub dimension_score: String,
    pub alpha: String,
    pub omega: String,
    pub icc: String,
    pub rwg_j: String,
    pub suppression: String,
}

impl Methods {
    fn standard() -> Methods {
        Methods {
            dimension_score: "mean of the answered items after reverse keying (x' = min + max − x); \
                              computed when at least the dimension's min_answered items are answered; \
                              \"don't know\" counts as missing"
                .into(),
            alpha: "Cronbach's alpha on complete cases of the dimension, with Feldt's 95 % interval".into(),
            omega: "McDonald's omega total from a one-factor model fitted by maximum likelihood to the \
                    item covariance matrix of complete cases"
                .into(),
            icc: "ICC(1) and ICC(2) from the one-way ANOVA of person dimension scores on unit; ICC(1) uses \
                  k0 = (N − Σ n_j²/N)/(J − 1); design effect 1 + (N/J − 1)·ICC(1); all units of the wave"
                .into(),
            rwg_j: "rwg(j) per unit against the uniform null (A² − 1)/12 of the A-point scale, with the mean \
                    within-unit item variance capped at the null; median and share ≥ .70 over the units shown"
                .into(),
            suppression: "one disclosure-control plan per wave for every output: units with fewer respondents \
                          (or scored respondents in any dimension) than the minimum group size are hidden, and \
                          further units, smallest first, until no hidden unit can be derived from any published \
                          group (the unit tree, the study's arms, the wave total); ICC and the design effect treat \
                          the hidden units as one pooled unit"
                .into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WaveScores {
    pub wave: String,
    pub respondents: u64,
    pub dimensions: Vec<DimensionScores>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionScores {
    pub id: String,
    pub name: String,
    pub direction: Direction,
    /// Respondents with a score (enough answered items); null when suppressed.
    pub n: Option<u64>,
    pub not_scored: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// Complete cases behind alpha and omega.
    pub complete_cases: u64,
    pub alpha: Option<f64>,
    pub alpha_ci95: Option<[f64; 2]>,
    pub omega: Option<f64>,
    pub omega_heywood: bool,
    pub icc1: Option<f64>,
    pub icc2: Option<f64>,
    pub icc_k0: Option<f64>,
    pub design_effect: Option<f64>,
    pub rwg_j_median: Option<f64>,
    pub rwg_j_share_adequate: Option<f64>,
    pub suppressed: bool,
    pub items: Vec<ItemScores>,
    pub units: Vec<UnitScores>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemScores {
    pub id: String,
    pub reverse: bool,
    pub item_total_r: Option<f64>,
    pub alpha_if_deleted: Option<f64>,
    pub dk_rate: Option<f64>,
    pub missing_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitScores {
    pub unit: String,
    pub n: Option<u64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub rwg_j: Option<f64>,
    pub suppressed: bool,
}

impl UnitScores {
    fn hidden(unit: &str) -> UnitScores {
        UnitScores {
            unit: unit.to_owned(),
            n: None,
            mean: None,
            sd: None,
            ci95: None,
            rwg_j: None,
            suppressed: true,
        }
    }
}

/// Builds the report from a finished accumulator. `waves[i]` and `units[i]`
/// name the indices the accumulator was fed; waves are reported in text order
/// and units in text order. `plans[w]` is wave w's disclosure plan over the
/// accumulator's unit indices (see [`crate::disclosure`]): its hidden units
/// carry no figure, and the statistics over units (ICC, the design effect)
/// see them as one pooled unit, so that no figure depends on a hidden unit
/// apart from the others.
pub fn build(
    survey: &Survey,
    acc: &Accumulator,
    waves: &[String],
    units: &[String],
    plans: &[Plan],
    lang: Language,
) -> ScoreReport {
    let min_group_size = plans.iter().map(|p| p.min_group).max().unwrap_or(0);
    let mut wave_order: Vec<usize> = (0..acc.waves.len()).collect();
    wave_order.sort_by(|&a, &b| waves[a].cmp(&waves[b]));
    let mut unit_order: Vec<usize> = (0..units.len()).collect();
    unit_order.sort_by(|&a, &b| units[a].cmp(&units[b]));
    let null = uniform_null_variance(survey.scale.points());

    let waves = wave_order
        .into_iter()
        .map(|w| {
            let stats = &acc.waves[w];
            let cells: Vec<(usize, &Cell)> = unit_order
                .iter()
                .filter_map(|&u| stats.cells.get(u).and_then(Option::as_ref).map(|c| (u, c)))
                .collect();
            let respondents = cells.iter().map(|(_, c)| c.respondents).sum();
            let plan = &plans[w];
            let dimensions = survey
                .dimensions
                .iter()
                .enumerate()
                .map(|(d, dim)| {
                    dimension(
                        survey,
                        acc,
                        d,
                        dim,
                        &cells,
                        &acc.complete_cases(w, d),
                        units,
                        null,
                        plan,
                        lang,
                    )
                })
                .collect();
            WaveScores {
                wave: waves[w].clone(),
                respondents,
                dimensions,
            }
        })
        .collect();
    ScoreReport {
        survey: SurveyRef {
            key: survey.key.clone(),
            version: survey.version,
            hash: survey.content_hash(),
        },
        min_group_size,
        methods: Methods::standard(),
        waves,
        validity: None,
    }
}

/// The plans of a responses file's waves, which know no unit tree: the
/// wave total is the one published group besides the units.
pub fn plans_without_structure(acc: &Accumulator, units: usize, min_group: u64) -> Vec<Plan> {
    let structure = crate::disclosure::Structure::flat(units);
    (0..acc.waves.len())
        .map(|w| crate::disclosure::decide(&structure, &acc.unit_counts(w, units), min_group, &[]))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn dimension(
    survey: &Survey,
    acc: &Accumulator,
    d: usize,
    dim: &crate::survey::Dimension,
    cells: &[(usize, &Cell)],
    complete: &super::accumulate::CompleteCases,
    units: &[String],
    null: f64,
    plan: &Plan,
    lang: Language,
) -> DimensionScores {
    let layout = &acc.layout;
    let unit_moments: Vec<Moments> = cells.iter().map(|(_, c)| c.scores(layout, d)).collect();
    let origin = layout.mirror as f64 / 2.0;
    let mut total = Moments::with_origin(origin);
    unit_moments.iter().for_each(|m| total.merge(m));
    let respondents: u64 = cells.iter().map(|(_, c)| c.respondents).sum();
    let hidden: Vec<bool> = cells
        .iter()
        .map(|(u, _)| plan.unit_hidden.get(*u).copied().unwrap_or(true))
        .collect();
    let wave_hidden = !plan.total_shown;
    // The units as a reader may see them: the shown ones, and the hidden
    // ones pooled into one.
    let mut pooled = Moments::with_origin(origin);
    let mut seen: Vec<Moments> = Vec::new();
    for (m, &h) in unit_moments.iter().zip(&hidden) {
        if h {
            pooled.merge(m);
        } else {
            seen.push(*m);
        }
    }
    if pooled.n > 0 {
        seen.push(pooled);
    }

    let unit_rows: Vec<UnitScores> = cells
        .iter()
        .zip(&unit_moments)
        .zip(&hidden)
        .map(|(((u, cell), m), &hide)| {
            let name = &units[*u];
            if hide || wave_hidden {
                return UnitScores::hidden(name);
            }
            let variances: Vec<f64> = dim
                .items
                .iter()
                .filter_map(|&i| cell.item(layout, i).variance())
                .collect();
            let summary = m.summary();
            UnitScores {
                unit: name.clone(),
                n: Some(m.n),
                mean: summary.map(|s| s.mean),
                sd: summary.and_then(|s| s.sd),
                ci95: summary.and_then(|s| s.ci95),
                rwg_j: rwg_j(&variances, null),
                suppressed: false,
            }
        })
        .collect();
    let mut shown_rwg: Vec<f64> = unit_rows.iter().filter_map(|u| u.rwg_j).collect();
    let share = (!shown_rwg.is_empty()).then(|| {
        shown_rwg.iter().filter(|&&r| r >= RWG_ADEQUATE).count() as f64 / shown_rwg.len() as f64
    });
    let rwg_median = median(&mut shown_rwg);

    let rel =
        Covariance::from_sums(complete.n, &complete.sum, &complete.cross).map(|c| reliability(&c));
    let icc = if wave_hidden { None } else { icc(&seen) };
    let summary = total.summary().filter(|_| !wave_hidden);

    let items = dim
        .items
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let (mut dk, mut missing) = (0, 0);
            for (_, c) in cells {
                let m = c.item(layout, i);
                dk += m.dont_know;
                missing += m.missing;
            }
            let rate =
                |x: u64| (respondents > 0 && !wave_hidden).then(|| x as f64 / respondents as f64);
            let item_rel = rel.as_ref().filter(|_| !wave_hidden).map(|r| &r.items[pos]);
            ItemScores {
                id: survey.items[i].id.clone(),
                reverse: survey.items[i].reverse,
                item_total_r: item_rel.and_then(|r| r.item_total_r),
                alpha_if_deleted: item_rel.and_then(|r| r.alpha_if_deleted),
                dk_rate: rate(dk),
                missing_rate: rate(missing),
            }
        })
        .collect();
    let rel = rel.filter(|_| !wave_hidden);
    DimensionScores {
        id: dim.id.clone(),
        name: dim.name.get(lang).to_owned(),
        direction: dim.direction,
        n: (!wave_hidden).then_some(total.n),
        not_scored: if wave_hidden {
            0
        } else {
            respondents - total.n
        },
        mean: summary.map(|s| s.mean),
        sd: summary.and_then(|s| s.sd),
        ci95: summary.and_then(|s| s.ci95),
        complete_cases: if wave_hidden { 0 } else { complete.n },
        alpha: rel.as_ref().and_then(|r| r.alpha),
        alpha_ci95: rel.as_ref().and_then(|r| r.alpha_ci95),
        omega: rel.as_ref().and_then(|r| r.omega),
        omega_heywood: rel.as_ref().is_some_and(|r| r.omega_heywood),
        icc1: icc.map(|i| i.icc1),
        icc2: icc.map(|i| i.icc2),
        icc_k0: icc.map(|i| i.k0),
        design_effect: icc.map(|i| i.design_effect),
        rwg_j_median: rwg_median,
        rwg_j_share_adequate: share,
        suppressed: wave_hidden,
        items,
        units: unit_rows,
    }
}
