//! Enrolled kiosk tablets.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{on_pool, rfc3339, Store};
use arrive_domain::api::{DeskHelp, KioskStep};

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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KioskDevice {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl Store {
    pub async fn kiosk_count(&self) -> Result<i64, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_scalar("SELECT COUNT(*) FROM kiosk_device")
            .fetch_one(p)
            .await)
    }

    /// Enrolls a tablet; `None` when the name is taken.
    pub async fn create_kiosk(
        &self,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_scalar(
            "INSERT INTO kiosk_device (name, token_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING
             RETURNING id",
        )
        .bind(name)
        .bind(token_hash)
        .bind(rfc3339(now))
        .fetch_optional(p)
        .await)
    }

    pub async fn kiosks(&self) -> Result<Vec<KioskDevice>, sqlx::Error> {
        let rows: Vec<(i64, String, String, Option<String>)> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT id, name, created_at, revoked_at FROM kiosk_device ORDER BY id",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at, revoked_at)| KioskDevice {
                id,
                name,
                created_at,
                revoked_at,
            })
            .collect())
    }

    /// Returns whether a live kiosk was revoked.
    pub async fn revoke_kiosk(&self, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        let result = on_pool!(self.pool(), |p| sqlx::query(
            "UPDATE kiosk_device SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"
        )
        .bind(rfc3339(now))
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        // Committed: from now on no request may find the tablet in memory.
        if let Some(cache) = &self.kiosk_cache {
            cache.forget_all();
        }
        Ok(result == 1)
    }

    /// The live (not revoked) kiosk holding this token: (id, name). Asked by every kiosk
    /// request; on SQLite (one server, the only one that can revoke) answered from memory
    /// once found (`KioskCache`).
    pub async fn kiosk_by_token(&self, token_hash: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
        let generation = match &self.kiosk_cache {
            Some(cache) => match cache.get(token_hash) {
                Ok(found) => return Ok(Some(found)),
                Err(generation) => Some(generation),
            },
            None => None,
        };
        let found: Option<(i64, String)> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT id, name FROM kiosk_device WHERE token_hash = $1 AND revoked_at IS NULL"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await)?;
        if let (Some(cache), Some(generation), Some(device)) = (&self.kiosk_cache, generation, &found) {
            cache.remember(token_hash, device.clone(), generation);
        }
        Ok(found)
    }

    /// A tablet's call for help: a new request, or the one still open (a second tap is the
    /// same request), or none when the tablet asked `most` times within `window`.
    pub async fn request_help(
        &self,
        kiosk_id: i64,
        step: KioskStep,
        (most, window): (i64, chrono::Duration),
        now: DateTime<Utc>,
    ) -> Result<HelpOutcome, sqlx::Error> {
        if let Some(open) = self.open_help_of(kiosk_id).await? {
            return Ok(HelpOutcome::AlreadyOpen(open));
        }
        let (count, oldest): (i64, Option<String>) = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT COUNT(*), MIN(requested_at) FROM help_request WHERE kiosk_id = $1 AND requested_at > $2",
        )
        .bind(kiosk_id)
        .bind(rfc3339(now - window))
        .fetch_one(p)
        .await)?;
        if count >= most {
            let oldest = oldest
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map_or(now, |t| t.with_timezone(&Utc));
            return Ok(HelpOutcome::TooMany {
                retry_after: (oldest + window - now).max(chrono::Duration::seconds(1)),
            });
        }
        // The unique index on open requests settles two taps that arrive together.
        let id: Option<i64> = on_pool!(self.pool(), |p| sqlx::query_scalar(
            "INSERT INTO help_request (kiosk_id, step, requested_at) VALUES ($1, $2, $3)
             ON CONFLICT (kiosk_id) WHERE acknowledged_at IS NULL DO NOTHING RETURNING id",
        )
        .bind(kiosk_id)
        .bind(step_name(step))
        .bind(rfc3339(now))
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
            "SELECT h.id, k.name, h.step, h.requested_at, h.acknowledged_at
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
            "SELECT h.id, k.name, h.step, h.requested_at, h.acknowledged_at
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
            "SELECT h.id, k.name, h.step, h.requested_at, h.acknowledged_at
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

/// id, kiosk name, step, requested at, acknowledged at.
type HelpRow = (i64, String, String, String, Option<String>);

fn help_row((id, kiosk, step, requested_at, acknowledged_at): HelpRow) -> Option<DeskHelp> {
    Some(DeskHelp {
        id,
        kiosk,
        step: serde_json::from_value(serde_json::Value::String(step)).ok()?,
        requested_at,
        acknowledged: acknowledged_at.is_some(),
    })
}

/// A tablet: (id, name).
type Tablet = (i64, String);

/// Live tablets found by token hash, for a server that is the database's only user (SQLite).
/// A revocation empties it after its commit and bumps the generation, and a lookup remembers
/// what it read only if no revocation happened since it began: a revoked tablet is never
/// remembered as live.
#[derive(Default)]
pub struct KioskCache {
    /// (generation, tablets by token hash)
    inner: std::sync::Mutex<(u64, std::collections::HashMap<String, Tablet>)>,
}

impl KioskCache {
    /// The tablet, or the generation to pass to `remember` after reading the database.
    fn get(&self, token_hash: &str) -> Result<(i64, String), u64> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.1.get(token_hash).cloned().ok_or(inner.0)
    }

    fn remember(&self, token_hash: &str, device: (i64, String), generation: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.0 == generation {
            inner.1.insert(token_hash.to_owned(), device);
        }
    }

    fn forget_all(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.0 += 1;
        inner.1.clear();
    }
}
