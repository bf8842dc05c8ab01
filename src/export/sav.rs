//! SPSS system files (`.sav`), written by hand after the format's
//! description in the GNU PSPP manual ("System File Format"); no well-kept
//! crate writes them without pulling in Arrow. What is written:
//!
//! - the file header, bytecode-compressed data (bias 100), UTF-8 (character
//!   code 65001 and the encoding record);
//! - numeric variables only: `unit` and `wave` as codes 1…k with value labels
//!   (the unit's code and name, the wave's name), nominal; each item ordinal
//!   with its text as the variable label, the scale's labels as value labels,
//!   and "don't know" as the user-missing value [`dont_know_code`]; an
//!   unanswered item is system-missing;
//! - long variable names (the item ids, `-` written `_`), display widths and
//!   measurement levels, a document naming the survey and its content hash.
//!
//! PSPP reads every file back in the tests (`tests/integration/exports.rs`).

use std::io::{self, Write};

use super::{Table, truncate};
use crate::scoring::{DONT_KNOW, MISSING};
use crate::survey::{Language, Scale};

const BIAS: f64 = 100.0;
/// Longest variable label (bytes) and value label (bytes) SPSS accepts.
const VARIABLE_LABEL: usize = 255;
const VALUE_LABEL: usize = 120;

/// The value "don't know" is stored as: 99, or one past the scale when the
/// scale reaches 99.
pub fn dont_know_code(scale: &Scale) -> i32 {
    if scale.max < 99 { 99 } else { scale.max + 1 }
}

/// Variable names for the items: the id with `-` as `_`, made unique
/// (case-insensitively, as SPSS compares them) against `unit`, `wave` and each other.
pub fn item_names(table: &Table) -> Vec<String> {
    let mut taken: Vec<String> = vec!["UNIT".into(), "WAVE".into()];
    table
        .survey
        .items
        .iter()
        .map(|item| {
            let base = item.id.replace('-', "_");
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name.to_uppercase()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            taken.push(name.to_uppercase());
            name
        })
        .collect()
}

struct Variable {
    short: String,
    long: String,
    label: String,
    width: u32,
    missing: Option<f64>,
    /// 1 nominal, 2 ordinal, 3 scale.
    measure: i32,
}

/// Writes the table as an SPSS system file with labels in `lang`.
pub fn write<W: Write>(table: &Table, lang: Language, out: W) -> io::Result<W> {
    let lang = table.language(lang);
    let survey = &table.survey;
    let scale = &survey.scale;
    let dk = dont_know_code(scale);
    let (unit_label, wave_label) = match lang {
        Language::Sv => ("Enhet", "Mätomgång"),
        Language::En => ("Unit", "Wave"),
    };
    let digits = |n: usize| n.max(1).to_string().len() as u32;
    let mut vars = vec![
        Variable {
            short: "UNIT".into(),
            long: "unit".into(),
            label: unit_label.into(),
            width: digits(table.units.len()),
            missing: None,
            measure: 1,
        },
        Variable {
            short: "WAVE".into(),
            long: "wave".into(),
            label: wave_label.into(),
            width: digits(table.waves.len()),
            missing: None,
            measure: 1,
        },
    ];
    let item_width = digits(scale.max.unsigned_abs() as usize)
        .max(digits(dk as usize))
        .max(u32::from(scale.min < 0) + 1);
    for (i, (item, long)) in survey.items.iter().zip(item_names(table)).enumerate() {
        vars.push(Variable {
            short: format!("V{}", i + 1),
            long,
            label: item.text.get(lang).to_owned(),
            width: item_width,
            missing: survey.scale.dont_know.as_ref().map(|_| f64::from(dk)),
            measure: 2,
        });
    }

    let mut w = Out(out);
    header(&mut w, table, vars.len())?;
    for v in &vars {
        variable(&mut w, v)?;
    }
    // Value labels: the units, the waves, and the scale shared by every item.
    let units: Vec<(f64, String)> = table
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let label = if u.name.is_empty() || u.name == u.code {
                u.code.clone()
            } else {
                format!("{} {}", u.code, u.name)
            };
            ((i + 1) as f64, label)
        })
        .collect();
    value_labels(&mut w, &units, &[1])?;
    let waves: Vec<(f64, String)> = table
        .waves
        .iter()
        .enumerate()
        .map(|(i, wave)| ((i + 1) as f64, wave.name.clone()))
        .collect();
    value_labels(&mut w, &waves, &[2])?;
    let mut points: Vec<(f64, String)> = (scale.min..=scale.max)
        .map(|v| (f64::from(v), scale.label(lang, v).to_owned()))
        .collect();
    if let Some(text) = &scale.dont_know {
        points.push((f64::from(dk), text.get(lang).to_owned()));
    }
    let items: Vec<i32> = (3..=vars.len() as i32).collect();
    if !items.is_empty() {
        value_labels(&mut w, &points, &items)?;
    }
    document(&mut w, table)?;
    integer_info(&mut w)?;
    float_info(&mut w)?;
    display(&mut w, &vars)?;
    long_names(&mut w, &vars)?;
    w.extension(20, 1, b"UTF-8")?;
    w.i32(999)?;
    w.i32(0)?;
    data(&mut w, table, dk)?;
    w.0.flush()?;
    Ok(w.0)
}

struct Out<W: Write>(W);

impl<W: Write> Out<W> {
    fn i32(&mut self, v: i32) -> io::Result<()> {
        self.0.write_all(&v.to_le_bytes())
    }
    fn f64(&mut self, v: f64) -> io::Result<()> {
        self.0.write_all(&v.to_le_bytes())
    }
    fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.0.write_all(b)
    }
    /// `text` in a field of `len` bytes, padded with spaces.
    fn padded(&mut self, text: &str, len: usize) -> io::Result<()> {
        let t = truncate(text, len).as_bytes();
        self.bytes(t)?;
        self.bytes(&vec![b' '; len - t.len()])
    }
    /// An extension record (type 7) of `count` elements of `size` bytes.
    fn extension(&mut self, subtype: i32, size: i32, body: &[u8]) -> io::Result<()> {
        self.i32(7)?;
        self.i32(subtype)?;
        self.i32(size)?;
        self.i32(body.len() as i32 / size)?;
        self.bytes(body)
    }
}

fn header<W: Write>(w: &mut Out<W>, table: &Table, slots: usize) -> io::Result<()> {
    let now = chrono::Utc::now();
    w.bytes(b"$FL2")?;
    w.padded(
        &format!("@(#) SPSS DATA FILE klimat {}", env!("CARGO_PKG_VERSION")),
        60,
    )?;
    w.i32(2)?; // layout code
    w.i32(slots as i32)?; // 8-byte slots per case
    w.i32(1)?; // bytecode compression
    w.i32(0)?; // no weight variable
    w.i32(i32::try_from(table.len()).unwrap_or(-1))?;
    w.f64(BIAS)?;
    w.padded(&now.format("%d %b %y").to_string(), 9)?;
    w.padded(&now.format("%H:%M:%S").to_string(), 8)?;
    let title = table.survey.title.get(table.language(Language::Sv));
    w.padded(title, 64)?;
    w.bytes(&[0; 3])
}

fn variable<W: Write>(w: &mut Out<W>, v: &Variable) -> io::Result<()> {
    let format = (5 << 16) | ((v.width as i32) << 8); // F<width>.0
    w.i32(2)?;
    w.i32(0)?; // numeric
    w.i32(1)?; // has a label
    w.i32(i32::from(v.missing.is_some()))?;
    w.i32(format)?;
    w.i32(format)?;
    w.padded(&v.short, 8)?;
    let label = truncate(&v.label, VARIABLE_LABEL).as_bytes();
    w.i32(label.len() as i32)?;
    w.bytes(label)?;
    w.bytes(&vec![0; label.len().next_multiple_of(4) - label.len()])?;
    if let Some(m) = v.missing {
        w.f64(m)?;
    }
    Ok(())
}

/// A value label record (type 3) and the variables it applies to (type 4,
/// 1-based dictionary indices).
fn value_labels<W: Write>(
    w: &mut Out<W>,
    labels: &[(f64, String)],
    vars: &[i32],
) -> io::Result<()> {
    if labels.is_empty() {
        return Ok(());
    }
    w.i32(3)?;
    w.i32(labels.len() as i32)?;
    for (value, label) in labels {
        let text = truncate(label, VALUE_LABEL).as_bytes();
        w.f64(*value)?;
        w.bytes(&[text.len() as u8])?;
        w.bytes(text)?;
        let used = 1 + text.len();
        w.bytes(&vec![b' '; used.next_multiple_of(8) - used])?;
    }
    w.i32(4)?;
    w.i32(vars.len() as i32)?;
    for &v in vars {
        w.i32(v)?;
    }
    Ok(())
}

/// A document record (type 6): lines of 80 bytes naming the survey.
fn document<W: Write>(w: &mut Out<W>, table: &Table) -> io::Result<()> {
    let survey = &table.survey;
    let lines = [
        format!(
            "klimat export of survey {} version {}",
            survey.key, survey.version
        ),
        survey.content_hash(),
        "Rows in random order; units below the minimum are left out or pooled.".to_owned(),
    ];
    w.i32(6)?;
    w.i32(lines.len() as i32)?;
    for line in &lines {
        w.padded(line, 80)?;
    }
    Ok(())
}

fn integer_info<W: Write>(w: &mut Out<W>) -> io::Result<()> {
    // version 1.0.0, machine code -1, IEEE 754 floats, compression 1,
    // little-endian, UTF-8.
    let body: Vec<u8> = [1, 0, 0, -1, 1, 1, 2, 65001]
        .iter()
        .flat_map(|v: &i32| v.to_le_bytes())
        .collect();
    w.extension(3, 4, &body)
}

fn float_info<W: Write>(w: &mut Out<W>) -> io::Result<()> {
    let lowest = f64::from_bits(0xffef_ffff_ffff_fffe);
    let body: Vec<u8> = [-f64::MAX, f64::MAX, lowest]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    w.extension(4, 8, &body)
}

/// Measurement level, display width and alignment (right) of each variable.
fn display<W: Write>(w: &mut Out<W>, vars: &[Variable]) -> io::Result<()> {
    let body: Vec<u8> = vars
        .iter()
        .flat_map(|v| [v.measure, v.width.max(8) as i32, 1])
        .flat_map(|v| v.to_le_bytes())
        .collect();
    w.extension(11, 4, &body)
}

fn long_names<W: Write>(w: &mut Out<W>, vars: &[Variable]) -> io::Result<()> {
    let text = vars
        .iter()
        .map(|v| format!("{}={}", v.short, v.long))
        .collect::<Vec<_>>()
        .join("\t");
    w.extension(13, 1, text.as_bytes())
}

/// The cases, bytecode-compressed: blocks of eight command bytes, each
/// `value + 100` for a whole number in −99…151, 255 for system-missing, or
/// 253 with the value following the block.
fn data<W: Write>(w: &mut Out<W>, table: &Table, dk: i32) -> io::Result<()> {
    let mut block = Block::default();
    for row in table.rows() {
        block.push(w, Some(row.unit as f64 + 1.0))?;
        block.push(w, Some(row.wave as f64 + 1.0))?;
        for &a in row.answers {
            let value = match a {
                MISSING => None,
                DONT_KNOW => Some(f64::from(dk)),
                v => Some(f64::from(v)),
            };
            block.push(w, value)?;
        }
    }
    block.flush(w)
}

#[derive(Default)]
struct Block {
    commands: [u8; 8],
    n: usize,
    raw: Vec<f64>,
}

impl Block {
    fn push<W: Write>(&mut self, w: &mut Out<W>, value: Option<f64>) -> io::Result<()> {
        self.commands[self.n] = match value {
            None => 255,
            Some(v) if v.fract() == 0.0 && (-99.0..=151.0).contains(&v) => (v + BIAS) as u8,
            Some(v) => {
                self.raw.push(v);
                253
            }
        };
        self.n += 1;
        if self.n == 8 { self.flush(w) } else { Ok(()) }
    }

    fn flush<W: Write>(&mut self, w: &mut Out<W>) -> io::Result<()> {
        if self.n == 0 {
            return Ok(());
        }
        self.commands[self.n..].fill(0);
        w.bytes(&self.commands)?;
        for v in self.raw.drain(..) {
            w.f64(v)?;
        }
        self.n = 0;
        Ok(())
    }
}
