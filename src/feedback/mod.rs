//! The feedback report of one unit ("resultatåterföring"): its climate
//! profile against the organisation and against its previous wave, its
//! strengths and areas to develop with intervals, so that noise is not read
//! as a finding, how its people answered each item, its comments, and
//! questions for the workplace meeting.
//!
//! Pure: built from the dashboard (already hidden as the wave's plan says:
//! a unit whose figures the plan hides gets no report), the unit's item
//! counts (given only when the plan shows the unit) and its comments (as
//! [`crate::comments`] shows them to a viewer limited to the unit).
//!
//! The unit is part of the organisation, so the difference of their means
//! has Var(ū − ō) = Var(ū) + Var(ō) − 2·(n_u / N)·Var(ū) (the organisation's
//! mean holds the unit's respondents with weight n_u / N); the change since
//! the previous wave compares two independent samples. Both intervals use
//! t with the unit's n − 1 degrees of freedom (the smaller sample), from
//! the standard errors behind the dashboard's 95 % intervals.

#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::comments::WaveComments;
use crate::dashboard::{Dashboard, Figure};
use crate::stats::distributions::t_quantile;
use crate::survey::Language;

/// How many dimensions are named as strengths and as areas to develop.
pub const NAMED: usize = 3;

/// What an interval says about a difference, direction-aware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Clearly better (the interval excludes no difference).
    Better,
    Worse,
    /// Within what chance gives.
    Unclear,
}

/// A difference with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    pub estimate: f64,
    pub ci95: [f64; 2],
    pub verdict: Verdict,
}

/// One dimension of the unit's profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionFeedback {
    pub id: String,
    pub name: String,
    pub lower_is_better: bool,
    pub unit: Figure,
    pub organisation: Figure,
    pub previous: Option<Figure>,
    /// The unit minus the organisation.
    pub against_organisation: Option<Difference>,
    /// This wave minus the previous one.
    pub change: Option<Difference>,
}

/// How the unit's people answered one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemFeedback {
    pub text: String,
    pub dimension: String,
    /// Per scale point, lowest first.
    pub counts: Vec<u64>,
    pub dont_know: u64,
    pub missing: u64,
}

/// One item's counts as the caller reads them from the scored cells.
#[derive(Debug, Clone)]
pub struct ItemInput {
    pub text: String,
    pub dimension: String,
    pub counts: Vec<u64>,
    pub dont_know: u64,
    pub missing: u64,
}

/// The report of one unit in one wave.
#[derive(Debug, Clone, Serialize)]
pub struct UnitFeedback {
    pub study: String,
    pub unit: String,
    pub code: String,
    pub wave: String,
    pub previous_wave: Option<String>,
    /// Respondents in the unit (with everything under it).
    pub respondents: Option<u64>,
    pub scale: [i32; 2],
    /// The scale's labels, lowest first, and the don't-know label.
    pub labels: Vec<String>,
    pub dont_know_label: Option<String>,
    pub dimensions: Vec<DimensionFeedback>,
    /// Dimension indices furthest above (better than) the organisation, most first.
    pub strengths: Vec<usize>,
    /// Furthest below (worse than) it, most first.
    pub areas: Vec<usize>,
    pub items: Vec<ItemFeedback>,
    pub comments: Option<WaveComments>,
    pub questions: Vec<String>,
}

/// What the caller knows besides the dashboard.
pub struct FeedbackInput<'a> {
    pub study: &'a str,
    pub dash: &'a Dashboard,
    /// The unit (dashboard index) and the wave (index into `dash.waves`).
    pub unit: usize,
    pub wave: usize,
    pub labels: Vec<String>,
    pub dont_know_label: Option<String>,
    pub items: Vec<ItemInput>,
    pub comments: Option<WaveComments>,
    pub lang: Language,
}

/// The unit's report, or `None` when the wave's plan hides its figures.
pub fn build(input: FeedbackInput) -> Option<UnitFeedback> {
    let FeedbackInput {
        study,
        dash,
        unit: u,
        wave: w,
        ..
    } = input;
    let shown = (0..dash.dimensions.len()).any(|d| dash.figures[w][d][u].mean.is_some());
    if !shown {
        return None;
    }
    // The previous wave that showed this unit.
    let previous = (0..w)
        .rev()
        .find(|&p| (0..dash.dimensions.len()).any(|d| dash.figures[p][d][u].mean.is_some()));
    let dimensions: Vec<DimensionFeedback> = dash
        .dimensions
        .iter()
        .enumerate()
        .map(|(d, dim)| {
            let unit = dash.figures[w][d][u];
            let organisation = dash.organisation[w][d];
            let prev = previous.map(|p| dash.figures[p][d][u]);
            let better = |x: f64| if dim.lower_is_better { -x } else { x };
            DimensionFeedback {
                id: dim.id.clone(),
                name: dim.name.clone(),
                lower_is_better: dim.lower_is_better,
                against_organisation: nested_difference(&unit, &organisation, better),
                change: prev.and_then(|p| independent_difference(&unit, &p, better)),
                unit,
                organisation,
                previous: prev,
            }
        })
        .collect();
    let ranked = |sign: f64| -> Vec<usize> {
        let mut order: Vec<(usize, f64)> = dimensions
            .iter()
            .enumerate()
            .filter_map(|(d, x)| {
                let diff = x.against_organisation?;
                let good = if x.lower_is_better {
                    -diff.estimate
                } else {
                    diff.estimate
                };
                (good * sign > 0.0).then_some((d, good * sign))
            })
            .collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        order.into_iter().take(NAMED).map(|(d, _)| d).collect()
    };
    let strengths = ranked(1.0);
    let areas = ranked(-1.0);
    let questions = questions(&dimensions, &strengths, &areas, input.lang);
    let respondents = dash.figures[w].iter().filter_map(|f| f[u].n).max();
    Some(UnitFeedback {
        study: study.to_owned(),
        unit: dash.units[u].name.clone(),
        code: dash.units[u].code.clone(),
        wave: dash.waves[w].name.clone(),
        previous_wave: previous.map(|p| dash.waves[p].name.clone()),
        respondents,
        scale: dash.scale,
        labels: input.labels,
        dont_know_label: input.dont_know_label,
        dimensions,
        strengths,
        areas,
        items: input
            .items
            .into_iter()
            .map(|i| ItemFeedback {
                text: i.text,
                dimension: i.dimension,
                counts: i.counts,
                dont_know: i.dont_know,
                missing: i.missing,
            })
            .collect(),
        comments: input.comments,
        questions,
    })
}

/// The standard error behind a figure's 95 % t interval.
fn standard_error(f: &Figure) -> Option<(f64, u64)> {
    let (n, ci) = (f.n?, f.ci95?);
    (n >= 2).then(|| ((ci[1] - ci[0]) / 2.0 / t_quantile(0.975, (n - 1) as f64), n))
}

fn difference(estimate: f64, se: f64, df: u64, better: impl Fn(f64) -> f64) -> Difference {
    let half = t_quantile(0.975, df as f64) * se;
    let ci95 = [estimate - half, estimate + half];
    let verdict = if ci95[0] > 0.0 || ci95[1] < 0.0 {
        if better(estimate) > 0.0 {
            Verdict::Better
        } else {
            Verdict::Worse
        }
    } else {
        Verdict::Unclear
    };
    Difference {
        estimate,
        ci95,
        verdict,
    }
}

/// The unit against the organisation that contains it.
fn nested_difference(
    unit: &Figure,
    org: &Figure,
    better: impl Fn(f64) -> f64,
) -> Option<Difference> {
    let (su, nu) = standard_error(unit)?;
    let (so, no) = standard_error(org)?;
    let share = (nu as f64 / no as f64).min(1.0);
    let var = (su * su * (1.0 - 2.0 * share) + so * so).max(0.0);
    Some(difference(
        unit.mean? - org.mean?,
        var.sqrt(),
        nu - 1,
        better,
    ))
}

/// This wave against the previous one: two independent samples.
fn independent_difference(
    now: &Figure,
    before: &Figure,
    better: impl Fn(f64) -> f64,
) -> Option<Difference> {
    let (s1, n1) = standard_error(now)?;
    let (s0, n0) = standard_error(before)?;
    let se = (s1 * s1 + s0 * s0).sqrt();
    Some(difference(
        now.mean? - before.mean?,
        se,
        n1.min(n0) - 1,
        better,
    ))
}

/// Questions for the workplace meeting, from what the report shows.
fn questions(
    dims: &[DimensionFeedback],
    strengths: &[usize],
    areas: &[usize],
    lang: Language,
) -> Vec<String> {
    let sv = lang == Language::Sv;
    let mut out = vec![if sv {
        "Känner vi igen oss i resultatet? Vad stämmer, och vad förvånar oss?".to_owned()
    } else {
        "Do we recognise ourselves in the results? What fits, and what surprises us?".to_owned()
    }];
    if let Some(&d) = strengths.first() {
        let name = &dims[d].name;
        out.push(if sv {
            format!("Vad gör vi som ger oss {name}, och hur behåller vi det?")
        } else {
            format!("What do we do that gives us {name}, and how do we keep it?")
        });
    }
    for &d in areas.iter().take(2) {
        let name = &dims[d].name;
        out.push(if sv {
            format!("Vad skulle behöva hända för att {name} ska bli bättre hos oss?")
        } else {
            format!("What would have to happen for {name} to get better here?")
        });
    }
    if let Some(changed) = dims
        .iter()
        .find(|x| x.change.is_some_and(|c| c.verdict != Verdict::Unclear))
    {
        let name = &changed.name;
        out.push(if sv {
            format!("{name} har förändrats sedan förra mätningen. Vad har hänt?")
        } else {
            format!("{name} has changed since the last survey. What happened?")
        });
    }
    out.push(if sv {
        "Vilken eller vilka saker vill vi pröva fram till nästa mätning, och vem gör vad?"
            .to_owned()
    } else {
        "Which one or two things do we want to try before the next survey, and who does what?"
            .to_owned()
    });
    out
}
