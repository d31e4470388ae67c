//! A schedule Bundle's Patient as Arrive keeps it: the practice system's identifier (the MRN
//! when typed so), the official name, contact details, home address, emergency contact and
//! balance owed.

use arrive_domain::contact::{validate_email, validate_phone, validate_state, validate_zip};
use arrive_domain::name::validate_name;
use serde_json::Value;

use super::super::{identifier_value, valid_system, Address, EmergencyContact, Identifier, PatientRecord};
use super::{identifiers, IDENTIFIER_TYPE, MEDICAL_RECORD_NUMBER};

/// The Patient's identifier in the practice system: the one typed MR (medical record number)
/// if any, else the first with a system and a value; `None` if it has neither.
pub(super) fn patient_identifier(patient: &Value) -> Result<Option<Identifier>, String> {
    let is_mrn = |identifier: &Value| {
        identifier["type"]["coding"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["system"] == IDENTIFIER_TYPE && c["code"] == MEDICAL_RECORD_NUMBER)
        })
    };
    let Some((_, system, value)) = identifiers(patient)
        .find(|(i, _, _)| is_mrn(i))
        .or_else(|| identifiers(patient).next())
    else {
        return Ok(None);
    };
    if !valid_system(system) {
        return Err("the Patient's identifier system is not a URI".into());
    }
    Ok(Some(Identifier {
        system: system.to_owned(),
        value: identifier_value(value, "the Patient's identifier")?,
    }))
}

pub(super) fn official_name(patient: &Value) -> Option<&Value> {
    let names = patient["name"].as_array()?;
    names
        .iter()
        .find(|n| n["use"] == "official")
        .or_else(|| names.iter().find(|n| n["use"] != "old"))
}

pub(super) fn patient_record(patient: &Value) -> Result<PatientRecord, String> {
    let gender = match patient["gender"].as_str() {
        None => None,
        Some(g @ ("male" | "female" | "other" | "unknown")) => Some(g.to_owned()),
        Some(_) => return Err("the Patient's gender is not a FHIR administrative gender".into()),
    };
    let address = match home(patient["address"].as_array()) {
        None => None,
        Some(a) => Some(Address {
            line: a["line"][0]
                .as_str()
                .filter(|l| (1..=100).contains(&l.chars().count()))
                .ok_or("the Patient's address has no street line")?
                .to_owned(),
            city: a["city"]
                .as_str()
                .filter(|c| (1..=60).contains(&c.chars().count()))
                .ok_or("the Patient's address has no city")?
                .to_owned(),
            state: validate_state(a["state"].as_str().unwrap_or_default())
                .map_err(|_| "the Patient's address state is not a US state or territory")?,
            postal_code: validate_zip(a["postalCode"].as_str().unwrap_or_default())
                .map_err(|_| "the Patient's address postalCode is not a ZIP or ZIP+4")?,
        }),
    };
    let telecom = patient["telecom"].as_array().map(Vec::as_slice).unwrap_or_default();
    let contact = |system: &str| {
        telecom
            .iter()
            .find(|t| t["system"] == system && t["use"] != "old" && t["use"] != "work")
            .and_then(|t| t["value"].as_str())
    };
    let phone = contact("phone")
        .map(validate_phone)
        .transpose()
        .map_err(|_| "the Patient's phone is not a phone number")?;
    let email = contact("email")
        .map(validate_email)
        .transpose()
        .map_err(|_| "the Patient's email is not an e-mail address")?;
    let language = patient["communication"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["preferred"] == true).or(c.first()))
        .and_then(|c| c["language"]["coding"][0]["code"].as_str())
        .filter(|code| (2..=12).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(str::to_owned);
    Ok(PatientRecord {
        emergency_contact: emergency_contact(&patient["contact"][0])?,
        balance_cents: balance(patient)?,
        gender,
        address,
        phone,
        email,
        language,
        coverages: Vec::new(),
    })
}

/// `Patient.contact[0]`: a name (`name.text`, else given + family) and a phone from its telecom.
fn emergency_contact(contact: &Value) -> Result<Option<EmergencyContact>, String> {
    if contact.is_null() {
        return Ok(None);
    }
    let name = &contact["name"];
    let text = match name["text"].as_str() {
        Some(text) => text.to_owned(),
        None => {
            let given: Vec<&str> = name["given"]
                .as_array()
                .map(|g| g.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let family = name["family"].as_str().into_iter();
            given.into_iter().chain(family).collect::<Vec<_>>().join(" ")
        }
    };
    if text.trim().is_empty() {
        // A contact without a name (an organisation, say) is not someone to call by name.
        return Ok(None);
    }
    let name = validate_name(&text).map_err(|_| "the Patient's contact name is not a name")?;
    let phone = contact["telecom"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["system"] == "phone"))
        .and_then(|t| t["value"].as_str())
        .map(validate_phone)
        .transpose()
        .map_err(|_| "the Patient's contact phone is not a phone number")?;
    Ok(Some(EmergencyContact { name, phone }))
}

/// The prior balance from [`ACCOUNT_BALANCE`] (`valueMoney.value`, in US dollars).
fn balance(patient: &Value) -> Result<Option<u32>, String> {
    let Some(money) = patient["extension"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["url"] == ACCOUNT_BALANCE))
        .map(|e| &e["valueMoney"])
    else {
        return Ok(None);
    };
    let dollars = money["value"]
        .as_f64()
        .filter(|v| v.is_finite() && (0.0..=1_000_000.0).contains(v))
        .ok_or("the Patient's account-balance is not an amount from 0 to 1,000,000")?;
    if !(money["currency"].is_null() || money["currency"] == "USD") {
        return Err("the Patient's account-balance must be in USD".into());
    }
    Ok(Some((dollars * 100.0).round() as u32))
}

/// What the patient owes from earlier visits, as a Patient extension (`valueMoney`, USD): FHIR
/// R4 keeps balances in Account resources a schedule export rarely carries.
pub const ACCOUNT_BALANCE: &str = "https://arrive.example.org/fhir/StructureDefinition/account-balance";

/// The home address in use, else the first that is not old.
fn home(addresses: Option<&Vec<Value>>) -> Option<&Value> {
    let addresses = addresses?;
    addresses
        .iter()
        .find(|a| a["use"] == "home")
        .or_else(|| addresses.iter().find(|a| a["use"] != "old"))
}
