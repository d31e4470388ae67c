//! Intake forms at the store: the responses a visit's patient gives (with their scores), where
//! a visit stands with its forms, and what the patient answered at earlier visits (the
//! clinic's re-ask rules decide what is asked again).

use arrive_domain::date::parse_iso;
use chrono::{DateTime, Utc};

use super::board::commit_with_event;
use super::{on_pool, on_tx, rfc3339, Store};
use crate::forms::{EarlierAnswer, FormProgress};

/// One response of the patient's, at this visit or an earlier one (or none, for a visit with
/// no answer yet), with the visit asked about. The days are the clinic's (`substr` of the
/// local `starts_at`).
#[derive(sqlx::FromRow)]
pub(super) struct FormRow {
    appointment_id: i64,
    visit_type: String,
    visit_day: String,
    form_id: Option<String>,
    phq2_total: Option<i64>,
    phq9_total: Option<i64>,
    /// Given at the visit asked about (not at an earlier one).
    answered_here: Option<bool>,
    /// The day of the visit it was given at.
    answered_day: String,
}

/// `FormRow`s of one appointment: the appointment and its `FormProgress`.
pub(super) fn fold_form_progress(rows: Vec<FormRow>) -> Option<(i64, FormProgress)> {
    let first = rows.first()?;
    let appointment_id = first.appointment_id;
    let mut progress = FormProgress {
        visit_type: first.visit_type.clone(),
        visit_day: parse_iso(&first.visit_day)?,
        answered: Vec::new(),
        phq2_total: None,
        earlier: Vec::new(),
    };
    for row in rows {
        let Some(form_id) = row.form_id else { continue };
        if row.answered_here == Some(true) {
            if progress.phq2_total.is_none() && row.phq9_total.is_none() {
                progress.phq2_total = row.phq2_total.and_then(|t| u32::try_from(t).ok());
            }
            progress.answered.push(form_id);
        } else if let Some(answered_day) = parse_iso(&row.answered_day) {
            match progress.earlier.iter_mut().find(|(id, _)| *id == form_id) {
                Some((_, last)) => *last = (*last).max(answered_day),
                None => progress.earlier.push((form_id, answered_day)),
            }
        }
    }
    Some((appointment_id, progress))
}

/// A response given at an earlier visit, as stored.
#[derive(sqlx::FromRow)]
struct EarlierRow {
    form_id: String,
    day: String,
    response_json: String,
}

impl Store {
    /// Keeps a validated form response and its scores; a second submission of the same form
    /// for the same appointment replaces the first. An urgent response also writes a desk event
    /// in the same transaction (its id is returned) so no board can miss the flag.
    pub async fn save_response(
        &self,
        appointment_id: i64,
        form: &arrive_domain::questionnaire::Questionnaire,
        response_json: &str,
        scores: &crate::forms::Scores,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, sqlx::Error> {
        let now = rfc3339(now);
        let mut tx = self.begin().await?;
        let severity = scores
            .phq9_severity
            .and_then(|s| serde_json::to_value(s).ok())
            .and_then(|v| v.as_str().map(str::to_owned));
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO questionnaire_response
                (appointment_id, form_id, form_version, response_json, phq2_total, phq9_total, phq9_severity, urgent, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (appointment_id, form_id) DO UPDATE SET
                form_version = excluded.form_version, response_json = excluded.response_json,
                phq2_total = excluded.phq2_total, phq9_total = excluded.phq9_total,
                phq9_severity = excluded.phq9_severity, urgent = excluded.urgent, submitted_at = excluded.submitted_at",
        )
        .bind(appointment_id)
        .bind(&form.id)
        .bind(form.version.as_deref().unwrap_or(""))
        .bind(response_json)
        .bind(scores.phq2_total.map(i64::from))
        .bind(scores.phq9_total.map(i64::from))
        .bind(&severity)
        .bind(scores.urgent)
        .bind(&now)
        .execute(&mut **c)
        .await.map(|r| r.rows_affected())
        })?;
        commit_with_event(tx, scores.urgent, appointment_id, &now).await
    }

    /// Where the visit stands with its forms, in one query: its visit type and day, the forms
    /// answered at it, its PHQ-2 total (when a PHQ-2 was answered without a PHQ-9), and when
    /// the patient last answered each form before.
    pub async fn form_progress(&self, appointment_id: i64) -> Result<FormProgress, sqlx::Error> {
        let rows: Vec<FormRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT a.id AS appointment_id, a.visit_type, substr(a.starts_at, 1, 10) AS visit_day, r.form_id,
                    r.phq2_total, r.phq9_total, r.appointment_id = a.id AS answered_here,
                    substr(v.starts_at, 1, 10) AS answered_day
             FROM appointment a
                  JOIN appointment v ON v.patient_id = a.patient_id AND v.starts_at <= a.starts_at
                  LEFT JOIN questionnaire_response r ON r.appointment_id = v.id
             WHERE a.id = $1",
            )
            .bind(appointment_id)
            .fetch_all(p)
            .await
        })?;
        fold_form_progress(rows)
            .map(|(_, progress)| progress)
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// The patient's latest answers to each form at visits before this one, newest first.
    pub async fn earlier_answers(&self, appointment_id: i64) -> Result<Vec<EarlierAnswer>, sqlx::Error> {
        let rows: Vec<EarlierRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT r.form_id, substr(v.starts_at, 1, 10) AS day, r.response_json
             FROM appointment a
                  JOIN appointment v ON v.patient_id = a.patient_id AND v.starts_at < a.starts_at
                  JOIN questionnaire_response r ON r.appointment_id = v.id
             WHERE a.id = $1 ORDER BY v.starts_at DESC",
            )
            .bind(appointment_id)
            .fetch_all(p)
            .await
        })?;
        let mut latest: Vec<EarlierAnswer> = Vec::new();
        for row in rows {
            if latest.iter().any(|earlier| earlier.form_id == row.form_id) {
                continue;
            }
            // Stored after validation; one that no longer reads is asked afresh.
            if let (Some(day), Ok(response)) = (parse_iso(&row.day), serde_json::from_str(&row.response_json)) {
                latest.push(EarlierAnswer {
                    form_id: row.form_id,
                    day,
                    response,
                });
            }
        }
        Ok(latest)
    }

    /// The appointment's PHQ-2 total, if its PHQ-2 was answered.
    pub async fn phq2_total(&self, appointment_id: i64) -> Result<Option<u32>, sqlx::Error> {
        let total: Option<Option<i64>> = on_pool!(&self.pool, |p| {
            sqlx::query_scalar(
            "SELECT phq2_total FROM questionnaire_response WHERE appointment_id = $1 AND phq2_total IS NOT NULL AND phq9_total IS NULL LIMIT 1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await
        })?;
        Ok(total.flatten().and_then(|t| u32::try_from(t).ok()))
    }

    /// The appointment's visit type (it decides the intake forms).
    pub async fn visit_type(&self, appointment_id: i64) -> Result<String, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT visit_type FROM appointment WHERE id = $1"
        )
        .bind(appointment_id)
        .fetch_one(p)
        .await)
    }
}
