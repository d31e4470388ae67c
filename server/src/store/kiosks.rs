//! Enrolled kiosk tablets.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{rfc3339, Store};

#[derive(Debug, Clone, Serialize)]
pub struct KioskDevice {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl Store {
    pub async fn kiosk_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM kiosk_device")
            .fetch_one(self.pool())
            .await
    }

    /// Enrolls a tablet; `None` when the name is taken.
    pub async fn create_kiosk(
        &self,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO kiosk_device (name, token_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(token_hash)
        .bind(rfc3339(now))
        .execute(self.pool())
        .await?;
        Ok((result.rows_affected() == 1).then(|| result.last_insert_rowid()))
    }

    pub async fn kiosks(&self) -> Result<Vec<KioskDevice>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, name, created_at, revoked_at FROM kiosk_device ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|row| KioskDevice {
                id: row.get("id"),
                name: row.get("name"),
                created_at: row.get("created_at"),
                revoked_at: row.get("revoked_at"),
            })
            .collect())
    }

    /// Returns whether a live kiosk was revoked.
    pub async fn revoke_kiosk(&self, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("UPDATE kiosk_device SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(rfc3339(now))
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The live (not revoked) kiosk holding this token: (id, name).
    pub async fn kiosk_by_token(&self, token_hash: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
        sqlx::query_as("SELECT id, name FROM kiosk_device WHERE token_hash = ? AND revoked_at IS NULL")
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await
    }
}
