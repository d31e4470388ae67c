//! The hand-off to the clinic's FHIR server as stored (`fhir_outbox`): each check-in queued
//! with its arrival, leased to one server at a time for delivery, the Bundle built once per
//! check-in (delivered and served as built), and each attempt's outcome, down to the EHR's
//! permanent "no".

use arrive_domain::api::EhrDelivery;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{on_pool, rfc3339, Backend, Store};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

/// The most of an EHR's explanation kept for staff.
const REJECTION_MAX_CHARS: usize = 1000;

/// How long a server that took a delivery has to finish it before another may try (a server
/// that dies mid-delivery leaves it to the others after this).
const DELIVERY_LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// A check-in taken for delivery, and how many attempts it has had before this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct DueDelivery {
    pub appointment_id: i64,
    pub attempts: i64,
}

impl Store {
    /// Takes the check-ins whose delivery is due at `now` (at most `limit`, oldest due first)
    /// for this server: each is leased until `now + DELIVERY_LEASE`, so another server sharing
    /// the database does not send it too. The outcome (`delivery_succeeded` / `_failed`) ends
    /// the lease; a server that dies mid-delivery leaves it to be taken again when it runs out.
    /// On PostgreSQL the rows are chosen `FOR UPDATE SKIP LOCKED` (servers taking at the same
    /// moment take different rows); SQLite has one writer at a time anyway.
    pub async fn due_deliveries(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<DueDelivery>, sqlx::Error> {
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
        let mut taken: Vec<DueDelivery> = on_pool!(self.pool(), |p| sqlx::query_as(&sql)
            .bind(rfc3339(now + DELIVERY_LEASE))
            .bind(rfc3339(now))
            .bind(limit)
            .fetch_all(p)
            .await)?;
        // Check-ins are queued in the order they happened (the ids of their appointments say
        // nothing of it, but retries are rare: good enough).
        taken.sort_unstable_by_key(|due| due.appointment_id);
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
}
