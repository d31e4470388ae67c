//! FHIR R4 out: a completed check-in as a transaction Bundle, built once and stored
//! (`bundle.rs`, from `patient.rs`, `coverage.rs`, `intake.rs`, `signed.rs`, named as
//! `reference.rs` says), served to staff and delivered to the clinic's EHR by the outbox
//! (`outbox.rs`).

pub mod bundle;
mod coverage;
mod intake;
pub mod outbox;
mod patient;
pub mod reference;
mod signed;
pub mod smart;

use std::sync::Arc;

use chrono::{SecondsFormat, Utc};

use crate::consents::Consents;
use crate::forms::Forms;
use crate::store::Store;

/// What building a check-in's Bundle takes: the database and the clinic's definitions.
#[derive(Clone)]
pub struct HandOff {
    pub store: Store,
    pub forms: Arc<Forms>,
    pub consents: Arc<Consents>,
    pub payers: Arc<Vec<arrive_domain::verification::Payer>>,
    /// `ARRIVE_PUBLIC_URL`, where the EHR can read a signed wording.
    pub public_url: Option<String>,
}

impl HandOff {
    /// The check-in's Bundle as stored (built and stored first if it was not yet), or `None`
    /// when there is no such appointment or it is not checked in.
    pub async fn bundle(&self, appointment_id: i64) -> Result<Option<String>, sqlx::Error> {
        if let Some(stored) = self.store.stored_bundle(appointment_id).await? {
            return Ok(Some(stored));
        }
        let Some(visit) = self.store.visit_on_file(appointment_id).await? else {
            return Ok(None);
        };
        if visit.arrived_at.is_none() {
            return Ok(None);
        }
        let verification = self.store.verification(appointment_id).await?;
        let responses = self.store.responses(appointment_id).await?;
        let signatures = self.store.signatures(appointment_id).await?;
        let card_images = self.store.card_images(appointment_id).await?;
        let api_base = self.public_url.as_ref().map(|url| format!("{url}/api/v1"));
        let built_at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let bundle = bundle::check_in_bundle(&bundle::CheckInData {
            visit: &visit,
            verification: verification.as_ref(),
            responses: &responses,
            signatures: &signatures,
            card_images: &card_images,
            forms: &self.forms,
            consents: &self.consents,
            payers: &self.payers,
            api_base: api_base.as_deref(),
            built_at: &built_at,
        });
        // What is kept wins (another server may have built it too); none if staff undid the
        // check-in meanwhile.
        self.store.keep_bundle(appointment_id, &bundle.to_string()).await
    }
}
