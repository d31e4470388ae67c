//! The CAQH CORE real-time connection (CORE Connectivity Rule vC2.2.0, HTTP MIME multipart):
//! one `POST` of a `multipart/form-data` envelope carrying the 270, answered by an envelope
//! carrying the 271.
//!
//! Request fields, as the rule names them: `ProcessingMode` (`RealTime`), `PayloadType`
//! (`X12_270_Request_005010X279A1`), `PayloadID` (a UUID, new for each request), `TimeStamp`
//! (xsd:dateTime, UTC), `UserName` and `Password` (the rule's username/password
//! authentication), `SenderID`, `ReceiverID`, `CORERuleVersion` (`2.2.0`) and `Payload`.
//! The answer carries the same envelope fields plus `ErrorCode` and `ErrorMessage`; it is
//! taken only when the HTTP status is 200, `ErrorCode` is `Success`, `PayloadType` is
//! `X12_271_Response_005010X279A1` and `PayloadID` is the request's.
//!
//! Nothing from either envelope is logged or put into an error: errors are HTTP statuses,
//! CORE error codes (checked to be plain codes) and fixed descriptions.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use chrono::Utc;

use crate::config::CoreConnection;

pub const PAYLOAD_TYPE_270: &str = "X12_270_Request_005010X279A1";
pub const PAYLOAD_TYPE_271: &str = "X12_271_Response_005010X279A1";
pub const RULE_VERSION: &str = "2.2.0";
pub const REAL_TIME: &str = "RealTime";

/// The rule asks real-time answers within 20 seconds; a little more covers the network.
const TIMEOUT: Duration = Duration::from_secs(25);
/// A 271 for one patient is a few kilobytes; anything near this is not one.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Why no 271 came back. `Display` is what the exchange record and the logs keep: never a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreError {
    /// The connection failed or timed out.
    Transport(&'static str),
    /// An HTTP status other than 200 (401: the credentials were refused).
    Status(u16),
    /// The answer's envelope says the request was refused: its `ErrorCode`.
    Envelope(String),
    /// The answer is not a CORE real-time response carrying a 271.
    Malformed(&'static str),
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::Transport(kind) => write!(f, "CORE connection: {kind}"),
            CoreError::Status(status) => write!(f, "CORE connection: HTTP {status}"),
            CoreError::Envelope(code) => write!(f, "CORE envelope error: {code}"),
            CoreError::Malformed(what) => write!(f, "CORE response: {what}"),
        }
    }
}

pub struct CoreClient {
    http: reqwest::Client,
    connection: CoreConnection,
}

impl CoreClient {
    pub fn new(connection: CoreConnection) -> Self {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .expect("an HTTP client with rustls builds");
        CoreClient { http, connection }
    }

    /// Sends a 270 in a real-time request envelope and returns the 271 of the answer.
    pub async fn exchange(&self, x12_270: &str) -> Result<String, CoreError> {
        let payload_id = uuid::Uuid::new_v4().to_string();
        let c = &self.connection;
        let form = reqwest::multipart::Form::new()
            .text("ProcessingMode", REAL_TIME)
            .text("PayloadType", PAYLOAD_TYPE_270)
            .text("PayloadID", payload_id.clone())
            .text("TimeStamp", Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .text("UserName", c.username.clone())
            .text("Password", c.password.clone())
            .text("SenderID", c.sender_id.clone())
            .text("ReceiverID", c.receiver_id.clone())
            .text("CORERuleVersion", RULE_VERSION)
            .text("Payload", x12_270.to_owned());
        let response = self
            .http
            .post(&c.url)
            .multipart(form)
            .send()
            .await
            .map_err(|e| CoreError::Transport(transport_kind(&e)))?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(CoreError::Status(status.as_u16()));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if response
            .content_length()
            .is_some_and(|n| n as usize > MAX_RESPONSE_BYTES)
        {
            return Err(CoreError::Malformed("too large"));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| CoreError::Transport(transport_kind(&e)))?;
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(CoreError::Malformed("too large"));
        }
        let fields = read_envelope(&content_type, body)
            .await
            .map_err(|_| CoreError::Malformed("not a multipart/form-data envelope"))?;
        let field = |name: &str| fields.get(name).map(String::as_str);
        match field("ErrorCode") {
            Some("Success") => {}
            Some(code) => return Err(CoreError::Envelope(plain_code(code))),
            None => return Err(CoreError::Malformed("no ErrorCode")),
        }
        if field("PayloadType") != Some(PAYLOAD_TYPE_271) {
            return Err(CoreError::Malformed("PayloadType is not X12_271_Response_005010X279A1"));
        }
        if field("ProcessingMode") != Some(REAL_TIME) {
            return Err(CoreError::Malformed("ProcessingMode is not RealTime"));
        }
        if field("PayloadID") != Some(payload_id.as_str()) {
            return Err(CoreError::Malformed("PayloadID is not the request's"));
        }
        match fields.get("Payload") {
            Some(payload) if !payload.trim().is_empty() => Ok(payload.clone()),
            _ => Err(CoreError::Malformed("no Payload")),
        }
    }
}

/// The fields of a `multipart/form-data` body by name (the first of a repeated name), as
/// text. Used for the answer here and by test endpoints for the request.
pub async fn read_envelope(content_type: &str, body: bytes::Bytes) -> Result<HashMap<String, String>, multer::Error> {
    let boundary = multer::parse_boundary(content_type)?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = HashMap::new();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or("").to_owned();
        let text = field.text().await?;
        fields.entry(name).or_insert(text);
    }
    Ok(fields)
}

/// A CORE error code is a word such as `VersionMismatch` or `PayloadIDRequired`; anything else
/// in its place is not repeated (it could be anything).
fn plain_code(code: &str) -> String {
    let plain = (1..=64).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
    if plain {
        code.to_owned()
    } else {
        "unrecognized".to_owned()
    }
}

fn transport_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "transport error"
    }
}
