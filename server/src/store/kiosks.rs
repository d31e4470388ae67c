//! Enrolled kiosk tablets: enrolment, revocation, and the lookup every kiosk request makes by
//! its token (answered from memory on SQLite).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{on_pool, rfc3339, Store};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
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

    /// Enrolls a tablet; `None` when the name (or the token) is taken. Every unique key is an
    /// arbiter: servers starting together on one PostgreSQL database each enrol the same first
    /// tablet, and the one that comes second must find it there rather than fail on its token.
    pub async fn create_kiosk(
        &self,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_scalar(
            "INSERT INTO kiosk_device (name, token_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
             RETURNING id",
        )
        .bind(name)
        .bind(token_hash)
        .bind(rfc3339(now))
        .fetch_optional(p)
        .await)
    }

    pub async fn kiosks(&self) -> Result<Vec<KioskDevice>, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT id, name, created_at, revoked_at FROM kiosk_device ORDER BY id",
        )
        .fetch_all(p)
        .await)
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

    /// The live (not revoked) kiosk holding this token. Asked by every kiosk request; on
    /// SQLite (one server, the only one that can revoke) answered from memory once found
    /// (`KioskCache`).
    pub async fn kiosk_by_token(&self, token_hash: &str) -> Result<Option<Tablet>, sqlx::Error> {
        let generation = match &self.kiosk_cache {
            Some(cache) => match cache.get(token_hash) {
                Ok(found) => return Ok(Some(found)),
                Err(generation) => Some(generation),
            },
            None => None,
        };
        let found: Option<Tablet> = on_pool!(self.pool(), |p| sqlx::query_as(
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
}

/// A live tablet, as a kiosk request is known by.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Tablet {
    pub id: i64,
    pub name: String,
}

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
    fn get(&self, token_hash: &str) -> Result<Tablet, u64> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.1.get(token_hash).cloned().ok_or(inner.0)
    }

    fn remember(&self, token_hash: &str, device: Tablet, generation: u64) {
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
