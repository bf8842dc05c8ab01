//! The header line of a responses file: which column is what.

use std::collections::HashMap;

use crate::survey::Survey;

/// What a column of the responses file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Unit,
    Wave,
    Item(usize),
    /// A free-text question: allowed, not scored.
    Ignored,
}

/// The columns and their names, or every problem of the header.
pub fn header(
    record: &csv::ByteRecord,
    survey: &Survey,
    delimiter: u8,
) -> Result<(Vec<Column>, Vec<String>), Vec<String>> {
    let mut problems = Vec::new();
    let mut names = Vec::new();
    for (i, field) in record.iter().enumerate() {
        let field = if i == 0 {
            field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
        } else {
            field
        };
        match std::str::from_utf8(field) {
            Ok(name) => names.push(name.trim().to_owned()),
            Err(_) => {
                return Err(vec![format!(
                    "column {} of the header is not UTF-8 text; save the file as UTF-8 (in Excel: \"CSV UTF-8\")",
                    i + 1
                )]);
            }
        }
    }
    if names.len() == 1 {
        for (d, what) in [
            (b';', "semicolons"),
            (b'\t', "tabs"),
            (b',', "commas"),
            (b'|', "bars"),
        ] {
            if d != delimiter && names[0].contains(d as char) {
                return Err(vec![format!(
                    "the header has one column, and it contains {what}: the file seems to be separated by {what}; pass --delimiter '{}'",
                    if d == b'\t' {
                        "\\t".to_owned()
                    } else {
                        (d as char).to_string()
                    }
                )]);
            }
        }
    }
    let mut columns = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut unknown = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), i + 1) {
            problems.push(format!("column {} `{name}` repeats column {first}", i + 1));
        }
        let column = match name.as_str() {
            "unit" => Column::Unit,
            "wave" => Column::Wave,
            _ => match survey.item_index(name) {
                Some(item) => Column::Item(item),
                None if survey.free_text.iter().any(|f| &f.id == name) => Column::Ignored,
                None => {
                    unknown.push(format!("`{name}` (column {})", i + 1));
                    Column::Ignored
                }
            },
        };
        columns.push(column);
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "unknown column(s) {}: not items of survey {} v{}",
            unknown.join(", "),
            survey.key,
            survey.version
        ));
    }
    for required in ["unit", "wave"] {
        if !names.iter().any(|n| n == required) {
            problems.push(format!("the required column `{required}` is missing"));
        }
    }
    let missing: Vec<&str> = survey
        .items
        .iter()
        .filter(|i| !names.contains(&i.id))
        .map(|i| i.id.as_str())
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "no column for item(s) {}; add the column (it may be empty) so that a missing item is a decision, not an accident",
            missing.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok((columns, names))
    } else {
        Err(problems)
    }
}
