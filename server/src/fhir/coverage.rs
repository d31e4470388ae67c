//! Insurance as the patient gave it at check-in: a new Coverage for each new insurance (with its
//! payer as an Organization), the replaced ones `cancelled` in the EHR, and "no insurance" as a
//! self-pay Coverage so billing sees it. Insurance confirmed as it was sends nothing.

use arrive_domain::verification::{InsuranceUpdate, MemberIdFormat, NewCoverage, Payer};
use serde_json::{json, Value};

use super::reference::{
    coding, create_once, encode, patch, reference, set, Identity, COVERAGE_SYSTEM, MBI_SYSTEM, PAYER_SYSTEM,
};
use crate::import::fhir::SUBSCRIBER_BIRTH_DATE;
use crate::store::CoverageOnFile;

/// PHDSC's Source of Payment Typology, US Core's binding for `Coverage.type`.
const PAYMENT_TYPOLOGY: &str = "urn:oid:2.16.840.1.113883.3.221.5";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const SELF_PAY: &str = "http://terminology.hl7.org/CodeSystem/coverage-selfpay";

/// Who the coverages are about, inside the Bundle and in the EHR.
pub struct Beneficiary<'a> {
    pub identity: &'a Identity,
    /// The Patient entry's `fullUrl`.
    pub full_url: &'a str,
    /// Arrive's patient id: keys Arrive's coverage identifiers.
    pub patient_id: i64,
    pub appointment_id: i64,
    /// The visit's day, `YYYY-MM-DD`: when a change takes effect.
    pub day: &'a str,
}

pub fn entries(
    insurance: &InsuranceUpdate,
    before: &[CoverageOnFile],
    payers: &[Payer],
    who: &Beneficiary,
) -> Vec<Value> {
    let now: Vec<&NewCoverage> = match insurance {
        InsuranceUpdate::Same => return Vec::new(),
        InsuranceUpdate::SelfPay => Vec::new(),
        InsuranceUpdate::Changed { primary, secondary } => std::iter::once(primary).chain(secondary).collect(),
    };
    let mut entries = Vec::new();
    if now.is_empty() {
        entries.push(self_pay(who));
    }
    for (index, coverage) in now.iter().enumerate() {
        let payer = payers.iter().find(|p| p.id == coverage.payer_id);
        let payer_url = super::reference::full_url("Organization", &coverage.payer_id);
        if !entries.iter().any(|e| e["fullUrl"] == payer_url) {
            entries.push(organization(
                &coverage.payer_id,
                payer.map_or(coverage.payer_id.as_str(), |p| &p.name),
            ));
        }
        entries.push(insurance_coverage(coverage, payer, index + 1, &payer_url, who));
    }
    // What was on file and is not given again is over.
    for old in before {
        let kept = now
            .iter()
            .any(|c| c.payer_id == old.payer_id && c.member_id == old.member_id);
        if !kept {
            entries.push(cancel(old, who));
        }
    }
    entries
}

fn member_identity(payer_id: &str, format: Option<MemberIdFormat>, member_id: &str) -> Identity {
    match format {
        Some(MemberIdFormat::Mbi) => Identity::new(MBI_SYSTEM, member_id),
        _ => Identity::new(&format!("urn:arrive:member-id:{payer_id}"), member_id),
    }
}

fn organization(payer_id: &str, name: &str) -> Value {
    let identity = Identity::new(PAYER_SYSTEM, payer_id);
    let resource = json!({
        "resourceType": "Organization",
        "identifier": [identity.identifier()],
        "active": true,
        "type": [{ "coding": [coding("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer")] }],
        "name": name,
    });
    create_once("Organization", payer_id, resource, &identity)
}

fn insurance_coverage(
    coverage: &NewCoverage,
    payer: Option<&Payer>,
    rank: usize,
    payer_url: &str,
    who: &Beneficiary,
) -> Value {
    let format = payer.map(|p| p.member_id_format);
    let member = member_identity(&coverage.payer_id, format, &coverage.member_id);
    let key = format!("{}-{}-{}", who.patient_id, coverage.payer_id, coverage.member_id);
    let arrive = Identity::new(COVERAGE_SYSTEM, &key);
    let kind = match format {
        Some(MemberIdFormat::Mbi) => json!({ "coding": [coding(PAYMENT_TYPOLOGY, "1", "MEDICARE")] }),
        _ => json!({ "coding": [coding(ACT_CODE, "HIP", "health insurance plan policy")] }),
    };
    let relationship = serde_json::to_value(coverage.relationship)
        .ok()
        .and_then(|r| r.as_str().map(str::to_owned))
        .unwrap_or_else(|| "other".to_owned());
    let mut resource = json!({
        "resourceType": "Coverage",
        "identifier": [member.typed_identifier("MB", "Member Number"), arrive.identifier()],
        "status": "active",
        "type": kind,
        "subscriberId": coverage.member_id,
        "beneficiary": reference(who.full_url),
        "relationship": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": relationship,
        }]},
        "period": { "start": who.day },
        "payor": [reference(payer_url)],
        "order": rank,
    });
    if relationship == "self" {
        resource["subscriber"] = reference(who.full_url);
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
    create_once("Coverage", &key, resource, &arrive)
}

/// "I have no insurance": the patient pays, and billing must see it.
fn self_pay(who: &Beneficiary) -> Value {
    let key = format!("{}-self-pay-{}", who.patient_id, who.appointment_id);
    let arrive = Identity::new(COVERAGE_SYSTEM, &key);
    let resource = json!({
        "resourceType": "Coverage",
        "identifier": [arrive.identifier()],
        "status": "active",
        "type": { "coding": [
            coding(SELF_PAY, "pay", "PAY"),
            coding(PAYMENT_TYPOLOGY, "81", "Self-pay"),
        ]},
        "beneficiary": reference(who.full_url),
        "relationship": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "self",
        }]},
        "period": { "start": who.day },
        "payor": [reference(who.full_url)],
    });
    create_once("Coverage", &key, resource, &arrive)
}

/// The EHR's Coverage of this patient with this member id, `cancelled`.
fn cancel(old: &CoverageOnFile, who: &Beneficiary) -> Value {
    let key = format!("cancel-{}-{}-{}", who.appointment_id, old.payer_id, old.member_id);
    let search = format!(
        "beneficiary.identifier={}&identifier={}",
        who.identity.token(),
        encode(&old.member_id)
    );
    // Status only: a period the EHR may not have cannot be patched into place by JSON Patch.
    patch("Coverage", &key, &search, &[set("/status", json!("cancelled"))])
}
