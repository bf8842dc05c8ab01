//! Means, standard deviations and t confidence intervals from running sums.

use serde::Serialize;

use super::distributions::t_quantile;

/// Running count, sum and sum of squares, mergeable across threads.
///
/// Values are shifted by `origin` before summing so that the sum of squares
/// does not lose precision for values far from zero.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: u64,
    sum: f64,
    sum_sq: f64,
    origin: f64,
}

impl Moments {
    pub fn with_origin(origin: f64) -> Moments {
        Moments {
            origin,
            ..Moments::default()
        }
    }

    /// From n, Σ(x − origin) and Σ(x − origin)².
    pub fn from_sums(n: u64, sum: f64, sum_sq: f64, origin: f64) -> Moments {
        Moments {
            n,
            sum,
            sum_sq,
            origin,
        }
    }

    pub fn push(&mut self, x: f64) {
        let d = x - self.origin;
        self.n += 1;
        self.sum += d;
        self.sum_sq += d * d;
    }

    /// Adds `other`, re-centring its sums when its origin differs.
    pub fn merge(&mut self, other: &Moments) {
        let shift = other.origin - self.origin;
        let n = other.n as f64;
        self.n += other.n;
        self.sum += other.sum + n * shift;
        self.sum_sq += other.sum_sq + 2.0 * shift * other.sum + n * shift * shift;
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.origin + self.sum / self.n as f64)
    }

    /// The sample variance (n − 1 denominator).
    pub fn variance(&self) -> Option<f64> {
        (self.n > 1).then(|| {
            let n = self.n as f64;
            ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
        })
    }

    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// The within-group sum of squares Σ (x − mean)².
    pub fn sum_of_squares(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        (self.sum_sq - self.sum * self.sum / self.n as f64).max(0.0)
    }

    pub fn summary(&self) -> Option<Summary> {
        let mean = self.mean()?;
        let sd = self.sd();
        Some(Summary {
            n: self.n,
            mean,
            sd,
            ci95: sd.map(|sd| mean_ci(mean, sd, self.n, 0.95)),
        })
    }
}

/// n, mean, SD and the 95 % t interval of the mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub n: u64,
    pub mean: f64,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
}

/// The two-sided `level` confidence interval of a mean: mean ± t(n−1) · sd/√n.
pub fn mean_ci(mean: f64, sd: f64, n: u64, level: f64) -> [f64; 2] {
    let half = t_quantile(0.5 + level / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt();
    [mean - half, mean + half]
}

/// The median of `values` (NaN-free); `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_the_textbook_formulas() {
        // x = 2 4 4 4 5 5 7 9: mean 5, sample SD 2.138090 (numpy std ddof=1)
        let mut m = Moments::with_origin(3.0);
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            m.push(x);
        }
        assert_eq!(m.mean(), Some(5.0));
        assert!((m.sd().unwrap() - 2.138_089_935).abs() < 1e-8);
        assert!((m.sum_of_squares() - 32.0).abs() < 1e-12);
    }

    #[test]
    fn the_ci_of_a_mean_matches_r() {
        // scipy.stats.t.interval(0.95, 7, loc=5, scale=sd/sqrt(8)) = (3.212512, 6.787488)
        let ci = mean_ci(5.0, 2.138_089_935_299_395, 8, 0.95);
        assert!((ci[0] - 3.212_512).abs() < 1e-6 && (ci[1] - 6.787_488).abs() < 1e-6);
    }

    #[test]
    fn merged_moments_equal_moments_of_the_union_whatever_their_origins() {
        let (mut a, mut b, mut all) = (
            Moments::default(),
            Moments::with_origin(2.0),
            Moments::with_origin(-1.0),
        );
        for (i, x) in [1.0, 2.5, 3.0, 0.5, 2.0].iter().enumerate() {
            if i % 2 == 0 {
                a.push(*x)
            } else {
                b.push(*x)
            }
            all.push(*x);
        }
        a.merge(&b);
        assert_eq!(a.n, all.n);
        assert!((a.mean().unwrap() - 1.8).abs() < 1e-12);
        assert!((a.variance().unwrap() - all.variance().unwrap()).abs() < 1e-12);
    }

    #[test]
    fn the_median_of_even_and_odd_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
