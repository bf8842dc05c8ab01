//! Single sign-on for staff over OpenID Connect, without HTTP serving or SQL:
//! discovery of the identity provider, the authorization code flow with
//! PKCE (S256), `state` and `nonce`, and the ID token's verification —
//! signature against the provider's published keys, issuer, audience,
//! expiry with at most [`CLOCK_SKEW_SECS`] of clock skew, issue time, nonce —
//! all by the `openidconnect` crate; then the e-mail and groups claims and
//! the mapping from groups to a klimat role and unit scope.
//!
//! Calls to the provider are blocking (ureq, no redirects followed, bounded
//! by [`HTTP_TIMEOUT_SECS`]); callers run them off the async executor.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope,
};
use openidconnect::{ClaimsVerificationError, SignatureVerificationError};

use crate::auth::Role;
use crate::config::Settings;

/// Seconds an ID token may look expired, or issued in the future, because
/// the provider's clock and ours differ.
pub const CLOCK_SKEW_SECS: i64 = 60;
/// Seconds one call to the provider may take.
pub const HTTP_TIMEOUT_SECS: u64 = 10;
/// Where the provider sends the browser back, under `public_url`.
pub const CALLBACK_PATH: &str = "/staff/login/sso/callback";
/// Seconds between two fetches of the provider's keys for an ID token
/// signed with a key id klimat does not know (the provider rotated its keys;
/// or someone sends made-up key ids, who then cannot make klimat call the
/// provider more often than this).
pub const REKEY_INTERVAL_SECS: u64 = 60;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why single sign-on cannot start or a login through it failed. Each says
/// which setting to look at, or what the provider answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SsoError {
    #[error("setting `{setting}`: {problem}")]
    Setting {
        setting: &'static str,
        problem: String,
    },
    #[error("the identity provider refused: {0}")]
    Refused(String),
    #[error("the ID token is not valid: {0}")]
    Token(String),
    #[error("the ID token has no `{0}` claim")]
    MissingClaim(String),
}

/// A group → role (and unit) line of `oidc_roles`.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub group: String,
    pub role: Role,
    pub unit: Option<String>,
}

/// `oidc_roles`: `group=role` or `group=viewer:UNIT`, separated by commas.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleMap(pub Vec<Grant>);

impl RoleMap {
    pub fn parse(text: &str) -> Result<RoleMap, String> {
        let mut grants = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((group, target)) = entry.split_once('=') else {
                return Err(format!(
                    "`{entry}` is not group=role (for example klimat-utvarderare=evaluator or chefer-vard=viewer:vard)"
                ));
            };
            let (role, unit) = match target.trim().split_once(':') {
                Some((role, unit)) => (role.trim(), Some(unit.trim().to_owned())),
                None => (target.trim(), None),
            };
            let role: Role = role.parse().map_err(|e| format!("`{entry}`: {e}"))?;
            if unit.is_some() && role != Role::Viewer {
                return Err(format!("`{entry}`: only a viewer can be limited to a unit"));
            }
            if group.trim().is_empty() || unit.as_deref() == Some("") {
                return Err(format!(
                    "`{entry}`: the group and the unit must not be empty"
                ));
            }
            grants.push(Grant {
                group: group.trim().to_owned(),
                role,
                unit,
            });
        }
        Ok(RoleMap(grants))
    }

    /// What the groups grant: the highest role any of them maps to; for a
    /// viewer, the whole organisation if any group gives it unlimited, else
    /// the unit of the first listed grant. `None` when no group is mapped.
    pub fn grant(&self, groups: &[String]) -> Option<(Role, Option<String>)> {
        let matched: Vec<&Grant> = self
            .0
            .iter()
            .filter(|g| groups.iter().any(|m| m == &g.group))
            .collect();
        let role = matched.iter().map(|g| g.role).max()?;
        if role != Role::Viewer {
            return Some((role, None));
        }
        if matched.iter().any(|g| g.unit.is_none()) {
            return Some((role, None));
        }
        Some((role, matched[0].unit.clone()))
    }
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub subject: String,
    pub email: String,
    pub groups: Vec<String>,
    /// How long the provider took to answer the code exchange (ms): the
    /// part of a login's time that is not klimat's.
    pub provider_ms: f64,
}

/// What a login started and its end must match: kept by the browser in a
/// signed cookie between the two.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

/// The configured provider, discovered.
pub struct Provider {
    /// Replaced whole when the provider's keys are fetched again.
    client: RwLock<Arc<Client>>,
    /// When the keys were last fetched again for an unknown key id.
    rekeyed: Mutex<Option<Instant>>,
    issuer_url: IssuerUrl,
    client_id: ClientId,
    secret: ClientSecret,
    redirect: RedirectUrl,
    http: Http,
    pub issuer: String,
    email_claim: String,
    groups_claim: String,
    pub roles: RoleMap,
    scopes: Vec<String>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Whether the settings ask for single sign-on.
pub fn configured(settings: &Settings) -> bool {
    settings.oidc_issuer.is_some()
}

impl Provider {
    /// Discovers the provider named by the settings and checks the client's
    /// credentials against its token endpoint (a wrong secret is found at
    /// start-up, not at the first login).
    pub fn discover(settings: &Settings) -> Result<Provider, SsoError> {
        let setting =
            |setting: &'static str, problem: String| SsoError::Setting { setting, problem };
        let issuer = settings
            .oidc_issuer
            .clone()
            .ok_or_else(|| setting("oidc_issuer", "not set".into()))?;
        let client_id = settings
            .oidc_client_id
            .clone()
            .ok_or_else(|| setting("oidc_client_id", "not set".into()))?;
        let secret = settings
            .oidc_client_secret
            .clone()
            .ok_or_else(|| setting("oidc_client_secret", "not set".into()))?;
        let roles = RoleMap::parse(&settings.oidc_roles).map_err(|p| setting("oidc_roles", p))?;
        let http = Http::new();
        let issuer_url =
            IssuerUrl::new(issuer.clone()).map_err(|e| setting("oidc_issuer", e.to_string()))?;
        let metadata = metadata(&issuer_url, &http).map_err(|p| setting("oidc_issuer", p))?;
        let token_url = metadata
            .token_endpoint()
            .map(|u| u.url().clone())
            .ok_or_else(|| setting("oidc_issuer", "the provider names no token endpoint".into()))?;
        let redirect = format!(
            "{}{CALLBACK_PATH}",
            settings.public_url.trim_end_matches('/')
        );
        let redirect =
            RedirectUrl::new(redirect).map_err(|e| setting("public_url", e.to_string()))?;
        check_credentials(&http, &token_url, &client_id, &secret)?;
        let client_id = ClientId::new(client_id);
        let secret = ClientSecret::new(secret);
        let client = client(metadata, &client_id, &secret, &redirect);
        Ok(Provider {
            client: RwLock::new(Arc::new(client)),
            rekeyed: Mutex::new(None),
            issuer_url,
            client_id,
            secret,
            redirect,
            http,
            issuer,
            email_claim: settings.oidc_email_claim.clone(),
            groups_claim: settings.oidc_groups_claim.clone(),
            roles,
            scopes: settings
                .oidc_scopes
                .split_whitespace()
                .filter(|s| *s != "openid")
                .map(String::from)
                .collect(),
        })
    }

    /// Starts a login: the provider's address to send the browser to, and
    /// what its answer must match.
    pub fn begin(&self) -> (String, Pending) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        (
            url.to_string(),
            Pending {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
            },
        )
    }

    /// Ends a login: exchanges the code (with the PKCE verifier), verifies
    /// the ID token and reads who it names. The caller has checked `state`.
    pub fn finish(&self, pending: &Pending, code: &str) -> Result<Identity, SsoError> {
        let asked = Instant::now();
        let response = self
            .client()
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SsoError::Refused(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request(&self.http)
            .map_err(|e| SsoError::Refused(chain(&e)))?;
        let provider_ms = asked.elapsed().as_secs_f64() * 1000.0;
        use openidconnect::TokenResponse;
        let token = response
            .id_token()
            .ok_or_else(|| SsoError::Refused("the token response has no ID token".into()))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let subject = match verify(&self.client(), token, &nonce) {
            Err(Unverified::UnknownKey(why)) => {
                self.rekey(&why)?;
                verify(&self.client(), token, &nonce)
            }
            verified => verified,
        }
        .map_err(|e| match e {
            Unverified::UnknownKey(why) | Unverified::Other(why) => SsoError::Token(why),
        })?;
        // The signature is verified: the payload can be read for the claims
        // the settings name (e-mail, groups), standard or not.
        let payload = payload(&token.to_string())?;
        let email = payload
            .get(&self.email_claim)
            .and_then(serde_json::Value::as_str)
            .map(|e| e.trim().to_lowercase())
            .filter(|e| e.contains('@'))
            .ok_or_else(|| SsoError::MissingClaim(self.email_claim.clone()))?;
        if payload.get("email_verified") == Some(&serde_json::Value::Bool(false))
            && self.email_claim == "email"
        {
            return Err(SsoError::Token(format!(
                "the provider has not verified {email}"
            )));
        }
        let groups = match payload.get(&self.groups_claim) {
            Some(serde_json::Value::Array(list)) => list
                .iter()
                .filter_map(|g| g.as_str().map(String::from))
                .collect(),
            Some(serde_json::Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
        Ok(Identity {
            subject,
            email,
            groups,
            provider_ms,
        })
    }
}

impl Provider {
    fn client(&self) -> Arc<Client> {
        Arc::clone(&self.client.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Fetches the provider's metadata and keys again, because an ID token
    /// names a key klimat does not have (`why`); at most once in
    /// [`REKEY_INTERVAL_SECS`], and the keys in use stay if the fetch fails.
    fn rekey(&self, why: &str) -> Result<(), SsoError> {
        {
            let mut last = self.rekeyed.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < Duration::from_secs(REKEY_INTERVAL_SECS)) {
                return Err(SsoError::Token(format!(
                    "{why} (the provider's keys were fetched less than \
                     {REKEY_INTERVAL_SECS} s ago)"
                )));
            }
            *last = Some(Instant::now());
        }
        let metadata = metadata(&self.issuer_url, &self.http).map_err(|p| {
            SsoError::Token(format!("{why}, and fetching the keys again failed: {p}"))
        })?;
        let client = client(metadata, &self.client_id, &self.secret, &self.redirect);
        *self.client.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(client);
        log::info!(
            "single sign-on: the signing keys of {} fetched again ({why})",
            self.issuer
        );
        Ok(())
    }
}

/// The provider's metadata and keys, or what went wrong.
fn metadata(issuer: &IssuerUrl, http: &Http) -> Result<CoreProviderMetadata, String> {
    CoreProviderMetadata::discover(issuer, http).map_err(|e| {
        format!(
            "discovery at {}/.well-known/openid-configuration failed: {}",
            issuer.as_str().trim_end_matches('/'),
            chain(&e)
        )
    })
}

fn client(
    metadata: CoreProviderMetadata,
    id: &ClientId,
    secret: &ClientSecret,
    redirect: &RedirectUrl,
) -> Client {
    CoreClient::from_provider_metadata(metadata, id.clone(), Some(secret.clone()))
        .set_redirect_uri(redirect.clone())
}

/// Why an ID token did not verify: signed with a key the client does not
/// have, or anything else.
enum Unverified {
    UnknownKey(String),
    Other(String),
}

/// Verifies the ID token's signature and claims; its subject.
fn verify(
    client: &Client,
    token: &openidconnect::core::CoreIdToken,
    nonce: &Nonce,
) -> Result<String, Unverified> {
    let skew = chrono::Duration::seconds(CLOCK_SKEW_SECS);
    let verifier = client
        .id_token_verifier()
        .set_time_fn(move || chrono::Utc::now() - skew)
        .set_issue_time_verifier_fn(move |iat| {
            if iat > chrono::Utc::now() + skew {
                Err(format!("issued in the future ({iat})"))
            } else {
                Ok(())
            }
        });
    match token.claims(&verifier, nonce) {
        Ok(claims) => Ok(claims.subject().to_string()),
        Err(
            e @ ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            ),
        ) => Err(Unverified::UnknownKey(format!(
            "{}: no key with its key id",
            chain(&e)
        ))),
        Err(e) => Err(Unverified::Other(chain(&e))),
    }
}

fn payload(jwt: &str) -> Result<serde_json::Map<String, serde_json::Value>, SsoError> {
    let part = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| SsoError::Token("not a JWT".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| SsoError::Token(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| SsoError::Token(e.to_string()))
}

/// Asks the token endpoint to redeem a code that cannot exist: a provider
/// that knows the client answers `invalid_grant`; one that does not accept
/// its credentials, `invalid_client` (or 401).
fn check_credentials(
    http: &Http,
    token_url: &openidconnect::url::Url,
    client_id: &str,
    secret: &str,
) -> Result<(), SsoError> {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        form_encode(client_id),
        form_encode(secret)
    ));
    let answer = http
        .agent
        .post(token_url.as_str())
        .set("authorization", &format!("Basic {basic}"))
        .send_form(&[
            ("grant_type", "authorization_code"),
            ("code", "klimat-start-up-check"),
            ("redirect_uri", "https://invalid.invalid/"),
        ]);
    let (status, body) = match answer {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq2::Error::Status(status, r)) => (status, r.into_string().unwrap_or_default()),
        Err(e) => {
            return Err(SsoError::Setting {
                setting: "oidc_issuer",
                problem: format!("the token endpoint {token_url} cannot be reached: {e}"),
            });
        }
    };
    let error = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"].as_str().map(String::from))
        .unwrap_or_default();
    if status == 401 || error == "invalid_client" || error == "unauthorized_client" {
        return Err(SsoError::Setting {
            setting: "oidc_client_secret",
            problem: format!(
                "the provider does not accept client `{client_id}` with this secret ({status} {error})"
            ),
        });
    }
    Ok(())
}

/// RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic.
fn form_encode(s: &str) -> String {
    openidconnect::url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The HTTP client for the provider: no redirects (a token endpoint that
/// redirects is refused), a timeout, every status returned as an answer so
/// that the provider's error (`invalid_grant`, …) reaches the message.
struct Http {
    agent: ureq2::Agent,
}

impl Http {
    fn new() -> Http {
        Http {
            agent: ureq2::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(HTTP_TIMEOUT_SECS))
                .build(),
        }
    }
}

impl openidconnect::SyncHttpClient for Http {
    type Error = openidconnect::HttpClientError<ureq2::Error>;

    fn call(
        &self,
        request: openidconnect::HttpRequest,
    ) -> Result<openidconnect::HttpResponse, Self::Error> {
        let uri = request.uri().to_string();
        let mut req = self.agent.request(request.method().as_str(), &uri);
        for (name, value) in request.headers() {
            let value = value
                .to_str()
                .map_err(|_| openidconnect::HttpClientError::Other(format!("header {name}")))?;
            req = req.set(name.as_str(), value);
        }
        let answer = if request.method() == openidconnect::http::Method::POST {
            req.send_bytes(request.body())
        } else {
            req.call()
        };
        let response = match answer {
            Ok(r) => r,
            Err(ureq2::Error::Status(_, r)) => r,
            Err(e) => return Err(openidconnect::HttpClientError::Reqwest(Box::new(e))),
        };
        let mut builder = openidconnect::http::Response::builder().status(response.status());
        if let Some(ct) = response.header("content-type") {
            builder = builder.header("content-type", ct);
        }
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut body)
            .map_err(openidconnect::HttpClientError::Io)?;
        builder
            .body(body)
            .map_err(openidconnect::HttpClientError::Http)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_map_gives_the_highest_role_and_a_viewers_unit() {
        let map = RoleMap::parse(
            "klimat-utvarderare=evaluator, ledningsgrupp=viewer, chefer-social=viewer:social, it=admin",
        )
        .unwrap();
        let g =
            |groups: &[&str]| map.grant(&groups.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(g(&["klimat-utvarderare"]), Some((Role::Evaluator, None)));
        assert_eq!(
            g(&["chefer-social"]),
            Some((Role::Viewer, Some("social".into())))
        );
        assert_eq!(
            g(&["chefer-social", "ledningsgrupp"]),
            Some((Role::Viewer, None))
        );
        assert_eq!(g(&["chefer-social", "it"]), Some((Role::Admin, None)));
        assert_eq!(g(&["alla"]), None);
        assert_eq!(g(&[]), None);
    }

    #[test]
    fn a_bad_role_map_says_which_entry() {
        for (text, part) in [
            ("klimat", "not group=role"),
            ("a=boss", "unknown role"),
            ("a=evaluator:vard", "only a viewer"),
            ("=viewer", "must not be empty"),
        ] {
            let e = RoleMap::parse(text).unwrap_err();
            assert!(e.contains(part), "{text}: {e}");
        }
    }
}
