//! The desk's side of pre-registration: a patient's link (to copy, or as a QR code to show or
//! print), withdrawing it, and the day's links as CSV for the clinic's own SMS or e-mail tool.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use arrive_domain::api::PreRegistrationLink;
use arrive_domain::ErrorBody;

use crate::auth::SignedIn;
use crate::csv_export::CsvExport;
use crate::error::ApiError;
use crate::pre_registration as links;
use crate::AppState;

// Alike by design: each handler is its route's OpenAPI description, extractors, store call, audit.

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_link, revoke_link))
        .routes(routes!(day_links))
}

fn no_such_visit() -> ApiError {
    ApiError::not_found("There is no appointment to pre-register with that id (or it is over).")
}

/// The appointment's link: the same one while it is good, a new one after it was withdrawn or
/// locked. Audited.
#[utoipa::path(post, path = "/appointments/{id}/pre-registration", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id.")),
    responses((status = 200, description = "The link and its QR code.", body = PreRegistrationLink),
        (status = 404, description = "No such appointment, or it is over or checked in.", body = ErrorBody)))]
async fn issue_link(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    // Taken as text so that a malformed path is our JSON 404, not axum's plain-text 400.
    Path(id): Path<String>,
) -> Result<Json<PreRegistrationLink>, ApiError> {
    let id: i64 = id.parse().map_err(|_| no_such_visit())?;
    let visit = state.store.pre_visit(id).await?.ok_or_else(no_such_visit)?;
    if visit.arrived || links::day_is_over(&visit, state.clinic_today()) {
        return Err(no_such_visit());
    }
    let version = state.store.issue_pre_registration(id, Utc::now()).await?;
    let token = links::link_token(&state.store, id, version).await?;
    let link = links::link_url(&state.link_base, &token);
    who.audit(&state.store, "issue_pre_registration_link", Some(id)).await?;
    Ok(Json(PreRegistrationLink {
        qr_svg: super::qr_svg(&link)?,
        link,
    }))
}

/// Withdraws the links given out for this appointment: they stop working at once.
#[utoipa::path(delete, path = "/appointments/{id}/pre-registration", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id.")),
    responses((status = 204, description = "Withdrawn."),
        (status = 404, description = "No link was given out for this appointment.", body = ErrorBody)))]
async fn revoke_link(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| no_such_visit())?;
    if !state.store.revoke_pre_registration(id, Utc::now()).await? {
        return Err(ApiError::not_found("No link was given out for this appointment."));
    }
    who.audit(&state.store, "revoke_pre_registration_link", Some(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Today's links, one row per appointment not yet checked in: time, name, phone, e-mail and
/// link, for the clinic's own messaging tool. Patient data: audited, never cached.
#[utoipa::path(get, path = "/pre-registrations.csv", tag = "desk",
    responses((status = 200, description = "CSV: starts_at, first_name, last_name, phone, email, link.", content_type = "text/csv", body = String)))]
async fn day_links(State(state): State<AppState>, Extension(who): Extension<SignedIn>) -> Result<Response, ApiError> {
    let day = links::today(state.clinic_today());
    let mut csv = CsvExport::new(&["starts_at", "first_name", "last_name", "phone", "email", "link"])?;
    for row in state.store.day_links(&day, Utc::now()).await? {
        let token = links::link_token(&state.store, row.appointment_id, row.version).await?;
        let link = links::link_url(&state.link_base, &token);
        csv.row([
            row.starts_at.as_str(),
            &row.first_name,
            &row.last_name,
            row.phone.as_deref().unwrap_or(""),
            row.email.as_deref().unwrap_or(""),
            &link,
        ])?;
    }
    let body = csv.finish()?;
    who.audit(&state.store, "export_pre_registration_links", None).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"pre-registration-links.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
