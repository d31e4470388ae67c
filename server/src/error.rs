//! Every failure leaves the server as `{ "error": { "code", "message" } }` with a 4xx status
//! for the caller's mistakes. Messages are fixed text: never echo the request (it may be PHI).

use arrive_domain::{ErrorBody, ErrorCode};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The message of the 404 for a path no route serves (a handler's 404 says what is missing).
pub const NO_SUCH_ENDPOINT: &str = "There is no such API endpoint.";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: &str) -> Self {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
        }
    }

    pub fn field(field: &str, message: &str) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: ErrorBody::for_field(field, message),
        }
    }

    pub fn not_found(message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    pub fn conflict(message: &str) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Something went wrong on our side. Please try again.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        // sqlx errors name tables and constraints, never bound values: safe to log.
        tracing::error!(%error, "database error");
        ApiError::internal()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let (status, code, message) = match &rejection {
            JsonRejection::MissingJsonContentType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "Send the body as JSON with Content-Type: application/json.",
            ),
            JsonRejection::JsonSyntaxError(_) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "The body is not valid JSON.",
            ),
            JsonRejection::JsonDataError(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
                "The JSON does not match this endpoint: a field is unknown, missing or of the wrong type.",
            ),
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BodyTooLarge,
                "The body is too large.",
            ),
            _ => (
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "The body could not be read.",
            ),
        };
        ApiError::new(status, code, message)
    }
}

/// `ApiJson`, and then no key the type did not read: for request types whose derive cannot
/// refuse every unknown field by itself (serde ignores extra keys beside the tag of an
/// internally tagged enum's unit variant, e.g. `{"answer": "same", "line": "…"}`). The value
/// read is written back out and every key sent must be among the keys written.
pub struct StrictJson<T>(pub T);

impl<T: DeserializeOwned + Serialize, S: Send + Sync> FromRequest<S> for StrictJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiJson(raw) = ApiJson::<serde_json::Value>::from_request(req, state).await?;
        let mismatch = || {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
                "The JSON does not match this endpoint: a field is unknown, missing or of the wrong type.",
            )
        };
        let value: T = serde_json::from_value(raw.clone()).map_err(|_| mismatch())?;
        let read = serde_json::to_value(&value).map_err(|_| mismatch())?;
        if has_unread_keys(&raw, &read) {
            return Err(mismatch());
        }
        Ok(StrictJson(value))
    }
}

/// A key in `sent`, at any depth, that `read` does not have.
fn has_unread_keys(sent: &serde_json::Value, read: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (sent, read) {
        (Value::Object(sent), Value::Object(read)) => sent
            .iter()
            .any(|(key, value)| read.get(key).is_none_or(|r| has_unread_keys(value, r))),
        (Value::Array(sent), Value::Array(read)) => sent.iter().zip(read).any(|(s, r)| has_unread_keys(s, r)),
        _ => false,
    }
}

/// `axum::Json`, but its rejections are our JSON errors, and a body with a control character
/// in any string is refused before it is decoded (`arrive_domain::text`): every handler that
/// takes JSON takes it through here, so none can forget the rule.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers()) {
            return Err(JsonRejection::from(axum::extract::rejection::MissingJsonContentType::default()).into());
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(JsonRejection::from)?;
        if arrive_domain::text::json_has_forbidden_control(&body) {
            return Err(control_characters());
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&body)?;
        Ok(ApiJson(value))
    }
}

/// The 422 for a text with a control character; the text is not repeated.
pub fn control_characters() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidField,
        arrive_domain::text::MESSAGE,
    )
}

/// `Content-Type: application/json` or `application/<anything>+json`, as `axum::Json` wants.
fn is_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}
