//! How the hand-off names things in the EHR: identifier systems, `urn:uuid:` entry URLs, and
//! the conditional requests (create unless it exists, patch what is found) with every value
//! percent-encoded in their URLs.

use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

/// Arrive's own identifiers: added beside the practice system's, never instead of them.
pub const ARRIVE_PATIENT_SYSTEM: &str = "urn:arrive:patient";
pub const ARRIVE_APPOINTMENT_SYSTEM: &str = "urn:arrive:appointment";
/// The practice system's ids when its import named no system (CSV without a configured one).
pub const PRACTICE_PATIENT_SYSTEM: &str = "urn:arrive:practice-patient";
pub const PRACTICE_APPOINTMENT_SYSTEM: &str = "urn:arrive:practice-appointment";
pub const COVERAGE_SYSTEM: &str = "urn:arrive:coverage";
pub const RESPONSE_SYSTEM: &str = "urn:arrive:questionnaire-response";
pub const CONSENT_SYSTEM: &str = "urn:arrive:consent";
pub const DOCUMENT_SYSTEM: &str = "urn:arrive:document";
pub const OBSERVATION_SYSTEM: &str = "urn:arrive:observation";
pub const FLAG_SYSTEM: &str = "urn:arrive:flag";
pub const PAYER_SYSTEM: &str = "urn:arrive:payer-id";
/// CMS's Medicare Beneficiary Identifier.
pub const MBI_SYSTEM: &str = "http://hl7.org/fhir/sid/us-mbi";
/// HL7 v2 table 0203, identifier types (MR medical record number, MB member number).
pub const IDENTIFIER_TYPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
pub const LOINC: &str = "http://loinc.org";

/// RFC 3986's unreserved characters stay as they are; everything else is percent-encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// One value for a URL path segment or query parameter.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// The path a signature's wording is served at, below `/api/v1` (`api/consent_texts.rs`).
pub fn consent_text_path(consent_id: &str, version: &str) -> String {
    format!("/consent-texts/{}/{}", encode(consent_id), encode(version))
}

/// A resource's identity in another system: `system|value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub system: String,
    pub value: String,
}

impl Identity {
    pub fn new(system: &str, value: &str) -> Identity {
        Identity {
            system: system.to_owned(),
            value: value.to_owned(),
        }
    }

    /// As a FHIR token search value (`system|value`), each part encoded.
    pub fn token(&self) -> String {
        format!("{}|{}", encode(&self.system), encode(&self.value))
    }

    pub fn identifier(&self) -> Value {
        json!({ "system": self.system, "value": self.value })
    }

    /// The identifier with an HL7 v2 type (MR, MB).
    pub fn typed_identifier(&self, code: &str, display: &str) -> Value {
        json!({
            "type": { "coding": [{ "system": IDENTIFIER_TYPE_SYSTEM, "code": code, "display": display }] },
            "system": self.system,
            "value": self.value,
        })
    }
}

/// `urn:uuid:` for an entry, the same on every build of the same check-in.
pub fn full_url(kind: &str, key: &str) -> String {
    let id = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("urn:arrive:{kind}:{key}").as_bytes(),
    );
    format!("urn:uuid:{id}")
}

/// A resource Arrive makes: created unless one with its Arrive identifier exists already, so a
/// repeated delivery creates nothing twice.
pub fn create_once(kind: &str, key: &str, resource: Value, identity: &Identity) -> Value {
    json!({
        "fullUrl": full_url(kind, key),
        "resource": resource,
        "request": { "method": "POST", "url": kind, "ifNoneExist": format!("identifier={}", identity.token()) },
    })
}

/// A JSON Patch (RFC 6902) applied to the one resource `search` finds in the EHR: only what
/// the operations name changes. The entry's `fullUrl` stands for that resource inside the
/// Bundle, so other entries can refer to it.
pub fn patch(kind: &str, key: &str, search: &str, operations: &[Value]) -> Value {
    let body = serde_json::to_vec(operations).unwrap_or_else(|_| b"[]".to_vec());
    json!({
        "fullUrl": full_url(kind, key),
        "resource": {
            "resourceType": "Binary",
            "contentType": "application/json-patch+json",
            "data": base64::engine::general_purpose::STANDARD.encode(body),
        },
        "request": { "method": "PATCH", "url": format!("{kind}?{search}") },
    })
}

/// JSON Patch `add`: sets an object member whether or not it is there.
pub fn set(path: &str, value: Value) -> Value {
    json!({ "op": "add", "path": path, "value": value })
}

pub fn reference(full_url: &str) -> Value {
    json!({ "reference": full_url })
}

pub fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_values_are_encoded_and_the_token_separator_is_not() {
        let identity = Identity::new("https://ehr.example/mrn", "A 1&x=2#?/é");
        assert_eq!(
            identity.token(),
            "https%3A%2F%2Fehr.example%2Fmrn|A%201%26x%3D2%23%3F%2F%C3%A9"
        );
    }

    #[test]
    fn entry_urls_are_stable_and_distinct() {
        assert_eq!(full_url("Patient", "1"), full_url("Patient", "1"));
        assert_ne!(full_url("Patient", "1"), full_url("Patient", "2"));
        assert!(full_url("Patient", "1").starts_with("urn:uuid:"));
    }
}
