//! The responses as an Excel workbook, written as a stream: the worksheet's
//! XML goes out row by row into a ZIP (the `zip` crate, deflate by zlib-rs)
//! that a second thread compresses while this one writes.
//!
//! Hand-written rather than through `rust_xlsxwriter` (which klimat uses for
//! every report's workbook, [`super::xlsx`]): for a quarter of a million rows
//! of 42 cells the crate spends most of its time on a B-tree insert and
//! formatted XML per cell and then deflates on the same thread, 3.5 s
//! against the 3 s the export must take (BENCHMARKS.md). This sheet is one
//! rectangle of small whole numbers and short codes, so its XML is a few
//! byte copies per cell. What it writes is the SpreadsheetML subset of
//! ECMA-376 Part 1 that every reader knows: inline strings, numbers, one
//! bold style, a frozen header row, an autofilter and column widths.

use std::io::{self, Cursor, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::Table;
use crate::scoring::{DONT_KNOW, MISSING};
use crate::survey::Language;

/// Excel's last row.
pub const MAX_ROWS: usize = 1_048_576;
/// Deflate level: the XML of small numbers compresses well already; level 2
/// is several times as fast as the default 6 and a third smaller than 1.
const LEVEL: i64 = 2;
/// Bytes of XML handed to the compressing thread at a time.
const CHUNK: usize = 1 << 18;

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// The responses (unit and wave codes, one column per item, don't know as
/// `dk`), a codebook sheet and the units' names, labels in `lang`.
pub fn responses(table: &Table, lang: Language) -> io::Result<Vec<u8>> {
    let lang = table.language(lang);
    let sv = lang == Language::Sv;
    if table.len() >= MAX_ROWS {
        return Err(io::Error::other(format!(
            "{} responses do not fit in one Excel sheet (at most {}); export one wave at a \
             time, or as .sav or .csv",
            table.len(),
            MAX_ROWS - 1
        )));
    }
    let names = [
        if sv { "Svar" } else { "Responses" },
        if sv { "Frågor" } else { "Items" },
        if sv { "Enheter" } else { "Units" },
    ];
    let columns = table.survey.items.len() + 2;
    let last = format!("{}{}", column_name(columns - 1), table.len() + 1);
    stream(|book| {
        for (name, body) in fixed_parts(&names, &last) {
            book.part(name, body.as_bytes())?;
        }
        book.begin("xl/worksheets/sheet1.xml", table.len() * columns * 24)?;
        answers_sheet(book, table, &last)?;
        book.part(
            "xl/worksheets/sheet2.xml",
            items_sheet(table, lang).as_bytes(),
        )?;
        book.part(
            "xl/worksheets/sheet3.xml",
            units_sheet(table, sv).as_bytes(),
        )
    })
}

/// The package's parts besides the worksheets.
fn fixed_parts(sheets: &[&str; 3], last: &str) -> Vec<(&'static str, String)> {
    let worksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
    let mut types = format!(
        "{XML_DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
         <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
    );
    let mut rels = format!(
        "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    );
    let mut list = String::new();
    for (i, name) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"{worksheet}\"/>"
        ));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{n}\" Type=\"{REL_NS}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        ));
        list.push_str(&format!(
            "<sheet name=\"{}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>",
            escape(name)
        ));
    }
    types.push_str("</Types>");
    rels.push_str(&format!(
        "<Relationship Id=\"rId{}\" Type=\"{REL_NS}/styles\" Target=\"styles.xml\"/></Relationships>",
        sheets.len() + 1
    ));
    // Excel keeps an autofilter's range as this hidden name.
    let filter = format!(
        "'{}'!$A$1:${}",
        sheets[0].replace('\'', "''"),
        absolute(last)
    );
    let workbook = format!(
        "{XML_DECL}<workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><bookViews><workbookView/></bookViews>\
         <sheets>{list}</sheets><definedNames><definedName name=\"_xlnm._FilterDatabase\" \
         localSheetId=\"0\" hidden=\"1\">{}</definedName></definedNames></workbook>",
        escape(&filter)
    );
    let package = format!(
        "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL_NS}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
    );
    let styles = format!(
        "{XML_DECL}<styleSheet xmlns=\"{MAIN_NS}\">\
         <fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>\
         <font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>\
         <fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
         <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
         <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
         <cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
         <xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>\
         <cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles></styleSheet>"
    );
    vec![
        ("[Content_Types].xml", types),
        ("_rels/.rels", package),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/styles.xml", styles),
    ]
}

/// The big sheet, row by row.
fn answers_sheet(book: &mut Book<'_>, table: &Table, last: &str) -> io::Result<()> {
    let mut header: Vec<String> = vec!["unit".into(), "wave".into()];
    header.extend(table.survey.items.iter().map(|i| i.id.clone()));
    let widths: Vec<f64> = [12.0, 10.0]
        .into_iter()
        .chain(std::iter::repeat_n(7.0, header.len() - 2))
        .collect();
    book.write(&sheet_start(last, true, &widths))?;
    book.write(&row_xml(1, &header, true))?;
    // Each code's cell, ready to copy. The cells of the answer rows carry no
    // reference (`r` is optional, ECMA-376 Part 1 §18.3.1.4): every cell is
    // written, an unanswered item as an empty one, so a cell's place is its
    // position. That halves the XML that deflate must go through.
    let text_cell = |s: &str| format!("<c t=\"inlineStr\"><is><t>{}</t></is></c>", text(s));
    let units: Vec<String> = table.units.iter().map(|u| text_cell(&u.code)).collect();
    let waves: Vec<String> = table.waves.iter().map(|w| text_cell(&w.code)).collect();
    let dont_know = text_cell("dk");
    let mut number = itoa::Buffer::new();
    let mut digits = itoa::Buffer::new();
    let mut xml: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    for (i, row) in table.rows().enumerate() {
        xml.extend_from_slice(b"<row r=\"");
        xml.extend_from_slice(digits.format(i + 2).as_bytes());
        xml.extend_from_slice(b"\">");
        xml.extend_from_slice(units[row.unit].as_bytes());
        xml.extend_from_slice(waves[row.wave].as_bytes());
        for &a in row.answers {
            match a {
                MISSING => xml.extend_from_slice(b"<c/>"),
                DONT_KNOW => xml.extend_from_slice(dont_know.as_bytes()),
                v => {
                    xml.extend_from_slice(b"<c><v>");
                    xml.extend_from_slice(number.format(v).as_bytes());
                    xml.extend_from_slice(b"</v></c>");
                }
            }
        }
        xml.extend_from_slice(b"</row>");
        if xml.len() >= CHUNK {
            book.send(std::mem::replace(
                &mut xml,
                Vec::with_capacity(CHUNK + 4096),
            ))?;
        }
    }
    book.send(xml)?;
    book.write(&format!(
        "</sheetData><autoFilter ref=\"A1:{last}\"/></worksheet>"
    ))
}

/// The codebook: each item's dimension, text, keying and values.
fn items_sheet(table: &Table, lang: Language) -> String {
    let sv = lang == Language::Sv;
    let survey = &table.survey;
    let header = if sv {
        ["fråga", "dimension", "text", "omvänd", "värden"]
    } else {
        ["item", "dimension", "text", "reversed", "values"]
    };
    let scale = &survey.scale;
    let mut values: Vec<String> = (scale.min..=scale.max)
        .map(|v| format!("{v} = {}", scale.label(lang, v)))
        .collect();
    if let Some(dk) = &scale.dont_know {
        values.push(format!("dk = {}", dk.get(lang)));
    }
    let values = values.join("; ");
    let rows: Vec<[&str; 5]> = survey
        .items
        .iter()
        .map(|item| {
            let reversed = match (item.reverse, sv) {
                (true, true) => "ja",
                (true, false) => "yes",
                (false, true) => "nej",
                (false, false) => "no",
            };
            [
                item.id.as_str(),
                survey.dimensions[item.dimension].name.get(lang),
                item.text.get(lang),
                reversed,
                values.as_str(),
            ]
        })
        .collect();
    small_sheet(&header, &rows)
}

/// The units' names by code.
fn units_sheet(table: &Table, sv: bool) -> String {
    let header = if sv {
        ["enhet", "namn"]
    } else {
        ["unit", "name"]
    };
    let rows: Vec<[&str; 2]> = table
        .units
        .iter()
        .map(|u| [u.code.as_str(), u.name.as_str()])
        .collect();
    small_sheet(&header, &rows)
}

/// A sheet of text with a bold header and columns as wide as their text.
fn small_sheet<const N: usize>(header: &[&str; N], rows: &[[&str; N]]) -> String {
    let widths: Vec<f64> = (0..N)
        .map(|c| {
            let longest = std::iter::once(header[c])
                .chain(rows.iter().map(|r| r[c]))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0);
            (longest as f64 * 1.1 + 2.0).clamp(8.0, 100.0)
        })
        .collect();
    let last = format!("{}{}", column_name(N - 1), rows.len() + 1);
    let mut xml = sheet_start(&last, false, &widths);
    xml.push_str(&row_xml(1, header, true));
    for (i, row) in rows.iter().enumerate() {
        xml.push_str(&row_xml(i + 2, row, false));
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// Everything of a worksheet up to its first row: the used range, the
/// frozen header row (and the tab selected, on the first sheet), widths.
fn sheet_start(last: &str, first: bool, widths: &[f64]) -> String {
    let mut cols = String::new();
    for (c, w) in widths.iter().enumerate() {
        cols.push_str(&format!(
            "<col min=\"{n}\" max=\"{n}\" width=\"{w:.2}\" customWidth=\"1\"/>",
            n = c + 1
        ));
    }
    format!(
        "{XML_DECL}<worksheet xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><dimension ref=\"A1:{last}\"/>\
         <sheetViews><sheetView{} workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" \
         activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\"/></sheetView></sheetViews>\
         <sheetFormatPr defaultRowHeight=\"15\"/><cols>{cols}</cols><sheetData>",
        if first { " tabSelected=\"1\"" } else { "" }
    )
}

/// Row `r` (from 1) of text cells, bold or not.
fn row_xml<S: AsRef<str>>(r: usize, cells: &[S], bold: bool) -> String {
    let mut xml = format!("<row r=\"{r}\">");
    for (c, s) in cells.iter().enumerate() {
        let s = s.as_ref();
        xml.push_str(&format!(
            "<c r=\"{}{r}\"{} t=\"inlineStr\"><is><t>{}</t></is></c>",
            column_name(c),
            if bold { " s=\"1\"" } else { "" },
            text(s)
        ));
    }
    xml.push_str("</row>");
    xml
}

/// `A`, …, `Z`, `AA`, … for column `c` (from 0).
fn column_name(c: usize) -> String {
    let mut n = c + 1;
    let mut name = Vec::new();
    while n > 0 {
        let d = (n - 1) % 26;
        name.push(b'A' + d as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII")
}

/// `AP12` as `$AP$12`.
fn absolute(cell: &str) -> String {
    let at = cell
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(cell.len());
    format!("{}${}", &cell[..at], &cell[at..])
}

/// Text for `<t>`: escaped, without the characters XML 1.0 cannot carry.
fn text(s: &str) -> String {
    escape(
        &s.chars()
            .filter(|&c| matches!(c, '\t' | '\n' | '\r') || c >= ' ')
            .collect::<String>(),
    )
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// What the writing thread hands to the compressing one.
enum Part {
    /// A new file in the ZIP; it may outgrow 4 GiB (ZIP64) when `large`.
    Begin(&'static str, bool),
    Bytes(Vec<u8>),
}

/// The writing side of a workbook being streamed.
struct Book<'a> {
    parts: &'a SyncSender<Part>,
}

impl Book<'_> {
    fn begin(&mut self, name: &'static str, expected: usize) -> io::Result<()> {
        self.hand(Part::Begin(
            name,
            expected as u64 >= u64::from(u32::MAX) / 2,
        ))
    }

    fn part(&mut self, name: &'static str, body: &[u8]) -> io::Result<()> {
        self.begin(name, body.len())?;
        self.send(body.to_vec())
    }

    fn write(&mut self, s: &str) -> io::Result<()> {
        self.send(s.as_bytes().to_vec())
    }

    fn send(&mut self, bytes: Vec<u8>) -> io::Result<()> {
        self.hand(Part::Bytes(bytes))
    }

    fn hand(&mut self, part: Part) -> io::Result<()> {
        // A closed channel: the compressing thread failed, and says why.
        self.parts
            .send(part)
            .map_err(|_| io::Error::other("the workbook's compression stopped"))
    }
}

/// Runs `write` against a ZIP being compressed on a second thread; the
/// finished file.
fn stream(write: impl FnOnce(&mut Book<'_>) -> io::Result<()>) -> io::Result<Vec<u8>> {
    let (tx, rx) = sync_channel::<Part>(4);
    std::thread::scope(|scope| {
        let zipper = scope.spawn(move || compress(rx));
        let written = write(&mut Book { parts: &tx });
        drop(tx);
        let zipped = zipper
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the workbook's compression panicked")));
        match (written, zipped) {
            (Ok(()), zipped) => zipped,
            // The compression's own error is the cause of a closed channel.
            (Err(_), Err(e)) | (Err(e), Ok(_)) => Err(e),
        }
    })
}

fn compress(parts: Receiver<Part>) -> io::Result<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(LEVEL));
    for part in parts {
        match part {
            Part::Begin(name, large) => zip
                .start_file(name, options.large_file(large))
                .map_err(io::Error::other)?,
            Part::Bytes(bytes) => zip.write_all(&bytes)?,
        }
    }
    Ok(zip.finish().map_err(io::Error::other)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 41, 701, 702, 16383]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AP", "ZZ", "AAA", "XFD"]);
        assert_eq!(absolute("AP260752"), "AP$260752");
    }

    #[test]
    fn text_is_escaped_and_loses_what_xml_cannot_carry() {
        assert_eq!(text("a<b & \"c\"\u{1}\tx"), "a&lt;b &amp; &quot;c&quot;\tx");
    }
}
