//! The checks that turn a [`RawSurvey`] into a [`Survey`]: required keys,
//! identifiers, cross-references, texts in every declared language, a possible
//! scale and scorable dimensions. All problems are collected, none stops the rest.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::problem::Problem;
use super::raw::{
    RawDimension, RawFreeText, RawItem, RawLabels, RawModel, RawScale, RawSurvey, RawText, S,
};
use super::{Dimension, Direction, FreeText, Item, Language, Model, Scale, Survey, Text};

/// Fewer items than this cannot give a dimension a reliability estimate worth reporting.
pub const MIN_ITEMS_PER_DIMENSION: usize = 3;
/// Longest scale accepted; longer ones are not Likert-type ratings.
pub const MAX_SCALE_POINTS: i64 = 11;
/// Scale values are stored in one byte beside two codes for missing answers.
pub const SCALE_LIMIT: i64 = 100;
const DEFAULT_FREE_TEXT_LENGTH: usize = 2000;
/// Column names of the responses file that item ids must not take.
const RESERVED_IDS: [&str; 2] = ["unit", "wave"];

pub fn survey(source: &str, raw: RawSurvey) -> Result<Survey, Vec<Problem>> {
    let mut c = Check {
        source,
        problems: Vec::new(),
        languages: Vec::new(),
    };
    let top = 0..0;
    let key = c.required(
        raw.key,
        &top,
        "key",
        "the survey's identifier, e.g. key = \"creative-climate\"",
    );
    let key = key.filter(|k| c.identifier(k, "survey key", false));
    let version = c
        .required(
            raw.version,
            &top,
            "version",
            "an integer version starting at 1, e.g. version = 1",
        )
        .and_then(|v| match u32::try_from(*v.get_ref()) {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                c.problem(
                    v.span(),
                    format!(
                        "version must be a whole number of at least 1, not {}",
                        v.get_ref()
                    ),
                    "start at version = 1 and count up with each change",
                );
                None
            }
        });
    let languages = c.languages(raw.languages);
    c.languages = languages.clone().unwrap_or_default();
    let title = c.text(raw.title, &top, "title");
    let introduction = c.text(raw.introduction, &top, "introduction");
    let privacy_notice = c.text(raw.privacy_notice, &top, "privacy_notice");
    let scale = c.scale(raw.scale);
    let models = c.models(raw.models);
    let (dimensions, mut dimension_spans, declared) = c.dimensions(raw.dimensions, &models);
    let items = c.items(raw.items, &dimensions, &declared);
    let free_text = c.free_texts(raw.free_text, &items);

    // Assign items to dimensions and check that each dimension can be scored.
    let mut dimensions = dimensions;
    if let Some(items) = &items {
        for (index, item) in items.iter().enumerate() {
            dimensions[item.dimension].items.push(index);
        }
    }
    for (dimension, (span, min_answered)) in dimensions.iter_mut().zip(dimension_spans.drain(..)) {
        let count = dimension.items.len();
        if items.is_some() && count < MIN_ITEMS_PER_DIMENSION {
            c.problem(
                span.clone(),
                format!("dimension `{}` has {count} item(s); a dimension needs at least {MIN_ITEMS_PER_DIMENSION}", dimension.id),
                "add items with dimension = \"…\" for it, or remove the dimension",
            );
        }
        dimension.min_answered = match min_answered {
            None => count.div_ceil(2).max(1),
            Some(m) => {
                let n = *m.get_ref();
                if n < 1 || (items.is_some() && n as usize > count) {
                    c.problem(
                        m.span(),
                        format!("min_answered = {n} is impossible for dimension `{}` with {count} item(s)", dimension.id),
                        format!("choose a number from 1 to {count}, or leave it out for the default (half of the items, rounded up)"),
                    );
                }
                n.max(1) as usize
            }
        };
    }

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    // Every field is present when no problem was found.
    let missing = || vec![Problem::at(source, 0..0, "incomplete survey")];
    Ok(Survey {
        key: key.ok_or_else(missing)?.into_inner(),
        version: version.ok_or_else(missing)?,
        languages: languages.ok_or_else(missing)?,
        title: title.ok_or_else(missing)?,
        introduction: introduction.ok_or_else(missing)?,
        privacy_notice: privacy_notice.ok_or_else(missing)?,
        scale: scale.ok_or_else(missing)?,
        models,
        dimensions,
        items: items.ok_or_else(missing)?,
        free_text,
    })
}

struct Check<'s> {
    source: &'s str,
    problems: Vec<Problem>,
    languages: Vec<Language>,
}

impl Check<'_> {
    fn problem(&mut self, span: Range<usize>, message: impl Into<String>, help: impl Into<String>) {
        self.problems
            .push(Problem::at(self.source, span, message).help(help));
    }

    fn required<T>(
        &mut self,
        value: Option<S<T>>,
        within: &Range<usize>,
        key: &str,
        help: &str,
    ) -> Option<S<T>> {
        if value.is_none() {
            let place = if within.is_empty() && within.start == 0 {
                "the survey".to_owned()
            } else {
                "this table".to_owned()
            };
            self.problem(
                within.clone(),
                format!("missing key `{key}` in {place}"),
                format!("add `{key}`: {help}"),
            );
        }
        value
    }

    /// Identifiers become CSV column names and URL parts: a lowercase letter,
    /// then lowercase letters, digits, `-` or `_` (`_` only when `underscore`).
    fn identifier(&mut self, id: &S<String>, what: &str, underscore: bool) -> bool {
        let s = id.get_ref();
        let ok = s.len() <= 64
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (underscore && c == '_')
            });
        if !ok {
            let allowed = if underscore {
                "lowercase letters, digits, `-` and `_`"
            } else {
                "lowercase letters, digits and `-`"
            };
            self.problem(
                id.span(),
                format!("{what} `{s}` is not a valid identifier"),
                format!(
                    "start with a lowercase letter and use only {allowed}, at most 64 characters"
                ),
            );
        }
        ok
    }

    fn non_empty(&mut self, value: &S<String>, what: &str) -> bool {
        if value.get_ref().trim().is_empty() {
            self.problem(
                value.span(),
                format!("{what} is empty"),
                "write the text, or remove the key if it is optional",
            );
            return false;
        }
        true
    }

    fn languages(&mut self, raw: Option<S<Vec<S<String>>>>) -> Option<Vec<Language>> {
        let raw = self.required(
            raw,
            &(0..0),
            "languages",
            "the languages of the texts, e.g. languages = [\"sv\", \"en\"]",
        )?;
        let span = raw.span();
        let mut out = Vec::new();
        for code in raw.into_inner() {
            match Language::from_code(code.get_ref()) {
                None => self.problem(
                    code.span(),
                    format!("language `{}` is not supported", code.get_ref()),
                    "klimat's respondent pages exist in `sv` and `en`; declare one or both",
                ),
                Some(l) if out.contains(&l) => self.problem(
                    code.span(),
                    format!("language `{l}` is declared twice"),
                    "list each language once",
                ),
                Some(l) => out.push(l),
            }
        }
        if out.is_empty() {
            self.problem(
                span,
                "no language is declared",
                "declare languages = [\"sv\", \"en\"]",
            );
            return None;
        }
        Some(out)
    }

    /// A text per declared language; `key` names it in problems.
    fn text(&mut self, raw: Option<S<RawText>>, within: &Range<usize>, key: &str) -> Option<Text> {
        let raw = self.required(
            raw,
            within,
            key,
            "a table of texts per language, e.g. { sv = \"…\", en = \"…\" }",
        )?;
        let span = raw.span();
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (code, text) in raw.into_inner() {
            match Language::from_code(&code).filter(|l| self.languages.contains(l)) {
                None => {
                    ok = false;
                    self.problem(
                        text.span(),
                        format!(
                            "`{key}` has a text in `{code}`, which the survey does not declare"
                        ),
                        "add the language to `languages` or remove this text",
                    );
                }
                Some(l) => {
                    ok &= self.non_empty(&text, &format!("the `{l}` text of `{key}`"));
                    out.insert(l, text.into_inner());
                }
            }
        }
        for lang in self.languages.clone() {
            if !out.contains_key(&lang) {
                ok = false;
                self.problem(
                    span.clone(),
                    format!("`{key}` has no text in `{lang}`"),
                    format!(
                        "add {lang} = \"…\" to `{key}`; every text needs every declared language"
                    ),
                );
            }
        }
        ok.then_some(Text(out))
    }

    fn scale(&mut self, raw: Option<S<RawScale>>) -> Option<Scale> {
        let raw = self.required(
            raw,
            &(0..0),
            "scale",
            "a [scale] table with points, min, max and labels",
        )?;
        let span = raw.span();
        let raw = raw.into_inner();
        let points = self.required(
            raw.points,
            &span,
            "points",
            "the number of answer options, e.g. points = 5",
        );
        let min = self.required(
            raw.min,
            &span,
            "min",
            "the value of the lowest option, e.g. min = 1",
        );
        let max = self.required(
            raw.max,
            &span,
            "max",
            "the value of the highest option, e.g. max = 5",
        );
        let dont_know = raw.dont_know.and_then(|d| {
            let span = d.span();
            self.text(Some(d), &span, "scale.dont_know")
        });
        let (points, min, max) = (points?, min?, max?);
        let (p, lo, hi) = (*points.get_ref(), *min.get_ref(), *max.get_ref());
        let mut ok = true;
        if lo >= hi {
            ok = false;
            self.problem(
                max.span(),
                format!("the scale's max ({hi}) must be larger than its min ({lo})"),
                "a scale runs from min up to max, e.g. min = 1, max = 5",
            );
        } else if hi - lo + 1 != p {
            ok = false;
            self.problem(
                points.span(),
                format!(
                    "a scale from {lo} to {hi} has {} points, not {p}",
                    hi - lo + 1
                ),
                "make points = max − min + 1",
            );
        }
        if !(2..=MAX_SCALE_POINTS).contains(&p) {
            ok = false;
            self.problem(
                points.span(),
                format!("a scale needs 2 to {MAX_SCALE_POINTS} points, not {p}"),
                "use a rating scale such as 4 or 5 points",
            );
        }
        if lo < -SCALE_LIMIT || hi > SCALE_LIMIT {
            ok = false;
            self.problem(
                min.span(),
                format!("the scale's values must lie between -{SCALE_LIMIT} and {SCALE_LIMIT}"),
                "use small whole numbers such as 0–3 or 1–5",
            );
        }
        let labels = self.scale_labels(raw.labels, &span, p);
        if !ok {
            return None;
        }
        Some(Scale {
            min: lo as i32,
            max: hi as i32,
            labels: labels?,
            dont_know,
        })
    }

    fn scale_labels(
        &mut self,
        raw: Option<S<RawLabels>>,
        within: &Range<usize>,
        points: i64,
    ) -> Option<BTreeMap<Language, Vec<String>>> {
        let raw = self.required(
            raw,
            within,
            "labels",
            "a [scale.labels] table with one list of labels per language",
        )?;
        let span = raw.span();
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (code, list) in raw.into_inner() {
            let Some(lang) = Language::from_code(&code).filter(|l| self.languages.contains(l))
            else {
                ok = false;
                self.problem(
                    list.span(),
                    format!("scale labels in `{code}`, which the survey does not declare"),
                    "add the language to `languages` or remove these labels",
                );
                continue;
            };
            if list.get_ref().len() as i64 != points {
                ok = false;
                self.problem(
                    list.span(),
                    format!(
                        "the `{lang}` scale labels list {} label(s) for a {points}-point scale",
                        list.get_ref().len()
                    ),
                    "give exactly one label per point, from min to max",
                );
            }
            let mut labels = Vec::new();
            for label in list.into_inner() {
                ok &= self.non_empty(&label, &format!("a `{lang}` scale label"));
                labels.push(label.into_inner());
            }
            out.insert(lang, labels);
        }
        for lang in self.languages.clone() {
            if !out.contains_key(&lang) {
                ok = false;
                self.problem(
                    span.clone(),
                    format!("the scale has no labels in `{lang}`"),
                    format!("add {lang} = [\"…\", …] to [scale.labels]"),
                );
            }
        }
        ok.then_some(out)
    }

    fn models(&mut self, raw: Option<S<BTreeMap<String, S<RawModel>>>>) -> BTreeMap<String, Model> {
        let mut out = BTreeMap::new();
        let Some(raw) = self.required(
            raw,
            &(0..0),
            "models",
            "a [models.<id>] table with the name and citation of each dimension model",
        ) else {
            return out;
        };
        for (id, model) in raw.into_inner() {
            let span = model.span();
            let model: RawModel = model.into_inner();
            self.identifier(&S::new(span.clone(), id.clone()), "model id", false);
            let name = self.required(
                model.name,
                &span,
                "name",
                "the model's name, e.g. \"Creative climate (Ekvall)\"",
            );
            let citation = self.required(
                model.citation,
                &span,
                "citation",
                "the published source of the model",
            );
            if let (Some(name), Some(citation)) = (name, citation)
                && self.non_empty(&name, "the model name")
                    & self.non_empty(&citation, "the model citation")
            {
                let (name, citation) = (name.into_inner(), citation.into_inner());
                out.insert(id, Model { name, citation });
            }
        }
        out
    }

    /// The valid dimensions (items not yet assigned); per valid dimension its
    /// span and the `min_answered` of the file, checked once the items are
    /// known; and the ids of all declared dimensions, valid or not, so that
    /// items of an invalid dimension are not also reported as orphans.
    #[allow(clippy::type_complexity)]
    fn dimensions(
        &mut self,
        raw: Option<S<Vec<S<RawDimension>>>>,
        models: &BTreeMap<String, Model>,
    ) -> (
        Vec<Dimension>,
        Vec<(Range<usize>, Option<S<i64>>)>,
        Vec<String>,
    ) {
        let mut dimensions = Vec::new();
        let mut extra = Vec::new();
        let mut declared = Vec::new();
        let Some(raw) = self.required(
            raw,
            &(0..0),
            "dimensions",
            "one [[dimensions]] table per dimension",
        ) else {
            return (dimensions, extra, declared);
        };
        if raw.get_ref().is_empty() {
            self.problem(
                raw.span(),
                "the survey declares no dimension",
                "add a [[dimensions]] table for each construct the survey measures",
            );
        }
        let mut seen: HashMap<String, Range<usize>> = HashMap::new();
        for dimension in raw.into_inner() {
            let span = dimension.span();
            let d = dimension.into_inner();
            let id = self.required(
                d.id,
                &span,
                "id",
                "the dimension's identifier, e.g. id = \"idea-support\"",
            );
            declared.extend(id.as_ref().map(|id| id.get_ref().clone()));
            let id = id.filter(|id| {
                self.identifier(id, "dimension id", false)
                    && self.unique(&mut seen, id, "dimension")
            });
            let name = self.text(d.name, &span, "name");
            let definition = self.text(d.definition, &span, "definition");
            let model = self.required(d.model, &span, "model", "the id of the model it follows, declared under [models]").filter(|m| {
                let known = models.contains_key(m.get_ref());
                if !known {
                    self.problem(m.span(), format!("dimension refers to model `{}`, which is not declared", m.get_ref()), format!("declare it as [models.{}] with name and citation, or use one of: {}", m.get_ref(), join(models.keys())));
                }
                known
            });
            let direction = self
                .required(
                    d.direction,
                    &span,
                    "direction",
                    "\"higher-is-better\" or \"lower-is-better\"",
                )
                .and_then(|dir| {
                    let parsed = Direction::from_name(dir.get_ref());
                    if parsed.is_none() {
                        self.problem(
                            dir.span(),
                            format!("direction `{}` is not known", dir.get_ref()),
                            format!("use one of: {}", Direction::NAMES.join(", ")),
                        );
                    }
                    parsed
                });
            if let (Some(id), Some(name), Some(definition), Some(model), Some(direction)) =
                (id, name, definition, model, direction)
            {
                dimensions.push(Dimension {
                    id: id.into_inner(),
                    name,
                    definition,
                    model: model.into_inner(),
                    direction,
                    min_answered: 0,
                    items: Vec::new(),
                });
                extra.push((span, d.min_answered));
            }
        }
        (dimensions, extra, declared)
    }

    fn unique(
        &mut self,
        seen: &mut HashMap<String, Range<usize>>,
        id: &S<String>,
        what: &str,
    ) -> bool {
        if let Some(first) = seen.get(id.get_ref()) {
            let line = super::Location::of_offset(self.source, first.start).line;
            self.problem(
                id.span(),
                format!(
                    "duplicate {what} id `{}`; it is first used on line {line}",
                    id.get_ref()
                ),
                format!("give every {what} its own id"),
            );
            return false;
        }
        seen.insert(id.get_ref().clone(), id.span());
        true
    }

    fn items(
        &mut self,
        raw: Option<S<Vec<S<RawItem>>>>,
        dimensions: &[Dimension],
        declared: &[String],
    ) -> Option<Vec<Item>> {
        let raw = self.required(raw, &(0..0), "items", "one [[items]] table per question")?;
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen = HashMap::new();
        for item in raw.into_inner() {
            let span = item.span();
            let it = item.into_inner();
            let id = self.required(
                it.id,
                &span,
                "id",
                "the item's identifier, also its column in responses files, e.g. id = \"is1\"",
            );
            let id = id.filter(|id| {
                self.identifier(id, "item id", true)
                    && self.not_reserved(id)
                    && self.unique(&mut seen, id, "item")
            });
            let dimension = self
                .required(
                    it.dimension,
                    &span,
                    "dimension",
                    "the id of the dimension the item measures",
                )
                .and_then(|d| {
                    let index = dimensions.iter().position(|x| &x.id == d.get_ref());
                    if index.is_none() && !declared.contains(d.get_ref()) {
                        self.problem(
                            d.span(),
                            format!(
                                "item refers to dimension `{}`, which is not declared",
                                d.get_ref()
                            ),
                            format!(
                                "declare it in a [[dimensions]] table, or use one of: {}",
                                join(declared.iter())
                            ),
                        );
                    }
                    index
                });
            let text = self.text(it.text, &span, "text");
            match (id, dimension, text) {
                (Some(id), Some(dimension), Some(text)) => out.push(Item {
                    id: id.into_inner(),
                    dimension,
                    text,
                    reverse: it.reverse.map(|r| r.into_inner()).unwrap_or(false),
                }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn not_reserved(&mut self, id: &S<String>) -> bool {
        let reserved = RESERVED_IDS.contains(&id.get_ref().as_str());
        if reserved {
            self.problem(
                id.span(),
                format!(
                    "`{}` cannot be an id: responses files use it as a column",
                    id.get_ref()
                ),
                "choose another id",
            );
        }
        !reserved
    }

    fn free_texts(
        &mut self,
        raw: Option<S<Vec<S<RawFreeText>>>>,
        items: &Option<Vec<Item>>,
    ) -> Vec<FreeText> {
        let mut out = Vec::new();
        let Some(raw) = raw else { return out };
        let mut seen: HashMap<String, Range<usize>> = HashMap::new();
        for free in raw.into_inner() {
            let span = free.span();
            let f = free.into_inner();
            let id = self.required(
                f.id,
                &span,
                "id",
                "the question's identifier, e.g. id = \"comment\"",
            );
            let id = id.filter(|id| {
                let clash = items.iter().flatten().any(|i| &i.id == id.get_ref());
                if clash {
                    self.problem(
                        id.span(),
                        format!("free-text id `{}` is already an item id", id.get_ref()),
                        "give the free-text question its own id",
                    );
                }
                !clash
                    && self.identifier(id, "free-text id", true)
                    && self.not_reserved(id)
                    && self.unique(&mut seen, id, "free-text")
            });
            let text = self.text(f.text, &span, "text");
            let max_length = match f.max_length {
                None => Some(DEFAULT_FREE_TEXT_LENGTH),
                Some(m) if (1..=20_000).contains(m.get_ref()) => Some(*m.get_ref() as usize),
                Some(m) => {
                    self.problem(
                        m.span(),
                        format!("max_length = {} is out of range", m.get_ref()),
                        "choose a length from 1 to 20000 characters",
                    );
                    None
                }
            };
            if let (Some(id), Some(text), Some(max_length)) = (id, text, max_length) {
                out.push(FreeText {
                    id: id.into_inner(),
                    text,
                    max_length,
                });
            }
        }
        out
    }
}

fn join<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "(none declared)".to_owned()
    } else {
        names.join(", ")
    }
}
