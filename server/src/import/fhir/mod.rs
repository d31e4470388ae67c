//! The schedule as a FHIR R4 `Bundle` of `Appointment`, `Patient` and (optionally) `Coverage`
//! resources, as practice systems export them. Each Appointment becomes one row; its patient's
//! contact details and coverage ride along. A FHIR export carries far more than we read, so
//! unknown elements are ignored here (unlike our own API, which refuses them), and so are
//! resources other than these three (Organization, Encounter, Practitioner, Location, …).
//!
//! Identifiers are kept with the `system` they come with. Times are instants: `start` and `end`
//! with `Z` or an offset are shown in the clinic's time zone, whatever the server host's is.

use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;
use serde_json::Value;

use super::{
    appointment_fields, clinic_time, identifier_value, valid_system, without_bom, CoverageRecord, Identifier,
    ImportSettings, PatientRecord, RowError, ScheduleRow, When,
};

mod coverage;
mod patient;
use coverage::coverage;
pub use coverage::SUBSCRIBER_BIRTH_DATE;
pub use patient::ACCOUNT_BALANCE;
use patient::{official_name, patient_identifier, patient_record};

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
pub(super) fn identifiers(resource: &Value) -> impl Iterator<Item = (&Value, &str, &str)> {
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

#[cfg(test)]
mod tests;
