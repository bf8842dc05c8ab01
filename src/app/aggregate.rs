//! The aggregate export of a study ([`crate::export::aggregate`]): one pass
//! over the responses into the scoring and factor-analysis accumulators,
//! then per closed wave the groups its plan publishes, each summed from its
//! units' exact cells.

use std::collections::HashSet;

use super::{Result, load_with};
use crate::export::aggregate::{
    Aggregate, CompleteCases, DimensionItems, DimensionStats, GroupStats, ItemStats, Kind,
};
use crate::scoring::accumulate::Cell;
use crate::store::DbConnection;
use crate::validity::Products;

/// A published group: what it is and its units (plan indices).
struct Published {
    kind: Kind,
    group: String,
    name: String,
    members: Vec<usize>,
}

pub fn study_aggregate(conn: &mut DbConnection, study: &str) -> Result<Aggregate> {
    let (loaded, products) = load_with(conn, study, Products::new)?;
    let survey = &loaded.survey;
    let plan = &loaded.plan;
    let layout = &loaded.acc.layout;
    let subtrees = plan.structure.subtrees();
    let mut groups = Vec::new();
    for wp in plan.waves.iter().filter(|wp| wp.publishes()) {
        let Some(w) = loaded.wave_names.iter().position(|n| *n == wp.wave.name) else {
            continue;
        };
        let p = &wp.plan;
        let mut published = vec![Published {
            kind: Kind::Organisation,
            group: "organisation".into(),
            name: "organisation".into(),
            members: (0..plan.units.len()).collect(),
        }];
        for (g, group) in plan.structure.groups.iter().enumerate() {
            if p.group_shown[g] {
                published.push(Published {
                    kind: Kind::Arm,
                    group: group.name.clone(),
                    name: group.name.clone(),
                    members: group.members.clone(),
                });
            }
        }
        for (u, unit) in plan.units.iter().enumerate() {
            // A root over every unit is the organisation, already given.
            let whole = subtrees[u].len() == plan.units.len();
            if subtrees[u].len() > 1 && !whole && p.subtree_shown[u] {
                published.push(Published {
                    kind: Kind::Subtree,
                    group: unit.code.clone(),
                    name: unit.name.clone(),
                    members: subtrees[u].clone(),
                });
            }
            if !p.unit_hidden[u] {
                published.push(Published {
                    kind: Kind::Unit,
                    group: unit.code.clone(),
                    name: unit.name.clone(),
                    members: vec![u],
                });
            }
        }
        for group in published {
            let acc_units: HashSet<usize> = group
                .members
                .iter()
                .filter_map(|&u| plan.acc_unit[u])
                .collect();
            let mut cell = Cell::new(layout);
            for &a in &acc_units {
                if let Some(Some(c)) = loaded.acc.waves[w].cells.get(a) {
                    cell.merge(c);
                }
            }
            let complete = products.sum(w, |a| acc_units.contains(&a));
            groups.push(GroupStats {
                wave: wp.wave.name.clone(),
                kind: group.kind,
                group: group.group,
                name: group.name,
                respondents: cell.respondents,
                items: (0..survey.items.len())
                    .map(|i| {
                        let m = cell.item(layout, i);
                        ItemStats {
                            item: survey.items[i].id.clone(),
                            n: m.n,
                            mean: (m.n > 0).then(|| m.sum as f64 / m.n as f64),
                            sd: m.variance().map(f64::sqrt),
                            dont_know: m.dont_know,
                            missing: m.missing,
                        }
                    })
                    .collect(),
                complete: complete_cases(&products, &complete),
                dimensions: (0..survey.dimensions.len())
                    .map(|d| {
                        let m = cell.scores(layout, d);
                        let mean = m.mean();
                        let (n, mu) = (m.n as f64, mean.unwrap_or(0.0));
                        let var = m.variance().unwrap_or(0.0);
                        DimensionStats {
                            dimension: survey.dimensions[d].id.clone(),
                            n: m.n,
                            sum: n * mu,
                            sum_sq: (n - 1.0).max(0.0) * var + n * mu * mu,
                            mean,
                            sd: m.sd(),
                        }
                    })
                    .collect(),
            });
        }
    }
    Ok(Aggregate {
        survey: survey.key.clone(),
        version: survey.version,
        content_hash: survey.content_hash(),
        scale: [survey.scale.min, survey.scale.max],
        items: survey.items.iter().map(|i| i.id.clone()).collect(),
        reversed: survey
            .items
            .iter()
            .filter(|i| i.reverse)
            .map(|i| i.id.clone())
            .collect(),
        dimensions: survey
            .dimensions
            .iter()
            .map(|d| {
                let items = d
                    .items
                    .iter()
                    .map(|&i| survey.items[i].id.clone())
                    .collect();
                DimensionItems {
                    id: d.id.clone(),
                    items,
                }
            })
            .collect(),
        min_group_size: plan.waves.first().map_or(0, |w| w.plan.min_group),
        groups,
    })
}

/// Means and sample covariances (n − 1) of the complete cases.
fn complete_cases(products: &Products, cell: &crate::validity::accumulate::Cell) -> CompleteCases {
    match products.moments(cell) {
        Some(m) => {
            let n = m.n;
            let scale = if n > 1.0 { n / (n - 1.0) } else { 0.0 };
            let p = m.mean.len();
            CompleteCases {
                n: cell.complete,
                mean: m.mean.iter().copied().collect(),
                covariance: if n > 1.0 {
                    (0..p)
                        .map(|i| (0..p).map(|j| m.cov[(i, j)] * scale).collect())
                        .collect()
                } else {
                    Vec::new()
                },
            }
        }
        None => CompleteCases {
            n: 0,
            mean: Vec::new(),
            covariance: Vec::new(),
        },
    }
}
