//! Quantiles of the t and F distributions (statrs).

use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

/// The `p` quantile of Student's t with `df` degrees of freedom; NaN when
/// `df` is not positive (no test is possible, and the NaN says so downstream).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(p))
}

/// The `p` quantile of the F distribution; NaN when a df is not positive.
pub fn f_quantile(p: f64, df1: f64, df2: f64) -> f64 {
    FisherSnedecor::new(df1, df2).map_or(f64::NAN, |f| f.inverse_cdf(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_degrees_of_freedom_give_nan_not_a_panic() {
        assert!(t_quantile(0.975, 0.0).is_nan());
        assert!(f_quantile(0.975, 1.0, f64::NAN).is_nan());
    }

    #[test]
    fn quantiles_match_published_tables() {
        // Table values, checked with scipy.stats: t.ppf(0.975, 10) = 2.228139
        assert!((t_quantile(0.975, 10.0) - 2.228_139).abs() < 1e-6);
        // f.ppf(0.95, 3, 20) = 3.098391 (the classic F table)
        assert!((f_quantile(0.95, 3.0, 20.0) - 3.098_391).abs() < 1e-5);
    }
}
