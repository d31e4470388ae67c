//! Loading a schedule from the practice system: providers and patients are found or added,
//! appointments are keyed by the practice system's id.

use arrive_domain::insurance::Relationship;
use serde::Serialize;

use super::{on_tx, Store, Tx, CLINIC_ID};
use crate::import::{PatientRecord, ScheduleRow};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportCounts {
    pub inserted: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// What an import may change of an appointment it already holds.
#[derive(PartialEq, Eq, sqlx::FromRow)]
struct StoredAppointment {
    patient_id: i64,
    provider_id: i64,
    starts_at: String,
    visit_type: String,
    external_system: Option<String>,
    starts_at_instant: Option<String>,
    ends_at_instant: Option<String>,
}

impl Store {
    /// All rows in one transaction: a failure leaves the schedule as it was.
    pub async fn import_schedule(&self, rows: &[ScheduleRow]) -> Result<ImportCounts, sqlx::Error> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(c) = &mut tx {
            // One import at a time across every server on the database: two at once would both
            // add a patient they do not find yet.
            sqlx::query("SELECT pg_advisory_xact_lock(727270001)")
                .execute(&mut **c)
                .await?;
        }
        let mut counts = ImportCounts::default();
        for row in rows {
            let provider_id: i64 = match on_tx!(&mut tx, |c| sqlx::query_scalar(
                "SELECT id FROM provider WHERE clinic_id = $1 AND display_name = $2"
            )
            .bind(CLINIC_ID)
            .bind(&row.provider)
            .fetch_optional(&mut **c)
            .await)?
            {
                Some(id) => id,
                None => on_tx!(&mut tx, |c| sqlx::query_scalar(
                    "INSERT INTO provider (clinic_id, display_name) VALUES ($1, $2) RETURNING id"
                )
                .bind(CLINIC_ID)
                .bind(&row.provider)
                .fetch_one(&mut **c)
                .await)?,
            };
            let patient_id: i64 = match on_tx!(&mut tx, |c| sqlx::query_scalar(
                "SELECT id FROM patient WHERE first_name = $1 AND last_name = $2 AND date_of_birth = $3",
            )
            .bind(&row.first_name)
            .bind(&row.last_name)
            .bind(&row.date_of_birth)
            .fetch_optional(&mut **c)
            .await)?
            {
                Some(id) => id,
                None => on_tx!(&mut tx, |c| sqlx::query_scalar(
                    "INSERT INTO patient (first_name, last_name, date_of_birth) VALUES ($1, $2, $3) RETURNING id"
                )
                .bind(&row.first_name)
                .bind(&row.last_name)
                .bind(&row.date_of_birth)
                .fetch_one(&mut **c)
                .await)?,
            };
            if let Some(record) = &row.record {
                replace_record(&mut tx, patient_id, record).await?;
            }
            // A FHIR Patient without an identifier clears the one on file; a CSV row without
            // an mrn leaves it.
            if row.record.is_some() || row.patient_identifier.is_some() {
                let identifier = row.patient_identifier.as_ref();
                on_tx!(&mut tx, |c| sqlx::query(
                    "UPDATE patient SET external_system = $1, external_id = $2 WHERE id = $3"
                )
                .bind(identifier.map(|i| &i.system))
                .bind(identifier.map(|i| &i.value))
                .bind(patient_id)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
            }
            let existing: Option<StoredAppointment> = on_tx!(&mut tx, |c| sqlx::query_as(
                "SELECT patient_id, provider_id, starts_at, visit_type, external_system, starts_at_instant,
                        ends_at_instant
                 FROM appointment WHERE clinic_id = $1 AND external_id = $2",
            )
            .bind(CLINIC_ID)
            .bind(&row.external_id)
            .fetch_optional(&mut **c)
            .await)?;
            let wanted = StoredAppointment {
                patient_id,
                provider_id,
                starts_at: row.starts_at.clone(),
                visit_type: row.visit_type.clone(),
                external_system: Some(row.external_system.clone()),
                starts_at_instant: Some(row.starts_at_instant.clone()),
                ends_at_instant: Some(row.ends_at_instant.clone()),
            };
            match existing {
                Some(current) if current == wanted => counts.unchanged += 1,
                Some(_) => {
                    on_tx!(&mut tx, |c| sqlx::query(
                        "UPDATE appointment SET patient_id = $1, provider_id = $2, starts_at = $3, visit_type = $4,
                                external_system = $5, starts_at_instant = $6, ends_at_instant = $7
                         WHERE clinic_id = $8 AND external_id = $9",
                    )
                    .bind(patient_id)
                    .bind(provider_id)
                    .bind(&row.starts_at)
                    .bind(&row.visit_type)
                    .bind(&row.external_system)
                    .bind(&row.starts_at_instant)
                    .bind(&row.ends_at_instant)
                    .bind(CLINIC_ID)
                    .bind(&row.external_id)
                    .execute(&mut **c)
                    .await
                    .map(|r| r.rows_affected()))?;
                    counts.updated += 1;
                }
                None => {
                    on_tx!(&mut tx, |c| {
                        sqlx::query(
                            "INSERT INTO appointment (clinic_id, patient_id, provider_id, starts_at, visit_type,
                                                      external_id, external_system, starts_at_instant, ends_at_instant)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(CLINIC_ID)
                        .bind(patient_id)
                        .bind(provider_id)
                        .bind(&row.starts_at)
                        .bind(&row.visit_type)
                        .bind(&row.external_id)
                        .bind(&row.external_system)
                        .bind(&row.starts_at_instant)
                        .bind(&row.ends_at_instant)
                        .execute(&mut **c)
                        .await
                        .map(|r| r.rows_affected())
                    })?;
                    counts.inserted += 1;
                }
            }
        }
        tx.commit().await?;
        if counts.inserted > 0 {
            self.refresh_statistics().await?;
        }
        Ok(counts)
    }

    /// PostgreSQL: fresh planner statistics for the tables identify reads, after many rows came
    /// at once. Until autovacuum gets to it (a minute or more), a table analyzed while nearly
    /// empty is planned as if it still were: identify then walked every appointment of the day
    /// (65 ms a query with 40,000 of them) instead of the patients born that day (0.1 ms).
    /// SQLite plans by its rules (`CROSS JOIN` fixes the order there).
    pub async fn refresh_statistics(&self) -> Result<(), sqlx::Error> {
        if let Some(pool) = self.postgres() {
            sqlx::query("ANALYZE patient, appointment").execute(pool).await?;
        }
        Ok(())
    }
}

/// The practice system's record replaces what was on file: it is the source of truth until the
/// patient changes something at the kiosk.
async fn replace_record(tx: &mut Tx, patient_id: i64, record: &PatientRecord) -> Result<(), sqlx::Error> {
    let address = record.address.as_ref();
    on_tx!(tx, |c| sqlx::query(
        "UPDATE patient SET gender = $1, address_line = $2, city = $3, state = $4, postal_code = $5,
                phone = $6, email = $7, language = $8, emergency_contact_name = $9, emergency_contact_phone = $10,
                balance_cents = COALESCE($11, balance_cents)
         WHERE id = $12",
    )
    .bind(&record.gender)
    .bind(address.map(|a| &a.line))
    .bind(address.map(|a| &a.city))
    .bind(address.map(|a| &a.state))
    .bind(address.map(|a| &a.postal_code))
    .bind(&record.phone)
    .bind(&record.email)
    .bind(&record.language)
    .bind(record.emergency_contact.as_ref().map(|c| &c.name))
    .bind(record.emergency_contact.as_ref().and_then(|c| c.phone.as_ref()))
    .bind(record.balance_cents.map(i64::from))
    .bind(patient_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(tx, |c| sqlx::query("DELETE FROM coverage WHERE patient_id = $1")
        .bind(patient_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    for (rank, coverage) in record.coverages.iter().enumerate() {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO coverage (patient_id, rank, payer_id, payer_name, member_id, group_number, relationship,
                                   subscriber_name, subscriber_dob)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(patient_id)
        .bind(rank as i64 + 1)
        .bind(&coverage.payer_id)
        .bind(&coverage.payer_name)
        .bind(&coverage.member_id)
        .bind(&coverage.group_number)
        .bind(relationship_code(coverage.relationship))
        .bind(&coverage.subscriber_name)
        .bind(&coverage.subscriber_dob)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

pub(crate) fn relationship_code(relationship: Relationship) -> &'static str {
    match relationship {
        Relationship::Own => "self",
        Relationship::Spouse => "spouse",
        Relationship::Child => "child",
        Relationship::Other => "other",
    }
}
