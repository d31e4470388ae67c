//! The FHIR hand-off as stored: the Bundle built once per check-in (delivered and served as
//! built), the EHR's permanent "no", and every consent wording offered, by version, for the
//! `policy` URL a signed Consent points at.

use arrive_domain::api::{ConsentDocument, LocalizedText};
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{on_pool, rfc3339, Store};

/// The most of an EHR's explanation kept for staff.
const REJECTION_MAX_CHARS: usize = 1000;

impl Store {
    /// The Bundle stored for this check-in, if it has been built and the visit is still
    /// checked in (staff may have undone it since).
    pub async fn stored_bundle(&self, appointment_id: i64) -> Result<Option<String>, sqlx::Error> {
        let bundle: Option<Option<String>> = on_pool!(self.pool(), |p| sqlx::query_scalar(
            "SELECT o.bundle FROM fhir_outbox o JOIN appointment a ON a.id = o.appointment_id
             WHERE o.appointment_id = $1 AND a.arrived_at IS NOT NULL"
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await)?;
        Ok(bundle.flatten())
    }

    /// Keeps `bundle` as this check-in's hand-off unless one is kept already, and returns the
    /// one kept: when two servers build it at once, both deliver and serve the first.
    pub async fn keep_bundle(&self, appointment_id: i64, bundle: &str) -> Result<Option<String>, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "UPDATE fhir_outbox SET bundle = $1 WHERE appointment_id = $2 AND bundle IS NULL"
        )
        .bind(bundle)
        .bind(appointment_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        self.stored_bundle(appointment_id).await
    }

    /// The EHR refused the Bundle for good (a 4xx other than 408/429): no more attempts.
    /// `status` is the HTTP status as `last_error` says it; `explanation` the EHR's own words.
    pub async fn delivery_rejected(
        &self,
        appointment_id: i64,
        status: &str,
        explanation: &str,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let explanation: String = explanation.chars().take(REJECTION_MAX_CHARS).collect();
        on_pool!(self.pool(), |p| sqlx::query(
            "UPDATE fhir_outbox SET attempts = attempts + 1, last_error = $1, rejected_at = $2, rejection = $3
             WHERE appointment_id = $4",
        )
        .bind(status)
        .bind(rfc3339(now))
        .bind(explanation)
        .bind(appointment_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records the wordings offered now; a version already recorded is left as it was.
    pub async fn remember_consent_texts(
        &self,
        consents: &[ConsentDocument],
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        for consent in consents {
            on_pool!(self.pool(), |p| sqlx::query(
                "INSERT INTO consent_text (consent_id, version, title_en, title_es, text_en, text_es, first_offered_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (consent_id, version) DO NOTHING",
            )
            .bind(&consent.id)
            .bind(&consent.version)
            .bind(&consent.title.en)
            .bind(&consent.title.es)
            .bind(&consent.text.en)
            .bind(&consent.text.es)
            .bind(rfc3339(now))
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// One consent's wording at one version, as it was offered.
    pub async fn consent_text(&self, consent_id: &str, version: &str) -> Result<Option<ConsentDocument>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| sqlx::query(
            "SELECT title_en, title_es, text_en, text_es FROM consent_text WHERE consent_id = $1 AND version = $2",
        )
        .bind(consent_id)
        .bind(version)
        .fetch_optional(p)
        .await?
        .map(|row| ConsentDocument {
            id: consent_id.to_owned(),
            version: version.to_owned(),
            title: LocalizedText {
                en: row.get("title_en"),
                es: row.get("title_es"),
            },
            text: LocalizedText {
                en: row.get("text_en"),
                es: row.get("text_es"),
            },
        })))
    }
}
