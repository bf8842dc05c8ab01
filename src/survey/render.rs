//! The questionnaire as plain text, in the order and words a respondent sees.

use std::fmt::Write;

use super::{Language, Survey};

/// Renders `survey` in `lang` for reading on a terminal or in a review.
pub fn render_text(survey: &Survey, lang: Language) -> String {
    let mut out = String::new();
    let heading = survey.title.get(lang);
    let _ = writeln!(out, "{heading}\n{}\n", "=".repeat(heading.chars().count()));
    let _ = writeln!(out, "{}\n", survey.introduction.get(lang));
    let _ = writeln!(out, "{}\n", survey.privacy_notice.get(lang));

    let scale = &survey.scale;
    let legend = match lang {
        Language::Sv => "Svarsalternativ",
        Language::En => "Answer options",
    };
    let _ = writeln!(out, "{legend}:");
    for value in scale.min..=scale.max {
        let _ = writeln!(out, "  {value} = {}", scale.label(lang, value));
    }
    if let Some(dk) = &scale.dont_know {
        let _ = writeln!(out, "  ({})", dk.get(lang));
    }
    out.push('\n');

    for (n, item) in survey.items.iter().enumerate() {
        let _ = writeln!(out, "{:>2}. {}", n + 1, item.text.get(lang));
        let mut options: Vec<String> = (scale.min..=scale.max)
            .map(|v| format!("( ) {}", scale.label(lang, v)))
            .collect();
        if let Some(dk) = &scale.dont_know {
            options.push(format!("| ( ) {}", dk.get(lang)));
        }
        let _ = writeln!(out, "    {}\n", options.join("  "));
    }
    for free in &survey.free_text {
        let _ = writeln!(out, "{}\n    [{}]\n", free.text.get(lang), "_".repeat(40));
    }
    out
}
