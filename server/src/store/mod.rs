//! The database: one place for every SQL statement, each written once in SQL that SQLite and
//! PostgreSQL both accept and compiled for both (`backend`); handlers never see which backend
//! runs. This file is the handle (open, begin, write, ping); each other file holds the
//! statements about one thing the database keeps.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

mod arrival;
mod backend;
mod board;
mod card_images;
mod consents;
mod detail;
mod eligibility;
mod help;
mod intake;
mod kiosks;
mod login_throttle;
mod metrics;
mod outbox;
mod pre_registration;
mod record;
mod schedule;
mod seed;
mod staff;
mod throttle;
mod verification;
mod writer;
pub use arrival::{CheckIn, KioskView, MatchedCheckIn, MatchedVisit, MATCH_TOKEN_LIFETIME};
pub(crate) use backend::{on_pool, on_tx};
pub use backend::{Backend, Pool, Tx};
use board::{clock_time, commit_with_event};
pub use board::{DeskEvent, CHANNEL};
pub use card_images::{CardPhoto, StoredCardImage};
pub use consents::SignedConsent;
pub use detail::{AppointmentRecord, Progress, StoredResponse, StoredSignature};
pub use help::HelpOutcome;
use kiosks::KioskCache;
pub use kiosks::{KioskDevice, Tablet};
pub use login_throttle::LoginFailures;
pub use outbox::DueDelivery;
pub use pre_registration::{DayLink, LinkState, NewPass, PreFinish, PreVisit, ResumePoint};
pub use record::{CoverageOnFile, PatientOnFile, VisitOnFile};
pub(crate) use schedule::relationship_code;
pub use schedule::ImportCounts;
pub use seed::{SeedResponse, SeedVisit};
pub use staff::{AuditEntry, Credentials, Role, Session, Staff, StaffAccount};
pub use throttle::Limit;
pub use verification::{KeyUse, OnFile, OnFileContact, StoredVerification, Verified};
pub use writer::{WorkFuture, Written};

/// The one clinic of a single-clinic install (several clinics come with PostgreSQL).
pub const CLINIC_ID: i64 = 1;

/// The database the server runs on: SQLite (one server process) or PostgreSQL (one or more).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// SQLite: the one connection the busy paths write on, with group commit (`writer`).
    writer: Option<writer::Writer>,
    /// When the sweep (`arrival::SWEEP_SECONDS`) last ran (Unix seconds).
    last_sweep: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// SQLite: live tablets by token hash (`kiosks::KioskCache`). Not on PostgreSQL, where
    /// another server may revoke a tablet.
    kiosk_cache: Option<std::sync::Arc<KioskCache>>,
    /// The clinic's time zone, for "today" (the sweep); UTC unless `in_clinic_time_zone`.
    clinic_time_zone: chrono_tz::Tz,
}

/// An instant as the store keeps it: RFC 3339, UTC, milliseconds.
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `[start, end)` of a local day as `starts_at` strings.
fn day_range(day: NaiveDate) -> (String, String) {
    let next = day.succ_opt().unwrap_or(day);
    (day.format("%Y-%m-%d").to_string(), next.format("%Y-%m-%d").to_string())
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

    /// The store for a clinic in `zone` (`ARRIVE_CLINIC_TIME_ZONE`).
    pub fn in_clinic_time_zone(mut self, zone: chrono_tz::Tz) -> Self {
        self.clinic_time_zone = zone;
        self
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://…`) and applies any pending
    /// migrations (`migrations/postgres/`). Several servers may do this at once: sqlx's
    /// migrator holds an advisory lock while it works.
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
}
