//! ATT(g, t): one cohort in one period against its comparison units, the
//! unconditional 2 × 2 difference in differences of means.

use super::{Base, Control, Influence, Panel};

/// The effect of cohort `cohort` in `period`, with its influence function.
/// Before adoption it is a placebo: with the varying base, the change from the
/// period before; with the universal base, the difference to the last period
/// before adoption (which is itself zero, with no variance).
#[derive(Debug, Clone)]
pub struct GroupTime {
    pub cohort: usize,
    pub period: usize,
    /// The period compared against.
    pub base: usize,
    pub att: f64,
    pub influence: Influence,
    /// The universal base period itself: zero by construction.
    pub reference: bool,
}

impl GroupTime {
    pub fn post(&self) -> bool {
        self.period >= self.cohort
    }

    pub fn event_time(&self) -> i64 {
        self.period as i64 - self.cohort as i64
    }
}

/// Every ATT(g, t) in `did`'s order (cohorts ascending, then periods), and
/// the (g, t) that cannot be estimated because one of the four groups
/// compared has no respondent.
pub fn group_time(
    panel: &Panel,
    control: Control,
    base: Base,
) -> (Vec<GroupTime>, Vec<(usize, usize)>) {
    let n = panel.n();
    let cells = panel.cells.len();
    let (mut out, mut missing) = (Vec::new(), Vec::new());
    for g in panel.cohorts() {
        let pre = g - 1;
        let periods: Vec<usize> = match base {
            Base::Varying => (1..panel.periods).collect(),
            Base::Universal => (0..panel.periods).collect(),
        };
        for t in periods {
            let b = match base {
                Base::Varying if t < g => t - 1,
                _ => pre,
            };
            if b == t {
                out.push(GroupTime {
                    cohort: g,
                    period: t,
                    base: b,
                    att: 0.0,
                    influence: Influence::zero(cells),
                    reference: true,
                });
                continue;
            }
            let later = t.max(b);
            let comparison = |cohort: Option<usize>| match (control, cohort) {
                (_, None) => true,
                (Control::NeverTreated, Some(_)) => false,
                (Control::NotYetTreated, Some(h)) => h > later && h != g,
            };
            // The four groups: (treated, period) with the sign of their mean.
            let groups = [
                (true, t, 1.0),
                (true, b, -1.0),
                (false, t, -1.0),
                (false, b, 1.0),
            ];
            let member = |c: &super::Cell, treated: bool, period: usize| {
                c.period == period
                    && if treated {
                        panel.cohort[c.unit] == Some(g)
                    } else {
                        comparison(panel.cohort[c.unit])
                    }
            };
            let mut moments = [super::Moments::default(); 4];
            for c in &panel.cells {
                for (k, &(treated, period, _)) in groups.iter().enumerate() {
                    if member(c, treated, period) {
                        moments[k].merge(&c.m);
                    }
                }
            }
            let Some(means) = moments
                .iter()
                .map(|m| m.mean())
                .collect::<Option<Vec<f64>>>()
            else {
                missing.push((g, t));
                continue;
            };
            let att = groups.iter().zip(&means).map(|(&(_, _, s), m)| s * m).sum();
            let mut influence = Influence::zero(cells);
            for (i, c) in panel.cells.iter().enumerate() {
                for (k, &(treated, period, sign)) in groups.iter().enumerate() {
                    if member(c, treated, period) {
                        let scale = sign * n / moments[k].n as f64;
                        influence.a[i] = scale * (c.m.mean().unwrap_or(0.0) - means[k]);
                        influence.b[i] = scale;
                    }
                }
            }
            out.push(GroupTime {
                cohort: g,
                period: t,
                base: b,
                att,
                influence,
                reference: false,
            });
        }
    }
    (out, missing)
}
