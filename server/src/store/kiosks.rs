//! Enrolled kiosk tablets.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{rfc3339, Store};
use arrive_domain::api::{DeskHelp, KioskStep};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

    pub async fn request_help(
        &self,
        kiosk_id: i64,
        step: KioskStep,
        now: DateTime<Utc>,
    ) -> Result<DeskHelp, sqlx::Error> {
        let step_text = step_name(step);
        let id = sqlx::query("INSERT INTO help_request (kiosk_id, step, requested_at) VALUES (?, ?, ?)")
            .bind(kiosk_id)
            .bind(&step_text)
            .bind(rfc3339(now))
            .execute(self.pool())
            .await?
            .last_insert_rowid();
        self.help(id).await?.ok_or(sqlx::Error::RowNotFound)
    }

    pub async fn help(&self, id: i64) -> Result<Option<DeskHelp>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT h.id, k.name, h.step, h.requested_at, h.acknowledged_at
             FROM help_request h JOIN kiosk_device k ON k.id = h.kiosk_id WHERE h.id = ?",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().and_then(help_row))
    }

    /// Help requests nobody has acknowledged, oldest first.
    pub async fn open_help(&self) -> Result<Vec<DeskHelp>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT h.id, k.name, h.step, h.requested_at, h.acknowledged_at
             FROM help_request h JOIN kiosk_device k ON k.id = h.kiosk_id
             WHERE h.acknowledged_at IS NULL ORDER BY h.id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().filter_map(help_row).collect())
    }

    /// The request, acknowledged (`None` if there is no such open request).
    pub async fn acknowledge_help(
        &self,
        id: i64,
        staff_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DeskHelp>, sqlx::Error> {
        let changed = sqlx::query(
            "UPDATE help_request SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL",
        )
        .bind(rfc3339(now))
        .bind(staff_id)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
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

fn help_row(row: &sqlx::sqlite::SqliteRow) -> Option<DeskHelp> {
    Some(DeskHelp {
        id: row.get("id"),
        kiosk: row.get("name"),
        step: serde_json::from_value(serde_json::Value::String(row.get("step"))).ok()?,
        requested_at: row.get("requested_at"),
        acknowledged: row.get::<Option<String>, _>("acknowledged_at").is_some(),
    })
}
