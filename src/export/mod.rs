//! Responses in the analysts' file formats: SPSS `.sav`, Excel `.xlsx`, and
//! R (a CSV with a script that reads it into labelled factors), besides the
//! offline CSV. Pure: a [`Table`] is built by `app` under the disclosure plan
//! (or raw, by an operator on the server) and written here; nothing in this
//! module reads the database or decides what may be shown.

pub mod aggregate;
pub mod r;
pub mod sav;
pub mod xlsx;
pub mod xlsx_stream;

use std::io;

use rand::seq::SliceRandom;

use crate::responses::ResponsesWriter;
use crate::scoring::Answer;
use crate::survey::{Language, Survey};

/// The file formats of a responses export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// The offline CSV (`unit,wave,<items…>`, `dk` for don't know), the input of `klimat score`.
    Csv,
    /// SPSS system file with variable and value labels, don't know as a user-missing value.
    Sav,
    /// Excel workbook: the responses and a codebook sheet.
    Xlsx,
    /// A zip of the CSV and an R script that reads it with labelled factors.
    R,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Sav => "sav",
            Format::Xlsx => "xlsx",
            Format::R => "zip",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Sav => "application/x-spss-sav",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::R => "application/zip",
        }
    }
}

/// A unit or a wave as a labelled value: its code in the data, its name in the labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub code: String,
    pub name: String,
}

/// The rows of an export with what labels them. Rows are kept flat (one
/// answer per item, `survey.items.len()` a row) and come out in the order of
/// [`Table::finish`].
#[derive(Debug, Clone)]
pub struct Table {
    pub survey: Survey,
    pub units: Vec<Labelled>,
    pub waves: Vec<Labelled>,
    keys: Vec<(u32, u32)>,
    answers: Vec<Answer>,
    order: Vec<u32>,
}

/// One row: indices into [`Table::units`] and [`Table::waves`], and the answers in item order.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub unit: usize,
    pub wave: usize,
    pub answers: &'a [Answer],
}

impl Table {
    pub fn new(survey: Survey) -> Table {
        Table {
            survey,
            units: Vec::new(),
            waves: Vec::new(),
            keys: Vec::new(),
            answers: Vec::new(),
            order: Vec::new(),
        }
    }

    /// The index of a unit, added on first sight.
    pub fn unit(&mut self, code: &str, name: &str) -> usize {
        index_of(&mut self.units, code, name)
    }

    /// The index of a wave, added on first sight.
    pub fn wave(&mut self, code: &str, name: &str) -> usize {
        index_of(&mut self.waves, code, name)
    }

    pub fn push(&mut self, unit: usize, wave: usize, answers: &[Answer]) {
        assert_eq!(answers.len(), self.survey.items.len(), "a row per item");
        self.order.push(self.keys.len() as u32);
        self.keys.push((unit as u32, wave as u32));
        self.answers.extend_from_slice(answers);
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Units in the order of their codes (as value labels and factor levels
    /// list them), and a fresh random row order: every export gets its own,
    /// so that row positions cannot be matched between two exports.
    pub fn finish(&mut self) {
        let mut by_code: Vec<usize> = (0..self.units.len()).collect();
        by_code.sort_by(|&a, &b| self.units[a].code.cmp(&self.units[b].code));
        let mut new_index = vec![0u32; self.units.len()];
        for (new, &old) in by_code.iter().enumerate() {
            new_index[old] = new as u32;
        }
        self.units = by_code.iter().map(|&i| self.units[i].clone()).collect();
        for key in &mut self.keys {
            key.0 = new_index[key.0 as usize];
        }
        self.order.shuffle(&mut rand::rng());
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        let width = self.survey.items.len();
        self.order.iter().map(move |&i| {
            let i = i as usize;
            let (unit, wave) = self.keys[i];
            Row {
                unit: unit as usize,
                wave: wave as usize,
                answers: &self.answers[i * width..(i + 1) * width],
            }
        })
    }

    /// The language the labels are written in: `lang` when the survey has it.
    pub fn language(&self, lang: Language) -> Language {
        if self.survey.offers(lang) {
            lang
        } else {
            self.survey.languages[0]
        }
    }
}

fn index_of(list: &mut Vec<Labelled>, code: &str, name: &str) -> usize {
    match list.iter().position(|l| l.code == code) {
        Some(i) => i,
        None => {
            list.push(Labelled {
                code: code.to_owned(),
                name: name.to_owned(),
            });
            list.len() - 1
        }
    }
}

/// The offline CSV of a table.
pub fn csv(table: &Table) -> io::Result<Vec<u8>> {
    let mut writer = ResponsesWriter::new(Vec::new(), &table.survey)?;
    for row in table.rows() {
        writer.row(
            &table.units[row.unit].code,
            &table.waves[row.wave].code,
            row.answers,
        )?;
    }
    writer.finish()
}

/// The table in `format`, labels in `lang`.
pub fn write(table: &Table, format: Format, lang: Language) -> io::Result<Vec<u8>> {
    match format {
        Format::Csv => csv(table),
        Format::Sav => sav::write(table, lang, Vec::new()),
        Format::Xlsx => xlsx::write(table, lang),
        Format::R => r::write(table, lang),
    }
}

/// `s` cut to at most `max` bytes at a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
