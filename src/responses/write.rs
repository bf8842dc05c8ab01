//! Writing a responses file in the offline format.

use std::io::{self, Write};

use crate::scoring::{Answer, DONT_KNOW, MISSING};
use crate::survey::Survey;

/// Writes rows of `unit,wave,<items…>` with `dk` for don't know and an empty
/// cell for a missing answer.
pub struct ResponsesWriter<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> ResponsesWriter<W> {
    pub fn new(mut out: W, survey: &Survey) -> io::Result<ResponsesWriter<W>> {
        let mut header = String::from("unit,wave");
        for item in &survey.items {
            header.push(',');
            header.push_str(&item.id);
        }
        header.push('\n');
        out.write_all(header.as_bytes())?;
        Ok(ResponsesWriter {
            out,
            line: Vec::with_capacity(256),
        })
    }

    pub fn row(&mut self, unit: &str, wave: &str, answers: &[Answer]) -> io::Result<()> {
        self.line.clear();
        push_field(&mut self.line, unit);
        self.line.push(b',');
        push_field(&mut self.line, wave);
        for &a in answers {
            self.line.push(b',');
            match a {
                MISSING => {}
                DONT_KNOW => self.line.extend_from_slice(b"dk"),
                0..=9 => self.line.push(b'0' + a as u8),
                _ => self.line.extend_from_slice(a.to_string().as_bytes()),
            }
        }
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn push_field(line: &mut Vec<u8>, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        line.push(b'"');
        line.extend_from_slice(value.replace('"', "\"\"").as_bytes());
        line.push(b'"');
    } else {
        line.extend_from_slice(value.as_bytes());
    }
}
