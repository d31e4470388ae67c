//! Administrators: staff accounts and the audit trail (read and export only: nothing here, or
//! anywhere, edits an audit entry).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::Utc;
use serde::Deserialize;

use crate::auth::{self, SignedIn};
use crate::error::{ApiError, ApiJson};
use crate::store::{AuditEntry, Role};
use crate::AppState;

/// The newest entries the list and the export return.
const AUDIT_LIMIT: i64 = 10_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit))
        .route("/audit.csv", get(audit_csv))
        .route("/staff", post(create_staff))
}

async fn audit(State(state): State<AppState>) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    Ok(Json(state.store.audit_entries(AUDIT_LIMIT).await?))
}

async fn audit_csv(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let mut csv = String::from("id,at,staff,action,appointment_id,client\n");
    for e in state.store.audit_entries(AUDIT_LIMIT).await? {
        // Usernames are checked on creation (no commas or quotes), the rest is ours.
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            e.id,
            e.at,
            e.staff.unwrap_or_default(),
            e.action,
            e.appointment_id.map(|i| i.to_string()).unwrap_or_default(),
            e.client
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"arrive-audit.csv\""),
        ],
        csv,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewStaff {
    username: String,
    display_name: String,
    role: String,
    password: String,
}

async fn create_staff(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    ApiJson(new): ApiJson<NewStaff>,
) -> Result<StatusCode, ApiError> {
    let username = new.username.trim().to_lowercase();
    if username.is_empty()
        || username.len() > 40
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(ApiError::field(
            "username",
            "Use 1 to 40 letters, digits, dots, dashes or underscores.",
        ));
    }
    let display_name = new.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 80 {
        return Err(ApiError::field("display_name", "Give a name of 1 to 80 characters."));
    }
    let role = Role::parse(&new.role).ok_or_else(|| ApiError::field("role", "The role is front_desk or admin."))?;
    if new.password.chars().count() < 12 || new.password.len() > 256 {
        return Err(ApiError::field("password", "Use at least 12 characters."));
    }
    let password = new.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|_| ApiError::internal())??;
    let created = state
        .store
        .create_staff(&username, display_name, role, &hash, Utc::now())
        .await?;
    if created.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            arrive_domain::ErrorCode::Conflict,
            "That username is taken.",
        ));
    }
    state
        .store
        .audit(Some(who.staff.id), "staff_created", None, &who.client, Utc::now())
        .await?;
    Ok(StatusCode::CREATED)
}
