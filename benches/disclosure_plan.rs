//! The disclosure plan at the size the issue names: 500 units (a region, 10
//! divisions, 49 units each) × 10 waves × 3 studies, each with a pilot and a
//! control arm, so 6 arms besides the tree; 8 % of the units below the
//! minimum in every wave, the others 8–50 invited with 65–90 % answering
//! (a unit keeps its size; who answers varies by wave). Times
//! `disclosure::decide_study` per study and reports the time per wave.
//!
//!     cargo bench --bench disclosure_plan

use std::time::Instant;

use klimat::disclosure::{Structure, UnitCounts, decide_study};
use rand::{RngExt, SeedableRng};

fn main() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let (divisions, per_division) = (10usize, 49usize);
    let mut parent = vec![None];
    for _ in 0..divisions {
        parent.push(Some(0));
        let division = parent.len() - 1;
        for _ in 0..per_division {
            parent.push(Some(division));
        }
    }
    let n = parent.len();
    let leaves: Vec<usize> = (0..n)
        .filter(|&u| !parent.contains(&Some(u)) && u != 0)
        .collect();
    let dims = 10;
    let mut per_wave = Vec::new();
    for study in 0..3 {
        let mut pick = |k: usize| -> Vec<usize> {
            let mut chosen: Vec<usize> = Vec::new();
            while chosen.len() < k {
                let u = leaves[rng.random_range(0..leaves.len())];
                if !chosen.contains(&u) {
                    chosen.push(u);
                }
            }
            chosen
        };
        let pilot = pick(40);
        let control: Vec<usize> = pick(120)
            .into_iter()
            .filter(|u| !pilot.contains(u))
            .collect();
        let structure = Structure::with_arms(parent.clone(), pilot, control);
        // A unit keeps its size from wave to wave; who answers varies.
        let size: Vec<(u64, bool)> = (0..n)
            .map(|_| (rng.random_range(8..50), rng.random_range(0..100) < 8))
            .collect();
        let waves: Vec<(Vec<UnitCounts>, u64)> = (0..10)
            .map(|_| {
                let counts = (0..n)
                    .map(|u| {
                        if !leaves.contains(&u) {
                            return UnitCounts::respondents(0, dims);
                        }
                        let (invited, small) = size[u];
                        let answered = if small {
                            rng.random_range(1..5)
                        } else {
                            (invited * rng.random_range(65..90) / 100).max(5)
                        };
                        UnitCounts {
                            respondents: answered,
                            scored: vec![answered; dims],
                            invited,
                            answered,
                        }
                    })
                    .collect();
                (counts, 5)
            })
            .collect();
        let start = Instant::now();
        let plans = decide_study(&structure, &waves);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        per_wave.push(ms / waves.len() as f64);
        let share = leaves.iter().filter(|&&u| plans[0].unit_hidden[u]).count() as f64
            / leaves.len() as f64;
        println!(
            "study {study}: {ms:8.1} ms for 10 waves ({:.2} ms per wave), {:.0} % of the units hidden",
            ms / 10.0,
            100.0 * share
        );
    }
    let worst = per_wave.iter().cloned().fold(0.0, f64::max);
    println!("worst per wave: {worst:.2} ms (target ≤ 20 ms)");
}
