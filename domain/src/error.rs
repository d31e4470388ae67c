//! The one error shape every API endpoint answers with: `{ "error": { "code", "message" } }`.
//! `code` is stable and machine-readable (the kiosk maps it to the patient's language);
//! `message` is plain English for people reading logs of *their own* requests. Neither ever
//! carries PHI.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not JSON, or not the JSON this endpoint takes (unknown field, wrong type).
    InvalidJson,
    /// The request needs `Content-Type: application/json`.
    UnsupportedMediaType,
    /// The body is larger than the endpoint accepts.
    BodyTooLarge,
    /// A field is well-formed JSON but fails validation (bad name, impossible date, ...).
    InvalidField,
    /// The referenced thing does not exist (or is no longer valid, e.g. an expired match).
    NotFound,
    /// Staff sign-in is needed.
    Unauthorized,
    /// Signed in, but not allowed to do this (role, or a missing CSRF token).
    Forbidden,
    /// The request was made against something that has since changed (e.g. a consent's text).
    Conflict,
    /// The HTTP method is not allowed on this path.
    MethodNotAllowed,
    /// Too many requests; try later.
    RateLimited,
    /// Something on our side failed; the request can be retried.
    Internal,
    /// The server is at its connection limit; try again shortly.
    Unavailable,
    /// An idempotency key sent again with a different request: a retry must repeat the request
    /// exactly, and a new request needs a new key.
    IdempotencyKeyReused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// For `invalid_field`: which field, so the kiosk can put the message next to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                field: None,
            },
        }
    }

    pub fn for_field(field: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::InvalidField,
                message: message.into(),
                field: Some(field.to_owned()),
            },
        }
    }
}
