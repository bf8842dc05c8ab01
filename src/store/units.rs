//! Units: an organisational tree with stable codes.

use std::collections::HashMap;

use diesel::prelude::*;

use super::connection::on_backend;
use super::pool::write;
use super::schema::units;
use super::{DbConnection, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = units)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
}

/// One line of a units file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub added: usize,
    pub renamed: usize,
    pub unchanged: usize,
}

/// Imports units all or nothing: new codes are added, names of known codes
/// are updated, codes are never removed (history refers to them). Parents
/// must be in the file or already stored; cycles are refused.
pub fn import(conn: &mut DbConnection, rows: &[UnitRow]) -> Result<ImportSummary, StoreError> {
    let mut problems = Vec::new();
    let mut seen = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(first) = seen.insert(r.code.as_str(), i) {
            problems.push(format!(
                "code `{}` appears twice (rows {} and {})",
                r.code,
                first + 1,
                i + 1
            ));
        }
    }
    write(conn, |conn| {
        let existing: Vec<Unit> = units::table.select(Unit::as_select()).load(conn)?;
        let mut by_code: HashMap<String, Unit> =
            existing.into_iter().map(|u| (u.code.clone(), u)).collect();
        for r in rows {
            if let Some(p) = &r.parent
                && !seen.contains_key(p.as_str())
                && !by_code.contains_key(p)
            {
                problems.push(format!(
                    "unit `{}` has parent `{p}`, which is neither in the file nor stored",
                    r.code
                ));
            }
            if r.parent.as_deref() == Some(r.code.as_str()) {
                problems.push(format!("unit `{}` is its own parent", r.code));
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Problems(
                crate::said!("nothing was imported", "inget importerades"),
                problems.into_iter().map(crate::said::Said::both).collect(),
            ));
        }
        let mut summary = ImportSummary::default();
        for r in rows {
            match by_code.get(&r.code) {
                Some(u) if u.name == r.name => summary.unchanged += 1,
                Some(u) => {
                    diesel::update(units::table.find(u.id))
                        .set(units::name.eq(&r.name))
                        .execute(conn)?;
                    summary.renamed += 1;
                }
                None => {
                    let unit = on_backend!(conn, c => diesel::insert_into(units::table)
                        .values((units::code.eq(&r.code), units::name.eq(&r.name))).returning(Unit::as_returning()).get_result(c))?;
                    by_code.insert(unit.code.clone(), unit);
                    summary.added += 1;
                }
            }
        }
        for r in rows {
            let id = by_code[&r.code].id;
            let parent = r.parent.as_ref().map(|p| by_code[p].id);
            diesel::update(units::table.find(id))
                .set(units::parent_id.eq(parent))
                .execute(conn)?;
        }
        // A parent chain must end: walk up from every unit.
        let all: Vec<Unit> = units::table.select(Unit::as_select()).load(conn)?;
        let parents: HashMap<i64, Option<i64>> = all.iter().map(|u| (u.id, u.parent_id)).collect();
        for u in &all {
            let (mut at, mut steps) = (u.parent_id, 0);
            while let Some(p) = at {
                steps += 1;
                if steps > all.len() {
                    let code = &u.code;
                    return Err(StoreError::Invalid(crate::said!(
                        "nothing was imported: unit `{code}` is part of a cycle of parents",
                        "inget importerades: enheten `{code}` ingår i en cirkel av överordnade"
                    )));
                }
                at = parents.get(&p).copied().flatten();
            }
        }
        Ok(summary)
    })
}

pub fn all(conn: &mut DbConnection) -> Result<Vec<Unit>, StoreError> {
    Ok(units::table
        .select(Unit::as_select())
        .order(units::code)
        .load(conn)?)
}
