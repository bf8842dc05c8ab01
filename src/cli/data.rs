//! Commands that keep data in the database: migrate, units, surveys,
//! studies, waves and responses.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::output::write_output;
use super::score::parse_delimiter;
use crate::config::Settings;
use crate::responses::{ReadOptions, ResponsesWriter, RowSink, read_path};
use crate::scoring::Answer;
use crate::store::studies::{self, NewStudy, NewWave};
use crate::store::{self, Database, Migrations, responses, surveys, units};
use crate::survey;
use rand::seq::SliceRandom;

/// Opens the configured database. SQLite is created and migrated on first use.
pub fn open(settings: &Settings) -> anyhow::Result<Database> {
    Database::open(&settings.database_url, Migrations::Require).with_context(|| {
        format!(
            "opening {}",
            crate::config::redact_url_password(&settings.database_url)
        )
    })
}

#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Import units from a CSV file with columns code,name,parent (all or nothing).
    #[command(after_help = "Examples:\n  klimat unit import units.csv\n\n\
A re-import adds new codes and updates names; codes are never removed, so history stays intact.")]
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// List the stored units.
    #[command(after_help = "Examples:\n  klimat unit list")]
    List,
}

#[derive(Debug, Subcommand)]
pub enum StudyCommand {
    /// Create a study: its survey, pilot and control units and intervention date.
    #[command(
        after_help = "Examples:\n  klimat study create --name pilot-2025 --survey creative-climate \\\n      \
--pilot unit-02,unit-05 --control unit-01,unit-03,unit-04 --intervention-date 2025-02-01"
    )]
    Create {
        #[arg(long)]
        name: String,
        /// Key of a published survey.
        #[arg(long)]
        survey: String,
        #[arg(long, value_delimiter = ',', required = true)]
        pilot: Vec<String>,
        #[arg(long, value_delimiter = ',', required = true)]
        control: Vec<String>,
        /// The day the intervention began (YYYY-MM-DD).
        #[arg(long)]
        intervention_date: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WaveCommand {
    /// Create a wave of a study (state draft).
    #[command(
        after_help = "Examples:\n  klimat wave create --study pilot-2025 --name 2025-03 --opens 2025-03-03 --closes 2025-03-21"
    )]
    Create {
        #[arg(long)]
        study: String,
        /// The wave's name; reports order waves by it (use ISO dates).
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        opens: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        closes: Option<String>,
        /// Minimum group size (default: the min_group_size setting).
        #[arg(long)]
        min_group: Option<u32>,
        /// Survey version (default: the newest published).
        #[arg(long)]
        survey_version: Option<u32>,
    },
    /// Open a draft wave.
    #[command(after_help = "Examples:\n  klimat wave open pilot-2025:2025-03")]
    Open {
        /// STUDY:WAVE or the wave's number.
        wave: String,
    },
    /// Close an open wave.
    #[command(after_help = "Examples:\n  klimat wave close pilot-2025:2025-03")]
    Close {
        /// STUDY:WAVE or the wave's number.
        wave: String,
    },
    /// Queue an invitation for everyone on the open wave's roster not yet invited.
    #[command(
        after_help = "Examples:\n  klimat wave send pilot-2025:2025-03\n  klimat worker --once\n\n\
Messages are queued in the outbox; `klimat worker` (or `klimat serve`) sends them. Running it again queues only people added since."
    )]
    Send {
        /// STUDY:WAVE or the wave's number.
        wave: String,
    },
    /// Queue reminders for those who were reached and have not answered.
    #[command(
        after_help = "Examples:\n  klimat wave remind pilot-2025:2025-03\n  klimat wave remind pilot-2025:2025-03 --min-days 5 --max-reminders 2\n\n\
Nobody who answered, opted out or is undeliverable gets one; nobody gets one twice for the same round."
    )]
    Remind {
        /// STUDY:WAVE or the wave's number.
        wave: String,
        /// Days since the last message reached the person.
        #[arg(long, default_value_t = 3)]
        min_days: u32,
        /// Reminders per person at most.
        #[arg(long, default_value_t = 2)]
        max_reminders: u32,
    },
    /// Per unit: invited, reached, failed, answered and the response rate.
    #[command(
        after_help = "Examples:\n  klimat wave status pilot-2025:2025-03\n  klimat wave status pilot-2025:2025-03 --format json\n\n\
Units with fewer invited people than the wave's minimum group size show no answered count or rate."
    )]
    Status {
        /// STUDY:WAVE or the wave's number.
        wave: String,
        #[arg(long, value_enum, default_value_t = super::mail::StatusFormat::Text)]
        format: super::mail::StatusFormat,
    },
    /// Add one-time codes for staff without work e-mail: one code per person, on a printed sheet.
    #[command(
        after_help = "Examples:\n  klimat wave codes pilot-2025:2025-03 --unit vc-norr --count 12\n  \
klimat wave code-sheet pilot-2025:2025-03 --out codes.html\n\n\
Each code is a personal link that takes one answer, counted like an e-mailed invitation's. \
Codes are added before the wave opens, like the roster. Hand the cards out and keep no copy: \
whoever holds an unused code can answer with it."
    )]
    Codes {
        /// STUDY:WAVE or the wave's number.
        wave: String,
        /// The unit's code.
        #[arg(long)]
        unit: String,
        /// How many people of the unit have no work e-mail.
        #[arg(long)]
        count: usize,
        /// The language of the cards (sv or en).
        #[arg(long, default_value = "sv", value_parser = ["sv", "en"])]
        language: String,
    },
    /// Print a wave's one-time codes: a page to print (HTML, with QR codes) or CSV.
    #[command(
        after_help = "Examples:\n  klimat wave code-sheet pilot-2025:2025-03 --out codes.html\n  \
klimat wave code-sheet pilot-2025:2025-03 --format csv"
    )]
    CodeSheet {
        /// STUDY:WAVE or the wave's number.
        wave: String,
        #[arg(long, default_value = "html", value_parser = ["html", "csv"])]
        format: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Remove the e-mail addresses of a closed wave (retention).
    #[command(
        after_help = "Examples:\n  klimat wave purge-contacts pilot-2025:2025-03\n\n\
Invitations keep their unit and state, so response rates stay reportable; responses are untouched."
    )]
    PurgeContacts {
        /// STUDY:WAVE or the wave's number.
        wave: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Add people to a draft wave's roster from a CSV file with columns email,unit,language.
    #[command(
        after_help = "Examples:\n  klimat roster import --wave pilot-2025:2025-03 roster.csv\n\n\
All or nothing: malformed addresses, unknown units, languages the survey lacks and duplicates are listed and nothing is added. \
The roster freezes when the wave opens."
    )]
    Import {
        /// STUDY:WAVE or the wave's number.
        #[arg(long)]
        wave: String,
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResponsesCommand {
    /// Import responses in the offline format into a wave (all or nothing).
    #[command(
        after_help = "Examples:\n  klimat responses import --wave pilot-2025:2024-09 answers-2024-09.csv\n\n\
Every row's wave column must be the wave's name; unit codes must be stored units."
    )]
    Import {
        /// STUDY:WAVE or the wave's number.
        #[arg(long)]
        wave: String,
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[arg(long, default_value = ",", value_parser = parse_delimiter)]
        delimiter: u8,
    },
    /// Export responses in the offline format (the input of `klimat score`).
    ///
    /// For operators: the raw export holds every unit, also those below the
    /// minimum group size, so it can identify people in small units. Keep it
    /// on the server. `--disclosed` gives what the staff web gives
    /// evaluators: only what the wave's disclosure plan shows.
    #[command(
        after_help = "Examples:\n  klimat responses export --wave pilot-2025:2025-03 --out answers.csv\n  \
klimat responses export --study pilot-2025 --disclosed > all.csv\n\n\
Rows come in a fresh random order on every export."
    )]
    Export {
        /// Only the units the disclosure plan shows, hidden units pooled as in the staff web.
        #[arg(long)]
        disclosed: bool,
        /// STUDY:WAVE or the wave's number.
        #[arg(long, conflicts_with = "study", required_unless_present = "study")]
        wave: Option<String>,
        /// Every wave of a study.
        #[arg(long)]
        study: Option<String>,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Records a command in the audit log, under `cli:` and the system user.
fn audit(conn: &mut store::DbConnection, action: &str, detail: &str) -> anyhow::Result<()> {
    let user = std::env::var("USER").unwrap_or_default();
    let actor = format!("cli:{user}");
    store::accounts::audit(conn, &actor, action, detail, store::outbox::now_ms())?;
    Ok(())
}

pub fn migrate(settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = Database::open(&settings.database_url, Migrations::Apply)?;
    println!("{:?}: migrated", db);
    Ok(ExitCode::SUCCESS)
}

pub fn unit(cmd: UnitCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    match cmd {
        UnitCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let rows = units::parse_units_csv(&text).map_err(|p| {
                anyhow::anyhow!(
                    "{}: nothing was imported:\n  {}",
                    file.display(),
                    p.join("\n  ")
                )
            })?;
            let s = units::import(&mut conn, &rows)
                .with_context(|| format!("importing {}", file.display()))?;
            println!(
                "units: {} added, {} renamed, {} unchanged",
                s.added, s.renamed, s.unchanged
            );
        }
        UnitCommand::List => {
            for u in units::all(&mut conn)? {
                println!("{}\t{}", u.code, u.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn publish(files: &[PathBuf], settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    for file in files {
        let source =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let survey = survey::parse(&source, &file.display().to_string())?;
        match surveys::publish(&mut conn, &survey, &source)? {
            surveys::Published::New(v) => {
                println!("published {} v{} ({})", v.key, v.version, v.hash)
            }
            surveys::Published::Unchanged(v) => println!(
                "{} v{} is published already with this content",
                v.key, v.version
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn study(cmd: StudyCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let StudyCommand::Create {
        name,
        survey,
        pilot,
        control,
        intervention_date,
    } = cmd;
    let db = open(settings)?;
    let study = studies::create(
        &mut *db.get()?,
        &NewStudy {
            name,
            survey_key: survey,
            pilot,
            control,
            intervention_date,
        },
    )?;
    println!(
        "created study {} (survey {}, intervention {})",
        study.name, study.survey_key, study.intervention_date
    );
    Ok(ExitCode::SUCCESS)
}

pub fn wave(cmd: WaveCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    match cmd {
        WaveCommand::Create {
            study,
            name,
            opens,
            closes,
            min_group,
            survey_version,
        } => {
            let study = studies::by_name(&mut conn, &study)?;
            let new = NewWave {
                name,
                opens_on: opens,
                closes_on: closes,
                min_group_size: min_group.unwrap_or(settings.min_group_size),
                survey_version,
            };
            let w = studies::create_wave(&mut conn, &study, &new)?;
            println!(
                "created wave {}:{} (number {}, draft, minimum group size {})",
                study.name, w.name, w.id, w.min_group_size
            );
        }
        WaveCommand::Open { wave } => {
            let current = studies::wave(&mut conn, &wave)?;
            let w = studies::set_state(&mut conn, &current, "open")?;
            audit(
                &mut conn,
                "wave.open",
                &format!("wave {} ({})", w.name, w.id),
            )?;
            println!("wave {} is open", w.name);
        }
        WaveCommand::PurgeContacts { wave } => {
            let w = studies::wave(&mut conn, &wave)?;
            let n = store::invitations::purge_contacts(&mut conn, &w)?;
            audit(
                &mut conn,
                "retention.purge",
                &format!("wave {} ({}): {n}", w.name, w.id),
            )?;
            println!(
                "removed the e-mail addresses of {n} invitation(s) of wave {}",
                w.name
            );
        }
        WaveCommand::Send { wave } => {
            let n = super::mail::send(&db, settings, &wave)?;
            audit(&mut conn, "wave.send", &format!("wave {wave}: {n}"))?;
        }
        WaveCommand::Remind {
            wave,
            min_days,
            max_reminders,
        } => {
            let n = super::mail::remind(&db, &wave, min_days, max_reminders)?;
            audit(&mut conn, "wave.remind", &format!("wave {wave}: {n}"))?;
        }
        WaveCommand::Codes {
            wave,
            unit,
            count,
            language,
        } => {
            let w = studies::wave(&mut conn, &wave)?;
            let secret = super::mail::secret(settings)?;
            let total = store::codes::add(&mut conn, &w, &unit, count, &language, &secret)?;
            audit(
                &mut conn,
                "wave.codes",
                &format!(
                    "wave {} ({}): {count} code(s) for unit {unit}",
                    w.name, w.id
                ),
            )?;
            println!(
                "unit {unit} has {total} code(s) in wave {}; print them with `klimat wave code-sheet`",
                w.name
            );
        }
        WaveCommand::CodeSheet { wave, format, out } => {
            let w = studies::wave(&mut conn, &wave)?;
            let secret = super::mail::secret(settings)?;
            let codes = store::codes::sheet(&mut conn, &w, &secret)?;
            let base = settings.public_url.trim_end_matches('/');
            let cards: Vec<crate::report::codes::Card> = codes
                .iter()
                .map(|c| crate::report::codes::Card {
                    unit_name: &c.unit_name,
                    language: &c.language,
                    url: format!("{base}/s/{}", c.token),
                })
                .collect();
            let text = if format == "csv" {
                let rows: Vec<(&str, &crate::report::codes::Card)> =
                    codes.iter().map(|c| c.unit.as_str()).zip(&cards).collect();
                crate::report::codes::csv(&rows)
            } else {
                crate::report::codes::html(&format!("Koder – {}", w.name), &cards)
            };
            audit(
                &mut conn,
                "wave.code_sheet",
                &format!("wave {} ({}): {} code(s)", w.name, w.id, codes.len()),
            )?;
            write_output(out.as_deref(), &text)?;
        }
        WaveCommand::Status { wave, format } => super::mail::status(&db, &wave, format)?,
        WaveCommand::Close { wave } => {
            let current = studies::wave(&mut conn, &wave)?;
            let w = studies::set_state(&mut conn, &current, "closed")?;
            audit(
                &mut conn,
                "wave.close",
                &format!("wave {} ({})", w.name, w.id),
            )?;
            println!("wave {} is closed", w.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn roster(cmd: RosterCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let RosterCommand::Import { wave, file } = cmd;
    let db = open(settings)?;
    let mut conn = db.get()?;
    let wave = studies::wave(&mut conn, &wave)?;
    let survey = surveys::get(&mut conn, wave.survey_version_id)?.survey()?;
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let rows = store::invitations::parse_roster_csv(&text).map_err(|p| {
        anyhow::anyhow!(
            "{}: nothing was imported:\n  {}",
            file.display(),
            p.join("\n  ")
        )
    })?;
    let n = store::invitations::import_roster(&mut conn, &wave, &rows, &survey.languages)
        .with_context(|| format!("{}", file.display()))?;
    println!("added {n} people to the roster of wave {}", wave.name);
    for (unit, count) in store::invitations::roster_counts(&mut conn, &wave)? {
        println!("  {unit:<20} {count}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Rows of a responses file, kept for an all-or-nothing import.
#[derive(Default)]
struct Collected {
    rows: Vec<(usize, usize, Vec<Answer>)>,
}

impl RowSink for Collected {
    fn row(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        self.rows.push((wave, unit, answers.to_vec()));
    }

    fn absorb(&mut self, other: &Self, waves: &[usize], units: &[usize]) {
        self.rows.extend(
            other
                .rows
                .iter()
                .map(|(w, u, a)| (waves[*w], units[*u], a.clone())),
        );
    }
}

pub fn responses(cmd: ResponsesCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    match cmd {
        ResponsesCommand::Import {
            wave,
            file,
            delimiter,
        } => {
            let wave = studies::wave(&mut conn, &wave)?;
            let survey = surveys::get(&mut conn, wave.survey_version_id)?.survey()?;
            let options = ReadOptions {
                delimiter,
                skip_invalid: false,
            };
            let (collected, outcome) = read_path(&file, &survey, &options, Collected::default)?;
            if let Some(other) = outcome.waves.names.iter().find(|w| **w != wave.name) {
                anyhow::bail!(
                    "{}: nothing was imported: rows of wave `{other}` in a file imported into wave `{}`; import each wave separately",
                    file.display(),
                    wave.name
                );
            }
            let rows: Vec<responses::Row> = collected
                .rows
                .into_iter()
                .map(|(_, u, answers)| responses::Row {
                    unit: outcome.units.names[u].clone(),
                    answers,
                })
                .collect();
            let n = responses::import(&mut conn, &wave, &rows, survey.items.len())
                .with_context(|| format!("importing {}", file.display()))?;
            println!("imported {n} responses into wave {}", wave.name);
        }
        ResponsesCommand::Export {
            wave,
            study,
            out,
            disclosed,
        } => {
            let waves = match (wave, study) {
                (Some(w), _) => vec![studies::wave(&mut conn, &w)?],
                (None, Some(s)) => {
                    let study = studies::by_name(&mut conn, &s)?;
                    studies::waves_of(&mut conn, &study)?
                }
                (None, None) => unreachable!("clap requires one"),
            };
            let bytes = if disclosed {
                crate::app::export_responses(&mut conn, &waves)?.into_bytes()
            } else {
                eprintln!(
                    "WARNING: this raw export holds every unit, also those below the minimum group size: it can \
                     identify people in small units. Keep it on the server; give evaluators --disclosed."
                );
                let survey = surveys::shared_by(&mut conn, &waves)?;
                let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
                let mut rows: Vec<(String, String, Vec<Answer>)> = Vec::new();
                store::responses::scan(&mut conn, &ids, |wave, unit, answers| {
                    rows.push((wave.to_owned(), unit.to_owned(), answers.to_vec()))
                })?;
                rows.shuffle(&mut rand::rng());
                let mut writer = ResponsesWriter::new(Vec::new(), &survey)?;
                for (wave, unit, answers) in &rows {
                    writer.row(unit, wave, answers)?;
                }
                writer.finish()?
            };
            let names: Vec<String> = waves
                .iter()
                .map(|w| format!("{} ({})", w.name, w.id))
                .collect();
            audit(
                &mut conn,
                "export.responses",
                &format!(
                    "waves {}{}",
                    names.join(", "),
                    if disclosed { "" } else { " (raw)" }
                ),
            )?;
            write_output(
                out.as_deref(),
                &String::from_utf8(bytes).expect("the writer writes UTF-8"),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
