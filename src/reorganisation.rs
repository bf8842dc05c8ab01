//! Units over time, without SQL: the recorded reorganisations (a unit
//! renamed, moved, several merged into one, one split into several), and
//! what follows from them — when a unit began and ended, which unit a code
//! meant on a date, and whether a unit stayed the same group of people
//! between two dates.
//!
//! A rename or a move keeps the unit (the same people under another code,
//! name or parent); a merge or a split ends the units before it and begins
//! those after it, on the change's date.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Rename,
    Move,
    Merge,
    Split,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Rename => "rename",
            Kind::Move => "move",
            Kind::Merge => "merge",
            Kind::Split => "split",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Rename, Kind::Move, Kind::Merge, Kind::Split]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Whether the units before it end (and those after it begin).
    pub fn ends_units(self) -> bool {
        matches!(self, Kind::Merge | Kind::Split)
    }
}

/// A unit as it was before a change, or became after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub id: i64,
    pub kind: Kind,
    /// `YYYY-MM-DD`: the first day of the new organisation.
    pub effective_on: String,
    pub before: Vec<Side>,
    pub after: Vec<Side>,
}

impl Change {
    pub fn touches(&self, unit: i64) -> bool {
        self.before
            .iter()
            .chain(&self.after)
            .any(|s| s.unit_id == unit)
    }

    /// One line for people: "a, b merged into c on 2026-01-01".
    pub fn describe(&self) -> String {
        self.told().en
    }

    /// [`Change::describe`] in both languages.
    pub fn told(&self) -> crate::said::Said {
        let codes = |sides: &[Side]| {
            sides
                .iter()
                .map(|s| s.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let on = &self.effective_on;
        let (before, after) = (codes(&self.before), codes(&self.after));
        match self.kind {
            Kind::Rename => crate::said!(
                "{before} renamed {after} on {on}",
                "{before} bytte namn till {after} den {on}"
            ),
            Kind::Move => crate::said!(
                "{before} moved to another parent on {on}",
                "{before} flyttades till en annan överordnad enhet den {on}"
            ),
            Kind::Merge => crate::said!(
                "{before} merged into {after} on {on}",
                "{before} slogs samman till {after} den {on}"
            ),
            Kind::Split => crate::said!(
                "{before} split into {after} on {on}",
                "{before} delades i {after} den {on}"
            ),
        }
    }
}

/// What a code meant on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meaning {
    /// This unit (its code then may be another now).
    Unit(i64),
    /// The unit had ended by then: the change that ended it.
    Ended(Change),
    /// The unit began later: the change that made it.
    NotYet(Change),
    Unknown,
}

/// Every recorded change, in date order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub changes: Vec<Change>,
}

impl History {
    pub fn new(mut changes: Vec<Change>) -> History {
        changes.sort_by(|a, b| a.effective_on.cmp(&b.effective_on).then(a.id.cmp(&b.id)));
        History { changes }
    }

    /// The merge or split that ended `unit`, if one did.
    pub fn ended_by(&self, unit: i64) -> Option<&Change> {
        self.changes
            .iter()
            .find(|c| c.kind.ends_units() && c.before.iter().any(|s| s.unit_id == unit))
    }

    /// The merge or split that made `unit`, if one did.
    pub fn begun_by(&self, unit: i64) -> Option<&Change> {
        self.changes
            .iter()
            .find(|c| c.kind.ends_units() && c.after.iter().any(|s| s.unit_id == unit))
    }

    /// Whether `unit` existed on `date`.
    pub fn valid_on(&self, unit: i64, date: &str) -> bool {
        self.ended_by(unit)
            .is_none_or(|c| date < c.effective_on.as_str())
            && self
                .begun_by(unit)
                .is_none_or(|c| date >= c.effective_on.as_str())
    }

    /// The latest change that touches `unit`.
    pub fn last_change_of(&self, unit: i64) -> Option<&Change> {
        self.changes.iter().rev().find(|c| c.touches(unit))
    }

    /// The changes of `unit` that took effect after `from` and on or before
    /// `to` (both `YYYY-MM-DD`).
    pub fn changes_between(&self, unit: i64, from: &str, to: &str) -> Vec<&Change> {
        self.changes
            .iter()
            .filter(|c| {
                c.touches(unit) && c.effective_on.as_str() > from && c.effective_on.as_str() <= to
            })
            .collect()
    }

    /// What `code` meant on `date`, given the units as they are now
    /// (`(id, code)`): a renamed unit's old code still names it for dates
    /// before the rename; a code renamed away means the other unit only
    /// from the rename on.
    pub fn meaning(&self, code: &str, date: &str, units: &[(i64, String)]) -> Meaning {
        // The code a unit had on `date`: its code now, undone by every later rename.
        let code_on = |unit: i64, now: &str| -> String {
            let mut code = now.to_owned();
            for c in self.changes.iter().rev() {
                if c.kind == Kind::Rename
                    && c.effective_on.as_str() > date
                    && let (Some(b), Some(a)) = (
                        c.before.iter().find(|s| s.unit_id == unit),
                        c.after.iter().find(|s| s.unit_id == unit),
                    )
                    && a.code == code
                {
                    code = b.code.clone();
                }
            }
            code
        };
        // The code it had then; failing that, its code now (files written
        // since the rename use the new code for old waves too).
        let Some(&(unit, _)) = units
            .iter()
            .find(|(id, now)| code_on(*id, now) == code)
            .or_else(|| units.iter().find(|(_, now)| now == code))
        else {
            return Meaning::Unknown;
        };
        if let Some(c) = self.ended_by(unit)
            && date >= c.effective_on.as_str()
        {
            return Meaning::Ended(c.clone());
        }
        if let Some(c) = self.begun_by(unit)
            && date < c.effective_on.as_str()
        {
            return Meaning::NotYet(c.clone());
        }
        Meaning::Unit(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(id: i64, code: &str) -> Side {
        Side {
            unit_id: id,
            code: code.into(),
            name: code.into(),
            parent_id: None,
        }
    }

    fn history() -> History {
        History::new(vec![
            Change {
                id: 2,
                kind: Kind::Merge,
                effective_on: "2026-01-01".into(),
                before: vec![side(1, "a"), side(2, "b")],
                after: vec![side(3, "ab")],
            },
            Change {
                id: 1,
                kind: Kind::Rename,
                effective_on: "2025-06-01".into(),
                before: vec![side(4, "old")],
                after: vec![side(4, "new")],
            },
        ])
    }

    #[test]
    fn merged_units_end_and_the_new_one_begins_on_the_date() {
        let h = history();
        assert_eq!(h.changes[0].id, 1, "in date order");
        assert!(h.valid_on(1, "2025-12-31") && !h.valid_on(1, "2026-01-01"));
        assert!(!h.valid_on(3, "2025-12-31") && h.valid_on(3, "2026-01-01"));
        assert!(h.valid_on(4, "2020-01-01"), "a rename keeps the unit");
        assert_eq!(h.changes_between(2, "2025-09-01", "2026-03-01").len(), 1);
        assert!(h.changes_between(2, "2026-01-01", "2026-03-01").is_empty());
    }

    #[test]
    fn a_code_means_the_unit_valid_on_the_date() {
        let h = history();
        let units = vec![
            (1, "a".to_owned()),
            (2, "b".to_owned()),
            (3, "ab".to_owned()),
            (4, "new".to_owned()),
        ];
        assert_eq!(h.meaning("old", "2025-03-01", &units), Meaning::Unit(4));
        assert_eq!(h.meaning("new", "2025-09-01", &units), Meaning::Unit(4));
        assert_eq!(
            h.meaning("new", "2025-03-01", &units),
            Meaning::Unit(4),
            "its code now"
        );
        assert_eq!(h.meaning("old", "2025-09-01", &units), Meaning::Unknown);
        assert!(matches!(h.meaning("a", "2026-02-01", &units), Meaning::Ended(c) if c.id == 2));
        assert!(matches!(
            h.meaning("ab", "2025-02-01", &units),
            Meaning::NotYet(_)
        ));
        assert_eq!(h.meaning("a", "2025-02-01", &units), Meaning::Unit(1));
    }
}
