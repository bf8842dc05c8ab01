//! The units file: `code,name,parent`, and optionally `change,on,from` for
//! the reorganisations an organisation keeps in its own spreadsheet. One
//! file is one transaction: the plain rows are added or renamed first, then
//! every change is recorded in date order (the file's order within a date),
//! each checked as [`reorganise`] checks it; one problem anywhere and
//! nothing is changed.
//!
//! | `change` | the row is                      | `from`                                 |
//! |----------|---------------------------------|----------------------------------------|
//! | (empty)  | a unit, added or renamed        | —                                      |
//! | `rename` | the unit after the change       | its code before                        |
//! | `move`   | the unit and its new `parent`   | —                                      |
//! | `merge`  | the new unit                    | the merged codes, separated by `;`     |
//! | `split`  | one part (one row per part)     | the split unit; its rows with the same `on` are one split |

use super::actor::Actor;
use super::csv_file::{self, at};
use super::error::{Error, Result};
use super::reorganise::{self, Request};
use super::setup::audited;
use crate::reorganisation::{Change, Kind};
use crate::said::Said;
use crate::store::DbConnection;
use crate::store::pool::write_as;
use crate::store::units::{self, ImportSummary, UnitRow};

/// A change read from the file, with the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct FileChange {
    pub line: usize,
    pub on: String,
    pub request: Request,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnitsFile {
    pub units: Vec<UnitRow>,
    pub changes: Vec<FileChange>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    pub units: ImportSummary,
    pub changes: Vec<Change>,
}

/// Reads a units file; every problem is listed with its line.
pub fn parse(text: &str) -> std::result::Result<UnitsFile, Vec<Said>> {
    let mut reader = csv_file::reader(text);
    let headers = csv_file::headers(&mut reader)?;
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(code), Some(name)) = (col("code"), col("name")) else {
        let has = headers.join(",");
        return Err(vec![
            crate::said!(
                "the header must name the columns code,name,parent (and change,on,from for reorganisations); it has {has}",
                "rubrikraden ska namnge kolumnerna code,name,parent (och change,on,from för omorganisationer); den har {has}"
            )
            .after(&at(1)),
        ]);
    };
    let (parent, change, on, from) = (col("parent"), col("change"), col("on"), col("from"));
    let mut file = UnitsFile::default();
    let mut problems = Vec::new();
    // Splits gather their parts: (from, on) → index in `file.changes`.
    let mut splits: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(Said::both(e.to_string()).after(&at(line)));
                continue;
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("").trim().to_owned();
        let (code, name, parent, kind, on, from) = (
            get(Some(code)),
            get(Some(name)),
            Some(get(parent)).filter(|p| !p.is_empty()),
            get(change).to_lowercase(),
            get(on),
            get(from),
        );
        let mut problem = |p: Said| problems.push(p.after(&at(line)));
        if code.is_empty() {
            problem(crate::said!("a row needs a code", "en rad behöver en kod"));
            continue;
        }
        if code.contains(',') || code.chars().any(char::is_control) {
            problem(crate::said!(
                "code `{code}` must not hold commas or control characters",
                "koden `{code}` får inte innehålla kommatecken eller styrtecken"
            ));
            continue;
        }
        if kind.is_empty() {
            if !on.is_empty() || !from.is_empty() {
                problem(crate::said!(
                    "`on` and `from` belong to a change: say which in the `change` column (rename, move, merge or split)",
                    "`on` och `from` hör till en ändring: ange vilken i kolumnen `change` (rename, move, merge eller split)"
                ));
            } else if name.is_empty() {
                problem(crate::said!(
                    "a unit needs a code and a name",
                    "en enhet behöver en kod och ett namn"
                ));
            } else {
                file.units.push(UnitRow { code, name, parent });
            }
            continue;
        }
        let Some(kind) = Kind::parse(&kind) else {
            problem(crate::said!(
                "`{kind}` is not a change: rename, move, merge or split",
                "`{kind}` är ingen ändring: rename, move, merge eller split"
            ));
            continue;
        };
        if on.is_empty() {
            problem(crate::said!(
                "a change needs the date it takes effect (`on`, YYYY-MM-DD)",
                "en ändring behöver datumet då den gäller (`on`, ÅÅÅÅ-MM-DD)"
            ));
            continue;
        }
        let needs_from = kind != Kind::Move;
        if needs_from && from.is_empty() {
            problem(match kind {
                Kind::Rename => crate::said!(
                    "a rename needs the code before the change (`from`)",
                    "ett namnbyte behöver koden före ändringen (`from`)"
                ),
                Kind::Merge => crate::said!(
                    "a merge needs the merged codes (`from`, separated by `;`)",
                    "en sammanslagning behöver de sammanslagna koderna (`from`, åtskilda med `;`)"
                ),
                _ => crate::said!(
                    "a split part needs the code of the split unit (`from`)",
                    "en del av en delning behöver koden för den delade enheten (`from`)"
                ),
            });
            continue;
        }
        if !needs_from && !from.is_empty() {
            problem(crate::said!(
                "a move keeps its code: leave `from` empty and give the new `parent` (empty for the top)",
                "en flytt behåller sin kod: lämna `from` tom och ange ny `parent` (tom för översta nivån)"
            ));
            continue;
        }
        if matches!(kind, Kind::Merge | Kind::Split) && name.is_empty() {
            problem(crate::said!(
                "a new unit needs a name",
                "en ny enhet behöver ett namn"
            ));
            continue;
        }
        let request = match kind {
            Kind::Rename => Request::Rename {
                new_code: Some(code.clone()).filter(|c| *c != from),
                new_name: Some(name).filter(|n| !n.is_empty()),
                code: from,
            },
            Kind::Move => Request::Move { code, parent },
            Kind::Merge => Request::Merge {
                codes: from
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect(),
                into: code,
                name,
                parent,
            },
            Kind::Split => {
                let key = (from.clone(), on.clone());
                let part = (code.clone(), name);
                if let Some(&index) = splits.get(&key) {
                    if let Request::Split { into, .. } = &mut file.changes[index].request {
                        into.push(part);
                    }
                } else {
                    splits.insert(key, file.changes.len());
                    file.changes.push(FileChange {
                        line,
                        on: on.clone(),
                        request: Request::Split {
                            code: from,
                            into: vec![part],
                        },
                    });
                }
                // A part placed elsewhere than the split unit's parent moves
                // there on the same day.
                if parent.is_some() {
                    file.changes.push(FileChange {
                        line,
                        on,
                        request: Request::Move { code, parent },
                    });
                }
                continue;
            }
        };
        file.changes.push(FileChange { line, on, request });
    }
    if problems.is_empty() {
        // Date order, the file's order within a date (the sort is stable).
        file.changes.sort_by(|a, b| a.on.cmp(&b.on));
        Ok(file)
    } else {
        Err(problems)
    }
}

/// Imports a units file whole, or nothing: see the module's description.
pub fn import(conn: &mut DbConnection, actor: &Actor, text: &str) -> Result<Imported> {
    let file = parse(text).map_err(|problems| Error::Invalid {
        reason: crate::said!("nothing was imported", "inget importerades"),
        problems,
    })?;
    write_as(conn, |c| {
        let mut imported = Imported::default();
        if !file.units.is_empty() {
            imported.units = audited(c, actor, "units.import", |c| {
                let s = units::import(c, &file.units)?;
                let detail = format!(
                    "{} added, {} renamed, {} unchanged",
                    s.added, s.renamed, s.unchanged
                );
                Ok((s, detail))
            })?;
        }
        for change in &file.changes {
            let done = reorganise::reorganise(c, actor, &change.request, &change.on)
                .map_err(|e| in_line(e, change.line))?;
            imported.changes.push(done);
        }
        Ok(imported)
    })
}

/// A change's refusal, placed at its line of the file.
fn in_line(e: Error, line: usize) -> Error {
    let here = at(line);
    let reason = crate::said!("nothing was imported", "inget importerades");
    match e {
        Error::Invalid {
            reason: why,
            problems,
        } if problems.is_empty() => Error::Invalid {
            reason,
            problems: vec![why.after(&here)],
        },
        Error::Invalid { problems, .. } => Error::Invalid {
            reason,
            problems: problems.into_iter().map(|p| p.after(&here)).collect(),
        },
        Error::NotFound(why) | Error::Conflict(why) => Error::Invalid {
            reason,
            problems: vec![why.after(&here)],
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_rows_and_every_kind_of_change_are_read_with_their_lines() {
        let text = "code,name,parent,change,on,from\n\
                    vard,Vård,,,,\n\
                    vard-9,Vård 9,vard,,,\n\
                    SOC-03,Socialtjänst 3,,rename,2026-01-01,soc-3\n\
                    vard-12,Vård 1–2,vard,merge,2025-06-01,vard-1; vard-2\n\
                    vard-3a,Vård 3 A,,split,2026-01-01,vard-3\n\
                    vard-3b,Vård 3 B,soc,split,2026-01-01,vard-3\n\
                    hr,HR,ledning,move,2026-02-01,\n";
        let file = parse(text).unwrap();
        assert_eq!(file.units.len(), 2);
        assert_eq!(file.units[1].parent.as_deref(), Some("vard"));
        let summary: Vec<(usize, &str, &Request)> = file
            .changes
            .iter()
            .map(|c| (c.line, c.on.as_str(), &c.request))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    5,
                    "2025-06-01",
                    &Request::Merge {
                        codes: vec!["vard-1".into(), "vard-2".into()],
                        into: "vard-12".into(),
                        name: "Vård 1–2".into(),
                        parent: Some("vard".into()),
                    }
                ),
                (
                    4,
                    "2026-01-01",
                    &Request::Rename {
                        code: "soc-3".into(),
                        new_code: Some("SOC-03".into()),
                        new_name: Some("Socialtjänst 3".into()),
                    }
                ),
                (
                    6,
                    "2026-01-01",
                    &Request::Split {
                        code: "vard-3".into(),
                        into: vec![
                            ("vard-3a".into(), "Vård 3 A".into()),
                            ("vard-3b".into(), "Vård 3 B".into()),
                        ],
                    }
                ),
                (
                    7,
                    "2026-01-01",
                    &Request::Move {
                        code: "vard-3b".into(),
                        parent: Some("soc".into()),
                    }
                ),
                (
                    8,
                    "2026-02-01",
                    &Request::Move {
                        code: "hr".into(),
                        parent: Some("ledning".into()),
                    }
                ),
            ]
        );
    }

    #[test]
    fn every_bad_row_is_listed_in_both_languages() {
        let text = "code,name,change,on,from\n\
                    a,,,,\n\
                    b,B,swap,2026-01-01,a\n\
                    c,C,merge,,a;b\n\
                    d,D,rename,2026-01-01,\n\
                    e,E,move,2026-01-01,a\n\
                    f,F,,2026-01-01,\n";
        let problems = parse(text).unwrap_err();
        let lines: Vec<&str> = problems
            .iter()
            .map(|p| p.en.split(':').next().unwrap())
            .collect();
        assert_eq!(
            lines,
            ["line 2", "line 3", "line 4", "line 5", "line 6", "line 7"]
        );
        assert!(problems[1].en.contains("`swap` is not a change"));
        assert!(problems[1].sv.starts_with("rad 3: `swap` är ingen ändring"));
    }

    #[test]
    fn a_file_without_code_and_name_columns_is_refused_at_its_header() {
        let problems = parse("unit,label\na,A\n").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].en.starts_with("line 1: the header must name"));
    }
}
