//! Internal consistency of a dimension from its item covariance matrix:
//! Cronbach's alpha with the Feldt interval, McDonald's omega, corrected
//! item-total correlations and alpha if an item is deleted.

use serde::Serialize;

use crate::stats::distributions::f_quantile;
use crate::stats::factor::one_factor_ml;

/// Sample covariance matrix of k items over complete cases, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariance {
    pub k: usize,
    pub n: u64,
    pub values: Vec<f64>,
}

impl Covariance {
    /// From integer sums Σx_i and cross-products Σx_i x_j over `n` complete cases.
    pub fn from_sums(n: u64, sum: &[i64], cross: &[i64]) -> Option<Covariance> {
        let k = sum.len();
        if n < 2 {
            return None;
        }
        let nf = n as f64;
        let values = (0..k * k)
            .map(|ij| {
                let (i, j) = (ij / k, ij % k);
                // Exact integer arithmetic before the one division.
                let centred = cross[ij] as i128 * n as i128 - sum[i] as i128 * sum[j] as i128;
                centred as f64 / (nf * (nf - 1.0))
            })
            .collect();
        Some(Covariance { k, n, values })
    }

    fn at(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.k + j]
    }

    fn without(&self, drop: usize) -> Covariance {
        let keep: Vec<usize> = (0..self.k).filter(|&i| i != drop).collect();
        let values = keep
            .iter()
            .flat_map(|&i| keep.iter().map(move |&j| (i, j)))
            .map(|(i, j)| self.at(i, j))
            .collect();
        Covariance {
            k: self.k - 1,
            n: self.n,
            values,
        }
    }
}

/// Reliability of one dimension in one wave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    /// Complete cases the estimates use.
    pub n: u64,
    pub alpha: Option<f64>,
    pub alpha_ci95: Option<[f64; 2]>,
    pub omega: Option<f64>,
    /// The one-factor solution hit a bound (a uniqueness near zero).
    pub omega_heywood: bool,
    /// Per item, in the dimension's order.
    pub items: Vec<ItemReliability>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemReliability {
    /// Correlation of the item with the sum of the dimension's other items.
    pub item_total_r: Option<f64>,
    pub alpha_if_deleted: Option<f64>,
}

/// Cronbach's alpha: k/(k−1) · (1 − Σ var(item) / var(total)).
pub fn alpha(c: &Covariance) -> Option<f64> {
    let k = c.k as f64;
    let total: f64 = c.values.iter().sum();
    let items: f64 = (0..c.k).map(|i| c.at(i, i)).sum();
    (c.k >= 2 && total > 0.0).then(|| k / (k - 1.0) * (1.0 - items / total))
}

/// Feldt's interval: 1 − (1 − α) F(1 − a/2; n−1, (n−1)(k−1)) … 1 − (1 − α) F(a/2; …).
pub fn feldt_ci(alpha: f64, n: u64, k: usize, level: f64) -> Option<[f64; 2]> {
    if n < 3 || k < 2 {
        return None;
    }
    let df1 = (n - 1) as f64;
    let df2 = df1 * (k - 1) as f64;
    let tail = (1.0 - level) / 2.0;
    Some([
        1.0 - (1.0 - alpha) * f_quantile(1.0 - tail, df1, df2),
        1.0 - (1.0 - alpha) * f_quantile(tail, df1, df2),
    ])
}

/// The corrected item-total correlation of item `i`.
pub fn item_total_r(c: &Covariance, i: usize) -> Option<f64> {
    let others = (0..c.k).filter(|&j| j != i);
    let cov: f64 = others.clone().map(|j| c.at(i, j)).sum();
    let var_rest: f64 = others
        .clone()
        .flat_map(|j| others.clone().map(move |l| (j, l)))
        .map(|(j, l)| c.at(j, l))
        .sum();
    let denominator = (c.at(i, i) * var_rest).sqrt();
    (denominator > 0.0).then(|| cov / denominator)
}

pub fn reliability(c: &Covariance) -> Reliability {
    let a = alpha(c);
    let factor = one_factor_ml(&c.values, c.k);
    Reliability {
        n: c.n,
        alpha: a,
        alpha_ci95: a.and_then(|a| feldt_ci(a, c.n, c.k, 0.95)),
        omega: factor.as_ref().map(|f| f.omega()),
        omega_heywood: factor.is_some_and(|f| f.heywood),
        items: (0..c.k)
            .map(|i| ItemReliability {
                item_total_r: item_total_r(c, i),
                alpha_if_deleted: alpha(&c.without(i)),
            })
            .collect(),
    }
}
