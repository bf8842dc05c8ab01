//! A wave's free-text answers as staff may read them: on the wave's comment
//! cells ([`crate::comments::partition`]) at its comment minimum, redacted,
//! in random order, without response ids, per question, filtered by a
//! search, with each question's most used words; the same for the page, the
//! API, the command line and the CSV export.
//!
//! Who sees what: evaluators every cell; a viewer limited to a unit the
//! cells wholly inside that unit's subtree; others none (the callers check
//! roles). An open wave shows none, like its figures, and neither does a
//! wave whose plan publishes nothing.

use std::collections::HashMap;

use rand::seq::SliceRandom;

use super::{Error, Result};
use crate::comments::{
    self, CommentGroup, QuestionComments, Redactor, Unavailable, WORDS_SHOWN, WaveComments,
};
use crate::store::studies::{self, Wave};
use crate::store::{DbConnection, surveys, texts};
use crate::survey::Language;

/// What a reader asks for.
#[derive(Debug, Clone)]
pub struct CommentsQuery {
    pub lang: Language,
    /// The unit (id) the reader is limited to: only cells inside its subtree.
    pub scope: Option<i64>,
    /// Only comments containing this, ignoring case.
    pub search: Option<String>,
}

/// The comments of `wave` as `query`'s reader may see them.
pub fn wave_comments(
    conn: &mut DbConnection,
    wave: &Wave,
    query: &CommentsQuery,
) -> Result<WaveComments> {
    let study = studies::by_id(conn, wave.study_id)?;
    let loaded = super::load(conn, &study.name)?;
    comments_in(conn, &loaded, wave, query, &mut TextCache::default())
}

/// A wave's stored texts, its redactor and its survey, read once for many
/// readers (the feedback reports of every unit).
#[derive(Default)]
pub struct TextCache {
    waves: HashMap<i64, (Vec<texts::StoredText>, Redactor)>,
    surveys: HashMap<i64, crate::survey::Survey>,
}

impl TextCache {
    fn survey(&mut self, conn: &mut DbConnection, version: i64) -> Result<crate::survey::Survey> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.surveys.entry(version) {
            e.insert(surveys::get(conn, version)?.survey()?);
        }
        Ok(self.surveys[&version].clone())
    }

    fn wave(
        &mut self,
        conn: &mut DbConnection,
        wave: i64,
    ) -> Result<&(Vec<texts::StoredText>, Redactor)> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.waves.entry(wave) {
            let addresses = texts::roster_addresses(conn, wave)?;
            let redactor = Redactor::new(addresses.iter().map(String::as_str));
            e.insert((texts::of_wave(conn, wave)?, redactor));
        }
        Ok(&self.waves[&wave])
    }
}

/// [`wave_comments`] of a study already loaded.
pub fn comments_in(
    conn: &mut DbConnection,
    loaded: &super::Loaded,
    wave: &Wave,
    query: &CommentsQuery,
    cache: &mut TextCache,
) -> Result<WaveComments> {
    let study = &loaded.study;
    let survey = cache.survey(conn, wave.survey_version_id)?;
    let lang = super::language_for(&survey, query.lang);
    // Never below min_group_size: the store keeps it so.
    let minimum = wave.min_group_size_comments as u64;
    let search = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let mut out = WaveComments {
        study: study.name.clone(),
        wave: wave.name.clone(),
        minimum,
        unavailable: None,
        some_withheld: false,
        groups: Vec::new(),
        questions: Vec::new(),
        search: search.clone(),
    };
    let plan = &loaded.plan;
    let Some(wave_plan) = plan.wave(wave.id) else {
        return Err(Error::NotFound(crate::said!(
            "wave {} is not part of its study's plan",
            "mätomgång {} ingår inte i studiens plan",
            wave.id
        )));
    };
    if wave_plan.open {
        out.unavailable = Some(Unavailable::Open);
        return Ok(out);
    }
    let in_scope: Vec<bool> = match query.scope {
        None => vec![true; plan.units.len()],
        Some(id) => {
            let root = plan
                .units
                .iter()
                .position(|u| u.id == id)
                .ok_or_else(super::scope_gone)?;
            (0..plan.units.len())
                .map(|u| plan.within(u, root))
                .collect()
        }
    };
    let respondents: Vec<u64> = wave_plan.counts.iter().map(|c| c.respondents).collect();
    let cells = comments::partition(&plan.parents, &respondents, minimum);
    let visible: Vec<usize> = (0..cells.cells.len())
        .filter(|&c| cells.cells[c].members.iter().all(|&u| in_scope[u]))
        .collect();
    let answered_in_scope = (0..respondents.len()).any(|u| in_scope[u] && respondents[u] > 0);
    out.some_withheld = (0..respondents.len()).any(|u| {
        in_scope[u]
            && respondents[u] > 0
            && !visible.iter().any(|&c| cells.cells[c].members.contains(&u))
    });
    if !wave_plan.publishes() || visible.is_empty() {
        out.unavailable = Some(Unavailable::TooFew);
        out.some_withheld = answered_in_scope;
        return Ok(out);
    }
    let unit_index: HashMap<i64, usize> = plan
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id, i))
        .collect();
    let group_of: HashMap<usize, usize> = visible
        .iter()
        .enumerate()
        .flat_map(|(g, &c)| cells.cells[c].members.iter().map(move |&u| (u, g)))
        .collect();
    out.groups = visible
        .iter()
        .map(|&c| {
            let cell = &cells.cells[c];
            CommentGroup {
                name: plan.units[cell.node].name.clone(),
                whole: cell.whole,
                units: cell
                    .members
                    .iter()
                    .map(|&u| plan.units[u].name.clone())
                    .collect(),
            }
        })
        .collect();
    let (stored_texts, redactor) = cache.wave(conn, wave.id)?;
    let needle = search.as_deref().map(str::to_lowercase);
    let mut by_question: Vec<QuestionComments> = survey
        .free_text
        .iter()
        .map(|q| QuestionComments {
            id: q.id.clone(),
            text: q.text.get(lang).to_owned(),
            by_group: vec![Vec::new(); out.groups.len()],
            words: Vec::new(),
        })
        .collect();
    for stored in stored_texts {
        let Some(&g) = unit_index
            .get(&stored.unit_id)
            .and_then(|u| group_of.get(u))
        else {
            continue;
        };
        // Stored redacted at close in the invitations' main language; the
        // reader sees the marker in theirs.
        let text = redactor.redact(stored.text.trim(), lang).replace(
            comments::redact::marker(match lang {
                Language::Sv => Language::En,
                Language::En => Language::Sv,
            }),
            comments::redact::marker(lang),
        );
        if text.is_empty() {
            continue;
        }
        if let Some(n) = &needle
            && !text.to_lowercase().contains(n.as_str())
        {
            continue;
        }
        let q = match by_question.iter().position(|q| q.id == stored.question) {
            Some(q) => q,
            None => {
                by_question.push(QuestionComments {
                    id: stored.question.clone(),
                    text: stored.question.clone(),
                    by_group: vec![Vec::new(); out.groups.len()],
                    words: Vec::new(),
                });
                by_question.len() - 1
            }
        };
        by_question[q].by_group[g].push(text);
    }
    let mut rng = rand::rng();
    for q in &mut by_question {
        for group in &mut q.by_group {
            group.shuffle(&mut rng);
        }
        q.words =
            comments::frequencies(q.by_group.iter().flatten().map(String::as_str), WORDS_SHOWN);
    }
    out.questions = by_question;
    Ok(out)
}
