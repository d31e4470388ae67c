//! Staff accounts, sessions and the audit trail.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{on_pool, on_tx, rfc3339, Store};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    /// An administrator disabled the account: it signs in to nothing.
    pub disabled: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub staff: Option<String>,
    pub action: String,
    pub appointment_id: Option<i64>,
    pub client: String,
    /// The member of staff the action was about (an account disabled, a password reset…).
    pub subject: Option<String>,
}

/// A staff account as administrators see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub must_change_password: bool,
    /// Sessions open now.
    pub sessions: i64,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    disabled_at: Option<String>,
    must_change_password: bool,
    /// Sessions open now.
    sessions: i64,
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    id: i64,
    password_hash: String,
    disabled_at: Option<String>,
}

/// A live session: who is signed in, and the CSRF token every change they make must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub staff: Staff,
    pub csrf_token: String,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    must_change_password: bool,
    csrf_token: String,
}

impl Store {
    pub async fn staff_count(&self) -> Result<i64, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_scalar("SELECT COUNT(*) FROM staff")
            .fetch_one(p)
            .await)
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
        on_pool!(self.pool(), |p| sqlx::query_scalar(
            "INSERT INTO staff (username, display_name, role, password_hash, must_change_password, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(must_change_password)
        .bind(rfc3339(now))
        .fetch_optional(p)
        .await)
    }

    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>, sqlx::Error> {
        let row: Option<CredentialsRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT id, password_hash, disabled_at FROM staff WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|row| Credentials {
            staff_id: row.id,
            password_hash: row.password_hash,
            disabled: row.disabled_at.is_some(),
        }))
    }

    pub async fn set_password(&self, staff_id: i64, password_hash: &str) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "UPDATE staff SET password_hash = $1, must_change_password = FALSE WHERE id = $2"
        )
        .bind(password_hash)
        .bind(staff_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A successful sign-in opens a session.
    pub async fn open_session(
        &self,
        staff_id: i64,
        token_hash: &str,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "INSERT INTO staff_session (token_hash, staff_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(token_hash)
        .bind(staff_id)
        .bind(csrf_token)
        .bind(rfc3339(expires_at))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The member of staff and CSRF token of a live session.
    pub async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>, sqlx::Error> {
        let row: Option<SessionRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT s.id, s.username, s.display_name, s.role, s.must_change_password, x.csrf_token
             FROM staff_session x JOIN staff s ON s.id = x.staff_id
             WHERE x.token_hash = $1 AND x.expires_at > $2 AND s.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(rfc3339(now))
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|row| Session {
            staff: Staff {
                id: row.id,
                username: row.username,
                display_name: row.display_name,
                role: Role::parse(&row.role).unwrap_or(Role::FrontDesk),
                must_change_password: row.must_change_password,
            },
            csrf_token: row.csrf_token,
        }))
    }

    /// Every staff account, by username, with its open sessions.
    pub async fn staff_accounts(&self, now: DateTime<Utc>) -> Result<Vec<StaffAccount>, sqlx::Error> {
        let rows: Vec<AccountRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT s.id, s.username, s.display_name, s.role, s.disabled_at, s.must_change_password,
                 (SELECT COUNT(*) FROM staff_session x WHERE x.staff_id = s.id AND x.expires_at > $1) AS sessions
             FROM staff s ORDER BY s.username",
        )
        .bind(rfc3339(now))
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|row| StaffAccount {
                id: row.id,
                username: row.username,
                display_name: row.display_name,
                role: Role::parse(&row.role).unwrap_or(Role::FrontDesk),
                disabled: row.disabled_at.is_some(),
                must_change_password: row.must_change_password,
                sessions: row.sessions,
            })
            .collect())
    }

    /// Disables (`Some(now)`) or enables (`None`) an account; disabling ends its sessions in the
    /// same transaction. `false` if there is no such account.
    pub async fn set_disabled(&self, staff_id: i64, disabled_at: Option<DateTime<Utc>>) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE staff SET disabled_at = $1 WHERE id = $2"
        )
        .bind(disabled_at.map(rfc3339))
        .bind(staff_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        if disabled_at.is_some() {
            on_tx!(&mut tx, |c| sqlx::query(
                "DELETE FROM staff_session WHERE staff_id = $1"
            )
            .bind(staff_id)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// A password an administrator set: it must be changed at the next sign-in, and every
    /// session of the account ends. `false` if there is no such account.
    pub async fn reset_password(&self, staff_id: i64, password_hash: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE staff SET password_hash = $1, must_change_password = TRUE WHERE id = $2"
        )
        .bind(password_hash)
        .bind(staff_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, |c| sqlx::query(
            "DELETE FROM staff_session WHERE staff_id = $1"
        )
        .bind(staff_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// Ends the account's sessions, all but `keep` (a session's token hash) if given.
    pub async fn end_sessions(&self, staff_id: i64, keep: Option<&str>) -> Result<u64, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "DELETE FROM staff_session WHERE staff_id = $1 AND token_hash <> $2"
        )
        .bind(staff_id)
        .bind(keep.unwrap_or(""))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    }

    pub async fn staff_exists(&self, staff_id: i64) -> Result<bool, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM staff WHERE id = $1)"
        )
        .bind(staff_id)
        .fetch_one(p)
        .await)
    }

    pub async fn close_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "DELETE FROM staff_session WHERE token_hash = $1"
        )
        .bind(token_hash)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// An audit entry about another member of staff (`subject`).
    pub async fn audit_about(
        &self,
        staff_id: i64,
        action: &str,
        subject: i64,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        self.insert_audit(Some(staff_id), action, None, Some(subject), client, now)
            .await
    }

    pub async fn audit(
        &self,
        staff_id: Option<i64>,
        action: &str,
        appointment_id: Option<i64>,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        self.insert_audit(staff_id, action, appointment_id, None, client, now)
            .await
    }

    /// One audit entry: about an appointment, another member of staff, or neither.
    async fn insert_audit(
        &self,
        staff_id: Option<i64>,
        action: &str,
        appointment_id: Option<i64>,
        subject: Option<i64>,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query(
            "INSERT INTO audit_entry (at, staff_id, action, appointment_id, client, subject_staff_id)
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(rfc3339(now))
        .bind(staff_id)
        .bind(action)
        .bind(appointment_id)
        .bind(client)
        .bind(subject)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The newest audit entries first.
    pub async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT a.id, a.at, s.username AS staff, a.action, a.appointment_id, a.client, t.username AS subject
             FROM audit_entry a LEFT JOIN staff s ON s.id = a.staff_id LEFT JOIN staff t ON t.id = a.subject_staff_id
             ORDER BY a.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(p)
        .await)
    }
}
