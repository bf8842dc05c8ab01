//! Message templates: plain text and HTML, per kind (invitation, reminder)
//! and language, built in and overridable by files in `mail_templates_dir`
//! (same names: `invitation.sv.txt`, `reminder.en.html`, …). The first line
//! of a text template is `Subject: …`. HTML templates escape what they
//! insert.

use std::path::Path;

use minijinja::Environment;
use serde::Serialize;

use crate::store::outbox::Kind;
use crate::survey::Language;

const BUILT_IN: [(&str, &str); 8] = [
    (
        "invitation.sv.txt",
        include_str!("templates/invitation.sv.txt"),
    ),
    (
        "invitation.sv.html",
        include_str!("templates/invitation.sv.html"),
    ),
    (
        "invitation.en.txt",
        include_str!("templates/invitation.en.txt"),
    ),
    (
        "invitation.en.html",
        include_str!("templates/invitation.en.html"),
    ),
    ("reminder.sv.txt", include_str!("templates/reminder.sv.txt")),
    (
        "reminder.sv.html",
        include_str!("templates/reminder.sv.html"),
    ),
    ("reminder.en.txt", include_str!("templates/reminder.en.txt")),
    (
        "reminder.en.html",
        include_str!("templates/reminder.en.html"),
    ),
];

/// What a template may use.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub survey_title: String,
    pub unit: String,
    pub closes_on: Option<String>,
    pub link: String,
    pub optout_link: String,
    pub min_group_size: i32,
    /// About how long answering takes ([`crate::survey::Survey::minutes_to_answer`]).
    pub minutes: u32,
    /// 0 for the invitation, 1… for reminders.
    pub round: i32,
    /// Who runs the survey and whom to ask (settings `organisation_name`,
    /// `contact_email`).
    pub organisation: Option<String>,
    pub contact: Option<String>,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The loaded templates, checked once at start-up.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates, with files in `overrides` taking their place.
    /// Unknown file names, syntax errors and a text template without a
    /// subject line are errors naming the file.
    pub fn load(overrides: Option<&Path>) -> Result<Templates, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in BUILT_IN {
            env.add_template(name, source)
                .map_err(|e| format!("built-in template {name}: {e}"))?;
        }
        if let Some(dir) = overrides {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| format!("cannot read the templates folder {}: {e}", dir.display()))?;
            for entry in entries {
                let path = entry.map_err(|e| e.to_string())?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !BUILT_IN.iter().any(|(n, _)| *n == name) {
                    let known: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "{}: not a template klimat uses (known: {})",
                        path.display(),
                        known.join(", ")
                    ));
                }
                let source = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                env.add_template_owned(name.to_owned(), source)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        let templates = Templates { env };
        templates.check()?;
        Ok(templates)
    }

    /// Renders every template once with sample values, so a broken override
    /// stops start-up rather than a send.
    fn check(&self) -> Result<(), String> {
        let sample = Context {
            survey_title: "Title".into(),
            unit: "Unit".into(),
            closes_on: Some("2026-12-31".into()),
            link: "https://example.org/s/x".into(),
            optout_link: "https://example.org/o/x".into(),
            min_group_size: 5,
            minutes: 10,
            round: 1,
            organisation: Some("Region Exempel".into()),
            contact: Some("enkat@example.org".into()),
        };
        for kind in [Kind::Invitation, Kind::Reminder] {
            for lang in Language::ALL {
                self.render(kind, lang, &sample)?;
            }
        }
        Ok(())
    }

    pub fn render(&self, kind: Kind, lang: Language, ctx: &Context) -> Result<Rendered, String> {
        let render = |ext: &str| {
            let name = format!("{}.{}.{ext}", kind.as_str(), lang.code());
            self.env
                .get_template(&name)
                .and_then(|t| t.render(minijinja::value::Serde(ctx)))
                .map_err(|e| format!("template {name}: {e}"))
        };
        let text = render("txt")?;
        let html = render("html")?;
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        let Some(subject) = first.strip_prefix("Subject:") else {
            return Err(format!(
                "template {}.{}.txt: the first line must be `Subject: …`",
                kind.as_str(),
                lang.code()
            ));
        };
        Ok(Rendered {
            subject: subject.trim().to_owned(),
            text: rest.trim_start_matches(['\r', '\n']).to_owned(),
            html,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            survey_title: "Kreativt klimat".into(),
            unit: "Vårdcentral <Norr>".into(),
            closes_on: Some("2026-12-11".into()),
            link: "https://klimat.region.se/s/abc".into(),
            optout_link: "https://klimat.region.se/o/def".into(),
            min_group_size: 5,
            minutes: 10,
            round: 0,
            organisation: Some("Region Exempel".into()),
            contact: Some("enkat@example.org".into()),
        }
    }

    #[test]
    fn built_in_templates_say_what_the_issue_asks_in_both_languages() {
        let t = Templates::load(None).unwrap();
        let sv = t.render(Kind::Invitation, Language::Sv, &ctx()).unwrap();
        assert_eq!(sv.subject, "Inbjudan: Kreativt klimat");
        for needle in [
            "https://klimat.region.se/s/abc",
            "https://klimat.region.se/o/def",
            "2026-12-11",
            "minst\n5 svarande",
            "Ingen kan koppla",
            "Det tar ungefär 10 minuter.",
            "Enkäten genomförs av Region Exempel. Frågor om enkäten: enkat@example.org\n\nOm anonymitet",
        ] {
            assert!(sv.text.contains(needle), "{needle} missing in\n{}", sv.text);
        }
        assert!(
            sv.html.contains("<a href=\"mailto:enkat@example.org\">"),
            "{}",
            sv.html
        );
        // Without the settings, nothing of them.
        let bare = Context {
            organisation: None,
            contact: None,
            ..ctx()
        };
        for lang in [Language::Sv, Language::En] {
            for kind in [Kind::Invitation, Kind::Reminder] {
                let r = t.render(kind, lang, &bare).unwrap();
                assert!(
                    !r.text.contains("genomförs av") && !r.text.contains("run by"),
                    "{}",
                    r.text
                );
                assert!(!r.html.contains("mailto:"), "{}", r.html);
                assert!(
                    !r.text.contains("\n\n\n"),
                    "no empty paragraph left: {}",
                    r.text
                );
            }
        }
        assert!(
            sv.html.contains("Vårdcentral &lt;Norr&gt;"),
            "HTML escapes: {}",
            sv.html
        );
        assert!(sv.html.contains("lang=\"sv\""));
        let en = t.render(Kind::Reminder, Language::En, &ctx()).unwrap();
        assert_eq!(en.subject, "Reminder: Kreativt klimat");
        assert!(en.text.contains("No one can link your answers to you"));
    }

    #[test]
    fn overrides_replace_built_ins_and_bad_ones_are_refused_with_the_file_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("invitation.en.txt"),
            "Subject: Hi from {{ unit }}\n\nGo to {{ link }}\n",
        )
        .unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        let r = t.render(Kind::Invitation, Language::En, &ctx()).unwrap();
        assert_eq!(r.subject, "Hi from Vårdcentral <Norr>");
        assert_eq!(r.text, "Go to https://klimat.region.se/s/abc");

        std::fs::write(
            dir.path().join("invitation.en.txt"),
            "No subject {{ link }}",
        )
        .unwrap();
        let e = Templates::load(Some(dir.path())).unwrap_err();
        assert!(
            e.contains("invitation.en.txt") && e.contains("Subject"),
            "{e}"
        );

        std::fs::write(
            dir.path().join("invitation.en.txt"),
            "Subject: x\n{{ nonsense }}",
        )
        .unwrap();
        let e = Templates::load(Some(dir.path())).unwrap_err();
        assert!(e.contains("invitation.en.txt"), "{e}");

        std::fs::remove_file(dir.path().join("invitation.en.txt")).unwrap();
        std::fs::write(dir.path().join("invite.en.txt"), "Subject: x\n").unwrap();
        let e = Templates::load(Some(dir.path())).unwrap_err();
        assert!(
            e.contains("invite.en.txt") && e.contains("not a template"),
            "{e}"
        );
    }
}
