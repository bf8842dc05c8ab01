//! The one error every use case returns, in the four kinds a caller must
//! tell apart (after crates.io's error policy: say what the user can act
//! on, log and hide the rest). The web turns it into a page or an RFC 9457
//! problem in one place each; the command line prints it.

use crate::evaluation::DesignError;
use crate::said::Said;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What was asked for does not exist (404).
    #[error("{0}")]
    NotFound(Said),
    /// The input cannot be accepted: every problem listed, nothing changed
    /// (422).
    #[error("{reason}{}", problems_text(.problems))]
    Invalid { reason: Said, problems: Vec<Said> },
    /// The input is fine but the state of things does not allow it, with
    /// the reason and what to do (409).
    #[error("{0}")]
    Conflict(Said),
    /// Anything else: logged in full, shown as "something went wrong"
    /// (500).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn problems_text(problems: &[Said]) -> String {
    problems
        .iter()
        .map(|p| format!("\n  {}", p.en))
        .collect::<String>()
}

impl Error {
    pub fn invalid(reason: Said) -> Error {
        Error::Invalid {
            reason,
            problems: Vec::new(),
        }
    }

    /// The message for the user, when there is one for them.
    pub fn said(&self) -> Option<&Said> {
        match self {
            Error::NotFound(s) | Error::Conflict(s) => Some(s),
            Error::Invalid { reason, .. } => Some(reason),
            Error::Internal(_) => None,
        }
    }

    pub fn problems(&self) -> &[Said] {
        match self {
            Error::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::NotFound(s) => Error::NotFound(s),
            StoreError::Invalid(s) => Error::invalid(s),
            StoreError::Problems(reason, problems) => Error::Invalid { reason, problems },
            StoreError::Conflict(s) => Error::Conflict(s),
            other => Error::Internal(other.into()),
        }
    }
}

impl From<DesignError> for Error {
    fn from(e: DesignError) -> Error {
        Error::Conflict(e.said())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
