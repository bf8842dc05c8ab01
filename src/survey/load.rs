//! Reading a survey file: TOML syntax, unknown keys and value types, then the
//! checks of [`super::validate`]. Every problem that can be found in one pass
//! is reported, each with its line and column.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::problem::{LoadError, Problem};
use super::raw::RawSurvey;
use super::{Survey, validate};

/// Reads and validates the survey file at `path`.
pub fn load(path: &Path) -> Result<Survey, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    let file = path.display().to_string();
    match String::from_utf8(bytes) {
        Ok(source) => parse(&source, &file),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let source = String::from_utf8_lossy(e.as_bytes());
            let problem = Problem::at(&source, valid..valid, "the file is not valid UTF-8 text")
                .help("save the survey file as UTF-8 (TOML files are always UTF-8)");
            Err(LoadError::Invalid {
                file,
                problems: vec![problem],
            })
        }
    }
}

/// Validates survey text; `file` names it in the problems.
pub fn parse(source: &str, file: &str) -> Result<Survey, LoadError> {
    let invalid = |problems| LoadError::Invalid {
        file: file.to_owned(),
        problems,
    };
    let (tree, syntax) = DeTable::parse_recoverable(source);
    if !syntax.is_empty() {
        // One syntax error tends to cause more on the same line; the first is the one to fix.
        let mut problems: Vec<Problem> = syntax.iter().map(|e| toml_problem(source, e)).collect();
        problems.sort_by_key(|p| (p.location.line, p.location.column));
        problems.dedup_by_key(|p| p.location.line);
        return Err(invalid(problems));
    }

    let mut unknown = Vec::new();
    let deserializer =
        toml::Deserializer::parse(source).map_err(|e| invalid(vec![toml_problem(source, &e)]))?;
    let raw: Result<RawSurvey, _> = serde_ignored::deserialize(deserializer, |path| {
        unknown.push(segments(&path));
    });
    let mut problems: Vec<Problem> = unknown
        .iter()
        .map(|path| unknown_key_problem(source, tree.get_ref(), path))
        .collect();
    match raw {
        Err(e) => problems.push(toml_problem(source, &e)),
        Ok(raw) => match validate::survey(source, raw) {
            Ok(survey) if problems.is_empty() => return Ok(survey),
            Ok(_) => {}
            Err(found) => problems.extend(found),
        },
    }
    problems.sort_by_key(|p| (p.location.line, p.location.column));
    problems.dedup();
    Err(invalid(problems))
}

fn toml_problem(source: &str, e: &toml::de::Error) -> Problem {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim().to_owned();
    let message = match message.strip_prefix("invalid type: ") {
        Some(m) => format!("wrong type of value: {m}")
            .replace("expected i64", "expected a whole number")
            .replace("expected u32", "expected a whole number")
            .replace("expected a boolean", "expected true or false")
            .replace("expected a sequence", "expected a list [ … ]")
            .replace("expected a map", "expected a table { … }"),
        None => message,
    };
    Problem::at(source, span, message).help("see surveys/README.md for the format of a survey file")
}

/// A step in a path through the document.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    use serde_ignored::Path;
    let mut out = match path {
        Path::Root => return Vec::new(),
        Path::Seq { parent, .. }
        | Path::Map { parent, .. }
        | Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => segments(parent),
    };
    match path {
        Path::Seq { index, .. } => out.push(Segment::Index(*index)),
        // The wrapper that records a value's position is not part of the document.
        Path::Map { key, .. } if !key.starts_with("$__serde_spanned") => {
            out.push(Segment::Key(key.clone()))
        }
        _ => {}
    }
    out
}

fn unknown_key_problem(source: &str, root: &DeTable<'_>, path: &[Segment]) -> Problem {
    let mut dotted = String::new();
    for segment in path {
        match segment {
            Segment::Key(k) if dotted.is_empty() => dotted.push_str(k),
            Segment::Key(k) => dotted.push_str(&format!(".{k}")),
            Segment::Index(i) => dotted.push_str(&format!("[{}]", i + 1)),
        }
    }
    let name = match path.last() {
        Some(Segment::Key(k)) => k.as_str(),
        _ => dotted.as_str(),
    };
    Problem::at(
        source,
        key_span(root, path),
        format!("unknown key `{name}` (at `{dotted}`)"),
    )
    .help("remove it or correct its spelling; surveys/README.md lists every key")
}

/// The position of the last key of `path`, or of the nearest enclosing value found.
fn key_span(root: &DeTable<'_>, path: &[Segment]) -> Range<usize> {
    let mut table = Some(root);
    let mut value: Option<&DeValue<'_>> = None;
    let mut span = 0..0;
    for segment in path {
        match segment {
            Segment::Key(name) => {
                let Some(t) = table.or_else(|| value.and_then(DeValue::as_table)) else {
                    break;
                };
                let Some((k, v)) = t.iter().find(|(k, _)| k.get_ref() == name) else {
                    break;
                };
                span = k.span();
                value = Some(v.get_ref());
                table = None;
            }
            Segment::Index(i) => {
                let Some(element) = value.and_then(DeValue::as_array).and_then(|a| a.get(*i))
                else {
                    break;
                };
                span = element.span();
                value = Some(element.get_ref());
                table = None;
            }
        }
    }
    span
}
