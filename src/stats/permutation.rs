//! Randomisation inference over which units are pilot units.
//!
//! The number of pilot units stays fixed; every other assignment of the pilot
//! label to units is a possible world under the sharp null of no effect. All
//! C(G, G1) assignments are enumerated when there are at most
//! [`MAX_ENUMERATION`], else a seeded sample is drawn.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub const MAX_ENUMERATION: u64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Permutation {
    /// Share of assignments with a statistic at least as extreme (two-sided).
    pub p: f64,
    /// The smallest p-value this design can give: 1 / C(G, G1).
    pub p_min: f64,
    pub assignments: u64,
    pub enumerated: bool,
    /// When sampled: the Clopper–Pearson 95 % interval of the p-value the
    /// full enumeration would give (the sampling's own uncertainty).
    pub monte_carlo_95: Option<[f64; 2]>,
}

/// C(n, k), saturating.
pub fn binomial(n: usize, k: usize) -> u64 {
    let k = k.min(n - k.min(n));
    let mut c: u128 = 1;
    for i in 0..k {
        c = c * (n - i) as u128 / (i + 1) as u128;
        if c > u64::MAX as u128 {
            return u64::MAX;
        }
    }
    c as u64
}

/// Compares `statistic(observed)` with `statistic` over assignments of
/// `observed.len()` pilot units among `units`; an assignment is given as the
/// sorted indices of its pilot units. With sampling, `reps` assignments are
/// drawn and the observed one is counted among them (p = (1 + b) / (1 + B)).
pub fn permutation_test(
    units: usize,
    observed: &[usize],
    reps: usize,
    seed: u64,
    mut statistic: impl FnMut(&[usize]) -> f64,
) -> Permutation {
    let pilots = observed.len();
    let total = binomial(units, pilots);
    let threshold = statistic(observed).abs() * (1.0 - 1e-10);
    let p_min = 1.0 / total as f64;
    if total <= MAX_ENUMERATION {
        let mut assignment: Vec<usize> = (0..pilots).collect();
        let mut extreme = 0u64;
        loop {
            extreme += (statistic(&assignment).abs() >= threshold) as u64;
            if !next_combination(&mut assignment, units) {
                break;
            }
        }
        return Permutation {
            p: extreme as f64 / total as f64,
            p_min,
            assignments: total,
            enumerated: true,
            monte_carlo_95: None,
        };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pool: Vec<usize> = (0..units).collect();
    let mut extreme = 1u64;
    let mut assignment = vec![0; pilots];
    for _ in 0..reps {
        for i in 0..pilots {
            let j = rng.random_range(i..units);
            pool.swap(i, j);
        }
        assignment.copy_from_slice(&pool[..pilots]);
        assignment.sort_unstable();
        extreme += (statistic(&assignment).abs() >= threshold) as u64;
    }
    Permutation {
        p: extreme as f64 / (reps + 1) as f64,
        p_min,
        assignments: reps as u64 + 1,
        enumerated: false,
        monte_carlo_95: Some(clopper_pearson(extreme - 1, reps as u64)),
    }
}

/// The exact (Clopper–Pearson) 95 % interval of a share from `k` of `n` draws.
pub fn clopper_pearson(k: u64, n: u64) -> [f64; 2] {
    use statrs::distribution::{Beta, ContinuousCDF};
    let (k, n) = (k as f64, n as f64);
    let lower = if k == 0.0 {
        0.0
    } else {
        Beta::new(k, n - k + 1.0)
            .expect("positive shapes")
            .inverse_cdf(0.025)
    };
    let upper = if k == n {
        1.0
    } else {
        Beta::new(k + 1.0, n - k)
            .expect("positive shapes")
            .inverse_cdf(0.975)
    };
    [lower, upper]
}

/// Advances a sorted k-subset of 0..n to the next in lexicographic order.
fn next_combination(c: &mut [usize], n: usize) -> bool {
    let k = c.len();
    for i in (0..k).rev() {
        if c[i] < n - k + i {
            c[i] += 1;
            for j in i + 1..k {
                c[j] = c[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_p_of_two_pilots_among_six_is_one_fifteenth() {
        // Statistics reference: 2 pilot units among 6 → 1/15 = 0.067.
        let r = permutation_test(6, &[0, 1], 999, 1, |a| {
            a.iter()
                .map(|&i| [9.0, 8.0, 1.0, 2.0, 3.0, 1.5][i])
                .sum::<f64>()
                - 6.0
        });
        assert_eq!(r.assignments, 15);
        assert!((r.p_min - 1.0 / 15.0).abs() < 1e-15);
        assert!(r.enumerated);
        // The observed assignment is the most extreme of all 15.
        assert!((r.p - 1.0 / 15.0).abs() < 1e-15);
    }

    /// Clopper–Pearson intervals as R's `binom.test` and SciPy's beta
    /// quantiles give them (`scipy.stats.beta.ppf(0.975, k + 1, n - k)`):
    /// 0 of 10 → [0, 0.308497], 5 of 10 → [0.187086, 0.812914], 1 of 100 →
    /// [0.000253146, 0.0544594].
    #[test]
    fn the_monte_carlo_interval_is_clopper_pearsons() {
        for (k, n, lo, hi) in [
            (0, 10, 0.0, 0.308_497_2),
            (5, 10, 0.187_086_3, 0.812_913_7),
            (1, 100, 0.000_253_146, 0.054_459_39),
        ] {
            let [a, b] = clopper_pearson(k, n);
            assert!(
                (a - lo).abs() < 1e-6 && (b - hi).abs() < 1e-6,
                "{k}/{n}: [{a}, {b}]"
            );
        }
        let sampled = permutation_test(40, &(0..20).collect::<Vec<_>>(), 999, 3, |a| {
            a.iter().map(|&i| i as f64).sum::<f64>() - 390.0
        });
        assert!(!sampled.enumerated);
        let [a, b] = sampled.monte_carlo_95.expect("sampled");
        assert!(
            a <= sampled.p && sampled.p <= b + 1e-3,
            "{a} {} {b}",
            sampled.p
        );
    }

    #[test]
    fn enumeration_visits_every_subset_once() {
        let mut seen = std::collections::HashSet::new();
        let mut calls = 0;
        permutation_test(7, &[0, 1, 2], 10, 1, |a| {
            // The first call is the observed assignment.
            calls += 1;
            assert!(calls == 1 || seen.insert(a.to_vec()));
            0.0
        });
        assert_eq!(seen.len(), 35);
    }

    #[test]
    fn a_large_design_is_sampled_with_the_observed_assignment_counted() {
        let r = permutation_test(40, &[0, 1, 2, 3, 4, 5], 999, 3, |a| {
            a.iter().sum::<usize>() as f64 - 117.0
        });
        assert!(!r.enumerated);
        assert_eq!(r.assignments, 1000);
        assert!(r.p > 0.0 && r.p <= 1.0);
        assert_eq!(binomial(40, 6), 3_838_380);
    }
}
