//! Loading a schedule from the practice system: providers and patients are found or added,
//! appointments are keyed by the practice system's id.

use arrive_domain::insurance::Relationship;
use serde::Serialize;

use super::{Store, CLINIC_ID};
use crate::import::{PatientRecord, ScheduleRow};

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportCounts {
    pub inserted: u32,
    pub updated: u32,
    pub unchanged: u32,
}

impl Store {
    /// All rows in one transaction: a failure leaves the schedule as it was.
    pub async fn import_schedule(&self, rows: &[ScheduleRow]) -> Result<ImportCounts, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let mut counts = ImportCounts::default();
        for row in rows {
            let provider_id: i64 =
                match sqlx::query_scalar("SELECT id FROM provider WHERE clinic_id = ? AND display_name = ?")
                    .bind(CLINIC_ID)
                    .bind(&row.provider)
                    .fetch_optional(&mut *tx)
                    .await?
                {
                    Some(id) => id,
                    None => sqlx::query("INSERT INTO provider (clinic_id, display_name) VALUES (?, ?)")
                        .bind(CLINIC_ID)
                        .bind(&row.provider)
                        .execute(&mut *tx)
                        .await?
                        .last_insert_rowid(),
                };
            let patient_id: i64 = match sqlx::query_scalar(
                "SELECT id FROM patient WHERE first_name = ? AND last_name = ? AND date_of_birth = ?",
            )
            .bind(&row.first_name)
            .bind(&row.last_name)
            .bind(&row.date_of_birth)
            .fetch_optional(&mut *tx)
            .await?
            {
                Some(id) => id,
                None => sqlx::query("INSERT INTO patient (first_name, last_name, date_of_birth) VALUES (?, ?, ?)")
                    .bind(&row.first_name)
                    .bind(&row.last_name)
                    .bind(&row.date_of_birth)
                    .execute(&mut *tx)
                    .await?
                    .last_insert_rowid(),
            };
            if let Some(record) = &row.record {
                replace_record(&mut tx, patient_id, record).await?;
            }
            let existing: Option<(i64, i64, String, String)> = sqlx::query_as(
                "SELECT patient_id, provider_id, starts_at, visit_type FROM appointment
                 WHERE clinic_id = ? AND external_id = ?",
            )
            .bind(CLINIC_ID)
            .bind(&row.external_id)
            .fetch_optional(&mut *tx)
            .await?;
            let wanted = (patient_id, provider_id, row.starts_at.clone(), row.visit_type.clone());
            match existing {
                Some(current) if current == wanted => counts.unchanged += 1,
                Some(_) => {
                    sqlx::query(
                        "UPDATE appointment SET patient_id = ?, provider_id = ?, starts_at = ?, visit_type = ?
                         WHERE clinic_id = ? AND external_id = ?",
                    )
                    .bind(patient_id)
                    .bind(provider_id)
                    .bind(&row.starts_at)
                    .bind(&row.visit_type)
                    .bind(CLINIC_ID)
                    .bind(&row.external_id)
                    .execute(&mut *tx)
                    .await?;
                    counts.updated += 1;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO appointment (clinic_id, patient_id, provider_id, starts_at, visit_type, external_id)
                         VALUES (?, ?, ?, ?, ?, ?)",
                    )
                    .bind(CLINIC_ID)
                    .bind(patient_id)
                    .bind(provider_id)
                    .bind(&row.starts_at)
                    .bind(&row.visit_type)
                    .bind(&row.external_id)
                    .execute(&mut *tx)
                    .await?;
                    counts.inserted += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(counts)
    }
}

/// The practice system's record replaces what was on file: it is the source of truth until the
/// patient changes something at the kiosk.
async fn replace_record(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    patient_id: i64,
    record: &PatientRecord,
) -> Result<(), sqlx::Error> {
    let address = record.address.as_ref();
    sqlx::query(
        "UPDATE patient SET external_id = ?, gender = ?, address_line = ?, city = ?, state = ?, postal_code = ?,
                phone = ?, email = ?, language = ?, emergency_contact_name = ?, emergency_contact_phone = ?,
                balance_cents = COALESCE(?, balance_cents)
         WHERE id = ?",
    )
    .bind(&record.external_id)
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
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM coverage WHERE patient_id = ?")
        .bind(patient_id)
        .execute(&mut **tx)
        .await?;
    for (rank, coverage) in record.coverages.iter().enumerate() {
        sqlx::query(
            "INSERT INTO coverage (patient_id, rank, payer_id, payer_name, member_id, group_number, relationship,
                                   subscriber_name, subscriber_dob)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .execute(&mut **tx)
        .await?;
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
