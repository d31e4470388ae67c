//! Pre-registration from home: the link's page asks the birth date first (`/unlock`, five wrong
//! ones lock the link), then the patient answers the same steps as at the kiosk with the match
//! token that answer gives (the kiosk's patient routes, mounted here without the tablet guard),
//! and `/finish` stores what they confirmed or changed and hands them their arrival pass.

use arrive_domain::api::{
    ArrivalPass, CheckInRequest, KioskAppointment, MatchTokenRequest, ProgressSave, Resume, UnlockRequest,
};
use arrive_domain::{DateOfBirth, ErrorBody, ErrorCode};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::kiosk::{matched_appointment, patient_routes};
use crate::error::{ApiError, ApiJson, StrictJson};
use crate::pre_registration as links;
use crate::store::{NewPass, PreFinish, ResumePoint};
use crate::AppState;

// Alike by design: each handler is its route's OpenAPI description, extractors, store call, audit.

/// The link's token and a date.
const UNLOCK_BODY_BYTES: usize = 1024;
/// As the kiosk's check-in (the same request).
const FINISH_BODY_BYTES: usize = 5 * 1024;
/// Typed fields and the answers of the forms sent so far (a full day's forms are ~6 KiB).
const PROGRESS_BODY_BYTES: usize = 32 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    patient_routes()
        .routes(routes!(unlock).layer(DefaultBodyLimit::max(UNLOCK_BODY_BYTES)))
        .routes(routes!(finish).layer(DefaultBodyLimit::max(FINISH_BODY_BYTES)))
        .routes(routes!(save_progress).layer(DefaultBodyLimit::max(PROGRESS_BODY_BYTES)))
        .routes(routes!(resume).layer(DefaultBodyLimit::max(UNLOCK_BODY_BYTES)))
}

/// One answer for every link that does not work (forged, withdrawn, replaced, out of date, or
/// already checked in), so a link says nothing about the appointment behind it.
fn link_gone() -> ApiError {
    ApiError::not_found("This link no longer works. Please call the clinic for a new one.")
}

fn locked() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        "This link is locked after too many tries. Please call the clinic.",
    )
}

/// The birth date, before anything about the appointment is shown.
#[utoipa::path(post, path = "/unlock", tag = "pre-registration", request_body = UnlockRequest,
    responses((status = 200, description = "The appointment, with a match token.", body = KioskAppointment),
        (status = 404, description = "The link does not work (any reason).", body = ErrorBody),
        (status = 422, description = "Not a date, or not the patient's birth date.", body = ErrorBody),
        (status = 429, description = "Locked after five wrong birth dates.", body = ErrorBody)))]
async fn unlock(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<UnlockRequest>,
) -> Result<Json<KioskAppointment>, ApiError> {
    let Some((appointment_id, version)) = links::verify_link(&state.store, &request.token).await? else {
        return Err(link_gone());
    };
    let link = state.store.link_state(appointment_id).await?.ok_or_else(link_gone)?;
    let visit = state.store.pre_visit(appointment_id).await?.ok_or_else(link_gone)?;
    if link.version != version || link.revoked || visit.arrived || links::day_is_over(&visit, state.clinic_today()) {
        return Err(link_gone());
    }
    if link.locked {
        return Err(locked());
    }
    let dob = DateOfBirth::parse(&request.date_of_birth, state.clinic_today())
        .map_err(|e| ApiError::field("date_of_birth", e.message()))?;
    if dob.to_string() != visit.date_of_birth {
        let now_locked = state.store.wrong_birth_date(appointment_id, Utc::now()).await?;
        tracing::info!(
            outcome = "wrong_birth_date",
            locked = now_locked,
            "pre-registration unlock"
        );
        if now_locked {
            tracing::warn!(appointment_id, "pre-registration link locked after wrong birth dates");
            return Err(locked());
        }
        return Err(ApiError::field(
            "date_of_birth",
            "That birth date does not match our records. Please check it and try again.",
        ));
    }
    let match_token = state.store.issue_match_token(appointment_id, Utc::now()).await?;
    tracing::info!(outcome = "unlocked", "pre-registration unlock");
    Ok(Json(visit.appointment(match_token)))
}

/// What the patient confirmed or changed at home (as a kiosk check-in carries it), stored and
/// applied now; answers with the pass that checks them in at the kiosk.
#[utoipa::path(post, path = "/finish", tag = "pre-registration", request_body = CheckInRequest,
    responses((status = 200, description = "Stored; the arrival pass.", body = ArrivalPass),
        (status = 404, description = "The match has expired.", body = ErrorBody),
        (status = 409, description = "The idempotency key was used for another visit (`conflict`), or sent again with different answers (`idempotency_key_reused`).", body = ErrorBody),
        (status = 422, description = "A field is not valid (named in `field`).", body = ErrorBody)))]
async fn finish(
    State(state): State<AppState>,
    StrictJson(request): StrictJson<CheckInRequest>,
) -> Result<Json<ArrivalPass>, ApiError> {
    let (key, checked) = crate::verification::checked_request(&request, &state.payers)?;
    let appointment_id = matched_appointment(&state, &request.match_token).await?;
    let visit = state
        .store
        .pre_visit(appointment_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let verified = checked.map(|verification| crate::verification::verified(key, verification, &state.payers));
    let day = links::day_of(&visit).to_owned();
    // A code is unique among the day's passes: draw again on the rare collision.
    for _ in 0..8 {
        let (token, token_hash, code) = links::new_pass();
        let finished = state
            .store
            .finish_pre_registration(
                appointment_id,
                verified.as_ref(),
                &NewPass {
                    token_hash: &token_hash,
                    code: &code,
                    day: &day,
                },
                Utc::now(),
            )
            .await?;
        if let PreFinish::KeyRefused(refused) = finished {
            return Err(crate::verification::key_refused(refused));
        }
        if finished == PreFinish::Done {
            tracing::info!(appointment_id, "pre-registration finished");
            return Ok(Json(ArrivalPass {
                qr_svg: super::qr_svg(&token)?,
                token,
                code,
                valid_on: day,
            }));
        }
    }
    Err(ApiError::internal())
}

/// Keeps where the patient is, so they can stop and carry on later from their link.
#[utoipa::path(put, path = "/progress", tag = "pre-registration", request_body = ProgressSave,
    responses((status = 204, description = "Kept until they finish."),
        (status = 404, description = "The match has expired.", body = ErrorBody),
        (status = 422, description = "More than the kiosk could have said, or a form this clinic does not have.", body = ErrorBody)))]
async fn save_progress(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ProgressSave>,
) -> Result<StatusCode, ApiError> {
    let progress = &request.progress;
    if !progress.within_limits() {
        return Err(ApiError::field(
            "progress",
            "This is more than a pre-registration holds.",
        ));
    }
    if progress.forms.iter().any(|f| state.forms.get(&f.id).is_none()) {
        return Err(ApiError::field("progress.forms", "There is no such form."));
    }
    let appointment_id = matched_appointment(&state, &request.match_token).await?;
    let body = serde_json::to_string(progress).map_err(|_| ApiError::internal())?;
    state.store.save_progress(appointment_id, &body, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where the patient left off, after the birth date has unlocked the link again.
#[utoipa::path(post, path = "/resume", tag = "pre-registration", request_body = MatchTokenRequest,
    responses((status = 200, description = "What was saved, or nothing.", body = Resume),
        (status = 404, description = "The match has expired.", body = ErrorBody)))]
async fn resume(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<MatchTokenRequest>,
) -> Result<Json<Resume>, ApiError> {
    let appointment_id = matched_appointment(&state, &request.match_token).await?;
    let ResumePoint { saved, finished } = state.store.resume_point(appointment_id).await?;
    // A row this server wrote from a checked `SavedProgress`; one it cannot read is as none.
    let progress = saved.and_then(|body| serde_json::from_str(&body).ok());
    Ok(Json(Resume { progress, finished }))
}
