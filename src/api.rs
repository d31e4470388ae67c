//! Calls to the server's `/api/v1`. Same origin: the server serves this app.

use std::cell::Cell;

use arrive_domain::api::{
    ArrivalPass, CardImageUpload, CheckInRequest, CheckInResponse, ConsentList, ConsentSignature, DeskDay, DeskDetail,
    DeskMetrics, EligibilityExchange, FormList, FormSubmission, HelpRequest, IdentifyRequest, IdentifyResponse,
    KioskAppointment, LoginRequest, MatchTokenRequest, PassMatch, PassRequest, PreRegistrationLink, ProgressSave,
    Resume, StaffSession, UnlockRequest,
};
use arrive_domain::questionnaire::Questionnaire;
use arrive_domain::verification::{Payer, RecordOnFile};
use arrive_domain::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// Where the patient's routes (record, payers, forms, consents, card photos) are: the
    /// kiosk's, or the same handlers for a patient at home behind their link.
    static PATIENT_ROUTES: Cell<&'static str> = const { Cell::new("/api/v1/kiosk") };
}

/// From now on the patient's routes are those of pre-registration from home.
pub fn use_home_routes() {
    PATIENT_ROUTES.with(|base| base.set("/api/v1/pre"));
}

/// `tail` under the patient's routes.
fn patient(tail: &str) -> String {
    format!("{}/{tail}", PATIENT_ROUTES.with(Cell::get))
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server could not be reached, or answered with something that is not our API.
    Network,
    /// The server refused the request and said why.
    Refused { code: ErrorCode, field: Option<String> },
}

/// One round trip with the browser's fetch: the status and the body as text. Deliberately not
/// generic (the typed wrappers below only decode), which keeps the wasm small.
/// A request body and its media type.
type Body = (String, &'static str);

async fn send(method: &str, path: &str, body: Option<Body>, csrf: Option<&str>) -> Result<(u16, String), ApiFailure> {
    let failed = |_| ApiFailure::Network;
    let headers = web_sys::Headers::new().map_err(failed)?;
    headers.set("Accept", "application/json").map_err(failed)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some((body, content_type)) = body {
        headers.set("Content-Type", content_type).map_err(failed)?;
        init.set_body(&JsValue::from_str(&body));
    }
    if path.starts_with("/api/v1/kiosk/") {
        if let Some(token) = crate::device::token() {
            headers.set("X-Kiosk-Token", &token).map_err(failed)?;
        }
    }
    if let Some(csrf) = csrf {
        headers.set("X-CSRF-Token", csrf).map_err(failed)?;
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(failed)?;
    let window = web_sys::window().ok_or(ApiFailure::Network)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    let text = JsFuture::from(response.text().map_err(failed)?).await.map_err(failed)?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}

/// A 2xx body as `T`, or the server's `{ "error": … }` as a refusal.
fn decode<T: DeserializeOwned>((status, text): (u16, String)) -> Result<T, ApiFailure> {
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|_| ApiFailure::Network);
    }
    Err(refusal(&text))
}

fn refusal(text: &str) -> ApiFailure {
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(body) => ApiFailure::Refused {
            code: body.error.code,
            field: body.error.field,
        },
        Err(_) => ApiFailure::Network,
    }
}

fn to_json<B: Serialize>(body: &B) -> Result<Body, ApiFailure> {
    serde_json::to_string(body)
        .map(|text| (text, "application/json"))
        .map_err(|_| ApiFailure::Network)
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiFailure> {
    decode(send("POST", path, Some(to_json(body)?), None).await?)
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    decode(send("GET", path, None, None).await?)
}

/// A POST whose success is `204 No Content`.
async fn post_no_content<B: Serialize>(path: &str, body: &B) -> Result<(), ApiFailure> {
    no_content(send("POST", path, Some(to_json(body)?), None).await?)
}

/// A staff request with a body, carrying the session's CSRF token.
async fn staff_post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B, csrf: &str) -> Result<T, ApiFailure> {
    decode(send("POST", path, Some(to_json(body)?), Some(csrf)).await?)
}

/// A staff action: a POST carrying the session's CSRF token, answered `204 No Content`.
async fn staff_action(path: &str, csrf: &str) -> Result<(), ApiFailure> {
    no_content(send("POST", path, Some(("{}".to_owned(), "application/json")), Some(csrf)).await?)
}

fn no_content((status, text): (u16, String)) -> Result<(), ApiFailure> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(refusal(&text))
    }
}

pub async fn identify(request: &IdentifyRequest) -> Result<IdentifyResponse, ApiFailure> {
    post("/api/v1/kiosk/identify", request).await
}

pub async fn redeem_pass(request: &PassRequest) -> Result<PassMatch, ApiFailure> {
    post("/api/v1/kiosk/pass", request).await
}

pub async fn check_in(request: &CheckInRequest) -> Result<CheckInResponse, ApiFailure> {
    post("/api/v1/kiosk/check-in", request).await
}

/// The matched patient's contact details and coverage on file, masked for the lobby.
pub async fn record_on_file(request: &MatchTokenRequest) -> Result<RecordOnFile, ApiFailure> {
    post(&patient("record"), request).await
}

/// The payers a patient may choose when their insurance changed.
pub async fn payers() -> Result<Vec<Payer>, ApiFailure> {
    get(&patient("payers")).await
}

/// The forms this visit asks, in order.
pub async fn forms_for_visit(request: &MatchTokenRequest) -> Result<FormList, ApiFailure> {
    post(&patient("forms/for-visit"), request).await
}

pub async fn form(id: &str) -> Result<Questionnaire, ApiFailure> {
    // Form ids are the clinic's file names, not patient data: fine in a path.
    get(&patient(&format!("forms/{id}"))).await
}

pub async fn submit_form(form_id: &str, submission: &FormSubmission) -> Result<(), ApiFailure> {
    post_no_content(&patient(&format!("forms/{form_id}/responses")), submission).await
}

pub async fn upload_card_image(upload: &CardImageUpload) -> Result<(), ApiFailure> {
    post_no_content(&patient("card-images"), upload).await
}

pub async fn ask_for_help(request: &HelpRequest) -> Result<(), ApiFailure> {
    post_no_content("/api/v1/kiosk/help", request).await
}

pub async fn pending_consents(request: &MatchTokenRequest) -> Result<ConsentList, ApiFailure> {
    post(&patient("consents/pending"), request).await
}

pub async fn sign_consent(consent_id: &str, signature: &ConsentSignature) -> Result<(), ApiFailure> {
    post_no_content(&patient(&format!("consents/{consent_id}/signatures")), signature).await
}

/// At home: the link's token and the birth date open the appointment.
pub async fn unlock(request: &UnlockRequest) -> Result<KioskAppointment, ApiFailure> {
    post("/api/v1/pre/unlock", request).await
}

/// At home: what the patient confirmed or changed is stored; the answer is their pass.
pub async fn finish_at_home(request: &CheckInRequest) -> Result<ArrivalPass, ApiFailure> {
    post("/api/v1/pre/finish", request).await
}

/// At home: where the patient is, kept on the server so they can carry on later.
pub async fn save_progress(request: &ProgressSave) -> Result<(), ApiFailure> {
    no_content(send("PUT", "/api/v1/pre/progress", Some(to_json(request)?), None).await?)
}

pub async fn resume(request: &MatchTokenRequest) -> Result<Resume, ApiFailure> {
    post("/api/v1/pre/resume", request).await
}

pub async fn login(request: &LoginRequest) -> Result<StaffSession, ApiFailure> {
    post("/api/v1/auth/login", request).await
}

/// Who is signed in on this browser, if anyone.
pub async fn staff_session() -> Result<StaffSession, ApiFailure> {
    get("/api/v1/auth/session").await
}

pub async fn change_password(current: &str, new: &str, csrf: &str) -> Result<(), ApiFailure> {
    let body = serde_json::json!({ "current_password": current, "new_password": new });
    no_content(send("POST", "/api/v1/auth/password", Some(to_json(&body)?), Some(csrf)).await?)
}

pub async fn logout(csrf: &str) -> Result<(), ApiFailure> {
    staff_action("/api/v1/auth/logout", csrf).await
}

/// One appointment in full, its questions and titles in `lang` ("en" or "es": not patient data).
pub async fn desk_detail(appointment_id: i64, lang: &str) -> Result<DeskDetail, ApiFailure> {
    get(&format!("/api/v1/desk/appointments/{appointment_id}?lang={lang}")).await
}

/// The X12 270s sent for one appointment and the 271s that came back (the server audits it).
pub async fn eligibility_exchanges(appointment_id: i64) -> Result<Vec<EligibilityExchange>, ApiFailure> {
    get(&format!(
        "/api/v1/desk/appointments/{appointment_id}/eligibility/exchanges"
    ))
    .await
}

/// A staff action on one appointment: "acknowledge", "roomed", "no-show" or "undo-check-in".
pub async fn acknowledge_help(help_id: i64, csrf: &str) -> Result<(), ApiFailure> {
    staff_action(&format!("/api/v1/desk/help/{help_id}/acknowledge"), csrf).await
}

pub async fn appointment_action(appointment_id: i64, action: &str, csrf: &str) -> Result<(), ApiFailure> {
    staff_action(&format!("/api/v1/desk/appointments/{appointment_id}/{action}"), csrf).await
}

/// An enrolled kiosk tablet, as admins see it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct KioskTablet {
    pub id: i64,
    pub name: String,
    pub revoked_at: Option<String>,
}

/// A tablet just enrolled: the link (and its QR code, SVG) to open on it, shown once.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct KioskEnrollment {
    pub id: i64,
    pub name: String,
    pub link: String,
    pub qr_svg: String,
}

pub async fn kiosk_tablets() -> Result<Vec<KioskTablet>, ApiFailure> {
    get("/api/v1/admin/kiosks").await
}

pub async fn enroll_kiosk(name: &str, csrf: &str) -> Result<KioskEnrollment, ApiFailure> {
    staff_post("/api/v1/admin/kiosks", &serde_json::json!({ "name": name }), csrf).await
}

pub async fn revoke_kiosk(id: i64, csrf: &str) -> Result<(), ApiFailure> {
    staff_action(&format!("/api/v1/admin/kiosks/{id}/revoke"), csrf).await
}

pub async fn desk_metrics() -> Result<DeskMetrics, ApiFailure> {
    get("/api/v1/desk/metrics").await
}

/// What a schedule import did: counts, and refused rows by line.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ImportReport {
    pub inserted: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub errors: Vec<ImportRowError>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ImportRowError {
    /// CSV line, or (FHIR Bundle) entry number.
    pub line: Option<u64>,
    pub entry: Option<u64>,
    pub reason: String,
}

/// `content_type`: `text/csv` or `application/fhir+json`.
pub async fn import_schedule(text: String, content_type: &'static str, csrf: &str) -> Result<ImportReport, ApiFailure> {
    decode(send("POST", "/api/v1/admin/schedule", Some((text, content_type)), Some(csrf)).await?)
}

/// Adds a member of staff with a one-time password (they choose their own at first sign-in).
pub async fn add_staff(
    username: &str,
    display_name: &str,
    role: &str,
    password: &str,
    csrf: &str,
) -> Result<(), ApiFailure> {
    let body = serde_json::json!({
        "username": username, "display_name": display_name, "role": role, "password": password
    });
    no_content(send("POST", "/api/v1/admin/staff", Some(to_json(&body)?), Some(csrf)).await?)
}

/// A staff account, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub disabled: bool,
    pub must_change_password: bool,
    /// Sessions open now.
    pub sessions: i64,
}

pub async fn staff_accounts() -> Result<Vec<StaffAccount>, ApiFailure> {
    get("/api/v1/admin/staff").await
}

/// `action`: `disable`, `enable` or `end-sessions` (answered `204 No Content`).
pub async fn staff_account_action(id: i64, action: &str, csrf: &str) -> Result<(), ApiFailure> {
    staff_action(&format!("/api/v1/admin/staff/{id}/{action}"), csrf).await
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct OneTimePassword {
    password: String,
}

/// A new one-time password for the account, shown this once; its sessions end.
pub async fn reset_staff_password(id: i64, csrf: &str) -> Result<String, ApiFailure> {
    let answer: OneTimePassword = staff_post(
        &format!("/api/v1/admin/staff/{id}/reset-password"),
        &serde_json::json!({}),
        csrf,
    )
    .await?;
    Ok(answer.password)
}

/// The appointment's pre-registration link (the same one while it is good), to send the patient.
pub async fn pre_registration_link(appointment_id: i64, csrf: &str) -> Result<PreRegistrationLink, ApiFailure> {
    staff_post(
        &format!("/api/v1/desk/appointments/{appointment_id}/pre-registration"),
        &serde_json::json!({}),
        csrf,
    )
    .await
}

/// Withdraws it: every copy given out stops working.
pub async fn withdraw_pre_registration_link(appointment_id: i64, csrf: &str) -> Result<(), ApiFailure> {
    no_content(
        send(
            "DELETE",
            &format!("/api/v1/desk/appointments/{appointment_id}/pre-registration"),
            None,
            Some(csrf),
        )
        .await?,
    )
}

/// Today's links not yet used, as CSV for the clinic's own SMS or e-mail tool.
pub const PRE_REGISTRATION_CSV_URL: &str = "/api/v1/desk/pre-registrations.csv";

pub async fn desk_day() -> Result<DeskDay, ApiFailure> {
    get("/api/v1/desk/appointments").await
}

pub const DESK_EVENTS_URL: &str = "/api/v1/desk/events";
