//! The JSON the kiosk, the desk board and the server exchange under `/api/v1`.
//!
//! Requests deny unknown fields: a typo in a client is an error, not silently dropped data.
//! Responses to the kiosk carry the minimum a lobby screen may show.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/kiosk/identify`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentifyRequest {
    pub last_name: String,
    /// ISO 8601 `YYYY-MM-DD`.
    pub date_of_birth: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IdentifyResponse {
    /// Exactly one patient with an appointment today matches.
    Found { appointment: KioskAppointment },
    /// Nobody matches: the kiosk sends the patient to the desk.
    NotFound,
    /// More than one patient matches: the kiosk sends the patient to the desk and shows no one.
    Several,
}

/// What the lobby may see of a matched appointment: first name, time and provider, no more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskAppointment {
    /// Opaque, short-lived, single-purpose: lets the kiosk check this appointment in.
    pub match_token: String,
    pub first_name: String,
    /// Local clinic time, `HH:MM`.
    pub starts_at: String,
    pub provider: String,
    pub already_checked_in: bool,
}

/// `POST /api/v1/kiosk/check-in`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    pub match_token: String,
    /// 32–64 hex characters, made by the kiosk once per visit: a retry with the same key (a
    /// lost response) gets the first answer and stores nothing new.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// What the patient confirmed or changed at the verification steps, stored and applied to
    /// the record in the check-in's transaction. The server re-runs `verification::validate`.
    #[serde(default)]
    pub verification: Option<crate::verification::Verification>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInResponse {
    /// Server time of arrival, RFC 3339.
    pub arrived_at: String,
    /// True when this appointment had already been checked in (a double tap, a retry).
    pub already_checked_in: bool,
}

/// `GET /api/v1/kiosk/forms`: the clinic's intake forms, in the order the kiosk asks them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormList {
    pub forms: Vec<FormSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormSummary {
    pub id: String,
    pub title: String,
    /// Asked only when the PHQ-2 answered earlier in the visit scores 3 or more (the PHQ-9).
    pub only_after_positive_phq2: bool,
    /// For a returning patient, when the clinic's rule pre-fills this form: their last answers,
    /// to confirm with one "Still right" or change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_answers: Option<LastAnswers>,
}

/// A form's answers from an earlier visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastAnswers {
    /// The clinic's date of that visit, `YYYY-MM-DD`.
    pub answered_on: String,
    pub item: Vec<crate::questionnaire::model::ResponseItem>,
}

/// `POST /api/v1/kiosk/forms/{id}/responses`: a completed form for the matched appointment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FormSubmission {
    pub match_token: String,
    pub response: crate::questionnaire::QuestionnaireResponse,
}

/// Text in each language the kiosk speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    pub en: String,
    pub es: String,
}

/// A kiosk request about the matched appointment and nothing else: `POST
/// /api/v1/kiosk/forms/for-visit` (the forms this visit asks) and `POST
/// /api/v1/kiosk/consents/pending` (the consents not yet signed in their current wording).
/// POST rather than GET so the token stays out of URLs and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MatchTokenRequest {
    pub match_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentList {
    pub consents: Vec<ConsentDocument>,
}

/// One consent as the clinic wrote it. `version` is the SHA-256 of its exact text: a signature
/// names the version it was given for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentDocument {
    pub id: String,
    pub version: String,
    pub title: LocalizedText,
    pub text: LocalizedText,
}

/// `POST /api/v1/kiosk/consents/{id}/signatures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentSignature {
    pub match_token: String,
    /// The `version` of the text the patient read.
    pub version: String,
    /// The patient's name, typed by them.
    pub typed_name: String,
    /// The drawn signature as SVG path data (`consent::stroke_path`); empty when the patient
    /// cannot draw and signs with the typed name alone.
    pub signature_path: String,
    pub signed_by_typing: bool,
    /// The language the text was shown in: "en" or "es".
    pub language: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Scheduled,
    Arrived,
    /// Taken to an exam room by staff.
    Roomed,
    /// Marked by staff as not coming.
    NoShow,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Scheduled => "scheduled",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Roomed => "roomed",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "scheduled" => Some(AppointmentStatus::Scheduled),
            "arrived" => Some(AppointmentStatus::Arrived),
            "roomed" => Some(AppointmentStatus::Roomed),
            "no_show" => Some(AppointmentStatus::NoShow),
            _ => None,
        }
    }
}

/// One row of the front desk board (`GET /api/v1/desk/appointments`, and the data of each
/// `appointment` Server-Sent Event on `GET /api/v1/desk/events`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskAppointment {
    pub id: i64,
    /// Local clinic time, `HH:MM`.
    pub starts_at: String,
    pub provider: String,
    /// First name and last initial until staff sign-in lands (the board is not yet guarded).
    pub patient: String,
    pub status: AppointmentStatus,
    /// Server time of arrival, RFC 3339.
    pub arrived_at: Option<String>,
    /// The arrival on the clinic's wall clock, `HH:MM` (its time zone, not the desk
    /// computer's): what the board shows beside `starts_at`.
    #[serde(default)]
    pub arrived_at_clinic_time: Option<String>,
    /// An answer needs staff now (PHQ-9 item 9 above 0). What it was is for signed-in staff
    /// (front desk issue); the open board says only "see this patient now".
    #[serde(default)]
    pub needs_attention_now: bool,
    /// Checked in without answering every intake form of the visit.
    #[serde(default)]
    pub forms_incomplete: bool,
    /// The payer said the coverage on file is not active (or could not find it).
    #[serde(default)]
    pub insurance_problem: bool,
    /// The payer could not be asked: a name on file cannot be written in an X12 inquiry
    /// (`CoverageCheck::AskAtDesk`). The board says "Ask at the desk".
    #[serde(default)]
    pub insurance_ask_at_desk: bool,
    /// At check-in the patient changed a contact detail (address, phone, e-mail, emergency
    /// contact or language).
    #[serde(default)]
    pub details_changed: bool,
    /// At check-in the patient gave new insurance.
    #[serde(default)]
    pub insurance_changed: bool,
    /// At check-in the patient said they have no insurance.
    #[serde(default)]
    pub self_pay: bool,
}

/// Where the patient was on the kiosk when they asked for help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KioskStep {
    Welcome,
    Identify,
    Confirm,
    /// Contact details: confirm or replace.
    Details,
    Insurance,
    Forms,
    Consents,
    /// How the patient will pay.
    Payment,
    /// What changed, and the "Check in" button.
    Review,
    /// Before "Check in", as kiosks without the verification steps report it.
    Ready,
    Done,
    NotFound,
    Several,
}

/// `POST /api/v1/kiosk/help`: the patient tapped "I need help".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HelpRequest {
    pub step: KioskStep,
    /// The tablet calls by itself: a patient asked for spoken guidance and it has no voice.
    #[serde(default)]
    pub cannot_speak: bool,
}

/// A help request as the desk sees it (in `DeskDay`, and as `help` Server-Sent Events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskHelp {
    pub id: i64,
    pub kiosk: String,
    pub step: KioskStep,
    /// RFC 3339.
    pub requested_at: String,
    /// Once acknowledged, boards drop it.
    pub acknowledged: bool,
    /// The tablet could not speak to a patient who asked it to (see `HelpRequest`).
    #[serde(default)]
    pub cannot_speak: bool,
}

/// `GET /api/v1/desk/metrics`: today's numbers for the desk (no patient data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskMetrics {
    /// (local hour 0–23, arrivals in that hour), hours with arrivals only.
    pub arrivals_by_hour: Vec<(u32, u32)>,
    /// Median seconds from identifying at the kiosk to checking in.
    pub median_kiosk_seconds: Option<u32>,
    /// Patients who identified at a kiosk today.
    pub kiosk_started: u32,
    /// Of those, who left without checking in (and whose match has expired).
    pub kiosk_abandoned: u32,
    /// Share of today's patients who pre-registered from home (none until pre-registration
    /// lands).
    pub pre_registered_share: Option<f32>,
    pub help_requests: u32,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Who is signed in at the desk, and the token their state-changing requests must carry in
/// the `X-CSRF-Token` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSession {
    pub username: String,
    pub display_name: String,
    /// "front_desk" or "admin".
    pub role: String,
    /// Signed in with a one-time password: choose one before anything else.
    #[serde(default)]
    pub must_change_password: bool,
    pub csrf_token: String,
}

/// `GET /api/v1/desk/appointments/{id}`: everything the patient gave, for staff (audited).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskDetail {
    pub id: i64,
    pub patient_name: String,
    pub date_of_birth: String,
    pub starts_at: String,
    pub provider: String,
    pub visit_type: String,
    pub status: AppointmentStatus,
    pub arrived_at: Option<String>,
    pub needs_attention_now: bool,
    pub forms: Vec<DeskForm>,
    pub consents: Vec<DeskConsent>,
    /// The payer's latest answer for this visit (X12 271), when one was asked.
    #[serde(default)]
    pub eligibility: Option<Eligibility>,
    /// Delivery of the completed check-in to the clinic's FHIR server, when one is configured.
    #[serde(default)]
    pub ehr_delivery: Option<EhrDelivery>,
    /// What the patient confirmed or changed at check-in, when they went through verification.
    #[serde(default)]
    pub verification: Option<DeskVerification>,
}

/// The verification given with a check-in, for staff: full values, not masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskVerification {
    /// One per group the patient changed, in kiosk order; none when everything was confirmed.
    pub changes: Vec<DeskChange>,
    pub payment: crate::verification::PaymentIntent,
    /// Photos of insurance cards taken at the kiosk: `GET
    /// /api/v1/desk/appointments/{id}/card-images/{rank}/{side}`.
    pub card_images: Vec<CardImageRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskChange {
    /// "address", "phone", "email", "emergency_contact", "language" or "insurance".
    pub field: String,
    /// What was on file; "" when nothing was. Phones in E.164; insurance as
    /// "Payer · member id · group", coverages separated by "; ".
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardImageRef {
    /// 1 primary, 2 secondary.
    pub rank: u8,
    /// "front" or "back".
    pub side: String,
}

/// Which side of an insurance card a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardSide {
    Front,
    Back,
}

impl CardSide {
    pub fn as_str(self) -> &'static str {
        match self {
            CardSide::Front => "front",
            CardSide::Back => "back",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CardSide::Front, CardSide::Back].into_iter().find(|c| c.as_str() == s)
    }
}

/// `POST /api/v1/kiosk/card-images`: a photo of an insurance card, as JPEG (at most 300 KiB
/// decoded). A second photo of the same card side replaces the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardImageUpload {
    pub match_token: String,
    /// 1 primary, 2 secondary.
    pub rank: u8,
    pub side: CardSide,
    /// The JPEG file, standard base64 (a `data:image/jpeg;base64,` prefix is accepted).
    pub jpeg_base64: String,
}

/// What the payer said about the primary coverage for the visit's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Eligibility {
    /// RFC 3339, server time.
    pub checked_at: String,
    pub coverage: CoverageCheck,
    /// A rejection's X12 AAA03 reason code (e.g. "72" invalid member ID).
    pub reason: Option<String>,
    pub plan_name: Option<String>,
    /// Expected co-pay for the visit, in cents.
    pub copay_cents: Option<u32>,
    pub deductible_remaining_cents: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CoverageCheck {
    Active,
    Inactive,
    /// The payer could not match the inquiry (see `reason`).
    Rejected,
    /// The payer or the connection to it did not answer.
    Unavailable,
    /// Nobody was asked: a name on file has letters the X12 inquiry cannot carry and no
    /// standard transliteration (Cyrillic, CJK, …). Staff check the insurance another way; the
    /// board says "Ask at the desk".
    AskAtDesk,
}

impl CoverageCheck {
    pub fn code(self) -> &'static str {
        match self {
            CoverageCheck::Active => "active",
            CoverageCheck::Inactive => "inactive",
            CoverageCheck::Rejected => "rejected",
            CoverageCheck::Unavailable => "unavailable",
            CoverageCheck::AskAtDesk => "ask_at_desk",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [
            CoverageCheck::Active,
            CoverageCheck::Inactive,
            CoverageCheck::Rejected,
            CoverageCheck::Unavailable,
            CoverageCheck::AskAtDesk,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }
}

/// One eligibility inquiry of a visit as it went over the wire
/// (`GET /api/v1/desk/appointments/{id}/eligibility/exchanges`), for staff who must see what
/// the payer was asked and what it said. Never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EligibilityExchange {
    /// RFC 3339, server time.
    pub exchanged_at: String,
    /// `sandbox` or `core` (the CAQH CORE connection).
    pub transport: String,
    /// The X12 270 sent.
    pub request: String,
    /// The X12 271 received; `None` when no 271 came back (see `error`).
    pub response: Option<String>,
    /// Why no usable 271 came back: a kind of failure (HTTP status, CORE error code), never a
    /// body.
    pub error: Option<String>,
}

/// The outbox row of a check-in: sent, or still being retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EhrDelivery {
    pub attempts: u32,
    /// RFC 3339; `None` while it is still being retried.
    pub delivered_at: Option<String>,
    /// Why the last attempt failed: an HTTP status or a kind of transport failure.
    pub last_error: Option<String>,
    pub next_attempt_at: String,
    /// The EHR refused the check-in for good, in its own words (its OperationOutcome's text):
    /// staff fix the cause; nothing is retried.
    #[serde(default)]
    pub rejection: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskForm {
    pub form_id: String,
    pub title: String,
    pub submitted_at: String,
    /// (question, answer) in form order.
    pub answers: Vec<(String, String)>,
    pub phq2_total: Option<u32>,
    pub phq9_total: Option<u32>,
    pub phq9_severity: Option<String>,
    pub urgent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskConsent {
    pub consent_id: String,
    pub title: String,
    pub signed_at: String,
    pub typed_name: String,
    pub signed_by_typing: bool,
    /// SVG path data in the pad's coordinates (`consent::PAD_VIEW_BOX`).
    pub signature_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskDay {
    /// The clinic's local date, `YYYY-MM-DD`.
    pub date: String,
    pub clinic: String,
    pub appointments: Vec<DeskAppointment>,
    /// Help requests from kiosks not yet acknowledged.
    #[serde(default)]
    pub help_requests: Vec<DeskHelp>,
    /// Minutes of waiting after arrival at which the board turns a row amber, then red.
    #[serde(default)]
    pub wait_amber_minutes: u32,
    #[serde(default)]
    pub wait_red_minutes: u32,
}

/// Shortens a patient's name for the desk board: "Maria G.".
pub fn board_name(first_name: &str, last_name: &str) -> String {
    match last_name.chars().find(|c| c.is_alphabetic()) {
        Some(initial) => format!("{first_name} {}.", initial.to_uppercase()),
        None => first_name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identify_request_denies_unknown_fields() {
        let json = r#"{"last_name":"Rivera","date_of_birth":"1956-03-14","ssn":"1"}"#;
        assert!(serde_json::from_str::<IdentifyRequest>(json).is_err());
    }

    #[test]
    fn identify_response_is_tagged() {
        let json = serde_json::to_value(IdentifyResponse::Several).unwrap();
        assert_eq!(json, serde_json::json!({"outcome": "several"}));
    }

    #[test]
    fn board_name_shows_only_an_initial() {
        assert_eq!(board_name("María", "García-López"), "María G.");
        assert_eq!(board_name("Sean", "O'Brien"), "Sean O.");
        assert_eq!(board_name("Ana", "de la Cruz"), "Ana D.");
        assert_eq!(board_name("Ana", "-"), "Ana");
    }
}

/// `POST /api/v1/desk/appointments/{id}/pre-registration`: the link to send the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreRegistrationLink {
    /// `…/pre/<token>`: no patient data in it; good until the end of the appointment's day.
    pub link: String,
    /// The link as a QR code, to show or print.
    pub qr_svg: String,
}

/// `POST /api/v1/pre/unlock`: the link's token and the birth date, the second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    pub token: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
}

/// `POST /api/v1/pre/finish` answers with the pass; `POST /api/v1/kiosk/pass` takes it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArrivalPass {
    /// What the QR code holds: an opaque arrival token (a scanner at the kiosk types it).
    pub token: String,
    /// A QR code of `token`, as SVG.
    pub qr_svg: String,
    /// The same pass as 6 characters to type (`pass::CODE_ALPHABET`).
    pub code: String,
    /// The appointment's day, `YYYY-MM-DD`: the only day the pass works.
    pub valid_on: String,
}

/// `POST /api/v1/kiosk/pass`: a typed code, or what a scanner read from the QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PassRequest {
    pub pass: String,
}

/// The pass's appointment, and what is still to do before checking in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassMatch {
    pub appointment: KioskAppointment,
    /// A form the visit asks is not answered yet.
    pub forms_missing: bool,
    /// A consent is unsigned in its current wording (its text changed since, say).
    pub consents_missing: bool,
}

/// Where a patient left their pre-registration at home, kept on the server so they can stop
/// and carry on later from the same link (the phone keeps nothing). Saved as they go
/// (`PUT /api/v1/pre/progress`), handed back after the birth date (`POST /api/v1/pre/resume`),
/// dropped when they finish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SavedProgress {
    /// The screen they were on.
    pub step: ProgressStep,
    /// What was typed at the verification steps, by the kiosk's field slot.
    pub fields: Vec<String>,
    /// The choice made for each group (same, changed, self-pay…), by the kiosk's answer slot.
    pub answers: Vec<u8>,
    /// The forms already sent, with their answers (the server holds them anyway): the PHQ-9
    /// follows a PHQ-2 answered in an earlier sitting.
    pub forms: Vec<SavedForm>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProgressStep {
    Details,
    Insurance,
    Intake,
    Consents,
    Payment,
    Review,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SavedForm {
    pub id: String,
    pub item: Vec<crate::questionnaire::model::ResponseItem>,
}

impl SavedProgress {
    /// Most field slots, answer slots and forms a saved progress may hold, and the longest
    /// field: a little above what the kiosk has, so nothing else can be parked here.
    pub const MOST_FIELDS: usize = 40;
    pub const MOST_ANSWERS: usize = 16;
    pub const MOST_FORMS: usize = 20;
    pub const LONGEST_FIELD: usize = 200;

    /// Whether it is of a size the kiosk could have made.
    pub fn within_limits(&self) -> bool {
        self.fields.len() <= Self::MOST_FIELDS
            && self.fields.iter().all(|f| f.chars().count() <= Self::LONGEST_FIELD)
            && self.answers.len() <= Self::MOST_ANSWERS
            && self.forms.len() <= Self::MOST_FORMS
    }
}

/// `PUT /api/v1/pre/progress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProgressSave {
    pub match_token: String,
    pub progress: SavedProgress,
}

/// `POST /api/v1/pre/resume`: what was saved, if anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resume {
    pub progress: Option<SavedProgress>,
    /// The patient finished before (and may have lost the pass): finishing again with no
    /// verification hands over a new pass, and the old one stops working.
    pub finished: bool,
}
