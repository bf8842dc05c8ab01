//! Reading and checking a responses file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::scoring::{Answer, DONT_KNOW, MISSING};
use crate::survey::Survey;

/// How many row problems are listed; the rest are only counted.
pub const LISTED_PROBLEMS: usize = 20;

#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub delimiter: u8,
    /// Drop rows with problems instead of refusing the file.
    pub skip_invalid: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: b',',
            skip_invalid: false,
        }
    }
}

/// One problem in one row (and column) of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Line of the file, 1-based; the header is line 1.
    pub line: u64,
    /// The column's name and 1-based position, when the problem is in one cell.
    pub column: Option<(String, usize)>,
    pub message: String,
}

impl RowProblem {
    /// A short reason without the specifics, for counting skipped rows.
    fn reason(&self) -> String {
        self.message
            .split(':')
            .next()
            .unwrap_or(&self.message)
            .to_owned()
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some((name, n)) => write!(
                f,
                "line {}, column {n} `{name}`: {}",
                self.line, self.message
            ),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ResponsesError {
    #[error("cannot read responses file {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: cannot read line {line}: {message}")]
    Io {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: the header is not usable:\n{}", list(problems))]
    Header { file: String, problems: Vec<String> },
    #[error(
        "{file}: {total} problem(s) in the rows; nothing was computed.\n{}{}\n  help: correct the file, or pass --skip-invalid to drop the rows with problems",
        list(&listed.iter().map(|p| p.to_string()).collect::<Vec<_>>()),
        if *total as usize > listed.len() { format!("\n  … and {} more", *total as usize - listed.len()) } else { String::new() }
    )]
    Rows {
        file: String,
        total: u64,
        listed: Vec<RowProblem>,
    },
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names seen in a column, each given the next index on first sight.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    pub names: Vec<String>,
    index: HashMap<Box<[u8]>, usize>,
    last: Option<(Box<[u8]>, usize)>,
}

impl Interner {
    fn get(&mut self, bytes: &[u8]) -> Result<usize, &'static str> {
        if let Some((b, i)) = &self.last
            && **b == *bytes
        {
            return Ok(*i);
        }
        let i = match self.index.get(bytes) {
            Some(&i) => i,
            None => {
                let name = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text")?;
                let i = self.names.len();
                self.names.push(name.to_owned());
                self.index.insert(bytes.into(), i);
                i
            }
        };
        self.last = Some((bytes.into(), i));
        Ok(i)
    }
}

/// What reading produced: the names behind the indices given to the sink,
/// and what was dropped.
#[derive(Debug, Clone, Default)]
pub struct ReadOutcome {
    pub waves: Interner,
    pub units: Interner,
    pub rows: u64,
    pub skipped: u64,
    /// Skipped rows by reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// The first problems of the skipped rows.
    pub listed: Vec<RowProblem>,
}

enum Column {
    Unit,
    Wave,
    Item(usize),
    Ignored,
}

/// Reads the responses file at `path`; see [`read`].
pub fn read_path(
    path: &Path,
    survey: &Survey,
    options: &ReadOptions,
    sink: impl FnMut(usize, usize, &[Answer]),
) -> Result<ReadOutcome, ResponsesError> {
    let file = std::fs::File::open(path).map_err(|source| ResponsesError::Open {
        path: path.to_owned(),
        source,
    })?;
    read(
        std::io::BufReader::with_capacity(1 << 20, file),
        &path.display().to_string(),
        survey,
        options,
        sink,
    )
}

/// Reads a responses file, checks every row against `survey`, and gives each
/// valid row to `sink(wave, unit, answers)` with answers in survey item order.
///
/// Without `skip_invalid`, any row problem refuses the whole file: the sink may
/// have seen rows, so callers keep its results only on `Ok`.
pub fn read(
    input: impl Read,
    file: &str,
    survey: &Survey,
    options: &ReadOptions,
    mut sink: impl FnMut(usize, usize, &[Answer]),
) -> Result<ReadOutcome, ResponsesError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(input);
    let io_error = |e: csv::Error| ResponsesError::Io {
        file: file.to_owned(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };

    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(io_error)? {
        return Err(ResponsesError::Header {
            file: file.to_owned(),
            problems: vec![
                "the file is empty; the first line must name the columns: unit,wave,<item ids>"
                    .into(),
            ],
        });
    }
    let (columns, names) =
        header(&record, survey, options.delimiter).map_err(|problems| ResponsesError::Header {
            file: file.to_owned(),
            problems,
        })?;

    let mut out = ReadOutcome::default();
    let mut answers: Vec<Answer> = vec![MISSING; survey.items.len()];
    let mut problems: Vec<RowProblem> = Vec::new();
    let mut total_problems = 0u64;
    let (min, max) = (survey.scale.min, survey.scale.max);
    while reader.read_byte_record(&mut record).map_err(io_error)? {
        let line = record.position().map_or(0, |p| p.line());
        out.rows += 1;
        let mut row_problem: Option<RowProblem> = None;
        let mut note = |p: RowProblem| {
            if row_problem.is_none() {
                row_problem = Some(p);
            }
        };
        if record.len() != columns.len() {
            note(RowProblem {
                line,
                column: None,
                message: format!(
                    "wrong number of fields: {} instead of {} (is a delimiter or quote out of place?)",
                    record.len(),
                    columns.len()
                ),
            });
        }
        let (mut wave, mut unit) = (None, None);
        for (c, field) in record.iter().enumerate().take(columns.len()) {
            let at = || Some((names[c].clone(), c + 1));
            match columns[c] {
                Column::Ignored => {}
                Column::Item(i) => match parse_answer(field, min, max) {
                    Ok(a) => answers[i] = a,
                    Err(message) => note(RowProblem {
                        line,
                        column: at(),
                        message,
                    }),
                },
                Column::Unit | Column::Wave => {
                    let is_unit = matches!(columns[c], Column::Unit);
                    let value = field.trim_ascii();
                    if value.is_empty() {
                        note(RowProblem {
                            line,
                            column: at(),
                            message: "empty: every row needs a unit and a wave".into(),
                        });
                        continue;
                    }
                    let interner = if is_unit {
                        &mut out.units
                    } else {
                        &mut out.waves
                    };
                    match interner.get(value) {
                        Ok(i) if is_unit => unit = Some(i),
                        Ok(i) => wave = Some(i),
                        Err(m) => note(RowProblem {
                            line,
                            column: at(),
                            message: format!(
                                "{m}: save the file as UTF-8 (in Excel: \"CSV UTF-8\")"
                            ),
                        }),
                    }
                }
            }
        }
        match (row_problem, wave, unit) {
            (None, Some(w), Some(u)) => sink(w, u, &answers),
            (p, _, _) => {
                let p = p.expect("a row without wave or unit has a problem");
                total_problems += 1;
                if options.skip_invalid {
                    out.skipped += 1;
                    *out.skipped_by_reason.entry(p.reason()).or_default() += 1;
                    if out.listed.len() < LISTED_PROBLEMS {
                        out.listed.push(p);
                    }
                } else if problems.len() < LISTED_PROBLEMS {
                    problems.push(p);
                }
            }
        }
    }
    if !options.skip_invalid && total_problems > 0 {
        return Err(ResponsesError::Rows {
            file: file.to_owned(),
            total: total_problems,
            listed: problems,
        });
    }
    Ok(out)
}

#[inline]
fn parse_answer(field: &[u8], min: i32, max: i32) -> Result<Answer, String> {
    let v = field.trim_ascii();
    match v {
        [] => return Ok(MISSING),
        [b] if b.is_ascii_digit() => {
            let x = (b - b'0') as i32;
            return if (min..=max).contains(&x) {
                Ok(x as Answer)
            } else {
                Err(out_of_scale(v, min, max))
            };
        }
        _ if v.eq_ignore_ascii_case(b"dk") => return Ok(DONT_KNOW),
        _ => {}
    }
    let text = String::from_utf8_lossy(v);
    match text.parse::<i64>() {
        Ok(x) if (min as i64..=max as i64).contains(&x) => Ok(x as Answer),
        Ok(_) => Err(out_of_scale(v, min, max)),
        Err(_) => Err(format!(
            "not an answer: `{text}`; use a whole number from {min} to {max}, `dk` for don't know, or leave it empty"
        )),
    }
}

fn out_of_scale(v: &[u8], min: i32, max: i32) -> String {
    format!(
        "outside the scale: {} is not in {min}–{max}",
        String::from_utf8_lossy(v)
    )
}

fn header(
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
