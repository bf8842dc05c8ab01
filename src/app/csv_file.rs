//! What the uploaded CSV files (units, managers) share: the reader, the
//! header's column names and the place of a problem.

use crate::said::Said;

/// "line N: " before a problem.
pub(super) fn at(line: usize) -> Said {
    crate::said!("line {line}: ", "rad {line}: ")
}

/// A reader of `text` whose rows must all have the header's width.
pub(super) fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes())
}

/// The header's column names, trimmed, lower case, without a byte-order mark.
pub(super) fn headers(reader: &mut csv::Reader<&[u8]>) -> Result<Vec<String>, Vec<Said>> {
    match reader.headers() {
        Ok(h) => Ok(h
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect()),
        Err(e) => Err(vec![Said::both(e.to_string()).after(&at(1))]),
    }
}
