//! `klimat design roll-out`: the stepped-wedge power against a direct GLS
//! computation (tests/reference/stepped_wedge_reference.py), and the
//! schedule drawn, written, verified and refused when changed.

use serde_json::Value;

use crate::helpers::*;

#[test]
fn the_hussey_hughes_variance_equals_the_gls_variance() {
    use klimat::stats::stepped_wedge::hussey_hughes_variance;
    let text = std::fs::read_to_string(test_data("stepped_wedge/gls.json")).unwrap();
    let designs: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(designs.len(), 10);
    for d in &designs {
        let pattern: Vec<Vec<bool>> = d["pattern"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64() == Some(1))
                    .collect()
            })
            .collect();
        let ours = hussey_hughes_variance(
            &pattern,
            d["m"].as_f64().unwrap(),
            d["rho"].as_f64().unwrap(),
        );
        let theirs = d["variance"].as_f64().unwrap();
        assert!(
            (ours / theirs - 1.0).abs() < 1e-10,
            "{} {}: {ours} vs GLS {theirs}",
            d["kind"],
            d["clusters"]
        );
    }
}

/// Woertman et al. (2013, J Clin Epidemiol 66:752) give the balanced stepped
/// wedge's design effect in closed form — k steps of equal size, b baseline
/// periods, t periods per step, n respondents per cluster and period:
/// DE = (1 + ρ(ktn + bn − 1)) / (1 + ρ(½ktn + bn − 1)) · 3(1 − ρ) / (2t(k − 1/k)),
/// relative to an individually randomised trial of the I·n respondents of
/// one period (variance 4/(I n) for a unit-variance outcome). Hussey &
/// Hughes's variance for the same pattern is that, for every design here.
#[test]
fn the_hussey_hughes_variance_equals_woertmans_published_design_effect() {
    use klimat::stats::stepped_wedge::hussey_hughes_variance;
    for (clusters, k, n, rho, b, t) in [
        (12usize, 3usize, 20.0, 0.05, 1usize, 1usize),
        (24, 4, 10.0, 0.1, 1, 1),
        (20, 5, 15.0, 0.2, 1, 1),
        (8, 4, 30.0, 0.01, 1, 1),
        (12, 3, 20.0, 0.05, 1, 2),
        (12, 3, 20.0, 0.05, 2, 1),
        (30, 6, 8.0, 0.3, 2, 2),
    ] {
        let periods = b + k * t;
        let per_step = clusters / k;
        let pattern: Vec<Vec<bool>> = (0..clusters)
            .map(|i| (0..periods).map(|j| j >= b + (i / per_step) * t).collect())
            .collect();
        let (kf, bf, tf) = (k as f64, b as f64, t as f64);
        let de = (1.0 + rho * (kf * tf * n + bf * n - 1.0))
            / (1.0 + rho * (0.5 * kf * tf * n + bf * n - 1.0))
            * 3.0
            * (1.0 - rho)
            / (2.0 * tf * (kf - 1.0 / kf));
        let woertman = 4.0 * de / (clusters as f64 * n);
        let ours = hussey_hughes_variance(&pattern, n, rho);
        assert!(
            (ours / woertman - 1.0).abs() < 1e-12,
            "I={clusters} k={k} n={n} ρ={rho} b={b} t={t}: {ours} vs {woertman}"
        );
    }
}

#[test]
fn a_schedule_is_drawn_written_verified_and_refused_when_changed() {
    let k = Klimat::new();
    let units: String = (1..=12)
        .map(|i| format!("unit-{i:02},{}\n", if i <= 6 { "north" } else { "south" }))
        .collect();
    let file = k.write("units.csv", &format!("unit,stratum\n{units}"));
    let out = k.path("schedule.json");
    let draw = |seed: &str, out: &std::path::Path| {
        k.cmd()
            .args([
                "design",
                "roll-out",
                "--units-file",
                arg(&file),
                "--steps",
                "3",
                "--units-per-step",
                "4",
            ])
            .args([
                "--seed",
                seed,
                "--respondents-per-unit",
                "20",
                "--icc",
                "0.05",
                "--effect",
                "0.3",
                "--out",
                arg(out),
            ])
            .output()
            .unwrap()
    };
    let first = draw("7", &out);
    assert!(first.status.success(), "{}", stderr_of(&first));
    let text = stdout_of(&first);
    assert!(
        text.contains("step 1: ") && text.contains("step 3: "),
        "{text}"
    );
    assert!(
        text.contains("stepped wedge") && text.contains("parallel, same size"),
        "{text}"
    );
    let schedule: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let steps = schedule["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    // Stratified: each step holds two units of each division.
    for s in steps {
        let north = s
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u.as_str().unwrap() <= "unit-06")
            .count();
        assert_eq!(north, 2, "{s}");
    }
    // The same seed draws the same order; another seed another.
    let again = k.path("again.json");
    draw("7", &again);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(&again).unwrap()
    );
    let other = k.path("other.json");
    draw("8", &other);
    let other: Value = serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
    assert_ne!(other["steps"], schedule["steps"]);
    assert_ne!(other["hash"], schedule["hash"]);

    let verify = |path: &std::path::Path| {
        k.cmd()
            .args(["design", "roll-out", "--verify", arg(path)])
            .output()
            .unwrap()
    };
    let ok = verify(&out);
    assert!(ok.status.success(), "{}", stderr_of(&ok));
    assert!(stdout_of(&ok).contains("verified"), "{}", stdout_of(&ok));
    // Two units swapped between steps after the draw: refused.
    let mut changed = schedule.clone();
    let (a, b) = (
        changed["steps"][0][0].clone(),
        changed["steps"][1][0].clone(),
    );
    changed["steps"][0][0] = b;
    changed["steps"][1][0] = a;
    let tampered = k.write("tampered.json", &changed.to_string());
    let refused = verify(&tampered);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr_of(&refused).contains("not what its seed draws"),
        "{}",
        stderr_of(&refused)
    );
    // Too many units asked for: said so.
    let bad = k
        .cmd()
        .args([
            "design",
            "roll-out",
            "--units",
            "a,b,c",
            "--steps",
            "2",
            "--units-per-step",
            "2",
            "--seed",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr_of(&bad).contains("2 steps of 2 units need 4 units; there are 3"),
        "{}",
        stderr_of(&bad)
    );
}

/// The simulated power: under no effect both tests reject about as often as
/// their level says (the randomisation test exactly so, up to the Monte
/// Carlo error); under an effect the stepped wedge beats the parallel design
/// of the same size, as Hussey & Hughes's formula says it should, and the
/// simulated effect is the one asked for in score SDs.
#[test]
fn the_simulated_power_keeps_its_level_and_favours_the_stepped_wedge() {
    use klimat::evaluation::rollout::schedule::ScheduleRequest;
    use klimat::evaluation::rollout::simulated_power::{Simulation, simulated_power};
    let survey = klimat::survey::load(&repo().join("surveys/team-climate.toml")).unwrap();
    let request = ScheduleRequest {
        units: (1..=24)
            .map(|i| (format!("u{i:02}"), String::new()))
            .collect(),
        steps: 3,
        units_per_step: 6,
        seed: 11,
    };
    let run = |effect: f64, studies: usize| {
        simulated_power(
            &survey,
            0,
            &request,
            15.0,
            0.1,
            effect,
            0.05,
            Simulation {
                studies,
                draws: 199,
                seed: 5,
            },
        )
        .unwrap()
    };
    let null = run(0.0, 400);
    for d in [&null.stepped_wedge, &null.parallel] {
        assert_eq!(d.studies, 400);
        assert!(
            (0.02..=0.09).contains(&d.randomisation),
            "randomisation test size {}",
            d.randomisation
        );
        assert!(
            (0.01..=0.10).contains(&d.cluster_t),
            "clustered t size {}",
            d.cluster_t
        );
    }
    let effect = run(0.4, 200);
    let (sw, par) = (&effect.stepped_wedge, &effect.parallel);
    assert!(
        sw.randomisation > par.randomisation + 0.05,
        "stepped wedge {} vs parallel {}",
        sw.randomisation,
        par.randomisation
    );
    assert!(sw.randomisation > 0.6, "{}", sw.randomisation);
    for d in [sw, par] {
        assert!(
            (0.3..0.5).contains(&d.mean_effect_sd),
            "mean simulated effect {} SD for 0.4",
            d.mean_effect_sd
        );
    }
}

#[test]
fn the_design_command_simulates_the_power_from_a_survey() {
    let k = Klimat::new();
    let design = |extra: &[&str]| {
        k.cmd()
            .args(["design", "roll-out", "--units"])
            .arg(
                (1..=12)
                    .map(|i| format!("u{i:02}"))
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .args(["--steps", "2", "--units-per-step", "4", "--seed", "3"])
            .args([
                "--respondents-per-unit",
                "12",
                "--icc",
                "0.1",
                "--effect",
                "0.5",
            ])
            .args(["--simulations", "20", "--survey"])
            .arg(repo().join("surveys/team-climate.toml"))
            .args(extra)
            .output()
            .unwrap()
    };
    let out = design(&["--dimension", "nope"]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("--dimension `nope`") && stderr_of(&out).contains("vision"),
        "{}",
        stderr_of(&out)
    );
    let out = design(&[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        text.contains("power by simulation (20 studies from the latent model of team-climate, dimension vision"),
        "{text}"
    );
    assert_eq!(text.matches("clustered t test").count(), 2, "{text}");
}
