//! What the patient signed or photographed: a Consent for what is a consent (the privacy
//! notice acknowledged, treatment agreed to), a DocumentReference for the financial agreement
//! (an agreement to pay is not a consent to care) and for each insurance card photo. Every
//! signature points at the exact wording signed, served at a stable URL.

use base64::Engine;
use serde_json::{json, Value};

use super::reference::{coding, create_once, reference, Identity, CONSENT_SYSTEM, DOCUMENT_SYSTEM, LOINC};
use crate::consents::{ConsentKind, Consents};
use crate::store::{StoredCardImage, StoredSignature};

const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const CONSENT_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/consentcategorycodes";
/// Arrive's document types where LOINC has none that fits.
const DOCUMENT_TYPE: &str = "urn:arrive:document-type";
/// LOINC's document class for both: FHIR R4's `DocumentReference.category` value set.
const ADMINISTRATIVE: (&str, &str) = ("LP173387-4", "Administrative note");

/// Who signed, inside the Bundle.
pub struct Signer<'a> {
    pub full_url: &'a str,
    pub patient_id: i64,
    pub appointment_id: i64,
    /// Where the wording is served: `ARRIVE_PUBLIC_URL` + `/api/v1`, if the clinic set one.
    pub api_base: Option<&'a str>,
}

pub fn signature(consents: &Consents, signed: &StoredSignature, who: &Signer) -> Value {
    let key = format!("{}-{}-{}", who.patient_id, signed.consent_id, signed.version);
    let title = consents
        .get(&signed.consent_id)
        .map_or(signed.consent_id.clone(), |c| c.title.en.clone());
    let wording = match who.api_base {
        Some(base) => format!(
            "{base}{}",
            super::reference::consent_text_path(&signed.consent_id, &signed.version)
        ),
        None => format!("urn:arrive:consent-text:{}|{}", signed.consent_id, signed.version),
    };
    let attachment = attachment(signed, &title);
    let kind = consents.kind(&signed.consent_id).unwrap_or(ConsentKind::Treatment);
    let (scope, category) = match kind {
        ConsentKind::PrivacyNotice => (
            coding(CONSENT_SCOPE, "patient-privacy", "Privacy Consent"),
            vec![
                coding(LOINC, "57016-8", "Privacy policy acknowledgment Document"),
                coding(CONSENT_CATEGORY, "npp", "notice of privacy practices"),
            ],
        ),
        ConsentKind::Treatment => (
            coding(CONSENT_SCOPE, "treatment", "Treatment"),
            vec![coding(LOINC, "59284-0", "Patient Consent")],
        ),
        ConsentKind::FinancialResponsibility => {
            return financial_agreement(&key, signed, &title, &wording, attachment, who);
        }
    };
    let identity = Identity::new(CONSENT_SYSTEM, &key);
    let resource = json!({
        "resourceType": "Consent",
        "identifier": [identity.identifier()],
        "status": "active",
        "scope": { "coding": [scope] },
        "category": [{ "coding": category }],
        "patient": reference(who.full_url),
        "dateTime": signed.signed_at,
        "performer": [reference(who.full_url)],
        "policy": [{ "uri": wording }],
        "sourceAttachment": attachment,
    });
    create_once("Consent", &key, resource, &identity)
}

fn attachment(signed: &StoredSignature, title: &str) -> Value {
    let engine = base64::engine::general_purpose::STANDARD;
    if signed.signed_by_typing {
        json!({ "contentType": "text/plain", "title": title,
                "data": engine.encode(format!("Signed by typing: {}", signed.typed_name)) })
    } else {
        json!({ "contentType": "image/svg+xml", "title": title,
                "data": engine.encode(signature_svg(&signed.signature_path)) })
    }
}

fn financial_agreement(
    key: &str,
    signed: &StoredSignature,
    title: &str,
    wording: &str,
    signature: Value,
    who: &Signer,
) -> Value {
    let identity = Identity::new(DOCUMENT_SYSTEM, &format!("agreement-{key}"));
    let mut resource = json!({
        "resourceType": "DocumentReference",
        "identifier": [identity.identifier()],
        "status": "current",
        "type": {
            "coding": [coding(DOCUMENT_TYPE, "financial-responsibility", "Financial responsibility agreement")],
            "text": title,
        },
        "category": [{ "coding": [coding(LOINC, ADMINISTRATIVE.0, ADMINISTRATIVE.1)] }],
        "subject": reference(who.full_url),
        "date": signed.signed_at,
        "author": [reference(who.full_url)],
        "description": title,
        "content": [{ "attachment": signature }],
    });
    // Where the wording can be read, when the clinic said where it serves it.
    if wording.starts_with("http") {
        if let Some(content) = resource["content"].as_array_mut() {
            content.push(json!({ "attachment": {
                "contentType": "application/json", "url": wording, "title": "The wording signed",
            }}));
        }
    }
    create_once("DocumentReference", &format!("agreement-{key}"), resource, &identity)
}

/// A photo of an insurance card. Its identifier carries a digest of the bytes: a photo taken
/// again is a new document, while delivering the same one twice still creates it once.
pub fn card_image(image: &StoredCardImage, who: &Signer) -> Value {
    use sha2::Digest;
    let digest = hex::encode(&sha2::Sha256::digest(&image.jpeg)[..8]);
    let side = image.side.as_str();
    let key = format!("{}-{}-{side}-{digest}", who.appointment_id, image.rank);
    let identity = Identity::new(DOCUMENT_SYSTEM, &format!("card-{key}"));
    let title = format!("Insurance card {side}");
    let resource = json!({
        "resourceType": "DocumentReference",
        "identifier": [identity.identifier()],
        "status": "current",
        "type": { "coding": [coding(LOINC, "64290-0", "Health insurance card")], "text": title },
        "category": [{ "coding": [coding(LOINC, ADMINISTRATIVE.0, ADMINISTRATIVE.1)] }],
        "description": if image.rank == 1 { "Primary insurance" } else { "Secondary insurance" },
        "subject": reference(who.full_url),
        "date": image.uploaded_at,
        "content": [{ "attachment": {
            "contentType": "image/jpeg",
            "data": base64::engine::general_purpose::STANDARD.encode(&image.jpeg),
            "title": title,
        }}],
    });
    create_once("DocumentReference", &format!("card-{key}"), resource, &identity)
}

fn signature_svg(path: &str) -> String {
    let view_box = arrive_domain::consent::PAD_VIEW_BOX;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{view_box}\">\
         <path d=\"{path}\" fill=\"none\" stroke=\"black\" stroke-width=\"3\"/></svg>"
    )
}
