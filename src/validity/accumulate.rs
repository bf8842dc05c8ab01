//! Exact sufficient statistics for factor analysis, in one pass.
//!
//! Per wave and unit: how many rows, how many complete cases (every item
//! answered on the scale), per item its don't-know and missing counts, and
//! over the complete cases the integer sums and cross-products of the
//! keyed answers. Any grouping of cells (a wave, an arm, an arm in a wave)
//! then has its means and covariances exactly, whatever the order of rows
//! or the number of threads. Memory: waves × units × p(p+3)/2 integers.
//!
//! For ordinal items (at most [`MAX_ORDINAL_POINTS`] scale points, k of
//! them) also each pair's contingency table over the complete cases of
//! each wave, for polychoric correlations: waves × p(p−1)/2 × k² counts
//! (32-bit; 50 KB per wave for 40 four-point items). Per wave only, not
//! per unit: the pooled correlations need no more, and per unit the tables
//! would grow with the organisation (500 units × 10 waves: 250 MB).

use nalgebra::{DMatrix, DVector};

use crate::responses::RowSink;
use crate::scoring::{Answer, DONT_KNOW, MISSING};
use crate::stats::cfa::Moments;
use crate::survey::Survey;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub rows: u64,
    pub complete: u64,
    pub dont_know: Vec<u64>,
    pub missing: Vec<u64>,
    sums: Vec<i64>,
    /// Lower triangle, row by row: (i, j) with j ≤ i at i(i+1)/2 + j.
    cross: Vec<i64>,
}

impl Cell {
    fn new(p: usize) -> Cell {
        Cell {
            rows: 0,
            complete: 0,
            dont_know: vec![0; p],
            missing: vec![0; p],
            sums: vec![0; p],
            cross: vec![0; p * (p + 1) / 2],
        }
    }

    pub fn add(&mut self, o: &Cell) {
        self.rows += o.rows;
        self.complete += o.complete;
        for (a, b) in self.dont_know.iter_mut().zip(&o.dont_know) {
            *a += b;
        }
        for (a, b) in self.missing.iter_mut().zip(&o.missing) {
            *a += b;
        }
        for (a, b) in self.sums.iter_mut().zip(&o.sums) {
            *a += b;
        }
        for (a, b) in self.cross.iter_mut().zip(&o.cross) {
            *a += b;
        }
    }
}

/// Scales with at most this many points are ordinal: their pairs'
/// contingency tables are kept for polychoric correlations.
pub const MAX_ORDINAL_POINTS: usize = 7;

/// The statistics of a survey's responses by wave and unit.
#[derive(Debug, Clone)]
pub struct Products {
    pub items: usize,
    min: i32,
    max: i32,
    reverse: Vec<bool>,
    /// [wave][unit]
    cells: Vec<Vec<Cell>>,
    keyed: Vec<i64>,
    /// Scale points when the items are ordinal (tables are kept).
    pub ordinal: Option<usize>,
    /// Per wave: pair (i, j), j < i, at (i(i−1)/2 + j)·k², then a·k + b
    /// for categories a of i and b of j; empty when not ordinal.
    tables: Vec<Vec<u32>>,
}

impl Products {
    pub fn new(survey: &Survey) -> Products {
        let p = survey.items.len();
        let points = (survey.scale.max - survey.scale.min + 1) as usize;
        Products {
            items: p,
            min: survey.scale.min,
            max: survey.scale.max,
            reverse: survey.items.iter().map(|i| i.reverse).collect(),
            cells: Vec::new(),
            keyed: vec![0; p],
            ordinal: (points <= MAX_ORDINAL_POINTS).then_some(points),
            tables: Vec::new(),
        }
    }

    /// Wave `wave`'s tables, allocated on first use.
    fn tables_of(&mut self, wave: usize, k: usize) -> &mut Vec<u32> {
        let p = self.items;
        if self.tables.len() <= wave {
            self.tables.resize_with(wave + 1, Vec::new);
        }
        let t = &mut self.tables[wave];
        if t.is_empty() {
            t.resize(p * p.saturating_sub(1) / 2 * k * k, 0);
        }
        t
    }

    /// The contingency table of survey items i and j (keyed categories,
    /// rows i) over the complete cases of `waves` (every unit); None when
    /// not ordinal.
    pub fn table(
        &self,
        waves: &[usize],
        i: usize,
        j: usize,
    ) -> Option<crate::stats::polychoric::Table> {
        let k = self.ordinal?;
        let (hi, lo) = if i > j { (i, j) } else { (j, i) };
        let at = (hi * (hi - 1) / 2 + lo) * k * k;
        let mut t = crate::stats::polychoric::Table::new(k, k);
        for tables in waves.iter().filter_map(|&w| self.tables.get(w)) {
            if tables.is_empty() {
                continue;
            }
            for a in 0..k {
                for b in 0..k {
                    let count = u64::from(tables[at + a * k + b]);
                    if i > j {
                        t.counts[a * k + b] += count;
                    } else {
                        t.counts[b * k + a] += count;
                    }
                }
            }
        }
        Some(t)
    }

    fn cell(&mut self, wave: usize, unit: usize) -> &mut Cell {
        let p = self.items;
        if self.cells.len() <= wave {
            self.cells.resize_with(wave + 1, Vec::new);
        }
        let row = &mut self.cells[wave];
        if row.len() <= unit {
            row.resize_with(unit + 1, || Cell::new(p));
        }
        &mut row[unit]
    }

    pub fn push(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        let (min, mirror) = (self.min, self.min + self.max);
        let mut complete = true;
        let mut keyed = std::mem::take(&mut self.keyed);
        for (k, &a) in answers.iter().enumerate() {
            if a == MISSING || a == DONT_KNOW {
                complete = false;
                keyed[k] = -1;
            } else {
                let v = if self.reverse[k] {
                    mirror - a as i32
                } else {
                    a as i32
                };
                keyed[k] = (v - min) as i64;
            }
        }
        let cell = self.cell(wave, unit);
        cell.rows += 1;
        if complete {
            cell.complete += 1;
            let mut t = 0;
            for i in 0..keyed.len() {
                let xi = keyed[i];
                cell.sums[i] += xi;
                for &xj in &keyed[..=i] {
                    cell.cross[t] += xi * xj;
                    t += 1;
                }
            }
        } else {
            for (k, &a) in answers.iter().enumerate() {
                if a == MISSING {
                    cell.missing[k] += 1;
                } else if a == DONT_KNOW {
                    cell.dont_know[k] += 1;
                }
            }
        }
        if let (true, Some(k)) = (complete, self.ordinal) {
            let tables = self.tables_of(wave, k);
            let mut at = 0;
            for i in 1..keyed.len() {
                let row = keyed[i] as usize * k;
                for &xj in &keyed[..i] {
                    tables[at + row + xj as usize] += 1;
                    at += k * k;
                }
            }
        }
        self.keyed = keyed;
    }

    /// A cell with nothing in it, to sum others into.
    pub fn empty(&self) -> Cell {
        Cell::new(self.items)
    }

    pub fn waves(&self) -> usize {
        self.cells.len()
    }

    /// The cells of `wave` summed over the units for which `take` is true.
    pub fn sum(&self, wave: usize, take: impl Fn(usize) -> bool) -> Cell {
        let mut total = self.empty();
        if let Some(row) = self.cells.get(wave) {
            for (u, c) in row.iter().enumerate() {
                if take(u) {
                    total.add(c);
                }
            }
        }
        total
    }

    /// Means (on the scale, keyed) and covariances divided by N of a cell's
    /// complete cases; `None` without any.
    pub fn moments(&self, cell: &Cell) -> Option<Moments> {
        let p = self.items;
        let n = cell.complete;
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let mean = DVector::from_fn(p, |i, _| cell.sums[i] as f64 / nf + self.min as f64);
        let mut cov = DMatrix::zeros(p, p);
        let mut t = 0;
        for i in 0..p {
            for j in 0..=i {
                // n·Σxy − Σx·Σy, exact in integers, then divided by n².
                let centred =
                    n as i128 * cell.cross[t] as i128 - cell.sums[i] as i128 * cell.sums[j] as i128;
                let v = centred as f64 / (nf * nf);
                cov[(i, j)] = v;
                cov[(j, i)] = v;
                t += 1;
            }
        }
        Some(Moments { n: nf, mean, cov })
    }
}

impl RowSink for Products {
    fn row(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        self.push(wave, unit, answers);
    }

    fn absorb(&mut self, other: &Self, waves: &[usize], units: &[usize]) {
        for (w, row) in other.cells.iter().enumerate() {
            for (u, c) in row.iter().enumerate() {
                if c.rows > 0 {
                    self.cell(waves[w], units[u]).add(c);
                }
            }
        }
        if let Some(k) = self.ordinal {
            for (w, theirs) in other.tables.iter().enumerate() {
                if theirs.is_empty() {
                    continue;
                }
                let ours = self.tables_of(waves[w], k);
                for (a, b) in ours.iter_mut().zip(theirs) {
                    *a += b;
                }
            }
        }
    }
}
