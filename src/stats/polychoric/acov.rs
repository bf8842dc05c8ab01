//! The asymptotic covariance matrix of the two-step estimates (thresholds,
//! then polychoric correlations), as Muthén (1984) derived it and lavaan's
//! `muthen1984()` computes it: the matrix the ordinal factor model's
//! weights, robust standard errors and adjusted test statistic are built
//! from (`lavInspect(fit, "gamma")`).
//!
//! Each estimate solves its own estimating equations: an item's thresholds
//! its univariate likelihood's, a pair's correlation its bivariate
//! likelihood's with the thresholds held fixed. Stacked, the estimates'
//! influence on one respondent is s̃ = A⁻¹ s, with s the respondent's scores
//! and A the block-triangular matrix of the equations' derivatives (the
//! thresholds' blocks from their own scores' cross-products, a pair's row
//! from its correlation score against itself and against the two items'
//! threshold scores). Then Γ = N Σ s̃ s̃'.
//!
//! A and every respondent's s̃ depend only on the categories chosen for one
//! item or one pair, so they come from the contingency tables the first
//! pass over the responses kept: [`Influence`] is a lookup per item level
//! and per pair cell. The sum over respondents needs every respondent's
//! whole pattern (4-way information), so it takes a second pass over the
//! complete cases ([`GammaSum`]): a rank-k update of a d × d matrix per
//! batch of respondents, d = thresholds + pairs (900 for 40 four-point
//! items: 6.5 MB, and about d² multiply-adds per respondent).

use nalgebra::{DMatrix, DVector};
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

use super::{PolychoricError, Table, correlation, density, lower, thresholds};

/// The categories of an item someone chose, in scale order. Categories
/// nobody chose are left out, as lavaan's ordered factors have only the
/// levels observed: an item's thresholds are then all finite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Levels {
    /// Per scale category, its level; `None` when nobody chose it.
    pub of: Vec<Option<usize>>,
    pub count: usize,
}

impl Levels {
    pub fn of_margin(margin: &[u64]) -> Levels {
        let mut count = 0;
        let of = margin
            .iter()
            .map(|&m| {
                (m > 0).then(|| {
                    count += 1;
                    count - 1
                })
            })
            .collect();
        Levels { of, count }
    }

    /// A table of scale categories as one of levels.
    fn compact(&self, cols: &Levels, table: &Table) -> Table {
        let mut t = Table::new(self.count, cols.count);
        for a in 0..table.rows {
            for b in 0..table.cols {
                let count = table.counts[a * table.cols + b];
                if let (Some(la), Some(lb)) = (self.of[a], cols.of[b]) {
                    t.counts[la * cols.count + lb] += count;
                }
            }
        }
        t
    }
}

/// The pairs of `p` items in lavaan's order: the lower triangle column by
/// column, (i, j) with i > j.
pub fn pairs(p: usize) -> Vec<(usize, usize)> {
    (0..p)
        .flat_map(|j| (j + 1..p).map(move |i| (i, j)))
        .collect()
}

/// The two-step estimates on the items' observed levels.
#[derive(Debug, Clone)]
pub struct TwoStep {
    pub n: u64,
    pub levels: Vec<Levels>,
    /// Per item, its level counts.
    pub margins: Vec<Vec<u64>>,
    pub thresholds: Vec<Vec<f64>>,
    pub pairs: Vec<(usize, usize)>,
    /// Per pair, in [`pairs`] order.
    pub rho: Vec<f64>,
    /// Per pair, its table on the items' levels (what the influence of
    /// each cell is computed from).
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TwoStepError {
    #[error("there are fewer than two items or no respondents")]
    Empty,
    #[error("item {0} has only one category answered")]
    Constant(usize),
    #[error("items {a} and {b}: {error}")]
    Pair {
        a: usize,
        b: usize,
        error: PolychoricError,
    },
}

impl TwoStep {
    /// From each pair's table of scale categories over the same
    /// respondents (`table(i, j)` for i > j, rows those of item i).
    pub fn new(
        items: usize,
        table: impl Fn(usize, usize) -> Table,
    ) -> Result<TwoStep, TwoStepError> {
        if items < 2 {
            return Err(TwoStepError::Empty);
        }
        let first = table(1, 0);
        let n = first.n();
        if n == 0 {
            return Err(TwoStepError::Empty);
        }
        // Each item's margin from its table with the first item (the
        // first item's from its table with the second).
        let margin_of = |i: usize, t: &Table| {
            if i == 0 {
                t.col_margin()
            } else {
                t.row_margin()
            }
        };
        let with_first: Vec<Table> = (0..items)
            .map(|i| if i <= 1 { first.clone() } else { table(i, 0) })
            .collect();
        let levels: Vec<Levels> = (0..items)
            .map(|i| Levels::of_margin(&margin_of(i, &with_first[i])))
            .collect();
        if let Some(i) = levels.iter().position(|l| l.count < 2) {
            return Err(TwoStepError::Constant(i));
        }
        // On the observed levels: the categories nobody chose left out.
        let margins: Vec<Vec<u64>> = (0..items)
            .map(|i| {
                let raw = margin_of(i, &with_first[i]);
                raw.iter().filter(|&&m| m > 0).copied().collect()
            })
            .collect();
        let thresholds: Vec<Vec<f64>> = margins.iter().map(|m| self::thresholds(m)).collect();
        let pairs = pairs(items);
        let mut rho = Vec::with_capacity(pairs.len());
        let mut tables = Vec::with_capacity(pairs.len());
        for &(i, j) in &pairs {
            let t = levels[i].compact(&levels[j], &table(i, j));
            match correlation(&t, &thresholds[i], &thresholds[j]) {
                Ok(p) => rho.push(p.rho),
                Err(error) => return Err(TwoStepError::Pair { a: i, b: j, error }),
            }
            tables.push(t);
        }
        Ok(TwoStep {
            n,
            levels,
            margins,
            thresholds,
            pairs,
            rho,
            tables,
        })
    }

    /// The polychoric correlation matrix (unit diagonal).
    pub fn rho_matrix(&self) -> DMatrix<f64> {
        let p = self.levels.len();
        let mut r = DMatrix::identity(p, p);
        for (&(i, j), &v) in self.pairs.iter().zip(&self.rho) {
            r[(i, j)] = v;
            r[(j, i)] = v;
        }
        r
    }

    pub fn threshold_count(&self) -> usize {
        self.thresholds.iter().map(Vec::len).sum()
    }

    /// The estimates as one vector: every item's thresholds, then the
    /// correlations (lavaan's `WLS.obs`).
    pub fn vector(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.thresholds.concat();
        v.extend_from_slice(&self.rho);
        v
    }
}

/// Every respondent's influence on the estimates, as lookups.
#[derive(Debug, Clone)]
pub struct Influence {
    levels: Vec<Levels>,
    /// Where each item's thresholds start in the vector.
    offset: Vec<usize>,
    /// [item][level]: the influence on the item's thresholds.
    threshold: Vec<Vec<Vec<f64>>>,
    pairs: Vec<(usize, usize)>,
    /// [pair][a · levels of j + b]: the influence on the pair's correlation.
    rho: Vec<Vec<f64>>,
    dim: usize,
}

/// Edges of an item's categories on the latent scale: −∞, thresholds, +∞.
fn edges(t: &[f64]) -> Vec<f64> {
    let mut e = Vec::with_capacity(t.len() + 2);
    e.push(f64::NEG_INFINITY);
    e.extend_from_slice(t);
    e.push(f64::INFINITY);
    e
}

impl Influence {
    /// From the estimates and the tables they keep.
    pub fn new(est: &TwoStep) -> Influence {
        let normal = Normal::standard();
        let phi = |x: f64| if x.is_finite() { normal.pdf(x) } else { 0.0 };
        let cdf = |x: f64| normal.cdf(x);
        let p = est.levels.len();
        let mut offset = Vec::with_capacity(p);
        let mut at = 0;
        for t in &est.thresholds {
            offset.push(at);
            at += t.len();
        }
        // Per item: each level's threshold scores and A₁₁⁻¹ times them.
        let mut threshold = Vec::with_capacity(p);
        for (i, tau) in est.thresholds.iter().enumerate() {
            let e = edges(tau);
            let k = tau.len();
            let scores: Vec<DVector<f64>> = (0..=k)
                .map(|a| {
                    let prob = cdf(e[a + 1]) - cdf(e[a]);
                    DVector::from_fn(k, |t, _| {
                        if t == a {
                            phi(tau[t]) / prob
                        } else if t + 1 == a {
                            -phi(tau[t]) / prob
                        } else {
                            0.0
                        }
                    })
                })
                .collect();
            let mut a11 = DMatrix::zeros(k, k);
            for (s, &m) in scores.iter().zip(&est.margins[i]) {
                a11 += m as f64 * s * s.transpose();
            }
            let inv = a11
                .cholesky()
                .map(|c| c.inverse())
                .unwrap_or_else(|| DMatrix::zeros(k, k));
            threshold.push(
                scores
                    .iter()
                    .map(|s| (&inv * s).iter().copied().collect())
                    .collect::<Vec<Vec<f64>>>(),
            );
        }
        let mut rho = Vec::with_capacity(est.pairs.len());
        for ((&(i, j), &r), t) in est.pairs.iter().zip(&est.rho).zip(&est.tables) {
            let (ei, ej) = (edges(&est.thresholds[i]), edges(&est.thresholds[j]));
            let (ci, cj) = (t.rows, t.cols);
            let s = (1.0 - r * r).sqrt();
            // ∂Φ₂(x, y)/∂x over a band of y: φ(x)[Φ((y₁ − ρx)/s) − Φ((y₀ − ρx)/s)].
            let band = |x: f64, y0: f64, y1: f64| {
                if !x.is_finite() {
                    return 0.0;
                }
                let c = |y: f64| match y {
                    f64::INFINITY => 1.0,
                    f64::NEG_INFINITY => 0.0,
                    y => cdf((y - r * x) / s),
                };
                phi(x) * (c(y1) - c(y0))
            };
            let cells = ci * cj;
            let mut score = vec![0.0; cells];
            let mut dti = vec![vec![0.0; ci - 1]; cells];
            let mut dtj = vec![vec![0.0; cj - 1]; cells];
            let (mut a21i, mut a21j, mut a22) = (vec![0.0; ci - 1], vec![0.0; cj - 1], 0.0);
            for a in 0..ci {
                for b in 0..cj {
                    let c = a * cj + b;
                    let prob = lower(ei[a + 1], ej[b + 1], r)
                        - lower(ei[a], ej[b + 1], r)
                        - lower(ei[a + 1], ej[b], r)
                        + lower(ei[a], ej[b], r);
                    if prob <= f64::MIN_POSITIVE {
                        continue;
                    }
                    let d = density(ei[a + 1], ej[b + 1], r)
                        - density(ei[a], ej[b + 1], r)
                        - density(ei[a + 1], ej[b], r)
                        + density(ei[a], ej[b], r);
                    score[c] = d / prob;
                    if a < ci - 1 {
                        dti[c][a] = band(ei[a + 1], ej[b], ej[b + 1]) / prob;
                    }
                    if a > 0 {
                        dti[c][a - 1] = -band(ei[a], ej[b], ej[b + 1]) / prob;
                    }
                    if b < cj - 1 {
                        dtj[c][b] = band(ej[b + 1], ei[a], ei[a + 1]) / prob;
                    }
                    if b > 0 {
                        dtj[c][b - 1] = -band(ej[b], ei[a], ei[a + 1]) / prob;
                    }
                    let n = t.counts[c] as f64;
                    a22 += n * score[c] * score[c];
                    for (x, d) in a21i.iter_mut().zip(&dti[c]) {
                        *x += n * score[c] * d;
                    }
                    for (x, d) in a21j.iter_mut().zip(&dtj[c]) {
                        *x += n * score[c] * d;
                    }
                }
            }
            let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
            let mut infl = vec![0.0; cells];
            for a in 0..ci {
                for b in 0..cj {
                    let c = a * cj + b;
                    infl[c] =
                        (score[c] - dot(&a21i, &threshold[i][a]) - dot(&a21j, &threshold[j][b]))
                            / a22;
                }
            }
            rho.push(infl);
        }
        Influence {
            levels: est.levels.clone(),
            offset,
            threshold,
            pairs: est.pairs.clone(),
            rho,
            dim: at + est.pairs.len(),
        }
    }

    /// The length of the estimates' vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// One complete case's influence (its scale categories, 0-based, per
    /// item) into `out`; false, leaving `out` undefined, when a category is
    /// one nobody chose in the tables (not a respondent of those tables).
    pub fn case(&self, categories: &[usize], out: &mut [f64]) -> bool {
        let mut level = Vec::with_capacity(categories.len());
        for (i, &c) in categories.iter().enumerate() {
            match self.levels[i].of.get(c).copied().flatten() {
                Some(v) => level.push(v),
                None => return false,
            }
        }
        self.fill(&level, out);
        true
    }

    fn fill(&self, level: &[usize], out: &mut [f64]) {
        for (i, &l) in level.iter().enumerate() {
            let t = &self.threshold[i][l];
            out[self.offset[i]..self.offset[i] + t.len()].copy_from_slice(t);
        }
        let base = self.dim - self.pairs.len();
        for (k, &(i, j)) in self.pairs.iter().enumerate() {
            out[base + k] = self.rho[k][level[i] * self.levels[j].count + level[j]];
        }
    }
}

/// Respondents whose influence is summed at a time (one rank-k update):
/// large enough that the d × d sum is read and written rarely.
const BATCH: usize = 256;
/// The sum's rows and columns are updated in blocks of this many, only
/// the blocks on and below the diagonal (Γ is symmetric).
const BLOCK: usize = 128;

/// Σ s̃ s̃' over complete cases, a batch at a time.
#[derive(Debug, Clone)]
pub struct GammaSum {
    dim: usize,
    /// Up to [`BATCH`] cases' influence, one row of `dim` each.
    batch: Vec<f64>,
    filled: usize,
    /// Row-major, its lower triangle (with the diagonal) kept; allocated
    /// with the first case.
    sum: Vec<f64>,
    pub n: u64,
}

impl GammaSum {
    pub fn new(dim: usize) -> GammaSum {
        GammaSum {
            dim,
            batch: Vec::new(),
            filled: 0,
            sum: Vec::new(),
            n: 0,
        }
    }

    /// Adds one complete case (scale categories per item); false when the
    /// influence does not know one of its categories.
    pub fn push(&mut self, influence: &Influence, categories: &[usize]) -> bool {
        if self.batch.is_empty() {
            self.batch = vec![0.0; self.dim * BATCH];
        }
        let d = self.dim;
        let at = self.filled * d;
        if !influence.case(categories, &mut self.batch[at..at + d]) {
            return false;
        }
        self.filled += 1;
        self.n += 1;
        if self.filled == BATCH {
            self.flush();
        }
        true
    }

    /// sum += MᵀM for the batch M (filled × d), block by block on and
    /// below the diagonal, by matrixmultiply's dgemm on strided views.
    fn flush(&mut self) {
        if self.filled == 0 {
            return;
        }
        let d = self.dim;
        if self.sum.is_empty() {
            self.sum = vec![0.0; d * d];
        }
        let k = self.filled;
        let m = self.batch.as_ptr();
        for i0 in (0..d).step_by(BLOCK) {
            let bi = BLOCK.min(d - i0);
            for j0 in (0..=i0).step_by(BLOCK) {
                let bj = BLOCK.min(d - j0);
                // SAFETY: A = M[:, i0..i0+bi]ᵀ (bi × k, element (i, r) at
                // r·d + i0 + i), B = M[:, j0..j0+bj] (k × bj, element
                // (r, j) at r·d + j0 + j) lie inside the batch's first k
                // rows; C = sum[i0.., j0..] (bi × bj, row stride d) inside
                // the d × d sum, which nothing else borrows.
                unsafe {
                    matrixmultiply::dgemm(
                        bi,
                        k,
                        bj,
                        1.0,
                        m.add(i0),
                        1,
                        d as isize,
                        m.add(j0),
                        d as isize,
                        1,
                        1.0,
                        self.sum.as_mut_ptr().add(i0 * d + j0),
                        d as isize,
                        1,
                    );
                }
            }
        }
        self.filled = 0;
    }

    /// Adds another sum of the same estimates: its sum, then the cases
    /// still waiting in its batch, as ours.
    pub fn add(&mut self, other: &GammaSum) {
        if !other.sum.is_empty() {
            if self.sum.is_empty() {
                self.sum = other.sum.clone();
            } else {
                for (a, b) in self.sum.iter_mut().zip(&other.sum) {
                    *a += b;
                }
            }
        }
        let d = self.dim;
        for case in other.batch[..other.filled * d].chunks_exact(d) {
            if self.batch.is_empty() {
                self.batch = vec![0.0; d * BATCH];
            }
            let at = self.filled * d;
            self.batch[at..at + d].copy_from_slice(case);
            self.filled += 1;
            if self.filled == BATCH {
                self.flush();
            }
        }
        self.n += other.n;
    }

    /// Γ = N Σ s̃ s̃' (lavaan's `NACOV`, the asymptotic covariance of √N
    /// times the estimates).
    pub fn gamma(mut self) -> DMatrix<f64> {
        self.flush();
        let (d, n) = (self.dim, self.n as f64);
        if self.sum.is_empty() {
            return DMatrix::zeros(d, d);
        }
        // Blocks below the diagonal hold whole rows of the lower part.
        DMatrix::from_fn(d, d, |i, j| {
            let (i, j) = if i >= j { (i, j) } else { (j, i) };
            n * self.sum[i * d + j]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_nobody_chose_are_left_out() {
        let l = Levels::of_margin(&[0, 5, 0, 3, 2]);
        assert_eq!(l.of, [None, Some(0), None, Some(1), Some(2)]);
        assert_eq!(l.count, 3);
    }

    #[test]
    fn pairs_run_down_the_columns_of_the_lower_triangle() {
        assert_eq!(pairs(4), [(1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (3, 2)]);
    }

    /// A respondent's influence on the estimates sums to zero over the
    /// respondents: each estimate solves its equations exactly.
    #[test]
    fn the_influence_sums_to_zero_over_the_respondents() {
        let rows: Vec<[usize; 3]> = (0..300)
            .map(|n: usize| {
                let a = n % 4;
                let b = (a + n / 7 % 3) % 4;
                let c = (b + n / 5 % 2 + n % 3) % 4;
                [a, b, c]
            })
            .collect();
        let table = |i: usize, j: usize| {
            let mut t = Table::new(4, 4);
            for r in &rows {
                t.counts[r[i] * 4 + r[j]] += 1;
            }
            t
        };
        let est = TwoStep::new(3, table).unwrap();
        let infl = Influence::new(&est);
        let mut total = vec![0.0; infl.dim()];
        let mut one = vec![0.0; infl.dim()];
        for r in &rows {
            assert!(infl.case(r, &mut one));
            for (t, o) in total.iter_mut().zip(&one) {
                *t += o;
            }
        }
        for (k, t) in total.iter().enumerate() {
            assert!(t.abs() < 1e-7, "estimate {k}: {t}");
        }
    }
}
