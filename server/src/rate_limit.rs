//! The answer to a caller who must wait: 429 with our JSON error and `Retry-After` in whole
//! seconds, so a well-behaved client knows when to try again.

use arrive_domain::{ErrorBody, ErrorCode};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

pub fn too_many_requests(message: &str, retry_after: chrono::Duration) -> Response {
    let seconds = retry_after.num_seconds().max(1);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, seconds.to_string())],
        axum::Json(ErrorBody::new(ErrorCode::RateLimited, message)),
    )
        .into_response()
}
