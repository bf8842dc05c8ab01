//! Idempotent calls: a caller that sends the same `Idempotency-Key` again
//! (a retry after a timeout) gets the first answer, and the work is not
//! done twice. The work, its audit entry and the remembered answer commit
//! together.

use crate::store::DbConnection;
use crate::store::idempotency::{self, Remembered};
use crate::store::outbox::now_ms;
use crate::store::pool::write_as;

use super::{Actor, Error, Result};

/// A key: 1 to 200 visible ASCII characters.
pub fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(crate::said!(
            "an Idempotency-Key has 1 to 200 visible ASCII characters",
            "en Idempotency-Key har 1 till 200 synliga ASCII-tecken"
        )));
    }
    Ok(())
}

/// Runs `work` (its answer as status and body) once per key and caller;
/// the same key for another request is refused.
pub fn once(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &str,
    request: &str,
    work: impl FnOnce(&mut DbConnection) -> Result<(u16, String)>,
) -> Result<(u16, String)> {
    check_key(key)?;
    let who = actor.to_string();
    write_as(conn, |c| {
        if let Some(r) = idempotency::find(c, &who, key)? {
            if r.request != request {
                let other = &r.request;
                return Err(Error::invalid(crate::said!(
                    "this Idempotency-Key was used for another request ({other}); use a new key",
                    "den här Idempotency-Key användes för en annan begäran ({other}); använd en ny nyckel"
                )));
            }
            return Ok((r.status as u16, r.body));
        }
        let (status, body) = work(c)?;
        let answer = Remembered {
            request: request.to_owned(),
            status: status as i32,
            body: body.clone(),
        };
        idempotency::remember(c, &who, key, &answer, now_ms())?;
        Ok((status, body))
    })
}
