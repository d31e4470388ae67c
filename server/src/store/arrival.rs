//! An arrival: today's candidates for the matcher, the match token that lets the kiosk check a
//! visit in, and the check-in itself — the appointment marked arrived, its desk event, its
//! hand-off to the clinic's FHIR server, the pre-registration pass spent and the patient's
//! verification applied, all in one transaction that also redeems the match token and settles
//! the idempotency key.

use arrive_domain::api::AppointmentStatus;
use arrive_domain::matching::Candidate;
use arrive_domain::DateOfBirth;
use chrono::{DateTime, NaiveDate, Utc};
use rand::RngCore;

use super::board::{desk_event, DESK_EVENT_INSERT};
use super::intake::{fold_form_progress, FormRow};
use super::verification::{self, KeyUse, Verified};
use super::{clock_time, day_range, on_pool, on_tx, rfc3339, Store, Tx, Written, CLINIC_ID};

/// How long a match from identify may be used to check in.
pub const MATCH_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// Expired match tokens (a redeem refuses them anyway), and the progress saved at home for
/// visits of days gone by (a patient's answers, kept no longer than their link works), are
/// deleted at most this often, with a match token issued.
const SWEEP_SECONDS: i64 = 60;

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

/// What `Store::matched_visit` finds for a check-in.
pub struct MatchedVisit {
    pub appointment_id: i64,
    pub forms: crate::forms::FormProgress,
    /// The patient has insurance on file.
    pub coverage_on_file: bool,
    /// The payer's answer about this visit is on file (an ask that got no answer does not count).
    pub payer_answered: bool,
}

/// What `Store::check_in_matched` came to.
pub enum MatchedCheckIn {
    Done(CheckIn),
    /// The idempotency key was used for another appointment; nothing was stored.
    KeyUsedElsewhere,
    /// The idempotency key was used for this appointment with another verification; nothing
    /// was stored.
    KeyUsedForOtherRequest,
    /// The match token is no longer live; nothing was stored.
    Expired,
}

/// One of today's appointments of a patient born on the date asked about.
#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: i64,
    patient_id: i64,
    last_name: String,
    starts_at: String,
    status: String,
}

/// An appointment's patient, time and provider: what the kiosk and the pre-registration link
/// show of it.
#[derive(sqlx::FromRow)]
pub(super) struct VisitRow {
    pub first_name: String,
    pub date_of_birth: String,
    pub starts_at: String,
    pub display_name: String,
    pub status: String,
}

/// A `FormRow` of the matched visit, with whether insurance is on file and whether the
/// payer's answer is (`MatchedVisit`).
#[derive(sqlx::FromRow)]
struct MatchedRow {
    #[sqlx(flatten)]
    form: FormRow,
    coverage_on_file: bool,
    payer_answered: bool,
}

/// What a new arrival writes besides its appointment row, each statement binding `$1` the
/// appointment and `$2` the time: its desk event (the one that returns a row: its id); the
/// hand-off to the clinic's FHIR server, which commits with the arrival so none is lost; and a
/// pre-registration pass, good for one check-in, spent with it.
const ARRIVAL_WRITES: [&str; 3] = [
    DESK_EVENT_INSERT,
    "INSERT INTO fhir_outbox (appointment_id, queued_at, next_attempt_at) VALUES ($1, $2, $2)
     ON CONFLICT (appointment_id) DO UPDATE SET queued_at = excluded.queued_at,
         next_attempt_at = excluded.next_attempt_at, attempts = 0, last_error = NULL, delivered_at = NULL,
         bundle = NULL, rejected_at = NULL, rejection = NULL",
    "UPDATE arrival_pass SET used_at = $2 WHERE appointment_id = $1 AND used_at IS NULL",
];

/// `ARRIVAL_WRITES` in the caller's transaction; returns the desk event's id.
async fn arrival_writes(tx: &mut Tx, appointment_id: i64, now: &str) -> Result<i64, sqlx::Error> {
    match tx {
        // One text, so one trip to the connection's thread where three would be three: sqlx
        // runs each statement of a text in turn, binding `$n` in each to the n-th value.
        Tx::Sqlite(c) => {
            static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| ARRIVAL_WRITES.join(";\n"));
            let ids: Vec<i64> = sqlx::query_scalar(TEXT.as_str())
                .bind(appointment_id)
                .bind(now)
                .fetch_all(&mut **c)
                .await?;
            ids.first().copied().ok_or(sqlx::Error::RowNotFound)
        }
        // PostgreSQL prepares one statement per text; its desk event also locks and notifies.
        Tx::Postgres(_) => {
            let id = desk_event(tx, appointment_id, now).await?;
            if let Tx::Postgres(c) = tx {
                for statement in &ARRIVAL_WRITES[1..] {
                    sqlx::query(statement)
                        .bind(appointment_id)
                        .bind(now)
                        .execute(&mut **c)
                        .await?;
                }
            }
            Ok(id)
        }
    }
}

/// Marks the appointment arrived at `now`, once: a second call reports the first arrival.
/// `forms_incomplete`: the visit's intake forms were not all answered (a board flag).
/// `verified`: what the patient confirmed or changed, stored and applied to the record in the
/// same transaction as the arrival — and only with a new arrival: an appointment already
/// checked in keeps its first verification. A retry with the idempotency key of the stored
/// verification answers as the first call did and changes nothing; a key used for something
/// else undoes the whole transaction.
async fn check_in_tx(
    tx: &mut Tx,
    appointment_id: i64,
    forms_incomplete: bool,
    verified: Option<&Verified>,
    now: String,
) -> Result<Written<Result<CheckIn, KeyUse>>, sqlx::Error> {
    // A write first: the transaction takes SQLite's write lock before it reads anything, so
    // a concurrent writer cannot invalidate what it read (SQLITE_BUSY_SNAPSHOT); on
    // PostgreSQL it locks the row, so a concurrent check-in of the same visit waits and
    // then finds it arrived.
    let updated = on_tx!(tx, |c| sqlx::query(
        "UPDATE appointment SET status = 'arrived', arrived_at = $1, no_show_at = NULL, forms_incomplete = $2
         WHERE id = $3 AND status = 'scheduled'",
    )
    .bind(&now)
    .bind(forms_incomplete)
    .bind(appointment_id)
    .execute(&mut **c)
    .await?
    .rows_affected());
    let mut replayed = false;
    if let Some(verified) = verified {
        match verification::key_use(tx, appointment_id, verified).await? {
            KeyUse::New => {}
            KeyUse::Repeated => replayed = updated == 0,
            // Undone: the arrival is rolled back.
            refused => return Ok(Written::Undo(Err(refused))),
        }
    }
    let result = if updated == 1 {
        let event_id = arrival_writes(tx, appointment_id, &now).await?;
        if let Some(verified) = verified {
            verification::record(tx, appointment_id, verified, &now).await?;
        }
        CheckIn {
            arrived_at: now,
            already_checked_in: false,
            event_id: Some(event_id),
        }
    } else {
        let arrived_at: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT arrived_at FROM appointment WHERE id = $1"
        )
        .bind(appointment_id)
        .fetch_one(&mut **c)
        .await)?;
        CheckIn {
            arrived_at: arrived_at.unwrap_or(now),
            // The retry of a check-in whose answer was lost gets that answer again.
            already_checked_in: !replayed,
            event_id: None,
        }
    };
    Ok(Written::Keep(Ok(result)))
}

impl Store {
    /// Today's appointments of patients born on `dob`: what the matcher chooses among.
    /// `CROSS JOIN` keeps SQLite's plan patient-first (by birth date), never a scan of the day
    /// (PostgreSQL plans it as any inner join).
    pub async fn candidates(&self, day: NaiveDate, dob: DateOfBirth) -> Result<Vec<Candidate<i64>>, sqlx::Error> {
        let (start, end) = day_range(day);
        let rows: Vec<CandidateRow> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT a.id, a.patient_id, p.last_name, a.starts_at, a.status
             FROM patient p CROSS JOIN appointment a
             WHERE a.patient_id = p.id AND a.clinic_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3
                   AND p.date_of_birth = $4",
        )
        .bind(CLINIC_ID)
        .bind(start)
        .bind(end)
        .bind(dob.to_string())
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let hour: u32 = row.starts_at.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0);
                let minute: u32 = row.starts_at.get(14..16).and_then(|m| m.parse().ok()).unwrap_or(0);
                Candidate {
                    appointment: row.id,
                    patient: row.patient_id,
                    last_name: row.last_name,
                    date_of_birth: dob,
                    starts_at_minute: hour * 60 + minute,
                    arrived: row.status != AppointmentStatus::Scheduled.as_str(),
                }
            })
            .collect())
    }

    pub async fn kiosk_view(&self, appointment_id: i64) -> Result<Option<KioskView>, sqlx::Error> {
        Ok(self.visit_row(appointment_id).await?.map(|row| KioskView {
            first_name: row.first_name,
            starts_at: clock_time(&row.starts_at),
            provider: row.display_name,
            status: AppointmentStatus::parse(&row.status).unwrap_or(AppointmentStatus::Scheduled),
        }))
    }

    pub(super) async fn visit_row(&self, appointment_id: i64) -> Result<Option<VisitRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT p.first_name, p.date_of_birth, a.starts_at, v.display_name, a.status
             FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN provider v ON v.id = a.provider_id
             WHERE a.id = $1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await)
    }

    /// A new random token (128 bits) that lets the kiosk check `appointment_id` in until it expires.
    pub async fn issue_match_token(&self, appointment_id: i64, now: DateTime<Utc>) -> Result<String, sqlx::Error> {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let last_sweep = self.last_sweep.load(std::sync::atomic::Ordering::Relaxed);
        let sweep = now.timestamp() - last_sweep >= SWEEP_SECONDS
            && self
                .last_sweep
                .compare_exchange(
                    last_sweep,
                    now.timestamp(),
                    std::sync::atomic::Ordering::Relaxed,
                    std::sync::atomic::Ordering::Relaxed,
                )
                .is_ok();
        let zone = self.clinic_time_zone;
        self.write(move |tx| {
            Box::pin(async move {
                on_tx!(tx, |c| {
                    if sweep {
                        sqlx::query("DELETE FROM match_token WHERE expires_at < $1")
                            .bind(rfc3339(now))
                            .execute(&mut **c)
                            .await?;
                        let (today, _) = day_range(now.with_timezone(&zone).date_naive());
                        // Driven by pre_progress (a few rows), each visit found by its key: the
                        // appointments of all past days are never scanned.
                        sqlx::query(
                            "DELETE FROM pre_progress
                             WHERE (SELECT a.starts_at FROM appointment a WHERE a.id = pre_progress.appointment_id) < $1",
                        )
                        .bind(today)
                        .execute(&mut **c)
                        .await?;
                    }
                    sqlx::query(
                        "UPDATE appointment SET kiosk_started_at = COALESCE(kiosk_started_at, $1) WHERE id = $2",
                    )
                    .bind(rfc3339(now))
                    .bind(appointment_id)
                    .execute(&mut **c)
                    .await?;
                    sqlx::query("INSERT INTO match_token (token, appointment_id, expires_at) VALUES ($1, $2, $3)")
                        .bind(&token)
                        .bind(appointment_id)
                        .bind(rfc3339(now + MATCH_TOKEN_LIFETIME))
                        .execute(&mut **c)
                        .await?;
                });
                Ok(Written::Keep(token))
            })
        })
        .await
    }

    /// The appointment of a live token. Each use extends its life, so a patient working through
    /// the intake forms is not cut off; an abandoned kiosk still resets itself long before.
    pub async fn redeem_match_token(&self, token: &str, now: DateTime<Utc>) -> Result<Option<i64>, sqlx::Error> {
        let token = token.to_owned();
        self.write(move |tx| {
            Box::pin(async move {
                let appointment: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
                    "UPDATE match_token SET expires_at = $1 WHERE token = $2 AND expires_at >= $3 RETURNING appointment_id",
                )
                .bind(rfc3339(now + MATCH_TOKEN_LIFETIME))
                .bind(&token)
                .bind(rfc3339(now))
                .fetch_optional(&mut **c)
                .await)?;
                Ok(Written::Keep(appointment))
            })
        })
        .await
    }

    /// The visit of a live match token, its `form_progress` and what is on file with the payer,
    /// in one query and without using the token (no write): what a check-in looks up before it
    /// queues its transaction, which redeems the token with the arrival.
    pub async fn matched_visit(&self, token: &str, now: DateTime<Utc>) -> Result<Option<MatchedVisit>, sqlx::Error> {
        let rows: Vec<MatchedRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT a.id AS appointment_id, a.visit_type, substr(a.starts_at, 1, 10) AS visit_day, r.form_id,
                    r.phq2_total, r.phq9_total, r.appointment_id = a.id AS answered_here,
                    substr(v.starts_at, 1, 10) AS answered_day,
                    EXISTS (SELECT 1 FROM coverage c WHERE c.patient_id = a.patient_id) AS coverage_on_file,
                    EXISTS (SELECT 1 FROM eligibility e WHERE e.appointment_id = a.id AND e.coverage <> 'unavailable')
                        AS payer_answered
             FROM match_token t JOIN appointment a ON a.id = t.appointment_id
                  JOIN appointment v ON v.patient_id = a.patient_id AND v.starts_at <= a.starts_at
                  LEFT JOIN questionnaire_response r ON r.appointment_id = v.id
             WHERE t.token = $1 AND t.expires_at >= $2",
            )
            .bind(token)
            .bind(rfc3339(now))
            .fetch_all(p)
            .await
        })?;
        let Some(&MatchedRow {
            coverage_on_file,
            payer_answered,
            ..
        }) = rows.first()
        else {
            return Ok(None);
        };
        Ok(
            fold_form_progress(rows.into_iter().map(|row| row.form).collect()).map(|(appointment_id, forms)| {
                MatchedVisit {
                    appointment_id,
                    forms,
                    coverage_on_file,
                    payer_answered,
                }
            }),
        )
    }

    /// Checks in the visit `matched_visit` found for `match_token` (see `check_in_tx`) and
    /// redeems the token, in one transaction: one write, one commit. Returns after the commit:
    /// on either backend the arrival is durable before the kiosk hears of it.
    pub async fn check_in_matched(
        &self,
        match_token: &str,
        appointment_id: i64,
        forms_incomplete: bool,
        verified: Option<Verified>,
        now: DateTime<Utc>,
    ) -> Result<MatchedCheckIn, sqlx::Error> {
        let token = match_token.to_owned();
        let expires_at = rfc3339(now + MATCH_TOKEN_LIFETIME);
        let now = rfc3339(now);
        self.write(move |tx| {
            Box::pin(async move {
                let redeemed = on_tx!(tx, |c| sqlx::query(
                    "UPDATE match_token SET expires_at = $1 WHERE token = $2 AND expires_at >= $3 AND appointment_id = $4",
                )
                .bind(&expires_at)
                .bind(&token)
                .bind(&now)
                .bind(appointment_id)
                .execute(&mut **c)
                .await?
                .rows_affected());
                if redeemed == 0 {
                    // It expired since it was looked up: nothing was written.
                    return Ok(Written::Undo(MatchedCheckIn::Expired));
                }
                Ok(
                    match check_in_tx(tx, appointment_id, forms_incomplete, verified.as_ref(), now).await? {
                        Written::Keep(Ok(done)) => Written::Keep(MatchedCheckIn::Done(done)),
                        Written::Keep(Err(refused)) | Written::Undo(Err(refused)) => Written::Undo(
                            if refused == KeyUse::OtherRequest {
                                MatchedCheckIn::KeyUsedForOtherRequest
                            } else {
                                MatchedCheckIn::KeyUsedElsewhere
                            },
                        ),
                        Written::Undo(Ok(_)) => Written::Undo(MatchedCheckIn::KeyUsedElsewhere),
                    },
                )
            })
        })
        .await
    }
}
