//! Polychoric correlations, two-step (Olsson 1979), as lavaan's
//! `lavCor(..., ordered = ...)` and psych's `polychoric(global = TRUE)`
//! compute them: each item's thresholds from its own margin (the normal
//! quantiles of its cumulative proportions), then each pair's correlation by
//! maximum likelihood on the pair's contingency table with the thresholds
//! held fixed.
//!
//! The cell probabilities are rectangles of the bivariate normal, whose CDF
//! comes from the `owens-t` crate (Owen's T, a port of Boost's).

pub mod acov;

use nalgebra::DMatrix;
use statrs::distribution::{ContinuousCDF, Normal};

/// The thresholds of an item with these category counts (in category
/// order): Φ⁻¹ of the cumulative proportions, one fewer than categories. A
/// category nobody chose at either end gives an infinite threshold; one in
/// the middle, two equal thresholds.
pub fn thresholds(margin: &[u64]) -> Vec<f64> {
    let n: u64 = margin.iter().sum();
    let normal = Normal::standard();
    let mut cumulative = 0;
    margin[..margin.len().saturating_sub(1)]
        .iter()
        .map(|&m| {
            cumulative += m;
            match cumulative {
                0 => f64::NEG_INFINITY,
                c if c == n => f64::INFINITY,
                c => normal.inverse_cdf(c as f64 / n as f64),
            }
        })
        .collect()
}

/// A pair's contingency table: `counts[a * cols + b]` respondents chose
/// category a of the first item and b of the second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub rows: usize,
    pub cols: usize,
    pub counts: Vec<u64>,
}

impl Table {
    pub fn new(rows: usize, cols: usize) -> Table {
        Table {
            rows,
            cols,
            counts: vec![0; rows * cols],
        }
    }

    pub fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Category counts of the first item.
    pub fn row_margin(&self) -> Vec<u64> {
        (0..self.rows)
            .map(|a| self.counts[a * self.cols..(a + 1) * self.cols].iter().sum())
            .collect()
    }

    /// Category counts of the second item.
    pub fn col_margin(&self) -> Vec<u64> {
        (0..self.cols)
            .map(|b| (0..self.rows).map(|a| self.counts[a * self.cols + b]).sum())
            .collect()
    }

    /// Cells with no respondent.
    pub fn empty_cells(&self) -> usize {
        self.counts.iter().filter(|&&c| c == 0).count()
    }
}

/// One pair's estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub rho: f64,
    /// The log-likelihood at the estimate (up to the multinomial constant).
    pub loglik: f64,
    /// Its standard error from the expected information (thresholds taken
    /// as known).
    pub se: f64,
    pub iterations: usize,
    /// Cells of the table nobody is in (reported, not hidden: a table with
    /// many says little about the correlation).
    pub empty_cells: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolychoricError {
    #[error("the table has no respondents")]
    Empty,
    #[error("an item has only one category answered: its correlation is not defined")]
    Constant,
    #[error(
        "the likelihood rises towards a correlation of {0:+}: the table is consistent with a perfect association"
    )]
    Boundary(f64),
}

/// The largest |ρ| the search considers.
const EDGE: f64 = 0.99999;

/// P(X < h, Y < k) for standard normals of correlation ρ.
fn lower(h: f64, k: f64, rho: f64) -> f64 {
    if h == f64::NEG_INFINITY || k == f64::NEG_INFINITY {
        return 0.0;
    }
    let normal = Normal::standard();
    match (h == f64::INFINITY, k == f64::INFINITY) {
        (true, true) => 1.0,
        (true, false) => normal.cdf(k),
        (false, true) => normal.cdf(h),
        // Upper tail of the reflected pair.
        (false, false) => owens_t::biv_norm(-h, -k, rho),
    }
}

/// The bivariate normal density, 0 at an infinite corner.
fn density(h: f64, k: f64, rho: f64) -> f64 {
    if !h.is_finite() || !k.is_finite() {
        return 0.0;
    }
    let r = 1.0 - rho * rho;
    (-(h * h - 2.0 * rho * h * k + k * k) / (2.0 * r)).exp()
        / (2.0 * std::f64::consts::PI * r.sqrt())
}

/// Cell probabilities and their derivatives in ρ.
fn cells(row_t: &[f64], col_t: &[f64], rho: f64) -> (Vec<f64>, Vec<f64>) {
    let edges = |t: &[f64]| {
        let mut e = vec![f64::NEG_INFINITY];
        e.extend_from_slice(t);
        e.push(f64::INFINITY);
        e
    };
    let (re, ce) = (edges(row_t), edges(col_t));
    let (r1, c1) = (re.len(), ce.len());
    let mut f = vec![0.0; r1 * c1];
    let mut d = vec![0.0; r1 * c1];
    for a in 0..r1 {
        for b in 0..c1 {
            f[a * c1 + b] = lower(re[a], ce[b], rho);
            d[a * c1 + b] = density(re[a], ce[b], rho);
        }
    }
    let (rows, cols) = (r1 - 1, c1 - 1);
    let mut p = vec![0.0; rows * cols];
    let mut dp = vec![0.0; rows * cols];
    for a in 0..rows {
        for b in 0..cols {
            let at = |m: &[f64], i: usize, j: usize| m[i * c1 + j];
            p[a * cols + b] =
                at(&f, a + 1, b + 1) - at(&f, a, b + 1) - at(&f, a + 1, b) + at(&f, a, b);
            dp[a * cols + b] =
                at(&d, a + 1, b + 1) - at(&d, a, b + 1) - at(&d, a + 1, b) + at(&d, a, b);
        }
    }
    (p, dp)
}

/// Log-likelihood, score and expected information at ρ; the score is
/// infinite, pointing inwards, where a cell someone is in has (numerically)
/// no probability left (ρ close to ±1).
fn evaluate(table: &Table, row_t: &[f64], col_t: &[f64], rho: f64) -> (f64, f64, f64) {
    let (p, dp) = cells(row_t, col_t, rho);
    let n = table.n() as f64;
    let (mut loglik, mut score, mut info) = (0.0, 0.0, 0.0);
    for ((&count, &pi), &dpi) in table.counts.iter().zip(&p).zip(&dp) {
        if pi <= f64::MIN_POSITIVE {
            if count > 0 {
                return (
                    f64::NEG_INFINITY,
                    -rho.signum() * f64::INFINITY,
                    f64::INFINITY,
                );
            }
            continue;
        }
        if count > 0 {
            loglik += count as f64 * pi.ln();
            score += count as f64 * dpi / pi;
        }
        info += n * dpi * dpi / pi;
    }
    (loglik, score, info)
}

/// The correlation of one pair, the thresholds given (from [`thresholds`]
/// of each item's margin). Newton–Fisher steps kept inside a bracket on
/// which the score changes sign, bisecting when a step leaves it.
pub fn correlation(table: &Table, row_t: &[f64], col_t: &[f64]) -> Result<Pair, PolychoricError> {
    if table.n() == 0 {
        return Err(PolychoricError::Empty);
    }
    let used = |m: Vec<u64>| m.iter().filter(|&&c| c > 0).count();
    if used(table.row_margin()) < 2 || used(table.col_margin()) < 2 {
        return Err(PolychoricError::Constant);
    }
    let score_at = |rho: f64| evaluate(table, row_t, col_t, rho).1;
    let (mut lo, mut hi) = (-EDGE, EDGE);
    if score_at(hi) > 0.0 {
        return Err(PolychoricError::Boundary(1.0));
    }
    if score_at(lo) < 0.0 {
        return Err(PolychoricError::Boundary(-1.0));
    }
    let mut rho = 0.0;
    let mut iterations = 0;
    loop {
        iterations += 1;
        let (_, score, info) = evaluate(table, row_t, col_t, rho);
        if score > 0.0 {
            lo = rho;
        } else {
            hi = rho;
        }
        let newton = rho + score / info;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let done = (next - rho).abs() < 1e-12 || hi - lo < 1e-12 || iterations >= 200;
        rho = next;
        if done {
            break;
        }
    }
    let (loglik, _, info) = evaluate(table, row_t, col_t, rho);
    Ok(Pair {
        rho,
        loglik,
        se: 1.0 / info.sqrt(),
        iterations,
        empty_cells: table.empty_cells(),
    })
}

/// Every item's thresholds and the polychoric correlation matrix, from the
/// items' pairwise tables (`table(i, j)` for i > j, first item i) of the
/// same respondents. A pair that cannot be estimated is NaN in the matrix
/// and listed with its reason.
pub struct Matrix {
    pub thresholds: Vec<Vec<f64>>,
    pub rho: DMatrix<f64>,
    pub se: DMatrix<f64>,
    pub failed: Vec<(usize, usize, PolychoricError)>,
    /// Pairs with empty cells, and how many.
    pub empty_cells: Vec<(usize, usize, usize)>,
}

pub fn matrix(items: usize, table: impl Fn(usize, usize) -> Table) -> Matrix {
    let mut thresholds = vec![Vec::new(); items];
    for (i, t) in thresholds.iter_mut().enumerate() {
        let margin = if i > 0 {
            table(i, 0).row_margin()
        } else if items > 1 {
            table(1, 0).col_margin()
        } else {
            Vec::new()
        };
        *t = self::thresholds(&margin);
    }
    let mut rho = DMatrix::identity(items, items);
    let mut se = DMatrix::zeros(items, items);
    let mut failed = Vec::new();
    let mut empty_cells = Vec::new();
    for i in 1..items {
        for j in 0..i {
            let t = table(i, j);
            match correlation(&t, &thresholds[i], &thresholds[j]) {
                Ok(p) => {
                    rho[(i, j)] = p.rho;
                    rho[(j, i)] = p.rho;
                    se[(i, j)] = p.se;
                    se[(j, i)] = p.se;
                    if p.empty_cells > 0 {
                        empty_cells.push((i, j, p.empty_cells));
                    }
                }
                Err(e) => {
                    rho[(i, j)] = f64::NAN;
                    rho[(j, i)] = f64::NAN;
                    failed.push((i, j, e));
                }
            }
        }
    }
    Matrix {
        thresholds,
        rho,
        se,
        failed,
        empty_cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_normal_quantiles_of_the_cumulative_shares() {
        let t = thresholds(&[25, 25, 50]);
        assert!((t[0] - (-0.674489750196)).abs() < 1e-9, "{t:?}");
        assert!(t[1].abs() < 1e-12, "{t:?}");
        let ends = thresholds(&[0, 10, 0]);
        assert_eq!(ends, [f64::NEG_INFINITY, f64::INFINITY]);
    }

    /// With both items split at their medians, Φ₂(0, 0; ρ) = ¼ + asin(ρ)/2π,
    /// so the tetrachoric correlation of a symmetric table is exact.
    #[test]
    fn a_median_split_tetrachoric_has_its_closed_form() {
        for (a, b) in [(300u64, 200u64), (120, 380), (250, 250), (499, 1)] {
            let table = Table {
                rows: 2,
                cols: 2,
                counts: vec![a, b, b, a],
            };
            let p = correlation(&table, &[0.0], &[0.0]).unwrap();
            let n = (2 * (a + b)) as f64;
            let exact = (2.0 * std::f64::consts::PI * (a as f64 / n - 0.25)).sin();
            assert!(
                (p.rho - exact).abs() < 1e-9,
                "{a},{b}: {} vs {exact}",
                p.rho
            );
        }
    }

    #[test]
    fn a_perfect_association_is_a_boundary_not_a_number() {
        let table = Table {
            rows: 2,
            cols: 2,
            counts: vec![40, 0, 0, 60],
        };
        let t = thresholds(&table.row_margin());
        assert_eq!(
            correlation(&table, &t, &t),
            Err(PolychoricError::Boundary(1.0))
        );
        let constant = Table {
            rows: 2,
            cols: 2,
            counts: vec![40, 60, 0, 0],
        };
        assert_eq!(
            correlation(&constant, &[f64::INFINITY], &[0.0]),
            Err(PolychoricError::Constant)
        );
    }
}
