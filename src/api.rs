//! Calls to the server's `/api/v1`. Same origin: the server serves this app.

use arrive_domain::api::{
    CheckInRequest, CheckInResponse, ConsentList, ConsentSignature, DeskDay, FormList, FormSubmission, IdentifyRequest,
    IdentifyResponse, MatchTokenRequest,
};
use arrive_domain::questionnaire::Questionnaire;
use arrive_domain::{ErrorBody, ErrorCode};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server could not be reached, or answered with something that is not our API.
    Network,
    /// The server refused the request and said why.
    Refused { code: ErrorCode, field: Option<String> },
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    if response.ok() {
        return response.json::<T>().await.map_err(|_| ApiFailure::Network);
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Refused {
            code: body.error.code,
            field: body.error.field,
        }),
        Err(_) => Err(ApiFailure::Network),
    }
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiFailure> {
    let request = Request::post(path).json(body).map_err(|_| ApiFailure::Network)?;
    let response = request.send().await.map_err(|_| ApiFailure::Network)?;
    read(response).await
}

pub async fn identify(request: &IdentifyRequest) -> Result<IdentifyResponse, ApiFailure> {
    post("/api/v1/kiosk/identify", request).await
}

pub async fn check_in(request: &CheckInRequest) -> Result<CheckInResponse, ApiFailure> {
    post("/api/v1/kiosk/check-in", request).await
}

/// The forms this visit asks, in order.
pub async fn forms_for_visit(request: &MatchTokenRequest) -> Result<FormList, ApiFailure> {
    post("/api/v1/kiosk/forms/for-visit", request).await
}

pub async fn form(id: &str) -> Result<Questionnaire, ApiFailure> {
    // Form ids are the clinic's file names, not patient data: fine in a path.
    get(&format!("/api/v1/kiosk/forms/{id}")).await
}

pub async fn submit_form(form_id: &str, submission: &FormSubmission) -> Result<(), ApiFailure> {
    post_no_content(&format!("/api/v1/kiosk/forms/{form_id}/responses"), submission).await
}

pub async fn pending_consents(request: &MatchTokenRequest) -> Result<ConsentList, ApiFailure> {
    post("/api/v1/kiosk/consents/pending", request).await
}

pub async fn sign_consent(consent_id: &str, signature: &ConsentSignature) -> Result<(), ApiFailure> {
    post_no_content(&format!("/api/v1/kiosk/consents/{consent_id}/signatures"), signature).await
}

/// A POST whose success is `204 No Content`.
async fn post_no_content<B: Serialize>(path: &str, body: &B) -> Result<(), ApiFailure> {
    let request = Request::post(path).json(body).map_err(|_| ApiFailure::Network)?;
    let response = request.send().await.map_err(|_| ApiFailure::Network)?;
    if response.status() == 204 {
        return Ok(());
    }
    read::<serde::de::IgnoredAny>(response).await.map(|_| ())
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    let response = Request::get(path).send().await.map_err(|_| ApiFailure::Network)?;
    read(response).await
}

pub async fn desk_day() -> Result<DeskDay, ApiFailure> {
    get("/api/v1/desk/appointments").await
}

pub const DESK_EVENTS_URL: &str = "/api/v1/desk/events";

/// A QR code (SVG) of the kiosk's address, rendered by the server.
pub const KIOSK_LINK_QR_URL: &str = "/api/v1/desk/kiosk-link.svg";
