//! What a lobby tablet may ask: who am I (identify), what is on file (masked), and I am here
//! (check in, with what the patient confirmed or changed).

use arrive_domain::api::{
    CardImageUpload, CheckInRequest, CheckInResponse, ConsentDocument, ConsentList, ConsentSignature, FormList,
    FormSubmission, HelpRequest, IdentifyRequest, IdentifyResponse, KioskAppointment, MatchTokenRequest, PassMatch,
    PassRequest,
};
use arrive_domain::consent::{validate_signature, SignatureError};
use arrive_domain::matching::{match_appointment, Match};
use arrive_domain::name::validate_name;
use arrive_domain::pass;
use arrive_domain::questionnaire::{self, phq, Questionnaire};
use arrive_domain::verification::{Payer, RecordOnFile};
use arrive_domain::{AppointmentStatus, DateOfBirth, ErrorBody, ErrorCode};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::Utc;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::auth::{Client, KioskTablet};
use crate::error::{ApiError, ApiJson, StrictJson};
use crate::store::{HelpOutcome, MatchedCheckIn};
use crate::{forms, AppState};

// Alike by design: each handler is its route's OpenAPI description, extractors, store call, audit.

/// Bodies of the small kiosk calls (a name and a date, a token): anything bigger is not ours.
const SMALL_BODY_BYTES: usize = 4 * 1024;
/// A signature: its path data (`consent::MAX_PATH_LEN`) and a few fields.
const SIGNATURE_BODY_BYTES: usize = 32 * 1024;
/// A check-in with its verification: the largest valid one (every group changed, two coverages
/// held by someone else, every field at its longest in a 3-byte script) is 2.3 KiB, 3.3 KiB with
/// every non-ASCII character escaped.
const CHECK_IN_BODY_BYTES: usize = 5 * 1024;
/// A card photo: 300 KiB of JPEG is 400 KiB of base64, plus the token and field names.
const CARD_IMAGE_BODY_BYTES: usize = 420 * 1024;

/// Each route takes at most the body it needs; form responses get the API-wide limit.
pub fn router() -> OpenApiRouter<AppState> {
    let small = || DefaultBodyLimit::max(SMALL_BODY_BYTES);
    patient_routes()
        .routes(routes!(identify).layer(small()))
        .routes(routes!(redeem_pass).layer(small()))
        .routes(routes!(check_in).layer(DefaultBodyLimit::max(CHECK_IN_BODY_BYTES)))
        .routes(routes!(ask_for_help).layer(small()))
}

/// The routes a patient's match token is enough for: at the kiosk, and at home after the
/// pre-registration link's birth-date check (api/pre.rs).
pub fn patient_routes() -> OpenApiRouter<AppState> {
    let small = || DefaultBodyLimit::max(SMALL_BODY_BYTES);
    OpenApiRouter::new()
        .routes(routes!(record_on_file).layer(small()))
        .routes(routes!(payers))
        .routes(routes!(upload_card_image).layer(DefaultBodyLimit::max(CARD_IMAGE_BODY_BYTES)))
        .routes(routes!(list_forms))
        .routes(routes!(forms_for_visit).layer(small()))
        .routes(routes!(get_form))
        .routes(routes!(submit_form))
        .routes(routes!(pending_consents).layer(small()))
        .routes(routes!(sign_consent).layer(DefaultBodyLimit::max(SIGNATURE_BODY_BYTES)))
}

/// The appointment a kiosk request is about, from its match token.
pub async fn matched_appointment(state: &AppState, token: &str) -> Result<i64, ApiError> {
    state
        .store
        .redeem_match_token(well_formed_token(token)?, Utc::now())
        .await?
        .ok_or_else(match_expired)
}

/// A match token as issued: 32 hex digits.
fn well_formed_token(token: &str) -> Result<&str, ApiError> {
    let token = token.trim();
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::field("match_token", "The match token is not valid."));
    }
    Ok(token)
}

fn match_expired() -> ApiError {
    ApiError::not_found("This match has expired. Please start again.")
}

/// Every form the clinic has (no patient data: for setting up and checking a clinic's forms).
#[utoipa::path(get, path = "/forms", tag = "kiosk",
    responses((status = 200, description = "Every form of the clinic.", body = FormList)))]
async fn list_forms(State(state): State<AppState>) -> Json<FormList> {
    Json(state.forms.list())
}

/// The forms this patient's visit asks, in order (a POST: the token stays out of URLs): what
/// the clinic's re-ask rules leave for a returning patient, a pre-filled form with their last
/// answers.
#[utoipa::path(post, path = "/forms/for-visit", tag = "kiosk", request_body = MatchTokenRequest,
    responses((status = 200, description = "The forms this visit asks, in order.", body = FormList),
        (status = 404, description = "The match has expired.", body = ErrorBody)))]
async fn forms_for_visit(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<MatchTokenRequest>,
) -> Result<Json<FormList>, ApiError> {
    let appointment_id = matched_appointment(&state, &request.match_token).await?;
    let progress = state.store.form_progress(appointment_id).await?;
    let earlier = state.store.earlier_answers(appointment_id).await?;
    Ok(Json(state.forms.list_due(&progress, &earlier)))
}

#[utoipa::path(get, path = "/forms/{form_id}", tag = "kiosk",
    params(("form_id" = String, Path, description = "The Questionnaire's id.")),
    responses((status = 200, description = "The form, as a FHIR R4 Questionnaire.", body = Questionnaire),
        (status = 404, description = "No such form.", body = ErrorBody)))]
async fn get_form(State(state): State<AppState>, Path(form_id): Path<String>) -> Result<Json<Questionnaire>, ApiError> {
    let form = state
        .forms
        .get(&form_id)
        .ok_or_else(|| ApiError::not_found("There is no such form."))?;
    Ok(Json(form.clone()))
}

/// Checks a completed form with the same engine the kiosk uses, scores it, and keeps it.
/// The scores are for staff: the answer to the kiosk says only that the form was received.
#[utoipa::path(post, path = "/forms/{form_id}/responses", tag = "kiosk", request_body = FormSubmission,
    params(("form_id" = String, Path, description = "The Questionnaire's id.")),
    responses((status = 204, description = "Received (scores are for staff only)."),
        (status = 404, description = "No such form, or the match has expired.", body = ErrorBody),
        (status = 422, description = "The response does not validate against the form.", body = ErrorBody)))]
async fn submit_form(
    State(state): State<AppState>,
    Path(form_id): Path<String>,
    ApiJson(submission): ApiJson<FormSubmission>,
) -> Result<StatusCode, ApiError> {
    let form = state
        .forms
        .get(&form_id)
        .ok_or_else(|| ApiError::not_found("There is no such form."))?;
    let appointment_id = matched_appointment(&state, &submission.match_token).await?;
    let visit_type = state.store.visit_type(appointment_id).await?;
    if !state.forms.for_visit(&visit_type).iter().any(|f| f.id == form.id) {
        return Err(ApiError::field("form", "This visit does not ask this form."));
    }
    if let Err(problems) = questionnaire::validate(form, &submission.response) {
        let message = problems.iter().map(|p| p.message()).collect::<Vec<_>>().join("; ");
        let field = problems.iter().find_map(|p| p.field()).unwrap_or("response").to_owned();
        return Err(ApiError::field(&field, &message));
    }
    if forms::is_phq9(form) {
        let phq2 = state.store.phq2_total(appointment_id).await?;
        if !phq2.is_some_and(phq::phq9_needed) {
            return Err(ApiError::field(
                "phq-9",
                "The PHQ-9 is asked only after a PHQ-2 score of 3 or more.",
            ));
        }
    }
    let scores = forms::score(form, &submission.response);
    let json = serde_json::to_string(&submission.response).map_err(|_| ApiError::internal())?;
    let urgent_event = state
        .store
        .save_response(appointment_id, form, &json, &scores, Utc::now())
        .await?;
    if let Some(event_id) = urgent_event {
        state.publish_appointment(appointment_id, event_id).await?;
        tracing::warn!(appointment_id, form = %form.id, "urgent answer: desk flagged");
    }
    tracing::info!(appointment_id, form = %form.id, "form received");
    Ok(StatusCode::NO_CONTENT)
}

/// Finds today's appointment for a last name and a date of birth.
#[utoipa::path(post, path = "/identify", tag = "kiosk", request_body = IdentifyRequest,
    responses((status = 200, description = "Found (with a match token), not found, or several.", body = IdentifyResponse),
        (status = 422, description = "The name or the date is not valid.", body = ErrorBody),
        (status = 429, description = "Too many misses from this tablet or address.", body = ErrorBody)))]
async fn identify(
    State(state): State<AppState>,
    Extension(tablet): Extension<KioskTablet>,
    Client(address): Client,
    ApiJson(request): ApiJson<IdentifyRequest>,
) -> Result<Json<IdentifyResponse>, ApiError> {
    not_locked_out(&state, &tablet, &address).await?;
    let today = state.clinic_today();
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
    metrics::counter!("arrive_identify_total", "outcome" => outcome).increment(1);
    if !matches!(response, IdentifyResponse::Found { .. }) {
        count_miss(&state, &tablet, &address, "identify").await?;
    }
    Ok(Json(response))
}

/// Identification and pass codes share one budget of misses per tablet and per address:
/// neither can be used to try patients (or codes) one after another.
async fn not_locked_out(state: &AppState, tablet: &KioskTablet, address: &str) -> Result<(), ApiError> {
    let throttle = &state.identify_throttle;
    if throttle
        .locked_out(&state.store, tablet.id, address, Utc::now())
        .await?
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "Too many tries on this tablet. Please see the front desk.",
        ));
    }
    Ok(())
}

async fn count_miss(state: &AppState, tablet: &KioskTablet, address: &str, what: &'static str) -> Result<(), ApiError> {
    let throttle = &state.identify_throttle;
    let (kiosk_locked, address_locked) = throttle
        .record_miss(&state.store, tablet.id, address, Utc::now())
        .await?;
    if kiosk_locked || address_locked {
        tracing::warn!(
            kiosk = tablet.id,
            kiosk_locked,
            address_locked,
            what,
            "locked out after repeated misses"
        );
    }
    Ok(())
}

/// "I have a check-in pass": the code typed (or the QR code's token, from a scanner or the
/// camera) → the appointment, with a match token, and what is left to do.
#[utoipa::path(post, path = "/pass", tag = "kiosk", request_body = PassRequest,
    responses((status = 200, description = "The pass's appointment.", body = PassMatch),
        (status = 404, description = "No such pass today (or already used).", body = ErrorBody),
        (status = 409, description = "Too early or too late for this appointment.", body = ErrorBody),
        (status = 429, description = "Too many misses from this tablet or address.", body = ErrorBody)))]
async fn redeem_pass(
    State(state): State<AppState>,
    Extension(tablet): Extension<KioskTablet>,
    Client(address): Client,
    ApiJson(request): ApiJson<PassRequest>,
) -> Result<Json<PassMatch>, ApiError> {
    not_locked_out(&state, &tablet, &address).await?;
    let typed = request.pass.trim();
    let key = match pass::normalize_code(typed) {
        Some(code) => code,
        None if typed.len() == 32 && typed.bytes().all(|b| b.is_ascii_hexdigit()) => {
            crate::auth::token_hash(&typed.to_ascii_lowercase())
        }
        None => return Err(ApiError::field("pass", "A check-in code has 6 letters and digits.")),
    };
    let found = match state
        .store
        .pass_holder(&key, &crate::pre_registration::today(state.clinic_today()))
        .await?
    {
        Some(id) => state.store.pre_visit(id).await?.map(|visit| (id, visit)),
        None => None,
    };
    let Some((appointment_id, visit)) = found else {
        count_miss(&state, &tablet, &address, "pass").await?;
        tracing::info!(outcome = "not_found", "pass");
        return Err(ApiError::not_found(
            "We could not find that pass for today. Please check the code, or see the front desk.",
        ));
    };
    if !visit.arrived {
        let starts_at = crate::pre_registration::starts_at(&visit).ok_or_else(ApiError::internal)?;
        if let Err(outside) = state.arrival_window.admits(starts_at, state.clinic_now()) {
            tracing::info!(outcome = ?outside, "pass");
            let message = match outside {
                pass::OutsideWindow::TooEarly => {
                    "It is too early to check in for this appointment. Please see the front desk."
                }
                pass::OutsideWindow::TooLate => {
                    "This appointment's check-in time has passed. Please see the front desk."
                }
            };
            return Err(ApiError::conflict(message));
        }
    }
    let forms_missing = forms_missing(&state, appointment_id).await?;
    let consents_missing = !unsigned_consents(&state, appointment_id).await?.is_empty();
    let match_token = state.store.issue_match_token(appointment_id, Utc::now()).await?;
    tracing::info!(outcome = "found", "pass");
    Ok(Json(PassMatch {
        appointment: visit.appointment(match_token),
        forms_missing,
        consents_missing,
    }))
}

/// Whether a form the visit asks is still unanswered (or PHQ-9 after a positive PHQ-2).
async fn forms_missing(state: &AppState, appointment_id: i64) -> Result<bool, ApiError> {
    let progress = state.store.form_progress(appointment_id).await?;
    Ok(!state.forms.missing(&progress).is_empty())
}

/// The clinic's consents this visit has not signed in their current wording.
async fn unsigned_consents(state: &AppState, appointment_id: i64) -> Result<Vec<ConsentDocument>, ApiError> {
    let signed = state.store.signed_consents(appointment_id).await?;
    Ok(state
        .consents
        .all()
        .iter()
        .filter(|c| !signed.iter().any(|s| s.consent_id == c.id && s.version == c.version))
        .cloned()
        .collect())
}

/// "I am here", with what the patient confirmed or changed; idempotent.
#[utoipa::path(post, path = "/check-in", tag = "kiosk", request_body = CheckInRequest,
    responses((status = 200, description = "Checked in (or already was).", body = CheckInResponse),
        (status = 404, description = "The match has expired.", body = ErrorBody),
        (status = 409, description = "The idempotency key was used for another check-in (`conflict`), or sent again with a different request (`idempotency_key_reused`).", body = ErrorBody),
        (status = 422, description = "The verification does not validate.", body = ErrorBody)))]
async fn check_in(
    State(state): State<AppState>,
    // Strict: a verification's "same" answers must refuse extra keys too.
    StrictJson(request): StrictJson<CheckInRequest>,
) -> Result<Json<CheckInResponse>, ApiError> {
    // What the request says is checked before anything is stored or looked up.
    let (key, verified) = crate::verification::checked_request(&request, &state.payers)?;
    // Looked up only: the check-in's own transaction redeems the token (one write, not two).
    let token = well_formed_token(&request.match_token)?;
    let matched = state
        .store
        .matched_visit(token, Utc::now())
        .await?
        .ok_or_else(match_expired)?;
    let appointment_id = matched.appointment_id;
    let forms_incomplete = !state.forms.missing(&matched.forms).is_empty();
    let ask_payer = crate::eligibility::ask_after_check_in(
        verified.as_ref().map(|v| &v.insurance),
        matched.coverage_on_file,
        matched.payer_answered,
    );
    let with_verification = verified.is_some();
    let verified = verified.map(|verification| crate::verification::verified(key, verification, &state.payers));
    let check_in = match state
        .store
        .check_in_matched(token, appointment_id, forms_incomplete, verified, Utc::now())
        .await?
    {
        MatchedCheckIn::Done(check_in) => check_in,
        MatchedCheckIn::Expired => return Err(match_expired()),
        MatchedCheckIn::KeyUsedElsewhere => return Err(crate::verification::key_used_elsewhere()),
        MatchedCheckIn::KeyUsedForOtherRequest => return Err(crate::verification::key_reused()),
    };
    let arrived = check_in.event_id.is_some();
    if let Some(event_id) = check_in.event_id {
        state.publish_appointment(appointment_id, event_id).await?;
    }
    tracing::info!(
        appointment_id,
        already = check_in.already_checked_in,
        verified = with_verification && arrived,
        "check-in"
    );
    if arrived {
        metrics::counter!("arrive_check_ins_total").increment(1);
        // The outbox builds the Bundle at once and keeps it; without an EHR to deliver to, the
        // first read builds and keeps it (from what the check-in stored, which does not change).
        state.outbox_wake.notify_one();
        if ask_payer {
            // The payer's answer is for the desk; the patient does not wait for it. Asked after
            // the commit, so new insurance given with the check-in is what the payer is asked about.
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(error) = crate::eligibility::check_and_publish(&state, appointment_id).await {
                    tracing::warn!(%error, "eligibility: not recorded");
                }
            });
        }
    }
    Ok(Json(CheckInResponse {
        arrived_at: check_in.arrived_at,
        already_checked_in: check_in.already_checked_in,
    }))
}

/// What is on file for the matched patient, masked for the lobby, with today's expected
/// co-pay and any prior balance. The kiosk shows it before the patient confirms or replaces it.
#[utoipa::path(post, path = "/record", tag = "kiosk", request_body = MatchTokenRequest,
    responses((status = 200, description = "The record on file, masked.", body = RecordOnFile),
        (status = 404, description = "The match has expired.", body = ErrorBody)))]
async fn record_on_file(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<MatchTokenRequest>,
) -> Result<Json<RecordOnFile>, ApiError> {
    let appointment_id = matched_appointment(&state, &request.match_token).await?;
    if state.store.eligibility(appointment_id).await?.is_none() {
        // The co-pay comes from the payer: ask now, once per visit (the sandbox answers at once).
        crate::eligibility::check_and_publish(&state, appointment_id).await?;
    }
    let visit = state
        .store
        .visit_on_file(appointment_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let eligibility = state.store.eligibility(appointment_id).await?;
    Ok(Json(crate::verification::record_on_file(&visit, eligibility.as_ref())))
}

/// The payers a patient may pick when their insurance changed (no patient data).
#[utoipa::path(get, path = "/payers", tag = "kiosk",
    responses((status = 200, description = "The payers the kiosk offers.", body = Vec<Payer>)))]
async fn payers(State(state): State<AppState>) -> Json<Vec<Payer>> {
    Json(state.payers.as_ref().clone())
}

/// A photo of an insurance card for the matched visit; staff read it from the desk.
#[utoipa::path(post, path = "/card-images", tag = "kiosk", request_body = CardImageUpload,
    responses((status = 204, description = "Stored."),
        (status = 404, description = "The match has expired.", body = ErrorBody),
        (status = 422, description = "Not a JPEG of at most 300 KiB, or a bad rank.", body = ErrorBody)))]
async fn upload_card_image(
    State(state): State<AppState>,
    ApiJson(upload): ApiJson<CardImageUpload>,
) -> Result<StatusCode, ApiError> {
    if !(1..=2).contains(&upload.rank) {
        return Err(ApiError::field(
            "rank",
            "The card's rank must be 1 (primary) or 2 (secondary).",
        ));
    }
    let jpeg = crate::verification::decode_jpeg(&upload.jpeg_base64)?;
    let appointment_id = matched_appointment(&state, &upload.match_token).await?;
    state
        .store
        .save_card_image(appointment_id, upload.rank, upload.side, &jpeg, Utc::now())
        .await?;
    tracing::info!(
        appointment_id,
        rank = upload.rank,
        side = upload.side.as_str(),
        "card image received"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// The consents this patient still has to sign: those never signed in their current wording.
#[utoipa::path(post, path = "/consents/pending", tag = "kiosk", request_body = MatchTokenRequest,
    responses((status = 200, description = "The consents still to sign.", body = ConsentList),
        (status = 404, description = "The match has expired.", body = ErrorBody)))]
async fn pending_consents(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<MatchTokenRequest>,
) -> Result<Json<ConsentList>, ApiError> {
    let appointment_id = matched_appointment(&state, &request.match_token).await?;
    let consents = unsigned_consents(&state, appointment_id).await?;
    Ok(Json(ConsentList { consents }))
}

/// A signature for one consent's exact text version.
#[utoipa::path(post, path = "/consents/{consent_id}/signatures", tag = "kiosk", request_body = ConsentSignature,
    params(("consent_id" = String, Path, description = "The consent's id.")),
    responses((status = 204, description = "Stored."),
        (status = 404, description = "No such consent, or the match has expired.", body = ErrorBody),
        (status = 409, description = "The text has changed since it was shown.", body = ErrorBody),
        (status = 422, description = "The name, language or signature is not valid.", body = ErrorBody)))]
async fn sign_consent(
    State(state): State<AppState>,
    Path(consent_id): Path<String>,
    ApiJson(signature): ApiJson<ConsentSignature>,
) -> Result<StatusCode, ApiError> {
    let consent = state
        .consents
        .get(&consent_id)
        .ok_or_else(|| ApiError::not_found("There is no such consent."))?;
    let appointment_id = matched_appointment(&state, &signature.match_token).await?;
    if signature.version != consent.version {
        return Err(ApiError::conflict(
            "The consent's text has changed since it was shown. Show it again.",
        ));
    }
    let typed_name = validate_name(&signature.typed_name).map_err(|_| {
        ApiError::field(
            "typed_name",
            "Type the name with letters, spaces, hyphens or apostrophes.",
        )
    })?;
    if !matches!(signature.language.as_str(), "en" | "es") {
        return Err(ApiError::field("language", "The language must be en or es."));
    }
    match (
        signature.signed_by_typing,
        validate_signature(&signature.signature_path),
    ) {
        (true, Err(SignatureError::Missing)) | (false, Ok(())) => {}
        (true, _) => {
            return Err(ApiError::field(
                "signature_path",
                "A signature by typed name carries no drawing.",
            ))
        }
        (false, Err(_)) => {
            return Err(ApiError::field(
                "signature_path",
                "The signature is missing or is not path data from the signature pad.",
            ))
        }
    }
    state
        .store
        .save_signature(appointment_id, &consent.id, &signature, &typed_name, Utc::now())
        .await?;
    tracing::info!(appointment_id, consent = %consent.id, "consent signed");
    Ok(StatusCode::NO_CONTENT)
}

/// Help requests a tablet may make in `HELP_WINDOW` (each one acknowledged before the next):
/// more is a stuck button or a game, not a patient, and every request chimes on every board.
const HELP_MOST: i64 = 4;
const HELP_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

/// The answer to "I need help".
#[derive(serde::Serialize, utoipa::ToSchema)]
struct HelpAnswer {
    /// The tablet's earlier request is still open: the desk has been told, nothing new was sent.
    already_open: bool,
}

/// "I need help": every board shows which tablet and at which step, with a sound. While the
/// tablet's request is open, asking again changes nothing on the boards.
#[utoipa::path(post, path = "/help", tag = "kiosk", request_body = HelpRequest,
    responses((status = 201, description = "Every board shows the request.", body = HelpAnswer),
        (status = 200, description = "This tablet's request is still open: the desk has been told.", body = HelpAnswer),
        (status = 429, description = "This tablet asked too often lately (see Retry-After).", body = ErrorBody)))]
async fn ask_for_help(
    State(state): State<AppState>,
    Extension(tablet): Extension<KioskTablet>,
    ApiJson(request): ApiJson<HelpRequest>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let limit = (HELP_MOST, HELP_WINDOW);
    match state
        .store
        .request_help(tablet.id, (request.step, request.cannot_speak), limit, Utc::now())
        .await?
    {
        HelpOutcome::New(help) => {
            state.events.publish_help(help).await;
            tracing::info!(kiosk = tablet.id, "help requested");
            Ok((StatusCode::CREATED, Json(HelpAnswer { already_open: false })).into_response())
        }
        HelpOutcome::AlreadyOpen(_) => Ok(Json(HelpAnswer { already_open: true }).into_response()),
        HelpOutcome::TooMany { retry_after } => {
            tracing::warn!(kiosk = tablet.id, "help requests refused: too many");
            Ok(crate::rate_limit::too_many_requests(
                "This tablet has asked for help many times. Please see the front desk.",
                retry_after,
            ))
        }
    }
}
