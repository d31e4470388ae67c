//! The payer's answers about a visit: the eligibility answer the board and the kiosk show, and
//! every 270/271 exchange behind it (kept for the desk, never logged).

use arrive_domain::api::{Eligibility, EligibilityExchange};
use sqlx::Row;

use super::{on_pool, Store};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

impl Store {
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
