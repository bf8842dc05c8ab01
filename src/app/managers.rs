//! Unit managers and their feedback notices. The roster is a CSV,
//! `unit,email[,language]`, one line per manager and unit (a manager of two
//! units has two lines), replacing the roster before it whole; every
//! problem is listed with its line and nothing changes. Queueing a wave's
//! notices gives each manager of a unit whose report the wave's plan shows
//! one e-mail with a link to that report behind the manager's login — the
//! figures never go into the e-mail.

use std::collections::{BTreeSet, HashMap};

use super::actor::Actor;
use super::csv_file::{self, at};
use super::error::{Error, Result};
use super::feedback::{Reader, all_feedback};
use super::setup::audited;
use crate::email::Email;
use crate::said::Said;
use crate::store::DbConnection;
use crate::store::managers::{self, Manager};
use crate::survey::Language;

/// A roster line before its unit is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line: usize,
    pub unit: String,
    pub email: Email,
    pub language: Language,
}

/// Reads a roster of managers; every problem with its line.
pub fn parse(text: &str) -> std::result::Result<Vec<Line>, Vec<Said>> {
    let mut reader = csv_file::reader(text);
    let headers = csv_file::headers(&mut reader)?;
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(unit), Some(email)) = (col("unit"), col("email")) else {
        let has = headers.join(",");
        return Err(vec![
            crate::said!(
                "the header must name the columns unit,email (and optionally language); it has {has}",
                "rubrikraden ska namnge kolumnerna unit,email (och gärna language); den har {has}"
            )
            .after(&at(1)),
        ]);
    };
    let language = col("language");
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(Said::both(e.to_string()).after(&at(line)));
                continue;
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("").trim().to_owned();
        let (code, address, lang) = (get(Some(unit)), get(Some(email)), get(language));
        let mut problem = |p: Said| problems.push(p.after(&at(line)));
        if code.is_empty() {
            problem(crate::said!(
                "a line needs a unit",
                "en rad behöver en enhet"
            ));
            continue;
        }
        let address = match Email::parse(&address) {
            Ok(a) => a,
            Err(p) => {
                problem(p);
                continue;
            }
        };
        let language = if lang.is_empty() {
            Language::Sv
        } else if let Some(l) = Language::from_code(&lang.to_lowercase()) {
            l
        } else {
            problem(crate::said!(
                "language `{lang}` is neither sv nor en",
                "språket `{lang}` är varken sv eller en"
            ));
            continue;
        };
        if !seen.insert((code.clone(), address.clone())) {
            problem(crate::said!(
                "{address} is named twice for {code}",
                "{address} står två gånger för {code}"
            ));
            continue;
        }
        lines.push(Line {
            line,
            unit: code,
            email: address,
            language,
        });
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

/// Replaces the roster of managers with the file's; how many lines.
pub fn import(conn: &mut DbConnection, actor: &Actor, text: &str) -> Result<usize> {
    let nothing = || crate::said!("nothing was imported", "inget importerades");
    let lines = parse(text).map_err(|problems| Error::Invalid {
        reason: nothing(),
        problems,
    })?;
    let units: HashMap<String, i64> = crate::store::units::all(conn)?
        .into_iter()
        .map(|u| (u.code, u.id))
        .collect();
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for l in &lines {
        match units.get(&l.unit) {
            Some(&unit_id) => rows.push(Manager {
                unit_id,
                email: l.email.to_string(),
                language: l.language.code().to_owned(),
            }),
            None => problems.push(
                crate::said!(
                    "there is no unit `{}`",
                    "det finns ingen enhet `{}`",
                    l.unit
                )
                .after(&at(l.line)),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            reason: nothing(),
            problems,
        });
    }
    audited(conn, actor, "managers.import", |c| {
        managers::replace(c, &rows)?;
        Ok((rows.len(), format!("{} managers", rows.len())))
    })
}

/// What queueing a wave's notices did.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Queued {
    /// Notices queued now.
    pub queued: usize,
    /// Units with a report in the wave.
    pub reports: usize,
    /// Of those, the units nobody on the roster manages (codes).
    pub without_manager: Vec<String>,
}

/// Queues a notice for each manager of a unit whose report `wave` of
/// `study` has; a manager already told about the wave is not told again.
pub fn queue(conn: &mut DbConnection, actor: &Actor, study: &str, wave: &str) -> Result<Queued> {
    let wave_row = crate::store::studies::wave_named(conn, study, wave)?;
    let reader = Reader {
        lang: Language::Sv,
        scope: None,
        comments: false,
    };
    // The reports the plan shows in this wave: their units, and only theirs.
    let reports = all_feedback(conn, study, Some(wave), reader)?;
    let codes: Vec<&str> = reports.iter().map(|r| r.code.as_str()).collect();
    let ids: HashMap<String, i64> = crate::store::units::all(conn)?
        .into_iter()
        .map(|u| (u.code, u.id))
        .collect();
    let units: Vec<i64> = codes.iter().filter_map(|c| ids.get(*c).copied()).collect();
    let roster = managers::all(conn)?;
    let without_manager: Vec<String> = codes
        .iter()
        .filter(|c| !roster.iter().any(|m| m.unit == **c))
        .map(|c| (*c).to_owned())
        .collect();
    let queued = audited(conn, actor, "feedback.notify", |c| {
        let n = managers::queue(c, wave_row.id, &units)?;
        Ok((n, format!("{study} {wave}: {n} notices queued")))
    })?;
    Ok(Queued {
        queued,
        reports: reports.len(),
        without_manager,
    })
}
