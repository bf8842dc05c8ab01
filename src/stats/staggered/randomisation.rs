//! The overall effect alone (Callaway & Sant'Anna's cohort-size-weighted
//! average of the cohorts' post-adoption effects) for another assignment of
//! units to cohorts: what randomisation inference recomputes for every
//! schedule the design could have drawn. Per assignment it sums the cells
//! into cohort × period totals once (O(cells)); everything else is
//! O(cohorts² × periods).

use super::{Control, Panel};

/// The panel's cells per unit and period, summed once.
pub struct Cells {
    periods: usize,
    /// Per unit and period: respondents and the sum of the outcome.
    n: Vec<Vec<f64>>,
    sum: Vec<Vec<f64>>,
}

impl Cells {
    pub fn of(panel: &Panel) -> Cells {
        let units = panel.cohort.len();
        let mut n = vec![vec![0.0; panel.periods]; units];
        let mut sum = vec![vec![0.0; panel.periods]; units];
        for c in &panel.cells {
            let k = c.m.n as f64;
            n[c.unit][c.period] += k;
            sum[c.unit][c.period] += k * c.m.mean().unwrap_or(0.0);
        }
        Cells {
            periods: panel.periods,
            n,
            sum,
        }
    }

    /// The overall effect with `cohort[u]` as each unit's first treated
    /// period (`None`: never); `None` when no cohort has an estimable
    /// post-adoption effect.
    pub fn overall(&self, cohort: &[Option<usize>], control: Control) -> Option<f64> {
        let mut cohorts: Vec<usize> = cohort
            .iter()
            .flatten()
            .copied()
            .filter(|&g| g > 0 && g < self.periods)
            .collect();
        cohorts.sort_unstable();
        cohorts.dedup();
        let k = cohorts.len();
        // Totals per cohort (index k: never) and period.
        let (mut n, mut s) = (
            vec![vec![0.0; self.periods]; k + 1],
            vec![vec![0.0; self.periods]; k + 1],
        );
        for (u, g) in cohort.iter().enumerate() {
            let row = match g {
                None => k,
                Some(g) if *g >= self.periods => k,
                Some(g) => match cohorts.binary_search(g) {
                    Ok(i) => i,
                    Err(_) => continue, // treated before the data: left out, as `did` does
                },
            };
            for t in 0..self.periods {
                n[row][t] += self.n[u][t];
                s[row][t] += self.sum[u][t];
            }
        }
        let total: f64 = n.iter().flatten().sum();
        let (mut weighted, mut weights) = (0.0, 0.0);
        for (i, &g) in cohorts.iter().enumerate() {
            let b = g - 1;
            let (mut effects, mut count) = (0.0, 0usize);
            for t in g..self.periods {
                let later = t.max(b);
                // The comparison: never-treated, and with not-yet-treated the cohorts adopting after both periods.
                let (mut nc_t, mut sc_t, mut nc_b, mut sc_b) = (n[k][t], s[k][t], n[k][b], s[k][b]);
                if control == Control::NotYetTreated {
                    for j in (0..k).filter(|&j| j != i && cohorts[j] > later) {
                        nc_t += n[j][t];
                        sc_t += s[j][t];
                        nc_b += n[j][b];
                        sc_b += s[j][b];
                    }
                }
                if n[i][t] > 0.0 && n[i][b] > 0.0 && nc_t > 0.0 && nc_b > 0.0 {
                    effects +=
                        (s[i][t] / n[i][t] - s[i][b] / n[i][b]) - (sc_t / nc_t - sc_b / nc_b);
                    count += 1;
                }
            }
            if count == 0 {
                continue;
            }
            let share = n[i].iter().sum::<f64>() / total;
            weighted += share * effects / count as f64;
            weights += share;
        }
        (weights > 0.0).then(|| weighted / weights)
    }
}
