//! Pre-registration links and arrival passes.
//!
//! A link is `/pre/<token>`, the token an HMAC-SHA256-signed claim of (appointment id, link
//! version): unguessable (a 128-bit tag), no patient data in it, nothing to store. It is good
//! while its version is the appointment's current one (revoking bumps it) and until the end of
//! the appointment's day; the birth date is asked before anything is shown.
//!
//! A pass is a random 128-bit token (in the QR code; only its hash is kept) plus a 6-character
//! code from the domain's alphabet, good on the appointment's day, spent by its check-in.

use arrive_domain::pass::{CODE_ALPHABET, CODE_LENGTH};
use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::store::{PreVisit, Store};

/// The key's name in `server_secret`.
const LINK_KEY: &str = "pre_registration_link";
/// Bytes of HMAC tag kept in a link.
const TAG_BYTES: usize = 16;

/// Signs a link token for version `version` of `appointment_id`'s pre-registration.
pub async fn link_token(store: &Store, appointment_id: i64, version: i64) -> Result<String, sqlx::Error> {
    let key = store.secret(LINK_KEY).await?;
    let claim = claim(appointment_id, version);
    let mut token = claim.to_vec();
    token.extend_from_slice(&tag(&key, &claim)[..TAG_BYTES]);
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token))
}

/// The (appointment id, version) a token claims, if the server signed it.
pub async fn verify_link(store: &Store, token: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()) else {
        return Ok(None);
    };
    if bytes.len() != 12 + TAG_BYTES {
        return Ok(None);
    }
    let key = store.secret(LINK_KEY).await?;
    let (claim, given) = bytes.split_at(12);
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(claim);
    // Constant-time comparison of the truncated tag.
    if mac.verify_truncated_left(given).is_err() {
        return Ok(None);
    }
    let appointment_id = i64::from_be_bytes(claim[..8].try_into().expect("8 bytes"));
    let version = i64::from(u32::from_be_bytes(claim[8..12].try_into().expect("4 bytes")));
    Ok(Some((appointment_id, version)))
}

fn claim(appointment_id: i64, version: i64) -> [u8; 12] {
    let mut claim = [0u8; 12];
    claim[..8].copy_from_slice(&appointment_id.to_be_bytes());
    claim[8..].copy_from_slice(&(version as u32).to_be_bytes());
    claim
}

fn tag(key: &[u8], claim: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(claim);
    mac.finalize().into_bytes().to_vec()
}

/// The link's page, under the server's link base (`AppState::link_base`).
pub fn link_url(base: &str, token: &str) -> String {
    format!("{base}/pre/{token}")
}

/// The appointment's local start, as the schedule keeps it.
pub fn starts_at(visit: &PreVisit) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(&visit.starts_at, "%Y-%m-%dT%H:%M").ok()
}

/// The appointment's day, `YYYY-MM-DD`.
pub fn day_of(visit: &PreVisit) -> &str {
    visit.starts_at.get(..10).unwrap_or(&visit.starts_at)
}

/// Whether the appointment's day is over (links and passes end with it) on the clinic's
/// `today` (`AppState::clinic_today`).
pub fn day_is_over(visit: &PreVisit, today: NaiveDate) -> bool {
    day_of(visit) < self::today(today).as_str()
}

/// The clinic's date `today` (`AppState::clinic_today`), `YYYY-MM-DD`, as appointment days are
/// kept.
pub fn today(today: NaiveDate) -> String {
    today.format("%Y-%m-%d").to_string()
}

/// A new pass: (token for the QR code, its hash, a code to type).
pub fn new_pass() -> (String, String, String) {
    let token = crate::auth::new_token()[..32].to_owned();
    let hash = crate::auth::token_hash(&token);
    (token, hash, new_code())
}

pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}
