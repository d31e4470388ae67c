//! The schedule as a FHIR R4 `Bundle` of `Appointment`, `Patient` and (optionally) `Coverage`
//! resources, as practice systems export them. Each Appointment becomes one row; its patient's
//! contact details and coverage ride along. A FHIR export carries far more than we read, so
//! unknown elements are ignored here (unlike our own API, which refuses them).

use arrive_domain::contact::{validate_email, validate_phone, validate_state, validate_zip};
use arrive_domain::date::parse_iso;
use arrive_domain::insurance::{validate_member_id, Relationship};
use arrive_domain::name::validate_name;
use serde_json::Value;

use super::{appointment_fields, Address, CoverageRecord, EmergencyContact, PatientRecord, RowError, ScheduleRow};

/// The appointments, and the reasons the others were refused (by 1-based entry number). `Err`
/// when the document is not a FHIR Bundle.
pub fn parse(text: &str) -> Result<(Vec<ScheduleRow>, Vec<RowError>), String> {
    let bundle: Value = serde_json::from_str(text).map_err(|_| "the file is not JSON".to_owned())?;
    if bundle["resourceType"] != "Bundle" {
        return Err("the file is not a FHIR Bundle (resourceType must be \"Bundle\")".into());
    }
    let entries = bundle["entry"].as_array().map(Vec::as_slice).unwrap_or_default();
    let resource = |i: usize| &entries[i]["resource"];
    let kind = |i: usize| resource(i)["resourceType"].as_str().unwrap_or_default();
    // An Appointment refers to its Patient as "Patient/<id>" or by the entry's fullUrl.
    let find_patient = |reference: &str| {
        (0..entries.len()).find(|&i| {
            kind(i) == "Patient"
                && (entries[i]["fullUrl"].as_str() == Some(reference)
                    || resource(i)["id"].as_str().map(|id| format!("Patient/{id}")).as_deref() == Some(reference))
        })
    };

    let (mut rows, mut errors) = (Vec::<ScheduleRow>::new(), Vec::new());
    for i in 0..entries.len() {
        let entry = i as u64 + 1;
        let result = match kind(i) {
            "Appointment" => appointment(resource(i), &find_patient, entries),
            "Patient" | "Coverage" | "Practitioner" | "Location" => continue,
            _ => Err("only Appointment, Patient, Coverage and Practitioner resources are read".into()),
        };
        match result {
            Ok(row) if rows.iter().any(|r| r.external_id == row.external_id) => errors.push(RowError::at_entry(
                entry,
                "this Appointment's identifier appears twice in the Bundle".into(),
            )),
            Ok(row) => rows.push(row),
            Err(reason) => errors.push(RowError::at_entry(entry, reason)),
        }
    }
    Ok((rows, errors))
}

fn appointment(
    appointment: &Value,
    find_patient: &dyn Fn(&str) -> Option<usize>,
    entries: &[Value],
) -> Result<ScheduleRow, String> {
    let external_id = appointment["identifier"][0]["value"]
        .as_str()
        .or(appointment["id"].as_str())
        .ok_or("the Appointment has neither identifier nor id")?;
    // The clinic's wall clock as written: "2026-11-25T09:30:00-05:00" → 2026-11-25, 09:30.
    let start = appointment["start"].as_str().ok_or("the Appointment has no start")?;
    let (date, time) = (start.get(..10).unwrap_or(start), start.get(11..16).unwrap_or_default());
    let actors: Vec<&Value> = appointment["participant"]
        .as_array()
        .map(|p| p.iter().map(|p| &p["actor"]).collect())
        .unwrap_or_default();
    // The patient is the participant whose reference is a Patient of this Bundle.
    let patient_index = actors
        .iter()
        .find_map(|a| a["reference"].as_str().and_then(find_patient))
        .ok_or("the Appointment has no Patient participant in the Bundle")?;
    let patient = &entries[patient_index]["resource"];
    let provider = actors
        .iter()
        .find(|a| a["type"] == "Practitioner" || a["reference"].as_str().is_some_and(|r| r.starts_with("Practitioner")))
        .and_then(|a| a["display"].as_str())
        .ok_or("the Appointment has no Practitioner participant with a display name")?;
    let visit_type = appointment["appointmentType"]["coding"][0]["code"]
        .as_str()
        .or(appointment["serviceType"][0]["coding"][0]["code"].as_str())
        .ok_or("the Appointment has no appointmentType or serviceType code")?;
    let name = official_name(patient).ok_or("the Patient has no name")?;
    let family = name["family"].as_str().unwrap_or_default();
    let given = name["given"][0].as_str().unwrap_or_default();
    let birth_date = patient["birthDate"].as_str().unwrap_or_default();
    let mut row = appointment_fields(external_id, date, time, family, given, birth_date, provider, visit_type)?;

    let patient_url = entries[patient_index]["fullUrl"].as_str();
    let patient_id = patient["id"].as_str().map(|id| format!("Patient/{id}"));
    let mut coverages: Vec<(i64, CoverageRecord)> = Vec::new();
    for resource in entries.iter().map(|e| &e["resource"]) {
        let beneficiary = resource["beneficiary"]["reference"].as_str();
        if resource["resourceType"] == "Coverage"
            && beneficiary.is_some()
            && (beneficiary == patient_url || beneficiary == patient_id.as_deref())
            && resource["status"] != "cancelled"
            && resource["status"] != "entered-in-error"
        {
            coverages.push((resource["order"].as_i64().unwrap_or(1), coverage(resource)?));
        }
    }
    if coverages.len() > 2 {
        return Err("the Patient has more than two active Coverages".into());
    }
    coverages.sort_by_key(|(order, _)| *order);
    row.record = Some(PatientRecord {
        coverages: coverages.into_iter().map(|(_, c)| c).collect(),
        ..patient_record(patient)?
    });
    Ok(row)
}

fn official_name(patient: &Value) -> Option<&Value> {
    let names = patient["name"].as_array()?;
    names
        .iter()
        .find(|n| n["use"] == "official")
        .or_else(|| names.iter().find(|n| n["use"] != "old"))
}

fn patient_record(patient: &Value) -> Result<PatientRecord, String> {
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
        external_id: patient["identifier"][0]["value"]
            .as_str()
            .filter(|id| (1..=64).contains(&id.len()))
            .map(str::to_owned),
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

fn coverage(coverage: &Value) -> Result<CoverageRecord, String> {
    let payor = &coverage["payor"][0];
    let payer_name = payor["display"]
        .as_str()
        .filter(|n| (1..=80).contains(&n.chars().count()))
        .ok_or("a Coverage has no payor display name")?;
    let payer_id = payor["identifier"]["value"]
        .as_str()
        .filter(|id| (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or("a Coverage's payor has no identifier (the payer id, letters and digits)")?;
    let member_id = validate_member_id(
        coverage["subscriberId"]
            .as_str()
            .or(coverage["identifier"][0]["value"].as_str())
            .unwrap_or_default(),
    )
    .map_err(|_| "a Coverage's subscriberId is not a member ID")?;
    let group_number = coverage["class"]
        .as_array()
        .and_then(|classes| classes.iter().find(|c| c["type"]["coding"][0]["code"] == "group"))
        .and_then(|c| c["value"].as_str())
        .filter(|g| (1..=30).contains(&g.len()))
        .map(str::to_owned);
    let relationship = match coverage["relationship"]["coding"][0]["code"].as_str().unwrap_or("self") {
        "self" => Relationship::Own,
        "spouse" | "common" => Relationship::Spouse,
        "child" => Relationship::Child,
        _ => Relationship::Other,
    };
    let (subscriber_name, subscriber_dob) = if relationship == Relationship::Own {
        (None, None)
    } else {
        let name = coverage["subscriber"]["display"]
            .as_str()
            .map(validate_name)
            .transpose()
            .map_err(|_| "a Coverage's subscriber display is not a name")?;
        let dob = coverage["extension"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["url"] == SUBSCRIBER_BIRTH_DATE))
            .and_then(|e| e["valueDate"].as_str())
            .map(|d| parse_iso(d).map(arrive_domain::date::iso))
            .map(|d| d.ok_or("a Coverage's subscriber birth date is not a date"))
            .transpose()?;
        (name, dob)
    };
    Ok(CoverageRecord {
        payer_id: payer_id.to_ascii_uppercase(),
        payer_name: payer_name.to_owned(),
        member_id,
        group_number,
        relationship,
        subscriber_name,
        subscriber_dob,
    })
}

/// FHIR's Coverage carries the subscriber as a reference; a flat export puts their birth date
/// in this extension (the one Arrive also writes on the way out).
pub const SUBSCRIBER_BIRTH_DATE: &str = "https://arrive.example.org/fhir/StructureDefinition/subscriber-birth-date";

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: &str = include_str!("../../../demo/schedule.fhir.json");

    #[test]
    fn the_demo_bundle_loads_whole() {
        let text = BUNDLE.replace("\"today", "\"2026-11-25");
        let (rows, errors) = parse(&text).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(rows.len() >= 6);
        let maria = rows.iter().find(|r| r.first_name == "María").unwrap();
        assert_eq!(maria.starts_at, "2026-11-25T08:30");
        let record = maria.record.as_ref().unwrap();
        assert_eq!(record.address.as_ref().unwrap().state, "TX");
        assert!(record.phone.as_ref().unwrap().starts_with("+1"));
        assert_eq!(record.coverages.len(), 2, "primary and secondary");
        let sean = rows
            .iter()
            .find(|r| r.last_name == "O'Brien")
            .unwrap()
            .record
            .as_ref()
            .unwrap();
        let contact = sean.emergency_contact.as_ref().unwrap();
        assert_eq!(
            (contact.name.as_str(), contact.phone.as_deref()),
            ("Maeve O'Brien", Some("+15125550153"))
        );
        assert_eq!(sean.balance_cents, Some(4550));
        let with_contact = rows
            .iter()
            .filter(|r| r.record.as_ref().unwrap().emergency_contact.is_some());
        assert!(with_contact.count() >= 6, "about half the demo patients have one");
    }

    #[test]
    fn an_emergency_contact_and_a_balance_are_read_and_checked() {
        let patient = |extra: &str| {
            format!(
                r#"{{"resourceType":"Bundle","type":"collection","entry":[
                  {{"fullUrl":"urn:uuid:p1","resource":{{"resourceType":"Patient","name":[{{"family":"Smith","given":["Ann"]}}],"birthDate":"1970-02-03"{extra}}}}},
                  {{"resource":{{"resourceType":"Appointment","id":"a1","start":"2026-11-25T09:00:00-06:00",
                    "appointmentType":{{"coding":[{{"code":"office-visit"}}]}},
                    "participant":[{{"actor":{{"reference":"urn:uuid:p1"}}}},{{"actor":{{"reference":"Practitioner/x","display":"Dr. Patel"}}}}]}}}}
                ]}}"#
            )
        };
        let read = |extra: &str| parse(&patient(extra)).unwrap();
        let (rows, _) = read(
            r#","contact":[{"name":{"given":["Bo"],"family":"Smith"},"telecom":[{"system":"email","value":"b@x.org"},{"system":"phone","value":"512-555-0190"}]}],
               "extension":[{"url":"https://arrive.example.org/fhir/StructureDefinition/account-balance","valueMoney":{"value":12.345,"currency":"USD"}}]"#,
        );
        let record = rows[0].record.as_ref().unwrap();
        let contact = record.emergency_contact.as_ref().unwrap();
        assert_eq!(
            (contact.name.as_str(), contact.phone.as_deref()),
            ("Bo Smith", Some("+15125550190"))
        );
        assert_eq!(record.balance_cents, Some(1235));
        let (rows, _) = read("");
        let record = rows[0].record.as_ref().unwrap();
        assert_eq!((record.emergency_contact.as_ref(), record.balance_cents), (None, None));
        for (bad, reason) in [
            (r#","contact":[{"name":{"text":"B0b"}}]"#, "contact name"),
            (
                r#","contact":[{"name":{"text":"Bob"},"telecom":[{"system":"phone","value":"12"}]}]"#,
                "contact phone",
            ),
            (
                r#","extension":[{"url":"https://arrive.example.org/fhir/StructureDefinition/account-balance","valueMoney":{"value":-5}}]"#,
                "account-balance",
            ),
        ] {
            let (rows, errors) = read(bad);
            assert!(rows.is_empty());
            assert!(errors[0].reason.contains(reason), "{:?}", errors[0]);
        }
    }

    #[test]
    fn bad_entries_say_why_by_number_without_their_contents() {
        let text = r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Smith","given":["Ann"]}],"birthDate":"1970-02-03",
            "address":[{"line":["1 Main St"],"city":"Austin","state":"ZZ","postalCode":"78701"}]}},
          {"resource":{"resourceType":"Appointment","id":"a1","status":"booked","start":"2026-11-25T09:00:00-06:00",
            "appointmentType":{"coding":[{"code":"office-visit"}]},
            "participant":[{"actor":{"reference":"urn:uuid:p1"},"status":"accepted"},{"actor":{"reference":"Practitioner/x","display":"Dr. Patel"},"status":"accepted"}]}},
          {"resource":{"resourceType":"Appointment","id":"a2","status":"booked","start":"2026-11-25T09:00:00-06:00",
            "participant":[{"actor":{"reference":"Patient/nobody"},"status":"accepted"}]}},
          {"resource":{"resourceType":"Observation","id":"o1"}}
        ]}"#;
        let (rows, errors) = parse(text).unwrap();
        assert!(rows.is_empty());
        let entries: Vec<u64> = errors.iter().filter_map(|e| e.entry).collect();
        assert_eq!(entries, [2, 3, 4]);
        assert!(errors[0].reason.contains("state"));
        assert!(errors
            .iter()
            .all(|e| !e.reason.contains("Smith") && !e.reason.contains("ZZ")));
        assert!(parse("{\"resourceType\":\"Patient\"}").is_err());
        assert!(parse("not json").is_err());
    }
}
