//! Prometheus metrics at `/metrics` (for the scraper holding `ARRIVE_METRICS_TOKEN`): requests by route pattern, method and status, their
//! durations, identifications by outcome, check-ins, and open board streams. Labels are route
//! patterns and outcomes only: never a path, a name or anything a patient typed.

use std::sync::OnceLock;
use std::time::Instant;

use arrive_domain::ErrorCode;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::AppState;

/// The process-wide recorder (one per process, however many servers a test starts).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

/// Installs the recorder; call once at start, before requests are counted.
pub fn install() {
    let _ = handle();
}

/// Middleware: counts and times every request by its route pattern.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("arrive_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("arrive_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`, in the Prometheus text format, for the scraper that sends
/// `ARRIVE_METRICS_TOKEN` as its bearer token; without that setting there is no such page.
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.metrics_token.as_deref() else {
        return ApiError::not_found(crate::error::NO_SUCH_ENDPOINT).into_response();
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as digests, every byte: neither the token nor its length leaks by timing.
    let (sent, expected) = (Sha256::digest(sent.as_bytes()), Sha256::digest(expected.as_bytes()));
    let differences = sent.iter().zip(expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if differences != 0 {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "The metrics need the scraper's bearer token.",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    let body = handle().map(PrometheusHandle::render).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
