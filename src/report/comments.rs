//! A wave's comments as Markdown (Swedish or English) for `klimat comments`;
//! CSV and JSON come from the model itself.

use std::fmt::Write;

use crate::comments::{Unavailable, WaveComments};
use crate::survey::Language;

/// The comments as a Markdown document in `lang`.
pub fn markdown(c: &WaveComments, lang: Language) -> String {
    let sv = lang == Language::Sv;
    let mut out = String::new();
    let title = if sv { "Kommentarer" } else { "Comments" };
    let _ = writeln!(out, "# {title}: {} {}\n", c.study, c.wave);
    let min = c.minimum;
    let _ = writeln!(
        out,
        "{}\n",
        if sv {
            format!(
                "Fritextsvar visas bara för grupper med minst {min} svarande, i slumpad ordning och utan koppling till enskilda svar. E-postadresser, telefonnummer, personnummer och namn från utskicksadresserna är ersatta med [borttaget]."
            )
        } else {
            format!(
                "Free-text answers are shown only for groups of at least {min} respondents, in random order and without any link to single responses. E-mail addresses, phone numbers, personal identity numbers and names from the roster addresses are replaced by [removed]."
            )
        }
    );
    match c.unavailable {
        Some(Unavailable::Open) => {
            let _ = writeln!(
                out,
                "{}",
                if sv {
                    "Mätomgången är öppen: kommentarerna visas när den har stängt."
                } else {
                    "The wave is open: its comments are shown once it closes."
                }
            );
            return out;
        }
        Some(Unavailable::TooFew) => {
            let _ = writeln!(
                out,
                "{}",
                if sv {
                    format!("Färre än {min} svarande: inga kommentarer kan visas.")
                } else {
                    format!("Fewer than {min} respondents: no comments can be shown.")
                }
            );
            return out;
        }
        None => {}
    }
    if c.some_withheld {
        let _ = writeln!(
            out,
            "{}\n",
            if sv {
                "Kommentarer från enheter som är för små för en egen grupp, och som inte kan slås samman inom det du får se, visas inte."
            } else {
                "Comments from units too small for a group of their own, which cannot be pooled within what you may see, are not shown."
            }
        );
    }
    if let Some(s) = &c.search {
        let _ = writeln!(
            out,
            "{} \"{s}\".\n",
            if sv {
                "Bara kommentarer som innehåller"
            } else {
                "Only comments containing"
            }
        );
    }
    for q in &c.questions {
        let _ = writeln!(out, "## {}\n", q.text);
        if q.count() == 0 {
            let _ = writeln!(
                out,
                "{}\n",
                if sv {
                    "Inga kommentarer."
                } else {
                    "No comments."
                }
            );
            continue;
        }
        if !q.words.is_empty() {
            let words: Vec<String> = q
                .words
                .iter()
                .map(|w| format!("{} ({})", w.word, w.comments))
                .collect();
            let _ = writeln!(
                out,
                "{}: {}\n",
                if sv {
                    "Vanligaste orden"
                } else {
                    "Most used words"
                },
                words.join(", ")
            );
        }
        for (g, texts) in q.by_group.iter().enumerate() {
            if texts.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {}\n", group_heading(c, g, lang));
            for t in texts {
                let _ = writeln!(out, "- {}", t.replace('\n', " "));
            }
            out.push('\n');
        }
    }
    out
}

/// A group as its heading names it: the unit, or the units pooled under it.
pub fn group_heading(c: &WaveComments, g: usize, lang: Language) -> String {
    let group = &c.groups[g];
    if group.whole && group.units.len() == 1 {
        return group.name.clone();
    }
    let (whole, part) = match lang {
        Language::Sv => ("hela", "enheterna"),
        Language::En => ("whole", "units"),
    };
    if group.whole {
        format!("{} ({whole})", group.name)
    } else {
        format!("{} ({part} {})", group.name, group.units.join(", "))
    }
}
