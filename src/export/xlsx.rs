//! Excel workbooks: any report's tables as [`Sheet`]s through
//! `rust_xlsxwriter`; the responses (unit codes, the units' names on a sheet
//! of their own, so that a quarter of a million rows do not repeat them)
//! with a codebook sheet, streamed by [`super::xlsx_stream`].

use std::io;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::Table;
use crate::survey::Language;

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number shown with this many decimals.
    Number(f64, u8),
    Empty,
}

/// A report table as a worksheet: a header row and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// The sheet without the columns no row fills.
    pub fn without_empty_columns(self) -> Sheet {
        let keep: Vec<bool> = (0..self.header.len())
            .map(|c| {
                self.rows
                    .iter()
                    .any(|r| !matches!(r.get(c), None | Some(Cell::Empty)))
            })
            .collect();
        let pick = |row: Vec<Cell>| -> Vec<Cell> {
            row.into_iter()
                .zip(&keep)
                .filter_map(|(cell, &k)| k.then_some(cell))
                .collect()
        };
        Sheet {
            name: self.name,
            header: self
                .header
                .into_iter()
                .zip(&keep)
                .filter_map(|(h, &k)| k.then_some(h))
                .collect(),
            rows: self.rows.into_iter().map(pick).collect(),
        }
    }
}

fn io_error(e: XlsxError) -> io::Error {
    io::Error::other(e.to_string())
}

/// The responses and a codebook, labels in `lang` (streamed: see
/// [`super::xlsx_stream`]).
pub fn write(table: &Table, lang: Language) -> io::Result<Vec<u8>> {
    super::xlsx_stream::responses(table, lang)
}

/// A workbook of report tables, a sheet each.
pub fn sheets(sheets: &[Sheet]) -> io::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let formats: Vec<Format> = (0..=6u8)
        .map(|d| {
            let pattern = if d == 0 {
                "0".to_owned()
            } else {
                format!("0.{}", "0".repeat(d as usize))
            };
            Format::new().set_num_format(pattern)
        })
        .collect();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet_name(&sheet.name)).map_err(io_error)?;
        header(ws, &sheet.header, &bold).map_err(io_error)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                    Cell::Number(x, d) if x.is_finite() => ws
                        .write_number_with_format(r, c, *x, &formats[(*d).min(6) as usize])
                        .map(|_| ()),
                    Cell::Number(..) | Cell::Empty => Ok(()),
                }
                .map_err(io_error)?;
            }
        }
        ws.autofit();
    }
    book.save_to_buffer().map_err(io_error)
}

/// A report's CSV table as a sheet: the same figures as the CSV (so the
/// disclosure plan has already decided every cell), numbers as numbers
/// with a format by their column — p-values with four decimals, whole
/// numbers without, other figures with three — text as text.
pub fn csv_sheet(name: &str, csv: &str) -> Sheet {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(String::from).collect())
        .unwrap_or_default();
    let decimals: Vec<u8> = header
        .iter()
        .map(|h| {
            if h == "p" || h.starts_with("p_") || h.ends_with("_p") || h.contains("_p_") {
                4
            } else {
                3
            }
        })
        .collect();
    let rows = reader
        .records()
        .filter_map(Result::ok)
        .map(|record| {
            record
                .iter()
                .enumerate()
                .map(|(c, v)| number_cell(v, decimals.get(c).copied().unwrap_or(3)))
                .collect()
        })
        .collect();
    Sheet {
        name: name.to_owned(),
        header,
        rows,
    }
}

fn number_cell(v: &str, decimals: u8) -> Cell {
    if v.is_empty() {
        return Cell::Empty;
    }
    if let Ok(n) = v.parse::<i64>() {
        return Cell::Number(n as f64, 0);
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Cell::Number(x, decimals),
        _ => Cell::Text(v.to_owned()),
    }
}

/// Excel allows 31 characters and none of `[]:*?/\` in a sheet's name.
fn sheet_name(name: &str) -> String {
    name.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

fn header(ws: &mut Worksheet, names: &[String], bold: &Format) -> Result<(), XlsxError> {
    for (c, name) in names.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, name, bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}
