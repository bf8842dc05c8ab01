//! Staff accounts, their sessions, API tokens and the audit log.
//!
//! Sessions and tokens are stored as SHA-256 hashes of random keys: the
//! browser (or the API client) holds the key, so a copy of the database opens
//! nothing. Sessions live in the database, so every instance behind a load
//! balancer shares them. Times are unix milliseconds.

use diesel::prelude::*;

use super::pool::write;
use super::schema::{api_tokens, audit_log, sessions, users};
use super::{DbConnection, StoreError};
use crate::auth::Role;
use crate::email::Email;
use crate::said;
use crate::said::Said;
use crate::token;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<i64>,
    pub disabled: bool,
    pub created_at: i64,
    pub scope_unit_id: Option<i64>,
}

/// A staff member as the rest of the program sees them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub locked_until: Option<i64>,
    /// Limited to this unit (its id) and everything under it; none: everything.
    pub scope: Option<i64>,
}

impl UserRow {
    fn user(self) -> Result<User, StoreError> {
        Ok(User {
            id: self.id,
            role: self
                .role
                .parse()
                .map_err(|e: String| StoreError::Invalid(Said::both(e)))?,
            email: self.email,
            disabled: self.disabled,
            locked_until: self.locked_until,
            scope: self.scope_unit_id,
        })
    }
}

/// Adds an account; the e-mail address is its name (compared in lower case).
pub fn add_user(
    conn: &mut DbConnection,
    email: &Email,
    role: Role,
    password_hash: &str,
    now: i64,
    scope: Option<i64>,
) -> Result<User, StoreError> {
    let email = email.as_str();
    write(conn, |c| {
        let taken: i64 = users::table
            .filter(users::email.eq(&email))
            .count()
            .get_result(c)?;
        if taken > 0 {
            return Err(StoreError::Invalid(said!(
                "an account for {email} exists already",
                "det finns redan ett konto för {email}"
            )));
        }
        diesel::insert_into(users::table)
            .values((
                users::email.eq(&email),
                users::role.eq(role.as_str()),
                users::password_hash.eq(password_hash),
                users::created_at.eq(now),
                users::scope_unit_id.eq(scope),
            ))
            .execute(c)?;
        user_row(c, email)?
            .ok_or_else(|| account_not_found(email))?
            .user()
    })
}

/// The stored row of an account, with its hash (for logging in).
pub fn user_row(conn: &mut DbConnection, email: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn users(conn: &mut DbConnection) -> Result<Vec<User>, StoreError> {
    users::table
        .order(users::email)
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(UserRow::user)
        .collect()
}

/// Changes a password; clears failures and lockout and ends every session.
pub fn set_password(
    conn: &mut DbConnection,
    email: &str,
    password_hash: &str,
) -> Result<(), StoreError> {
    let email = email.trim().to_lowercase();
    write(conn, |c| {
        let id = account_id(c, &email)?;
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(password_hash),
                users::failed_logins.eq(0),
                users::locked_until.eq(None::<i64>),
            ))
            .execute(c)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(c)?;
        Ok(())
    })
}

/// Gives an account the role and unit scope the identity provider's groups
/// map to; a change ends its sessions (they carry the old rights).
pub fn set_role(
    conn: &mut DbConnection,
    id: i64,
    role: Role,
    scope: Option<i64>,
) -> Result<(), StoreError> {
    write(conn, |c| {
        diesel::update(users::table.find(id))
            .set((
                users::role.eq(role.as_str()),
                users::scope_unit_id.eq(scope),
            ))
            .execute(c)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(c)?;
        Ok(())
    })
}

/// Disables (or enables) an account; disabling ends its sessions.
pub fn set_disabled(
    conn: &mut DbConnection,
    email: &str,
    disabled: bool,
) -> Result<(), StoreError> {
    let email = email.trim().to_lowercase();
    write(conn, |c| {
        let id = account_id(c, &email)?;
        diesel::update(users::table.find(id))
            .set(users::disabled.eq(disabled))
            .execute(c)?;
        if disabled {
            diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(c)?;
        }
        Ok(())
    })
}

fn account_id(c: &mut DbConnection, email: &str) -> Result<i64, StoreError> {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .get_result(c)
        .optional()?
        .ok_or_else(|| account_not_found(email))
}

fn account_not_found(email: &str) -> StoreError {
    StoreError::NotFound(said!(
        "account {email} not found",
        "kontot {email} finns inte"
    ))
}

/// Counts a failed login; the `max_failures`th in a row locks the account
/// until `now + lock_ms`. Returns whether the account is now locked.
pub fn login_failed(
    conn: &mut DbConnection,
    user_id: i64,
    now: i64,
    max_failures: u32,
    lock_ms: i64,
) -> Result<bool, StoreError> {
    write(conn, |c| {
        let failures: i32 = users::table
            .find(user_id)
            .select(users::failed_logins)
            .get_result(c)?;
        let failures = failures + 1;
        let lock = failures >= max_failures as i32;
        diesel::update(users::table.find(user_id))
            .set((
                users::failed_logins.eq(if lock { 0 } else { failures }),
                users::locked_until.eq(lock.then_some(now + lock_ms)),
            ))
            .execute(c)?;
        Ok(lock)
    })
}

/// A successful login: clears the failure count and opens a session under
/// the hash of `key`. Returns the session's CSRF token.
pub fn open_session(
    conn: &mut DbConnection,
    user_id: i64,
    key: &str,
    now: i64,
    idle_ms: i64,
) -> Result<String, StoreError> {
    let csrf = token::random_key();
    write(conn, |c| {
        diesel::update(users::table.find(user_id))
            .set((
                users::failed_logins.eq(0),
                users::locked_until.eq(None::<i64>),
            ))
            .execute(c)?;
        // Sessions that ran out are removed here rather than by a timer.
        diesel::delete(sessions::table.filter(sessions::expires_at.lt(now))).execute(c)?;
        diesel::insert_into(sessions::table)
            .values((
                sessions::key_hash.eq(token::hash(key)),
                sessions::user_id.eq(user_id),
                sessions::csrf.eq(&csrf),
                sessions::created_at.eq(now),
                sessions::last_seen_at.eq(now),
                sessions::expires_at.eq(now + idle_ms),
            ))
            .execute(c)?;
        Ok(csrf)
    })
}

/// A live session: who, and the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

/// The session behind `key`, if it has not run out (idle or absolute) and its
/// account is enabled. Activity extends it, written at most once a minute.
pub fn session(
    conn: &mut DbConnection,
    key: &str,
    now: i64,
    idle_ms: i64,
    max_ms: i64,
) -> Result<Option<Session>, StoreError> {
    let hash = token::hash(key);
    let found: Option<(String, i64, i64, i64, UserRow)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::key_hash.eq(&hash))
        .select((
            sessions::csrf,
            sessions::created_at,
            sessions::last_seen_at,
            sessions::expires_at,
            UserRow::as_select(),
        ))
        .get_result(conn)
        .optional()?;
    let Some((csrf, created, seen, expires, row)) = found else {
        return Ok(None);
    };
    if expires <= now || created + max_ms <= now || row.disabled {
        diesel::delete(sessions::table.find(&hash)).execute(conn)?;
        return Ok(None);
    }
    if now - seen > 60_000 {
        diesel::update(sessions::table.find(&hash))
            .set((
                sessions::last_seen_at.eq(now),
                sessions::expires_at.eq((now + idle_ms).min(created + max_ms)),
            ))
            .execute(conn)?;
    }
    Ok(Some(Session {
        user: row.user()?,
        csrf,
    }))
}

pub fn close_session(conn: &mut DbConnection, key: &str) -> Result<(), StoreError> {
    diesel::delete(sessions::table.find(token::hash(key))).execute(conn)?;
    Ok(())
}

/// Creates an API token named `name`; returns the token (shown once).
pub fn create_token(
    conn: &mut DbConnection,
    name: &str,
    role: Role,
    now: i64,
    scope: Option<i64>,
) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(StoreError::Invalid(said!(
            "a token needs a name of 1 to 100 characters",
            "en nyckel behöver ett namn på 1 till 100 tecken"
        )));
    }
    let key = token::random_key();
    write(conn, |c| {
        let taken: i64 = api_tokens::table
            .filter(api_tokens::name.eq(name))
            .count()
            .get_result(c)?;
        if taken > 0 {
            return Err(StoreError::Invalid(said!(
                "a token named `{name}` exists already",
                "det finns redan en nyckel som heter `{name}`"
            )));
        }
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::token_hash.eq(token::hash(&key)),
                api_tokens::name.eq(name),
                api_tokens::role.eq(role.as_str()),
                api_tokens::created_at.eq(now),
                api_tokens::scope_unit_id.eq(scope),
            ))
            .execute(c)?;
        Ok(())
    })?;
    Ok(key)
}

/// The name, role and unit scope of a live API token.
pub fn token_role(
    conn: &mut DbConnection,
    key: &str,
) -> Result<Option<(String, Role, Option<i64>)>, StoreError> {
    let found: Option<(String, String, Option<i64>)> = api_tokens::table
        .filter(api_tokens::token_hash.eq(token::hash(key)))
        .filter(api_tokens::revoked.eq(false))
        .select((
            api_tokens::name,
            api_tokens::role,
            api_tokens::scope_unit_id,
        ))
        .get_result(conn)
        .optional()?;
    found
        .map(|(name, role, scope)| {
            Ok((
                name,
                role.parse()
                    .map_err(|e: String| StoreError::Invalid(Said::both(e)))?,
                scope,
            ))
        })
        .transpose()
}

pub fn revoke_token(conn: &mut DbConnection, name: &str) -> Result<(), StoreError> {
    let n = diesel::update(api_tokens::table.filter(api_tokens::name.eq(name)))
        .set(api_tokens::revoked.eq(true))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound(said!(
            "token `{name}` not found",
            "nyckeln `{name}` finns inte"
        )));
    }
    Ok(())
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Appends to the audit log. `actor` is an account's address, `token:NAME`
/// or `cli`.
pub fn audit(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest `limit` entries, newest first, older than the entry `before`.
pub fn audit_entries(
    conn: &mut DbConnection,
    limit: i64,
    before: Option<i64>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut q = audit_log::table
        .select(AuditEntry::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(audit_log::id.lt(b));
    }
    Ok(q.load(conn)?)
}
