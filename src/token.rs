//! Personal links. A token is derived from a server secret with HMAC-SHA256,
//! so the invitation and every reminder carry the same link while the
//! database holds only the token's SHA-256 hash. Nothing here logs.
//!
//! The survey token and the opt-out token are derived under different
//! labels: the opt-out link may appear in a `List-Unsubscribe` header, the
//! survey link never does.

use std::io::Write as _;
use std::path::Path;

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// Bytes of HMAC output kept in a token: 160 bits, written as 40 hex digits.
const TOKEN_BYTES: usize = 20;

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Survey,
    OptOut,
    /// A unit's shared link (the second number is the unit's id).
    /// The CSRF token of a draft (the numbers are unused: zeros).
    Csrf,
    /// What a single sign-on login started (state, nonce, PKCE verifier),
    /// kept by the browser until the provider sends it back.
    SsoLogin,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Survey => b"klimat/survey/v1",
            Purpose::OptOut => b"klimat/opt-out/v1",
            Purpose::Csrf => b"klimat/csrf/v1",
            Purpose::SsoLogin => b"klimat/sso-login/v1",
        }
    }
}

/// The server secret. Its `Debug` shows nothing.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    pub fn new(text: &str) -> Result<Secret, String> {
        let text = text.trim();
        if text.chars().count() < 32 {
            return Err("the secret must have at least 32 characters".to_owned());
        }
        Ok(Secret(text.as_bytes().to_vec()))
    }

    /// The secret from settings, or from `file`, which is created with 32
    /// random bytes (hex, owner-only permissions) when it does not exist.
    pub fn load(setting: Option<&str>, file: &Path) -> Result<Secret, String> {
        if let Some(text) = setting {
            return Secret::new(text);
        }
        match std::fs::read_to_string(file) {
            Ok(text) => Secret::new(&text).map_err(|e| format!("{}: {e}", file.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes: [u8; 32] = rand::random();
                let text = hex::encode(bytes);
                create_private(file, &text).map_err(|e| {
                    format!("cannot create the secret file {}: {e}", file.display())
                })?;
                Secret::new(&text)
            }
            Err(e) => Err(format!(
                "cannot read the secret file {}: {e}",
                file.display()
            )),
        }
    }

    /// A MAC over free text (for example a draft key, giving its CSRF token).
    pub fn mac(&self, purpose: Purpose, text: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(purpose.label());
        mac.update(text.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..TOKEN_BYTES])
    }

    /// The token of one invitation for one purpose.
    pub fn token(&self, purpose: Purpose, wave_id: i64, invitation_id: i64) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(purpose.label());
        mac.update(&wave_id.to_be_bytes());
        mac.update(&invitation_id.to_be_bytes());
        hex::encode(&mac.finalize().into_bytes()[..TOKEN_BYTES])
    }
}

/// A fresh random key of the same shape as a token (drafts, sessions, API
/// tokens): 160 bits from the operating system's generator, in hex.
pub fn random_key() -> String {
    let bytes: [u8; TOKEN_BYTES] = rand::random();
    hex::encode(bytes)
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What the database stores of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `text` has the shape of a token (so that anything else is refused
/// before it reaches the database).
pub fn well_formed(text: &str) -> bool {
    text.len() == TOKEN_BYTES * 2
        && text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn create_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("0123456789abcdef0123456789abcdef").unwrap()
    }

    #[test]
    fn tokens_are_stable_distinct_and_well_formed() {
        let s = secret();
        let a = s.token(Purpose::Survey, 1, 7);
        assert_eq!(a, s.token(Purpose::Survey, 1, 7));
        assert_ne!(a, s.token(Purpose::OptOut, 1, 7));
        assert_ne!(a, s.token(Purpose::Survey, 1, 8));
        assert_ne!(a, s.token(Purpose::Survey, 2, 7));
        assert!(well_formed(&a));
        assert!(!well_formed(&a[1..]));
        assert!(!well_formed(&a.to_uppercase()));
        let other = Secret::new("fedcba9876543210fedcba9876543210").unwrap();
        assert_ne!(a, other.token(Purpose::Survey, 1, 7));
    }

    #[test]
    fn a_known_hmac_value() {
        // RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?").
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_short_secret_is_refused_and_a_missing_file_is_created_private() {
        assert!(Secret::new("short").is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("klimat.secret");
        let first = Secret::load(None, &path).unwrap();
        let again = Secret::load(None, &path).unwrap();
        assert_eq!(
            first.token(Purpose::Survey, 1, 1),
            again.token(Purpose::Survey, 1, 1)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{first:?}").contains(&std::fs::read_to_string(&path).unwrap()));
    }
}
