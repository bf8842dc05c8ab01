//! Exports for analysts: the responses under the disclosure plan (or raw,
//! for an operator) as a [`crate::export::Table`], written in any of the
//! analysts' formats, and the study's aggregate for outside researchers.
//! Every export that leaves through the web or the API is audited here.

use std::collections::HashMap;

use super::plan::StudyPlan;
use super::{Actor, Result, load, setup};
use crate::export::{Format, aggregate};
use crate::store::studies::{self, Wave};
use crate::store::{DbConnection, responses, surveys};
use crate::survey::Language;

/// What to export: one wave, or every wave of a study.
#[derive(Debug, Clone)]
pub enum ExportScope {
    Wave(i64),
    Study(String),
}

impl ExportScope {
    /// The scope's name (for the file) and its waves.
    fn waves(&self, conn: &mut DbConnection) -> Result<(String, Vec<Wave>)> {
        Ok(match self {
            ExportScope::Wave(id) => {
                let wave = studies::wave_by_id(conn, *id)?;
                (wave.name.clone(), vec![wave])
            }
            ExportScope::Study(name) => {
                let study = studies::by_name(conn, name)?;
                (name.clone(), studies::waves_of(conn, &study)?)
            }
        })
    }
}

/// The disclosed responses of `scope` in `format`, audited: the scope's
/// name and the file's bytes.
pub fn responses_file(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: &ExportScope,
    format: Format,
    lang: Language,
) -> Result<(String, Vec<u8>)> {
    let (name, waves) = scope.waves(conn)?;
    let table = export_table(conn, &waves)?;
    let bytes = crate::export::write(&table, format, lang).map_err(anyhow::Error::from)?;
    let names: Vec<String> = waves
        .iter()
        .map(|w| format!("{} ({})", w.name, w.id))
        .collect();
    setup::audit(
        conn,
        actor,
        "export.responses",
        &format!("waves {} as {}", names.join(", "), format.extension()),
    )?;
    Ok((name, bytes))
}

/// A study's aggregate, audited.
pub fn aggregate_file(
    conn: &mut DbConnection,
    actor: &Actor,
    study: &str,
    csv: bool,
) -> Result<aggregate::Aggregate> {
    let aggregate = super::aggregate::study_aggregate(conn, study)?;
    setup::audit(
        conn,
        actor,
        "export.aggregate",
        &format!("study {study} as {}", if csv { "csv" } else { "json" }),
    )?;
    Ok(aggregate)
}

/// The label of the pooled rows of hidden units in exports (a column of a
/// file for analysts, the same in both languages).
pub const HIDDEN_UNITS: &str = "(hidden units)";

/// The responses of a study's `waves` for evaluators, under the study's
/// plan: rows of the units the plan shows, plus the hidden units' rows as
/// one group [`HIDDEN_UNITS`] where no published group splits that pool
/// (otherwise the pool's rows are left out, since a published part of them
/// could be matched against the rows). Open waves are left out. Rows come in
/// a fresh random order; [`crate::export::write`] writes any format.
pub fn export_table(conn: &mut DbConnection, waves: &[Wave]) -> Result<crate::export::Table> {
    let mut table: Option<crate::export::Table> = None;
    let mut by_study: Vec<i64> = waves.iter().map(|w| w.study_id).collect();
    by_study.sort_unstable();
    by_study.dedup();
    for study_id in by_study {
        let study = studies::by_id(conn, study_id)?;
        let loaded = load(conn, &study.name)?;
        let table = table.get_or_insert_with(|| crate::export::Table::new(loaded.survey.clone()));
        let ids: Vec<i64> = waves
            .iter()
            .filter(|w| w.study_id == study_id)
            .map(|w| w.id)
            .collect();
        for wp in loaded
            .plan
            .waves
            .iter()
            .filter(|wp| ids.contains(&wp.wave.id))
        {
            if !wp.publishes() {
                continue;
            }
            let pool: Vec<usize> = (0..loaded.plan.units.len())
                .filter(|&u| wp.plan.unit_hidden[u] && wp.counts[u].respondents > 0)
                .collect();
            let pool_whole = pool_is_whole(&loaded.plan, &wp.plan, &pool);
            let code_of: HashMap<&str, usize> = loaded
                .plan
                .units
                .iter()
                .enumerate()
                .map(|(i, u)| (u.code.as_str(), i))
                .collect();
            let wave = table.wave(&wp.wave.name, &wp.wave.name);
            let mut index: HashMap<String, Option<usize>> = HashMap::new();
            responses::scan(conn, &[wp.wave.id], |_, unit, answers| {
                // Looked up without allocating: a wave has few units and
                // many rows.
                let at = match index.get(unit) {
                    Some(&at) => at,
                    None => {
                        let at = match code_of.get(unit) {
                            Some(&u) if !wp.plan.unit_hidden[u] => {
                                Some(table.unit(unit, &loaded.plan.units[u].name))
                            }
                            Some(_) if pool_whole => Some(table.unit(HIDDEN_UNITS, HIDDEN_UNITS)),
                            _ => None,
                        };
                        index.insert(unit.to_owned(), at);
                        at
                    }
                };
                if let Some(u) = at {
                    table.push(u, wave, answers);
                }
            })?;
        }
    }
    let mut table = match table {
        Some(t) => t,
        None => crate::export::Table::new(surveys::shared_by(conn, waves)?),
    };
    table.finish();
    Ok(table)
}

/// Every row of `waves`, every unit, also those below the minimum: for an
/// operator on the server only (`klimat responses export` without
/// `--disclosed`). Rows in a fresh random order.
pub fn raw_table(conn: &mut DbConnection, waves: &[Wave]) -> Result<crate::export::Table> {
    let survey = surveys::shared_by(conn, waves)?;
    let names: HashMap<String, String> = crate::store::units::all(conn)?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    let mut table = crate::export::Table::new(survey);
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    responses::scan(conn, &ids, |wave, unit, answers| {
        let w = table.wave(wave, wave);
        let u = table.unit(unit, names.get(unit).map_or(unit, String::as_str));
        table.push(u, w, answers);
    })?;
    table.finish();
    Ok(table)
}

/// No published group holds part of the pool and not the rest: then the
/// pool's rows can be given without a published figure to match a subset
/// of them against.
fn pool_is_whole(study: &StudyPlan, plan: &crate::disclosure::Plan, pool: &[usize]) -> bool {
    if pool.is_empty() {
        return true;
    }
    let splits = |members: &[usize]| {
        let inside = pool.iter().filter(|u| members.contains(u)).count();
        inside > 0 && inside < pool.len()
    };
    let tree_splits = study
        .structure
        .subtrees()
        .iter()
        .enumerate()
        .any(|(i, s)| s.len() > 1 && plan.subtree_shown[i] && splits(s));
    let arm_splits = study
        .structure
        .groups
        .iter()
        .zip(&plan.group_shown)
        .any(|(group, &shown)| shown && splits(&group.members));
    !(tree_splits || arm_splits)
}
