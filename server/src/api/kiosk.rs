//! What a lobby tablet may ask: who am I (identify), and I am here (check in).

use arrive_domain::api::{CheckInRequest, CheckInResponse, IdentifyRequest, IdentifyResponse, KioskAppointment};
use arrive_domain::matching::{match_appointment, Match};
use arrive_domain::name::validate_name;
use arrive_domain::{AppointmentStatus, DateOfBirth};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{Local, Utc};

use crate::error::{ApiError, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/identify", post(identify))
        .route("/check-in", post(check_in))
}

async fn identify(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<IdentifyRequest>,
) -> Result<Json<IdentifyResponse>, ApiError> {
    let today = Local::now().date_naive();
    let last_name = validate_name(&request.last_name).map_err(|e| ApiError::field("last_name", e.message()))?;
    let dob =
        DateOfBirth::parse(&request.date_of_birth, today).map_err(|e| ApiError::field("date_of_birth", e.message()))?;

    let candidates = state.store.candidates(today, dob).await?;
    let response = match match_appointment(&last_name, dob, &candidates) {
        Match::One(appointment_id) => {
            let view = state
                .store
                .kiosk_view(appointment_id)
                .await?
                .ok_or_else(ApiError::internal)?;
            let match_token = state.store.issue_match_token(appointment_id, Utc::now()).await?;
            IdentifyResponse::Found {
                appointment: KioskAppointment {
                    match_token,
                    first_name: view.first_name,
                    starts_at: view.starts_at,
                    provider: view.provider,
                    already_checked_in: view.status != AppointmentStatus::Scheduled,
                },
            }
        }
        Match::None => IdentifyResponse::NotFound,
        Match::Several => IdentifyResponse::Several,
    };
    let outcome = match &response {
        IdentifyResponse::Found { .. } => "found",
        IdentifyResponse::NotFound => "not_found",
        IdentifyResponse::Several => "several",
    };
    tracing::info!(outcome, "identify");
    Ok(Json(response))
}

async fn check_in(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CheckInRequest>,
) -> Result<Json<CheckInResponse>, ApiError> {
    let token = request.match_token.trim();
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::field("match_token", "The match token is not valid."));
    }
    let appointment_id = state
        .store
        .redeem_match_token(token, Utc::now())
        .await?
        .ok_or_else(|| ApiError::not_found("This match has expired. Please start again."))?;
    let check_in = state.store.check_in(appointment_id, Utc::now()).await?;
    if let Some(event_id) = check_in.event_id {
        if let Some(row) = state.store.desk_appointment(appointment_id).await? {
            state.events.publish((event_id, row));
        }
    }
    tracing::info!(appointment_id, already = check_in.already_checked_in, "check-in");
    Ok(Json(CheckInResponse {
        arrived_at: check_in.arrived_at,
        already_checked_in: check_in.already_checked_in,
    }))
}
