//! Reading and checking a responses file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::answer::parse_answer;
use super::header::{Column, header};
use crate::scoring::{Accumulator, Answer, MISSING};
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
    /// Adds every name of `other` and returns, per index of `other`, the index here.
    fn absorb(&mut self, other: &Interner) -> Vec<usize> {
        other
            .names
            .iter()
            .map(|n| self.get(n.as_bytes()).expect("names are UTF-8"))
            .collect()
    }

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

/// Receives the valid rows of a responses file. Reading runs on several
/// threads, each with a sink of its own, whose results are then absorbed into one.
pub trait RowSink: Send {
    fn row(&mut self, wave: usize, unit: usize, answers: &[Answer]);
    /// Adds `other`, whose wave and unit indices become `waves[i]` and `units[i]`.
    fn absorb(&mut self, other: &Self, waves: &[usize], units: &[usize]);
}

impl RowSink for Accumulator {
    fn row(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        self.push(wave, unit, answers);
    }

    fn absorb(&mut self, other: &Self, waves: &[usize], units: &[usize]) {
        self.merge(other, waves, units);
    }
}

/// A sink that keeps nothing.
impl RowSink for () {
    fn row(&mut self, _: usize, _: usize, _: &[Answer]) {}
    fn absorb(&mut self, _: &Self, _: &[usize], _: &[usize]) {}
}

/// A sink that may not be wanted.
impl<S: RowSink> RowSink for Option<S> {
    fn row(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        if let Some(s) = self {
            s.row(wave, unit, answers);
        }
    }

    fn absorb(&mut self, other: &Self, waves: &[usize], units: &[usize]) {
        if let (Some(s), Some(o)) = (self, other) {
            s.absorb(o, waves, units);
        }
    }
}

/// Two sinks fed by one pass over the rows.
impl<A: RowSink, B: RowSink> RowSink for (A, B) {
    fn row(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        self.0.row(wave, unit, answers);
        self.1.row(wave, unit, answers);
    }

    fn absorb(&mut self, other: &Self, waves: &[usize], units: &[usize]) {
        self.0.absorb(&other.0, waves, units);
        self.1.absorb(&other.1, waves, units);
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

/// Bytes handed to a worker at a time; each block ends at a record boundary.
const BLOCK: usize = 4 << 20;

/// Reads the responses file at `path`; see [`read`].
pub fn read_path<S: RowSink>(
    path: &Path,
    survey: &Survey,
    options: &ReadOptions,
    new_sink: impl Fn() -> S + Sync,
) -> Result<(S, ReadOutcome), ResponsesError> {
    let file = std::fs::File::open(path).map_err(|source| ResponsesError::Open {
        path: path.to_owned(),
        source,
    })?;
    read(file, &path.display().to_string(), survey, options, new_sink)
}

/// Reads a responses file, checks every row against `survey`, and gives each
/// valid row to a sink with answers in survey item order. One thread reads
/// blocks that end at record boundaries; one worker per core parses and
/// checks them into a sink of its own; the sinks are absorbed into one at
/// the end, so memory is bounded by a few blocks whatever the file's length.
///
/// Without `skip_invalid`, any row problem refuses the whole file.
pub fn read<S: RowSink>(
    mut input: impl Read,
    file: &str,
    survey: &Survey,
    options: &ReadOptions,
    new_sink: impl Fn() -> S + Sync,
) -> Result<(S, ReadOutcome), ResponsesError> {
    let io = |line: u64, e: std::io::Error| ResponsesError::Io {
        file: file.to_owned(),
        line,
        message: e.to_string(),
    };
    let header_error = |problems| ResponsesError::Header {
        file: file.to_owned(),
        problems,
    };

    // The header: the first line.
    let mut buffer = Vec::with_capacity(BLOCK);
    let header_end = loop {
        if let Some(i) = memchr::memchr(b'\n', &buffer) {
            break i + 1;
        }
        if fill(&mut input, &mut buffer, BLOCK).map_err(|e| io(1, e))? == 0 {
            break buffer.len();
        }
    };
    let header_line = &buffer[..header_end];
    if header_line.trim_ascii().is_empty() {
        return Err(header_error(vec![
            "the file is empty; the first line must name the columns: unit,wave,<item ids>".into(),
        ]));
    }
    let mut record = csv::ByteRecord::new();
    csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(false)
        .from_reader(header_line)
        .read_byte_record(&mut record)
        .map_err(|e| header_error(vec![e.to_string()]))?;
    let (columns, names) = header(&record, survey, options.delimiter).map_err(header_error)?;
    let rest = buffer.split_off(header_end);
    let layout = RowLayout {
        columns,
        names,
        delimiter: options.delimiter,
        min: survey.scale.min,
        max: survey.scale.max,
        items: survey.items.len(),
        skip_invalid: options.skip_invalid,
    };

    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let workers: Vec<Worker<S>> = std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for _ in 0..threads {
            let (tx, rx) = mpsc::sync_channel::<(Vec<u8>, u64)>(2);
            senders.push(tx);
            let (layout, new_sink) = (&layout, &new_sink);
            handles.push(scope.spawn(move || {
                let mut worker = Worker::new(layout, new_sink());
                for (block, first_line) in rx {
                    worker.block(&block, first_line);
                }
                worker
            }));
        }
        let sent = split_blocks(&mut input, rest, BLOCK, |block, line, n| {
            // Round-robin keeps the result independent of timing.
            senders[n % threads].send((block, line)).is_ok()
        });
        drop(senders);
        let workers: Vec<Worker<S>> = handles
            .into_iter()
            .map(|h| h.join().expect("a reader thread panicked"))
            .collect();
        sent.map(|_| workers)
    })
    .map_err(|(line, e)| io(line, e))?;

    // Absorb the workers' results in a fixed order.
    let mut out = ReadOutcome::default();
    let mut sink = new_sink();
    let mut problems: Vec<RowProblem> = Vec::new();
    let mut total_problems = 0;
    for w in &workers {
        let waves = out.waves.absorb(&w.waves);
        let units = out.units.absorb(&w.units);
        sink.absorb(&w.sink, &waves, &units);
        out.rows += w.rows;
        total_problems += w.total_problems;
        for (reason, n) in &w.skipped_by_reason {
            *out.skipped_by_reason.entry(reason.clone()).or_default() += n;
        }
        problems.extend(w.problems.iter().cloned());
    }
    problems.sort_by_key(|p| p.line);
    problems.truncate(LISTED_PROBLEMS);
    if !options.skip_invalid && total_problems > 0 {
        return Err(ResponsesError::Rows {
            file: file.to_owned(),
            total: total_problems,
            listed: problems,
        });
    }
    out.skipped = total_problems;
    out.listed = problems;
    Ok((sink, out))
}

/// Reads until `buffer` holds at least `want` bytes or the input ends;
/// returns the number of bytes read.
fn fill(input: &mut impl Read, buffer: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
    let start = buffer.len();
    let target = start.max(want);
    buffer.resize(target.max(start + 1), 0);
    let mut filled = start;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                buffer.truncate(filled);
                return Err(e);
            }
        }
    }
    buffer.truncate(filled);
    Ok(filled - start)
}

/// Cuts the input after the header into blocks that end at record
/// boundaries (a line break outside quotes) and hands each, with the line
/// number of its first line, to `send`, which returns false to stop.
fn split_blocks(
    input: &mut impl Read,
    mut carry: Vec<u8>,
    block: usize,
    mut send: impl FnMut(Vec<u8>, u64, usize) -> bool,
) -> Result<(), (u64, std::io::Error)> {
    let mut line = 2u64;
    let mut sent = 0;
    let mut want = block;
    loop {
        let at_end = fill(input, &mut carry, want).map_err(|e| (line, e))? == 0;
        let cut = if at_end {
            // The rest, whether or not it ends with a line break.
            carry.len()
        } else {
            match record_boundary(&carry) {
                Some(cut) => cut,
                None => {
                    // One record longer than a block: read a block more.
                    want = carry.len() + block;
                    continue;
                }
            }
        };
        want = block;
        let rest = carry.split_off(cut);
        let lines = memchr::memchr_iter(b'\n', &carry).count() as u64;
        if !carry.is_empty() && !send(carry, line, sent) {
            return Ok(());
        }
        sent += 1;
        line += lines;
        carry = rest;
        if at_end {
            return Ok(());
        }
    }
}

/// The index just after the last line break that lies outside quotes.
fn record_boundary(data: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', data).is_none() {
        return memchr::memrchr(b'\n', data).map(|i| i + 1);
    }
    let mut quoted = false;
    let mut last = None;
    for (i, &b) in data.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => last = Some(i + 1),
            _ => {}
        }
    }
    last
}

/// What a worker needs to know of the file.
struct RowLayout {
    columns: Vec<Column>,
    names: Vec<String>,
    delimiter: u8,
    min: i32,
    max: i32,
    items: usize,
    skip_invalid: bool,
}

/// Parses and checks blocks of rows into its own sink.
struct Worker<'l, S> {
    layout: &'l RowLayout,
    sink: S,
    waves: Interner,
    units: Interner,
    answers: Vec<Answer>,
    rows: u64,
    total_problems: u64,
    skipped_by_reason: BTreeMap<String, u64>,
    problems: Vec<RowProblem>,
    record: csv::ByteRecord,
}

impl<'l, S: RowSink> Worker<'l, S> {
    fn new(layout: &'l RowLayout, sink: S) -> Worker<'l, S> {
        Worker {
            layout,
            sink,
            waves: Interner::default(),
            units: Interner::default(),
            answers: vec![MISSING; layout.items],
            rows: 0,
            total_problems: 0,
            skipped_by_reason: BTreeMap::new(),
            problems: Vec::new(),
            record: csv::ByteRecord::new(),
        }
    }

    /// One block: records without quotes are split directly (the common,
    /// fast case); a record with quotes is parsed by the csv crate.
    fn block(&mut self, data: &[u8], mut line: u64) {
        let delimiter = self.layout.delimiter;
        let mut pos = 0;
        while pos < data.len() {
            let rest = &data[pos..];
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let text = &rest[..end];
            if memchr::memchr(b'"', text).is_none() {
                let text = text.strip_suffix(b"\r").unwrap_or(text);
                if !text.is_empty() {
                    self.record(text.split(|&b| b == delimiter), line);
                }
                pos += end + 1;
                line += 1;
                continue;
            }
            // A quoted record may span lines: it ends at a line break outside quotes.
            let len = record_end(rest);
            let raw = &rest[..len];
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(raw);
            let mut record = std::mem::take(&mut self.record);
            match reader.read_byte_record(&mut record) {
                Ok(true) => self.record(record.iter(), line),
                Ok(false) => {}
                Err(e) => self.problem(RowProblem {
                    line,
                    column: None,
                    message: format!("not readable as CSV: {e}"),
                }),
            }
            self.record = record;
            line += memchr::memchr_iter(b'\n', raw).count() as u64;
            pos += len;
        }
    }

    fn record<'f>(&mut self, fields: impl Iterator<Item = &'f [u8]>, line: u64) {
        let layout = self.layout;
        self.rows += 1;
        let mut problem: Option<RowProblem> = None;
        let (mut wave, mut unit) = (None, None);
        let mut count = 0;
        for (c, field) in fields.enumerate() {
            count += 1;
            let Some(column) = layout.columns.get(c) else {
                continue;
            };
            let at = || Some((layout.names[c].clone(), c + 1));
            match *column {
                Column::Item(i) => match parse_answer(field, layout.min, layout.max) {
                    Ok(a) => self.answers[i] = a,
                    Err(message) => {
                        problem.get_or_insert(RowProblem {
                            line,
                            column: at(),
                            message,
                        });
                    }
                },
                Column::Ignored => {}
                Column::Unit | Column::Wave => {
                    let value = field.trim_ascii();
                    let is_unit = *column == Column::Unit;
                    let interner = if is_unit {
                        &mut self.units
                    } else {
                        &mut self.waves
                    };
                    if value.is_empty() {
                        problem.get_or_insert(RowProblem {
                            line,
                            column: at(),
                            message: "empty: every row needs a unit and a wave".into(),
                        });
                        continue;
                    }
                    match interner.get(value) {
                        Ok(i) if is_unit => unit = Some(i),
                        Ok(i) => wave = Some(i),
                        Err(m) => {
                            problem.get_or_insert(RowProblem {
                                line,
                                column: at(),
                                message: format!(
                                    "{m}: save the file as UTF-8 (in Excel: \"CSV UTF-8\")"
                                ),
                            });
                        }
                    }
                }
            }
        }
        if count != layout.columns.len() {
            problem = Some(RowProblem {
                line,
                column: None,
                message: format!(
                    "wrong number of fields: {count} instead of {} (is a delimiter or quote out of place?)",
                    layout.columns.len()
                ),
            });
        }
        match (problem, wave, unit) {
            (None, Some(w), Some(u)) => self.sink.row(w, u, &self.answers),
            (p, _, _) => self.problem(p.expect("a row without wave or unit has a problem")),
        }
    }

    fn problem(&mut self, p: RowProblem) {
        self.total_problems += 1;
        if self.layout.skip_invalid {
            *self.skipped_by_reason.entry(p.reason()).or_default() += 1;
        }
        if self.problems.len() < LISTED_PROBLEMS {
            self.problems.push(p);
        }
    }
}

/// The length of the record at the start of `data`, its line break included.
fn record_end(data: &[u8]) -> usize {
    let mut quoted = false;
    for (i, &b) in data.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return i + 1,
            _ => {}
        }
    }
    data.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row skipped for an empty unit leaves no empty name behind.
    #[test]
    fn an_empty_unit_is_never_a_unit_name() {
        let survey = crate::survey::parse(
            include_str!("../../tests/data/surveys/minimal.toml"),
            "minimal.toml",
        )
        .unwrap();
        let text = "unit,wave,a,b,c\nx,w1,1,2,3\n ,w1,1,2,3\n";
        let options = ReadOptions {
            delimiter: b',',
            skip_invalid: true,
        };
        let (acc, outcome) = read(text.as_bytes(), "t.csv", &survey, &options, || {
            Accumulator::new(&survey)
        })
        .unwrap();
        assert_eq!(outcome.skipped, 1);
        assert_eq!(outcome.units.names, vec!["x".to_owned()]);
        assert_eq!(acc.waves[0].cells.len(), 1);
    }

    /// Blocks of a few bytes: every block ends at a record boundary (quoted
    /// line breaks included), the blocks cover the input exactly, and each
    /// carries the line number of its first line.
    #[test]
    fn blocks_end_at_record_boundaries_and_know_their_first_line() {
        let text = "a,1\nb,\"two\nlines\"\nc,3\nd,\"x\"\"y\"\ne,5";
        for block in [1, 3, 7, 16, 64] {
            let mut blocks = Vec::new();
            split_blocks(&mut text.as_bytes(), Vec::new(), block, |b, line, _| {
                blocks.push((String::from_utf8(b).unwrap(), line));
                true
            })
            .unwrap();
            let joined: String = blocks.iter().map(|b| b.0.as_str()).collect();
            assert_eq!(joined, text, "block size {block}");
            let mut line = 2;
            for (b, first) in &blocks {
                assert_eq!(*first, line, "block size {block}: {blocks:?}");
                assert!(b.ends_with('\n') || b.ends_with('5'), "{b:?}");
                assert_eq!(
                    b.matches('"').count() % 2,
                    0,
                    "block size {block}: a quote split: {b:?}"
                );
                line += b.matches('\n').count() as u64;
            }
        }
    }
}
