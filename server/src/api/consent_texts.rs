//! `/api/v1/consent-texts/{id}/{version}`: the exact words of a consent as they were offered,
//! in English and Spanish. A signed Consent's `policy` points here, so the EHR (or anyone) can
//! read what the patient signed even after the clinic rewords it. Public: the clinic's texts
//! are not patient data.

use arrive_domain::api::ConsentDocument;
use axum::extract::{Path, State};
use axum::Json;

use crate::error::ApiError;
use crate::AppState;

#[utoipa::path(
    get,
    path = "/consent-texts/{id}/{version}",
    tag = "consents",
    params(("id" = String, Path), ("version" = String, Path, description = "SHA-256 of the wording")),
    responses(
        (status = 200, description = "The wording offered at that version", body = ConsentDocument),
        (status = 404, description = "No such consent or version", body = arrive_domain::ErrorBody),
    )
)]
pub async fn consent_text(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<ConsentDocument>, ApiError> {
    state
        .store
        .consent_text(&id, &version)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("There is no consent text with this id and version."))
}
