//! The database: one place for every SQL statement, each written once in SQL that SQLite and
//! PostgreSQL both accept and compiled for both (`on_pool!`, `on_tx!`); handlers never see
//! which backend runs.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use arrive_domain::api::{board_name, AppointmentStatus, DeskAppointment, DeskDay};
use arrive_domain::matching::Candidate;
use arrive_domain::DateOfBirth;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rand::RngCore;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Row;

mod detail;
mod handoff;
mod intake;
mod kiosks;
mod login_throttle;
mod metrics;
mod pre_registration;
mod record;
mod schedule;
mod staff;
mod throttle;
mod verification;
mod writer;
pub use detail::{AppointmentRecord, Progress, StoredResponse, StoredSignature};
pub use kiosks::{HelpOutcome, KioskCache, KioskDevice};
pub use pre_registration::{DayLink, LinkState, PreFinish, PreVisit};
pub use record::{CoverageOnFile, PatientOnFile, VisitOnFile};
pub(crate) use schedule::relationship_code;
pub use schedule::ImportCounts;
pub use staff::{AuditEntry, Credentials, Role, Staff, StaffAccount};
pub use verification::{KeyUse, OnFile, OnFileContact, OnFileCoverage, StoredCardImage, StoredVerification, Verified};
pub use writer::{WorkFuture, Written};

/// How long a match from identify may be used to check in.
pub const MATCH_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The one clinic of a single-clinic install (several clinics come with PostgreSQL).
pub const CLINIC_ID: i64 = 1;

/// The database the server runs on: SQLite (one server process) or PostgreSQL (one or more).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// SQLite: the one connection the busy paths write on, with group commit (`writer`).
    writer: Option<writer::Writer>,
    /// When the sweep (`SWEEP_SECONDS`) last ran (Unix seconds).
    last_sweep: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// SQLite: live tablets by token hash (`kiosks::KioskCache`). Not on PostgreSQL, where
    /// another server may revoke a tablet.
    kiosk_cache: Option<std::sync::Arc<KioskCache>>,
    /// The clinic's time zone, for "today" (the sweep); UTC unless `in_clinic_time_zone`.
    clinic_time_zone: chrono_tz::Tz,
}

/// Expired match tokens (a redeem refuses them anyway), and the progress saved at home for
/// visits of days gone by (a patient's answers, kept no longer than their link works), are
/// deleted at most this often, with a match token issued.
const SWEEP_SECONDS: i64 = 60;

/// One of the two backends. Every statement is written once, in SQL both accept (`$1`
/// placeholders, `RETURNING`, `ON CONFLICT`, `TRUE`/`FALSE`), and `on_pool!` / `on_tx!` compile
/// it once per backend, so rows decode with each driver's own types.
#[derive(Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A transaction on either backend; dropped without `commit`, it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// `on_pool!(pool, |p| body)`: `body` once for each backend, with `p` that backend's pool.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}

/// `on_tx!(tx, |c| body)`: `body` once for each backend, with `c` its open transaction
/// (`&mut **c` is the connection to execute on).
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite($c) => $body,
            $crate::store::Tx::Postgres($c) => $body,
        }
    };
}
pub(crate) use {on_pool, on_tx};

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        on_tx!(self, |tx| tx.commit().await)
    }
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

/// A visit's intake forms so far: (visit type, ids of the forms answered, PHQ-2 total while
/// no PHQ-9 is answered).
/// An `intake::FormRow`, then whether insurance is on file and whether the payer's answer is
/// (`MatchedVisit`).
type MatchedRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    String,
    bool,
    bool,
);

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

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `[start, end)` of a local day as `starts_at` strings.
fn day_range(day: NaiveDate) -> (String, String) {
    let next = day.succ_opt().unwrap_or(day);
    (day.format("%Y-%m-%d").to_string(), next.format("%Y-%m-%d").to_string())
}

const DESK_EVENT_INSERT: &str = "INSERT INTO desk_event (appointment_id, at) VALUES ($1, $2) RETURNING id";

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

/// Records a change the boards must hear about, in the caller's transaction, so the change and
/// its event commit together; the id is the event's SSE id.
/// On PostgreSQL the same transaction notifies every server (`events::CHANNEL`): the boards
/// on all of them hear of the change when, and only if, it commits. It also takes a lock held
/// to its commit, so desk events commit in id order as on SQLite (one writer): a board that
/// replays "after id N" cannot miss a lower id that committed later.
async fn desk_event(tx: &mut Tx, appointment_id: i64, now: &str) -> Result<i64, sqlx::Error> {
    if let Tx::Postgres(c) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock(727270002)")
            .execute(&mut **c)
            .await?;
    }
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(DESK_EVENT_INSERT)
        .bind(appointment_id)
        .bind(now)
        .fetch_one(&mut **c)
        .await)?;
    if let Tx::Postgres(c) = tx {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(crate::events::CHANNEL)
            .bind(format!("a {id} {appointment_id}"))
            .execute(&mut **c)
            .await?;
    }
    Ok(id)
}

/// `Store::check_in`'s transaction: everything an arrival writes, or (`Undo`) nothing.
async fn check_in_tx(
    tx: &mut Tx,
    appointment_id: i64,
    forms_incomplete: bool,
    verified: Option<&Verified<'_>>,
    now: String,
) -> Result<Written<Result<CheckIn, verification::KeyUse>>, sqlx::Error> {
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
            verification::KeyUse::New => {}
            verification::KeyUse::Repeated => replayed = updated == 0,
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

/// `'2026-11-24T09:30'` → `'09:30'`
fn clock_time(starts_at: &str) -> String {
    starts_at.get(11..16).unwrap_or(starts_at).to_owned()
}

/// An RFC 3339 instant on the clinic's wall clock: `'09:31'`.
fn clinic_clock(rfc3339: &str, zone: chrono_tz::Tz) -> Option<String> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&zone).format("%H:%M").to_string())
}

/// A board row from `DESK_SELECT` (a macro: rows are each backend's own type), its times on
/// the clinic's (`zone`) wall clock.
macro_rules! desk_row {
    ($row:expr, $zone:expr) => {{
        let row = $row;
        let arrived_at: Option<String> = row.get("arrived_at");
        DeskAppointment {
            id: row.get("id"),
            starts_at: clock_time(row.get("starts_at")),
            provider: row.get("display_name"),
            patient: board_name(row.get("first_name"), row.get("last_name")),
            status: AppointmentStatus::parse(row.get("status")).unwrap_or(AppointmentStatus::Scheduled),
            arrived_at_clinic_time: arrived_at.as_deref().and_then(|at| clinic_clock(at, $zone)),
            arrived_at,
            needs_attention_now: row.get("urgent"),
            forms_incomplete: row.get("forms_incomplete"),
            insurance_problem: row.get("insurance_problem"),
            insurance_ask_at_desk: row.get("insurance_ask_at_desk"),
            details_changed: row.get("details_changed"),
            insurance_changed: row.get("insurance_changed"),
            self_pay: row.get("self_pay"),
        }
    }};
}

impl Store {
    /// Opens the SQLite database at `path`, creating the file and its folder on first start and
    /// applying any pending migrations (`migrations/sqlite/`).
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
        // No ping before each use: a file's connection does not drop like a network one, and
        // the ping was a second round trip to the connection's thread for every query.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        // A connection of its own for the writer task: it never waits behind the pool's readers.
        let writer_pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
            writer: Some(writer::Writer::start(writer_pool)),
            last_sweep: Default::default(),
            kiosk_cache: Some(Default::default()),
            clinic_time_zone: chrono_tz::Tz::UTC,
        })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://…`) and applies any pending
    /// migrations (`migrations/postgres/`). Several servers may do this at once: sqlx's
    /// migrator holds an advisory lock while it works.
    /// The store for a clinic in `zone` (`ARRIVE_CLINIC_TIME_ZONE`).
    pub fn in_clinic_time_zone(mut self, zone: chrono_tz::Tz) -> Self {
        self.clinic_time_zone = zone;
        self
    }

    pub async fn open_postgres(url: &str) -> Result<Self, sqlx::Error> {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?
            // A commit is on the primary's disk (and its synchronous standbys', if the cluster
            // has any) before the client hears "done", whatever the server's default.
            .options([("synchronous_commit", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Store {
            pool: Pool::Postgres(pool),
            writer: None,
            last_sweep: Default::default(),
            kiosk_cache: None,
            clinic_time_zone: chrono_tz::Tz::UTC,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The PostgreSQL pool, when that is the backend (LISTEN/NOTIFY for several servers).
    pub fn postgres(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Postgres(pool) => Some(pool),
            Pool::Sqlite(_) => None,
        }
    }

    /// The database answers a query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A transaction on whichever backend this is.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Runs `work` in a transaction and commits it, unless it answers `Written::Undo`. On
    /// SQLite the work is queued to the writer task and shares its commit with whatever else
    /// was queued meanwhile (`writer`); either way it returns after the commit.
    pub async fn write<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Tx) -> WorkFuture<'a, T> + Send + 'static,
    {
        if let Some(writer) = &self.writer {
            return writer.write(work).await;
        }
        let mut tx = self.begin().await?;
        match work(&mut tx).await? {
            Written::Keep(value) => {
                tx.commit().await?;
                Ok(value)
            }
            // Dropping the transaction rolls it back.
            Written::Undo(value) => Ok(value),
        }
    }

    pub async fn clinic_name(&self) -> Result<String, sqlx::Error> {
        let name: Option<String> = on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT name FROM clinic WHERE id = $1"
        )
        .bind(CLINIC_ID)
        .fetch_optional(p)
        .await)?;
        Ok(name.unwrap_or_default())
    }

    /// Today's appointments of patients born on `dob`: what the matcher chooses among.
    /// `CROSS JOIN` keeps SQLite's plan patient-first (by birth date), never a scan of the day
    /// (PostgreSQL plans it as any inner join).
    pub async fn candidates(&self, day: NaiveDate, dob: DateOfBirth) -> Result<Vec<Candidate<i64>>, sqlx::Error> {
        let (start, end) = day_range(day);
        let rows: Vec<(i64, i64, String, String, String)> = on_pool!(&self.pool, |p| sqlx::query_as(
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
            .map(|(id, patient_id, last_name, starts_at, status)| {
                let hour: u32 = starts_at.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0);
                let minute: u32 = starts_at.get(14..16).and_then(|m| m.parse().ok()).unwrap_or(0);
                Candidate {
                    appointment: id,
                    patient: patient_id,
                    last_name,
                    date_of_birth: dob,
                    starts_at_minute: hour * 60 + minute,
                    arrived: status != AppointmentStatus::Scheduled.as_str(),
                }
            })
            .collect())
    }

    pub async fn kiosk_view(&self, appointment_id: i64) -> Result<Option<KioskView>, sqlx::Error> {
        let row: Option<(String, String, String, String)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT p.first_name, a.starts_at, v.display_name, a.status
             FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN provider v ON v.id = a.provider_id
             WHERE a.id = $1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|(first_name, starts_at, provider, status)| KioskView {
            first_name,
            starts_at: clock_time(&starts_at),
            provider,
            status: AppointmentStatus::parse(&status).unwrap_or(AppointmentStatus::Scheduled),
        }))
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

    /// `check_in` for the kiosk: also redeems the match token (`redeem_match_token`) that
    /// `matched_visit` found for `appointment_id`, in the same transaction — one write, one
    /// commit, where the two used to be two of each.
    pub async fn check_in_matched(
        &self,
        match_token: &str,
        appointment_id: i64,
        forms_incomplete: bool,
        verified: Option<&Verified<'_>>,
        now: DateTime<Utc>,
    ) -> Result<MatchedCheckIn, sqlx::Error> {
        let token = match_token.to_owned();
        let expires_at = rfc3339(now + MATCH_TOKEN_LIFETIME);
        let now = rfc3339(now);
        let verified = verified.map(|v| (v.idempotency_key.to_owned(), v.verification.clone(), v.payers.to_vec()));
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
                let verified = verified.as_ref().map(|(key, verification, payers)| Verified {
                    idempotency_key: key,
                    verification,
                    payers,
                });
                Ok(
                    match check_in_tx(tx, appointment_id, forms_incomplete, verified.as_ref(), now).await? {
                        Written::Keep(Ok(done)) => Written::Keep(MatchedCheckIn::Done(done)),
                        Written::Keep(Err(refused)) | Written::Undo(Err(refused)) => Written::Undo(
                            if refused == verification::KeyUse::OtherRequest {
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

    /// Marks the appointment arrived at `now`, once: a second call reports the first arrival.
    /// `forms_incomplete`: the visit's intake forms were not all answered (a board flag).
    /// `verified`: what the patient confirmed or changed, stored and applied to the record in
    /// the same transaction as the arrival — and only with a new arrival: an appointment
    /// already checked in keeps its first verification. A retry with the idempotency key of the
    /// stored verification answers as the first call did and changes nothing.
    /// `None`: the idempotency key was used for another appointment; nothing was stored.
    /// Returns after the commit: on either backend the arrival is durable before the kiosk
    /// hears of it.
    pub async fn check_in(
        &self,
        appointment_id: i64,
        forms_incomplete: bool,
        verified: Option<&Verified<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<CheckIn>, sqlx::Error> {
        let now = rfc3339(now);
        // Owned: the work runs on the writer task.
        let verified = verified.map(|v| (v.idempotency_key.to_owned(), v.verification.clone(), v.payers.to_vec()));
        self.write(move |tx| {
            Box::pin(async move {
                let verified = verified.as_ref().map(|(key, verification, payers)| Verified {
                    idempotency_key: key,
                    verification,
                    payers,
                });
                Ok(
                    match check_in_tx(tx, appointment_id, forms_incomplete, verified.as_ref(), now).await? {
                        Written::Keep(done) => Written::Keep(done.ok()),
                        Written::Undo(done) => Written::Undo(done.ok()),
                    },
                )
            })
        })
        .await
    }

    /// `json_extract` is SQLite's; the PostgreSQL migrations define a function of that name
    /// and meaning (`$.a.b` paths into a TEXT column), so this one text serves both.
    const DESK_SELECT: &'static str =
        "SELECT a.id, a.starts_at, v.display_name, p.first_name, p.last_name, a.arrived_at, a.forms_incomplete,
            CASE WHEN a.no_show_at IS NOT NULL THEN 'no_show' WHEN a.roomed_at IS NOT NULL THEN 'roomed'
                 ELSE a.status END AS status,
            EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.appointment_id = a.id AND r.urgent AND r.acknowledged_at IS NULL) AS urgent,
            EXISTS (SELECT 1 FROM eligibility e WHERE e.appointment_id = a.id AND e.coverage IN ('inactive', 'rejected')) AS insurance_problem,
            EXISTS (SELECT 1 FROM eligibility e WHERE e.appointment_id = a.id AND e.coverage = 'ask_at_desk') AS insurance_ask_at_desk,
            EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id AND 'changed' IN (
                json_extract(w.verification_json, '$.address.answer'), json_extract(w.verification_json, '$.phone.answer'),
                json_extract(w.verification_json, '$.email.answer'), json_extract(w.verification_json, '$.emergency_contact.answer'),
                json_extract(w.verification_json, '$.language.answer'))) AS details_changed,
            EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id
                    AND json_extract(w.verification_json, '$.insurance.answer') = 'changed') AS insurance_changed,
            EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id
                    AND json_extract(w.verification_json, '$.insurance.answer') = 'self_pay') AS self_pay
         FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN provider v ON v.id = a.provider_id";

    pub async fn desk_day(&self, day: NaiveDate) -> Result<DeskDay, sqlx::Error> {
        let (start, end) = day_range(day);
        let sql = format!(
            "{} WHERE a.clinic_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 ORDER BY a.starts_at, v.display_name, a.id",
            Self::DESK_SELECT
        );
        let appointments = on_pool!(&self.pool, |p| sqlx::query(&sql)
            .bind(CLINIC_ID)
            .bind(start)
            .bind(end)
            .fetch_all(p)
            .await?
            .iter()
            .map(|row| desk_row!(row, self.clinic_time_zone))
            .collect());
        Ok(DeskDay {
            date: day.format("%Y-%m-%d").to_string(),
            clinic: self.clinic_name().await?,
            appointments,
            help_requests: self.open_help().await?,
            wait_amber_minutes: 0,
            wait_red_minutes: 0,
        })
    }

    pub async fn desk_appointment(&self, appointment_id: i64) -> Result<Option<DeskAppointment>, sqlx::Error> {
        let sql = format!("{} WHERE a.id = $1", Self::DESK_SELECT);
        Ok(on_pool!(&self.pool, |p| sqlx::query(&sql)
            .bind(appointment_id)
            .fetch_optional(p)
            .await?
            .map(|row| desk_row!(&row, self.clinic_time_zone))))
    }

    /// Desk events after `last_id`, oldest first, each with the appointment's current row.
    pub async fn desk_events_after(&self, last_id: i64) -> Result<Vec<(i64, DeskAppointment)>, sqlx::Error> {
        let events: Vec<(i64, i64)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT id, appointment_id FROM desk_event WHERE id > $1 ORDER BY id LIMIT 1000",
        )
        .bind(last_id)
        .fetch_all(p)
        .await)?;
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
        let mut tx = self.begin().await?;
        let severity = scores
            .phq9_severity
            .and_then(|s| serde_json::to_value(s).ok())
            .and_then(|v| v.as_str().map(str::to_owned));
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO questionnaire_response
                (appointment_id, form_id, form_version, response_json, phq2_total, phq9_total, phq9_severity, urgent, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
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
        .bind(&severity)
        .bind(scores.urgent)
        .bind(&now)
        .execute(&mut **c)
        .await.map(|r| r.rows_affected())
        })?;
        let event_id = if scores.urgent {
            Some(desk_event(&mut tx, appointment_id, &now).await?)
        } else {
            None
        };
        tx.commit().await?;
        Ok(event_id)
    }

    /// The visit of a live match token, its `form_progress` and what is on file with the payer,
    /// in one query and without using the token (no write): what a check-in looks up before it
    /// queues its transaction, which redeems the token with the arrival.
    pub async fn matched_visit(&self, token: &str, now: DateTime<Utc>) -> Result<Option<MatchedVisit>, sqlx::Error> {
        let rows: Vec<MatchedRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT a.id, a.visit_type, substr(a.starts_at, 1, 10), r.form_id, r.phq2_total, r.phq9_total,
                    r.appointment_id = a.id, substr(v.starts_at, 1, 10),
                    EXISTS (SELECT 1 FROM coverage c WHERE c.patient_id = a.patient_id),
                    EXISTS (SELECT 1 FROM eligibility e WHERE e.appointment_id = a.id AND e.coverage <> 'unavailable')
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
        let Some(&(.., coverage_on_file, payer_answered)) = rows.first() else {
            return Ok(None);
        };
        let rows = rows
            .into_iter()
            .map(|(id, visit_type, day, form, phq2, phq9, here, answered_day, ..)| {
                (id, visit_type, day, form, phq2, phq9, here, answered_day)
            });
        Ok(
            intake::fold_form_progress(rows.collect()).map(|(appointment_id, forms)| MatchedVisit {
                appointment_id,
                forms,
                coverage_on_file,
                payer_answered,
            }),
        )
    }

    /// The appointment's PHQ-2 total, if its PHQ-2 was answered.
    pub async fn phq2_total(&self, appointment_id: i64) -> Result<Option<u32>, sqlx::Error> {
        let total: Option<Option<i64>> = on_pool!(&self.pool, |p| {
            sqlx::query_scalar(
            "SELECT phq2_total FROM questionnaire_response WHERE appointment_id = $1 AND phq2_total IS NOT NULL AND phq9_total IS NULL LIMIT 1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await
        })?;
        Ok(total.flatten().and_then(|t| u32::try_from(t).ok()))
    }

    /// Which of these (consent id, version) pairs the appointment's patient has already signed.
    pub async fn signed_consents(&self, appointment_id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
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
        on_pool!(&self.pool, |p| {
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

    /// The appointment's visit type (it decides the intake forms).
    pub async fn visit_type(&self, appointment_id: i64) -> Result<String, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT visit_type FROM appointment WHERE id = $1"
        )
        .bind(appointment_id)
        .fetch_one(p)
        .await)
    }
}
