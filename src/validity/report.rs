//! The validity report: does the survey's dimension model fit this
//! organisation's answers, are the dimensions distinct, and do they measure
//! the same way in every wave and arm? One model every format renders.

use serde::Serialize;

use super::accumulate::{Cell, Products};
use crate::said;
use crate::scoring::report::SurveyRef;
use crate::stats::cfa::{self, FitMeasures, Invariance, Kind, Level, Moments, Spec, Structure};
use crate::survey::{Language, Survey};

/// Standardised loadings below this are weak (a common rule of thumb).
pub const LOW_LOADING: f64 = 0.40;
/// A don't-know share above this says the item is hard to answer.
pub const HIGH_DONT_KNOW: f64 = 0.10;

/// Complete cases a group needs per item in the model. With fewer, the
/// sample covariance matrix is close to singular (for p items and N cases
/// its smallest eigenvalues shrink towards (1 − √(p/N))² of the true ones:
/// 9 % at N = 2p, 0.3 % at N = 1.1p), and the model's fit in that group is
/// a fit to noise that rarely converges.
pub const CASES_PER_ITEM: u64 = 2;

/// The complete cases a group (or the pooled data) needs to be analysed.
fn least_cases(structure: &Structure, min_group: u64) -> u64 {
    min_group.max(CASES_PER_ITEM * structure.items as u64)
}

/// Groups to compare: a label and, per wave, the units it holds.
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub cells: Vec<(usize, Vec<usize>)>,
}

/// A comparison of groups: across waves, across arms, or both together.
#[derive(Debug, Clone)]
pub struct Grouping {
    pub across: Across,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Across {
    Waves,
    Arms,
    WavesAndArms,
}

impl Across {
    pub fn said(self) -> crate::said::Said {
        match self {
            Across::Waves => said!("across waves", "mellan mätomgångar"),
            Across::Arms => said!("between pilot and control", "mellan pilot och kontroll"),
            Across::WavesAndArms => said!(
                "across waves and arms together",
                "mellan mätomgångar och armar tillsammans"
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidityReport {
    pub survey: SurveyRef,
    pub min_group_size: u64,
    pub methods: Vec<String>,
    pub respondents: u64,
    pub complete_cases: u64,
    pub dimensions: Vec<DimensionRef>,
    pub model: Option<ModelSection>,
    pub discriminant: Vec<PairRow>,
    pub invariance: Vec<Series>,
    pub items: Vec<ItemDiagnostic>,
    /// For ordinal items: thresholds and polychoric correlations of the
    /// complete cases (the ordinal model's data).
    pub ordinal: Option<OrdinalSection>,
    /// The ordinal factor model (WLSMV) on those thresholds and
    /// correlations; only where the responses were read a second time for
    /// its asymptotic covariance (see [`super::ordinal`]).
    pub ordinal_model: Option<super::ordinal::OrdinalModel>,
    /// What could not be computed, or should not be trusted, and why.
    pub problems: Vec<String>,
    /// What to revise in the next version of the survey file.
    pub advice: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionRef {
    pub id: String,
    pub name: String,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelSection {
    pub fit: FitMeasures,
    pub converged: bool,
    pub heywood: bool,
    pub loadings: Vec<LoadingRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadingRow {
    pub item: String,
    pub dimension: String,
    pub estimate: f64,
    pub se: Option<f64>,
    pub std: f64,
    pub std_se: Option<f64>,
    pub residual: f64,
    pub residual_std: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairRow {
    pub a: String,
    pub b: String,
    pub htmt: f64,
    pub correlation: f64,
    pub lower: f64,
    pub upper: f64,
    pub indistinct: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub across: Across,
    pub groups: Vec<GroupRef>,
    pub result: Option<Invariance>,
    /// Items flagged by the release tests, by id, per level.
    pub breaking: Vec<(Level, Vec<String>)>,
    /// Per dimension: the highest level it reaches (none when not tested).
    pub dimensions: Vec<DimensionSupport>,
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionSupport {
    pub dimension: String,
    pub level: Option<Level>,
    /// Whether its means may be compared across these groups.
    pub means_comparable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupRef {
    pub label: String,
    pub complete_cases: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemDiagnostic {
    pub item: String,
    pub dimension: String,
    pub std_loading: Option<f64>,
    pub low_loading: bool,
    pub dont_know_share: f64,
    pub high_dont_know: bool,
    pub missing_share: f64,
    /// The largest cross-loading the model leaves out, when it matters
    /// (see [`CROSS_LOADING_MI`] and [`CROSS_LOADING_SEPC`]).
    pub cross_loading: Option<CrossLoadingHint>,
}

/// A dimension an item seems to measure besides its own.
#[derive(Debug, Clone, Serialize)]
pub struct CrossLoadingHint {
    pub dimension: String,
    /// The modification index (score test, χ² with 1 df).
    pub mi: f64,
    /// The standardised loading it would have if freed (lavaan's sepc.all).
    pub std_epc: f64,
}

/// A left-out loading is suggested when its modification index exceeds
/// this (the customary 10)…
pub const CROSS_LOADING_MI: f64 = 10.0;
/// …and its standardised expected value is at least this large: with many
/// respondents every index is large, and only the size of the change says
/// whether it matters (Saris, Satorra & van der Veld 2009).
pub const CROSS_LOADING_SEPC: f64 = 0.20;

#[derive(Debug, Clone, Serialize)]
pub struct OrdinalSection {
    pub points: usize,
    pub complete_cases: u64,
    /// Per model item: its thresholds on the latent normal scale (null where
    /// a category at either end was never chosen).
    pub thresholds: Vec<ItemThresholds>,
    /// Every pair of model items.
    pub correlations: Vec<PolychoricRow>,
    /// Pairs whose table has cells nobody is in.
    pub pairs_with_empty_cells: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemThresholds {
    pub item: String,
    pub thresholds: Vec<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolychoricRow {
    pub a: String,
    pub b: String,
    /// None when it could not be estimated (see the report's problems).
    pub rho: Option<f64>,
    pub se: Option<f64>,
    /// The Pearson correlation of the same answers, for comparison.
    pub pearson: f64,
    pub empty_cells: usize,
}

/// The cells that may be analysed, and the comparisons to test: across the
/// `waves` (when there are two; each an index into the products and its
/// name), and with a pilot arm also between the arms and across the wave ×
/// arm groups, in the waves `arm_waves`. Units are indices; `pilot` and
/// `control` need not cover every unit (units in neither are left out of
/// the arm comparisons).
pub fn groupings(
    waves: &[(usize, String)],
    units: usize,
    (pilot, control): (&[usize], &[usize]),
    arm_waves: &[usize],
) -> (Group, Vec<Grouping>) {
    let every: Vec<usize> = (0..units).collect();
    let all = Group {
        label: "all".into(),
        cells: waves.iter().map(|(w, _)| (*w, every.clone())).collect(),
    };
    let mut out = Vec::new();
    if waves.len() > 1 {
        out.push(Grouping {
            across: Across::Waves,
            groups: waves
                .iter()
                .map(|(w, name)| Group {
                    label: name.clone(),
                    cells: vec![(*w, every.clone())],
                })
                .collect(),
        });
    }
    let arm_waves: Vec<&(usize, String)> = waves
        .iter()
        .filter(|(w, _)| arm_waves.contains(w))
        .collect();
    if !pilot.is_empty() && !control.is_empty() && !arm_waves.is_empty() {
        let arm = |label: &str, units: &[usize]| Group {
            label: label.into(),
            cells: arm_waves
                .iter()
                .map(|(w, _)| (*w, units.to_vec()))
                .collect(),
        };
        out.push(Grouping {
            across: Across::Arms,
            groups: vec![arm("pilot", pilot), arm("control", control)],
        });
        if arm_waves.len() > 1 {
            let mut groups = Vec::new();
            for (w, name) in &arm_waves {
                for (label, units) in [("pilot", pilot), ("control", control)] {
                    groups.push(Group {
                        label: format!("{name} {label}"),
                        cells: vec![(*w, units.to_vec())],
                    });
                }
            }
            out.push(Grouping {
                across: Across::WavesAndArms,
                groups,
            });
        }
    }
    (all, out)
}

/// A responses file's design, by name: its waves and units in the reader's
/// index order, the pilot units, and the control units (None: every unit
/// not in the pilot; an empty pilot compares no arms).
pub struct FileDesign<'a> {
    pub waves: &'a [String],
    pub units: &'a [String],
    pub pilot: &'a [String],
    pub control: Option<&'a [String]>,
}

/// The validity report of a responses file over the waves `keep` takes
/// (by index), the arms compared in all of them.
pub fn of_file(
    survey: &Survey,
    products: &Products,
    design: &FileDesign,
    keep: impl Fn(usize) -> bool,
    min_group: u64,
    lang: Language,
) -> ValidityReport {
    let units = design.units;
    let pilot: Vec<usize> = (0..units.len())
        .filter(|&u| design.pilot.contains(&units[u]))
        .collect();
    let control: Vec<usize> = if pilot.is_empty() {
        Vec::new()
    } else {
        (0..units.len())
            .filter(|&u| match design.control {
                Some(c) => c.contains(&units[u]),
                None => !pilot.contains(&u),
            })
            .collect()
    };
    let waves: Vec<(usize, String)> = design
        .waves
        .iter()
        .cloned()
        .enumerate()
        .filter(|(w, _)| keep(*w))
        .collect();
    let kept: Vec<usize> = waves.iter().map(|(w, _)| *w).collect();
    let (all, comparisons) = groupings(&waves, units.len(), (&pilot, &control), &kept);
    build(survey, products, &all, &comparisons, min_group, lang)
}

/// The survey's dimension model as factors: every dimension with at least
/// two items, items in file order (the first is the marker). Also the
/// survey item behind each model item, and the dimension behind each factor.
pub fn structure(survey: &Survey) -> (Structure, Vec<usize>, Vec<usize>) {
    let kept: Vec<usize> = (0..survey.dimensions.len())
        .filter(|&d| survey.dimensions[d].items.len() >= 2)
        .collect();
    let mut items_in_model = Vec::new();
    let mut factors = Vec::new();
    for &d in &kept {
        let mut f = Vec::new();
        for &i in &survey.dimensions[d].items {
            f.push(items_in_model.len());
            items_in_model.push(i);
        }
        factors.push(f);
    }
    (
        Structure {
            items: items_in_model.len(),
            factors,
        },
        items_in_model,
        kept,
    )
}

/// Restricts moments to the items in the model, in its order.
fn select(m: &Moments, items: &[usize]) -> Moments {
    let k = items.len();
    Moments {
        n: m.n,
        mean: nalgebra::DVector::from_fn(k, |i, _| m.mean[items[i]]),
        cov: nalgebra::DMatrix::from_fn(k, k, |i, j| m.cov[(items[i], items[j])]),
    }
}

fn group_cell(products: &Products, g: &Group) -> Cell {
    let mut total = products.empty();
    for (w, units) in &g.cells {
        total.add(&products.sum(*w, |u| units.contains(&u)));
    }
    total
}

/// Builds the report over `all` (every cell that may be analysed) and the
/// groupings to test for invariance.
pub fn build(
    survey: &Survey,
    products: &Products,
    all: &Group,
    groupings: &[Grouping],
    min_group: u64,
    lang: Language,
) -> ValidityReport {
    let (structure, model_items, dim_of_factor) = structure(survey);
    let item_id = |k: usize| survey.items[model_items[k]].id.clone();
    let dim_id = |f: usize| survey.dimensions[dim_of_factor[f]].id.clone();
    let mut problems: Vec<String> = Vec::new();
    let mut advice: Vec<String> = Vec::new();
    for d in &survey.dimensions {
        if d.items.len() < 2 {
            problems.push(
                said!(
                    "dimension `{}` has one item: a factor needs at least two, so it is left out of the model",
                    "dimensionen `{}` har en fråga: en faktor behöver minst två, så den lämnas utanför modellen",
                    d.id
                )
                .get(lang)
                .to_owned(),
            );
        }
    }
    let total = group_cell(products, all);
    let pooled = products.moments(&total).map(|m| select(&m, &model_items));
    let mut model = None;
    let mut discriminant = Vec::new();
    let mut std_loading = vec![None; survey.items.len()];
    let mut cross: Vec<Option<CrossLoadingHint>> = vec![None; survey.items.len()];
    match pooled {
        Some(m) if total.complete >= least_cases(&structure, min_group) => {
            let spec = Spec::new(structure.clone(), 1, Level::Configural);
            match cfa::fit(&spec, std::slice::from_ref(&m), None) {
                Ok(est) => {
                    let data = [m.clone()];
                    let fit = cfa::measures(&est, &data);
                    let solution = cfa::solution(&est, &data);
                    let heywood = cfa::invariance::heywood(&est);
                    let implied = est.groups[0].sigma();
                    for c in cfa::cross_loadings(&est, &data) {
                        let sd_factor = est.groups[0].phi[(c.factor, c.factor)].sqrt();
                        let std_epc = c.epc * sd_factor / implied[(c.item, c.item)].sqrt();
                        let slot = &mut cross[model_items[c.item]];
                        let larger = slot.as_ref().is_none_or(|h| c.mi > h.mi);
                        if c.mi > CROSS_LOADING_MI && std_epc.abs() >= CROSS_LOADING_SEPC && larger {
                            *slot = Some(CrossLoadingHint {
                                dimension: dim_id(c.factor),
                                mi: c.mi,
                                std_epc,
                            });
                        }
                    }
                    if !est.converged {
                        problems.push(said!(
                            "the model did not converge (largest gradient {:.1e}): its numbers are not estimates",
                            "modellen konvergerade inte (största gradient {:.1e}): dess siffror är inga skattningar",
                            est.gradient
                        ).get(lang).to_owned());
                    }
                    if heywood {
                        problems.push(said!(
                            "a Heywood case: a residual variance is negative or a factor correlation exceeds 1; the model does not describe these data",
                            "ett Heywood-fall: en residualvarians är negativ eller en faktorkorrelation överstiger 1; modellen beskriver inte dessa data"
                        ).get(lang).to_owned());
                    }
                    let loadings = solution
                        .iter()
                        .filter(|p| p.kind == Kind::Loading)
                        .map(|p| {
                            let residual = solution
                                .iter()
                                .find(|r| r.kind == Kind::Residual && r.index == p.index)
                                .expect("every item has a residual");
                            std_loading[model_items[p.index]] = Some(p.std);
                            LoadingRow {
                                item: item_id(p.index),
                                dimension: dim_id(p.other),
                                estimate: p.estimate,
                                se: p.se,
                                std: p.std,
                                std_se: p.std_se,
                                residual: residual.estimate,
                                residual_std: residual.std,
                            }
                        })
                        .collect();
                    let corr = correlation(&m);
                    discriminant = cfa::pairs(&corr, &structure.factors, &solution)
                        .into_iter()
                        .map(|p| PairRow {
                            a: dim_id(p.a),
                            b: dim_id(p.b),
                            htmt: p.htmt,
                            correlation: p.correlation,
                            lower: p.lower,
                            upper: p.upper,
                            indistinct: p.indistinct,
                        })
                        .collect();
                    model = Some(ModelSection {
                        fit,
                        converged: est.converged,
                        heywood,
                        loadings,
                    });
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        _ => problems.push(
            said!(
                "{} complete cases: too few to fit the model (at least {} are needed: two per item, and no fewer than the minimum group size)",
                "{} fullständiga svar: för få för att skatta modellen (minst {} behövs: två per fråga, och inte färre än den minsta gruppstorleken)",
                total.complete,
                least_cases(&structure, min_group)
            )
            .get(lang)
            .to_owned(),
        ),
    }
    let ordinal = pooled_ordinal(
        products,
        all,
        &total,
        &model_items,
        survey,
        lang,
        &mut problems,
    );
    let invariance = groupings
        .iter()
        .map(|g| {
            series(
                products,
                g,
                (&structure, &model_items, &dim_of_factor),
                survey,
                min_group,
                lang,
            )
        })
        .collect::<Vec<_>>();
    let items = survey
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let rows = total.rows.max(1) as f64;
            let dk = total.dont_know[i] as f64 / rows;
            let low = std_loading[i].is_some_and(|l: f64| l.abs() < LOW_LOADING);
            ItemDiagnostic {
                item: item.id.clone(),
                dimension: survey.dimensions[item.dimension].id.clone(),
                std_loading: std_loading[i],
                low_loading: low,
                dont_know_share: dk,
                high_dont_know: dk > HIGH_DONT_KNOW,
                missing_share: total.missing[i] as f64 / rows,
                cross_loading: cross[i].clone(),
            }
        })
        .collect::<Vec<ItemDiagnostic>>();
    for d in &items {
        if d.low_loading {
            advice.push(said!(
                "item `{}` loads weakly on `{}` (standardised {:.2}): reword it or move it to the dimension it belongs to",
                "frågan `{}` laddar svagt på `{}` (standardiserat {:.2}): formulera om den eller flytta den till den dimension den hör till",
                d.item, d.dimension, d.std_loading.unwrap_or(f64::NAN)
            ).get(lang).to_owned());
        }
        if let Some(c) = &d.cross_loading {
            advice.push(said!(
                "item `{}` also reflects `{}` (modification index {:.0}, standardised loading {:.2} if freed): it may be worded so that it measures both; sharpen it or move it",
                "frågan `{}` speglar också `{}` (modifieringsindex {:.0}, standardiserad laddning {:.2} om den frigörs): den kan vara formulerad så att den mäter båda; skärp den eller flytta den",
                d.item, c.dimension, c.mi, c.std_epc
            ).get(lang).to_owned());
        }
        if d.high_dont_know {
            advice.push(said!(
                "item `{}` is answered \"don't know\" by {:.0} %: ask about something respondents can see in their own work",
                "frågan `{}` besvaras med \"vet inte\" av {:.0} %: fråga om något de svarande ser i sitt eget arbete",
                d.item, 100.0 * d.dont_know_share
            ).get(lang).to_owned());
        }
    }
    for p in &discriminant {
        if p.indistinct {
            advice.push(said!(
                "`{}` and `{}` cannot be told apart in these answers (HTMT {:.2}, correlation {:.2}): merge them or sharpen their items",
                "`{}` och `{}` går inte att skilja åt i dessa svar (HTMT {:.2}, korrelation {:.2}): slå ihop dem eller skärp deras frågor",
                p.a, p.b, p.htmt, p.correlation
            ).get(lang).to_owned());
        }
    }
    for s in &invariance {
        for (level, names) in &s.breaking {
            if !names.is_empty() {
                advice.push(said!(
                    "{} invariance: items answered differently {}: {}; reword them or drop them from the comparison",
                    "{} invarians: frågor som besvaras olika {}: {}; formulera om dem eller ta bort dem ur jämförelsen",
                    level.name(), s.across.said().get(lang), names.join(", ")
                ).get(lang).to_owned());
            }
        }
    }
    ValidityReport {
        survey: SurveyRef {
            key: survey.key.clone(),
            version: survey.version,
            hash: survey.content_hash(),
        },
        min_group_size: min_group,
        methods: methods(lang),
        respondents: total.rows,
        complete_cases: total.complete,
        dimensions: dim_of_factor
            .iter()
            .map(|&d| DimensionRef {
                id: survey.dimensions[d].id.clone(),
                name: survey.dimensions[d].name.get(lang).to_owned(),
                items: survey.dimensions[d]
                    .items
                    .iter()
                    .map(|&i| survey.items[i].id.clone())
                    .collect(),
            })
            .collect(),
        model,
        discriminant,
        invariance,
        items,
        ordinal,
        ordinal_model: None,
        problems,
        advice,
    }
}

/// Thresholds and polychoric correlations of the pooled complete cases
/// (`all`, whole waves: the tables are kept per wave), when the items are
/// ordinal and there are cases; what fails goes to `problems` in plain
/// words.
fn pooled_ordinal(
    products: &Products,
    all: &Group,
    total: &Cell,
    model_items: &[usize],
    survey: &Survey,
    lang: Language,
    problems: &mut Vec<String>,
) -> Option<OrdinalSection> {
    let points = products.ordinal?;
    if total.complete < 2 || model_items.len() < 2 {
        return None;
    }
    let waves: Vec<usize> = all.cells.iter().map(|(w, _)| *w).collect();
    let table = |a: usize, b: usize| {
        products
            .table(&waves, model_items[a], model_items[b])
            .expect("ordinal products keep tables")
    };
    let m = crate::stats::polychoric::matrix(model_items.len(), table);
    let id = |k: usize| survey.items[model_items[k]].id.clone();
    for (k, t) in m.thresholds.iter().enumerate() {
        if t.iter().any(|v| !v.is_finite()) {
            problems.push(
                said!(
                    "item `{}`: a category at the end of the scale is never chosen in the complete cases, so its threshold is infinite",
                    "frågan `{}`: en kategori i skalans ände väljs aldrig bland de fullständiga svaren, så dess tröskel är oändlig",
                    id(k)
                )
                .get(lang)
                .to_owned(),
            );
        }
    }
    for (a, b, e) in &m.failed {
        problems.push(
            said!(
                "the polychoric correlation of `{}` and `{}` cannot be estimated: {}",
                "den polykoriska korrelationen mellan `{}` och `{}` kan inte skattas: {}",
                id(*a),
                id(*b),
                e
            )
            .get(lang)
            .to_owned(),
        );
    }
    let pearson = products
        .moments(total)
        .map(|m| correlation(&select(&m, model_items)));
    let mut correlations = Vec::new();
    for a in 1..model_items.len() {
        for b in 0..a {
            let rho = m.rho[(a, b)];
            let empty = m
                .empty_cells
                .iter()
                .find(|e| e.0 == a && e.1 == b)
                .map_or(0, |e| e.2);
            correlations.push(PolychoricRow {
                a: id(a),
                b: id(b),
                rho: rho.is_finite().then_some(rho),
                se: rho.is_finite().then_some(m.se[(a, b)]),
                pearson: pearson.as_ref().map_or(f64::NAN, |p| p[(a, b)]),
                empty_cells: empty,
            });
        }
    }
    Some(OrdinalSection {
        points,
        complete_cases: total.complete,
        thresholds: m
            .thresholds
            .iter()
            .enumerate()
            .map(|(k, t)| ItemThresholds {
                item: id(k),
                thresholds: t.clone(),
            })
            .collect(),
        pairs_with_empty_cells: m.empty_cells.len(),
        correlations,
    })
}

fn series(
    products: &Products,
    grouping: &Grouping,
    (structure, model_items, dim_of_factor): (&Structure, &[usize], &[usize]),
    survey: &Survey,
    min_group: u64,
    lang: Language,
) -> Series {
    let mut refs = Vec::new();
    let mut data = Vec::new();
    for g in &grouping.groups {
        let cell = group_cell(products, g);
        refs.push(GroupRef {
            label: g.label.clone(),
            complete_cases: cell.complete,
        });
        if cell.complete >= least_cases(structure, min_group)
            && let Some(m) = products.moments(&cell)
        {
            data.push(select(&m, model_items));
        }
    }
    let across = grouping.across.said();
    if data.len() < 2 || data.len() < grouping.groups.len() {
        let verdict = said!(
            "not tested {}: every group needs at least {} complete cases (two per item, and no fewer than the minimum group size), and there must be two groups",
            "inte prövad {}: varje grupp behöver minst {} fullständiga svar (två per fråga, och inte färre än den minsta gruppstorleken), och det måste finnas två grupper",
            across.get(lang),
            least_cases(structure, min_group)
        );
        return Series {
            across: grouping.across,
            groups: refs,
            result: None,
            breaking: Vec::new(),
            dimensions: Vec::new(),
            verdict: verdict.get(lang).to_owned(),
        };
    }
    match cfa::invariance(structure, &data) {
        Ok(result) => {
            let id = |t: usize| survey.items[model_items[t]].id.clone();
            let breaking: Vec<(Level, Vec<String>)> = result
                .steps
                .iter()
                .filter(|s| s.items.iter().any(|t| t.flagged))
                .map(|s| {
                    (
                        s.level,
                        s.items
                            .iter()
                            .filter(|t| t.flagged)
                            .map(|t| id(t.item))
                            .collect(),
                    )
                })
                .collect();
            let of = structure.factor_of();
            let dims: Vec<DimensionSupport> = structure
                .factors
                .iter()
                .enumerate()
                .map(|(f, _)| {
                    let mut level = result.supported;
                    for step in &result.steps {
                        let flagged = step.items.iter().any(|t| t.flagged && of[t.item] == f);
                        if flagged && level.is_some_and(|l| l >= step.level) {
                            level = match step.level {
                                Level::Scalar => Some(Level::Metric),
                                _ => Some(Level::Configural),
                            };
                        }
                    }
                    DimensionSupport {
                        dimension: survey.dimensions[dim_of_factor[f]].id.clone(),
                        level,
                        means_comparable: level == Some(Level::Scalar),
                    }
                })
                .collect();
            let not_comparable: Vec<String> = dims
                .iter()
                .filter(|d| !d.means_comparable)
                .map(|d| d.dimension.clone())
                .collect();
            let mut flagged: Vec<String> = Vec::new();
            for item in breaking.iter().flat_map(|(_, items)| items) {
                if !flagged.contains(item) {
                    flagged.push(item.clone());
                }
            }
            let (dimensions_text, items_text) = (not_comparable.join(", "), flagged.join(", "));
            let verdict = match result.supported {
                Some(Level::Scalar) if not_comparable.is_empty() => said!(
                    "scalar invariance holds {}: means can be compared",
                    "skalär invarians håller {}: medelvärden kan jämföras",
                    across.get(lang)
                ),
                Some(Level::Scalar) => said!(
                    "WARNING: the instrument as a whole is scalar invariant {}, but items {} are answered differently: do not compare the means of {} without revising them",
                    "VARNING: instrumentet som helhet är skalärt invariant {}, men frågorna {} besvaras olika: jämför inte medelvärdena för {} utan att se över dem",
                    across.get(lang),
                    items_text,
                    dimensions_text
                ),
                Some(Level::Metric) => said!(
                    "WARNING: scalar invariance fails {}: the items' intercepts differ (most: {}), so differences in means may be differences in how items are answered, not in the climate",
                    "VARNING: skalär invarians håller inte {}: frågornas intercept skiljer sig (mest: {}), så skillnader i medelvärden kan vara skillnader i hur frågorna besvaras, inte i klimatet",
                    across.get(lang),
                    items_text
                ),
                Some(Level::Configural) => said!(
                    "WARNING: metric invariance fails {}: the dimensions are not measured on the same scale; do not compare means",
                    "VARNING: metrisk invarians håller inte {}: dimensionerna mäts inte på samma skala; jämför inte medelvärden",
                    across.get(lang)
                ),
                _ => said!(
                    "WARNING: the model does not converge in every group {}",
                    "VARNING: modellen konvergerar inte i varje grupp {}",
                    across.get(lang)
                ),
            };
            Series {
                across: grouping.across,
                groups: refs,
                result: Some(result),
                breaking,
                dimensions: dims,
                verdict: verdict.get(lang).to_owned(),
            }
        }
        Err(e) => Series {
            across: grouping.across,
            groups: refs,
            result: None,
            breaking: Vec::new(),
            dimensions: Vec::new(),
            verdict: e.to_string(),
        },
    }
}

fn correlation(m: &Moments) -> nalgebra::DMatrix<f64> {
    let p = m.cov.nrows();
    nalgebra::DMatrix::from_fn(p, p, |i, j| {
        m.cov[(i, j)] / (m.cov[(i, i)] * m.cov[(j, j)]).sqrt()
    })
}

fn methods(lang: Language) -> Vec<String> {
    [
        said!(
            "confirmatory factor analysis: each dimension a factor, each item on its own dimension only, factors correlated; the first item of each dimension is its marker (loading 1); maximum likelihood on the covariance matrix of complete cases divided by N, as lavaan's cfa(estimator = \"ML\"); standard errors from the expected information",
            "konfirmatorisk faktoranalys: varje dimension en faktor, varje fråga bara på sin egen dimension, korrelerade faktorer; varje dimensions första fråga är dess markör (laddning 1); maximum likelihood på kovariansmatrisen för fullständiga svar delad med N, som lavaans cfa(estimator = \"ML\"); medelfel från den förväntade informationen"
        ),
        said!(
            "fit: χ² against the saturated model, CFI and TLI against the independence model, RMSEA with its 90 % interval, SRMR",
            "anpassning: χ² mot den mättade modellen, CFI och TLI mot oberoendemodellen, RMSEA med 90 %-intervall, SRMR"
        ),
        said!(
            "discriminant validity: HTMT (Henseler et al. 2015) above .85, or a factor correlation whose 95 % interval reaches 1, says two dimensions are not distinct",
            "diskriminant validitet: HTMT (Henseler m.fl. 2015) över .85, eller en faktorkorrelation vars 95 %-intervall når 1, säger att två dimensioner inte är åtskilda"
        ),
        said!(
            "invariance: configural, metric (equal loadings) and scalar (equal intercepts) multi-group models; a level fails when CFI drops by .010 or more together with RMSEA rising by .015 or SRMR by .030 (metric) / .010 (scalar) (Chen 2007); where it fails, each item's constraint is released in turn and tested by the χ² difference, Holm-adjusted",
            "invarians: konfigural, metrisk (lika laddningar) och skalär (lika intercept) flergruppsmodell; en nivå håller inte när CFI sjunker med .010 eller mer samtidigt som RMSEA stiger med .015 eller SRMR med .030 (metrisk) / .010 (skalär) (Chen 2007); där den inte håller släpps varje frågas villkor i tur och ordning och prövas med χ²-differensen, Holm-justerad"
        ),
        said!(
            "groups with fewer complete cases than two per item, or than the minimum group size, are not analysed; a fit that has not converged after 3,000 iterations is reported as not converged",
            "grupper med färre fullständiga svar än två per fråga, eller än den minsta gruppstorleken, analyseras inte; en skattning som inte har konvergerat efter 3 000 iterationer redovisas som inte konvergerad"
        ),
    ]
    .iter()
    .map(|s| s.get(lang).to_owned())
    .collect()
}
