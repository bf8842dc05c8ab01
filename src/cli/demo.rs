//! `klimat demo`: the whole job on a fresh SQLite database, through the real
//! paths. An organisation of 30 units, a study with pilot and control units,
//! three waves (two before the intervention, one after): roster import,
//! invitations from the outbox (written as .eml files by the worker),
//! answers drawn from the simulation model (true effects on two dimensions)
//! and submitted through the form's parsing and the store's submit, reminders
//! for non-responders, closing; then the effect report, the trend charts and
//! a summary. It checks itself: every dimension's 95 % interval must cover
//! the simulated truth, else it fails loudly.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

use crate::auth::{Role, hash_password};
use crate::config::Settings;
use crate::evaluation::{DesignRequest, Inference, evaluate};
use crate::mail::{Composer, Mailer, WorkerConfig, worker};
use crate::report::{charts, effect};
use crate::scoring::{Accumulator, Answer, DONT_KNOW};
use crate::simulate::{self, Spec};
use crate::store::invitations::{self, RosterRow};
use crate::store::outbox::{self, ReminderRule};
use crate::store::respondents::{self, Submission, Submitted};
use crate::store::units::{self, UnitRow};
use crate::store::{self, Database, Migrations, studies, surveys};
use crate::survey::{self, Language, Survey};
use crate::token::{Purpose, Secret};
use crate::web::form;

const CREATIVE_CLIMATE: &str = include_str!("../../surveys/creative-climate.toml");
const TEAM_CLIMATE: &str = include_str!("../../surveys/team-climate.toml");

/// The demo's true effects, in latent standard deviations (see `simulate`).
const EFFECTS: [(&str, f64); 2] = [("idea-support", 0.6), ("trust", 0.45)];
const DIVISIONS: [(&str, &str); 3] = [
    ("vard", "Hälso- och sjukvård"),
    ("social", "Social omsorg"),
    ("stab", "Regionstab och service"),
];
const WAVES: [(&str, &str, &str); 5] = [
    ("2025-05", "2025-05-05", "2025-05-23"),
    ("2025-11", "2025-11-03", "2025-11-21"),
    ("2026-05", "2026-05-04", "2026-05-22"),
    ("2026-11", "2026-11-02", "2026-11-20"),
    ("2027-05", "2027-05-03", "2027-05-21"),
];
/// The first act (the pilot) uses the first three waves; in the second the
/// method spreads to two more cohorts, adopting before waves 4 and 5.
const ACT_ONE: usize = 3;
const SPREAD: [(usize, &str); 2] = [(6, "2026-09-01"), (6, "2027-02-01")];
const INTERVENTION: &str = "2026-01-12";
/// A last wave left open, so that the form can be tried: a few invitations
/// in one unit, some answered, the others' links printed.
const TRY_WAVE: (&str, &str, &str) = ("2027-11", "2027-11-01", "2027-11-30");
const TRY_INVITED: usize = 5;
const TRY_ANSWERED: usize = 2;
/// Share of a unit's respondents who answer before the reminder.
const BEFORE_REMINDER: f64 = 0.7;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's database, secret and mail (made fresh).
    #[arg(long, default_value = "demo")]
    pub dir: PathBuf,
    /// Afterwards, serve the demo database on the `bind` address.
    #[arg(long)]
    pub serve: bool,
    /// Seed of the simulated answers and of the report's resampling.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

struct Steps(Instant);

impl Steps {
    fn step(&self, what: &str) {
        println!("[{:>5.1} s] {what}", self.0.elapsed().as_secs_f64());
    }
}

pub fn run(args: DemoArgs, base: &Settings) -> anyhow::Result<ExitCode> {
    let steps = Steps(Instant::now());
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    for stale in ["klimat.db", "klimat.db-wal", "klimat.db-shm"] {
        let _ = std::fs::remove_file(args.dir.join(stale));
    }
    let _ = std::fs::remove_dir_all(args.dir.join("mail"));
    let mut settings = base.clone();
    settings.database_url = format!("sqlite://{}", args.dir.join("klimat.db").display());
    settings.secret = None;
    settings.secret_file = args.dir.join("klimat.secret");
    settings.smtp_url = None;
    settings.mail_dir = args.dir.join("mail");
    settings.mail_rate = 10_000.0;
    settings.mail_from = "klimat@demo.region.se".into();
    let out_dir = settings.reports_dir.join("demo");
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    steps.step(&format!("fresh SQLite database in {}", args.dir.display()));
    let db = Database::open(&settings.database_url, Migrations::Apply)?;
    let mut conn = db.get()?;
    let secret = Secret::load(None, &settings.secret_file).map_err(anyhow::Error::msg)?;

    steps.step("publishing the shipped surveys (creative-climate, team-climate)");
    let survey = survey::parse(CREATIVE_CLIMATE, "surveys/creative-climate.toml")?;
    surveys::publish(&mut conn, &survey, CREATIVE_CLIMATE)?;
    let team = survey::parse(TEAM_CLIMATE, "surveys/team-climate.toml")?;
    surveys::publish(&mut conn, &team, TEAM_CLIMATE)?;

    steps.step("an organisation: a region, three divisions, 30 units");
    let mut rows = vec![UnitRow {
        code: "region".into(),
        name: "Region Exempel".into(),
        parent: None,
    }];
    for (code, name) in DIVISIONS {
        rows.push(UnitRow {
            code: code.into(),
            name: name.into(),
            parent: Some("region".into()),
        });
    }
    let unit_codes: Vec<String> = (0..30)
        .map(|i| format!("{}-{:02}", DIVISIONS[i % 3].0, i / 3 + 1))
        .collect();
    for (i, code) in unit_codes.iter().enumerate() {
        rows.push(UnitRow {
            code: code.clone(),
            name: format!("{} enhet {}", DIVISIONS[i % 3].1, i / 3 + 1),
            parent: Some(DIVISIONS[i % 3].0.into()),
        });
    }
    units::import(&mut conn, &rows)?;

    // The simulated answers, with the truth and without it (same draws).
    let effects: Vec<(usize, f64)> = EFFECTS
        .iter()
        .map(|(id, size)| {
            Ok((
                survey.dimension_index(id).context("a shipped dimension")?,
                *size,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let spec = Spec {
        units: unit_codes.len(),
        respondents_per_unit: 16,
        waves: WAVES.len(),
        pilot_units: 8,
        first_post_wave: 2,
        effects,
        item_shifts: Vec::new(),
        icc: 0.12,
        missing_rate: 0.0,
        // The 8 pilot units adopt before wave 3, then two cohorts of 6 (the same 8 pilot
        // units as a one-pilot simulation would draw: the first of the same shuffled order).
        cohorts: vec![(2, 8), (ACT_ONE, SPREAD[0].0), (ACT_ONE + 1, SPREAD[1].0)],
        fixed_adoption: None,
        growth: 0.0,
        dont_know_rate: 0.02,
        seed: args.seed,
    };
    let (answers, plan) = simulated(&survey, &spec)?;
    let (counterfactual, _) = simulated(
        &survey,
        &Spec {
            effects: Vec::new(),
            ..spec.clone()
        },
    )?;
    let unit_of = |sim: &str| -> usize {
        plan.units
            .iter()
            .position(|u| u == sim)
            .expect("a simulated unit")
    };
    // Per unit (in `unit_codes` order) the simulated wave of its adoption.
    let adopts_at: Vec<Option<usize>> = (0..unit_codes.len())
        .map(|u| {
            let (_, wave) = plan.adoption.iter().find(|(sim, _)| unit_of(sim) == u)?;
            plan.waves.iter().position(|w| w == wave)
        })
        .collect();
    let pilots: Vec<String> = (0..unit_codes.len())
        .filter(|&u| adopts_at[u] == Some(2))
        .map(|u| unit_codes[u].clone())
        .collect();
    let controls: Vec<String> = unit_codes
        .iter()
        .filter(|c| !pilots.contains(c))
        .cloned()
        .collect();

    steps.step(&format!(
        "study `innovation-pilot`: {} pilot units, {} control units, intervention {INTERVENTION}",
        pilots.len(),
        controls.len()
    ));
    let study = studies::create(
        &mut conn,
        &studies::NewStudy {
            seed: Some(args.seed),
            name: "innovation-pilot".into(),
            survey_key: survey.key.clone(),
            pilot: pilots.clone(),
            control: controls,
            intervention_date: INTERVENTION.into(),
        },
    )?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let _inside = runtime.enter();
    let mailer = Arc::new(Mailer::new(&settings).map_err(anyhow::Error::msg)?);
    let composer = Arc::new(Composer::new(&settings, secret.clone()).map_err(anyhow::Error::msg)?);
    let deliver = |what: &str| -> anyhow::Result<u64> {
        let stats = runtime.block_on(worker::run(
            db.clone(),
            mailer.clone(),
            composer.clone(),
            WorkerConfig::from_settings(&settings, true),
            Arc::new(AtomicBool::new(false)),
            |_| {},
        ))?;
        if stats.failed > 0 {
            bail!("{} of the {what} could not be written", stats.failed);
        }
        Ok(stats.sent)
    };

    let mut rates = Vec::new();
    let run_wave = |conn: &mut store::DbConnection,
                    w: usize,
                    rates: &mut Vec<(String, usize, usize)>|
     -> anyhow::Result<()> {
        let (name, opens, closes) = WAVES[w];
        let wave = studies::create_wave(
            conn,
            &study,
            &studies::NewWave {
                name: name.into(),
                opens_on: Some(opens.into()),
                closes_on: Some(closes.into()),
                min_group_size: settings.min_group_size,
                min_group_size_comments: settings.comment_minimum(),
                survey_version: None,
            },
        )?;
        // Everyone who answers in the simulation, and a fifth more who do not.
        let mut roster = Vec::new();
        for (u, code) in unit_codes.iter().enumerate() {
            let n = answers.get(&(w, u)).map_or(0, Vec::len);
            for k in 0..(n + n.div_ceil(4)) {
                roster.push(RosterRow {
                    line: roster.len() + 2,
                    email: format!("{code}.p{k:02}@demo.region.se"),
                    unit: code.clone(),
                    language: if k % 5 == 4 { "en" } else { "sv" }.into(),
                });
            }
        }
        invitations::import_roster(
            conn,
            &wave,
            &roster,
            &survey.languages,
            invitations::Replace::Nothing,
        )?;
        let wave = studies::set_state(conn, &wave, studies::WaveState::Open)?;
        outbox::queue_invitations(conn, &wave, &secret)?;
        let sent = deliver("invitations")?;
        // Answers through the form's parsing and the store's submit, in two rounds.
        let people = invitations::ids_by_unit(conn, &wave)?;
        let mut by_unit: HashMap<String, Vec<i64>> = HashMap::new();
        for (id, unit) in people {
            by_unit.entry(unit).or_default().push(id);
        }
        let mut submitted = 0;
        for round in 0..2 {
            for (u, code) in unit_codes.iter().enumerate() {
                let cell = answers.get(&(w, u)).map(Vec::as_slice).unwrap_or_default();
                let first = (cell.len() as f64 * BEFORE_REMINDER).round() as usize;
                let range = if round == 0 {
                    0..first
                } else {
                    first..cell.len()
                };
                for k in range {
                    let token = secret.token(Purpose::Survey, wave.id, by_unit[code][k]);
                    let comment = demo_comment(w, u, k);
                    submit(conn, &survey, &token, &cell[k], comment)?;
                    submitted += 1;
                }
            }
            if round == 0 {
                outbox::queue_reminders(
                    conn,
                    &wave,
                    ReminderRule {
                        min_days: 0,
                        max_reminders: 1,
                    },
                )?;
                let reminded = deliver("reminders")?;
                steps.step(&format!(
                    "wave {name}: {} invited, {sent} invitations written to {}, {submitted} answered, {reminded} reminders",
                    roster.len(),
                    settings.mail_dir.display()
                ));
            }
        }
        studies::set_state(conn, &wave, studies::WaveState::Closed)?;
        rates.push((name.to_string(), roster.len(), submitted));
        steps.step(&format!(
            "wave {name}: {submitted} of {} answered ({:.0} %), closed",
            roster.len(),
            100.0 * submitted as f64 / roster.len() as f64
        ));
        Ok(())
    };
    for w in 0..ACT_ONE {
        run_wave(&mut conn, w, &mut rates)?;
    }

    steps.step("the effect report: two-way fixed effects DiD, CR2, wild bootstrap, permutation");
    let waves = studies::waves_of(&mut conn, &study)?;
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let (acc, wave_names, unit_names) = crate::app::accumulate(&mut conn, &survey, &ids)?;
    let (pilot, control) = studies::arms(&mut conn, &study)?;
    let request = DesignRequest {
        pilot,
        control: Some(control),
        first_post_wave: WAVES[2].0.into(),
    };
    let inference = Inference {
        seed: args.seed,
        ..Inference::default()
    };
    let lang = Language::En;
    let min_group = u64::from(settings.min_group_size);
    let mut report = evaluate(
        &survey,
        &acc,
        &wave_names,
        &unit_names,
        &request,
        inference,
        min_group,
        lang,
    )?;
    let validity = crate::app::study_validity(&mut conn, &study.name, lang)?;
    crate::evaluation::measurement::attach(&mut report, validity, lang);
    // The same respondents without the intervention: what the estimate would be without it.
    let mut cf = Accumulator::new(&survey);
    for ((w, u), rows) in counterfactual.iter().filter(|((w, _), _)| *w < ACT_ONE) {
        let unit = unit_names
            .iter()
            .position(|n| *n == unit_codes[*u])
            .context("a unit with answers")?;
        for row in rows {
            cf.push(*w, unit, row);
        }
    }
    let baseline = evaluate(
        &survey,
        &cf,
        &wave_names,
        &unit_names,
        &request,
        inference,
        min_group,
        lang,
    )?;

    for (name, text) in [
        ("effect.html", effect::html(&report)),
        ("effect.md", effect::markdown(&report)),
        ("effect.json", effect::json(&report)),
        ("trends-forest.svg", charts::forest_chart(&report)),
    ] {
        super::output::write_atomically(&out_dir.join(name), text.as_bytes())?;
    }
    for d in &report.dimensions {
        let svg = charts::means_chart(&report, d, report.scale);
        super::output::write_atomically(
            &out_dir.join(format!("trend-{}.svg", d.id)),
            svg.as_bytes(),
        )?;
    }

    println!("\nklimat demo: what was done");
    println!(
        "  30 units in 3 divisions; study innovation-pilot with {} pilot units; 3 waves, then the spread over 2 more",
        pilots.len()
    );
    for (name, invited, answered) in &rates {
        println!(
            "  wave {name}: {answered} of {invited} answered ({:.0} %)",
            100.0 * *answered as f64 / *invited as f64
        );
    }
    println!(
        "\nestimated effects (pilot minus control change, scale points 0–3), with the simulated truth:"
    );
    println!(
        "  {:<22} {:>8} {:>18} {:>8} {:>8} {:>8} {:>8}",
        "dimension", "estimate", "95% CI (CR2)", "p wild", "p perm", "p Holm", "truth"
    );
    let mut misses = Vec::new();
    for (d, b) in report.dimensions.iter().zip(&baseline.dimensions) {
        let (Some(did), Some(base)) = (&d.did, &b.did) else {
            misses.push(format!("{}: no estimate", d.id));
            continue;
        };
        let truth = did.estimate - base.estimate;
        let covered = did.ci95_cr2[0] <= truth && truth <= did.ci95_cr2[1];
        if !covered {
            misses.push(format!(
                "{}: truth {truth:.3} outside [{:.3}, {:.3}]",
                d.id, did.ci95_cr2[0], did.ci95_cr2[1]
            ));
        }
        println!(
            "  {:<22} {:>8.3} {:>18} {:>8.3} {:>8.3} {:>8} {:>8.3}{}",
            d.id,
            did.estimate,
            format!("[{:.3}, {:.3}]", did.ci95_cr2[0], did.ci95_cr2[1]),
            did.p_wild,
            did.p_permutation,
            did.p_holm.map_or("—".into(), |p| format!("{p:.3}")),
            truth,
            if covered { "" } else { "  ← outside" }
        );
    }
    println!(
        "\n  truth = the estimate minus the estimate on the same respondents simulated without the intervention"
    );
    println!("  report: {}", out_dir.join("effect.html").display());
    println!("  trend charts: {}", out_dir.join("trend-*.svg").display());
    if !misses.is_empty() {
        bail!(
            "the demo's estimates do not recover the simulated truth: {}",
            misses.join("; ")
        );
    }
    println!("  every 95 % interval covers the simulated truth");

    // Act two: the method spreads. Two more cohorts adopt (dates recorded on the study), two
    // more waves run through the same paths, and the roll-out report compares the cohorts.
    let mut spread = Vec::new();
    for (k, &(_, date)) in SPREAD.iter().enumerate() {
        for (u, code) in unit_codes.iter().enumerate() {
            if adopts_at[u] == Some(ACT_ONE + k) {
                spread.push((code.clone(), Some(date.to_owned())));
            }
        }
    }
    steps.step(&format!(
        "act two: the method spreads to {} more units in two cohorts (adoption dates {} and {})",
        spread.len(),
        SPREAD[0].1,
        SPREAD[1].1
    ));
    crate::app::setup::adopt(&mut conn, &crate::app::Actor::cli(), &study.name, &spread)?;
    for w in ACT_ONE..WAVES.len() {
        run_wave(&mut conn, w, &mut rates)?;
    }
    steps.step("the roll-out report: Callaway & Sant'Anna, Sun & Abraham, the Bacon decomposition");
    let rollout = crate::app::rollout::report(&mut conn, &study.name, inference, lang)?;
    for (name, text) in [
        ("rollout.html", crate::report::rollout::html(&rollout, lang)),
        (
            "rollout.md",
            crate::report::rollout::markdown(&rollout, lang),
        ),
        ("rollout.json", crate::report::rollout::json(&rollout)),
    ] {
        super::output::write_atomically(&out_dir.join(name), text.as_bytes())?;
    }
    // The truth: the same estimator on the same respondents simulated without the intervention.
    let truth = rollout_truth(
        &mut conn,
        &study,
        &survey,
        &unit_codes,
        &adopts_at,
        &counterfactual,
        inference,
        min_group,
        lang,
    )?;
    println!(
        "\nact two: the spread (cohorts weighted by size; scale points 0–3), with the simulated truth:"
    );
    println!(
        "  {:<22} {:>8} {:>18} {:>8} {:>8}",
        "dimension", "estimate", "95% CI", "p", "truth"
    );
    let mut misses = Vec::new();
    for (d, (direct, truth)) in rollout.dimensions.iter().zip(&truth) {
        let Some(o) = &d.overall else {
            misses.push(format!("{}: no estimate", d.id));
            continue;
        };
        if (o.estimate - direct).abs() > 1e-9 {
            misses.push(format!(
                "{}: the study's report {} differs from the direct estimate {direct}",
                d.id, o.estimate
            ));
        }
        let ci = o.ci95.unwrap_or([f64::NAN; 2]);
        let covered = ci[0] <= *truth && *truth <= ci[1];
        if !covered {
            misses.push(format!(
                "{}: truth {truth:.3} outside [{:.3}, {:.3}]",
                d.id, ci[0], ci[1]
            ));
        }
        println!(
            "  {:<22} {:>8.3} {:>18} {:>8} {:>8.3}{}",
            d.id,
            o.estimate,
            format!("[{:.3}, {:.3}]", ci[0], ci[1]),
            o.p.map_or("—".into(), |p| format!("{p:.3}")),
            truth,
            if covered { "" } else { "  ← outside" }
        );
    }
    println!("  report: {}", out_dir.join("rollout.html").display());
    if !misses.is_empty() {
        bail!(
            "the roll-out report does not recover the simulated truth: {}",
            misses.join("; ")
        );
    }
    println!("  every 95 % interval of the roll-out covers the simulated truth");

    let (name, opens, closes) = TRY_WAVE;
    let wave = studies::create_wave(
        &mut conn,
        &study,
        &studies::NewWave {
            name: name.into(),
            opens_on: Some(opens.into()),
            closes_on: Some(closes.into()),
            min_group_size: settings.min_group_size,
            min_group_size_comments: settings.comment_minimum(),
            survey_version: None,
        },
    )?;
    let unit = &unit_codes[0];
    let roster: Vec<RosterRow> = (0..TRY_INVITED)
        .map(|k| RosterRow {
            line: k + 2,
            email: format!("{unit}.prova{k}@demo.region.se"),
            unit: unit.clone(),
            language: if k % 2 == 1 { "en" } else { "sv" }.into(),
        })
        .collect();
    invitations::import_roster(
        &mut conn,
        &wave,
        &roster,
        &survey.languages,
        invitations::Replace::Nothing,
    )?;
    let wave = studies::set_state(&mut conn, &wave, studies::WaveState::Open)?;
    outbox::queue_invitations(&mut conn, &wave, &secret)?;
    deliver("invitations")?;
    let ids: Vec<i64> = invitations::ids_by_unit(&mut conn, &wave)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let rows = answers
        .get(&(WAVES.len() - 1, 0))
        .context("simulated answers of the first unit")?;
    for (id, row) in ids.iter().zip(rows).take(TRY_ANSWERED) {
        submit(
            &mut conn,
            &survey,
            &secret.token(Purpose::Survey, wave.id, *id),
            row,
            None,
        )?;
    }
    steps.step(&format!(
        "wave {name} left open: {TRY_INVITED} invited in {unit}, {TRY_ANSWERED} answered"
    ));
    println!(
        "
try the form: wave {name} is open, and these invitations are not answered yet"
    );
    for id in &ids[TRY_ANSWERED..] {
        let token = secret.token(Purpose::Survey, wave.id, *id);
        println!(
            "  {}",
            crate::mail::message::survey_link(&settings.public_url, &token)
        );
    }
    if !args.serve {
        println!(
            "
to walk through it in a browser (the form, the dashboard, the reports): klimat demo --serve"
        );
    }
    if args.serve {
        // Accounts for the newcomer: leadership's view and the evaluator's.
        let mut accounts = Vec::new();
        for (email, role) in [
            ("ledning@demo.region.se", Role::Viewer),
            ("utvardering@demo.region.se", Role::Evaluator),
        ] {
            let password = crate::token::random_key()[..20].to_owned();
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            store::accounts::add_user(
                &mut conn,
                &crate::email::Email::parse(email)?,
                role,
                &hash,
                outbox::now_ms(),
                None,
            )?;
            accounts.push((email, role, password));
        }
        println!("\nserving the demo database; stop with Ctrl-C");
        println!("  the dashboard: /staff/studies/innovation-pilot/dashboard at the address below");
        for (email, role, password) in &accounts {
            println!("  log in as {role}: {email}  password {password}");
        }
    }
    drop(conn);
    if args.serve {
        crate::web::serve(
            &settings,
            db,
            secret,
            crate::web::Background {
                worker: None,
                sso: None,
            },
            None,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

type Cells = HashMap<(usize, usize), Vec<Vec<Answer>>>;

/// Per dimension the roll-out's overall effect computed directly (every unit
/// visible) and its truth: that estimate minus the same estimate on the
/// respondents simulated without the intervention.
#[allow(clippy::too_many_arguments)]
fn rollout_truth(
    conn: &mut store::DbConnection,
    study: &studies::Study,
    survey: &Survey,
    unit_codes: &[String],
    adopts_at: &[Option<usize>],
    counterfactual: &Cells,
    inference: Inference,
    min_group: u64,
    lang: Language,
) -> anyhow::Result<Vec<(f64, f64)>> {
    use crate::evaluation::rollout::{Adoption, evaluate};
    let waves = studies::waves_of(conn, study)?;
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let (acc, wave_names, unit_names) = crate::app::accumulate(conn, survey, &ids)?;
    let code_of = |name: &String| unit_codes.iter().position(|c| c == name);
    let mut wave_order: Vec<usize> = (0..wave_names.len()).collect();
    wave_order.sort_by(|&a, &b| wave_names[a].cmp(&wave_names[b]));
    let adoption = Adoption {
        first: unit_names
            .iter()
            .map(|n| code_of(n).and_then(|u| adopts_at[u]))
            .collect(),
        in_study: vec![true; unit_names.len()],
        wave_order,
    };
    let groups = adoption.groups().len();
    let plans: Vec<_> = (0..wave_names.len())
        .map(|_| crate::disclosure::Plan::everything(unit_names.len(), groups, min_group))
        .collect();
    let shown = vec![vec![true; groups]; wave_names.len()];
    let mut cf = Accumulator::new(survey);
    for ((w, u), rows) in counterfactual {
        let unit = unit_names
            .iter()
            .position(|n| *n == unit_codes[*u])
            .context("a unit with answers")?;
        for row in rows {
            cf.push(*w, unit, row);
        }
    }
    let run = |acc: &Accumulator| {
        evaluate(
            survey,
            acc,
            &wave_names,
            &unit_names,
            &adoption,
            &plans,
            &shown,
            None,
            inference,
            min_group,
            lang,
        )
        .map_err(|e| anyhow::anyhow!(e.to_string()))
    };
    let (actual, base) = (run(&acc)?, run(&cf)?);
    Ok(actual
        .dimensions
        .iter()
        .zip(&base.dimensions)
        .map(|(a, b)| {
            let (a, b) = (
                a.overall.map_or(f64::NAN, |e| e.estimate),
                b.overall.map_or(f64::NAN, |e| e.estimate),
            );
            (a, a - b)
        })
        .collect())
}

fn simulated(survey: &Survey, spec: &Spec) -> anyhow::Result<(Cells, simulate::Plan)> {
    // The simulation names units and waves by their index: map the names back.
    let units: HashMap<String, usize> = (0..spec.units)
        .map(|u| (simulate::unit_name(u, spec.units), u))
        .collect();
    let waves: HashMap<String, usize> = (0..spec.waves)
        .map(|w| (simulate::wave_name(w), w))
        .collect();
    let mut cells: Cells = HashMap::new();
    let plan = simulate::simulate(survey, spec, |unit, wave, answers| {
        cells
            .entry((waves[wave], units[unit]))
            .or_default()
            .push(answers.to_vec());
        Ok(())
    })?;
    Ok((cells, plan))
}

/// What some demo respondents write in the free-text question (about one
/// in four), a few with a colleague's name or a phone number that the
/// comment views remove.
const DEMO_COMMENTS: [&str; 12] = [
    "Vi får sällan tid att testa nya idéer, allt handlar om den dagliga driften.",
    "Chefen lyssnar på förslag men det händer sällan något sedan.",
    "Arbetsplatsträffarna har blivit bättre sedan vi började med idéstöd.",
    "Det saknas tid och resurser för att utveckla verksamheten.",
    "Jag uppskattar att vi får pröva nya arbetssätt utan att vara rädda för att misslyckas.",
    "Mer tid för reflektion i gruppen skulle hjälpa, ring mig gärna på 070-123 45 67.",
    "Konflikterna i gruppen tar mycket energi och tid.",
    "Nya idéer fastnar ofta i beslutsgången uppåt i organisationen.",
    "Vi behöver bättre stöd från ledningen för att våga pröva idéer.",
    "Stämningen är öppen och det är lätt att ta upp förslag.",
    "Det vore bra med en tydligare väg från idé till beslut.",
    "Mycket har blivit bättre under året, mer tid för idéer i gruppen.",
];

fn demo_comment(wave: usize, unit: usize, k: usize) -> Option<&'static str> {
    (k % 4 == 1).then(|| DEMO_COMMENTS[(wave * 5 + unit * 3 + (k / 4) * 7) % DEMO_COMMENTS.len()])
}

/// One respondent's answers, as the form would post them, parsed and
/// validated by the form's code and stored by the store's submit.
fn submit(
    conn: &mut crate::store::DbConnection,
    survey: &Survey,
    token: &str,
    row: &[Answer],
    comment: Option<&str>,
) -> anyhow::Result<()> {
    let last = form::page_count(survey) - 1;
    let mut fields = vec![
        ("page".to_owned(), last.to_string()),
        ("action".to_owned(), "submit".to_owned()),
    ];
    for (item, &a) in survey.items.iter().zip(row) {
        let value = if a == DONT_KNOW {
            "dk".to_owned()
        } else {
            a.to_string()
        };
        fields.push((format!("i.{}", item.id), value));
    }
    if let (Some(text), Some(question)) = (comment, survey.free_text.first()) {
        fields.push((format!("t.{}", question.id), text.to_owned()));
    }
    let posted = form::parse(survey, &fields).map_err(anyhow::Error::msg)?;
    let mut answers = Vec::new();
    form::merge(survey, &mut answers, &posted);
    if let Some((page, errors)) = form::first_errors(survey, &answers, &Default::default()) {
        bail!("the form refused a simulated answer on page {page}: {errors:?}");
    }
    let target = respondents::by_token(conn, token)?.context("the invitation's link")?;
    let stored = respondents::submit(
        conn,
        &Submission {
            target,
            answers,
            texts: posted.texts.clone(),
            draft_key: None,
        },
    )?;
    if stored != Submitted::Stored {
        bail!("a submission was not stored: {stored:?}");
    }
    Ok(())
}
