//! The patient's record on file as the clinic's systems see it: the patient, their insurance
//! (one coverage type, for the record and for the snapshot a verification keeps) and the visit.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{on_pool, on_tx, Store, Tx};

pub struct PatientOnFile {
    pub id: i64,
    pub external_id: Option<String>,
    /// The `system` of the practice system's identifier (`external_id` is its value): the MRN's
    /// system from a FHIR import, `ARRIVE_MRN_SYSTEM` for CSV. `None` if not imported.
    pub external_system: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: String,
    pub gender: Option<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Option<String>,
    pub emergency_contact_name: Option<String>,
    /// E.164.
    pub emergency_contact_phone: Option<String>,
    /// Owed from earlier visits.
    pub balance_cents: i64,
}

// Field lists like the import's (`import::CoverageRecord`) and the config's: alike by design.

/// One of the patient's coverages on file. Also kept as JSON in a verification's snapshot of
/// the record (`OnFile`), so its fields are its stored form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CoverageOnFile {
    pub payer_id: String,
    pub payer_name: String,
    pub member_id: String,
    pub group_number: Option<String>,
    /// FHIR subscriber-relationship code: self, spouse, child, other.
    pub relationship: String,
    pub subscriber_name: Option<String>,
    pub subscriber_dob: Option<String>,
}

/// A patient's coverages, primary first (`$1` the patient).
const COVERAGES_OF_PATIENT: &str =
    "SELECT payer_id, payer_name, member_id, group_number, relationship, subscriber_name, subscriber_dob
     FROM coverage WHERE patient_id = $1 ORDER BY rank";

/// `COVERAGES_OF_PATIENT` in the caller's transaction.
pub(super) async fn coverages_in(tx: &mut Tx, patient_id: i64) -> Result<Vec<CoverageOnFile>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(COVERAGES_OF_PATIENT)
        .bind(patient_id)
        .fetch_all(&mut **c)
        .await)
}

pub struct VisitOnFile {
    pub appointment_id: i64,
    pub external_id: Option<String>,
    /// The `system` of the practice system's appointment identifier (`external_id` its value):
    /// as the FHIR import found it, `ARRIVE_APPOINTMENT_ID_SYSTEM` for CSV.
    pub external_system: Option<String>,
    /// Clinic wall clock, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    /// The start as an instant, RFC 3339 with the clinic's offset (`2026-12-02T13:00:00-06:00`);
    /// `None` for appointments not imported (or imported before instants were kept).
    pub starts_at_instant: Option<String>,
    /// The end, as `starts_at_instant`: FHIR `end`, else `start + minutesDuration`; CSV
    /// `duration`, else `ARRIVE_DEFAULT_VISIT_MINUTES` after the start.
    pub ends_at_instant: Option<String>,
    pub provider: String,
    pub visit_type: String,
    pub arrived_at: Option<String>,
    pub patient: PatientOnFile,
    pub coverages: Vec<CoverageOnFile>,
}

impl Store {
    pub async fn visit_on_file(&self, appointment_id: i64) -> Result<Option<VisitOnFile>, sqlx::Error> {
        let visit = on_pool!(self.pool(), |p| sqlx::query(
            "SELECT a.external_id AS appointment_ref, a.external_system AS appointment_system, a.starts_at,
                    a.starts_at_instant, a.ends_at_instant, v.display_name, a.visit_type, a.arrived_at,
                    p.id AS patient_id, p.external_id AS patient_ref, p.external_system AS patient_system,
                    p.first_name, p.last_name, p.date_of_birth,
                    p.gender, p.address_line, p.city, p.state, p.postal_code, p.phone, p.email, p.language,
                    p.emergency_contact_name, p.emergency_contact_phone, p.balance_cents
             FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN provider v ON v.id = a.provider_id
             WHERE a.id = $1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await?
        .map(|row| {
            let patient = PatientOnFile {
                id: row.get("patient_id"),
                external_id: row.get("patient_ref"),
                external_system: row.get("patient_system"),
                first_name: row.get("first_name"),
                last_name: row.get("last_name"),
                date_of_birth: row.get("date_of_birth"),
                gender: row.get("gender"),
                address_line: row.get("address_line"),
                city: row.get("city"),
                state: row.get("state"),
                postal_code: row.get("postal_code"),
                phone: row.get("phone"),
                email: row.get("email"),
                language: row.get("language"),
                emergency_contact_name: row.get("emergency_contact_name"),
                emergency_contact_phone: row.get("emergency_contact_phone"),
                balance_cents: row.get("balance_cents"),
            };
            VisitOnFile {
                appointment_id,
                external_id: row.get("appointment_ref"),
                external_system: row.get("appointment_system"),
                starts_at: row.get("starts_at"),
                starts_at_instant: row.get("starts_at_instant"),
                ends_at_instant: row.get("ends_at_instant"),
                provider: row.get("display_name"),
                visit_type: row.get("visit_type"),
                arrived_at: row.get("arrived_at"),
                patient,
                coverages: Vec::new(),
            }
        }));
        let Some(mut visit) = visit else {
            return Ok(None);
        };
        visit.coverages = self.coverages(visit.patient.id).await?;
        Ok(Some(visit))
    }

    /// The patient's coverages, primary first.
    pub async fn coverages(&self, patient_id: i64) -> Result<Vec<CoverageOnFile>, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_as(COVERAGES_OF_PATIENT)
            .bind(patient_id)
            .fetch_all(p)
            .await)
    }
}
