//! A completed check-in as a FHIR R4 transaction `Bundle`: the Patient (US Core shape, with the
//! emergency contact), a Coverage per insurance on file, a QuestionnaireResponse per form, a
//! Consent per signature, a DocumentReference per insurance card photo and the Appointment, now
//! `arrived`. What the patient changed at the kiosk is already in the record on file.
//!
//! Every entry is idempotent on the receiving server, so an outbox that delivers twice (a
//! response lost after the commit) changes nothing the second time: resources Arrive creates
//! carry an Arrive identifier and a conditional create (`ifNoneExist`); the Appointment, which
//! the practice system already holds, is a conditional update on its identifier.

use base64::Engine;
use chrono::{Local, NaiveDateTime, TimeZone};
use serde_json::{json, Value};

use crate::consents::Consents;
use crate::forms::Forms;
use crate::import::fhir::SUBSCRIBER_BIRTH_DATE;
use crate::store::{StoredCardImage, StoredResponse, StoredSignature, VisitOnFile};

/// Identifier systems: Arrive's own ids, and the practice system's as it gave them to us.
pub const PATIENT_SYSTEM: &str = "urn:arrive:patient";
pub const PRACTICE_PATIENT_SYSTEM: &str = "urn:arrive:practice-patient";
pub const APPOINTMENT_SYSTEM: &str = "urn:arrive:practice-appointment";
pub const ARRIVE_APPOINTMENT_SYSTEM: &str = "urn:arrive:appointment";
const COVERAGE_SYSTEM: &str = "urn:arrive:coverage";
const RESPONSE_SYSTEM: &str = "urn:arrive:questionnaire-response";
const CONSENT_SYSTEM: &str = "urn:arrive:consent";
const PAYER_SYSTEM: &str = "urn:arrive:payer-id";
const CARD_IMAGE_SYSTEM: &str = "urn:arrive:card-image";
const US_CORE_PATIENT: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient";

pub struct CheckInData<'a> {
    pub visit: &'a VisitOnFile,
    pub responses: &'a [StoredResponse],
    pub signatures: &'a [StoredSignature],
    pub card_images: &'a [StoredCardImage],
    pub forms: &'a Forms,
    pub consents: &'a Consents,
}

/// `urn:uuid:` for an entry, the same on every build of the same check-in (so the bundle's
/// internal references are stable).
fn full_url(kind: &str, key: &str) -> String {
    let id = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("urn:arrive:{kind}:{key}").as_bytes(),
    );
    format!("urn:uuid:{id}")
}

fn identifier(system: &str, value: &str) -> Value {
    json!({ "system": system, "value": value })
}

/// A POST that the receiver skips when a resource with this identifier already exists.
fn conditional_create(kind: &str, key: &str, resource: Value, system: &str, value: &str) -> Value {
    json!({
        "fullUrl": full_url(kind, key),
        "resource": resource,
        "request": {
            "method": "POST",
            "url": kind,
            "ifNoneExist": format!("identifier={system}|{value}"),
        },
    })
}

/// The clinic's wall-clock time as a FHIR instant, in the server's (the clinic's) time zone.
fn instant(local: &str) -> Option<String> {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").ok()?;
    let zoned = Local.from_local_datetime(&naive).earliest()?;
    Some(zoned.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

pub fn check_in_bundle(data: &CheckInData) -> Value {
    let visit = data.visit;
    let patient_key = visit.patient.id.to_string();
    let patient_url = full_url("Patient", &patient_key);
    let mut entries = vec![conditional_create(
        "Patient",
        &patient_key,
        patient(visit),
        PATIENT_SYSTEM,
        &patient_key,
    )];
    for coverage in &visit.coverages {
        let key = format!("{}-{}", visit.patient.id, coverage.rank);
        let mut resource = json!({
            "resourceType": "Coverage",
            "identifier": [identifier(COVERAGE_SYSTEM, &key)],
            "status": "active",
            "subscriberId": coverage.member_id,
            "beneficiary": { "reference": patient_url },
            "relationship": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                "code": coverage.relationship,
            }]},
            "payor": [{ "identifier": identifier(PAYER_SYSTEM, &coverage.payer_id), "display": coverage.payer_name }],
            "order": coverage.rank,
        });
        if coverage.relationship == "self" {
            resource["subscriber"] = json!({ "reference": patient_url });
        } else if let Some(name) = &coverage.subscriber_name {
            resource["subscriber"] = json!({ "display": name });
        }
        if let Some(dob) = &coverage.subscriber_dob {
            resource["extension"] = json!([{ "url": SUBSCRIBER_BIRTH_DATE, "valueDate": dob }]);
        }
        if let Some(group) = &coverage.group_number {
            resource["class"] = json!([{
                "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "group" }] },
                "value": group,
            }]);
        }
        entries.push(conditional_create("Coverage", &key, resource, COVERAGE_SYSTEM, &key));
    }
    for response in data.responses {
        entries.push(questionnaire_response(data, response, &patient_url));
    }
    for signature in data.signatures {
        entries.push(consent(data, signature, &patient_url, visit.patient.id));
    }
    for image in data.card_images {
        entries.push(card_image(visit.appointment_id, image, &patient_url));
    }
    entries.push(appointment(visit, &patient_url));
    json!({
        "resourceType": "Bundle",
        "identifier": identifier("urn:arrive:check-in", &visit.appointment_id.to_string()),
        "type": "transaction",
        "entry": entries,
    })
}

fn patient(visit: &VisitOnFile) -> Value {
    let p = &visit.patient;
    let mut identifiers = vec![identifier(PATIENT_SYSTEM, &p.id.to_string())];
    if let Some(external) = &p.external_id {
        identifiers.push(identifier(PRACTICE_PATIENT_SYSTEM, external));
    }
    let mut resource = json!({
        "resourceType": "Patient",
        "meta": { "profile": [US_CORE_PATIENT] },
        "identifier": identifiers,
        "name": [{ "use": "official", "family": p.last_name, "given": [p.first_name] }],
        "gender": p.gender.as_deref().unwrap_or("unknown"),
        "birthDate": p.date_of_birth,
    });
    if let (Some(line), Some(city), Some(state), Some(zip)) = (&p.address_line, &p.city, &p.state, &p.postal_code) {
        resource["address"] = json!([{
            "use": "home", "line": [line], "city": city, "state": state, "postalCode": zip, "country": "US",
        }]);
    }
    let mut telecom = Vec::new();
    if let Some(phone) = &p.phone {
        telecom.push(json!({ "system": "phone", "value": phone, "use": "mobile" }));
    }
    if let Some(email) = &p.email {
        telecom.push(json!({ "system": "email", "value": email }));
    }
    if !telecom.is_empty() {
        resource["telecom"] = Value::Array(telecom);
    }
    if let Some(name) = &p.emergency_contact_name {
        let mut contact = json!({
            "relationship": [{ "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C", "display": "Emergency Contact",
            }]}],
            "name": { "text": name },
        });
        if let Some(phone) = &p.emergency_contact_phone {
            contact["telecom"] = json!([{ "system": "phone", "value": phone }]);
        }
        resource["contact"] = json!([contact]);
    }
    if let Some(language) = &p.language {
        resource["communication"] = json!([{
            "language": { "coding": [{ "system": "urn:ietf:bcp:47", "code": language }] },
            "preferred": true,
        }]);
    }
    resource
}

fn questionnaire_response(data: &CheckInData, stored: &StoredResponse, patient_url: &str) -> Value {
    let key = format!("{}-{}", data.visit.appointment_id, stored.form_id);
    // Stored after the domain engine validated it; a row that no longer parses is sent bare.
    let mut resource: Value = serde_json::from_str(&stored.response_json).unwrap_or_else(|_| json!({}));
    let form = data.forms.get(&stored.form_id);
    let canonical = form.and_then(|f| f.url.clone()).map_or_else(
        || format!("urn:arrive:form:{}", stored.form_id),
        |url| match form.and_then(|f| f.version.as_deref()) {
            Some(version) => format!("{url}|{version}"),
            None => url,
        },
    );
    resource["resourceType"] = json!("QuestionnaireResponse");
    resource["identifier"] = identifier(RESPONSE_SYSTEM, &key);
    resource["questionnaire"] = json!(canonical);
    resource["status"] = json!("completed");
    resource["subject"] = json!({ "reference": patient_url });
    resource["authored"] = json!(stored.submitted_at);
    if let Some(map) = resource.as_object_mut() {
        map.remove("id");
    }
    conditional_create("QuestionnaireResponse", &key, resource, RESPONSE_SYSTEM, &key)
}

fn consent(data: &CheckInData, signature: &StoredSignature, patient_url: &str, patient_id: i64) -> Value {
    let key = format!("{patient_id}-{}-{}", signature.consent_id, signature.version);
    let title = data
        .consents
        .get(&signature.consent_id)
        .map_or(signature.consent_id.clone(), |c| c.title.en.clone());
    // The privacy notice is a privacy consent; the others are about treatment and payment.
    let scope = if signature.consent_id.contains("privacy") {
        "patient-privacy"
    } else {
        "treatment"
    };
    let mut resource = json!({
        "resourceType": "Consent",
        "identifier": [identifier(CONSENT_SYSTEM, &key)],
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": scope }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent" }] }],
        "patient": { "reference": patient_url },
        "dateTime": signature.signed_at,
        "policy": [{ "uri": format!("urn:arrive:consent-text:{}|{}", signature.consent_id, signature.version) }],
    });
    resource["sourceAttachment"] = if signature.signed_by_typing {
        json!({ "contentType": "text/plain", "title": title,
                "data": base64::engine::general_purpose::STANDARD.encode(format!("Signed by typing: {}", signature.typed_name)) })
    } else {
        json!({ "contentType": "image/svg+xml", "title": title,
                "data": base64::engine::general_purpose::STANDARD.encode(signature_svg(&signature.signature_path)) })
    };
    conditional_create("Consent", &key, resource, CONSENT_SYSTEM, &key)
}

/// A photo of an insurance card. Its identifier carries a digest of the bytes: a photo taken
/// again is a new document, while delivering the same one twice still creates it once.
fn card_image(appointment_id: i64, image: &StoredCardImage, patient_url: &str) -> Value {
    use sha2::Digest;
    let digest = hex::encode(&sha2::Sha256::digest(&image.jpeg)[..8]);
    let side = image.side.as_str();
    let key = format!("{appointment_id}-{}-{side}-{digest}", image.rank);
    let resource = json!({
        "resourceType": "DocumentReference",
        "identifier": [identifier(CARD_IMAGE_SYSTEM, &key)],
        "status": "current",
        "type": { "text": format!("Insurance card {side}") },
        "description": if image.rank == 1 { "Primary insurance" } else { "Secondary insurance" },
        "subject": { "reference": patient_url },
        "date": image.uploaded_at,
        "content": [{ "attachment": {
            "contentType": "image/jpeg",
            "data": base64::engine::general_purpose::STANDARD.encode(&image.jpeg),
            "title": format!("Insurance card {side}"),
        }}],
    });
    conditional_create("DocumentReference", &key, resource, CARD_IMAGE_SYSTEM, &key)
}

fn signature_svg(path: &str) -> String {
    let view_box = arrive_domain::consent::PAD_VIEW_BOX;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{view_box}\">\
         <path d=\"{path}\" fill=\"none\" stroke=\"black\" stroke-width=\"3\"/></svg>"
    )
}

fn appointment(visit: &VisitOnFile, patient_url: &str) -> Value {
    // The practice system's appointment when it came from there, else Arrive's own id.
    let (system, value) = match &visit.external_id {
        Some(external) => (APPOINTMENT_SYSTEM, external.clone()),
        None => (ARRIVE_APPOINTMENT_SYSTEM, visit.appointment_id.to_string()),
    };
    let mut resource = json!({
        "resourceType": "Appointment",
        "identifier": [identifier(system, &value)],
        "status": "arrived",
        "appointmentType": { "coding": [{ "system": "urn:arrive:visit-type", "code": visit.visit_type }] },
        "participant": [
            { "actor": { "reference": patient_url }, "status": "accepted" },
            { "actor": { "display": visit.provider }, "status": "accepted" },
        ],
    });
    if let Some(start) = instant(&visit.starts_at) {
        resource["start"] = json!(start);
    }
    if let Some(arrived) = &visit.arrived_at {
        resource["extension"] = json!([{ "url": ARRIVED_AT, "valueInstant": arrived }]);
    }
    json!({
        "fullUrl": full_url("Appointment", &visit.appointment_id.to_string()),
        "resource": resource,
        "request": { "method": "PUT", "url": format!("Appointment?identifier={system}|{value}") },
    })
}

/// When the patient checked in at the kiosk (FHIR R4's Appointment has no element for it).
pub const ARRIVED_AT: &str = "https://arrive.example.org/fhir/StructureDefinition/arrived-at";
