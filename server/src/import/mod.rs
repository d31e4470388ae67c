//! Today's schedule from the practice system, as CSV (`csv.rs`) or as a FHIR R4 Bundle of
//! Appointment + Patient (+ Coverage) (`fhir.rs`). Both come down to the same rows, checked with
//! the domain's rules; a bad row is reported by where it is (CSV line, Bundle entry) with a
//! reason, never its contents, and the good rows still load. Rows are keyed by the practice
//! system's appointment id, so importing the same file again changes nothing.

pub mod csv;
pub mod fhir;

use arrive_domain::date::parse_iso;
use arrive_domain::insurance::Relationship;
use arrive_domain::name::validate_name;
use arrive_domain::DateOfBirth;
use serde::Serialize;

/// One valid appointment.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRow {
    pub external_id: String,
    /// Clinic wall-clock time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: String,
    pub provider: String,
    pub visit_type: String,
    /// What the practice system holds beyond the name (FHIR imports); `None` leaves the stored
    /// record as it is.
    pub record: Option<PatientRecord>,
}

/// A patient's contact details and insurance as the practice system holds them, each value
/// already normalised by the domain's rules (E.164 phones, USPS states, ZIP or ZIP+4).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatientRecord {
    pub external_id: Option<String>,
    pub gender: Option<String>,
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Option<String>,
    /// `Patient.contact[0]`: whom to call in an emergency (a name, an E.164 phone).
    pub emergency_contact: Option<EmergencyContact>,
    /// What the patient owes from earlier visits, in cents; `None` leaves the stored balance.
    pub balance_cents: Option<u32>,
    /// Primary first; at most two.
    pub coverages: Vec<CoverageRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub line: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmergencyContact {
    pub name: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRecord {
    pub payer_id: String,
    pub payer_name: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub relationship: Relationship,
    pub subscriber_name: Option<String>,
    pub subscriber_dob: Option<String>,
}

/// Why one row or entry was refused. `line` for CSV, `entry` (1-based) for a FHIR Bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    pub reason: String,
}

impl RowError {
    pub fn at_line(line: u64, reason: String) -> Self {
        RowError {
            line: Some(line),
            entry: None,
            reason,
        }
    }

    pub fn at_entry(entry: u64, reason: String) -> Self {
        RowError {
            line: None,
            entry: Some(entry),
            reason,
        }
    }
}

/// The one rule for an appointment's fields, whatever the file format.
#[allow(clippy::too_many_arguments)]
pub(crate) fn appointment_fields(
    external_id: &str,
    date: &str,
    time: &str,
    last_name: &str,
    first_name: &str,
    dob: &str,
    provider: &str,
    visit_type: &str,
) -> Result<ScheduleRow, String> {
    if external_id.is_empty() || external_id.len() > 64 {
        return Err("appointment_id must be 1 to 64 characters".into());
    }
    let day = parse_iso(date).ok_or("date must be a real YYYY-MM-DD date")?;
    let clock = chrono::NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| "time must be HH:MM (24-hour)")?;
    let last_name = validate_name(last_name).map_err(|_| "last_name is not a name")?;
    let first_name = validate_name(first_name).map_err(|_| "first_name is not a name")?;
    let dob = DateOfBirth::parse(dob, day).map_err(|_| "date_of_birth is not a real date of birth")?;
    if provider.is_empty() || provider.chars().count() > 80 {
        return Err("provider must be 1 to 80 characters".into());
    }
    if visit_type.is_empty()
        || visit_type.len() > 40
        || !visit_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("visit_type must be lowercase letters, digits and dashes (e.g. follow-up)".into());
    }
    Ok(ScheduleRow {
        external_id: external_id.to_string(),
        starts_at: format!("{}T{}", arrive_domain::date::iso(day), clock.format("%H:%M")),
        last_name,
        first_name,
        date_of_birth: dob.to_string(),
        provider: provider.to_string(),
        visit_type: visit_type.to_string(),
        record: None,
    })
}
