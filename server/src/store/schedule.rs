//! Loading a schedule from the practice system: providers and patients are found or added,
//! appointments are keyed by the practice system's id.

use serde::Serialize;

use super::{Store, CLINIC_ID};
use crate::import::ScheduleRow;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
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
