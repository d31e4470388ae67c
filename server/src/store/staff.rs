//! Staff accounts, sessions and the audit trail.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{rfc3339, Store};

/// A signed-in member of staff, as handlers see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Signed in with a password someone else chose: only the password change is open.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::FrontDesk => "front_desk",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "front_desk" => Some(Role::FrontDesk),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// What sign-in needs to know about a username.
pub struct Credentials {
    pub staff_id: i64,
    pub password_hash: String,
    pub locked_until: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub staff: Option<String>,
    pub action: String,
    pub appointment_id: Option<i64>,
    pub client: String,
}

fn staff_row(row: &sqlx::sqlite::SqliteRow) -> Staff {
    Staff {
        id: row.get("id"),
        username: row.get("username"),
        display_name: row.get("display_name"),
        role: Role::parse(row.get("role")).unwrap_or(Role::FrontDesk),
        must_change_password: row.get("must_change_password"),
    }
}

impl Store {
    pub async fn staff_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM staff")
            .fetch_one(self.pool())
            .await
    }

    /// Adds a member of staff; `None` when the username is taken.
    pub async fn create_staff(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        must_change_password: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO staff (username, display_name, role, password_hash, must_change_password, created_at)
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(display_name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(must_change_password)
        .bind(rfc3339(now))
        .execute(self.pool())
        .await?;
        Ok((result.rows_affected() == 1).then(|| result.last_insert_rowid()))
    }

    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>, sqlx::Error> {
        let row = sqlx::query("SELECT id, password_hash, locked_until FROM staff WHERE username = ?")
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|row| Credentials {
            staff_id: row.get("id"),
            password_hash: row.get("password_hash"),
            locked_until: row.get("locked_until"),
        }))
    }

    /// Counts a failed sign-in; at `max_failures` in a row the account locks until `lock_until`.
    pub async fn record_failed_login(
        &self,
        staff_id: i64,
        max_failures: i64,
        lock_until: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE staff SET failed_logins = failed_logins + 1,
                locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END,
                failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END
             WHERE id = ?",
        )
        .bind(max_failures)
        .bind(rfc3339(lock_until))
        .bind(max_failures)
        .bind(staff_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn set_password(&self, staff_id: i64, password_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE staff SET password_hash = ?, must_change_password = 0 WHERE id = ?")
            .bind(password_hash)
            .bind(staff_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A successful sign-in: clears the failure count and opens a session.
    pub async fn open_session(
        &self,
        staff_id: i64,
        token_hash: &str,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = ?")
            .bind(staff_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO staff_session (token_hash, staff_id, csrf_token, expires_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(staff_id)
            .bind(csrf_token)
            .bind(rfc3339(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The member of staff and CSRF token of a live session.
    pub async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(Staff, String)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT s.id, s.username, s.display_name, s.role, s.must_change_password, x.csrf_token
             FROM staff_session x JOIN staff s ON s.id = x.staff_id
             WHERE x.token_hash = ? AND x.expires_at > ?",
        )
        .bind(token_hash)
        .bind(rfc3339(now))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| (staff_row(&row), row.get("csrf_token"))))
    }

    pub async fn close_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM staff_session WHERE token_hash = ?")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn audit(
        &self,
        staff_id: Option<i64>,
        action: &str,
        appointment_id: Option<i64>,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO audit_entry (at, staff_id, action, appointment_id, client) VALUES (?, ?, ?, ?, ?)")
            .bind(rfc3339(now))
            .bind(staff_id)
            .bind(action)
            .bind(appointment_id)
            .bind(client)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The newest audit entries first.
    pub async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT a.id, a.at, s.username, a.action, a.appointment_id, a.client
             FROM audit_entry a LEFT JOIN staff s ON s.id = a.staff_id ORDER BY a.id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|row| AuditEntry {
                id: row.get("id"),
                at: row.get("at"),
                staff: row.get("username"),
                action: row.get("action"),
                appointment_id: row.get("appointment_id"),
                client: row.get("client"),
            })
            .collect())
    }
}
