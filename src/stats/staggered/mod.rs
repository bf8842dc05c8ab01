//! Staggered adoption: the group-time average treatment effects of Callaway
//! & Sant'Anna (2021) for repeated cross-sections without covariates, as R's
//! `did` (`att_gt(..., panel = FALSE)`, `aggte`) computes them, on the cells of
//! a unit × period table.
//!
//! A cohort is the set of units that adopt in the same period. ATT(g, t)
//! compares the change in the mean outcome of cohort g from its base period
//! to period t with the same change among the comparison units: the units
//! that never adopt, or those not yet treated by t. Each estimate carries its
//! influence function, so that aggregations (by event time, cohort, calendar
//! period, and overall) and their inference follow from it.
//!
//! Every respondent's influence is affine in their own outcome within a
//! unit × period cell (`a + b · (y − ȳ_cell)`), so cluster sums, the
//! respondent-level variance and the multiplier bootstrap are exact from the
//! cells' n, mean and within-cell sum of squares: no respondent-level data.

mod aggregate;
mod group_time;
mod inference;

pub use aggregate::{Aggregate, Aggregation, Part, aggregate};
pub use group_time::{GroupTime, group_time};
pub use inference::{Band, Cluster, multiplier_band};

use serde::Serialize;

use super::descriptive::Moments;

/// One unit × period cell: the unit, the period (0 the first, in time order)
/// and the moments of the outcome of the cell's respondents.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    pub unit: usize,
    pub period: usize,
    pub m: Moments,
}

/// The data of a staggered design: per unit its cohort (the first period in
/// which it is treated, or `None` when it never is within the data) and the
/// cells with at least one respondent.
#[derive(Debug, Clone)]
pub struct Panel {
    pub periods: usize,
    pub cohort: Vec<Option<usize>>,
    pub cells: Vec<Cell>,
}

/// Which units serve as the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// Units that never adopt within the data.
    NeverTreated,
    /// Units that never adopt and those that adopt after both periods compared.
    NotYetTreated,
}

/// The base period of the comparisons before adoption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// Each pre-adoption period against the one before it (`did`'s default).
    Varying,
    /// Every period against the last one before adoption.
    Universal,
}

impl Panel {
    /// The panel as `did` sees it: units treated in the first period (no
    /// period before adoption) are left out, and units adopting after the
    /// last period count as never treated. Returns the panel and the units
    /// left out.
    pub fn usable(mut self) -> (Panel, Vec<usize>) {
        let mut dropped = Vec::new();
        for (u, g) in self.cohort.iter_mut().enumerate() {
            match *g {
                Some(0) => dropped.push(u),
                Some(p) if p >= self.periods => *g = None,
                _ => {}
            }
        }
        self.cells.retain(|c| !dropped.contains(&c.unit));
        (self, dropped)
    }

    /// The respondents in the data.
    pub fn n(&self) -> f64 {
        self.cells.iter().map(|c| c.m.n as f64).sum()
    }

    /// The cohorts that adopt within the data, in order.
    pub fn cohorts(&self) -> Vec<usize> {
        let mut g: Vec<usize> = self.cohort.iter().flatten().copied().collect();
        g.sort_unstable();
        g.dedup();
        g
    }

    /// The units of each cohort with at least one respondent.
    pub fn cohort_units(&self, g: usize) -> Vec<usize> {
        let mut units: Vec<usize> = self
            .cells
            .iter()
            .filter(|c| self.cohort[c.unit] == Some(g))
            .map(|c| c.unit)
            .collect();
        units.sort_unstable();
        units.dedup();
        units
    }
}

/// The influence function of an estimate: for the respondents of cell `c`,
/// `a[c] + b[c] · (y − ȳ_c)`, scaled as `did` scales it (by the number of
/// respondents, so that its variance is Σψ²/n²).
#[derive(Debug, Clone, PartialEq)]
pub struct Influence {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
}

impl Influence {
    pub fn zero(cells: usize) -> Influence {
        Influence {
            a: vec![0.0; cells],
            b: vec![0.0; cells],
        }
    }

    /// self += w · other.
    pub fn add_scaled(&mut self, w: f64, other: &Influence) {
        for (x, y) in self.a.iter_mut().zip(&other.a) {
            *x += w * y;
        }
        for (x, y) in self.b.iter_mut().zip(&other.b) {
            *x += w * y;
        }
    }

    /// Σψ² over the respondents.
    pub fn sum_of_squares(&self, panel: &Panel) -> f64 {
        panel
            .cells
            .iter()
            .zip(self.a.iter().zip(&self.b))
            .map(|(c, (a, b))| c.m.n as f64 * a * a + b * b * c.m.sum_of_squares())
            .sum()
    }

    /// Σψ over the respondents of each unit.
    pub fn unit_sums(&self, panel: &Panel) -> Vec<f64> {
        let mut s = vec![0.0; panel.cohort.len()];
        for (c, a) in panel.cells.iter().zip(&self.a) {
            s[c.unit] += c.m.n as f64 * a;
        }
        s
    }
}
