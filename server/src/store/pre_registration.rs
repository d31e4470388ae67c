//! Pre-registration from home: the state of each appointment's link (version,
//! revoked, wrong birth dates, finished), the arrival pass it ends with, and the server's own
//! signing key.

use super::verification::{self, Verified};
use super::{on_pool, on_tx, rfc3339, Store};
use chrono::{DateTime, Utc};
use rand::RngCore;

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

/// What `Store::finish_pre_registration` came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreFinish {
    Done,
    /// The pass's code is another's today; nothing was stored.
    CodeTaken,
    /// The idempotency key was used for another appointment or another verification; nothing
    /// was stored.
    KeyRefused(verification::KeyUse),
}

/// Wrong birth dates before a link locks.
pub const MOST_WRONG_BIRTH_DATES: i64 = 5;

/// What a link's claim is checked against.
pub struct LinkState {
    pub version: i64,
    pub locked: bool,
    pub revoked: bool,
}

/// The appointment a link or pass is for, as the checks need it.
pub struct PreVisit {
    pub first_name: String,
    pub date_of_birth: String,
    /// Local clinic time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub provider: String,
    pub arrived: bool,
}

impl PreVisit {
    /// What the patient is shown about it (their first name, the time, the provider), with the
    /// match token that lets them go on.
    pub fn appointment(&self, match_token: String) -> arrive_domain::api::KioskAppointment {
        arrive_domain::api::KioskAppointment {
            match_token,
            first_name: self.first_name.clone(),
            starts_at: super::clock_time(&self.starts_at),
            provider: self.provider.clone(),
            already_checked_in: self.arrived,
        }
    }
}

// A row's fields, like the import's: alike by design.

/// One row of the day's links export (staff only).
#[derive(sqlx::FromRow)]
pub struct DayLink {
    pub appointment_id: i64,
    pub version: i64,
    pub starts_at: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The arrival pass a finished pre-registration is given: its token's hash, its short code,
/// and the day it is good for.
#[derive(Debug, Clone, Copy)]
pub struct NewPass<'a> {
    pub token_hash: &'a str,
    pub code: &'a str,
    pub day: &'a str,
}

/// Where the patient left off at home.
#[derive(Debug, Default, sqlx::FromRow)]
pub struct ResumePoint {
    /// The body `save_progress` kept, if any counts.
    pub saved: Option<String>,
    pub finished: bool,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    version: i64,
    locked_at: Option<String>,
    revoked_at: Option<String>,
}

impl Store {
    /// A random key the server made for itself, the same for every instance on this database.
    pub async fn secret(&self, name: &str) -> Result<Vec<u8>, sqlx::Error> {
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        on_pool!(self.pool(), |p| sqlx::query(
            "INSERT INTO server_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"
        )
        .bind(name)
        .bind(&fresh[..])
        .execute(p)
        .await
        .map(|_| ()))?;
        on_pool!(self.pool(), |p| sqlx::query_scalar(
            "SELECT value FROM server_secret WHERE name = $1"
        )
        .bind(name)
        .fetch_one(p)
        .await)
    }

    pub async fn pre_visit(&self, appointment_id: i64) -> Result<Option<PreVisit>, sqlx::Error> {
        Ok(self.visit_row(appointment_id).await?.map(|row| PreVisit {
            first_name: row.first_name,
            date_of_birth: row.date_of_birth,
            starts_at: row.starts_at,
            provider: row.display_name,
            arrived: row.status != "scheduled",
        }))
    }

    /// The link's current version: the same link again while it is good, a new one (which voids
    /// the old) after a revocation or a lock.
    pub async fn issue_pre_registration(&self, appointment_id: i64, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
        on_pool!(self.pool(), |p| {
            sqlx::query_scalar(
            "INSERT INTO pre_registration (appointment_id, issued_at) VALUES ($1, $2)
             ON CONFLICT (appointment_id) DO UPDATE SET
                 version = pre_registration.version
                     + CASE WHEN pre_registration.revoked_at IS NULL AND pre_registration.locked_at IS NULL THEN 0 ELSE 1 END,
                 issued_at = excluded.issued_at, revoked_at = NULL, locked_at = NULL,
                 failed_tries = CASE WHEN pre_registration.locked_at IS NULL THEN pre_registration.failed_tries ELSE 0 END
             RETURNING version",
        )
        .bind(appointment_id)
        .bind(rfc3339(now))
        .fetch_one(p)
        .await
        })
    }

    /// Voids the links given out; false when there was none.
    pub async fn revoke_pre_registration(&self, appointment_id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        let revoked = on_pool!(self.pool(), |p| {
            sqlx::query(
            "UPDATE pre_registration SET version = version + 1, revoked_at = $1 WHERE appointment_id = $2 AND revoked_at IS NULL",
        )
        .bind(rfc3339(now))
        .bind(appointment_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(revoked == 1)
    }

    pub async fn link_state(&self, appointment_id: i64) -> Result<Option<LinkState>, sqlx::Error> {
        let row: Option<LinkRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT version, locked_at, revoked_at FROM pre_registration WHERE appointment_id = $1"
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|row| LinkState {
            version: row.version,
            locked: row.locked_at.is_some(),
            revoked: row.revoked_at.is_some(),
        }))
    }

    /// Counts a wrong birth date; true when it locks the link.
    pub async fn wrong_birth_date(&self, appointment_id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        let locked: Option<String> = on_pool!(self.pool(), |p| sqlx::query_scalar(
            "UPDATE pre_registration SET failed_tries = failed_tries + 1,
                 locked_at = CASE WHEN failed_tries + 1 >= $1 THEN $2 ELSE locked_at END
             WHERE appointment_id = $3 RETURNING locked_at",
        )
        .bind(MOST_WRONG_BIRTH_DATES)
        .bind(rfc3339(now))
        .bind(appointment_id)
        .fetch_one(p)
        .await)?;
        Ok(locked.is_some())
    }

    /// Stores what the patient confirmed or changed at home (applied to the record at once, as
    /// at the kiosk) and the pass, in one transaction. `code` is tried against the day's codes;
    /// `CodeTaken` when it is taken (the caller draws another).
    pub async fn finish_pre_registration(
        &self,
        appointment_id: i64,
        verified: Option<&Verified>,
        pass: &NewPass<'_>,
        now: DateTime<Utc>,
    ) -> Result<PreFinish, sqlx::Error> {
        let NewPass { token_hash, code, day } = *pass;
        let now = rfc3339(now);
        let mut tx = self.begin().await?;
        let taken: bool = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM arrival_pass WHERE day = $1 AND code = $2 AND appointment_id <> $3)"
        )
        .bind(day)
        .bind(code)
        .bind(appointment_id)
        .fetch_one(&mut **c)
        .await)?;
        if taken {
            return Ok(PreFinish::CodeTaken);
        }
        if let Some(verified) = verified {
            match verification::key_use(&mut tx, appointment_id, verified).await? {
                verification::KeyUse::New | verification::KeyUse::Repeated => {}
                refused => return Ok(PreFinish::KeyRefused(refused)),
            }
            // Finishing again (after going back) replaces what was said before.
            on_tx!(&mut tx, |c| sqlx::query(
                "DELETE FROM visit_verification WHERE appointment_id = $1"
            )
            .bind(appointment_id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            verification::record(&mut tx, appointment_id, verified, &now).await?;
        }
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO arrival_pass (appointment_id, token_hash, code, day, issued_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (appointment_id) DO UPDATE SET token_hash = excluded.token_hash, code = excluded.code,
                 day = excluded.day, issued_at = excluded.issued_at, used_at = NULL",
        )
        .bind(appointment_id)
        .bind(token_hash)
        .bind(code)
        .bind(day)
        .bind(&now)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        on_tx!(&mut tx, |c| sqlx::query(
            "DELETE FROM pre_progress WHERE appointment_id = $1"
        )
        .bind(appointment_id)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE pre_registration SET finished_at = $1 WHERE appointment_id = $2"
        )
        .bind(&now)
        .bind(appointment_id)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        tx.commit().await?;
        Ok(PreFinish::Done)
    }

    /// Keeps where the patient is (the domain's `SavedProgress`, as JSON), replacing what was
    /// kept before.
    pub async fn save_progress(&self, appointment_id: i64, body: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "INSERT INTO pre_progress (appointment_id, body, saved_at) VALUES ($1, $2, $3)
             ON CONFLICT (appointment_id) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at"
        )
        .bind(appointment_id)
        .bind(body)
        .bind(rfc3339(now))
        .execute(p)
        .await
        .map(|_| ()))
    }

    /// Where the patient left off (the body `save_progress` kept), and whether they finished.
    /// Progress saved before the last finish is none: a save still on its way when "Send my
    /// answers" committed lands after the finish deleted the row, and must not greet the
    /// patient with their old answers next time.
    pub async fn resume_point(&self, appointment_id: i64) -> Result<ResumePoint, sqlx::Error> {
        let row: Option<ResumePoint> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT g.body AS saved, r.finished_at IS NOT NULL AS finished FROM pre_registration r
             LEFT JOIN pre_progress g ON g.appointment_id = r.appointment_id
                  AND (r.finished_at IS NULL OR g.saved_at > r.finished_at)
             WHERE r.appointment_id = $1"
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await)?;
        Ok(row.unwrap_or_default())
    }

    /// The appointment of an unused pass of `day`, by its code or its token's hash.
    pub async fn pass_holder(&self, code_or_hash: &str, day: &str) -> Result<Option<i64>, sqlx::Error> {
        on_pool!(self.pool(), |p| {
            sqlx::query_scalar(
            "SELECT appointment_id FROM arrival_pass WHERE day = $1 AND used_at IS NULL AND (code = $2 OR token_hash = $2)",
        )
        .bind(day)
        .bind(code_or_hash)
        .fetch_optional(p)
        .await
        })
    }

    /// Every appointment of `day` not yet arrived whose link is good, with its link's version
    /// (issued now where there was none) and the contact the clinic's own messaging tool needs.
    pub async fn day_links(&self, day: &str, now: DateTime<Utc>) -> Result<Vec<DayLink>, sqlx::Error> {
        let (start, end) = (day.to_owned(), format!("{day}T99"));
        on_pool!(self.pool(), |p| sqlx::query(
            "INSERT INTO pre_registration (appointment_id, issued_at)
             SELECT id, $1 FROM appointment WHERE starts_at >= $2 AND starts_at < $3 AND status = 'scheduled'
             ON CONFLICT (appointment_id) DO NOTHING",
        )
        .bind(rfc3339(now))
        .bind(&start)
        .bind(&end)
        .execute(p)
        .await
        .map(|_| ()))?;
        on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT a.id AS appointment_id, r.version, a.starts_at, p.first_name, p.last_name, p.phone, p.email
             FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN pre_registration r ON r.appointment_id = a.id
             WHERE a.starts_at >= $1 AND a.starts_at < $2 AND a.status = 'scheduled'
                 AND r.revoked_at IS NULL AND r.locked_at IS NULL
             ORDER BY a.starts_at, a.id",
        )
        .bind(&start)
        .bind(&end)
        .fetch_all(p)
        .await)
    }
}
