//! The Patient in the EHR: found by the practice system's identifier, and changed only where
//! the patient said something changed at check-in. Arrive never creates a chart: a patient the
//! EHR does not hold under that identifier is a rejection staff see, not a second chart.

use arrive_domain::verification::{Update, Verification};
use serde_json::{json, Value};

use super::reference::{set, Identity, ARRIVE_PATIENT_SYSTEM, PRACTICE_PATIENT_SYSTEM};
use crate::store::{OnFile, PatientOnFile};

/// How the EHR knows this patient: the practice system's identifier with its own system, or,
/// for a patient the practice system never sent, Arrive's.
pub fn identity(patient: &PatientOnFile) -> Identity {
    match &patient.external_id {
        Some(id) => Identity::new(
            patient.external_system.as_deref().unwrap_or(PRACTICE_PATIENT_SYSTEM),
            id,
        ),
        None => Identity::new(ARRIVE_PATIENT_SYSTEM, &patient.id.to_string()),
    }
}

/// JSON Patch operations for what the patient changed; none when nothing did. Each changed
/// element is replaced whole (the EHR keeps every other element as it was).
pub fn changes(before: &OnFile, verification: &Verification) -> Vec<Value> {
    let mut operations = Vec::new();
    if let Some(address) = verification.address.changed() {
        operations.push(set(
            "/address",
            json!([{
                "use": "home", "type": "physical", "line": [address.line], "city": address.city,
                "state": address.state, "postalCode": address.zip, "country": "US",
            }]),
        ));
    }
    if verification.phone.changed().is_some() || verification.email.changed().is_some() {
        let phone = now(&verification.phone, &before.phone);
        let email = now(&verification.email, &before.email);
        let mut telecom = Vec::new();
        if let Some(phone) = phone {
            telecom.push(json!({ "system": "phone", "value": phone, "use": "mobile" }));
        }
        if let Some(email) = email {
            telecom.push(json!({ "system": "email", "value": email }));
        }
        operations.push(set("/telecom", Value::Array(telecom)));
    }
    if let Some(contact) = verification.emergency_contact.changed() {
        operations.push(set(
            "/contact",
            json!([{
                "relationship": [{ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C",
                    "display": "Emergency Contact",
                }]}],
                "name": { "text": contact.name },
                "telecom": [{ "system": "phone", "value": contact.phone }],
            }]),
        ));
    }
    if let Some(language) = verification.language.changed() {
        operations.push(set(
            "/communication",
            json!([{
                "language": { "coding": [{ "system": "urn:ietf:bcp:47", "code": language }] },
                "preferred": true,
            }]),
        ));
    }
    operations
}

fn now<'a>(update: &'a Update<String>, before: &'a Option<String>) -> Option<&'a String> {
    update.changed().or(before.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrive_domain::verification::{Address, InsuranceUpdate, PaymentIntent};

    fn nothing_changed() -> Verification {
        Verification {
            address: Update::Same,
            phone: Update::Same,
            email: Update::Same,
            emergency_contact: Update::Same,
            language: Update::Same,
            insurance: InsuranceUpdate::Same,
            payment: PaymentIntent::CardAtDesk,
        }
    }

    #[test]
    fn nothing_changed_patches_nothing() {
        assert!(changes(&OnFile::default(), &nothing_changed()).is_empty());
    }

    #[test]
    fn a_new_phone_keeps_the_email_on_file_and_touches_nothing_else() {
        let before = OnFile {
            phone: Some("+15125550100".into()),
            email: Some("pat@example.com".into()),
            ..OnFile::default()
        };
        let mut verification = nothing_changed();
        verification.phone = Update::Changed {
            value: "+15125550199".into(),
        };
        let operations = changes(&before, &verification);
        assert_eq!(operations.len(), 1);
        assert_eq!(operations[0]["path"], "/telecom");
        assert_eq!(operations[0]["value"][0]["value"], "+15125550199");
        assert_eq!(operations[0]["value"][1]["value"], "pat@example.com");
    }

    #[test]
    fn a_new_address_replaces_the_address_only() {
        let mut verification = nothing_changed();
        verification.address = Update::Changed {
            value: Address {
                line: "12 Elm St".into(),
                city: "Austin".into(),
                state: "TX".into(),
                zip: "78701".into(),
            },
        };
        let operations = changes(&OnFile::default(), &verification);
        assert_eq!(operations.len(), 1);
        assert_eq!(operations[0]["op"], "add");
        assert_eq!(operations[0]["path"], "/address");
        assert_eq!(operations[0]["value"][0]["postalCode"], "78701");
    }
}
