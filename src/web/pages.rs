//! Rendering the respondent's pages: minijinja templates (HTML-escaped) and
//! the words of the interface in Swedish and English.

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex};

use minijinja::Environment;
use minijinja::value::Serde;
use serde::Serialize;

use super::form::{self, ErrorKind, FieldError};
use crate::scoring::{Answer, DONT_KNOW};
use crate::survey::{Language, Survey};

pub const CSS: &str = include_str!("templates/klimat.css");

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("message.html", include_str!("templates/message.html")),
        ("site.html", include_str!("templates/site.html")),
        ("form.html", include_str!("templates/form.html")),
    ]
    .into_iter()
    .chain(super::staff::TEMPLATES.iter().copied())
    {
        env.add_template(name, source)
            .expect("built-in templates parse");
    }
    env
});

type Words = BTreeMap<&'static str, &'static str>;

/// The interface's words in one language, built once (every page uses them).
pub fn words(lang: Language) -> &'static Words {
    static SV: LazyLock<Words> = LazyLock::new(|| build_words(Language::Sv));
    static EN: LazyLock<Words> = LazyLock::new(|| build_words(Language::En));
    match lang {
        Language::Sv => &SV,
        Language::En => &EN,
    }
}

fn build_words(lang: Language) -> Words {
    let pairs: &[(&str, &str, &str)] = &[
        ("skip", "Hoppa till innehållet", "Skip to content"),
        ("language", "Språk", "Language"),
        ("site_nav", "Språkval", "Language choice"),
        ("error_title", "Något behöver rättas", "There is a problem"),
        ("privacy_title", "Om anonymitet", "About anonymity"),
        ("page", "Sida", "Page"),
        ("of", "av", "of"),
        ("optional", "frivillig", "optional"),
        ("next", "Nästa", "Next"),
        ("back", "Tillbaka", "Back"),
        (
            "save",
            "Spara och fortsätt senare",
            "Save and continue later",
        ),
        ("submit", "Skicka svaren", "Submit answers"),
        (
            "unanswered",
            "Välj ett svar på fråga",
            "Choose an answer to question",
        ),
        (
            "too_long",
            "Texten är för lång i",
            "The text is too long in",
        ),
        (
            "unanswered_inline",
            "Välj ett svar (eller ”Vet inte”).",
            "Choose an answer (or “Don't know”).",
        ),
        ("too_long_inline", "Korta texten.", "Shorten the text."),
    ];
    pairs
        .iter()
        .map(|(k, sv, en)| (*k, if lang == Language::Sv { *sv } else { *en }))
        .collect()
}

/// Who runs the survey and whom to ask about it (settings
/// `organisation_name`, `contact_email`): a line under every respondent page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct About {
    pub organisation: Option<String>,
    pub contact: Option<String>,
}

impl About {
    pub fn of(settings: &crate::config::Settings) -> About {
        About {
            organisation: settings.organisation_name.clone(),
            contact: settings.contact_email.clone(),
        }
    }

    /// The footer's words, or none when nothing is configured.
    fn context(&self, lang: Language) -> minijinja::Value {
        if self.organisation.is_none() && self.contact.is_none() {
            return minijinja::Value::from(());
        }
        let sv = lang == Language::Sv;
        minijinja::context! {
            organisation => self.organisation.clone(),
            contact => self.contact.clone(),
            run_by => if sv { "Enkäten genomförs av" } else { "This survey is run by" },
            ask => if sv { "Frågor om enkäten:" } else { "Questions about it:" },
        }
    }
}

/// A message page's text per language.
pub struct Message {
    pub title: [&'static str; 2],
    pub paragraphs: &'static [[&'static str; 2]],
}

pub const UNUSABLE: Message = Message {
    title: ["Länken kan inte användas", "This link cannot be used"],
    paragraphs: &[[
        "Länken kan vara felskriven, redan använd, eller så har enkäten stängt. Kontakta den som skickade enkäten om du tror att det är fel.",
        "The link may be mistyped or already used, or the survey may have closed. Contact whoever sent the survey if you think this is wrong.",
    ]],
};
pub const ALREADY_ANSWERED: Message = Message {
    title: [
        "Tack, dina svar är redan sparade",
        "Thank you, your answers are already saved",
    ],
    paragraphs: &[[
        "Den här länken har redan använts för att svara. Du behöver inte göra något mer, och inga fler påminnelser kommer. Svaren kan inte ändras och inte kopplas till dig.",
        "This link has already been used to answer. There is nothing more to do, and no more reminders will come. The answers cannot be changed and cannot be linked to you.",
    ]],
};
pub const CLOSED: Message = Message {
    title: ["Enkäten har stängt", "The survey has closed"],
    paragraphs: &[[
        "Enkäten tar inte emot fler svar. Tack för att du ville svara.",
        "The survey takes no more answers. Thank you for wanting to answer.",
    ]],
};
pub const TOO_MANY: Message = Message {
    title: ["För många försök", "Too many attempts"],
    paragraphs: &[[
        "Vänta en stund och försök igen.",
        "Please wait a while and try again.",
    ]],
};
pub const THANKS: Message = Message {
    title: ["Tack för dina svar!", "Thank you for your answers!"],
    paragraphs: &[[
        "Dina svar är sparade. De går inte att koppla till dig, och resultat visas bara för grupper som är tillräckligt stora.",
        "Your answers are saved. They cannot be linked to you, and results are shown only for groups that are large enough.",
    ]],
};
pub const SAVED: Message = Message {
    title: [
        "Dina svar är sparade tillfälligt",
        "Your answers are saved for now",
    ],
    paragraphs: &[[
        "Öppna samma länk i samma webbläsare för att fortsätta. Utkastet raderas när du skickar in eller när enkäten stänger.",
        "Open the same link in the same browser to continue. The draft is deleted when you submit or when the survey closes.",
    ]],
};
pub const BAD_REQUEST: Message = Message {
    title: ["Formuläret kunde inte läsas", "The form could not be read"],
    paragraphs: &[[
        "Inget sparades. Öppna länken igen och försök på nytt.",
        "Nothing was saved. Open the link again and try once more.",
    ]],
};
pub const OPT_OUT: Message = Message {
    title: [
        "Avregistrera dig från meddelanden",
        "Unsubscribe from messages",
    ],
    paragraphs: &[[
        "Vill du inte få fler påminnelser om den här enkäten? Bekräfta med knappen. Ingenting ändras förrän du har bekräftat.",
        "Do you want no more reminders about this survey? Confirm with the button. Nothing changes until you confirm.",
    ]],
};
pub const OPTED_OUT: Message = Message {
    title: ["Du är avregistrerad", "You are unsubscribed"],
    paragraphs: &[[
        "Du får inga fler meddelanden om den här enkäten.",
        "You will get no more messages about this survey.",
    ]],
};

fn pick(pair: &[&'static str; 2], lang: Language) -> &'static str {
    if lang == Language::Sv {
        pair[0]
    } else {
        pair[1]
    }
}

/// Renders a message page; `extra` is appended to its paragraphs, and
/// `form` adds a button that POSTs to an address.
/// Message pages without extra text or a form never change: rendered once
/// per message and language (the thank-you page answers every submission).
type FixedKey = ([&'static str; 2], usize, Language, About);
static FIXED_PAGES: LazyLock<Mutex<HashMap<FixedKey, String>>> = LazyLock::new(Default::default);

pub fn message(
    about: &About,
    m: &Message,
    lang: Language,
    extra: Option<String>,
    form: Option<(&str, &str)>,
) -> String {
    if extra.is_none() && form.is_none() {
        let key = (m.title, m.paragraphs.as_ptr() as usize, lang, about.clone());
        if let Some(page) = FIXED_PAGES.lock().expect("fixed pages").get(&key) {
            return page.clone();
        }
        let page = render_message(about, m, lang, None, None, None);
        FIXED_PAGES
            .lock()
            .expect("fixed pages")
            .insert(key, page.clone());
        return page;
    }
    render_message(about, m, lang, extra, form, None)
}

/// The page after "save and continue later": until when the survey is
/// open, and a link back to the form to go on now.
pub fn saved(about: &About, lang: Language, closes_on: Option<&str>, form_url: &str) -> String {
    let until = closes_on.map(|d| match lang {
        Language::Sv => format!("Enkäten är öppen till och med {d}."),
        Language::En => format!("The survey is open until {d} inclusive."),
    });
    let back = match lang {
        Language::Sv => "Fortsätt svara nu",
        Language::En => "Continue answering now",
    };
    render_message(about, &SAVED, lang, until, None, Some((form_url, back)))
}

fn render_message(
    about: &About,
    m: &Message,
    lang: Language,
    extra: Option<String>,
    form: Option<(&str, &str)>,
    link: Option<(&str, &str)>,
) -> String {
    let mut paragraphs: Vec<String> = m
        .paragraphs
        .iter()
        .map(|p| pick(p, lang).to_owned())
        .collect();
    paragraphs.extend(extra);
    render(
        "message.html",
        minijinja::context! {
            lang => lang.code(),
            t => Serde(words(lang)),
            title => pick(&m.title, lang),
            paragraphs => Serde(paragraphs),
            form_action => form.map(|f| f.0),
            form_button => form.map(|f| f.1),
            link => link.map(|l| l.0),
            link_label => link.map(|l| l.1),
            about => about.context(lang),
        },
    )
}

pub(crate) fn render(name: &str, ctx: minijinja::Value) -> String {
    TEMPLATES
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| panic!("built-in template {name} failed: {e}"))
}

#[derive(Serialize)]
struct Point {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct ItemView {
    id: String,
    number: usize,
    text: String,
    points: Vec<Point>,
    dont_know: Option<Point>,
    error: Option<&'static str>,
}

#[derive(Serialize)]
struct FreeView {
    id: String,
    text: String,
    max_length: usize,
    value: String,
    error: Option<&'static str>,
}

#[derive(Serialize)]
struct ErrorView {
    anchor: String,
    message: String,
}

#[derive(Serialize)]
struct LanguageView {
    code: &'static str,
    name: &'static str,
    current: bool,
}

/// What the form page shows.
pub struct FormPage<'a> {
    pub survey: &'a Survey,
    pub lang: Language,
    pub unit: &'a str,
    pub min_group_size: i32,
    pub page: usize,
    pub answers: &'a [Answer],
    pub texts: &'a BTreeMap<String, String>,
    pub errors: &'a [FieldError],
    pub action: &'a str,
    pub csrf: Option<&'a str>,
    /// Staff looking at the form before it is used: nothing can be sent.
    pub preview: Option<&'a Preview>,
    pub about: &'a About,
}

/// A preview's banner: what it is, and a form that moves between pages and
/// languages carrying the survey file along.
#[derive(Serialize)]
pub struct Preview {
    pub note: String,
    pub action: String,
    pub hidden: Vec<(String, String)>,
    pub buttons: Vec<PreviewButton>,
    /// A second form with the same fields: where it goes and its button.
    pub done_action: String,
    pub done_label: String,
}

#[derive(Serialize)]
pub struct PreviewButton {
    pub value: String,
    pub label: String,
    pub current: bool,
}

pub fn form(p: &FormPage) -> String {
    let s = p.survey;
    let lang = p.lang;
    let w = words(lang);
    let error_of = |id: &str| p.errors.iter().find(|e| e.field == id).map(|e| e.kind);
    let inline = |k: ErrorKind| match k {
        ErrorKind::Unanswered => w["unanswered_inline"],
        ErrorKind::TooLong => w["too_long_inline"],
    };
    let items: Vec<ItemView> = form::page_items(s, p.page)
        .map(|i| {
            let item = &s.items[i];
            let current = p.answers.get(i).copied();
            ItemView {
                id: item.id.clone(),
                number: i + 1,
                text: item.text.get(lang).to_owned(),
                points: (s.scale.min..=s.scale.max)
                    .map(|v| Point {
                        value: v.to_string(),
                        label: s.scale.label(lang, v).to_owned(),
                        checked: current == Some(v as Answer),
                    })
                    .collect(),
                dont_know: s.scale.dont_know.as_ref().map(|dk| Point {
                    value: "dk".into(),
                    label: dk.get(lang).to_owned(),
                    checked: current == Some(DONT_KNOW),
                }),
                error: error_of(&item.id).map(inline),
            }
        })
        .collect();
    let last = p.page + 1 == form::page_count(s);
    let free_texts: Vec<FreeView> = if last {
        s.free_text
            .iter()
            .map(|f| FreeView {
                id: f.id.clone(),
                text: f.text.get(lang).to_owned(),
                max_length: f.max_length,
                value: p.texts.get(&f.id).cloned().unwrap_or_default(),
                error: error_of(&f.id).map(inline),
            })
            .collect()
    } else {
        Vec::new()
    };
    let errors: Vec<ErrorView> = p
        .errors
        .iter()
        .map(|e| match e.kind {
            ErrorKind::Unanswered => {
                let number = s.item_index(&e.field).map_or(0, |i| i + 1);
                ErrorView {
                    anchor: format!("i-{}", e.field),
                    message: format!("{} {number}", w["unanswered"]),
                }
            }
            ErrorKind::TooLong => ErrorView {
                anchor: format!("t-{}", e.field),
                message: format!("{} {}", w["too_long"], e.field),
            },
        })
        .collect();
    let languages: Vec<LanguageView> = s
        .languages
        .iter()
        .filter(|_| p.preview.is_none())
        .map(|&l| LanguageView {
            code: l.code(),
            name: if l == Language::Sv {
                "Svenska"
            } else {
                "English"
            },
            current: l == lang,
        })
        .collect();
    let group = if lang == Language::Sv {
        format!(
            "Resultat visas bara för grupper med minst {} svarande.",
            p.min_group_size
        )
    } else {
        format!(
            "Results are shown only for groups of at least {} respondents.",
            p.min_group_size
        )
    };
    // Said on every page, before the questions: the form refuses a page
    // with a question left unanswered.
    let required = match (s.scale.dont_know.as_ref(), lang) {
        (Some(dk), Language::Sv) => format!(
            "Alla frågor behöver ett svar. Välj ”{}” om du inte kan svara.",
            dk.get(lang)
        ),
        (Some(dk), Language::En) => format!(
            "Every question needs an answer. Choose “{}” if you cannot say.",
            dk.get(lang)
        ),
        (None, Language::Sv) => "Alla frågor behöver ett svar.".to_owned(),
        (None, Language::En) => "Every question needs an answer.".to_owned(),
    };
    render(
        "form.html",
        minijinja::context! {
            about => p.about.context(lang),
            lang => lang.code(),
            t => Serde(w),
            required => required,
            privacy_group => group,
            title => s.title.get(lang),
            unit => p.unit,
            languages => Serde(languages),
            introduction => Serde(paragraphs(s.introduction.get(lang))),
            privacy => Serde(paragraphs(s.privacy_notice.get(lang))),
            page => p.page,
            pages => form::page_count(s),
            action => p.action,
            csrf => p.csrf,
            items => Serde(items),
            free_texts => Serde(free_texts),
            errors => Serde(errors),
            preview => p.preview.map(Serde),
        },
    )
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}
