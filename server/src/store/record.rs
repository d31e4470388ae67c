//! A completed check-in as the hand-off to the clinic's systems sees it (the patient's record,
//! insurance, the visit), the FHIR outbox, and the payer's eligibility answers.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{on_pool, rfc3339, Backend, Store};

/// How long a server that took a delivery has to finish it before another may try (a server
/// that dies mid-delivery leaves it to the others after this).
const DELIVERY_LEASE: chrono::Duration = chrono::Duration::minutes(2);
use arrive_domain::api::{EhrDelivery, Eligibility, EligibilityExchange};

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

pub struct CoverageOnFile {
    pub rank: i64,
    pub payer_id: String,
    pub payer_name: String,
    pub member_id: String,
    pub group_number: Option<String>,
    /// FHIR subscriber-relationship code: self, spouse, child, other.
    pub relationship: String,
    pub subscriber_name: Option<String>,
    pub subscriber_dob: Option<String>,
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

    pub async fn coverages(&self, patient_id: i64) -> Result<Vec<CoverageOnFile>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| sqlx::query(
            "SELECT rank, payer_id, payer_name, member_id, group_number, relationship, subscriber_name, subscriber_dob
             FROM coverage WHERE patient_id = $1 ORDER BY rank",
        )
        .bind(patient_id)
        .fetch_all(p)
        .await?
        .iter()
        .map(|row| CoverageOnFile {
            rank: row.get("rank"),
            payer_id: row.get("payer_id"),
            payer_name: row.get("payer_name"),
            member_id: row.get("member_id"),
            group_number: row.get("group_number"),
            relationship: row.get("relationship"),
            subscriber_name: row.get("subscriber_name"),
            subscriber_dob: row.get("subscriber_dob"),
        })
        .collect()))
    }

    /// Takes the check-ins whose delivery is due at `now` (at most `limit`, oldest due first)
    /// for this server: each is leased until `now + DELIVERY_LEASE`, so another server sharing
    /// the database does not send it too. The outcome (`delivery_succeeded` / `_failed`) ends
    /// the lease; a server that dies mid-delivery leaves it to be taken again when it runs out.
    /// On PostgreSQL the rows are chosen `FOR UPDATE SKIP LOCKED` (servers taking at the same
    /// moment take different rows); SQLite has one writer at a time anyway.
    pub async fn due_deliveries(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // The outer `next_attempt_at <= $2` is checked again on a row another server changed
        // meanwhile, so a row is never taken twice.
        let sql = format!(
            "UPDATE fhir_outbox SET next_attempt_at = $1
             WHERE delivered_at IS NULL AND rejected_at IS NULL AND next_attempt_at <= $2 AND appointment_id IN (
                 SELECT appointment_id FROM fhir_outbox
                 WHERE delivered_at IS NULL AND rejected_at IS NULL AND next_attempt_at <= $2
                 ORDER BY next_attempt_at, appointment_id LIMIT $3{lock})
             RETURNING appointment_id, attempts"
        );
        let mut taken: Vec<(i64, i64)> = on_pool!(self.pool(), |p| sqlx::query_as(&sql)
            .bind(rfc3339(now + DELIVERY_LEASE))
            .bind(rfc3339(now))
            .bind(limit)
            .fetch_all(p)
            .await)?;
        // Check-ins are queued in the order they happened (the ids of their appointments say
        // nothing of it, but retries are rare: good enough).
        taken.sort_unstable();
        Ok(taken)
    }

    /// When the next delivery falls due, if any is waiting.
    pub async fn next_delivery_at(&self) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        let next: Option<String> = on_pool!(self.pool(), |p| sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM fhir_outbox WHERE delivered_at IS NULL AND rejected_at IS NULL"
        )
        .fetch_one(p)
        .await)?;
        Ok(next.and_then(|t| DateTime::parse_from_rfc3339(&t).ok().map(|t| t.with_timezone(&Utc))))
    }

    pub async fn delivery_succeeded(&self, appointment_id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "UPDATE fhir_outbox SET attempts = attempts + 1, delivered_at = $1, last_error = NULL
             WHERE appointment_id = $2",
        )
        .bind(rfc3339(now))
        .bind(appointment_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// `error` says what kind of failure (an HTTP status, "timeout"), never a body.
    pub async fn delivery_failed(
        &self,
        appointment_id: i64,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "UPDATE fhir_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2
             WHERE appointment_id = $3",
        )
        .bind(error)
        .bind(rfc3339(retry_at))
        .bind(appointment_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delivery(&self, appointment_id: i64) -> Result<Option<EhrDelivery>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| sqlx::query(
            "SELECT attempts, last_error, next_attempt_at, delivered_at, rejection FROM fhir_outbox
             WHERE appointment_id = $1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await?
        .map(|row| EhrDelivery {
            attempts: row.get::<i64, _>("attempts") as u32,
            delivered_at: row.get("delivered_at"),
            last_error: row.get("last_error"),
            next_attempt_at: row.get("next_attempt_at"),
            rejection: row.get("rejection"),
        })))
    }

    pub async fn save_eligibility(&self, appointment_id: i64, eligibility: &Eligibility) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "INSERT INTO eligibility (appointment_id, checked_at, coverage, reason, plan_name, copay_cents,
                                      deductible_remaining_cents)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (appointment_id) DO UPDATE SET checked_at = excluded.checked_at,
                 coverage = excluded.coverage, reason = excluded.reason, plan_name = excluded.plan_name,
                 copay_cents = excluded.copay_cents, deductible_remaining_cents = excluded.deductible_remaining_cents",
        )
        .bind(appointment_id)
        .bind(&eligibility.checked_at)
        .bind(eligibility.coverage.code())
        .bind(&eligibility.reason)
        .bind(&eligibility.plan_name)
        .bind(eligibility.copay_cents.map(i64::from))
        .bind(eligibility.deductible_remaining_cents.map(i64::from))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A desk event for a change made outside a transaction of its own (the board re-reads the row).
    pub async fn note_change(&self, appointment_id: i64, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
        let mut tx = self.begin().await?;
        let id = super::desk_event(&mut tx, appointment_id, &rfc3339(now)).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn eligibility(&self, appointment_id: i64) -> Result<Option<Eligibility>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| sqlx::query(
            "SELECT checked_at, coverage, reason, plan_name, copay_cents, deductible_remaining_cents
             FROM eligibility WHERE appointment_id = $1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await?
        .and_then(|row| {
            Some(Eligibility {
                checked_at: row.get("checked_at"),
                coverage: arrive_domain::api::CoverageCheck::parse(row.get("coverage"))?,
                reason: row.get("reason"),
                plan_name: row.get("plan_name"),
                copay_cents: row.get::<Option<i64>, _>("copay_cents").map(|c| c as u32),
                deductible_remaining_cents: row
                    .get::<Option<i64>, _>("deductible_remaining_cents")
                    .map(|c| c as u32),
            })
        })))
    }

    /// Keeps one 270 sent for the visit and what came back. Every inquiry is kept (the desk
    /// reads them in order); nothing here is ever logged.
    pub async fn save_exchange(&self, appointment_id: i64, exchange: &EligibilityExchange) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "INSERT INTO eligibility_exchange (appointment_id, exchanged_at, transport, request, response, error)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(appointment_id)
        .bind(&exchange.exchanged_at)
        .bind(&exchange.transport)
        .bind(&exchange.request)
        .bind(&exchange.response)
        .bind(&exchange.error)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The visit's 270/271 exchanges, oldest first.
    pub async fn exchanges(&self, appointment_id: i64) -> Result<Vec<EligibilityExchange>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| sqlx::query(
            "SELECT exchanged_at, transport, request, response, error
             FROM eligibility_exchange WHERE appointment_id = $1 ORDER BY id",
        )
        .bind(appointment_id)
        .fetch_all(p)
        .await?
        .iter()
        .map(|row| EligibilityExchange {
            exchanged_at: row.get("exchanged_at"),
            transport: row.get("transport"),
            request: row.get("request"),
            response: row.get("response"),
            error: row.get("error"),
        })
        .collect()))
    }
}
