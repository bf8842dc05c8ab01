//! Invitations: the frozen roster of a wave. An invitation never shares a
//! key, a time or an order with a response.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::connection::on_backend;
use super::pool::write;
use super::schema::{invitations, units};
use super::studies::Wave;
use super::{DbConnection, StoreError};
use crate::email::Email;
use crate::said;
use crate::said::Said;
use crate::survey::Language;

/// One line of a roster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub line: usize,
    pub email: String,
    pub unit: String,
    pub language: String,
}

/// Parses a roster CSV with columns email, unit, language.
pub fn parse_roster_csv(text: &str) -> Result<Vec<RosterRow>, Vec<Said>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect(),
        Err(e) => return Err(vec![said!("line 1: {e}", "rad 1: {e}")]),
    };
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(email), Some(unit), Some(language)) = (col("email"), col("unit"), col("language"))
    else {
        let has = headers.join(",");
        return Err(vec![said!(
            "line 1: the header must name the columns email,unit,language; it has {has}",
            "rad 1: rubrikraden ska ha kolumnerna email,unit,language; den har {has}"
        )]);
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        match record {
            Err(e) => {
                let line = i + 2;
                problems.push(said!("line {line}: {e}", "rad {line}: {e}"))
            }
            Ok(r) => rows.push(RosterRow {
                line: i + 2,
                email: r.get(email).unwrap_or("").to_owned(),
                unit: r.get(unit).unwrap_or("").trim().to_owned(),
                language: r.get(language).unwrap_or("").trim().to_lowercase(),
            }),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Whether an import adds to the roster or replaces its e-mailed part (the
/// one-time codes stay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    Nothing,
    Roster,
}

/// Adds `rows` to the roster of a draft wave, all or nothing: malformed
/// addresses, unknown units, languages the survey lacks and duplicates (in
/// the file or already on the roster) are all listed and nothing is added.
pub fn import_roster(
    conn: &mut DbConnection,
    wave: &Wave,
    rows: &[RosterRow],
    languages: &[Language],
    replace: Replace,
) -> Result<usize, StoreError> {
    if wave.state != super::studies::WaveState::Draft {
        let (name, en, sv) = (&wave.name, wave.state, wave.state.word(Language::Sv));
        return Err(StoreError::Conflict(crate::said!(
            "wave `{name}` is {en}: its roster was frozen when it opened",
            "mätomgången `{name}` är {sv}: utskickslistan låstes när den öppnade"
        )));
    }
    write(conn, |conn| {
        if replace == Replace::Roster {
            diesel::delete(
                invitations::table
                    .filter(invitations::wave_id.eq(wave.id))
                    .filter(invitations::delivery.ne(super::codes::DELIVERY)),
            )
            .execute(conn)?;
        }
        // A code means the unit it named on the wave's date: a renamed
        // unit's old code still names it, a merged or split one is refused
        // with what it became.
        let mut codes = super::unit_changes::codes_on(conn, wave)?;
        let date = codes.date.clone();
        let mut unit_on = |code: &str, line: usize, problems: &mut Vec<Said>| -> Option<i64> {
            use crate::reorganisation::Meaning;
            match codes.meaning(code) {
                Meaning::Unit(id) => Some(id),
                Meaning::Unknown => {
                    problems.push(said!(
                        "line {line}: unknown unit `{code}`",
                        "rad {line}: okänd enhet `{code}`"
                    ));
                    None
                }
                Meaning::Ended(c) => {
                    let what = c.describe();
                    problems.push(said!(
                        "line {line}: unit `{code}` no longer exists on {date}, when the wave opens ({what}): use its new unit",
                        "rad {line}: enheten `{code}` finns inte längre den {date}, när mätomgången öppnar ({what}): använd dess nya enhet"
                    ));
                    None
                }
                Meaning::NotYet(c) => {
                    let what = c.describe();
                    problems.push(said!(
                        "line {line}: unit `{code}` does not exist yet on {date}, when the wave opens ({what})",
                        "rad {line}: enheten `{code}` finns inte än den {date}, när mätomgången öppnar ({what})"
                    ));
                    None
                }
            }
        };
        let existing: HashSet<String> = invitations::table
            .filter(invitations::wave_id.eq(wave.id))
            .select(invitations::email)
            .load::<Option<String>>(conn)?
            .into_iter()
            .flatten()
            .collect();
        let mut problems = Vec::new();
        let mut seen: HashMap<Email, usize> = HashMap::new();
        let mut valid = Vec::new();
        for r in rows {
            let line = r.line;
            let email = match Email::parse(&r.email) {
                Ok(e) => Some(e),
                Err(m) => {
                    problems.push(m.after(&said!("line {line}: ", "rad {line}: ")));
                    None
                }
            };
            let unit = unit_on(&r.unit, line, &mut problems);
            let language = Language::from_code(&r.language).filter(|l| languages.contains(l));
            if language.is_none() {
                let offered: Vec<&str> = languages.iter().map(|l| l.code()).collect();
                let (language, offered) = (&r.language, offered.join(", "));
                problems.push(said!(
                    "line {line}: language `{language}` is not offered by the wave's survey ({offered})",
                    "rad {line}: språket `{language}` finns inte i mätomgångens enkät ({offered})"
                ));
            }
            if let Some(e) = &email {
                if let Some(first) = seen.insert(e.clone(), r.line) {
                    problems.push(said!(
                        "line {line}: {e} is listed twice (also line {first})",
                        "rad {line}: {e} finns två gånger (också rad {first})"
                    ));
                } else if existing.contains(e.as_str()) {
                    problems.push(said!(
                        "line {line}: {e} is on the wave's roster already",
                        "rad {line}: {e} finns redan på mätomgångens utskickslista"
                    ));
                }
            }
            if let (Some(e), Some(u), Some(l)) = (email, unit, language) {
                valid.push((e, u, l));
            }
        }
        if !problems.is_empty() {
            let n = problems.len();
            return Err(StoreError::Problems(
                said!(
                    "nothing was imported ({n} problem(s))",
                    "inget importerades ({n} problem)"
                ),
                problems,
            ));
        }
        for chunk in valid.chunks(5_000) {
            let values: Vec<_> = chunk
                .iter()
                .map(|(e, u, l)| {
                    (
                        invitations::wave_id.eq(wave.id),
                        invitations::unit_id.eq(*u),
                        invitations::language.eq(l.code()),
                        invitations::email.eq(Some(e.as_str())),
                    )
                })
                .collect();
            on_backend!(conn, c => diesel::insert_into(invitations::table).values(&values).execute(c))?;
        }
        Ok(valid.len())
    })
}

/// Invited people per unit code.
pub fn roster_counts(
    conn: &mut DbConnection,
    wave: &Wave,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(invitations::table
        .inner_join(units::table)
        .filter(invitations::wave_id.eq(wave.id))
        .group_by(units::code)
        .select((units::code, diesel::dsl::count_star()))
        .order(units::code)
        .load(conn)?)
}

/// Per wave and unit id: invitations and answered invitations.
pub fn counts(
    conn: &mut DbConnection,
    waves: &[i64],
) -> Result<Vec<(i64, i64, u64, u64)>, StoreError> {
    let rows: Vec<(i64, i64, bool, i64)> = invitations::table
        .filter(invitations::wave_id.eq_any(waves))
        .group_by((
            invitations::wave_id,
            invitations::unit_id,
            invitations::answered,
        ))
        .select((
            invitations::wave_id,
            invitations::unit_id,
            invitations::answered,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let mut by_cell: std::collections::BTreeMap<(i64, i64), (u64, u64)> = Default::default();
    for (wave, unit, answered, n) in rows {
        let cell = by_cell.entry((wave, unit)).or_default();
        cell.0 += n as u64;
        if answered {
            cell.1 += n as u64;
        }
    }
    Ok(by_cell
        .into_iter()
        .map(|((w, u), (i, a))| (w, u, i, a))
        .collect())
}

/// Removes the e-mail addresses of a closed wave (retention). The rest of
/// each invitation stays, so response rates remain reportable.
pub fn purge_contacts(conn: &mut DbConnection, wave: &Wave) -> Result<usize, StoreError> {
    if wave.state != super::studies::WaveState::Closed {
        let (name, en, sv) = (&wave.name, wave.state, wave.state.word(Language::Sv));
        return Err(StoreError::Conflict(crate::said!(
            "wave `{name}` is {en}: contacts are purged only after it closes",
            "mätomgången `{name}` är {sv}: adresser tas bort först när den har stängt"
        )));
    }
    write(conn, |conn| {
        Ok(diesel::update(
            invitations::table
                .filter(invitations::wave_id.eq(wave.id))
                .filter(invitations::email.is_not_null()),
        )
        .set((
            invitations::email.eq(None::<String>),
            invitations::token_hash.eq(None::<String>),
        ))
        .execute(conn)?)
    })
}

/// The invitations of a wave as (id, unit code), in id order (roster order).
pub fn ids_by_unit(conn: &mut DbConnection, wave: &Wave) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(invitations::table
        .inner_join(units::table)
        .filter(invitations::wave_id.eq(wave.id))
        .select((invitations::id, units::code))
        .order(invitations::id)
        .load(conn)?)
}
