//! The database: one place for every SQL statement, so a second backend (PostgreSQL) later
//! means one more implementation of this module's functions, not a hunt through handlers.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use arrive_domain::api::{board_name, AppointmentStatus, DeskAppointment, DeskDay};
use arrive_domain::matching::Candidate;
use arrive_domain::DateOfBirth;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rand::RngCore;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

mod detail;
mod kiosks;
mod metrics;
mod pre_registration;
mod record;
mod schedule;
mod staff;
mod verification;
pub use detail::{AppointmentRecord, Progress, StoredResponse, StoredSignature};
pub use kiosks::KioskDevice;
pub use pre_registration::{DayLink, LinkState, PreVisit};
pub use record::{CoverageOnFile, PatientOnFile, VisitOnFile};
pub(crate) use schedule::relationship_code;
pub use schedule::ImportCounts;
pub use staff::{AuditEntry, Credentials, Role, Staff};
pub use verification::{OnFile, OnFileContact, OnFileCoverage, StoredCardImage, StoredVerification, Verified};

/// How long a match from identify may be used to check in.
pub const MATCH_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The one clinic of a single-clinic install (several clinics come with PostgreSQL).
pub const CLINIC_ID: i64 = 1;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

/// What the kiosk may show of a matched appointment.
pub struct KioskView {
    pub first_name: String,
    pub starts_at: String,
    pub provider: String,
    pub status: AppointmentStatus,
}

pub struct CheckIn {
    pub arrived_at: String,
    pub already_checked_in: bool,
    /// The desk event written for this arrival (none when it was already checked in).
    pub event_id: Option<i64>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `[start, end)` of a local day as `starts_at` strings.
fn day_range(day: NaiveDate) -> (String, String) {
    let next = day.succ_opt().unwrap_or(day);
    (day.format("%Y-%m-%d").to_string(), next.format("%Y-%m-%d").to_string())
}

/// `'2026-11-24T09:30'` → `'09:30'`
/// Records a change the boards must hear about, in the caller's transaction, so the change and
/// its event commit together; the id is the event's SSE id.
async fn desk_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    appointment_id: i64,
    now: &str,
) -> Result<i64, sqlx::Error> {
    Ok(sqlx::query("INSERT INTO desk_event (appointment_id, at) VALUES (?, ?)")
        .bind(appointment_id)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .last_insert_rowid())
}

fn clock_time(starts_at: &str) -> String {
    starts_at.get(11..16).unwrap_or(starts_at).to_owned()
}

impl Store {
    /// Opens the SQLite database at `path`, creating the file and its folder on first start and
    /// applying any pending migrations.
    pub async fn open(path: &Path) -> Result<Self, sqlx::Error> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Every commit reaches the disk before the client hears "done": an acknowledged
            // check-in survives a crash or a power cut.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    /// The database answers a query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn clinic_name(&self) -> Result<String, sqlx::Error> {
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM clinic WHERE id = ?")
            .bind(CLINIC_ID)
            .fetch_optional(&self.pool)
            .await?;
        Ok(name.unwrap_or_default())
    }

    /// Today's appointments of patients born on `dob`: what the matcher chooses among.
    /// `CROSS JOIN` keeps SQLite's plan patient-first (by birth date), never a scan of the day.
    pub async fn candidates(&self, day: NaiveDate, dob: DateOfBirth) -> Result<Vec<Candidate<i64>>, sqlx::Error> {
        let (start, end) = day_range(day);
        let rows = sqlx::query(
            "SELECT a.id, a.patient_id, p.last_name, a.starts_at, a.status
             FROM patient p CROSS JOIN appointment a ON a.patient_id = p.id
             WHERE a.clinic_id = ? AND a.starts_at >= ? AND a.starts_at < ? AND p.date_of_birth = ?",
        )
        .bind(CLINIC_ID)
        .bind(start)
        .bind(end)
        .bind(dob.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let starts_at: String = row.get("starts_at");
                let hour: u32 = starts_at.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0);
                let minute: u32 = starts_at.get(14..16).and_then(|m| m.parse().ok()).unwrap_or(0);
                Candidate {
                    appointment: row.get("id"),
                    patient: row.get("patient_id"),
                    last_name: row.get("last_name"),
                    date_of_birth: dob,
                    starts_at_minute: hour * 60 + minute,
                    arrived: row.get::<String, _>("status") != AppointmentStatus::Scheduled.as_str(),
                }
            })
            .collect())
    }

    pub async fn kiosk_view(&self, appointment_id: i64) -> Result<Option<KioskView>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT p.first_name, a.starts_at, v.display_name, a.status
             FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN provider v ON v.id = a.provider_id
             WHERE a.id = ?",
        )
        .bind(appointment_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| KioskView {
            first_name: row.get("first_name"),
            starts_at: clock_time(row.get("starts_at")),
            provider: row.get("display_name"),
            status: AppointmentStatus::parse(row.get("status")).unwrap_or(AppointmentStatus::Scheduled),
        }))
    }

    /// A new random token (128 bits) that lets the kiosk check `appointment_id` in until it expires.
    pub async fn issue_match_token(&self, appointment_id: i64, now: DateTime<Utc>) -> Result<String, sqlx::Error> {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM match_token WHERE expires_at < ?")
            .bind(rfc3339(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE appointment SET kiosk_started_at = COALESCE(kiosk_started_at, ?) WHERE id = ?")
            .bind(rfc3339(now))
            .bind(appointment_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO match_token (token, appointment_id, expires_at) VALUES (?, ?, ?)")
            .bind(&token)
            .bind(appointment_id)
            .bind(rfc3339(now + MATCH_TOKEN_LIFETIME))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The appointment a still-valid match token stands for.
    /// The appointment of a live token. Each use extends its life, so a patient working through
    /// the intake forms is not cut off; an abandoned kiosk still resets itself long before.
    pub async fn redeem_match_token(&self, token: &str, now: DateTime<Utc>) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "UPDATE match_token SET expires_at = ? WHERE token = ? AND expires_at >= ? RETURNING appointment_id",
        )
        .bind(rfc3339(now + MATCH_TOKEN_LIFETIME))
        .bind(token)
        .bind(rfc3339(now))
        .fetch_optional(&self.pool)
        .await
    }

    /// Marks the appointment arrived at `now`, once: a second call reports the first arrival.
    /// `forms_incomplete`: the visit's intake forms were not all answered (a board flag).
    /// `verified`: what the patient confirmed or changed, stored and applied to the record in
    /// the same transaction as the arrival — and only with a new arrival: an appointment
    /// already checked in keeps its first verification. A retry with the idempotency key of the
    /// stored verification answers as the first call did and changes nothing.
    /// `None`: the idempotency key was used for another appointment; nothing was stored.
    pub async fn check_in(
        &self,
        appointment_id: i64,
        forms_incomplete: bool,
        verified: Option<&Verified<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<CheckIn>, sqlx::Error> {
        let now = rfc3339(now);
        let mut tx = self.pool.begin().await?;
        // A write first: the transaction takes SQLite's write lock before it reads anything, so
        // a concurrent writer cannot invalidate what it read (SQLITE_BUSY_SNAPSHOT).
        let updated = sqlx::query(
            "UPDATE appointment SET status = 'arrived', arrived_at = ?, no_show_at = NULL, forms_incomplete = ?
             WHERE id = ? AND status = 'scheduled'",
        )
        .bind(&now)
        .bind(forms_incomplete)
        .bind(appointment_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let mut replayed = false;
        if let Some(verified) = verified {
            match verification::key_owner(&mut tx, verified.idempotency_key).await? {
                // Dropping the transaction rolls the arrival back.
                Some(owner) if owner != appointment_id => return Ok(None),
                Some(_) => replayed = updated == 0,
                None => {}
            }
        }
        let result = if updated == 1 {
            let event_id = desk_event(&mut tx, appointment_id, &now).await?;
            // The hand-off to the clinic's FHIR server commits with the arrival: none is lost.
            sqlx::query(
                "INSERT INTO fhir_outbox (appointment_id, queued_at, next_attempt_at) VALUES (?, ?, ?)
                 ON CONFLICT (appointment_id) DO UPDATE SET queued_at = excluded.queued_at,
                     next_attempt_at = excluded.next_attempt_at, attempts = 0, last_error = NULL, delivered_at = NULL",
            )
            .bind(appointment_id)
            .bind(&now)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            if let Some(verified) = verified {
                verification::record(&mut tx, appointment_id, verified, &now).await?;
            }
            CheckIn {
                arrived_at: now,
                already_checked_in: false,
                event_id: Some(event_id),
            }
        } else {
            let arrived_at: Option<String> = sqlx::query_scalar("SELECT arrived_at FROM appointment WHERE id = ?")
                .bind(appointment_id)
                .fetch_one(&mut *tx)
                .await?;
            CheckIn {
                arrived_at: arrived_at.unwrap_or(now),
                // The retry of a check-in whose answer was lost gets that answer again.
                already_checked_in: !replayed,
                event_id: None,
            }
        };
        tx.commit().await?;
        Ok(Some(result))
    }

    const DESK_SELECT: &'static str =
        "SELECT a.id, a.starts_at, v.display_name, p.first_name, p.last_name, a.arrived_at, a.forms_incomplete,
            CASE WHEN a.no_show_at IS NOT NULL THEN 'no_show' WHEN a.roomed_at IS NOT NULL THEN 'roomed'
                 ELSE a.status END AS status,
            EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.appointment_id = a.id AND r.urgent AND r.acknowledged_at IS NULL) AS urgent,
            EXISTS (SELECT 1 FROM eligibility e WHERE e.appointment_id = a.id AND e.coverage IN ('inactive', 'rejected')) AS insurance_problem,
            EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id AND 'changed' IN (
                json_extract(w.verification_json, '$.address.answer'), json_extract(w.verification_json, '$.phone.answer'),
                json_extract(w.verification_json, '$.email.answer'), json_extract(w.verification_json, '$.emergency_contact.answer'),
                json_extract(w.verification_json, '$.language.answer'))) AS details_changed,
            EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id
                    AND json_extract(w.verification_json, '$.insurance.answer') = 'changed') AS insurance_changed,
            EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id
                    AND json_extract(w.verification_json, '$.insurance.answer') = 'self_pay') AS self_pay
         FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN provider v ON v.id = a.provider_id";

    fn desk_row(row: &sqlx::sqlite::SqliteRow) -> DeskAppointment {
        DeskAppointment {
            id: row.get("id"),
            starts_at: clock_time(row.get("starts_at")),
            provider: row.get("display_name"),
            patient: board_name(row.get("first_name"), row.get("last_name")),
            status: AppointmentStatus::parse(row.get("status")).unwrap_or(AppointmentStatus::Scheduled),
            arrived_at: row.get("arrived_at"),
            needs_attention_now: row.get("urgent"),
            forms_incomplete: row.get("forms_incomplete"),
            insurance_problem: row.get("insurance_problem"),
            details_changed: row.get("details_changed"),
            insurance_changed: row.get("insurance_changed"),
            self_pay: row.get("self_pay"),
        }
    }

    pub async fn desk_day(&self, day: NaiveDate) -> Result<DeskDay, sqlx::Error> {
        let (start, end) = day_range(day);
        let sql = format!(
            "{} WHERE a.clinic_id = ? AND a.starts_at >= ? AND a.starts_at < ? ORDER BY a.starts_at, v.display_name, a.id",
            Self::DESK_SELECT
        );
        let rows = sqlx::query(&sql)
            .bind(CLINIC_ID)
            .bind(start)
            .bind(end)
            .fetch_all(&self.pool)
            .await?;
        Ok(DeskDay {
            date: day.format("%Y-%m-%d").to_string(),
            clinic: self.clinic_name().await?,
            appointments: rows.iter().map(Self::desk_row).collect(),
            help_requests: self.open_help().await?,
            wait_amber_minutes: 0,
            wait_red_minutes: 0,
        })
    }

    pub async fn desk_appointment(&self, appointment_id: i64) -> Result<Option<DeskAppointment>, sqlx::Error> {
        let sql = format!("{} WHERE a.id = ?", Self::DESK_SELECT);
        let row = sqlx::query(&sql)
            .bind(appointment_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(Self::desk_row))
    }

    /// Desk events after `last_id`, oldest first, each with the appointment's current row.
    pub async fn desk_events_after(&self, last_id: i64) -> Result<Vec<(i64, DeskAppointment)>, sqlx::Error> {
        let events: Vec<(i64, i64)> =
            sqlx::query_as("SELECT id, appointment_id FROM desk_event WHERE id > ? ORDER BY id LIMIT 1000")
                .bind(last_id)
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::with_capacity(events.len());
        for (event_id, appointment_id) in events {
            if let Some(row) = self.desk_appointment(appointment_id).await? {
                out.push((event_id, row));
            }
        }
        Ok(out)
    }

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
        let mut tx = self.pool.begin().await?;
        let severity = scores
            .phq9_severity
            .and_then(|s| serde_json::to_value(s).ok())
            .and_then(|v| v.as_str().map(str::to_owned));
        sqlx::query(
            "INSERT INTO questionnaire_response
                (appointment_id, form_id, form_version, response_json, phq2_total, phq9_total, phq9_severity, urgent, submitted_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
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
        .bind(severity)
        .bind(scores.urgent)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let event_id = if scores.urgent {
            Some(desk_event(&mut tx, appointment_id, &now).await?)
        } else {
            None
        };
        tx.commit().await?;
        Ok(event_id)
    }

    /// The ids of the forms answered for this appointment.
    pub async fn submitted_forms(&self, appointment_id: i64) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT form_id FROM questionnaire_response WHERE appointment_id = ?")
            .bind(appointment_id)
            .fetch_all(&self.pool)
            .await
    }

    /// The appointment's PHQ-2 total, if its PHQ-2 was answered.
    pub async fn phq2_total(&self, appointment_id: i64) -> Result<Option<u32>, sqlx::Error> {
        let total: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT phq2_total FROM questionnaire_response WHERE appointment_id = ? AND phq2_total IS NOT NULL AND phq9_total IS NULL LIMIT 1",
        )
        .bind(appointment_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(total.flatten().and_then(|t| u32::try_from(t).ok()))
    }

    /// Which of these (consent id, version) pairs the appointment's patient has already signed.
    pub async fn signed_consents(&self, appointment_id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT s.consent_id, s.version FROM consent_signature s
             JOIN appointment a ON a.patient_id = s.patient_id WHERE a.id = ?",
        )
        .bind(appointment_id)
        .fetch_all(&self.pool)
        .await
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
        sqlx::query(
            "INSERT INTO consent_signature
                (patient_id, appointment_id, consent_id, version, typed_name, signature_path, signed_by_typing, language, signed_at)
             SELECT a.patient_id, a.id, ?, ?, ?, ?, ?, ?, ? FROM appointment a WHERE a.id = ?
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The appointment's visit type (it decides the intake forms).
    pub async fn visit_type(&self, appointment_id: i64) -> Result<String, sqlx::Error> {
        sqlx::query_scalar("SELECT visit_type FROM appointment WHERE id = ?")
            .bind(appointment_id)
            .fetch_one(&self.pool)
            .await
    }
}
