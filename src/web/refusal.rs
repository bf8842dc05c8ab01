//! What an error that a user can cause means over HTTP: not found, or a
//! refusal with a reason the user can act on. Anything else is a server
//! error. Used by the staff pages and the API alike.

use actix_web::http::StatusCode;

use crate::app::StudyError;
use crate::store::StoreError;

/// The status and the message for an error a user can cause; None for a
/// server error.
pub fn of(e: &anyhow::Error) -> Option<(StatusCode, String)> {
    let store = match e.downcast_ref::<StudyError>() {
        Some(StudyError::Store(s)) => Some(s),
        Some(StudyError::Other(_)) => None,
        Some(other) => return Some((StatusCode::CONFLICT, other.to_string())),
        None => e.downcast_ref::<StoreError>(),
    };
    match store? {
        StoreError::NotFound(what) => Some((StatusCode::NOT_FOUND, format!("{what} not found"))),
        StoreError::Invalid(why) => Some((StatusCode::CONFLICT, why.clone())),
        _ => None,
    }
}
