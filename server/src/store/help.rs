//! Calls for help from the lobby tablets: a tablet's request (one open at a time, a few per
//! window), the desk's acknowledgement, and the open requests every board lists.

use chrono::{DateTime, Utc};

use super::{on_pool, rfc3339, Store};
use arrive_domain::api::{DeskHelp, KioskStep};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

/// What became of a tablet's call for help.
#[derive(Debug)]
pub enum HelpOutcome {
    /// A new request: every board shows it, with a chime.
    New(DeskHelp),
    /// The tablet's request is still open: the desk has been told already.
    AlreadyOpen(DeskHelp),
    /// The tablet asked too often lately.
    TooMany { retry_after: chrono::Duration },
}

impl Store {
    /// A tablet's call for help at `step` (and whether it is calling because it cannot speak):
    /// a new request, or the one still open (a second tap is the same request), or none when
    /// the tablet asked `most` times within `window`.
    pub async fn request_help(
        &self,
        kiosk_id: i64,
        (step, cannot_speak): (KioskStep, bool),
        (most, window): (i64, chrono::Duration),
        now: DateTime<Utc>,
    ) -> Result<HelpOutcome, sqlx::Error> {
        if let Some(open) = self.open_help_of(kiosk_id).await? {
            return Ok(HelpOutcome::AlreadyOpen(open));
        }
        let recent: RecentRequests = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT COUNT(*) AS count, MIN(requested_at) AS oldest FROM help_request
             WHERE kiosk_id = $1 AND requested_at > $2",
        )
        .bind(kiosk_id)
        .bind(rfc3339(now - window))
        .fetch_one(p)
        .await)?;
        if recent.count >= most {
            let oldest = recent
                .oldest
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map_or(now, |t| t.with_timezone(&Utc));
            return Ok(HelpOutcome::TooMany {
                retry_after: (oldest + window - now).max(chrono::Duration::seconds(1)),
            });
        }
        // The unique index on open requests settles two taps that arrive together.
        let id: Option<i64> = on_pool!(self.pool(), |p| sqlx::query_scalar(
            "INSERT INTO help_request (kiosk_id, step, requested_at, cannot_speak) VALUES ($1, $2, $3, $4)
             ON CONFLICT (kiosk_id) WHERE acknowledged_at IS NULL DO NOTHING RETURNING id",
        )
        .bind(kiosk_id)
        .bind(step_name(step))
        .bind(rfc3339(now))
        .bind(cannot_speak)
        .fetch_optional(p)
        .await)?;
        match id {
            Some(id) => Ok(HelpOutcome::New(self.help(id).await?.ok_or(sqlx::Error::RowNotFound)?)),
            None => Ok(HelpOutcome::AlreadyOpen(
                self.open_help_of(kiosk_id).await?.ok_or(sqlx::Error::RowNotFound)?,
            )),
        }
    }

    /// The tablet's request nobody has acknowledged yet, if any.
    async fn open_help_of(&self, kiosk_id: i64) -> Result<Option<DeskHelp>, sqlx::Error> {
        let row: Option<HelpRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT h.id, k.name AS kiosk, h.step, h.requested_at, h.acknowledged_at, h.cannot_speak
             FROM help_request h JOIN kiosk_device k ON k.id = h.kiosk_id
             WHERE h.kiosk_id = $1 AND h.acknowledged_at IS NULL",
        )
        .bind(kiosk_id)
        .fetch_optional(p)
        .await)?;
        Ok(row.and_then(help_row))
    }

    pub async fn help(&self, id: i64) -> Result<Option<DeskHelp>, sqlx::Error> {
        let row: Option<HelpRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT h.id, k.name AS kiosk, h.step, h.requested_at, h.acknowledged_at, h.cannot_speak
             FROM help_request h JOIN kiosk_device k ON k.id = h.kiosk_id WHERE h.id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        Ok(row.and_then(help_row))
    }

    /// Help requests nobody has acknowledged, oldest first.
    pub async fn open_help(&self) -> Result<Vec<DeskHelp>, sqlx::Error> {
        let rows: Vec<HelpRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT h.id, k.name AS kiosk, h.step, h.requested_at, h.acknowledged_at, h.cannot_speak
             FROM help_request h JOIN kiosk_device k ON k.id = h.kiosk_id
             WHERE h.acknowledged_at IS NULL ORDER BY h.id",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().filter_map(help_row).collect())
    }

    /// The request, acknowledged (`None` if there is no such open request).
    pub async fn acknowledge_help(
        &self,
        id: i64,
        staff_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DeskHelp>, sqlx::Error> {
        let changed = on_pool!(self.pool(), |p| {
            sqlx::query(
            "UPDATE help_request SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3 AND acknowledged_at IS NULL",
        )
        .bind(rfc3339(now))
        .bind(staff_id)
        .bind(id)
        .execute(p)
        .await.map(|r| r.rows_affected())
        })?;
        if changed == 0 {
            return Ok(None);
        }
        self.help(id).await
    }
}

fn step_name(step: KioskStep) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A help request with its tablet's name.
#[derive(sqlx::FromRow)]
struct HelpRow {
    id: i64,
    kiosk: String,
    step: String,
    requested_at: String,
    acknowledged_at: Option<String>,
    cannot_speak: bool,
}

/// A tablet's requests within the rate window.
#[derive(sqlx::FromRow)]
struct RecentRequests {
    count: i64,
    oldest: Option<String>,
}

fn help_row(row: HelpRow) -> Option<DeskHelp> {
    Some(DeskHelp {
        id: row.id,
        kiosk: row.kiosk,
        step: serde_json::from_value(serde_json::Value::String(row.step)).ok()?,
        requested_at: row.requested_at,
        acknowledged: row.acknowledged_at.is_some(),
        cannot_speak: row.cannot_speak,
    })
}
