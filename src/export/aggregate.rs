//! The aggregate export for researchers outside the organisation: per
//! published group (a unit, a unit with everything under it, an arm, the
//! organisation) and wave, the respondents, each item's moments, the
//! complete cases' means and covariance matrix, and the dimension scores'
//! sufficient statistics (n, Σx, Σx²). Enough to refit factor models
//! (lavaan's `sample.cov`, `sample.mean`, `sample.nobs`), compare means or
//! pool across organisations, without one row of data. The groups are the
//! ones the disclosure plan publishes and nothing else, so the export adds
//! no figure that the plan's published sums did not already imply.
//!
//! Items are keyed: a reverse-worded item's answer x is written
//! min + max − x, as klimat scores it.

use serde::Serialize;

/// What a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The organisation: every respondent of the wave.
    Organisation,
    /// A unit's own respondents (not those of the units under it).
    Unit,
    /// A unit and every unit under it.
    Subtree,
    /// An arm of the study: pilot, control, or an adoption cohort.
    Arm,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Organisation => "organisation",
            Kind::Unit => "unit",
            Kind::Subtree => "subtree",
            Kind::Arm => "arm",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemStats {
    pub item: String,
    /// Answers on the scale.
    pub n: u64,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1).
    pub sd: Option<f64>,
    pub dont_know: u64,
    pub missing: u64,
}

/// The respondents who answered every item on the scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompleteCases {
    pub n: u64,
    /// In item order.
    pub mean: Vec<f64>,
    /// Sample covariances (divided by n − 1), item by item; empty below two cases.
    pub covariance: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionStats {
    pub dimension: String,
    /// Respondents with a score (enough items answered).
    pub n: u64,
    /// Σ score and Σ score² of the respondents' scores (the mean of their keyed answers).
    pub sum: f64,
    pub sum_sq: f64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    pub wave: String,
    pub kind: Kind,
    /// The unit's code, the arm's id, or `organisation`.
    pub group: String,
    pub name: String,
    pub respondents: u64,
    pub items: Vec<ItemStats>,
    pub complete: CompleteCases,
    pub dimensions: Vec<DimensionStats>,
}

/// A dimension and the items its score is the mean of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionItems {
    pub id: String,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub survey: String,
    pub version: u32,
    pub content_hash: String,
    pub scale: [i32; 2],
    /// Item ids in the order of every vector and matrix.
    pub items: Vec<String>,
    /// Items written min + max − x.
    pub reversed: Vec<String>,
    pub dimensions: Vec<DimensionItems>,
    pub min_group_size: u64,
    pub groups: Vec<GroupStats>,
}

/// Long ("tidy") CSV: one statistic a line,
/// `wave,kind,group,name,statistic,variable,variable2,value`.
pub fn csv(aggregate: &Aggregate) -> String {
    let mut out = String::from("wave,kind,group,name,statistic,variable,variable2,value\n");
    let mut line = |g: &GroupStats, stat: &str, v1: &str, v2: &str, value: String| {
        let fields = [
            g.wave.as_str(),
            g.kind.as_str(),
            g.group.as_str(),
            g.name.as_str(),
            stat,
            v1,
            v2,
        ];
        for f in fields {
            out.push_str(&field(f));
            out.push(',');
        }
        out.push_str(&value);
        out.push('\n');
    };
    let num = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
    for g in &aggregate.groups {
        line(g, "respondents", "", "", g.respondents.to_string());
        for it in &g.items {
            line(g, "item_n", &it.item, "", it.n.to_string());
            line(g, "item_mean", &it.item, "", num(it.mean));
            line(g, "item_sd", &it.item, "", num(it.sd));
            line(g, "item_dont_know", &it.item, "", it.dont_know.to_string());
            line(g, "item_missing", &it.item, "", it.missing.to_string());
        }
        line(g, "complete_n", "", "", g.complete.n.to_string());
        for (i, m) in g.complete.mean.iter().enumerate() {
            line(g, "complete_mean", &aggregate.items[i], "", format!("{m}"));
        }
        for (i, row) in g.complete.covariance.iter().enumerate() {
            for (j, c) in row.iter().enumerate().take(i + 1) {
                let (a, b) = (&aggregate.items[i], &aggregate.items[j]);
                line(g, "covariance", a, b, format!("{c}"));
            }
        }
        for d in &g.dimensions {
            line(g, "dimension_n", &d.dimension, "", d.n.to_string());
            line(g, "dimension_sum", &d.dimension, "", format!("{}", d.sum));
            line(
                g,
                "dimension_sum_sq",
                &d.dimension,
                "",
                format!("{}", d.sum_sq),
            );
            line(g, "dimension_mean", &d.dimension, "", num(d.mean));
            line(g, "dimension_sd", &d.dimension, "", num(d.sd));
        }
    }
    out
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
