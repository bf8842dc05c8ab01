//! Adjusting p-values for testing several dimensions at once.

/// Holm's step-down adjustment: p̃(i) = max_{j ≤ i} min(1, (m − j + 1) p(j)),
/// returned in the input order.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Benjamini–Hochberg: p̃(i) = min_{j ≥ i} min(1, m p(j) / j), in input order.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 1.0;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min((m as f64 * p[i] / (rank + 1) as f64).min(1.0));
        out[i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [f64; 10] = [
        0.001, 0.008, 0.039, 0.041, 0.042, 0.060, 0.074, 0.205, 0.212, 0.216,
    ];

    fn close(a: &[f64], b: &[f64], tolerance: f64) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < tolerance, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn holm_matches_the_published_values() {
        // Statistics reference (R: p.adjust(p, "holm")).
        close(
            &holm(&P),
            &[
                0.010, 0.072, 0.312, 0.312, 0.312, 0.312, 0.312, 0.615, 0.615, 0.615,
            ],
            1e-12,
        );
    }

    #[test]
    fn bh_matches_the_published_values() {
        // Statistics reference (R: p.adjust(p, "BH")).
        close(
            &benjamini_hochberg(&P),
            &[
                0.010, 0.040, 0.084, 0.084, 0.084, 0.100, 0.105_714, 0.216, 0.216, 0.216,
            ],
            1e-6,
        );
    }

    #[test]
    fn adjustments_keep_the_input_order() {
        let p = [0.04, 0.01, 0.03];
        assert_eq!(holm(&p), vec![0.06, 0.03, 0.06]);
        close(&benjamini_hochberg(&p), &[0.04, 0.03, 0.04], 1e-12);
    }
}
