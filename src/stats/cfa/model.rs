//! The model: which item loads on which factor, how many groups, which
//! parameters are shared between groups, and the table that maps each
//! group's matrices to the free parameters.
//!
//! The parameterisation is lavaan's default for `cfa()`: each factor's
//! first item is its marker (loading fixed to 1), factor variances and
//! covariances are free, residuals are uncorrelated. With a mean structure,
//! intercepts are free and factor means fixed to 0, except under scalar
//! invariance, where intercepts are shared and factor means are free in every
//! group but the first.

/// Items and the factor each loads on.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    pub items: usize,
    /// Per factor, its items (indices into the item list), marker first.
    pub factors: Vec<Vec<usize>>,
}

impl Structure {
    pub fn factors(&self) -> usize {
        self.factors.len()
    }

    /// The factor of each item.
    pub fn factor_of(&self) -> Vec<usize> {
        let mut of = vec![usize::MAX; self.items];
        for (f, items) in self.factors.iter().enumerate() {
            for &i in items {
                of[i] = f;
            }
        }
        of
    }

    /// Item i's average covariance (or correlation) in `m` with the other
    /// items of factor f.
    pub(super) fn sibling_average(&self, m: &nalgebra::DMatrix<f64>, i: usize, f: usize) -> f64 {
        let others = self.factors[f].iter().filter(|&&j| j != i);
        others.clone().map(|&j| m[(i, j)]).sum::<f64>() / others.count() as f64
    }

    /// A start value for item i's loading on factor f: its sibling average
    /// against the marker's, so that a reverse-keyed marker (or item)
    /// starts with a negative loading; 1 where either is 0.
    pub(super) fn start_loading(&self, m: &nalgebra::DMatrix<f64>, i: usize, f: usize) -> f64 {
        let (a, am) = (
            self.sibling_average(m, i, f),
            self.sibling_average(m, self.factors[f][0], f),
        );
        if am.abs() > 1e-8 && a != 0.0 {
            a / am
        } else {
            1.0
        }
    }

    /// What makes the model impossible to fit, if anything.
    pub fn check(&self) -> Result<(), String> {
        let of = self.factor_of();
        if let Some(i) = of.iter().position(|&f| f == usize::MAX) {
            return Err(format!("item {} is on no factor", i + 1));
        }
        let on: usize = self.factors.iter().map(Vec::len).sum();
        if on != self.items {
            return Err("an item is on more than one factor".into());
        }
        if let Some(f) = self.factors.iter().position(|f| f.len() < 2) {
            return Err(format!(
                "factor {} has fewer than two items; it is not identified",
                f + 1
            ));
        }
        if self.factors.len() == 1 && self.items < 3 {
            return Err("one factor needs at least three items".into());
        }
        Ok(())
    }
}

/// How much of the measurement model the groups share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The same pattern, every parameter free in each group.
    Configural,
    /// Loadings equal across groups.
    Metric,
    /// Loadings and intercepts equal across groups.
    Scalar,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Configural => "configural",
            Level::Metric => "metric",
            Level::Scalar => "scalar",
        }
    }
}

/// A parameter of one group's matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Local {
    /// λ of an item (not a marker) on its factor.
    Loading(usize),
    /// θ, an item's residual variance.
    Residual(usize),
    /// φ between two factors (f ≤ h).
    FactorCov(usize, usize),
    /// ν, an item's intercept.
    Intercept(usize),
    /// α, a factor's mean.
    FactorMean(usize),
}

/// One free parameter of one group, and its place in the parameter vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    pub group: usize,
    pub local: Local,
    pub free: usize,
}

/// A model to fit: the structure in `groups` groups at a level of
/// invariance, possibly with some items' intercepts released (partial
/// scalar invariance) or some items' loadings released (partial metric).
#[derive(Debug, Clone)]
pub struct Spec {
    pub structure: Structure,
    pub groups: usize,
    pub level: Level,
    /// Items whose intercepts are free in every group despite `Scalar`.
    pub free_intercepts: Vec<usize>,
    /// Items whose loadings are free in every group despite `Metric`.
    pub free_loadings: Vec<usize>,
}

impl Spec {
    pub fn new(structure: Structure, groups: usize, level: Level) -> Spec {
        Spec {
            structure,
            groups,
            level,
            free_intercepts: Vec::new(),
            free_loadings: Vec::new(),
        }
    }

    /// The free parameters in order, with their groups. A shared parameter
    /// appears once per group with the same `free` index.
    pub fn entries(&self) -> (Vec<Entry>, usize) {
        let s = &self.structure;
        let mut entries = Vec::new();
        let mut next = 0;
        let mut shared: std::collections::HashMap<Local, usize> = Default::default();
        let mut add = |group: usize, local: Local, share: bool| {
            let free = if share && group > 0 {
                shared[&local]
            } else {
                let f = next;
                next += 1;
                if share {
                    shared.insert(local, f);
                }
                f
            };
            entries.push(Entry { group, local, free });
        };
        let equal_loadings = self.level >= Level::Metric;
        let equal_intercepts = self.level == Level::Scalar;
        for g in 0..self.groups {
            for items in &s.factors {
                for &i in &items[1..] {
                    add(
                        g,
                        Local::Loading(i),
                        equal_loadings && !self.free_loadings.contains(&i),
                    );
                }
            }
            for i in 0..s.items {
                add(g, Local::Residual(i), false);
            }
            for f in 0..s.factors() {
                for h in f..s.factors() {
                    add(g, Local::FactorCov(f, h), false);
                }
            }
            for i in 0..s.items {
                add(
                    g,
                    Local::Intercept(i),
                    equal_intercepts && !self.free_intercepts.contains(&i),
                );
            }
            if equal_intercepts && g > 0 {
                for f in 0..s.factors() {
                    add(g, Local::FactorMean(f), false);
                }
            }
        }
        (entries, next)
    }

    /// Sample moments each group supplies: covariances and means.
    pub fn moments(&self) -> usize {
        let p = self.structure.items;
        self.groups * (p * (p + 1) / 2 + p)
    }

    /// Degrees of freedom of the model.
    pub fn df(&self) -> i64 {
        self.moments() as i64 - self.entries().1 as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three_by_three() -> Structure {
        Structure {
            items: 9,
            factors: vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]],
        }
    }

    #[test]
    fn degrees_of_freedom_are_lavaans() {
        // lavaan, HolzingerSwineford1939 three-factor model: df 24 in one
        // group; by school: configural 48, metric 54, scalar 60.
        let s = three_by_three();
        assert_eq!(Spec::new(s.clone(), 1, Level::Configural).df(), 24);
        assert_eq!(Spec::new(s.clone(), 2, Level::Configural).df(), 48);
        assert_eq!(Spec::new(s.clone(), 2, Level::Metric).df(), 54);
        assert_eq!(Spec::new(s.clone(), 2, Level::Scalar).df(), 60);
        let mut partial = Spec::new(s, 2, Level::Scalar);
        partial.free_intercepts = vec![2];
        assert_eq!(partial.df(), 59);
    }

    #[test]
    fn a_factor_of_one_item_is_refused() {
        let s = Structure {
            items: 3,
            factors: vec![vec![0, 1], vec![2]],
        };
        assert!(s.check().unwrap_err().contains("factor 2"));
    }
}
