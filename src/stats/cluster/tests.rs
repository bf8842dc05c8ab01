use super::*;
use crate::stats::welch::{welch, welch_from_summaries};

/// One cell per observation: a plain respondent-level regression.
fn one_per_cell(x: Vec<Vec<f64>>, y: &[f64], cluster: Vec<usize>) -> CellRegression {
    let k = x[0].len();
    let clusters = cluster.iter().max().unwrap() + 1;
    CellRegression {
        x: DMatrix::from_fn(x.len(), k, |i, j| x[i][j]),
        n: vec![1.0; y.len()],
        mean: y.to_vec(),
        ss: vec![0.0; y.len()],
        cluster,
        clusters,
    }
}

const SLEEP1: [f64; 10] = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const SLEEP2: [f64; 10] = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

/// Statistics reference: with one observation per cluster, CR2 = HC2 = the
/// Welch SE. The Bell–McCaffrey df of this Behrens–Fisher case does not
/// depend on the data (Imbens & Kolesár 2016, Rev. Econ. Stat. 98(4), sec. 3):
/// K = (n0 + n1)² (n0 − 1)(n1 − 1) / (n1²(n1 − 1) + n0²(n0 − 1)) = 18 for
/// 10 and 10; the reference's "BM df = Welch df (17.78)" holds for the
/// data-based Satterthwaite df, not for BM.
#[test]
fn with_one_observation_per_cluster_cr2_of_a_group_dummy_is_welch() {
    let y: Vec<f64> = SLEEP1.iter().chain(&SLEEP2).copied().collect();
    let x = (0..20)
        .map(|i| vec![1.0, if i >= 10 { 1.0 } else { 0.0 }])
        .collect();
    let reg = one_per_cell(x, &y, (0..20).collect());
    let fit = reg.fit().unwrap();
    let cr2 = reg.cr2(&fit, &DVector::from_vec(vec![0.0, 1.0]));
    let w = welch(&SLEEP2, &SLEEP1).unwrap();
    assert!((cr2.estimate - 1.58).abs() < 1e-12);
    assert!((cr2.se - w.se).abs() < 1e-12, "{} vs {}", cr2.se, w.se);
    assert!((cr2.df - 18.0).abs() < 1e-9, "{}", cr2.df);
    assert!((w.df - 17.776_47).abs() < 1e-5);
}

/// Statistics reference: with a cluster-level regressor, 3 clusters per
/// group of sizes 2 and 3, the CR2 SE equals the Welch SE of the cluster
/// means. (The BM df differs from Welch's, as above; it is checked against
/// the respondent-level formula in the panel test below.)
#[test]
fn with_a_cluster_level_regressor_cr2_is_welch_on_cluster_means() {
    let clusters: [(f64, &[f64]); 6] = [
        (0.0, &[1.0, 2.0]),
        (0.0, &[2.5, 4.0]),
        (0.0, &[0.5, 1.5]),
        (1.0, &[3.0, 4.0, 6.0]),
        (1.0, &[2.0, 2.5, 4.5]),
        (1.0, &[5.0, 7.0, 6.5]),
    ];
    let (mut x, mut y, mut cl) = (Vec::new(), Vec::new(), Vec::new());
    for (g, (dummy, values)) in clusters.iter().enumerate() {
        for v in values.iter() {
            x.push(vec![1.0, *dummy]);
            y.push(*v);
            cl.push(g);
        }
    }
    let reg = one_per_cell(x, &y, cl);
    let fit = reg.fit().unwrap();
    let cr2 = reg.cr2(&fit, &DVector::from_vec(vec![0.0, 1.0]));
    let means: Vec<f64> = clusters
        .iter()
        .map(|(_, v)| v.iter().sum::<f64>() / v.len() as f64)
        .collect();
    let w = welch(&means[3..], &means[..3]).unwrap();
    assert!((cr2.estimate - w.difference).abs() < 1e-12);
    assert!((cr2.se - w.se).abs() < 1e-10, "{} vs {}", cr2.se, w.se);
}

#[allow(clippy::needless_range_loop)]
/// A small unbalanced panel: 5 units × 3 waves, unit and wave effects and
/// D = pilot × post, with 2–4 respondents per cell.
fn panel() -> (Vec<(usize, usize, f64)>, CellRegression) {
    let pilot = [true, false, true, false, false];
    let mut rows = Vec::new();
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    for g in 0..5 {
        for t in 0..3 {
            let size = 2 + (g + t) % 3;
            for _ in 0..size {
                let d = if pilot[g] && t == 2 { 0.8 } else { 0.0 };
                rows.push((g, t, 2.0 + 0.3 * g as f64 + 0.2 * t as f64 + d + next()));
            }
        }
    }
    // Cells: unit dummies (5), wave dummies for waves 1 and 2, D.
    let mut x = Vec::new();
    let (mut n, mut mean, mut ss, mut cluster) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for g in 0..5 {
        for t in 0..3 {
            let ys: Vec<f64> = rows
                .iter()
                .filter(|r| r.0 == g && r.1 == t)
                .map(|r| r.2)
                .collect();
            let m = ys.iter().sum::<f64>() / ys.len() as f64;
            let mut row = vec![0.0; 8];
            row[g] = 1.0;
            if t > 0 {
                row[4 + t] = 1.0;
            }
            row[7] = if pilot[g] && t == 2 { 1.0 } else { 0.0 };
            x.push(row);
            n.push(ys.len() as f64);
            mean.push(m);
            ss.push(ys.iter().map(|y| (y - m).powi(2)).sum());
            cluster.push(g);
        }
    }
    let reg = CellRegression {
        x: DMatrix::from_fn(15, 8, |i, j| x[i][j]),
        n,
        mean,
        ss,
        cluster,
        clusters: 5,
    };
    (rows, reg)
}

/// The respondent-level design of `panel`, built directly.
fn respondent_design(rows: &[(usize, usize, f64)]) -> (DMatrix<f64>, DVector<f64>) {
    let pilot = [true, false, true, false, false];
    let x = DMatrix::from_fn(rows.len(), 8, |i, j| {
        let (g, t, _) = rows[i];
        match j {
            0..=4 => (j == g) as u8 as f64,
            5 | 6 => (t == j - 4) as u8 as f64,
            _ => (pilot[g] && t == 2) as u8 as f64,
        }
    });
    (
        x,
        DVector::from_iterator(rows.len(), rows.iter().map(|r| r.2)),
    )
}

#[test]
fn cell_space_ols_cr1_and_cr2_equal_the_respondent_level_formulas() {
    let (rows, reg) = panel();
    let fit = reg.fit().unwrap();
    let (x, y) = respondent_design(&rows);
    let xtx_inv = (x.transpose() * &x).try_inverse().unwrap();
    let beta = &xtx_inv * x.transpose() * &y;
    let e = &y - &x * &beta;
    assert!((fit.beta[7] - beta[7]).abs() < 1e-12);
    assert!((fit.rss - e.norm_squared()).abs() < 1e-10);

    let c = DVector::from_vec(vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    let members: Vec<Vec<usize>> = (0..5)
        .map(|g| (0..rows.len()).filter(|&i| rows[i].0 == g).collect())
        .collect();

    // CR1 with the full K.
    let mut meat = DMatrix::zeros(8, 8);
    for m in &members {
        let xg = DMatrix::from_fn(m.len(), 8, |i, j| x[(m[i], j)]);
        let eg = DVector::from_iterator(m.len(), m.iter().map(|&i| e[i]));
        let s = xg.transpose() * eg;
        meat += &s * s.transpose();
    }
    let n = rows.len() as f64;
    let v1 = (&xtx_inv * meat * &xtx_inv)[(7, 7)] * 5.0 / 4.0 * (n - 1.0) / (n - 8.0);
    let cr1 = reg.cr1(&fit, &c, 8);
    assert!(
        (cr1.se - v1.sqrt()).abs() < 1e-12,
        "{} vs {}",
        cr1.se,
        v1.sqrt()
    );

    // CR2 and Bell–McCaffrey df straight from the statistics reference.
    let h = &x * &xtx_inv * x.transpose();
    let mut v2 = 0.0;
    let mut a = Vec::new();
    for m in &members {
        let hgg = DMatrix::from_fn(m.len(), m.len(), |i, j| h[(m[i], m[j])]);
        let ag = inverse_square_root(DMatrix::identity(m.len(), m.len()) - hgg);
        let xg = DMatrix::from_fn(m.len(), 8, |i, j| x[(m[i], j)]);
        let eg = DVector::from_iterator(m.len(), m.iter().map(|&i| e[i]));
        let a_g = &ag * &xg * &xtx_inv * &c;
        v2 += a_g.dot(&eg).powi(2);
        a.push(a_g);
    }
    let i_minus_h = DMatrix::identity(rows.len(), rows.len()) - h;
    let mm = DMatrix::from_fn(5, 5, |s, t| {
        let block = DMatrix::from_fn(members[s].len(), members[t].len(), |i, j| {
            i_minus_h[(members[s][i], members[t][j])]
        });
        (a[s].transpose() * block * &a[t])[(0, 0)]
    });
    let df = mm.trace().powi(2) / (&mm * &mm).trace();
    let cr2 = reg.cr2(&fit, &c);
    assert!(
        (cr2.se - v2.sqrt()).abs() < 1e-10,
        "{} vs {}",
        cr2.se,
        v2.sqrt()
    );
    assert!((cr2.df - df).abs() < 1e-8, "{} vs {}", cr2.df, df);
    assert!((reg.cr2_vcov(&fit)[(7, 7)] - v2).abs() < 1e-10);
}

#[test]
fn welch_from_summaries_agrees_with_welch_on_data() {
    let a = welch(&SLEEP1, &SLEEP2).unwrap();
    let m = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let v = |x: &[f64]| {
        let mu = m(x);
        x.iter().map(|y| (y - mu).powi(2)).sum::<f64>() / (x.len() - 1) as f64
    };
    let b =
        welch_from_summaries(m(&SLEEP1), v(&SLEEP1), 10.0, m(&SLEEP2), v(&SLEEP2), 10.0).unwrap();
    assert!((a.t - b.t).abs() < 1e-12);
}

#[test]
fn a_wald_test_of_one_contrast_is_the_square_of_its_t() {
    let (_, reg) = panel();
    let fit = reg.fit().unwrap();
    let v = reg.cr2_vcov(&fit);
    let c = DMatrix::from_row_slice(1, 8, &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    let (f, _) = wald_f(&fit.beta, &v, &c, 4.0).unwrap();
    let t = fit.beta[7] / v[(7, 7)].sqrt();
    assert!((f - t * t).abs() < 1e-10);
}

#[test]
fn collinear_regressors_are_refused() {
    let x = (0..6)
        .map(|i| vec![1.0, i as f64, 2.0 * i as f64])
        .collect();
    let reg = one_per_cell(x, &[1.0, 2.0, 3.0, 4.0, 5.0, 7.0], (0..6).collect());
    assert_eq!(reg.fit().unwrap_err(), FitError::Singular);
}

/// Statistics reference: Wooldridge's injury data, Kentucky (n = 5626),
/// ldurat ~ afchnge + highearn + afchnge·highearn: interaction 0.1906, i.i.d.
/// SE 0.0685, R² 0.0207. The regressors define four cells, so the cell sizes,
/// means and sums of squares of ldurat (pandas, from the `wooldridge` package's
/// copy of the data) carry the whole regression; statsmodels gives
/// 0.19060120065868388, 0.06850890532317032 and R² 0.020663060392373533.
#[test]
fn the_injury_did_reproduces_wooldridge() {
    // (afchnge, highearn, n, mean, within-cell sum of squares)
    let cells = [
        (
            0.0,
            0.0,
            1705.0,
            1.125_615_408_763_158_5,
            2_549.098_304_380_029,
        ),
        (
            0.0,
            1.0,
            1233.0,
            1.382_093_940_338_079,
            2_078.558_184_289_148,
        ),
        (
            1.0,
            0.0,
            1527.0,
            1.133_272_721_475_452_5,
            2_473.431_152_801_271_3,
        ),
        (
            1.0,
            1.0,
            1161.0,
            1.580_352_453_709_059_4,
            1_954.846_854_997_927,
        ),
    ];
    let reg = CellRegression {
        x: DMatrix::from_fn(4, 4, |i, j| {
            let (a, h) = (cells[i].0, cells[i].1);
            [1.0, a, h, a * h][j]
        }),
        n: cells.iter().map(|c| c.2).collect(),
        mean: cells.iter().map(|c| c.3).collect(),
        ss: cells.iter().map(|c| c.4).collect(),
        cluster: vec![0, 1, 2, 3],
        clusters: 4,
    };
    let fit = reg.fit().unwrap();
    let iid = reg.iid(&fit, &DVector::from_vec(vec![0.0, 0.0, 0.0, 1.0]));
    assert!((iid.estimate - 0.190_601_200_658_683_88).abs() < 1e-12);
    assert!((iid.se - 0.068_508_905_323_170_32).abs() < 1e-12);
    assert!((reg.r_squared(&fit) - 0.020_663_060_392_373_533).abs() < 1e-12);
    assert_eq!((iid.estimate * 1e4).round() / 1e4, 0.1906);
}
