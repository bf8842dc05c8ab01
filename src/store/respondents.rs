//! What the respondent's pages need: the wave behind a link, drafts, and the
//! one transaction that stores a response.
//!
//! A submission marks the invitation answered only if it was not, and
//! stores the response (wave, unit, coarse period, random id) in the same
//! transaction, so a token yields at most one response however many
//! submits race. Nothing ties the response to the invitation.

use diesel::prelude::*;

use super::connection::on_backend;
use super::pool::write;
use super::responses::{encode, new_id, period_of};
use super::schema::{
    drafts, invitations, outbox, response_texts, responses, unit_links, units, waves,
};
use super::studies::Wave;
use super::{DbConnection, StoreError};
use crate::scoring::Answer;
use crate::token::{self, Purpose, Secret};

/// Who is answering, as far as the server knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Respondent {
    /// A personal link: the invitation's token hash.
    Invitation { token_hash: String },
    /// A unit's shared link.
    UnitLink { unit_id: i64 },
}

/// The wave and unit behind a link.
#[derive(Debug, Clone)]
pub struct Target {
    pub respondent: Respondent,
    pub wave: Wave,
    pub unit_id: i64,
    pub unit_name: String,
    /// The invitation's language (unit links: none).
    pub language: Option<String>,
    pub answered: bool,
}

/// The target of a personal link's token, or None.
pub fn by_token(conn: &mut DbConnection, token: &str) -> Result<Option<Target>, StoreError> {
    let hash = token::hash(token);
    let found: Option<(i64, String, bool, String, Wave)> = invitations::table
        .inner_join(units::table)
        .inner_join(waves::table)
        .filter(invitations::token_hash.eq(&hash))
        .select((
            invitations::unit_id,
            invitations::language,
            invitations::answered,
            units::name,
            Wave::as_select(),
        ))
        .first(conn)
        .optional()?;
    Ok(
        found.map(|(unit_id, language, answered, unit_name, wave)| Target {
            respondent: Respondent::Invitation { token_hash: hash },
            wave,
            unit_id,
            unit_name,
            language: Some(language),
            answered,
        }),
    )
}

/// The target of a unit link's token, or None.
pub fn by_unit_link(conn: &mut DbConnection, token: &str) -> Result<Option<Target>, StoreError> {
    let found: Option<(i64, String, Wave)> = unit_links::table
        .inner_join(units::table)
        .inner_join(waves::table)
        .filter(unit_links::token_hash.eq(token::hash(token)))
        .select((unit_links::unit_id, units::name, Wave::as_select()))
        .first(conn)
        .optional()?;
    Ok(found.map(|(unit_id, unit_name, wave)| Target {
        respondent: Respondent::UnitLink { unit_id },
        wave,
        unit_id,
        unit_name,
        language: None,
        answered: false,
    }))
}

/// The unit links of a wave's units (those on its study), created on first
/// use. Tokens are derived from the secret, so they can be printed again.
pub fn unit_links(
    conn: &mut DbConnection,
    wave: &Wave,
    secret: &Secret,
) -> Result<Vec<(String, String)>, StoreError> {
    use super::schema::study_units;
    write(conn, |conn| {
        let units: Vec<(i64, String)> = study_units::table
            .inner_join(units::table)
            .filter(study_units::study_id.eq(wave.study_id))
            .select((units::id, units::code))
            .order(units::code)
            .load(conn)?;
        let mut out = Vec::new();
        for (unit_id, code) in units {
            let token = secret.token(Purpose::UnitLink, wave.id, unit_id);
            let hash = token::hash(&token);
            let exists = unit_links::table
                .find(&hash)
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if !exists {
                diesel::insert_into(unit_links::table)
                    .values((
                        unit_links::token_hash.eq(&hash),
                        unit_links::wave_id.eq(wave.id),
                        unit_links::unit_id.eq(unit_id),
                    ))
                    .execute(conn)?;
            }
            out.push((code, token));
        }
        Ok(out)
    })
}

/// A saved, unfinished form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub answers: Vec<Answer>,
    /// Free-text answers as a JSON object.
    pub texts: String,
    pub page: i32,
}

pub fn load_draft(
    conn: &mut DbConnection,
    key: &str,
    wave_id: i64,
    now: i64,
) -> Result<Option<Draft>, StoreError> {
    let found: Option<(Vec<u8>, String, i32)> = drafts::table
        .find(token::hash(key))
        .filter(drafts::wave_id.eq(wave_id))
        .filter(drafts::expires_at.gt(now))
        .select((drafts::answers, drafts::texts, drafts::page))
        .first(conn)
        .optional()?;
    Ok(found.map(|(answers, texts, page)| Draft {
        answers: super::responses::decode(&answers),
        texts,
        page,
    }))
}

pub fn save_draft(
    conn: &mut DbConnection,
    key: &str,
    wave_id: i64,
    draft: &Draft,
    expires_at: i64,
) -> Result<(), StoreError> {
    let hash = token::hash(key);
    write(conn, |conn| {
        diesel::delete(drafts::table.find(&hash)).execute(conn)?;
        diesel::insert_into(drafts::table)
            .values((
                drafts::key_hash.eq(&hash),
                drafts::wave_id.eq(wave_id),
                drafts::answers.eq(encode(&draft.answers)),
                drafts::texts.eq(&draft.texts),
                drafts::page.eq(draft.page),
                drafts::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Stored,
    /// This link was used already (a double submit lands here).
    AlreadyAnswered,
    /// The wave is not open.
    Closed,
}

/// Stores a response and marks the invitation answered, in one transaction.
pub fn submit(
    conn: &mut DbConnection,
    target: &Target,
    answers: &[Answer],
    texts: &[(String, String)],
    draft_key: Option<&str>,
) -> Result<Submitted, StoreError> {
    write(conn, |conn| {
        let state: String = waves::table
            .find(target.wave.id)
            .select(waves::state)
            .first(conn)?;
        if state != "open" {
            return Ok(Submitted::Closed);
        }
        let source = match &target.respondent {
            Respondent::Invitation { token_hash } => {
                let marked = diesel::update(
                    invitations::table
                        .filter(invitations::token_hash.eq(token_hash))
                        .filter(invitations::answered.eq(false)),
                )
                .set(invitations::answered.eq(true))
                .execute(conn)?;
                if marked == 0 {
                    return Ok(Submitted::AlreadyAnswered);
                }
                "invitation"
            }
            Respondent::UnitLink { .. } => "unit-link",
        };
        let id = new_id();
        on_backend!(conn, c => diesel::insert_into(responses::table)
            .values((
                responses::id.eq(&id),
                responses::wave_id.eq(target.wave.id),
                responses::unit_id.eq(target.unit_id),
                responses::period.eq(period_of(&target.wave)),
                responses::source.eq(source),
                responses::answers.eq(encode(answers)),
            ))
            .execute(c))?;
        for (question, text) in texts {
            diesel::insert_into(response_texts::table)
                .values((
                    response_texts::response_id.eq(&id),
                    response_texts::question.eq(question),
                    response_texts::text.eq(text),
                ))
                .execute(conn)?;
        }
        if let Some(key) = draft_key {
            diesel::delete(drafts::table.find(token::hash(key))).execute(conn)?;
        }
        Ok(Submitted::Stored)
    })
}

/// Closing a wave: deletes its drafts and cancels its queued messages.
pub fn on_close(conn: &mut DbConnection, wave_id: i64) -> Result<(), StoreError> {
    diesel::delete(drafts::table.filter(drafts::wave_id.eq(wave_id))).execute(conn)?;
    diesel::update(
        outbox::table
            .filter(outbox::wave_id.eq(wave_id))
            .filter(outbox::state.eq("queued")),
    )
    .set((
        outbox::state.eq("cancelled"),
        outbox::last_error.eq("the wave closed"),
    ))
    .execute(conn)?;
    Ok(())
}

/// Responses of a wave per source (invitation, unit-link, import).
pub fn counts_by_source(
    conn: &mut DbConnection,
    wave_id: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(responses::table
        .filter(responses::wave_id.eq(wave_id))
        .group_by(responses::source)
        .select((responses::source, diesel::dsl::count_star()))
        .order(responses::source)
        .load(conn)?)
}
