//! Reorganisations as use cases: rename, move, merge and split a unit on a
//! date, each checked whole and written with its history and audit entry in
//! one transaction, or refused with every reason and nothing changed.
//!
//! Refused: a date that is not `YYYY-MM-DD`; units that do not exist or are
//! not valid on the date; a date before a change already recorded for one
//! of the units (changes of a unit are recorded in date order, so that
//! periods never overlap); a code that is taken; a move that would make a
//! cycle of parents; merging or splitting a unit that has units under it
//! (move them first); and a merge or split that would leave a wave opening
//! on or after the date with invitations in a unit that no longer exists.

use std::collections::HashMap;

use super::actor::Actor;
use super::error::{Error, Result};
use crate::reorganisation::{Change, History, Kind, Side};
use crate::said::Said;
use crate::store::outbox::now_ms;
use crate::store::pool::write_as;
use crate::store::units::Unit;
use crate::store::{DbConnection, accounts, unit_changes, units};

/// What to change.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Rename {
        code: String,
        new_code: Option<String>,
        new_name: Option<String>,
    },
    Move {
        code: String,
        parent: Option<String>,
    },
    Merge {
        codes: Vec<String>,
        into: String,
        name: String,
        parent: Option<String>,
    },
    Split {
        code: String,
        /// (code, name) of each part.
        into: Vec<(String, String)>,
    },
}

impl Request {
    fn kind(&self) -> Kind {
        match self {
            Request::Rename { .. } => Kind::Rename,
            Request::Move { .. } => Kind::Move,
            Request::Merge { .. } => Kind::Merge,
            Request::Split { .. } => Kind::Split,
        }
    }
}

fn refused(problems: Vec<Said>) -> Error {
    Error::Invalid {
        reason: crate::said!("nothing was changed", "inget ändrades"),
        problems,
    }
}

fn side(u: &Unit) -> Side {
    Side {
        unit_id: u.id,
        code: u.code.clone(),
        name: u.name.clone(),
        parent_id: u.parent_id,
    }
}

/// Records `request` as taking effect on `on` (`YYYY-MM-DD`).
pub fn reorganise(
    conn: &mut DbConnection,
    actor: &Actor,
    request: &Request,
    on: &str,
) -> Result<Change> {
    // Written the one way, so that dates compare as text.
    crate::store::studies::check_date(("the date", "datumet"), on)?;
    let on = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let on = on.as_str();
    write_as(conn, |c| {
        let all = units::all(c)?;
        let history = unit_changes::history(c)?;
        let by_code: HashMap<&str, &Unit> = all.iter().map(|u| (u.code.as_str(), u)).collect();
        let mut problems: Vec<Said> = Vec::new();
        let find = |code: &str, problems: &mut Vec<Said>| -> Option<Unit> {
            match by_code.get(code) {
                None => {
                    problems.push(crate::said!(
                        "there is no unit `{code}` (klimat unit list)",
                        "det finns ingen enhet `{code}` (klimat unit list)"
                    ));
                    None
                }
                Some(u) if !history.valid_on(u.id, on) => {
                    problems.push(crate::said!(
                        "unit `{code}` does not exist on {on}",
                        "enheten `{code}` finns inte den {on}"
                    ));
                    None
                }
                Some(u) => {
                    if let Some(last) = history.last_change_of(u.id)
                        && last.effective_on.as_str() > on
                    {
                        let (when, what) = (&last.effective_on, last.describe());
                        problems.push(crate::said!(
                            "unit `{code}` has a later change already ({what}): changes of a unit are recorded in date order, so record this one with a date on or after {when}",
                            "enheten `{code}` har redan en senare ändring ({what}): en enhets ändringar registreras i datumordning, så ange ett datum den {when} eller senare"
                        ));
                    }
                    Some((*u).clone())
                }
            }
        };
        let free = |code: &str, problems: &mut Vec<Said>| {
            if code.trim().is_empty() || code.contains(',') || code.chars().any(char::is_control) {
                problems.push(crate::said!(
                    "`{code}` cannot be a unit code (no commas, not empty)",
                    "`{code}` kan inte vara en enhetskod (inga kommatecken, inte tom)"
                ));
            } else if by_code.contains_key(code) {
                problems.push(crate::said!(
                    "the code `{code}` is taken: codes are never reused, since history refers to them",
                    "koden `{code}` är upptagen: koder återanvänds aldrig, eftersom historiken hänvisar till dem"
                ));
            }
        };
        let children = |unit: &Unit| -> Vec<&str> {
            all.iter()
                .filter(|u| u.parent_id == Some(unit.id) && history.valid_on(u.id, on))
                .map(|u| u.code.as_str())
                .collect()
        };
        let (before, after): (Vec<Side>, Vec<Side>) = match request {
            Request::Rename {
                code,
                new_code,
                new_name,
            } => {
                let unit = find(code, &mut problems);
                if let Some(n) = new_code {
                    free(n, &mut problems);
                }
                if new_code.is_none() && new_name.is_none() {
                    problems.push(crate::said!(
                        "give a new code (--to) or a new name (--name)",
                        "ange en ny kod (--to) eller ett nytt namn (--name)"
                    ));
                }
                if !problems.is_empty() {
                    return Err(refused(problems));
                }
                let unit = unit.expect("found");
                let mut new = side(&unit);
                if let Some(n) = new_code {
                    new.code = n.clone();
                }
                if let Some(n) = new_name {
                    new.name = n.trim().to_owned();
                }
                unit_changes::update_unit(c, unit.id, &new.code, &new.name, new.parent_id)?;
                (vec![side(&unit)], vec![new])
            }
            Request::Move { code, parent } => {
                let unit = find(code, &mut problems);
                let parent_unit = parent.as_deref().and_then(|p| find(p, &mut problems));
                if let (Some(u), Some(p)) = (&unit, &parent_unit) {
                    // The new parent must not be the unit or anything under it.
                    let parents: HashMap<i64, Option<i64>> =
                        all.iter().map(|x| (x.id, x.parent_id)).collect();
                    let mut at = Some(p.id);
                    while let Some(id) = at {
                        if id == u.id {
                            let (a, b) = (&u.code, &p.code);
                            problems.push(crate::said!(
                                "moving `{a}` under `{b}` would make a cycle: `{b}` is `{a}` or under it",
                                "att flytta `{a}` under `{b}` skulle ge en cirkel: `{b}` är `{a}` eller ligger under den"
                            ));
                            break;
                        }
                        at = parents.get(&id).copied().flatten();
                    }
                }
                if !problems.is_empty() {
                    return Err(refused(problems));
                }
                let unit = unit.expect("found");
                let mut new = side(&unit);
                new.parent_id = parent_unit.map(|p| p.id);
                if new.parent_id == unit.parent_id {
                    return Err(Error::invalid(crate::said!(
                        "`{code}` is there already",
                        "`{code}` ligger redan där"
                    )));
                }
                unit_changes::update_unit(c, unit.id, &new.code, &new.name, new.parent_id)?;
                (vec![side(&unit)], vec![new])
            }
            Request::Merge {
                codes,
                into,
                name,
                parent,
            } => {
                let mut distinct = codes.clone();
                distinct.sort();
                distinct.dedup();
                if distinct.len() < 2 {
                    problems.push(crate::said!(
                        "a merge needs at least two different units",
                        "en sammanslagning behöver minst två olika enheter"
                    ));
                }
                let merged: Vec<Unit> = distinct
                    .iter()
                    .filter_map(|code| find(code, &mut problems))
                    .collect();
                free(into, &mut problems);
                for u in &merged {
                    let under = children(u);
                    if !under.is_empty() {
                        let (code, list) = (&u.code, under.join(", "));
                        problems.push(crate::said!(
                            "`{code}` has units under it ({list}): move them first (klimat unit move)",
                            "`{code}` har enheter under sig ({list}): flytta dem först (klimat unit move)"
                        ));
                    }
                }
                let parent_id = match parent {
                    Some(p) => find(p, &mut problems).map(|u| u.id),
                    None => {
                        let parents: Vec<Option<i64>> =
                            merged.iter().map(|u| u.parent_id).collect();
                        if parents.windows(2).any(|w| w[0] != w[1]) {
                            problems.push(crate::said!(
                                "the merged units have different parents: say where the new unit belongs (--parent)",
                                "de sammanslagna enheterna har olika överordnade: ange var den nya enheten hör hemma (--parent)"
                            ));
                        }
                        parents.first().copied().flatten()
                    }
                };
                orphans(c, &merged, on, &mut problems)?;
                if !problems.is_empty() {
                    return Err(refused(problems));
                }
                let new = unit_changes::add_unit(c, into, name.trim(), parent_id)?;
                (merged.iter().map(side).collect(), vec![side(&new)])
            }
            Request::Split { code, into } => {
                let unit = find(code, &mut problems);
                if into.len() < 2 {
                    problems.push(crate::said!(
                        "a split needs at least two new units",
                        "en delning behöver minst två nya enheter"
                    ));
                }
                let mut seen = std::collections::HashSet::new();
                for (part, _) in into {
                    free(part, &mut problems);
                    if !seen.insert(part.as_str()) {
                        problems.push(crate::said!(
                            "`{part}` is named twice",
                            "`{part}` anges två gånger"
                        ));
                    }
                }
                if let Some(u) = &unit {
                    let under = children(u);
                    if !under.is_empty() {
                        let list = under.join(", ");
                        problems.push(crate::said!(
                            "`{code}` has units under it ({list}): move them first (klimat unit move)",
                            "`{code}` har enheter under sig ({list}): flytta dem först (klimat unit move)"
                        ));
                    }
                    orphans(c, std::slice::from_ref(u), on, &mut problems)?;
                }
                if !problems.is_empty() {
                    return Err(refused(problems));
                }
                let unit = unit.expect("found");
                let mut parts = Vec::new();
                for (part, name) in into {
                    parts.push(side(&unit_changes::add_unit(
                        c,
                        part,
                        name.trim(),
                        unit.parent_id,
                    )?));
                }
                (vec![side(&unit)], parts)
            }
        };
        let kind = request.kind();
        let by = actor.to_string();
        let id = unit_changes::insert(c, kind, on, &before, &after, &by, now_ms())?;
        let change = Change {
            id,
            kind,
            effective_on: on.to_owned(),
            before,
            after,
        };
        accounts::audit(
            c,
            &by,
            &format!("unit.{}", kind.as_str()),
            &change.describe(),
            now_ms(),
        )?;
        Ok(change)
    })
}

/// Waves opening on or after `on` whose rosters have people in `ended`.
fn orphans(c: &mut DbConnection, ended: &[Unit], on: &str, problems: &mut Vec<Said>) -> Result<()> {
    let ids: Vec<i64> = ended.iter().map(|u| u.id).collect();
    let rows = unit_changes::invitations_from(c, &ids, on)?;
    for (wave, n) in rows {
        problems.push(crate::said!(
            "wave `{wave}` opens on or after {on} and has {n} invitations in units this change ends: give them their new units first",
            "mätomgången `{wave}` öppnar den {on} eller senare och har {n} inbjudningar i enheter som ändringen avslutar: ge dem deras nya enheter först"
        ));
    }
    Ok(())
}

/// The history, for `klimat unit history` and the reports.
pub fn history(conn: &mut DbConnection) -> Result<History> {
    Ok(unit_changes::history(conn)?)
}

/// One part of a split as people write it: `CODE=NAME`.
pub fn parse_part(part: &str) -> Result<(String, String)> {
    match part.split_once('=') {
        Some((code, name)) if !code.trim().is_empty() && !name.trim().is_empty() => {
            Ok((code.trim().to_owned(), name.trim().to_owned()))
        }
        _ => Err(Error::invalid(crate::said!(
            "`{part}` is not CODE=NAME (for example \"vard-3a=Vård 3 A\")",
            "`{part}` är inte KOD=NAMN (till exempel \"vard-3a=Vård 3 A\")"
        ))),
    }
}
