//! Calls to the server's `/api/v1`. Same origin: the server serves this app.

use arrive_domain::api::{CheckInRequest, CheckInResponse, DeskDay, IdentifyRequest, IdentifyResponse};
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

pub async fn desk_day() -> Result<DeskDay, ApiFailure> {
    let response = Request::get("/api/v1/desk/appointments")
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    read(response).await
}

pub const DESK_EVENTS_URL: &str = "/api/v1/desk/events";

/// A QR code (SVG) of the kiosk's address, rendered by the server.
pub const KIOSK_LINK_QR_URL: &str = "/api/v1/desk/kiosk-link.svg";
