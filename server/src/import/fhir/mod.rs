//! The schedule as a FHIR R4 `Bundle` of `Appointment`, `Patient` and (optionally) `Coverage`
//! resources, as practice systems export them. Each Appointment becomes one row; its patient's
//! contact details and coverage ride along. A FHIR export carries far more than we read, so
//! unknown elements are ignored here (unlike our own API, which refuses them), and so are
//! resources other than these three (Organization, Encounter, Practitioner, Location, …).
//!
//! Identifiers are kept with the `system` they come with. Times are instants: `start` and `end`
//! with `Z` or an offset are shown in the clinic's time zone, whatever the server host's is.

use arrive_domain::contact::{validate_email, validate_phone, validate_state, validate_zip};
use arrive_domain::date::parse_iso;
use arrive_domain::insurance::{validate_member_id, Relationship};
use arrive_domain::name::validate_name;
use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;
use serde_json::Value;

use super::{
    appointment_fields, clinic_time, identifier_value, valid_system, without_bom, Address, CoverageRecord,
    EmergencyContact, Identifier, ImportSettings, PatientRecord, RowError, ScheduleRow, When,
};

/// The code system of `Identifier.type` (HL7 v2 table 0203) and its code for a medical record
/// number: the Patient identifier Arrive takes when there are several.
pub const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
pub const MEDICAL_RECORD_NUMBER: &str = "MR";

/// The appointments, and the reasons the others were refused (by 1-based entry number). `Err`
/// when the document is not a FHIR Bundle, or has no Appointment to read.
pub fn parse(text: &str, settings: &ImportSettings) -> Result<(Vec<ScheduleRow>, Vec<RowError>), String> {
    let bundle: Value = serde_json::from_str(without_bom(text)).map_err(|_| "the file is not JSON".to_owned())?;
    if bundle["resourceType"] != "Bundle" {
        return Err("the file is not a FHIR Bundle (resourceType must be \"Bundle\")".into());
    }
    let entries = bundle["entry"]
        .as_array()
        .map(Vec::as_slice)
        .filter(|entries| !entries.is_empty())
        .ok_or("the Bundle has no entry")?;
    if !entries.iter().any(|e| e["resource"]["resourceType"] == "Appointment") {
        return Err("the Bundle has no Appointment".into());
    }
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
        // Patients and Coverages are read with their Appointment; anything else is not ours.
        if kind(i) != "Appointment" {
            continue;
        }
        let result = appointment(resource(i), &find_patient, entries, settings);
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
    settings: &ImportSettings,
) -> Result<ScheduleRow, String> {
    let id = appointment_identifier(appointment, settings)?;
    let zone = settings.clinic_time_zone;
    let start = instant(
        appointment["start"].as_str().ok_or("the Appointment has no start")?,
        "start",
        zone,
    )?;
    let when = match (appointment["end"].as_str(), &appointment["minutesDuration"]) {
        (Some(end), _) => When::new(start, instant(end, "end", zone)?)?,
        (None, Value::Null) => When::lasting(start, settings.default_visit_minutes)?,
        (None, minutes) => When::lasting(
            start,
            minutes
                .as_u64()
                .and_then(|m| u32::try_from(m).ok())
                .filter(|m| (1..=24 * 60).contains(m))
                .ok_or("the Appointment's minutesDuration must be 1 to 1440")?,
        )?,
    };
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
    let mut row = appointment_fields(id, when, family, given, birth_date, provider, visit_type)?;
    row.patient_identifier = patient_identifier(patient)?;

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

/// `start` or `end`: an instant (`2026-11-25T09:30:00-06:00`, `…Z`), shown in the clinic's
/// time zone. One without an offset (not FHIR, but some exports do it) is taken as the clinic's
/// wall clock.
fn instant(text: &str, what: &str, zone: Tz) -> Result<DateTime<Tz>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&zone));
    }
    let local = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| format!("the Appointment's {what} is not a date and time (e.g. 2026-11-25T09:30:00-06:00)"))?;
    clinic_time(local, zone)
}

/// The identifiers with both a `system` and a `value`, in their order (an `old` one skipped).
fn identifiers(resource: &Value) -> impl Iterator<Item = (&Value, &str, &str)> {
    resource["identifier"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|i| i["use"] != "old")
        .filter_map(|i| Some((i, i["system"].as_str()?, i["value"].as_str()?)))
}

/// The Appointment's identifier as given (the first with a system and a value); else a value
/// without a system, or the resource `id`, labelled with `ARRIVE_APPOINTMENT_ID_SYSTEM`.
fn appointment_identifier(appointment: &Value, settings: &ImportSettings) -> Result<Identifier, String> {
    let (system, value) = match identifiers(appointment).next() {
        Some((_, system, value)) => (system, value),
        None => (
            settings.appointment_id_system.as_str(),
            appointment["identifier"]
                .as_array()
                .and_then(|ids| ids.iter().find_map(|i| i["value"].as_str()))
                .or(appointment["id"].as_str())
                .ok_or("the Appointment has neither identifier nor id")?,
        ),
    };
    if !valid_system(system) {
        return Err("the Appointment's identifier system is not a URI".into());
    }
    Ok(Identifier {
        system: system.to_owned(),
        value: identifier_value(value, "the Appointment's identifier")?,
    })
}

/// The Patient's identifier in the practice system: the one typed MR (medical record number)
/// if any, else the first with a system and a value; `None` if it has neither.
fn patient_identifier(patient: &Value) -> Result<Option<Identifier>, String> {
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

    const BUNDLE: &str = include_str!("../../../../demo/schedule.fhir.json");

    fn in_zone(zone: &str) -> ImportSettings {
        ImportSettings {
            clinic_time_zone: zone.parse().unwrap(),
            ..ImportSettings::default()
        }
    }

    fn utc() -> ImportSettings {
        ImportSettings::default()
    }

    #[test]
    fn the_demo_bundle_loads_whole() {
        let text = BUNDLE.replace("\"today", "\"2026-11-25");
        let (rows, errors) = parse(&text, &in_zone("America/Chicago")).unwrap();
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
        let read = |extra: &str| parse(&patient(extra), &utc()).unwrap();
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
        let (rows, errors) = parse(text, &utc()).unwrap();
        assert!(rows.is_empty());
        let entries: Vec<u64> = errors.iter().filter_map(|e| e.entry).collect();
        assert_eq!(entries, [2, 3], "the Observation is not a schedule's: ignored");
        assert!(errors[0].reason.contains("state"));
        assert!(errors
            .iter()
            .all(|e| !e.reason.contains("Smith") && !e.reason.contains("ZZ")));
        assert!(parse("{\"resourceType\":\"Patient\"}", &utc()).is_err());
        assert!(parse("not json", &utc()).is_err());
    }

    /// A Bundle of one Patient (`patient` its extra elements) and one Appointment (`appointment`
    /// its extra elements), then `more` entries.
    fn one(patient: &str, appointment: &str, more: &str) -> String {
        format!(
            r#"{{"resourceType":"Bundle","type":"collection","entry":[
              {{"fullUrl":"urn:uuid:p1","resource":{{"resourceType":"Patient","name":[{{"family":"Smith","given":["Ann"]}}],"birthDate":"1970-02-03"{patient}}}}},
              {{"resource":{{"resourceType":"Appointment","appointmentType":{{"coding":[{{"code":"office-visit"}}]}},
                "participant":[{{"actor":{{"reference":"urn:uuid:p1"}}}},{{"actor":{{"reference":"Practitioner/x","display":"Dr. Patel"}}}}]{appointment}}}}}{more}
            ]}}"#
        )
    }

    #[test]
    fn times_with_z_or_an_offset_are_the_clinics_wall_clock_and_keep_their_instant() {
        let chicago = in_zone("America/Chicago");
        let read = |appointment: &str| {
            let (rows, errors) = parse(&one("", &format!(r#","id":"a1"{appointment}"#), ""), &chicago).unwrap();
            assert!(errors.is_empty(), "{errors:?}");
            let row = &rows[0];
            (
                row.starts_at.clone(),
                row.starts_at_instant.clone(),
                row.ends_at_instant.clone(),
            )
        };
        let times = |start: &str, instant: &str, end: &str| (start.to_owned(), instant.to_owned(), end.to_owned());
        assert_eq!(
            read(r#","start":"2026-12-02T19:00:00Z","minutesDuration":20"#),
            times(
                "2026-12-02T13:00",
                "2026-12-02T13:00:00-06:00",
                "2026-12-02T13:20:00-06:00"
            )
        );
        assert_eq!(
            read(r#","start":"2026-12-02T20:00:00+01:00","end":"2026-12-02T20:45:00+01:00""#),
            times(
                "2026-12-02T13:00",
                "2026-12-02T13:00:00-06:00",
                "2026-12-02T13:45:00-06:00"
            )
        );
        // Summer time in Chicago; no end: the default length.
        assert_eq!(
            read(r#","start":"2026-07-01T14:00:00Z""#),
            times(
                "2026-07-01T09:00",
                "2026-07-01T09:00:00-05:00",
                "2026-07-01T09:15:00-05:00"
            )
        );
        // Past midnight in UTC is still the evening before in Chicago.
        assert_eq!(read(r#","start":"2026-12-03T01:30:00Z""#).0, "2026-12-02T19:30");
        // No offset (not FHIR, but seen): the clinic's wall clock.
        assert_eq!(read(r#","start":"2026-12-02T09:30:00""#).1, "2026-12-02T09:30:00-06:00");
        // In UTC the instant is shown as it is.
        let (rows, _) = parse(&one("", r#","id":"a1","start":"2026-12-02T19:00:00Z""#, ""), &utc()).unwrap();
        assert_eq!(
            (rows[0].starts_at.as_str(), rows[0].starts_at_instant.as_str()),
            ("2026-12-02T19:00", "2026-12-02T19:00:00+00:00")
        );
        for (bad, reason) in [
            (
                r#","start":"2026-12-02T19:00:00Z","end":"2026-12-02T18:00:00Z""#,
                "end after it starts",
            ),
            (
                r#","start":"2026-12-02T19:00:00Z","minutesDuration":0"#,
                "minutesDuration",
            ),
            (
                r#","start":"2026-12-02T19:00:00Z","minutesDuration":"15""#,
                "minutesDuration",
            ),
            (r#","start":"tomorrow at nine""#, "start is not a date and time"),
            (
                r#","start":"2026-12-02T19:00:00Z","end":"soon""#,
                "end is not a date and time",
            ),
        ] {
            let (rows, errors) = parse(&one("", &format!(r#","id":"a1"{bad}"#), ""), &chicago).unwrap();
            assert!(rows.is_empty(), "{bad}");
            assert!(errors[0].reason.contains(reason), "{bad}: {:?}", errors[0]);
            assert!(!errors[0].reason.contains("soon") && !errors[0].reason.contains("tomorrow"));
        }
    }

    #[test]
    fn identifiers_keep_their_own_system_and_the_patients_is_its_mrn() {
        let text = BUNDLE.replace("\"today", "\"2026-11-25");
        let (rows, _) = parse(&text, &in_zone("America/Chicago")).unwrap();
        let okafor = rows.iter().find(|r| r.last_name == "Okafor").unwrap();
        assert_eq!(
            okafor.patient_identifier,
            Some(Identifier {
                system: "urn:oid:2.16.840.1.113883.3.9999.1".into(),
                value: "MRN-1001".into()
            }),
            "the MR-typed identifier, not the first"
        );
        assert_eq!(
            (okafor.external_system.as_str(), okafor.external_id.as_str()),
            ("urn:oid:2.16.840.1.113883.3.9999.2", "DEMO-01")
        );
        assert_eq!(okafor.ends_at_instant, "2026-11-25T08:15:00-06:00");

        let start = r#","start":"2026-12-02T19:00:00Z""#;
        let read = |patient: &str, appointment: &str| {
            let (rows, errors) = parse(&one(patient, &format!("{start}{appointment}"), ""), &utc()).unwrap();
            assert!(errors.is_empty(), "{errors:?}");
            rows.into_iter().next().unwrap()
        };
        // No type: the first identifier with a system and a value (an old one skipped).
        let row = read(
            r#","identifier":[{"value":"no-system"},{"use":"old","system":"urn:x:old","value":"1"},{"system":"https://ehr.example.org/mrn","value":"77 1"}]"#,
            r#","identifier":[{"system":"https://ehr.example.org/appt","value":"V-9"}],"id":"a1""#,
        );
        let identifier = row.patient_identifier.unwrap();
        assert_eq!(
            (identifier.system.as_str(), identifier.value.as_str()),
            ("https://ehr.example.org/mrn", "77 1")
        );
        assert_eq!(
            (row.external_system.as_str(), row.external_id.as_str()),
            ("https://ehr.example.org/appt", "V-9")
        );
        // An Appointment known only by its id is labelled with the configured system.
        let row = read("", r#","id":"a1""#);
        assert_eq!(row.patient_identifier, None);
        assert_eq!(
            (row.external_system.as_str(), row.external_id.as_str()),
            ("urn:arrive:practice-appointment", "a1")
        );
    }

    #[test]
    fn hostile_identifiers_are_refused_by_entry_without_their_value_or_kept_for_encoding() {
        let start = r#","start":"2026-12-02T19:00:00Z""#;
        let appointment_id =
            |value: &str| format!(r#"{start},"identifier":[{{"system":"urn:x:appt","value":{value}}}]"#);
        let mrn = |value: &str| format!(r#","identifier":[{{"system":"urn:x:mrn","value":{value}}}]"#);
        let long = "é".repeat(65);
        for (patient, appointment, reason) in [
            (String::new(), appointment_id(r#""A\nB""#), "control characters"),
            (String::new(), appointment_id(r#""A|B""#), "control characters or |"),
            (
                String::new(),
                appointment_id(&format!("\"{long}\"")),
                "1 to 64 characters",
            ),
            (
                mrn(r#""M\u0000""#),
                appointment_id(r#""A1""#),
                "Patient's identifier must not",
            ),
            (
                mrn(r#""M|1""#),
                appointment_id(r#""A1""#),
                "Patient's identifier must not",
            ),
            (
                mrn(&format!("\"{long}\"")),
                appointment_id(r#""A1""#),
                "Patient's identifier must be",
            ),
            (
                r#","identifier":[{"system":"not a uri","value":"M1"}]"#.to_owned(),
                appointment_id(r#""A1""#),
                "identifier system is not a URI",
            ),
        ] {
            let (rows, errors) = parse(&one(&patient, &appointment, ""), &utc()).unwrap();
            assert!(rows.is_empty(), "{patient} {appointment}");
            assert_eq!(errors[0].entry, Some(2));
            assert!(errors[0].reason.contains(reason), "{:?}", errors[0]);
            assert!(!errors[0].reason.contains("éé") && !errors[0].reason.contains("M|1"));
        }
        // Counted in characters: 64 two-byte letters are 64, not 128.
        let (rows, errors) = parse(
            &one(
                &mrn(&format!("\"{}\"", "é".repeat(64))),
                &appointment_id(r#""A 1?x=1&y#2/3""#),
                "",
            ),
            &utc(),
        )
        .unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            rows[0].external_id, "A 1?x=1&y#2/3",
            "kept as sent, to be URL-encoded where it goes in a URL"
        );
        assert_eq!(rows[0].patient_identifier.as_ref().unwrap().value.chars().count(), 64);
    }

    #[test]
    fn a_bundle_without_an_appointment_is_not_a_schedule_and_other_resources_are_ignored() {
        for text in [
            r#"{"resourceType":"Bundle","type":"collection"}"#,
            r#"{"resourceType":"Bundle","type":"collection","entry":[]}"#,
            r#"{"resourceType":"Bundle","type":"collection","entry":{"resource":{"resourceType":"Appointment"}}}"#,
            r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p"}}]}"#,
        ] {
            assert!(parse(text, &utc()).is_err(), "{text}");
        }
        let others = r#",
          {"resource":{"resourceType":"Organization","id":"o1","name":"Clinic"}},
          {"resource":{"resourceType":"Encounter","id":"e1","status":"planned"}},
          {"resource":{"resourceType":"Practitioner","id":"x"}},
          {"resource":{"resourceType":"Location","id":"l1"}},
          {"resource":{"resourceType":"Observation","id":"ob1"}},
          {"fullUrl":"urn:uuid:nothing"}"#;
        let text = one("", r#","id":"a1","start":"2026-12-02T19:00:00Z""#, others);
        let (rows, errors) = parse(&text, &utc()).unwrap();
        assert_eq!((rows.len(), errors), (1, vec![]));
        // Windows tools start a UTF-8 file with a byte order mark.
        let (rows, errors) = parse(&format!("\u{feff}{text}"), &utc()).unwrap();
        assert_eq!((rows.len(), errors.len()), (1, 0));
    }
}
