//! Staff sign-in: argon2id password hashes, session cookies, CSRF tokens, and the
//! guards that put every desk and admin route behind them. The guards are layers on whole
//! routers (`api/mod.rs`), so a route added there later is guarded without anyone remembering.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{Role, Staff, Store};
use crate::AppState;
use arrive_domain::ErrorCode;

pub const SESSION_COOKIE: &str = "arrive_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The enrolled tablet's device token, on every kiosk API call.
pub const KIOSK_TOKEN_HEADER: &str = "x-kiosk-token";
/// A front-desk shift.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ApiError::internal())
}

/// Verifies `password` against `hash`; with no hash (unknown user) it verifies against a fixed
/// one anyway, so "no such user" and "wrong password" take the same time.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let known = hash.is_some();
    let Ok(parsed) = PasswordHash::new(hash.unwrap_or(dummy_hash())) else {
        return false;
    };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
}

/// The stand-in hash unknown usernames are checked against. Made at start (`run`), so the
/// first unknown username does not pay for making it.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password").unwrap_or_default())
}

/// `hash_password` off the async workers: hashing is deliberately slow.
pub async fn hash_password_blocking(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| ApiError::internal())?
}

/// `verify_password` off the async workers.
pub async fn verify_password_blocking(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .unwrap_or(false)
}

/// A random token, hex: 256 bits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A password people can type: 16 characters without look-alikes (0/O, 1/l/I).
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    let max_age = SESSION_LIFETIME.num_seconds();
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The client's address, as `client_address` found it for this request.
#[derive(Clone)]
struct ClientAddress(String);

/// Middleware: who the client is — the peer, or, when the peer is one of the trusted proxies,
/// the last address in `X-Forwarded-For` that is not one of them (a client can write anything
/// at the left of that header; only what the proxies appended counts).
pub async fn client_address(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = |ip: &std::net::IpAddr| state.trusted_proxies.contains(ip);
    let client = match peer {
        Some(peer) if trusted(&peer) => request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|a| a.trim().parse::<std::net::IpAddr>())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find(|a| !a.as_ref().is_ok_and(trusted))
            .and_then(Result::ok)
            .unwrap_or(peer),
        Some(peer) => peer,
        None => return next.run(request).await,
    };
    request.extensions_mut().insert(ClientAddress(client.to_string()));
    next.run(request).await
}

/// The client as the audit trail and the identify throttle know it (no PHI): see
/// `client_address`.
pub fn client_of(extensions: &axum::http::Extensions) -> String {
    match extensions.get::<ClientAddress>() {
        Some(ClientAddress(address)) => address.clone(),
        None => extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned()),
    }
}

/// Extractor: the client's address, for the audit trail.
pub struct Client(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(client_of(&parts.extensions)))
    }
}

/// Who made the request and from where, for handlers behind the guard.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub staff: Staff,
    pub client: String,
    pub csrf_token: String,
    /// This session's token hash: what "end my other sessions" keeps.
    pub session: String,
}

impl SignedIn {
    /// Audits what this member of staff just did (to `appointment_id`, if about one).
    pub async fn audit(&self, store: &Store, action: &str, appointment_id: Option<i64>) -> Result<(), sqlx::Error> {
        store
            .audit(Some(self.staff.id), action, appointment_id, &self.client, Utc::now())
            .await
    }

    /// Audits what this member of staff just did to another one's account (`subject`).
    pub async fn audit_about(&self, store: &Store, action: &str, subject: i64) -> Result<(), sqlx::Error> {
        store
            .audit_about(self.staff.id, action, subject, &self.client, Utc::now())
            .await
    }
}

/// Checks the session (and, for changes, the CSRF token). Takes owned parts of the request: a
/// borrowed request would make the guard's future non-Send.
async fn signed_in(state: &AppState, headers: HeaderMap, method: Method, client: String) -> Result<SignedIn, ApiError> {
    let unauthorized = || ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "Please sign in.");
    let token = session_token(&headers).ok_or_else(unauthorized)?;
    let session = token_hash(&token);
    let crate::store::Session {
        staff,
        csrf_token: csrf,
    } = state
        .store
        .session(&session, Utc::now())
        .await?
        .ok_or_else(unauthorized)?;
    // Anything that changes state must also carry the session's CSRF token.
    if !matches!(method, Method::GET | Method::HEAD) {
        let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if sent != Some(csrf.as_str()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "This request is missing its CSRF token. Reload the page.",
            ));
        }
    }
    Ok(SignedIn {
        staff,
        client,
        csrf_token: csrf,
        session,
    })
}

/// Guard for the desk router: any signed-in member of staff.
pub async fn require_staff(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    guard(&state, request, next, None, false).await
}

/// Guard for the admin router: admins only.
pub async fn require_admin(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    guard(&state, request, next, Some(Role::Admin), false).await
}

/// Guard for the session itself (who am I, change my password): open even while a one-time
/// password must be replaced.
pub async fn require_session(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    guard(&state, request, next, None, true).await
}

/// Lets the request through signed in (with `SignedIn` for the handler), with `role` when one
/// is required, and only to the session routes while a one-time password is unchanged.
async fn guard(
    state: &AppState,
    mut request: Request,
    next: Next,
    role: Option<Role>,
    session_routes: bool,
) -> Result<Response, ApiError> {
    let (headers, method, client) = (
        request.headers().clone(),
        request.method().clone(),
        client_of(request.extensions()),
    );
    let who = signed_in(state, headers, method, client).await?;
    if who.staff.must_change_password && !session_routes {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "Choose your own password first.",
        ));
    }
    if role.is_some_and(|role| who.staff.role != role) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "This needs an administrator.",
        ));
    }
    request.extensions_mut().insert(who);
    Ok(next.run(request).await)
}

/// The enrolled tablet a kiosk request came from.
#[derive(Debug, Clone)]
pub struct KioskTablet {
    pub id: i64,
    pub name: String,
}

/// Guard for the kiosk router: an enrolled, not revoked tablet.
pub async fn require_kiosk(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = request
        .headers()
        .get(KIOSK_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(token_hash);
    let device = match token {
        Some(hash) => state.store.kiosk_by_token(&hash).await?,
        None => None,
    };
    let Some(crate::store::Tablet { id, name }) = device else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "This tablet is not enrolled as a kiosk. Ask the front desk to set it up.",
        ));
    };
    request.extensions_mut().insert(KioskTablet { id, name });
    Ok(next.run(request).await)
}
