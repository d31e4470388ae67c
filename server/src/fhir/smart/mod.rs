//! SMART Backend Services (SMART App Launch 2.x): how Arrive, a server with no user in front of
//! it, gets an access token from the clinic's EHR. It posts a client-credentials grant to the
//! token endpoint, authenticated by a short JWT (`private_key_jwt`) signed with the clinic's
//! private key, RS384 or ES384; the EHR checks it against the public key it registered under
//! `kid`. The token is then kept until shortly before it expires, so one check-in after another
//! does not each cost a round trip to the token endpoint.
//!
//! Signed with ring, the crypto library rustls and reqwest already bring: the JWT around the
//! signature is two base64url'd JSON objects.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::config::SmartSettings;

mod key;
use key::SigningKey;

/// The fixed `client_assertion_type` of a JWT client assertion (RFC 7523).
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a signed assertion is good for. SMART allows at most five minutes; four leave
/// room for an EHR whose clock runs a little behind ours.
const ASSERTION_LIFETIME_SECS: i64 = 240;

/// A token is renewed this long before the EHR said it expires (or half its life, for a
/// shorter-lived one), so a delivery never sets out with a token about to lapse.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// The SMART Backend Services client of the clinic's EHR.
pub struct SmartBackend {
    token_url: String,
    client_id: String,
    scope: String,
    key: SigningKey,
    key_id: String,
    rng: SystemRandom,
    /// Held while a token is fetched, so callers at the same moment share one request.
    cached: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    value: String,
    renew_at: Instant,
}

/// Why no token could be had. What it says is safe to log and to show staff: never the
/// token endpoint's body, the assertion or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmartError {
    /// The token endpoint was not reached, or did not answer in time.
    Transport(&'static str),
    /// The token endpoint answered with an error status; `error` is the OAuth error code
    /// (`invalid_client`, `invalid_scope`, …) when it gave one of RFC 6749's.
    Refused { status: u16, error: Option<&'static str> },
    /// The token endpoint answered 2xx, but not with a usable bearer token.
    BadAnswer(&'static str),
    /// The assertion could not be signed.
    Signing,
}

impl std::fmt::Display for SmartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmartError::Transport(kind) => write!(f, "token endpoint: {kind}"),
            SmartError::Refused {
                status,
                error: Some(error),
            } => {
                write!(f, "token endpoint: HTTP {status} ({error})")
            }
            SmartError::Refused { status, error: None } => write!(f, "token endpoint: HTTP {status}"),
            SmartError::BadAnswer(what) => write!(f, "token endpoint: {what}"),
            SmartError::Signing => f.write_str("token endpoint: the client assertion could not be signed"),
        }
    }
}

impl std::error::Error for SmartError {}

impl std::fmt::Debug for SmartBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmartBackend")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .field("alg", &self.key.alg())
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SmartBackend {
    /// From settings; `Ok(None)` when SMART is not configured. The key is read here, so a
    /// server whose key cannot be used stops at start rather than at its first delivery.
    pub fn from_config(config: &crate::Config) -> Result<Option<SmartBackend>, String> {
        config.fhir_smart.as_ref().map(Self::from_settings).transpose()
    }

    fn from_settings(settings: &SmartSettings) -> Result<SmartBackend, String> {
        let rng = SystemRandom::new();
        Ok(SmartBackend {
            token_url: settings.token_url.clone(),
            client_id: settings.client_id.clone(),
            scope: settings.scope.clone(),
            key: SigningKey::load(&settings.private_key, &rng)?,
            key_id: settings.key_id.clone(),
            rng,
            cached: Mutex::new(None),
        })
    }

    /// A bearer token for the EHR, fetched with a signed assertion or taken from the cache.
    pub async fn access_token(&self, client: &reqwest::Client) -> Result<String, SmartError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        *cached = None;
        let sent_at = Instant::now();
        let (value, lifetime) = self.fetch(client).await?;
        // Without a lifetime the token is used once: how long it lasts is not known.
        if let Some(lifetime) = lifetime {
            let margin = RENEW_MARGIN.min(lifetime / 2);
            *cached = Some(CachedToken {
                value: value.clone(),
                renew_at: sent_at + (lifetime - margin),
            });
        }
        Ok(value)
    }

    /// Forget the cached token (the EHR answered 401 with it).
    pub async fn forget(&self) {
        *self.cached.lock().await = None;
    }

    /// The client assertion: a JWT naming us (iss, sub) to the token endpoint (aud), unique
    /// (jti) and short-lived (exp), signed with our key.
    fn assertion(&self) -> Result<String, SmartError> {
        let header = json!({ "alg": self.key.alg(), "typ": "JWT", "kid": self.key_id });
        let jti = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let claims = json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "exp": chrono::Utc::now().timestamp() + ASSERTION_LIFETIME_SECS,
            "jti": jti.to_string(),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign(&self.rng, signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// One token request: the token and how long it lasts, if the EHR said.
    async fn fetch(&self, client: &reqwest::Client) -> Result<(String, Option<Duration>), SmartError> {
        let assertion = self.assertion()?;
        let response = client
            .post(&self.token_url)
            .header("accept", "application/json")
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", self.scope.as_str()),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            return Err(SmartError::Refused {
                status: status.as_u16(),
                error: oauth_error(&body),
            });
        }
        let answer: Value = serde_json::from_slice(&body)
            .map_err(|_| SmartError::BadAnswer("the answer is not a JSON token response"))?;
        if !answer["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
        {
            return Err(SmartError::BadAnswer("the token_type is not bearer"));
        }
        // It goes into an Authorization header: visible ASCII only.
        let token = answer["access_token"]
            .as_str()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or(SmartError::BadAnswer("no usable access_token in the answer"))?;
        let lifetime = match &answer["expires_in"] {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok());
        tracing::info!(
            expires_in = lifetime.map(|l| l.as_secs()),
            scope = answer["scope"].as_str().unwrap_or(""),
            "fhir: SMART access token obtained"
        );
        Ok((token.to_owned(), lifetime))
    }
}

fn transport(error: reqwest::Error) -> SmartError {
    SmartError::Transport(if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection refused"
    } else {
        "transport error"
    })
}

/// The `error` of an OAuth error answer, when it is one of RFC 6749's codes; anything else the
/// endpoint wrote is not repeated.
fn oauth_error(body: &[u8]) -> Option<&'static str> {
    const CODES: [&str; 7] = [
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "temporarily_unavailable",
    ];
    let answer: Value = serde_json::from_slice(body).ok()?;
    let error = answer["error"].as_str()?;
    CODES.into_iter().find(|code| *code == error)
}

#[cfg(test)]
mod tests;
