//! The content hash of a survey: SHA-256 over a canonical JSON form of the
//! validated model. The model has no comments, no formatting and no key order,
//! and defaults are already filled in, so files that mean the same hash the same.

use sha2::{Digest, Sha256};

use super::Survey;

/// Bumped if the canonical form ever changes, so old and new hashes never collide.
const CANONICAL_FORM: &str = "klimat-survey-canonical-1\n";

pub fn content_hash(survey: &Survey) -> String {
    let canonical = serde_json::to_vec(survey).expect("a survey always serialises to JSON");
    let mut hasher = Sha256::new();
    hasher.update(CANONICAL_FORM.as_bytes());
    hasher.update(&canonical);
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
