//! FHIR R4 out: a completed check-in as a transaction Bundle (`bundle.rs`), served to staff and
//! delivered to the clinic's FHIR server through the outbox (`outbox.rs`).

pub mod bundle;
pub mod outbox;
pub mod smart;

use serde_json::Value;

use crate::store::Store;
use crate::AppState;

/// The Bundle of one check-in, or `None` when there is no such appointment or it has not
/// been checked in.
pub async fn check_in_bundle(state: &AppState, appointment_id: i64) -> Result<Option<Value>, sqlx::Error> {
    bundle_from(&state.store, &state.forms, &state.consents, appointment_id).await
}

pub(crate) async fn bundle_from(
    store: &Store,
    forms: &crate::forms::Forms,
    consents: &crate::consents::Consents,
    appointment_id: i64,
) -> Result<Option<Value>, sqlx::Error> {
    let Some(visit) = store.visit_on_file(appointment_id).await? else {
        return Ok(None);
    };
    if visit.arrived_at.is_none() {
        return Ok(None);
    }
    let responses = store.responses(appointment_id).await?;
    let signatures = store.signatures(appointment_id).await?;
    let card_images = store.card_images(appointment_id).await?;
    Ok(Some(bundle::check_in_bundle(&bundle::CheckInData {
        visit: &visit,
        responses: &responses,
        signatures: &signatures,
        card_images: &card_images,
        forms,
        consents,
    })))
}
