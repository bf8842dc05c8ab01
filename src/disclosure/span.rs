//! Which hidden units a reader can compute exactly from published sums.
//!
//! Each published group gives the sum of its hidden units (its published
//! figure minus its visible units). A hidden unit's figures follow exactly
//! when its indicator vector lies in the row space of those sums. The test
//! is exact: Gauss–Jordan elimination over the integers modulo the prime
//! 2^61 − 1. (A rank can only drop modulo a prime, never rise, so the test
//! may call a unit determined that is not — which hides more, the safe
//! direction — and misses a determined unit only if the prime divides one of
//! the matrix's minors, which for 0/1 matrices of this size it practically
//! never does.) Hand-written: 60 lines, where a big-rational crate would be
//! far slower and a floating-point rank would need a tolerance.

/// The reader's equations: each row lists the units whose sum is known.
pub struct System {
    pub units: usize,
    /// The units the rows may contain, all others being known.
    pub unknowns: Vec<usize>,
    pub rows: Vec<Vec<usize>>,
}

const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    let x = a as u128 * b as u128;
    let lo = (x as u64) & P;
    let hi = (x >> 61) as u64;
    let s = lo + hi;
    if s >= P { s - P } else { s }
}

fn sub(a: u64, b: u64) -> u64 {
    if a >= b { a - b } else { a + P - b }
}

fn inverse(a: u64) -> u64 {
    // Fermat: a^(P − 2).
    let (mut base, mut exp, mut acc) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

/// Per unit: its sums follow exactly from the rows.
pub fn determined(system: &System) -> Vec<bool> {
    let mut out = vec![false; system.units];
    let k = system.unknowns.len();
    if k == 0 {
        return out;
    }
    let mut column = vec![usize::MAX; system.units];
    for (c, &u) in system.unknowns.iter().enumerate() {
        column[u] = c;
    }
    let mut rows: Vec<Vec<u64>> = Vec::new();
    for r in &system.rows {
        let mut v = vec![0u64; k];
        let mut any = false;
        for &u in r {
            if column[u] != usize::MAX {
                v[column[u]] = 1;
                any = true;
            }
        }
        if any && !rows.contains(&v) {
            rows.push(v);
        }
    }
    let mut pivots: Vec<(usize, usize)> = Vec::new(); // (row, column)
    let mut rank = 0;
    for c in 0..k {
        let Some(r) = (rank..rows.len()).find(|&r| rows[r][c] != 0) else {
            continue;
        };
        rows.swap(rank, r);
        let inv = inverse(rows[rank][c]);
        for x in rows[rank].iter_mut() {
            *x = mul(*x, inv);
        }
        let pivot = rows[rank].clone();
        for (i, row) in rows.iter_mut().enumerate() {
            if i != rank && row[c] != 0 {
                let f = row[c];
                for (x, &p) in row.iter_mut().zip(&pivot).skip(c) {
                    *x = sub(*x, mul(f, p));
                }
            }
        }
        pivots.push((rank, c));
        rank += 1;
        if rank == rows.len() {
            break;
        }
    }
    let mut is_pivot = vec![false; k];
    pivots.iter().for_each(|&(_, c)| is_pivot[c] = true);
    for &(r, c) in &pivots {
        let alone = rows[r]
            .iter()
            .enumerate()
            .all(|(j, &x)| x == 0 || j == c || is_pivot[j]);
        if alone {
            out[system.unknowns[c]] = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{System, determined};

    fn det(units: usize, rows: &[&[usize]]) -> Vec<bool> {
        determined(&System {
            units,
            unknowns: (0..units).collect(),
            rows: rows.iter().map(|r| r.to_vec()).collect(),
        })
    }

    #[test]
    fn a_difference_of_nested_sums_determines_the_rest() {
        assert_eq!(det(3, &[&[0, 1, 2], &[1, 2]]), vec![true, false, false]);
    }

    #[test]
    fn three_overlapping_pairs_determine_each_unit() {
        // (ab + ac − bc) / 2 = a: needs division by two.
        assert_eq!(det(3, &[&[0, 1], &[0, 2], &[1, 2]]), vec![true; 3]);
    }

    #[test]
    fn a_crossed_two_by_two_determines_nothing() {
        // Division A = {a1, a3}, B = {b1, b2}, pilot = {a3, b1}, control = {a1, b2}.
        assert_eq!(
            det(4, &[&[0, 1], &[2, 3], &[1, 2], &[0, 3]]),
            vec![false; 4]
        );
    }
}
