//! What staff see of one appointment: the patient, their form responses and signatures.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{clock_time, commit_with_event, on_pool, on_tx, rfc3339, Store};
use arrive_domain::api::AppointmentStatus;

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

pub struct AppointmentRecord {
    pub patient_name: String,
    pub date_of_birth: String,
    pub starts_at: String,
    pub provider: String,
    pub visit_type: String,
    pub status: AppointmentStatus,
    pub arrived_at: Option<String>,
}

pub struct StoredResponse {
    pub form_id: String,
    pub response_json: String,
    pub phq2_total: Option<i64>,
    pub phq9_total: Option<i64>,
    pub phq9_severity: Option<String>,
    pub urgent: bool,
    pub acknowledged: bool,
    pub submitted_at: String,
}

pub struct StoredSignature {
    pub consent_id: String,
    /// SHA-256 of the wording signed.
    pub version: String,
    pub typed_name: String,
    pub signature_path: String,
    pub signed_by_typing: bool,
    pub signed_at: String,
}

/// What staff do with a visit from the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Roomed,
    NoShow,
    /// A check-in made by mistake (wrong patient at the kiosk): back to scheduled.
    UndoCheckIn,
}

impl Progress {
    pub fn audit_action(self) -> &'static str {
        match self {
            Progress::Roomed => "mark_roomed",
            Progress::NoShow => "mark_no_show",
            Progress::UndoCheckIn => "undo_check_in",
        }
    }
}

impl Store {
    /// Moves a visit on; the desk event id when it changed (it may not apply: rooming someone
    /// who has not arrived, a no-show for someone here).
    pub async fn progress(
        &self,
        appointment_id: i64,
        step: Progress,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, sqlx::Error> {
        let now = rfc3339(now);
        let sql = match step {
            Progress::Roomed => {
                "UPDATE appointment SET roomed_at = $1 WHERE id = $2 AND status = 'arrived' AND roomed_at IS NULL"
            }
            Progress::NoShow => {
                "UPDATE appointment SET no_show_at = $1 WHERE id = $2 AND status = 'scheduled' AND no_show_at IS NULL"
            }
            Progress::UndoCheckIn => {
                "UPDATE appointment SET status = 'scheduled', arrived_at = NULL, roomed_at = NULL, forms_incomplete = FALSE
                 WHERE id = $1 AND status = 'arrived'"
            }
        };
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, |c| match step {
            Progress::UndoCheckIn => sqlx::query(sql).bind(appointment_id).execute(&mut **c).await,
            Progress::Roomed | Progress::NoShow => {
                sqlx::query(sql).bind(&now).bind(appointment_id).execute(&mut **c).await
            }
        }
        .map(|r| r.rows_affected()))?;
        commit_with_event(tx, changed > 0, appointment_id, &now).await
    }

    pub async fn appointment_record(&self, appointment_id: i64) -> Result<Option<AppointmentRecord>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| sqlx::query(
            "SELECT p.first_name, p.last_name, p.date_of_birth, a.starts_at, v.display_name, a.visit_type,
                    CASE WHEN a.no_show_at IS NOT NULL THEN 'no_show' WHEN a.roomed_at IS NOT NULL THEN 'roomed'
                         ELSE a.status END AS status, a.arrived_at
             FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN provider v ON v.id = a.provider_id
             WHERE a.id = $1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await?
        .map(|row| AppointmentRecord {
            patient_name: format!(
                "{} {}",
                row.get::<String, _>("first_name"),
                row.get::<String, _>("last_name")
            ),
            date_of_birth: row.get("date_of_birth"),
            starts_at: clock_time(row.get("starts_at")),
            provider: row.get("display_name"),
            visit_type: row.get("visit_type"),
            status: AppointmentStatus::parse(row.get("status")).unwrap_or(AppointmentStatus::Scheduled),
            arrived_at: row.get("arrived_at"),
        })))
    }

    pub async fn responses(&self, appointment_id: i64) -> Result<Vec<StoredResponse>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| {
            sqlx::query(
            "SELECT form_id, response_json, phq2_total, phq9_total, phq9_severity, urgent, acknowledged_at, submitted_at
             FROM questionnaire_response WHERE appointment_id = $1 ORDER BY id",
        )
        .bind(appointment_id)
        .fetch_all(p)
        .await?
            .iter()
            .map(|row| StoredResponse {
                form_id: row.get("form_id"),
                response_json: row.get("response_json"),
                phq2_total: row.get("phq2_total"),
                phq9_total: row.get("phq9_total"),
                phq9_severity: row.get("phq9_severity"),
                urgent: row.get("urgent"),
                acknowledged: row.get::<Option<String>, _>("acknowledged_at").is_some(),
                submitted_at: row.get("submitted_at"),
            })
            .collect()
        }))
    }

    /// Every consent the appointment's patient has signed, on any visit.
    pub async fn signatures(&self, appointment_id: i64) -> Result<Vec<StoredSignature>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| sqlx::query(
            "SELECT s.consent_id, s.version, s.typed_name, s.signature_path, s.signed_by_typing, s.signed_at
             FROM consent_signature s JOIN appointment a ON a.patient_id = s.patient_id
             WHERE a.id = $1 ORDER BY s.id",
        )
        .bind(appointment_id)
        .fetch_all(p)
        .await?
        .iter()
        .map(|row| StoredSignature {
            consent_id: row.get("consent_id"),
            version: row.get("version"),
            typed_name: row.get("typed_name"),
            signature_path: row.get("signature_path"),
            signed_by_typing: row.get("signed_by_typing"),
            signed_at: row.get("signed_at"),
        })
        .collect()))
    }

    /// Staff have seen to the urgent answers of this appointment: the flag clears, and the
    /// boards hear it (the desk event id is returned) — unless there was nothing to clear.
    pub async fn acknowledge_urgent(
        &self,
        appointment_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, sqlx::Error> {
        let now = rfc3339(now);
        let mut tx = self.begin().await?;
        let cleared = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE questionnaire_response SET acknowledged_at = $1
             WHERE appointment_id = $2 AND urgent AND acknowledged_at IS NULL",
        )
        .bind(&now)
        .bind(appointment_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        commit_with_event(tx, cleared > 0, appointment_id, &now).await
    }
}
