//! Commands that keep data in the database: migrate, units, surveys,
//! studies, waves and responses.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::output::write_output;
use super::score::parse_delimiter;
use crate::app::{Actor, WaveRef, setup};
use crate::config::Settings;
use crate::responses::ReadOptions;
use crate::store::invitations::Replace;
use crate::store::outbox::ReminderRule;
use crate::store::studies::{self, NewStudy, NewWave, WaveState};
use crate::store::surveys::Published;
use crate::store::{self, Database, Migrations, units};
use crate::survey::Language;

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
    /// Import units from a CSV file with columns code,name,parent (all or nothing),
    /// and reorganisations in the columns change,on,from.
    #[command(after_help = "Examples:\n  klimat unit import units.csv\n\n\
A re-import adds new codes and updates names; codes are never removed, so history stays intact.\n\n\
Reorganisations in the same file (change: rename, move, merge or split; on: the date; from: the code\n\
before, the merged codes separated by `;`, or the split unit, one row per part):\n\
  code,name,parent,change,on,from\n\
  SOC-03,Socialtjänst 3,soc,rename,2026-01-01,soc-3\n\
  vard-12,Vård 1–2,vard,merge,2026-01-01,vard-1;vard-2\n\
  vard-3a,Vård 3 A,,split,2026-01-01,vard-3\n\
  vard-3b,Vård 3 B,,split,2026-01-01,vard-3\n\
  vard-4,Vård 4,vard,move,2026-01-01,")]
    Import {
        /// A CSV file with columns code,name,parent (and change,on,from).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// List the stored units.
    #[command(after_help = "Examples:\n  klimat unit list")]
    List,
    /// A unit gets another code or name on a date (the same people: trends go on).
    #[command(
        after_help = "Examples:\n  klimat unit rename soc-3 --to SOC-03 --name \"Socialtjänst 3\" --on 2026-01-01\n\n\
Rosters and imports for waves before the date may still use the old code."
    )]
    Rename {
        /// The unit's code now.
        code: String,
        /// Its new code.
        #[arg(long = "to", value_name = "CODE")]
        new_code: Option<String>,
        /// Its new name.
        #[arg(long = "name")]
        new_name: Option<String>,
        /// The first day of the new code or name (YYYY-MM-DD).
        #[arg(long)]
        on: String,
    },
    /// A unit moves to another parent on a date (the same people).
    #[command(
        after_help = "Examples:\n  klimat unit move vard-4 --to vard --on 2026-01-01\n  klimat unit move vard-4 --top --on 2026-01-01"
    )]
    Move {
        code: String,
        /// The new parent's code.
        #[arg(long = "to", value_name = "PARENT", required_unless_present = "top")]
        parent: Option<String>,
        /// No parent: a unit at the top of the tree.
        #[arg(long, conflicts_with = "parent")]
        top: bool,
        #[arg(long)]
        on: String,
    },
    /// Several units become one new unit on a date; the old ones end.
    #[command(
        after_help = "Examples:\n  klimat unit merge vard-1,vard-2 --into vard-12 --name \"Vård 1–2\" --on 2026-01-01\n\n\
Trends show the new unit from the date; the effect report leaves out pilot or control units \
merged during its study, and says so."
    )]
    Merge {
        /// The merged units' codes, comma-separated.
        #[arg(value_delimiter = ',', required = true)]
        codes: Vec<String>,
        /// The new unit's code.
        #[arg(long)]
        into: String,
        /// The new unit's name.
        #[arg(long)]
        name: String,
        /// The new unit's parent (default: the merged units' common parent).
        #[arg(long)]
        parent: Option<String>,
        #[arg(long)]
        on: String,
    },
    /// One unit becomes several new units on a date; it ends.
    #[command(
        after_help = "Examples:\n  klimat unit split vard-3 --into \"vard-3a=Vård 3 A\" --into \"vard-3b=Vård 3 B\" --on 2026-01-01"
    )]
    Split {
        code: String,
        /// Each new unit as CODE=NAME (at least two).
        #[arg(long = "into", value_name = "CODE=NAME", required = true)]
        into: Vec<String>,
        #[arg(long)]
        on: String,
    },
    /// Every recorded reorganisation, in date order.
    #[command(after_help = "Examples:\n  klimat unit history")]
    History,
}

#[derive(Debug, Subcommand)]
pub enum StudyCommand {
    /// Create a study: its survey, pilot and control units and intervention date.
    #[command(
        after_help = "Examples:\n  klimat study create --name pilot-2025 --survey creative-climate \\\n      \
--pilot unit-02,unit-05 --control unit-01,unit-03,unit-04 --intervention-date 2025-02-01"
    )]
    Create {
        /// The study's name (used in addresses and as STUDY in STUDY:WAVE).
        #[arg(long)]
        name: String,
        /// Key of a published survey.
        #[arg(long)]
        survey: String,
        /// Pilot unit codes, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        pilot: Vec<String>,
        /// Control unit codes, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        control: Vec<String>,
        /// The day the intervention began (YYYY-MM-DD).
        #[arg(long)]
        intervention_date: String,
        /// The seed of the study's reports' random procedures (bootstrap,
        /// sampled permutations), fixed for good; default: drawn at random.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Record when units adopted the method (a roll-out): the effect report of a
    /// study with adoption dates compares cohorts as they adopt.
    #[command(
        after_help = "Examples:\n  klimat study adopt --study pilot-2025 --units unit-01,unit-03 --date 2026-02-01\n  \
klimat study adopt --study pilot-2025 --file adoption.csv      # unit,adoption_date (a date, `never`, or empty to remove)\n  \
klimat study adopt --study pilot-2025 --units unit-03 --never  # unit-03 never adopts\n\n\
Pilot units without a recorded date adopt on the intervention date; control units never, until one is recorded."
    )]
    Adopt {
        /// The study's name.
        #[arg(long)]
        study: String,
        /// Unit codes, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            required_unless_present = "file",
            conflicts_with = "file"
        )]
        units: Vec<String>,
        /// The day they adopted (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD", required_unless_present_any = ["file", "never"], conflicts_with = "never")]
        date: Option<String>,
        /// Record that these units never adopt (a pilot unit otherwise adopts on the intervention date).
        #[arg(long, requires = "units")]
        never: bool,
        /// A CSV with the header `unit,adoption_date` (a date, `never`, or empty to remove one).
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WaveCommand {
    /// Create a wave of a study (state draft).
    #[command(
        after_help = "Examples:\n  klimat wave create --study pilot-2025 --name 2025-03 --opens 2025-03-03 --closes 2025-03-21"
    )]
    Create {
        /// The study's name.
        #[arg(long)]
        study: String,
        /// The wave's name; reports order waves by it (use ISO dates).
        #[arg(long)]
        name: String,
        /// The first day of answering.
        #[arg(long, value_name = "YYYY-MM-DD")]
        opens: String,
        /// The last day of answering.
        #[arg(long, value_name = "YYYY-MM-DD")]
        closes: String,
        /// Minimum group size (default: the min_group_size setting).
        #[arg(long)]
        min_group: Option<u32>,
        /// Minimum group for free-text comments (default: the
        /// min_group_size_comments setting; never below the minimum group size).
        #[arg(long)]
        min_group_comments: Option<u32>,
        /// Survey version (default: the newest published).
        #[arg(long)]
        survey_version: Option<u32>,
    },
    /// Open a draft wave.
    #[command(after_help = "Examples:\n  klimat wave open pilot-2025:2025-03")]
    Open {
        /// STUDY:WAVE or the wave's number.
        wave: WaveRef,
    },
    /// Close an open wave.
    #[command(after_help = "Examples:\n  klimat wave close pilot-2025:2025-03")]
    Close {
        /// STUDY:WAVE or the wave's number.
        wave: WaveRef,
    },
    /// Queue an invitation for everyone on the open wave's roster not yet invited.
    #[command(
        after_help = "Examples:\n  klimat wave send pilot-2025:2025-03\n  klimat worker --once\n\n\
Messages are queued in the outbox; `klimat worker` (or `klimat serve`) sends them. Running it again queues only people added since."
    )]
    Send {
        /// STUDY:WAVE or the wave's number.
        wave: WaveRef,
    },
    /// Queue reminders for those who were reached and have not answered.
    #[command(
        after_help = "Examples:\n  klimat wave remind pilot-2025:2025-03\n  klimat wave remind pilot-2025:2025-03 --min-days 5 --max-reminders 2\n\n\
Nobody who answered, opted out or is undeliverable gets one; nobody gets one twice for the same round."
    )]
    Remind {
        /// STUDY:WAVE or the wave's number.
        wave: WaveRef,
        /// Days since the last message reached the person.
        #[arg(long, default_value_t = ReminderRule::DEFAULT.min_days)]
        min_days: u32,
        /// Reminders per person at most.
        #[arg(long, default_value_t = ReminderRule::DEFAULT.max_reminders)]
        max_reminders: u32,
    },
    /// Per unit: invited, reached, failed, answered and the response rate.
    #[command(
        after_help = "Examples:\n  klimat wave status pilot-2025:2025-03\n  klimat wave status pilot-2025:2025-03 --format json\n\n\
Units with fewer invited people than the wave's minimum group size show no answered count or rate."
    )]
    Status {
        /// STUDY:WAVE or the wave's number.
        wave: WaveRef,
        /// Output: a table for people or JSON.
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
        wave: WaveRef,
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
        wave: WaveRef,
        /// html: a page to print with a QR code per card; csv: unit, language and link per code.
        #[arg(long, default_value = "html", value_parser = ["html", "csv"])]
        format: String,
        /// Write to this file instead of standard output.
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
        wave: WaveRef,
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
        wave: WaveRef,
        /// A CSV file with columns email,unit,language.
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
        wave: WaveRef,
        /// A responses file in the offline format (unit,wave,<item ids>).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Field delimiter of the file.
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
klimat responses export --study pilot-2025 --disclosed > all.csv\n  \
klimat responses export --study pilot-2025 --disclosed --format sav --lang en --out all.sav\n\n\
Rows come in a fresh random order on every export. sav: SPSS with variable and value labels, \
don't know as a user-missing value; xlsx: the responses and a codebook; r: a zip of the CSV \
and responses.R, which reads it with labelled factors."
    )]
    Export {
        /// Only the units the disclosure plan shows, hidden units pooled as in the staff web.
        #[arg(long)]
        disclosed: bool,
        /// STUDY:WAVE or the wave's number.
        #[arg(long, conflicts_with = "study", required_unless_present = "study")]
        wave: Option<WaveRef>,
        /// Every wave of a study.
        #[arg(long)]
        study: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The file format: the offline CSV, SPSS, Excel, or R (a zip of the CSV and a script).
        #[arg(long, value_enum, default_value = "csv")]
        format: crate::export::Format,
        /// The language of the labels (item texts, scale, units) in sav, xlsx and r.
        #[arg(long, default_value = "sv")]
        lang: Language,
    },
    /// The aggregate for researchers outside the organisation: per published
    /// group and wave, item moments, the complete cases' covariance matrix
    /// and the dimension scores' sufficient statistics; no row of data.
    #[command(
        after_help = "Examples:\n  klimat responses aggregate --study pilot-2025 --out aggregate.json\n  \
klimat responses aggregate --study pilot-2025 --format csv > aggregate.csv\n\n\
Only the groups the disclosure plan publishes (organisation, units, units with \
their subtrees, arms), so it may leave the organisation. See the README's section \
on sharing data with a university."
    )]
    Aggregate {
        /// The study.
        #[arg(long)]
        study: String,
        /// json, or csv (long: one statistic a line).
        #[arg(long, default_value = "json", value_parser = ["json", "csv"])]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Records a command in the audit log, under `cli:` and the system user.
fn audit(conn: &mut store::DbConnection, action: &str, detail: &str) -> anyhow::Result<()> {
    Ok(setup::audit(conn, &Actor::cli(), action, detail)?)
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
            let done = crate::app::units_file::import(&mut conn, &Actor::cli(), &text)
                .with_context(|| format!("importing {}", file.display()))?;
            let s = done.units;
            println!(
                "units: {} added, {} renamed, {} unchanged",
                s.added, s.renamed, s.unchanged
            );
            for change in &done.changes {
                println!("{}", change.describe());
            }
        }
        UnitCommand::List => {
            let history = crate::store::unit_changes::history(&mut conn)?;
            for u in units::all(&mut conn)? {
                let ended = history
                    .ended_by(u.id)
                    .map(|c| format!("\t(ended: {})", c.describe()))
                    .unwrap_or_default();
                println!("{}\t{}{ended}", u.code, u.name);
            }
        }
        command => return super::reorganise::run(&mut conn, command),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn publish(files: &[PathBuf], settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    for file in files {
        let source =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let name = file.display().to_string();
        match setup::publish_survey(&mut conn, &Actor::cli(), &source, &name)? {
            Published::New(v) => {
                println!("published {} v{} ({})", v.key, v.version, v.hash)
            }
            Published::Unchanged(v) => println!(
                "{} v{} is published already with this content",
                v.key, v.version
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn study(cmd: StudyCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let (name, survey, pilot, control, intervention_date, seed) = match cmd {
        StudyCommand::Create {
            name,
            survey,
            pilot,
            control,
            intervention_date,
            seed,
        } => (name, survey, pilot, control, intervention_date, seed),
        StudyCommand::Adopt {
            study,
            units,
            date,
            never,
            file,
        } => {
            let date = if never {
                Some(crate::store::adoptions::NEVER.to_owned())
            } else {
                date
            };
            let dates = match file {
                Some(path) => {
                    super::output::unit_pairs(&path, "adoption_date", "unit-03,2026-02-01")?
                }
                None => units
                    .into_iter()
                    .map(|u| (u.trim().to_owned(), date.clone()))
                    .collect(),
            };
            let db = open(settings)?;
            let made = setup::adopt(&mut *db.get()?, &Actor::cli(), &study, &dates)?;
            for m in &made {
                println!(
                    "{}: {} → {}",
                    m.unit,
                    m.previous.as_deref().unwrap_or("no date"),
                    m.adopted_on.as_deref().unwrap_or("no date")
                );
            }
            println!("{} change(s) recorded in study {study}", made.len());
            return Ok(ExitCode::SUCCESS);
        }
    };
    let db = open(settings)?;
    let study = setup::create_study(
        &mut *db.get()?,
        &Actor::cli(),
        &NewStudy {
            name,
            survey_key: survey,
            pilot,
            control,
            intervention_date,
            seed,
        },
    )?;
    println!(
        "created study {} (survey {}, intervention {}, seed {})",
        study.name, study.survey_key, study.intervention_date, study.seed
    );
    Ok(ExitCode::SUCCESS)
}

pub fn wave(cmd: WaveCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings)?;
    let mut conn = db.get()?;
    let me = Actor::cli();
    match cmd {
        WaveCommand::Create {
            study,
            name,
            opens,
            closes,
            min_group,
            min_group_comments,
            survey_version,
        } => {
            let new = NewWave {
                name,
                opens_on: Some(opens),
                closes_on: Some(closes),
                min_group_size: min_group.unwrap_or(settings.min_group_size),
                min_group_size_comments: min_group_comments.unwrap_or(settings.comment_minimum()),
                survey_version,
            };
            let w = setup::create_wave(&mut conn, &me, &study, &new)?;
            println!(
                "created wave {study}:{} (number {}, draft, minimum group size {}, for comments {})",
                w.name, w.id, w.min_group_size, w.min_group_size_comments
            );
        }
        WaveCommand::Open { wave } => {
            let id = wave.find(&mut conn)?.id;
            let w = setup::move_wave(&mut conn, &me, id, WaveState::Open)?;
            println!("wave {} is open", w.name);
        }
        WaveCommand::PurgeContacts { wave } => {
            let w = wave.find(&mut conn)?;
            let n = setup::purge_contacts(&mut conn, &me, w.id)?;
            println!(
                "removed the e-mail addresses of {n} invitation(s) of wave {}",
                w.name
            );
        }
        WaveCommand::Send { wave } => {
            let w = wave.find(&mut conn)?;
            let secret = super::mail::secret(settings)?;
            let n = setup::send(&mut conn, &me, w.id, &secret)?;
            println!(
                "queued {n} invitation(s) for wave {}; `klimat worker` (or `klimat serve`) sends them",
                w.name
            );
        }
        WaveCommand::Remind {
            wave,
            min_days,
            max_reminders,
        } => {
            let w = wave.find(&mut conn)?;
            let rule = ReminderRule {
                min_days,
                max_reminders,
            };
            let n = setup::remind(&mut conn, &me, w.id, rule)?;
            println!("queued {n} reminder(s) for wave {}", w.name);
        }
        WaveCommand::Codes {
            wave,
            unit,
            count,
            language,
        } => {
            let w = wave.find(&mut conn)?;
            let secret = super::mail::secret(settings)?;
            let total = setup::add_codes(&mut conn, &me, w.id, &unit, count, &language, &secret)?;
            println!(
                "unit {unit} has {total} code(s) in wave {}; print them with `klimat wave code-sheet`",
                w.name
            );
        }
        WaveCommand::CodeSheet { wave, format, out } => {
            let w = wave.find(&mut conn)?;
            let secret = super::mail::secret(settings)?;
            let text = setup::code_sheet(
                &mut conn,
                &me,
                &w,
                &secret,
                &settings.public_url,
                format == "csv",
            )?;
            write_output(out.as_deref(), &text)?;
        }
        WaveCommand::Status { wave, format } => super::mail::status(&db, &wave, format)?,
        WaveCommand::Close { wave } => {
            let id = wave.find(&mut conn)?.id;
            let w = setup::move_wave(&mut conn, &me, id, WaveState::Closed)?;
            println!("wave {} is closed", w.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn roster(cmd: RosterCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    let RosterCommand::Import { wave, file } = cmd;
    let db = open(settings)?;
    let mut conn = db.get()?;
    let w = wave.find(&mut conn)?;
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let (n, counts) = setup::import_roster(&mut conn, &Actor::cli(), w.id, &text, Replace::Nothing)
        .with_context(|| format!("{}", file.display()))?;
    println!("added {n} people to the roster of wave {}", w.name);
    for (unit, count) in counts {
        println!("  {unit:<20} {count}");
    }
    Ok(ExitCode::SUCCESS)
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
            let w = wave.find(&mut conn)?;
            let options = ReadOptions {
                delimiter,
                skip_invalid: false,
            };
            let input = std::fs::File::open(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let name = file.display().to_string();
            let n =
                setup::import_responses(&mut conn, &Actor::cli(), w.id, input, &name, &options)?;
            println!("imported {n} responses into wave {}", w.name);
        }
        ResponsesCommand::Aggregate { study, format, out } => {
            let csv = format == "csv";
            let aggregate = crate::app::aggregate_file(&mut conn, &Actor::cli(), &study, csv)?;
            let text = if csv {
                crate::export::aggregate::csv(&aggregate)
            } else {
                serde_json::to_string_pretty(&aggregate)? + "\n"
            };
            write_output(out.as_deref(), &text)?;
        }
        ResponsesCommand::Export {
            wave,
            study,
            out,
            disclosed,
            format,
            lang,
        } => {
            if format != crate::export::Format::Csv {
                super::output::binary_needs_a_file(out.as_deref(), format.extension())?;
            }
            let waves = match (wave, study) {
                (Some(w), _) => vec![w.find(&mut conn)?],
                (None, Some(s)) => {
                    let study = studies::by_name(&mut conn, &s)?;
                    studies::waves_of(&mut conn, &study)?
                }
                (None, None) => unreachable!("clap requires one"),
            };
            let table = if disclosed {
                crate::app::export_table(&mut conn, &waves)?
            } else {
                eprintln!(
                    "WARNING: this raw export holds every unit, also those below the minimum group size: it can \
                     identify people in small units. Keep it on the server; give evaluators --disclosed."
                );
                crate::app::raw_table(&mut conn, &waves)?
            };
            let bytes = crate::export::write(&table, format, lang)?;
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
            super::output::write_bytes(out.as_deref(), &bytes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
