//! Staff identity without HTTP or SQL: roles, what each may do, and password
//! hashes (argon2id, the PHC string format).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::Serialize;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What a person (or an API token) may do. Each role includes the ones below
/// it: an admin can do what an evaluator can, an evaluator what a viewer can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Leadership: aggregates only (dashboard, trends, response rates).
    Viewer,
    /// Runs waves, sends, reports and exports.
    Evaluator,
    /// Manages accounts, units and retention; reads the audit log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Evaluator, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Evaluator => "evaluator",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`: use admin, evaluator or viewer"))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The argon2id hash of a password (random salt, the crate's default cost:
/// 19 MiB, 2 passes), or why the password is refused.
pub fn hash_password(password: &str) -> Result<String, crate::said::Said> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(crate::said!(
            "the password is too short: use at least {MIN_PASSWORD_CHARS} characters",
            "lösenordet är för kort: skriv minst {MIN_PASSWORD_CHARS} tecken"
        ));
    }
    let salt_bytes: [u8; 16] = rand::random();
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| crate::said::Said::both(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| crate::said::Said::both(format!("hashing the password failed: {e}")))
}

/// Whether `password` matches the stored hash. A malformed hash matches nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash that no password matches, verified for unknown accounts so that a
/// login attempt takes as long whether or not the account exists.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&crate::token::random_key()).expect("a long password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(
            hash_password("short")
                .unwrap_err()
                .en
                .contains("at least 12")
        );
    }

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Admin.allows(Role::Evaluator));
        assert!(Role::Evaluator.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Evaluator));
        assert!(!Role::Evaluator.allows(Role::Admin));
        assert_eq!("viewer".parse::<Role>(), Ok(Role::Viewer));
        assert!("boss".parse::<Role>().is_err());
    }
}
