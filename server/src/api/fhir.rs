//! `/fhir/r4`: check-ins as FHIR R4, for signed-in staff and the clinic's integration engine:
//! the Bundle as it was built at check-in and stored, byte for byte what the outbox delivers.
//! Every read is audited.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::AppState;

// Alike by design: each handler is its route's OpenAPI description, extractors, store call, audit.

pub fn router() -> Router<AppState> {
    Router::new().route("/Bundle/{checkin_id}", get(check_in_bundle))
}

/// A check-in's id is its appointment's id.
async fn check_in_bundle(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(checkin_id): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("There is no completed check-in with this id.");
    let id: i64 = checkin_id.parse().map_err(|_| not_found())?;
    let bundle = state.handoff.bundle(id).await?.ok_or_else(not_found)?;
    who.audit(&state.store, "view_fhir_bundle", Some(id)).await?;
    Ok(([(header::CONTENT_TYPE, "application/fhir+json")], bundle).into_response())
}
