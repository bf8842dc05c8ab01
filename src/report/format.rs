//! Output formats and number formatting shared by the renderers.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Md,
    /// An Excel workbook of the CSV's tables (binary).
    Xlsx,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Md => "md",
            Format::Xlsx => "xlsx",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "md" | "markdown" => Ok(Format::Md),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(format!("unknown format `{s}`; use json, csv, md or xlsx")),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A figure with `decimals` decimals, or an em dash when there is none.
pub fn fixed(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "—".to_owned(),
    }
}

/// An interval as `[low, high]`, or an em dash.
pub fn interval(value: Option<[f64; 2]>, decimals: usize) -> String {
    match value {
        Some([a, b]) => format!("[{a:.decimals$}, {b:.decimals$}]"),
        None => "—".to_owned(),
    }
}

/// A p-value as people read it: three decimals, or "< 0.001".
pub fn p_value(value: f64) -> String {
    if value < 0.001 {
        "< 0.001".into()
    } else {
        format!("{value:.3}")
    }
}

/// A CSV cell: the figure at full precision, or empty.
pub fn cell(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// A figure's text in the reader's language: Swedish writes a decimal comma
/// and separates an interval's ends with a semicolon ("[0,12; 0,48]").
pub fn localised(text: String, lang: crate::survey::Language) -> String {
    match lang {
        crate::survey::Language::Sv => text.replace(", ", "; ").replace('.', ","),
        crate::survey::Language::En => text,
    }
}

/// A name made safe for a file name.
pub fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
