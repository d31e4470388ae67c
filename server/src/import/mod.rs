//! Today's schedule from the practice system, as CSV (`csv.rs`) or as a FHIR R4 Bundle of
//! Appointment + Patient (+ Coverage) (`fhir.rs`). Both come down to the same rows, checked with
//! the domain's rules; a bad row is reported by where it is (CSV line, Bundle entry) with a
//! reason, never its contents, and the good rows still load. Rows are keyed by the practice
//! system's appointment id, so importing the same file again changes nothing.
//!
//! Identifiers keep the practice system's `system`; times are read in the clinic's time zone
//! (`ImportSettings`), never the server host's: an appointment has its clinic wall clock
//! (`starts_at`, what the kiosk and the board show and matching reads) and its start and end as
//! instants with their offset.

pub mod csv;
pub mod fhir;

use arrive_domain::date::parse_iso;
use arrive_domain::insurance::Relationship;
use arrive_domain::name::validate_name;
use arrive_domain::DateOfBirth;
use chrono::{DateTime, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

/// What a CSV identifier is labelled with when the file does not say: clinic-local URNs, to be
/// replaced by the practice system's own (`ARRIVE_MRN_SYSTEM`, `ARRIVE_APPOINTMENT_ID_SYSTEM`).
pub const DEFAULT_MRN_SYSTEM: &str = "urn:arrive:practice-patient";
pub const DEFAULT_APPOINTMENT_ID_SYSTEM: &str = "urn:arrive:practice-appointment";
/// How long a visit lasts when the file does not say (`ARRIVE_DEFAULT_VISIT_MINUTES`).
pub const DEFAULT_VISIT_MINUTES: u32 = 15;
/// The longest identifier value taken, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// How the import reads what a file leaves implicit (docs/SCHEDULE_IMPORT.md).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSettings {
    /// The clinic's time zone: CSV times are its wall clock, FHIR instants are shown in it.
    pub clinic_time_zone: Tz,
    /// The `system` of a CSV `mrn`.
    pub mrn_system: String,
    /// The `system` of a CSV `appointment_id`, and of a FHIR Appointment known only by its `id`.
    pub appointment_id_system: String,
    /// A visit's length when the file gives no end (CSV without `duration`; FHIR without `end`
    /// or `minutesDuration`).
    pub default_visit_minutes: u32,
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings {
            clinic_time_zone: Tz::UTC,
            mrn_system: DEFAULT_MRN_SYSTEM.to_owned(),
            appointment_id_system: DEFAULT_APPOINTMENT_ID_SYSTEM.to_owned(),
            default_visit_minutes: DEFAULT_VISIT_MINUTES,
        }
    }
}

/// An identifier as the practice system gives it: its namespace (`system`, a URI) and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub system: String,
    pub value: String,
}

/// One valid appointment.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRow {
    /// The practice system's appointment identifier (value).
    pub external_id: String,
    /// Its `system`.
    pub external_system: String,
    /// Clinic wall-clock time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    /// The start as an instant, RFC 3339 with the clinic's offset then (`2026-12-02T13:00:00-06:00`).
    pub starts_at_instant: String,
    /// The end, likewise.
    pub ends_at_instant: String,
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: String,
    pub provider: String,
    pub visit_type: String,
    /// The patient's identifier in the practice system (its MRN); `None` leaves the one on file
    /// unless `record` is given (a FHIR Patient without one clears it).
    pub patient_identifier: Option<Identifier>,
    /// What the practice system holds beyond the name (FHIR imports); `None` leaves the stored
    /// record as it is.
    pub record: Option<PatientRecord>,
}

// The patient's fields as imported; the store's records of them (`store::record`,
// `store::verification::OnFile`) list the same fields: alike by design, one type per side.

/// A patient's contact details and insurance as the practice system holds them, each value
/// already normalised by the domain's rules (E.164 phones, USPS states, ZIP or ZIP+4).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatientRecord {
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

/// When an appointment is: its start and end in the clinic's time zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct When {
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
}

impl When {
    /// `end` after `start`, or the error to report.
    pub fn new(start: DateTime<Tz>, end: DateTime<Tz>) -> Result<When, String> {
        if end <= start {
            return Err("the appointment must end after it starts".into());
        }
        if end - start > chrono::Duration::hours(24) {
            return Err("the appointment must not last more than 24 hours".into());
        }
        Ok(When { start, end })
    }

    pub fn lasting(start: DateTime<Tz>, minutes: u32) -> Result<When, String> {
        When::new(start, start + chrono::Duration::minutes(i64::from(minutes)))
    }
}

/// The clinic's wall clock `local` as an instant. At the autumn change an hour happens twice:
/// the first is taken. At the spring change an hour does not happen at all: refused.
pub(crate) fn clinic_time(local: NaiveDateTime, zone: Tz) -> Result<DateTime<Tz>, String> {
    zone.from_local_datetime(&local)
        .earliest()
        .ok_or_else(|| "the time does not exist in the clinic's time zone (the clock changes then)".into())
}

/// RFC 3339 with the offset in force then: `2026-12-02T13:00:00-06:00`.
pub(crate) fn instant_text(at: DateTime<Tz>) -> String {
    at.fixed_offset().format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// An identifier's value as Arrive keeps it: 1 to 64 characters; no control characters and no
/// `|` (FHIR's separator of system and value in a search). Other characters (spaces, `?`, `&`,
/// `#`, `/`, …) are kept and URL-encoded wherever a value goes into a URL. `what` names it in
/// the reason; the value itself is never repeated.
pub(crate) fn identifier_value(value: &str, what: &str) -> Result<String, String> {
    let length = value.chars().count();
    if length == 0 || length > MAX_ID_CHARS {
        return Err(format!("{what} must be 1 to {MAX_ID_CHARS} characters"));
    }
    if value.chars().any(|c| c.is_control() || c == '|') {
        return Err(format!("{what} must not contain control characters or |"));
    }
    Ok(value.to_owned())
}

/// An identifier `system` Arrive accepts: an absolute URI (a scheme, then `:`), at most 255
/// characters, without whitespace, control characters or `|`.
pub fn valid_system(system: &str) -> bool {
    let scheme = system.split_once(':').map(|(scheme, _)| scheme).unwrap_or_default();
    (1..=255).contains(&system.chars().count())
        && !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !system.chars().any(|c| c.is_whitespace() || c.is_control() || c == '|')
}

/// The text of a file as sent, without a UTF-8 byte order mark (which Windows tools write).
pub(crate) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The one rule for an appointment's fields, whatever the file format.
pub(crate) fn appointment_fields(
    id: Identifier,
    when: When,
    last_name: &str,
    first_name: &str,
    dob: &str,
    provider: &str,
    visit_type: &str,
) -> Result<ScheduleRow, String> {
    let external_id = identifier_value(&id.value, "appointment_id")?;
    let day = when.start.date_naive();
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
        external_id,
        external_system: id.system,
        starts_at: when.start.naive_local().format("%Y-%m-%dT%H:%M").to_string(),
        starts_at_instant: instant_text(when.start),
        ends_at_instant: instant_text(when.end),
        last_name,
        first_name,
        date_of_birth: dob.to_string(),
        provider: provider.to_string(),
        visit_type: visit_type.to_string(),
        patient_identifier: None,
        record: None,
    })
}

/// A CSV row's `date` and `time` (the clinic's wall clock) as an instant in `zone`.
pub(crate) fn wall_clock(date: &str, time: &str, zone: Tz) -> Result<DateTime<Tz>, String> {
    let day = parse_iso(date).ok_or("date must be a real YYYY-MM-DD date")?;
    let clock = chrono::NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| "time must be HH:MM (24-hour)")?;
    clinic_time(day.and_time(clock), zone)
}
