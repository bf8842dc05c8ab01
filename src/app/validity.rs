//! The validity report of a study: its closed waves' responses, the
//! study's arms (a division brings the units under it), the study's
//! largest minimum group size.

use std::collections::HashMap;

use super::{Result, language_for};
use crate::store::studies::WaveState;
use crate::store::{DbConnection, studies, surveys, units};
use crate::survey::Language;
use crate::validity::{Products, ValidityReport, build, groupings};

pub fn study_validity(
    conn: &mut DbConnection,
    name: &str,
    lang: Language,
) -> Result<ValidityReport> {
    let study = studies::by_name(conn, name)?;
    let waves = studies::waves_of(conn, &study)?;
    let survey = surveys::shared_by(conn, &waves)?;
    let lang = language_for(&survey, lang);
    // Open waves publish nothing.
    let closed: Vec<_> = waves
        .iter()
        .filter(|w| w.state != WaveState::Open)
        .collect();
    let ids: Vec<i64> = closed.iter().map(|w| w.id).collect();
    let mut products = Products::new(&survey);
    let (wave_names, unit_names) = super::scan_into(conn, &ids, &mut products)?;
    // A unit is in an arm when it or a division above it is.
    let (pilot_codes, control_codes) = studies::arms(conn, &study)?;
    let all = units::all(conn)?;
    let by_id: HashMap<i64, &units::Unit> = all.iter().map(|u| (u.id, u)).collect();
    let by_code: HashMap<&str, &units::Unit> = all.iter().map(|u| (u.code.as_str(), u)).collect();
    let in_arm = |code: &str, arm: &[String]| {
        let mut unit = by_code.get(code).copied();
        while let Some(u) = unit {
            if arm.contains(&u.code) {
                return true;
            }
            unit = u.parent_id.and_then(|p| by_id.get(&p).copied());
        }
        false
    };
    let pilot: Vec<usize> = (0..unit_names.len())
        .filter(|&u| in_arm(&unit_names[u], &pilot_codes))
        .collect();
    let control: Vec<usize> = (0..unit_names.len())
        .filter(|&u| !pilot.contains(&u) && in_arm(&unit_names[u], &control_codes))
        .collect();
    let (every, comparisons) = groupings(&wave_names, unit_names.len(), &pilot, &control);
    let min_group = closed
        .iter()
        .map(|w| w.min_group_size as u64)
        .max()
        .unwrap_or(0);
    Ok(build(
        &survey,
        &products,
        &every,
        &comparisons,
        min_group,
        lang,
    ))
}
