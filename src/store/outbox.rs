//! The outbox: e-mails to send, durable, claimed by workers under a lease.
//!
//! A row is queued once per invitation, kind and round (a unique key), gets
//! its Message-ID when queued, and is marked sent only after the SMTP server
//! accepted it. A worker that dies holding rows loses nothing: when its lease
//! runs out another worker takes them again (at most one duplicate, with the
//! same Message-ID). On PostgreSQL several workers claim with
//! `FOR UPDATE SKIP LOCKED`; on SQLite claiming is one IMMEDIATE transaction.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use rand::RngExt;

use super::connection::on_backend;
use super::pool::write;
use super::schema::{invitations, outbox, units, waves};
use super::studies::Wave;
use super::{DbConnection, StoreError};
use crate::token::{self, Purpose, Secret};

/// Rows per INSERT (SQLite allows 32,766 bound values; an outbox row has 7).
const BATCH: usize = 4_000;
const DAY_MS: i64 = 86_400_000;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invitation,
    Reminder,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Reminder => "reminder",
        }
    }

    fn parse(text: &str) -> Kind {
        if text == "reminder" {
            Kind::Reminder
        } else {
            Kind::Invitation
        }
    }
}

/// Messages of a wave waiting in the outbox (closing cancels them).
pub fn queued(conn: &mut DbConnection, wave_id: i64) -> Result<i64, StoreError> {
    Ok(outbox::table
        .filter(outbox::wave_id.eq(wave_id))
        .filter(outbox::state.eq("queued"))
        .count()
        .get_result(conn)?)
}

/// A random Message-ID local part: 128 bits, fixed when the row is queued.
pub(crate) fn new_message_id() -> String {
    let bits: u128 = rand::rng().random();
    format!("{bits:032x}")
}

fn require_open(wave: &Wave, doing: (&str, &str)) -> Result<(), StoreError> {
    if wave.state != super::studies::WaveState::Open {
        let (name, en, sv) = (
            &wave.name,
            wave.state,
            wave.state.word(crate::survey::Language::Sv),
        );
        let (doing_en, doing_sv) = doing;
        return Err(StoreError::Conflict(crate::said!(
            "wave `{name}` is {en}: {doing_en} only while a wave is open",
            "mätomgången `{name}` är {sv}: {doing_sv} bara medan en mätomgång är öppen"
        )));
    }
    Ok(())
}

/// Queues an invitation for everyone on the wave's roster who has none yet,
/// and stores the hashes of their survey and opt-out tokens. Returns how
/// many were queued; running it again queues only people added since.
pub fn queue_invitations(
    conn: &mut DbConnection,
    wave: &Wave,
    secret: &Secret,
) -> Result<usize, StoreError> {
    require_open(wave, ("invitations are sent", "skickas inbjudningar"))?;
    write(conn, |conn| {
        let invited: HashSet<i64> = outbox::table
            .filter(outbox::wave_id.eq(wave.id))
            .filter(outbox::kind.eq(Kind::Invitation.as_str()))
            .select(outbox::invitation_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();
        let ids: Vec<i64> = invitations::table
            .filter(invitations::wave_id.eq(wave.id))
            .filter(invitations::email.is_not_null())
            .select(invitations::id)
            .order(invitations::id)
            .load::<i64>(conn)?
            .into_iter()
            .filter(|id| !invited.contains(id))
            .collect();
        store_token_hashes(conn, wave, secret, &ids)?;
        let now = now_ms();
        insert_messages(
            conn,
            wave,
            Kind::Invitation,
            ids.iter().map(|&id| (id, 0)),
            now,
        )?;
        Ok(ids.len())
    })
}

/// Stores the survey and opt-out token hashes of `ids` with one UPDATE
/// joined to a temporary table (one statement per row was the cost of
/// queueing 100,000 invitations). The values are generated hex digits and
/// integers, so they are written into the SQL directly.
fn store_token_hashes(
    conn: &mut DbConnection,
    wave: &Wave,
    secret: &Secret,
    ids: &[i64],
) -> Result<(), StoreError> {
    diesel::sql_query("DROP TABLE IF EXISTS klimat_new_tokens").execute(conn)?;
    diesel::sql_query(
        "CREATE TEMPORARY TABLE klimat_new_tokens (id BIGINT PRIMARY KEY, token_hash TEXT NOT NULL, optout_hash TEXT NOT NULL)",
    )
    .execute(conn)?;
    for chunk in ids.chunks(2_000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|&id| {
                let survey = token::hash(&secret.token(Purpose::Survey, wave.id, id));
                let optout = token::hash(&secret.token(Purpose::OptOut, wave.id, id));
                format!("({id},'{survey}','{optout}')")
            })
            .collect();
        diesel::sql_query(format!(
            "INSERT INTO klimat_new_tokens (id, token_hash, optout_hash) VALUES {}",
            values.join(",")
        ))
        .execute(conn)?;
    }
    diesel::sql_query(
        "UPDATE invitations SET token_hash = t.token_hash, optout_hash = t.optout_hash \
         FROM klimat_new_tokens t WHERE invitations.id = t.id",
    )
    .execute(conn)?;
    diesel::sql_query("DROP TABLE klimat_new_tokens").execute(conn)?;
    Ok(())
}

fn insert_messages(
    conn: &mut DbConnection,
    wave: &Wave,
    kind: Kind,
    rows: impl Iterator<Item = (i64, i32)>,
    now: i64,
) -> Result<(), StoreError> {
    let rows: Vec<(i64, i32)> = rows.collect();
    for chunk in rows.chunks(BATCH) {
        let values: Vec<_> = chunk
            .iter()
            .map(|&(invitation, round)| {
                (
                    outbox::invitation_id.eq(invitation),
                    outbox::wave_id.eq(wave.id),
                    outbox::kind.eq(kind.as_str()),
                    outbox::round.eq(round),
                    outbox::message_id.eq(new_message_id()),
                    outbox::state.eq("queued"),
                    outbox::due_at.eq(now),
                )
            })
            .collect();
        on_backend!(conn, c => diesel::insert_into(outbox::table).values(&values).execute(c))?;
    }
    Ok(())
}

/// Who gets a reminder.
#[derive(Debug, Clone, Copy)]
pub struct ReminderRule {
    /// Days since the last message that reached the person.
    pub min_days: u32,
    /// Reminders a person gets at most.
    pub max_reminders: u32,
}

impl ReminderRule {
    /// What the command line and the staff page offer unless told otherwise.
    pub const DEFAULT: ReminderRule = ReminderRule {
        min_days: 3,
        max_reminders: 2,
    };
}

/// Queues a reminder for everyone who was reached, has not answered, has
/// not opted out, has had fewer than `max_reminders` reminders, was last
/// reached at least `min_days` ago and has no message waiting.
pub fn queue_reminders(
    conn: &mut DbConnection,
    wave: &Wave,
    rule: ReminderRule,
) -> Result<usize, StoreError> {
    require_open(wave, ("reminders are sent", "skickas påminnelser"))?;
    write(conn, |conn| {
        let now = now_ms();
        let waiting: HashSet<i64> = outbox::table
            .filter(outbox::wave_id.eq(wave.id))
            .filter(outbox::state.eq_any(["queued", "sending"]))
            .select(outbox::invitation_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();
        let done: HashSet<(i64, i32)> = outbox::table
            .filter(outbox::wave_id.eq(wave.id))
            .filter(outbox::kind.eq(Kind::Reminder.as_str()))
            .select((outbox::invitation_id, outbox::round))
            .load::<(i64, i32)>(conn)?
            .into_iter()
            .collect();
        let due: Vec<(i64, i32)> = invitations::table
            .filter(invitations::wave_id.eq(wave.id))
            .filter(invitations::email.is_not_null())
            .filter(invitations::answered.eq(false))
            .filter(invitations::opted_out.eq(false))
            .filter(invitations::delivery.eq("sent"))
            .filter(invitations::reminders.lt(rule.max_reminders as i32))
            .filter(invitations::last_sent_at.le(now - i64::from(rule.min_days) * DAY_MS))
            .select((invitations::id, invitations::reminders))
            .order(invitations::id)
            .load::<(i64, i32)>(conn)?
            .into_iter()
            .map(|(id, sent)| (id, sent + 1))
            .filter(|r| !waiting.contains(&r.0) && !done.contains(r))
            .collect();
        insert_messages(conn, wave, Kind::Reminder, due.iter().copied(), now)?;
        Ok(due.len())
    })
}

/// A claimed message with what is needed to write it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub outbox_id: i64,
    pub message_id: String,
    pub kind: Kind,
    pub round: i32,
    pub attempts: i32,
    pub invitation_id: i64,
    pub wave_id: i64,
    pub wave_state: String,
    pub closes_on: Option<String>,
    pub survey_version_id: i64,
    pub min_group_size: i32,
    pub unit_name: String,
    pub language: String,
    pub email: Option<String>,
    pub answered: bool,
    pub opted_out: bool,
    pub delivery: String,
}

type ClaimedRow = (
    (i64, String, String, i32, i32),
    (i64, String, Option<String>, bool, bool, String),
    String,
    (i64, String, Option<String>, i64, i32),
);

/// Takes up to `limit` due messages (queued and due, or held under a lease
/// that ran out) for `lease_ms`, counting an attempt for each.
pub fn claim(
    conn: &mut DbConnection,
    limit: usize,
    lease_ms: i64,
) -> Result<Vec<Claimed>, StoreError> {
    write(conn, |conn| {
        let now = now_ms();
        macro_rules! due {
            () => {
                outbox::table
                    .filter(
                        outbox::state
                            .eq("queued")
                            .and(outbox::due_at.le(now))
                            .or(outbox::state.eq("sending").and(outbox::lease_until.lt(now))),
                    )
                    .order((outbox::due_at, outbox::id))
                    .limit(limit as i64)
                    .select(outbox::id)
            };
        }
        let ids: Vec<i64> = match conn {
            DbConnection::Sqlite(c) => due!().load(c)?,
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => due!().for_update().skip_locked().load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::state.eq("sending"),
                outbox::lease_until.eq(now + lease_ms),
                outbox::attempts.eq(outbox::attempts + 1),
            ))
            .execute(conn)?;
        let rows: Vec<ClaimedRow> = outbox::table
            .inner_join(
                invitations::table
                    .inner_join(units::table)
                    .inner_join(waves::table),
            )
            .filter(outbox::id.eq_any(&ids))
            .order((outbox::due_at, outbox::id))
            .select((
                (
                    outbox::id,
                    outbox::message_id,
                    outbox::kind,
                    outbox::round,
                    outbox::attempts,
                ),
                (
                    invitations::id,
                    invitations::language,
                    invitations::email,
                    invitations::answered,
                    invitations::opted_out,
                    invitations::delivery,
                ),
                units::name,
                (
                    waves::id,
                    waves::state,
                    waves::closes_on,
                    waves::survey_version_id,
                    waves::min_group_size,
                ),
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(o, i, unit_name, w)| Claimed {
                outbox_id: o.0,
                message_id: o.1,
                kind: Kind::parse(&o.2),
                round: o.3,
                attempts: o.4,
                invitation_id: i.0,
                language: i.1,
                email: i.2,
                answered: i.3,
                opted_out: i.4,
                delivery: i.5,
                unit_name,
                wave_id: w.0,
                wave_state: w.1,
                closes_on: w.2,
                survey_version_id: w.3,
                min_group_size: w.4,
            })
            .collect())
    })
}

/// What became of one claimed message.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server accepted it (at `at`, ms).
    Sent { at: i64 },
    /// A temporary failure: try again at `due_at` (ms).
    Retry { due_at: i64, error: String },
    /// Given up: a permanent failure (`undeliverable`) or too many
    /// temporary ones.
    Failed { error: String, undeliverable: bool },
    /// Not sent because it is no longer wanted (answered, opted out,
    /// wave closed, address purged).
    Cancelled { reason: String },
}

/// Records outcomes, all in one transaction.
pub fn record(conn: &mut DbConnection, outcomes: &[(Claimed, Outcome)]) -> Result<(), StoreError> {
    if outcomes.is_empty() {
        return Ok(());
    }
    write(conn, |conn| {
        for (m, outcome) in outcomes {
            let row = outbox::table.find(m.outbox_id);
            match outcome {
                Outcome::Sent { at } => {
                    diesel::update(row)
                        .set((
                            outbox::state.eq("sent"),
                            outbox::sent_at.eq(at),
                            outbox::lease_until.eq(None::<i64>),
                            outbox::last_error.eq(None::<String>),
                        ))
                        .execute(conn)?;
                    let invitation = invitations::table.find(m.invitation_id);
                    let reminders = if m.kind == Kind::Reminder { m.round } else { 0 };
                    diesel::update(invitation)
                        .set((
                            invitations::delivery.eq("sent"),
                            invitations::last_sent_at.eq(at),
                        ))
                        .execute(conn)?;
                    diesel::update(invitation.filter(invitations::reminders.lt(reminders)))
                        .set(invitations::reminders.eq(reminders))
                        .execute(conn)?;
                }
                Outcome::Retry { due_at, error } => {
                    diesel::update(row)
                        .set((
                            outbox::state.eq("queued"),
                            outbox::due_at.eq(due_at),
                            outbox::lease_until.eq(None::<i64>),
                            outbox::last_error.eq(error),
                        ))
                        .execute(conn)?;
                }
                Outcome::Failed {
                    error,
                    undeliverable,
                } => {
                    diesel::update(row)
                        .set((
                            outbox::state.eq("failed"),
                            outbox::lease_until.eq(None::<i64>),
                            outbox::last_error.eq(error),
                        ))
                        .execute(conn)?;
                    let delivery = if *undeliverable {
                        "undeliverable"
                    } else {
                        "failed"
                    };
                    diesel::update(invitations::table.find(m.invitation_id))
                        .filter(invitations::delivery.ne("undeliverable"))
                        .set(invitations::delivery.eq(delivery))
                        .execute(conn)?;
                }
                Outcome::Cancelled { reason } => {
                    diesel::update(row)
                        .set((
                            outbox::state.eq("cancelled"),
                            outbox::lease_until.eq(None::<i64>),
                            outbox::last_error.eq(reason),
                        ))
                        .execute(conn)?;
                }
            }
        }
        Ok(())
    })
}

/// Marks the invitation whose message had `message_id` undeliverable (a
/// bounce) and cancels what is still queued for it. Returns false when no
/// message has that id.
pub fn bounced(conn: &mut DbConnection, message_id: &str, why: &str) -> Result<bool, StoreError> {
    write(conn, |conn| {
        let Some(invitation) = outbox::table
            .filter(outbox::message_id.eq(message_id))
            .select(outbox::invitation_id)
            .first::<i64>(conn)
            .optional()?
        else {
            return Ok(false);
        };
        diesel::update(invitations::table.find(invitation))
            .set(invitations::delivery.eq("undeliverable"))
            .execute(conn)?;
        diesel::update(
            outbox::table
                .filter(outbox::invitation_id.eq(invitation))
                .filter(outbox::state.eq("queued")),
        )
        .set((
            outbox::state.eq("cancelled"),
            outbox::last_error.eq(format!("bounced: {why}")),
        ))
        .execute(conn)?;
        Ok(true)
    })
}

/// The opt-out state of the invitation an opt-out token belongs to, or None
/// for an unknown token.
/// Whether the opt-out token's invitation has opted out, and the
/// invitation's language; `None` for an unknown token.
pub fn opt_out_state(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<(bool, String)>, StoreError> {
    Ok(invitations::table
        .filter(invitations::optout_hash.eq(token::hash(token)))
        .select((invitations::opted_out, invitations::language))
        .first::<(bool, String)>(conn)
        .optional()?)
}

/// Opts the invitation out of further e-mail and cancels what is queued for
/// it. Returns the invitation's language, `None` for an unknown token.
pub fn opt_out(conn: &mut DbConnection, token: &str) -> Result<Option<String>, StoreError> {
    write(conn, |conn| {
        let Some((id, language)) = invitations::table
            .filter(invitations::optout_hash.eq(token::hash(token)))
            .select((invitations::id, invitations::language))
            .first::<(i64, String)>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        diesel::update(invitations::table.find(id))
            .set(invitations::opted_out.eq(true))
            .execute(conn)?;
        diesel::update(
            outbox::table
                .filter(outbox::invitation_id.eq(id))
                .filter(outbox::state.eq("queued")),
        )
        .set((
            outbox::state.eq("cancelled"),
            outbox::last_error.eq("opted out"),
        ))
        .execute(conn)?;
        Ok(Some(language))
    })
}

/// One unit's line in a wave's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct UnitStatus {
    pub unit: String,
    pub name: String,
    pub invited: u64,
    pub sent: u64,
    pub failed: u64,
    pub opted_out: u64,
    pub answered: u64,
}

/// Per unit: invited, reached, failed, opted out and answered.
pub fn wave_status(conn: &mut DbConnection, wave: &Wave) -> Result<Vec<UnitStatus>, StoreError> {
    let rows: Vec<(String, String, String, bool, bool)> = invitations::table
        .inner_join(units::table)
        .filter(invitations::wave_id.eq(wave.id))
        .select((
            units::code,
            units::name,
            invitations::delivery,
            invitations::opted_out,
            invitations::answered,
        ))
        .load(conn)?;
    let mut by_unit: HashMap<String, UnitStatus> = HashMap::new();
    for (code, name, delivery, opted_out, answered) in rows {
        let s = by_unit.entry(code.clone()).or_insert_with(|| UnitStatus {
            unit: code,
            name,
            ..UnitStatus::default()
        });
        s.invited += 1;
        s.sent += u64::from(delivery == "sent");
        s.failed += u64::from(delivery == "undeliverable" || delivery == "failed");
        s.opted_out += u64::from(opted_out);
        s.answered += u64::from(answered);
    }
    let mut out: Vec<UnitStatus> = by_unit.into_values().collect();
    out.sort_by(|a, b| a.unit.cmp(&b.unit));
    Ok(out)
}

/// Messages of a wave per outbox state.
pub fn queue_counts(
    conn: &mut DbConnection,
    wave: &Wave,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(outbox::table
        .filter(outbox::wave_id.eq(wave.id))
        .group_by(outbox::state)
        .select((outbox::state, diesel::dsl::count_star()))
        .order(outbox::state)
        .load(conn)?)
}

/// Messages that a worker could claim at `now`.
pub fn due_count(conn: &mut DbConnection, now: i64) -> Result<i64, StoreError> {
    Ok(outbox::table
        .filter(
            outbox::state
                .eq("queued")
                .and(outbox::due_at.le(now))
                .or(outbox::state.eq("sending").and(outbox::lease_until.lt(now))),
        )
        .count()
        .get_result(conn)?)
}
