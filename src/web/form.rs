//! The form as data: which items are on which page, what a POST says, and
//! what is wrong with it. No HTTP here, so it is tested directly.

use std::collections::BTreeMap;

use crate::scoring::{Answer, DONT_KNOW, MISSING};
use crate::survey::Survey;

/// Items per page: short pages suit a phone; the last page also holds the
/// free-text questions.
pub const ITEMS_PER_PAGE: usize = 10;

pub fn page_count(survey: &Survey) -> usize {
    survey.items.len().div_ceil(ITEMS_PER_PAGE).max(1)
}

/// The item indices on `page`.
pub fn page_items(survey: &Survey, page: usize) -> std::ops::Range<usize> {
    let start = (page * ITEMS_PER_PAGE).min(survey.items.len());
    start..(start + ITEMS_PER_PAGE).min(survey.items.len())
}

/// What the respondent asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Back,
    Next,
    Save,
    Submit,
    /// Show the same page in another language, keeping what was answered.
    Switch,
}

/// A parsed POST of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub page: usize,
    pub action: Action,
    pub lang: Option<String>,
    /// The language asked for by a language button.
    pub switch: Option<String>,
    pub csrf: Option<String>,
    /// (item index, answer) for the radio groups that were answered.
    pub answers: Vec<(usize, Answer)>,
    /// (free-text id, text), trimmed, empty ones left out.
    pub texts: Vec<(String, String)>,
}

/// A field-level problem: the field's id and what to do, per language key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The item or free-text id.
    pub field: String,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Unanswered,
    TooLong,
}

/// Splits an `application/x-www-form-urlencoded` body into its fields,
/// strictly: a name or value that is not UTF-8 once decoded is refused with
/// its position, never silently replaced.
pub fn fields(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let decode = |part: &[u8], what: &str, n: usize| -> Result<String, String> {
        let plus: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&plus)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| format!("the {what} of field {n} is not valid UTF-8 text"))
    };
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .enumerate()
        .map(|(i, pair)| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &[][..]),
            };
            Ok((decode(name, "name", i + 1)?, decode(value, "value", i + 1)?))
        })
        .collect()
}

/// A control character no keyboard types (tab and line breaks are text).
fn control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Parses the posted fields against the survey. Unknown fields, values off
/// the scale and malformed numbers are refused as a whole (a request no
/// form of ours sends), with a message naming the field.
pub fn parse(survey: &Survey, fields: &[(String, String)]) -> Result<Posted, String> {
    let mut posted = Posted {
        page: 0,
        action: Action::Next,
        lang: None,
        switch: None,
        csrf: None,
        answers: Vec::with_capacity(fields.len()),
        texts: Vec::new(),
    };
    let mut seen = std::collections::HashSet::with_capacity(fields.len());
    // Our form posts the items in survey order: look where the last one
    // was found first, and search the whole list only when that misses.
    let mut next_item = 0;
    for (name, value) in fields {
        if !seen.insert(name.as_str()) {
            return Err(format!("the field `{name}` is sent twice"));
        }
        match name.as_str() {
            "page" => {
                posted.page = value
                    .parse()
                    .ok()
                    .filter(|p| *p < page_count(survey))
                    .ok_or_else(|| format!("`page` is not a page of this form: `{value}`"))?;
            }
            "action" => {
                posted.action = match value.as_str() {
                    "back" => Action::Back,
                    "next" => Action::Next,
                    "save" => Action::Save,
                    "submit" => Action::Submit,
                    _ => {
                        return Err(format!(
                            "`action` is not back, next, save or submit: `{value}`"
                        ));
                    }
                }
            }
            "lang" => posted.lang = Some(value.clone()),
            // The language buttons submit the page: its answers are kept
            // as a draft, and the page comes back in the language chosen.
            "switch" => {
                posted.action = Action::Switch;
                posted.switch = Some(value.clone());
            }
            "csrf" => posted.csrf = Some(value.clone()),
            _ => {
                if let Some(id) = name.strip_prefix("i.") {
                    let index = survey
                        .items
                        .get(next_item)
                        .filter(|item| item.id == id)
                        .map(|_| next_item)
                        .or_else(|| survey.item_index(id))
                        .ok_or_else(|| format!("the form has no question `{id}`"))?;
                    next_item = index + 1;
                    posted
                        .answers
                        .push((index, parse_value(survey, id, value)?));
                } else if let Some(id) = name.strip_prefix("t.") {
                    if !survey.free_text.iter().any(|f| f.id == id) {
                        return Err(format!("the form has no free-text question `{id}`"));
                    }
                    let text = value.trim();
                    if let Some(c) = text.chars().find(|&c| control(c)) {
                        return Err(format!(
                            "the answer to `{id}` contains the control character U+{:04X}, which is not text",
                            c as u32
                        ));
                    }
                    if !text.is_empty() {
                        posted.texts.push((id.to_owned(), text.to_owned()));
                    }
                } else {
                    return Err(format!("the form has no field `{name}`"));
                }
            }
        }
    }
    Ok(posted)
}

fn parse_value(survey: &Survey, id: &str, value: &str) -> Result<Answer, String> {
    if value == "dk" {
        return if survey.scale.dont_know.is_some() {
            Ok(DONT_KNOW)
        } else {
            Err(format!("question `{id}` offers no \"don't know\""))
        };
    }
    match value.parse::<i32>() {
        Ok(v) if survey.scale.contains(v) => Ok(v as Answer),
        _ => Err(format!(
            "question `{id}`: `{value}` is not on the scale {}–{}",
            survey.scale.min, survey.scale.max
        )),
    }
}

/// Applies a POST to the answers so far: the posted page's items take the
/// posted values (an item left blank on that page becomes unanswered).
pub fn merge(survey: &Survey, answers: &mut Vec<Answer>, posted: &Posted) {
    answers.resize(survey.items.len(), MISSING);
    for i in page_items(survey, posted.page) {
        answers[i] = MISSING;
    }
    for &(i, a) in &posted.answers {
        answers[i] = a;
    }
}

/// The problems on one page: unanswered items (every item needs an answer,
/// "don't know" counts), texts over their length.
pub fn page_errors(
    survey: &Survey,
    answers: &[Answer],
    texts: &BTreeMap<String, String>,
    page: usize,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = page_items(survey, page)
        .filter(|&i| answers.get(i).is_none_or(|&a| a == MISSING))
        .map(|i| FieldError {
            field: survey.items[i].id.clone(),
            kind: ErrorKind::Unanswered,
        })
        .collect();
    if page + 1 == page_count(survey) {
        errors.extend(text_errors(survey, texts));
    }
    errors
}

/// Free texts over their `max_length`.
pub fn text_errors(survey: &Survey, texts: &BTreeMap<String, String>) -> Vec<FieldError> {
    survey
        .free_text
        .iter()
        .filter(|f| {
            texts
                .get(&f.id)
                .is_some_and(|t| t.chars().count() > f.max_length)
        })
        .map(|f| FieldError {
            field: f.id.clone(),
            kind: ErrorKind::TooLong,
        })
        .collect()
}

/// The first page with a problem and its problems, if any.
pub fn first_errors(
    survey: &Survey,
    answers: &[Answer],
    texts: &BTreeMap<String, String>,
) -> Option<(usize, Vec<FieldError>)> {
    (0..page_count(survey)).find_map(|p| {
        let e = page_errors(survey, answers, texts, p);
        (!e.is_empty()).then_some((p, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> Survey {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/surveys/team-climate.toml");
        crate::survey::load(std::path::Path::new(path)).unwrap()
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn pages_cover_every_item_once() {
        let s = survey();
        let covered: Vec<usize> = (0..page_count(&s))
            .flat_map(|p| page_items(&s, p))
            .collect();
        assert_eq!(covered, (0..s.items.len()).collect::<Vec<_>>());
    }

    #[test]
    fn a_post_is_parsed_and_bad_ones_are_refused_by_name() {
        let s = survey();
        let first = s.items[0].id.clone();
        let p = parse(
            &s,
            &fields(&[
                ("page", "0"),
                ("action", "next"),
                (&format!("i.{first}"), "dk"),
                ("t.comment", "  bra  "),
            ]),
        )
        .unwrap();
        assert_eq!(p.answers, vec![(0, DONT_KNOW)]);
        assert_eq!(p.texts, vec![("comment".to_owned(), "bra".to_owned())]);
        for (bad, says) in [
            (vec![("i.nope", "3")], "no question `nope`"),
            (vec![("x", "1")], "no field `x`"),
            (vec![(&*format!("i.{first}"), "9")], "not on the scale"),
            (vec![(&*format!("i.{first}"), "3.5")], "not on the scale"),
            (vec![("page", "99")], "not a page"),
            (vec![("action", "delete")], "not back, next"),
            (vec![("page", "0"), ("page", "1")], "twice"),
        ] {
            let e = parse(&s, &fields(&bad)).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn merging_replaces_the_posted_page_only_and_errors_name_unanswered_items() {
        let s = survey();
        let mut answers = vec![3; s.items.len()];
        let posted = parse(
            &s,
            &fields(&[("page", "0"), (&format!("i.{}", s.items[1].id), "2")]),
        )
        .unwrap();
        merge(&s, &mut answers, &posted);
        assert_eq!(answers[0], MISSING);
        assert_eq!(answers[1], 2);
        assert_eq!(answers[ITEMS_PER_PAGE], 3, "other pages are kept");
        let errors = page_errors(&s, &answers, &BTreeMap::new(), 0);
        assert_eq!(errors.len(), ITEMS_PER_PAGE - 1);
        assert_eq!(errors[0].field, s.items[0].id);
        assert_eq!(first_errors(&s, &answers, &BTreeMap::new()).unwrap().0, 0);
        let long: BTreeMap<_, _> = [("comment".to_owned(), "x".repeat(5000))].into();
        let all = vec![1; s.items.len()];
        let (page, e) = first_errors(&s, &all, &long).unwrap();
        assert_eq!((page, e[0].kind), (page_count(&s) - 1, ErrorKind::TooLong));
    }
}

#[cfg(test)]
mod strict_tests {
    use super::*;

    #[test]
    fn a_body_is_split_and_decoded() {
        assert_eq!(
            fields(b"a=1&b=x+y%C3%A5&c").unwrap(),
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "x yå".to_owned()),
                ("c".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_field() {
        let e = fields(b"page=0&t.idea=ok%FF%FE").unwrap_err();
        assert_eq!(e, "the value of field 2 is not valid UTF-8 text");
    }

    #[test]
    fn a_nul_in_a_free_text_is_refused() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/surveys/team-climate.toml");
        let s = crate::survey::load(std::path::Path::new(path)).unwrap();
        let id = &s.free_text[0].id;
        let posted = fields(format!("t.{id}=a%00b").as_bytes()).unwrap();
        let e = parse(&s, &posted).unwrap_err();
        assert!(e.contains("U+0000"), "{e}");
        let fine = fields(format!("t.{id}=line%0Aline").as_bytes()).unwrap();
        assert!(parse(&s, &fine).is_ok());
    }
}
