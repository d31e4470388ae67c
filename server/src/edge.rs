//! Rules every request and every error answer goes through, whatever route serves it, so that
//! no handler or extractor can forget them:
//! - a path or query with a control character (once percent-decoded) is refused with 422
//!   before any route sees it (`arrive_domain::text`, the rule JSON bodies follow in `ApiJson`);
//! - an error answer is JSON `{ "error": { "code", "message" } }` even when axum or tower-http
//!   made it as plain text (a path id that is not a number, a method a file route does not
//!   take), and such text, which may repeat the request, is never passed on;
//! - a 413 or 415 says `Connection: close`: the body it refused may be unread, so the
//!   connection cannot carry another request, and hyper closes it after such an answer.

use arrive_domain::ErrorCode;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::error::{control_characters, ApiError};

/// Middleware: a path or query holding a control character is answered 422.
pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let decoded_has_control =
        |text: &str| arrive_domain::text::has_forbidden_control(&percent_decode_str(text).decode_utf8_lossy());
    if decoded_has_control(uri.path()) || uri.query().is_some_and(decoded_has_control) {
        return control_characters().into_response();
    }
    next.run(request).await
}

/// Middleware: error answers in our JSON shape, and `Connection: close` after a refused body.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !is_json {
        let allow = response.headers().get(header::ALLOW).cloned();
        response = as_json(status).into_response();
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }
    if matches!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE
    ) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The JSON answer for an error that came without one: by its status, in fixed words.
fn as_json(status: StatusCode) -> ApiError {
    // A table, alike by design: one row per status.
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => (
            ErrorCode::InvalidField,
            "The request's address or parameters are not valid.",
        ),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "There is nothing here."),
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "This method is not allowed here."),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::BodyTooLarge, "The body is too large."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "This content type is not accepted here.",
        ),
        StatusCode::UNAUTHORIZED => (ErrorCode::Unauthorized, "Sign-in is needed."),
        StatusCode::FORBIDDEN => (ErrorCode::Forbidden, "This is not allowed."),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::RateLimited, "Too many requests: try again later."),
        status if status.is_server_error() => {
            return ApiError {
                status,
                ..ApiError::internal()
            }
        }
        _ => (ErrorCode::InvalidField, "The request cannot be served."),
    };
    ApiError::new(status, code, message)
}
