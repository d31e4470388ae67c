//! Intake forms at the store: where a visit stands with its forms, and what the patient
//! answered at earlier visits (the clinic's re-ask rules decide what is asked again).

use arrive_domain::date::parse_iso;
use arrive_domain::questionnaire::QuestionnaireResponse;
use chrono::NaiveDate;

use super::{on_pool, Store};
use crate::forms::FormProgress;

/// One response of the patient's, at this visit or an earlier one (or none, for a visit with
/// no answer yet): (appointment id, visit type, its day, form id, PHQ-2 total, PHQ-9 total,
/// whether it was given at this visit, the day of the visit it was given at). The days are
/// the clinic's (`substr` of the local `starts_at`).
pub(super) type FormRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    String,
);

/// `FormRow`s of one appointment: the appointment and its `FormProgress`.
pub(super) fn fold_form_progress(rows: Vec<FormRow>) -> Option<(i64, FormProgress)> {
    let (appointment_id, visit_type, day) = rows.first().map(|r| (r.0, r.1.clone(), r.2.clone()))?;
    let mut progress = FormProgress {
        visit_type,
        visit_day: parse_iso(&day)?,
        answered: Vec::new(),
        phq2_total: None,
        earlier: Vec::new(),
    };
    for (.., form_id, phq2, phq9, here, answered_day) in rows {
        let Some(form_id) = form_id else { continue };
        if here == Some(true) {
            if progress.phq2_total.is_none() && phq9.is_none() {
                progress.phq2_total = phq2.and_then(|t| u32::try_from(t).ok());
            }
            progress.answered.push(form_id);
        } else if let Some(answered_day) = parse_iso(&answered_day) {
            match progress.earlier.iter_mut().find(|(id, _)| *id == form_id) {
                Some((_, last)) => *last = (*last).max(answered_day),
                None => progress.earlier.push((form_id, answered_day)),
            }
        }
    }
    Some((appointment_id, progress))
}

impl Store {
    /// Where the visit stands with its forms, in one query: its visit type and day, the forms
    /// answered at it, its PHQ-2 total (when a PHQ-2 was answered without a PHQ-9), and when
    /// the patient last answered each form before.
    pub async fn form_progress(&self, appointment_id: i64) -> Result<FormProgress, sqlx::Error> {
        let rows: Vec<FormRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT a.id, a.visit_type, substr(a.starts_at, 1, 10), r.form_id, r.phq2_total, r.phq9_total,
                    r.appointment_id = a.id, substr(v.starts_at, 1, 10)
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

    /// The patient's latest answers to each form at visits before this one: (form id, that
    /// visit's day, the response), newest first.
    pub async fn earlier_answers(
        &self,
        appointment_id: i64,
    ) -> Result<Vec<(String, NaiveDate, QuestionnaireResponse)>, sqlx::Error> {
        let rows: Vec<(String, String, String)> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT r.form_id, substr(v.starts_at, 1, 10), r.response_json
             FROM appointment a
                  JOIN appointment v ON v.patient_id = a.patient_id AND v.starts_at < a.starts_at
                  JOIN questionnaire_response r ON r.appointment_id = v.id
             WHERE a.id = $1 ORDER BY v.starts_at DESC",
            )
            .bind(appointment_id)
            .fetch_all(p)
            .await
        })?;
        let mut latest: Vec<(String, NaiveDate, QuestionnaireResponse)> = Vec::new();
        for (form_id, day, json) in rows {
            if latest.iter().any(|(id, ..)| *id == form_id) {
                continue;
            }
            // Stored after validation; one that no longer reads is asked afresh.
            if let (Some(day), Ok(response)) = (parse_iso(&day), serde_json::from_str(&json)) {
                latest.push((form_id, day, response));
            }
        }
        Ok(latest)
    }
}
