//! A completed check-in as one FHIR R4 transaction `Bundle`, built once from the check-in's own
//! record (what was on file, what the patient changed, their answers and signatures) and then
//! stored: what is delivered and served is what was built.
//!
//! The EHR already holds the patient and the appointment (the practice system sent them both
//! places): they are found by the practice system's identifiers and patched — the Appointment's
//! `status` only, the Patient's changed elements only. What Arrive makes (coverages, responses,
//! scores, signatures, documents) is created once, keyed by an Arrive identifier, so a repeated
//! delivery changes nothing. docs/STANDARDS.md has the table.

use serde_json::{json, Value};

use super::reference::{
    full_url, patch, reference, set, Identity, ARRIVE_APPOINTMENT_SYSTEM, PRACTICE_APPOINTMENT_SYSTEM,
};
use super::{coverage, intake, patient, signed};
use crate::consents::Consents;
use crate::forms::Forms;
use crate::store::{StoredCardImage, StoredResponse, StoredSignature, StoredVerification, VisitOnFile};

pub struct CheckInData<'a> {
    pub visit: &'a VisitOnFile,
    /// What the patient confirmed or changed; none for a check-in made without the record step.
    pub verification: Option<&'a StoredVerification>,
    pub responses: &'a [StoredResponse],
    pub signatures: &'a [StoredSignature],
    pub card_images: &'a [StoredCardImage],
    pub forms: &'a Forms,
    pub consents: &'a Consents,
    pub payers: &'a [arrive_domain::verification::Payer],
    /// `ARRIVE_PUBLIC_URL` + `/api/v1`, where signed wordings are served.
    pub api_base: Option<&'a str>,
    /// RFC 3339: when the Bundle was built.
    pub built_at: &'a str,
}

pub fn check_in_bundle(data: &CheckInData) -> Value {
    let visit = data.visit;
    let patient_identity = patient::identity(&visit.patient);
    let patient_url = full_url("Patient", &visit.patient.id.to_string());
    let changes = data
        .verification
        .map(|v| patient::changes(&v.on_file, &v.verification))
        .unwrap_or_default();
    let mut entries = vec![patch(
        "Patient",
        &visit.patient.id.to_string(),
        &format!("identifier={}", patient_identity.token()),
        &changes,
    )];
    let day = visit.starts_at.get(..10).unwrap_or(&visit.starts_at);
    if let Some(stored) = data.verification {
        entries.extend(coverage::entries(
            &stored.verification.insurance,
            &stored.on_file.coverages,
            data.payers,
            &coverage::Beneficiary {
                identity: &patient_identity,
                full_url: &patient_url,
                patient_id: visit.patient.id,
                appointment_id: visit.appointment_id,
                day,
            },
        ));
    }
    let respondent = intake::Respondent {
        full_url: &patient_url,
        appointment_id: visit.appointment_id,
    };
    for response in data.responses {
        entries.extend(intake::entries(
            data.forms.get(&response.form_id),
            response,
            &respondent,
        ));
    }
    let signer = signed::Signer {
        full_url: &patient_url,
        patient_id: visit.patient.id,
        appointment_id: visit.appointment_id,
        api_base: data.api_base,
    };
    for signature in data.signatures {
        entries.push(signed::signature(data.consents, signature, &signer));
    }
    for image in data.card_images {
        entries.push(signed::card_image(image, &signer));
    }
    entries.push(appointment(visit, &patient_url));
    json!({
        "resourceType": "Bundle",
        "identifier": Identity::new("urn:arrive:check-in", &visit.appointment_id.to_string()).identifier(),
        "type": "transaction",
        "timestamp": data.built_at,
        "entry": entries,
    })
}

/// The practice system's appointment, marked arrived and otherwise left as the EHR has it. An
/// appointment that exists only in Arrive (none came with a practice system id) is Arrive's
/// to write whole, keyed by Arrive's id.
fn appointment(visit: &VisitOnFile, patient_url: &str) -> Value {
    let key = visit.appointment_id.to_string();
    if let Some(external) = &visit.external_id {
        let identity = Identity::new(
            visit.external_system.as_deref().unwrap_or(PRACTICE_APPOINTMENT_SYSTEM),
            external,
        );
        return patch(
            "Appointment",
            &key,
            &format!("identifier={}", identity.token()),
            &[set("/status", json!("arrived"))],
        );
    }
    let identity = Identity::new(ARRIVE_APPOINTMENT_SYSTEM, &key);
    let mut resource = json!({
        "resourceType": "Appointment",
        "identifier": [identity.identifier()],
        "status": "arrived",
        "appointmentType": { "coding": [{ "system": "urn:arrive:visit-type", "code": visit.visit_type }] },
        "participant": [
            { "actor": reference(patient_url), "status": "accepted" },
            { "actor": { "display": visit.provider }, "status": "accepted" },
        ],
    });
    // Both or neither (R4's app-2).
    if let (Some(start), Some(end)) = (&visit.starts_at_instant, &visit.ends_at_instant) {
        resource["start"] = json!(start);
        resource["end"] = json!(end);
    }
    json!({
        "fullUrl": full_url("Appointment", &key),
        "resource": resource,
        "request": { "method": "PUT", "url": format!("Appointment?identifier={}", identity.token()) },
    })
}
