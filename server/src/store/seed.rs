//! The demo clinic's rows (the demo itself, its schedule and its returning patient, is
//! `crate::seed`): the clinic and its providers, synthetic patients for load tests, and an
//! earlier visit with answered forms and signed consents.

use arrive_domain::api::ConsentDocument;
use chrono::{Days, NaiveDate};

use super::{on_tx, Store, Tx, CLINIC_ID};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

/// A response to one form at the demo's earlier visit, validated and scored by the caller.
pub struct SeedResponse<'a> {
    pub form_id: &'a str,
    pub form_version: &'a str,
    pub response_json: String,
    pub phq2_total: Option<i64>,
    pub phq9_total: Option<i64>,
    pub urgent: bool,
}

/// The demo's returning patient's earlier visit, as stored.
pub struct SeedVisit<'a> {
    /// Who: found by last name and birth date.
    pub last_name: &'a str,
    pub date_of_birth: &'a str,
    /// Today (`YYYY-MM-DD`): a patient with a visit before it already has their earlier visit.
    pub today: &'a str,
    /// Clinic wall clock, `YYYY-MM-DDTHH:MM`.
    pub starts_at: &'a str,
    /// When they arrived, answered and signed (RFC 3339).
    pub at: &'a str,
    pub typed_name: &'a str,
    pub responses: Vec<SeedResponse<'a>>,
    /// Every consent they signed, each in the wording given.
    pub consents: &'a [ConsentDocument],
}

/// A patient found for the earlier visit, and how many visits they have before today.
#[derive(sqlx::FromRow)]
struct SeedPatient {
    id: i64,
    earlier_visits: i64,
}

impl Store {
    /// The clinic and its providers, with ids 1, 2, … in `providers`' order; made once, left
    /// as they are after. Returns how many appointments `day` (`YYYY-MM-DD`) already has.
    pub async fn seed_clinic(&self, clinic_name: &str, providers: &[&str], day: &str) -> Result<i64, sqlx::Error> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO clinic (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        )
        .bind(CLINIC_ID)
        .bind(clinic_name)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        for (index, name) in providers.iter().enumerate() {
            on_tx!(&mut tx, |c| sqlx::query(
                "INSERT INTO provider (id, clinic_id, display_name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
            )
            .bind(index as i64 + 1)
            .bind(CLINIC_ID)
            .bind(name)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        if let Tx::Postgres(c) = &mut tx {
            // Ids given by hand leave PostgreSQL's counter behind: the next provider an import
            // adds must not be given id 1 again.
            sqlx::query("SELECT setval(pg_get_serial_sequence('provider', 'id'), (SELECT MAX(id) FROM provider))")
                .execute(&mut **c)
                .await?;
        }
        let scheduled: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM appointment WHERE clinic_id = $1 AND substr(starts_at, 1, 10) = $2"
        )
        .bind(CLINIC_ID)
        .bind(day)
        .fetch_one(&mut **c)
        .await)?;
        tx.commit().await?;
        Ok(scheduled)
    }

    /// `count` synthetic "Loadtest" patients, each with an appointment on `day` with provider
    /// 1 between 07:00 and 18:00: patient k is born k days after 1910-01-01, so each (last
    /// name, date of birth) is unique.
    pub async fn add_synthetic_patients(&self, day: &str, count: u32) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        let first_birth_date = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap_or(NaiveDate::MIN);
        for k in 0..count {
            let dob = (first_birth_date + Days::new(u64::from(k)))
                .format("%Y-%m-%d")
                .to_string();
            let patient_id: i64 = on_tx!(&mut tx, |c| {
                sqlx::query_scalar(
                "INSERT INTO patient (first_name, last_name, date_of_birth) VALUES ('Synthetic', 'Loadtest', $1) RETURNING id",
            )
            .bind(dob)
            .fetch_one(&mut **c)
            .await
            })?;
            let minute = 7 * 60 + k % 660;
            on_tx!(&mut tx, |c| sqlx::query(
                "INSERT INTO appointment (clinic_id, patient_id, provider_id, starts_at) VALUES ($1, $2, 1, $3)"
            )
            .bind(CLINIC_ID)
            .bind(patient_id)
            .bind(format!("{day}T{:02}:{:02}", minute / 60, minute % 60))
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        tx.commit().await
    }

    /// Stores `visit` (an arrival with its responses and signatures) unless its patient is
    /// missing or already has a visit before today. Servers starting together on one database
    /// make it once: the others wait, then find it.
    pub async fn add_earlier_visit(&self, visit: &SeedVisit<'_>) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(c) = &mut tx {
            sqlx::query("SELECT pg_advisory_xact_lock(727270003)")
                .execute(&mut **c)
                .await?;
        }
        let patient: Option<SeedPatient> = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT p.id, (SELECT COUNT(*) FROM appointment a WHERE a.patient_id = p.id AND a.starts_at < $3)
                 AS earlier_visits
             FROM patient p WHERE p.last_name = $1 AND p.date_of_birth = $2"
        )
        .bind(visit.last_name)
        .bind(visit.date_of_birth)
        .bind(visit.today)
        .fetch_optional(&mut **c)
        .await)?;
        let Some(SeedPatient {
            id: patient_id,
            earlier_visits: 0,
        }) = patient
        else {
            return Ok(());
        };
        let appointment_id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO appointment (clinic_id, patient_id, provider_id, starts_at, status, arrived_at, visit_type)
             VALUES ($1, $2, 1, $3, 'arrived', $4, 'recheck') RETURNING id"
        )
        .bind(CLINIC_ID)
        .bind(patient_id)
        .bind(visit.starts_at)
        .bind(visit.at)
        .fetch_one(&mut **c)
        .await
        })?;
        for response in &visit.responses {
            on_tx!(&mut tx, |c| sqlx::query(
                "INSERT INTO questionnaire_response
                    (appointment_id, form_id, form_version, response_json, phq2_total, phq9_total, urgent, submitted_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            )
            .bind(appointment_id)
            .bind(response.form_id)
            .bind(response.form_version)
            .bind(&response.response_json)
            .bind(response.phq2_total)
            .bind(response.phq9_total)
            .bind(response.urgent)
            .bind(visit.at)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        for consent in visit.consents {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                "INSERT INTO consent_signature
                    (patient_id, appointment_id, consent_id, version, typed_name, signature_path, signed_by_typing, language, signed_at)
                 VALUES ($1, $2, $3, $4, $5, '', $6, 'en', $7)"
            )
            .bind(patient_id)
            .bind(appointment_id)
            .bind(&consent.id)
            .bind(&consent.version)
            .bind(visit.typed_name)
            .bind(true)
            .bind(visit.at)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await
    }
}
