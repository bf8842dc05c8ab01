//! R: a zip of the offline CSV and a script that reads it into a data frame
//! with ordered factors labelled by the scale, `unit` and `wave` as labelled
//! factors, and each item's text as its `label` attribute (the convention of
//! `haven` and `labelled`). A CSV with a script, rather than an `.rds` or
//! Stata `.dta`, so that the analyst can read what is done to the data and
//! the same CSV feeds `klimat score`.

use std::io::{self, Cursor, Write};

use zip::write::SimpleFileOptions;

use super::{Table, csv};
use crate::survey::Language;

pub const DATA_FILE: &str = "responses.csv";
pub const SCRIPT_FILE: &str = "responses.R";

/// The zip of [`DATA_FILE`] and [`SCRIPT_FILE`].
pub fn write(table: &Table, lang: Language) -> io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    let error = |e: zip::result::ZipError| io::Error::other(e.to_string());
    zip.start_file(SCRIPT_FILE, options).map_err(error)?;
    zip.write_all(script(table, table.language(lang)).as_bytes())?;
    zip.start_file(DATA_FILE, options).map_err(error)?;
    zip.write_all(&csv(table)?)?;
    Ok(zip.finish().map_err(error)?.into_inner())
}

/// An R string literal.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn vector<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let inner: Vec<String> = values.into_iter().map(quoted).collect();
    format!("c({})", inner.join(", "))
}

/// The script that reads [`DATA_FILE`].
pub fn script(table: &Table, lang: Language) -> String {
    let survey = &table.survey;
    let scale = &survey.scale;
    let labels: Vec<&str> = (scale.min..=scale.max)
        .map(|v| scale.label(lang, v))
        .collect();
    let unit_labels: Vec<String> = table
        .units
        .iter()
        .map(|u| {
            if u.name.is_empty() || u.name == u.code {
                u.code.clone()
            } else {
                format!("{} {}", u.code, u.name)
            }
        })
        .collect();
    let item_texts: Vec<String> = survey
        .items
        .iter()
        .map(|i| format!("  {} = {}", quoted(&i.id), quoted(i.text.get(lang))))
        .collect();
    let mut s = String::new();
    s.push_str(&format!(
        "# klimat export: {} (survey {} version {}, {})\n",
        survey.title.get(lang).replace('\n', " "),
        survey.key,
        survey.version,
        survey.content_hash()
    ));
    s.push_str(
        "# Rows come in random order; units below the disclosure minimum are left out or pooled.\n\
         #\n\
         # Use: source(\"responses.R\", encoding = \"UTF-8\") in the folder that holds responses.csv\n\
         # (or set klimat_file to its path first). Gives two objects:\n\
         #   responses   unit, wave (factors with the units' and waves' names) and one ordered\n\
         #               factor per item, labelled with the scale; \"don't know\" is NA; the item's\n\
         #               text is in attr(responses$<item>, \"label\").\n\
         #   dont_know   TRUE where the answer was \"don't know\" (same rows and item columns).\n\
         # The scale's value of an answer: as.integer(responses$<item>) + scale_min - 1.\n\n",
    );
    s.push_str("if (!exists(\"klimat_file\")) klimat_file <- \"responses.csv\"\n");
    s.push_str(&format!(
        "scale_min <- {}L\nscale_max <- {}L\n",
        scale.min, scale.max
    ));
    s.push_str(&format!("scale_labels <- {}\n", vector(labels)));
    s.push_str(&format!(
        "item_texts <- c(\n{}\n)\n",
        item_texts.join(",\n")
    ));
    s.push_str(&format!(
        "unit_codes <- {}\nunit_labels <- {}\n",
        vector(table.units.iter().map(|u| u.code.as_str())),
        vector(unit_labels.iter().map(String::as_str))
    ));
    s.push_str(&format!(
        "wave_codes <- {}\nwave_labels <- {}\n\n",
        vector(table.waves.iter().map(|w| w.code.as_str())),
        vector(table.waves.iter().map(|w| w.name.as_str()))
    ));
    s.push_str(
        "responses <- read.csv(klimat_file, colClasses = \"character\", na.strings = \"\",\n\
         \x20                     check.names = FALSE, encoding = \"UTF-8\")\n\
         dont_know <- as.data.frame(lapply(responses[names(item_texts)], function(x) !is.na(x) & tolower(x) == \"dk\"),\n\
         \x20                          check.names = FALSE)\n\
         for (item in names(item_texts)) {\n\
         \x20 x <- responses[[item]]\n\
         \x20 x[dont_know[[item]]] <- NA\n\
         \x20 responses[[item]] <- factor(as.integer(x), levels = scale_min:scale_max,\n\
         \x20                             labels = scale_labels, ordered = TRUE)\n\
         \x20 attr(responses[[item]], \"label\") <- item_texts[[item]]\n\
         }\n\
         responses$unit <- factor(responses$unit, levels = unit_codes, labels = unit_labels)\n\
         responses$wave <- factor(responses$wave, levels = wave_codes, labels = wave_labels)\n",
    );
    s
}
