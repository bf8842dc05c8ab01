//! What the validity report says of each dimension's effect: whether its
//! items measure alike in every wave and arm, so that a difference in
//! differences of its means is a difference in the climate and not in how
//! the items are read.

use serde::Serialize;

use super::report::EffectReport;
use crate::said;
use crate::stats::cfa::Level;
use crate::survey::Language;
use crate::validity::{Across, ValidityReport};

/// One dimension's invariance, as the effect report states it.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// Per comparison tested: the highest level the dimension reaches.
    pub series: Vec<Reached>,
    /// Its means may be compared over time and between arms (scalar
    /// invariance in every comparison tested); None when nothing was tested.
    pub means_comparable: Option<bool>,
    /// Its items flagged as answered differently.
    pub items: Vec<String>,
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reached {
    pub across: Across,
    pub level: Option<Level>,
}

/// Adds the validity report to `report`: per dimension its measurement
/// verdict, and a warning where its means may not be compared.
pub fn attach(report: &mut EffectReport, validity: ValidityReport, lang: Language) {
    for d in &mut report.dimensions {
        let own = validity.dimensions.iter().find(|m| m.id == d.id);
        let in_model = own.is_some();
        let own = own.map(|m| m.items.as_slice()).unwrap_or_default();
        let mut series = Vec::new();
        let mut items = Vec::new();
        for s in &validity.invariance {
            // A comparison that was not tested, or whose models did not
            // converge in every group, says nothing either way.
            let Some(result) = &s.result else { continue };
            if result.supported.is_none() {
                continue;
            }
            let Some(support) = s.dimensions.iter().find(|x| x.dimension == d.id) else {
                continue;
            };
            series.push(Reached {
                across: s.across,
                level: support.level,
            });
            for (_, flagged) in &s.breaking {
                for i in flagged.iter().filter(|i| own.contains(i)) {
                    if !items.contains(i) {
                        items.push(i.clone());
                    }
                }
            }
        }
        let comparable =
            (!series.is_empty()).then(|| series.iter().all(|r| r.level == Some(Level::Scalar)));
        let failing: Vec<String> = series
            .iter()
            .filter(|r| r.level != Some(Level::Scalar))
            .map(|r| r.across.said().get(lang).to_owned())
            .collect();
        let verdict = match comparable {
            _ if !in_model => said!(
                "not tested: a dimension with one item is not in the factor model",
                "inte prövad: en dimension med en fråga ingår inte i faktormodellen"
            )
            .get(lang)
            .to_owned(),
            None => said!(
                "not tested: too few complete cases in the groups compared",
                "inte prövad: för få fullständiga svar i grupperna som jämförs"
            )
            .get(lang)
            .to_owned(),
            Some(true) => said!(
                "the items measure alike in every wave and arm (scalar invariance): its means may be compared",
                "frågorna mäter likadant i alla mätomgångar och armar (skalär invarians): dess medelvärden kan jämföras"
            )
            .get(lang)
            .to_owned(),
            Some(false) => said!(
                "scalar invariance fails {}{}: the difference in differences may be a change in how the items are read, not in the climate",
                "skalär invarians håller inte {}{}: skillnaden i skillnader kan vara en ändring i hur frågorna läses, inte i klimatet",
                failing.join("; "),
                if items.is_empty() { String::new() } else { format!(" ({})", items.join(", ")) }
            )
            .get(lang)
            .to_owned(),
        };
        if comparable == Some(false) {
            d.warnings.insert(
                0,
                said!("MEASUREMENT: {}", "MÄTNING: {}", verdict)
                    .get(lang)
                    .to_owned(),
            );
        }
        d.measurement = Some(Measurement {
            series,
            means_comparable: comparable,
            items,
            verdict,
        });
    }
    report.validity = Some(validity);
}
