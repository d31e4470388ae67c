//! Consents as stored: every wording offered, by version (the `policy` URL a signed Consent
//! points at), and the patients' signatures of them.

use arrive_domain::api::{ConsentDocument, LocalizedText};
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{on_pool, rfc3339, Store};

/// A consent the patient has signed, at the version they signed.
#[derive(Debug, sqlx::FromRow)]
pub struct SignedConsent {
    pub consent_id: String,
    pub version: String,
}

impl Store {
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

    /// The consents the appointment's patient has already signed, each at its version.
    pub async fn signed_consents(&self, appointment_id: i64) -> Result<Vec<SignedConsent>, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT s.consent_id, s.version FROM consent_signature s
             JOIN appointment a ON a.patient_id = s.patient_id WHERE a.id = $1",
        )
        .bind(appointment_id)
        .fetch_all(p)
        .await)
    }

    /// Records a signature; signing the same version again keeps the first one.
    pub async fn save_signature(
        &self,
        appointment_id: i64,
        consent_id: &str,
        signature: &arrive_domain::api::ConsentSignature,
        typed_name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| {
            sqlx::query(
            "INSERT INTO consent_signature
                (patient_id, appointment_id, consent_id, version, typed_name, signature_path, signed_by_typing, language, signed_at)
             SELECT a.patient_id, a.id, $1, $2, $3, $4, $5, $6, $7 FROM appointment a WHERE a.id = $8
             ON CONFLICT (patient_id, consent_id, version) DO NOTHING",
        )
        .bind(consent_id)
        .bind(&signature.version)
        .bind(typed_name)
        .bind(signature.signature_path.trim())
        .bind(signature.signed_by_typing)
        .bind(&signature.language)
        .bind(rfc3339(now))
        .bind(appointment_id)
        .execute(p)
        .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
