//! The recorded reorganisations (see [`crate::reorganisation`]): read as a
//! [`History`], written inside the caller's transaction together with the
//! units they change.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use super::connection::on_backend;
use super::schema::{invitations, unit_change_units, unit_changes, units, waves};
use super::units::Unit;
use super::{DbConnection, StoreError};
use crate::reorganisation::{Change, History, Kind, Meaning, Side};

type SideRow = (i64, i64, String, String, String, Option<i64>);

/// Every change, in date order.
pub fn history(conn: &mut DbConnection) -> Result<History, StoreError> {
    let heads: Vec<(i64, String, String)> = unit_changes::table
        .select((
            unit_changes::id,
            unit_changes::kind,
            unit_changes::effective_on,
        ))
        .load(conn)?;
    let sides: Vec<SideRow> = unit_change_units::table
        .select((
            unit_change_units::change_id,
            unit_change_units::unit_id,
            unit_change_units::side,
            unit_change_units::code,
            unit_change_units::name,
            unit_change_units::parent_id,
        ))
        .order((unit_change_units::change_id, unit_change_units::unit_id))
        .load(conn)?;
    let mut changes: BTreeMap<i64, Change> = heads
        .into_iter()
        .filter_map(|(id, kind, effective_on)| {
            Some((
                id,
                Change {
                    id,
                    kind: Kind::parse(&kind)?,
                    effective_on,
                    before: Vec::new(),
                    after: Vec::new(),
                },
            ))
        })
        .collect();
    for (change, unit_id, side, code, name, parent_id) in sides {
        if let Some(c) = changes.get_mut(&change) {
            let s = Side {
                unit_id,
                code,
                name,
                parent_id,
            };
            if side == "before" {
                c.before.push(s);
            } else {
                c.after.push(s);
            }
        }
    }
    Ok(History::new(changes.into_values().collect()))
}

/// What unit codes named on a wave's date (its opening; none: today's
/// units), each distinct code looked up once: a roster has many rows and
/// few codes.
pub struct CodesOn {
    history: History,
    units: Vec<(i64, String)>,
    pub date: String,
    seen: HashMap<String, Meaning>,
}

impl CodesOn {
    pub fn meaning(&mut self, code: &str) -> Meaning {
        if let Some(m) = self.seen.get(code) {
            return m.clone();
        }
        let m = self.history.meaning(code, &self.date, &self.units);
        self.seen.insert(code.to_owned(), m.clone());
        m
    }
}

pub fn codes_on(
    conn: &mut DbConnection,
    wave: &super::studies::Wave,
) -> Result<CodesOn, StoreError> {
    Ok(CodesOn {
        history: history(conn)?,
        units: units::table.select((units::id, units::code)).load(conn)?,
        date: wave
            .opens_on
            .clone()
            .unwrap_or_else(|| "9999-12-31".to_owned()),
        seen: HashMap::new(),
    })
}

/// Records a change; the caller holds the write transaction.
pub fn insert(
    conn: &mut DbConnection,
    kind: Kind,
    effective_on: &str,
    before: &[Side],
    after: &[Side],
    by: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let id: i64 = on_backend!(conn, c => diesel::insert_into(unit_changes::table)
        .values((
            unit_changes::kind.eq(kind.as_str()),
            unit_changes::effective_on.eq(effective_on),
            unit_changes::recorded_at.eq(now),
            unit_changes::recorded_by.eq(by),
        ))
        .returning(unit_changes::id)
        .get_result(c))?;
    for (side, list) in [("before", before), ("after", after)] {
        for s in list {
            diesel::insert_into(unit_change_units::table)
                .values((
                    unit_change_units::change_id.eq(id),
                    unit_change_units::unit_id.eq(s.unit_id),
                    unit_change_units::side.eq(side),
                    unit_change_units::code.eq(&s.code),
                    unit_change_units::name.eq(&s.name),
                    unit_change_units::parent_id.eq(s.parent_id),
                ))
                .execute(conn)?;
        }
    }
    Ok(id)
}

/// Adds a unit (made by a merge or split); the caller holds the transaction.
pub fn add_unit(
    conn: &mut DbConnection,
    code: &str,
    name: &str,
    parent: Option<i64>,
) -> Result<Unit, StoreError> {
    Ok(on_backend!(conn, c => diesel::insert_into(units::table)
        .values((units::code.eq(code), units::name.eq(name), units::parent_id.eq(parent)))
        .returning(Unit::as_returning())
        .get_result(c))?)
}

/// Gives a unit another code, name and parent; the caller holds the transaction.
pub fn update_unit(
    conn: &mut DbConnection,
    id: i64,
    code: &str,
    name: &str,
    parent: Option<i64>,
) -> Result<(), StoreError> {
    diesel::update(units::table.find(id))
        .set((
            units::code.eq(code),
            units::name.eq(name),
            units::parent_id.eq(parent),
        ))
        .execute(conn)?;
    Ok(())
}

/// Per wave opening on or after `on`: its invitations in `units`.
pub fn invitations_from(
    conn: &mut DbConnection,
    units: &[i64],
    on: &str,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(invitations::table
        .inner_join(waves::table)
        .filter(invitations::unit_id.eq_any(units))
        .filter(waves::opens_on.ge(on))
        .group_by(waves::name)
        .select((waves::name, diesel::dsl::count_star()))
        .load(conn)?)
}
