//! Administrators: staff accounts, kiosk tablets, the schedule import, and the audit trail
//! (read and export only: nothing here, or anywhere, edits an audit entry).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use arrive_domain::staff::password_acceptable;
use arrive_domain::ErrorBody;

use crate::auth::{self, SignedIn};
use crate::csv_export::CsvExport;
use crate::error::{ApiError, ApiJson};
use crate::import::{self, RowError};
use crate::store::{AuditEntry, ImportCounts, KioskDevice, Role, StaffAccount};
use crate::AppState;

// Alike by design: each handler is its route's OpenAPI description, extractors, store call, audit.

const SCHEDULE_BODY_BYTES: usize = 1024 * 1024;

/// The newest entries the list and the export return.
const AUDIT_LIMIT: i64 = 10_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit))
        .routes(routes!(audit_csv))
        .routes(routes!(staff_accounts, create_staff))
        .routes(routes!(disable_staff))
        .routes(routes!(enable_staff))
        .routes(routes!(reset_staff_password))
        .routes(routes!(end_staff_sessions))
        .routes(routes!(kiosks, enroll_kiosk))
        // A day's schedule of a large clinic is a few hundred rows.
        .routes(routes!(import_schedule).layer(axum::extract::DefaultBodyLimit::max(SCHEDULE_BODY_BYTES)))
        .routes(routes!(revoke_kiosk))
}

/// The newest audit entries, newest first.
#[utoipa::path(get, path = "/audit", tag = "admin",
    responses((status = 200, description = "The newest audit entries.", body = Vec<AuditEntry>)))]
async fn audit(State(state): State<AppState>) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    Ok(Json(state.store.audit_entries(AUDIT_LIMIT).await?))
}

/// The same entries as a CSV file.
#[utoipa::path(get, path = "/audit.csv", tag = "admin",
    responses((status = 200, description = "id,at,staff,action,appointment_id,client,subject", content_type = "text/csv", body = String)))]
async fn audit_csv(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let mut csv = CsvExport::new(&["id", "at", "staff", "action", "appointment_id", "client", "subject"])?;
    for e in state.store.audit_entries(AUDIT_LIMIT).await? {
        csv.row([
            e.id.to_string(),
            e.at,
            e.staff.unwrap_or_default(),
            e.action,
            e.appointment_id.map(|i| i.to_string()).unwrap_or_default(),
            e.client,
            e.subject.unwrap_or_default(),
        ])?;
    }
    let csv = csv.finish()?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"arrive-audit.csv\""),
        ],
        csv,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewStaff {
    username: String,
    display_name: String,
    role: String,
    password: String,
}

/// A new staff account with a one-time password (changed at first sign-in).
#[utoipa::path(post, path = "/staff", tag = "admin", request_body = NewStaff,
    responses((status = 201, description = "Created."),
        (status = 409, description = "The username is taken.", body = ErrorBody),
        (status = 422, description = "A field is not valid.", body = ErrorBody)))]
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
    if !password_acceptable(&new.password) {
        return Err(ApiError::field("password", "Use at least 12 characters."));
    }
    let hash = auth::hash_password_blocking(new.password).await?;
    let created = state
        .store
        .create_staff(&username, display_name, role, &hash, true, Utc::now())
        .await?;
    if created.is_none() {
        return Err(ApiError::conflict("That username is taken."));
    }
    who.audit(&state.store, "staff_created", None).await?;
    Ok(StatusCode::CREATED)
}

/// Every staff account, disabled ones too, with its open sessions.
#[utoipa::path(get, path = "/staff", tag = "admin",
    responses((status = 200, description = "The staff accounts.", body = Vec<StaffAccount>)))]
async fn staff_accounts(State(state): State<AppState>) -> Result<Json<Vec<StaffAccount>>, ApiError> {
    Ok(Json(state.store.staff_accounts(Utc::now()).await?))
}

fn no_such_staff() -> ApiError {
    ApiError::not_found("There is no such staff account.")
}

/// Administrators do not disable or reset their own account: the last one would lock
/// everyone out. Their own password is changed with the password change.
fn not_yourself(who: &SignedIn, id: i64) -> Result<(), ApiError> {
    if who.staff.id == id {
        return Err(ApiError::conflict(
            "You cannot do this to your own account. Change your own password instead.",
        ));
    }
    Ok(())
}

/// The account signs in to nothing and its sessions end at once.
#[utoipa::path(post, path = "/staff/{id}/disable", tag = "admin",
    params(("id" = i64, Path, description = "The staff account's id.")),
    responses((status = 204, description = "Disabled; its sessions are over."),
        (status = 404, description = "No such account.", body = ErrorBody),
        (status = 409, description = "One's own account.", body = ErrorBody)))]
async fn disable_staff(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    not_yourself(&who, id)?;
    if !state.store.set_disabled(id, Some(Utc::now())).await? {
        return Err(no_such_staff());
    }
    who.audit_about(&state.store, "staff_disabled", id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account signs in again (with the password it had).
#[utoipa::path(post, path = "/staff/{id}/enable", tag = "admin",
    params(("id" = i64, Path, description = "The staff account's id.")),
    responses((status = 204, description = "Enabled."),
        (status = 404, description = "No such account.", body = ErrorBody)))]
async fn enable_staff(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if !state.store.set_disabled(id, None).await? {
        return Err(no_such_staff());
    }
    who.audit_about(&state.store, "staff_enabled", id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A password shown this once, to the administrator who reset it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct OneTimePassword {
    password: String,
}

/// A new one-time password (shown once; the user chooses their own at the next sign-in); the
/// account's sessions end.
#[utoipa::path(post, path = "/staff/{id}/reset-password", tag = "admin",
    params(("id" = i64, Path, description = "The staff account's id.")),
    responses((status = 200, description = "The one-time password, shown this once.", body = OneTimePassword),
        (status = 404, description = "No such account.", body = ErrorBody),
        (status = 409, description = "One's own account.", body = ErrorBody)))]
async fn reset_staff_password(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<Json<OneTimePassword>, ApiError> {
    not_yourself(&who, id)?;
    let password = auth::new_password();
    let hash = auth::hash_password_blocking(password.clone()).await?;
    if !state.store.reset_password(id, &hash).await? {
        return Err(no_such_staff());
    }
    who.audit_about(&state.store, "staff_password_reset", id).await?;
    Ok(Json(OneTimePassword { password }))
}

/// Every session of the account ends (a PC left signed in, a shared password).
#[utoipa::path(post, path = "/staff/{id}/end-sessions", tag = "admin",
    params(("id" = i64, Path, description = "The staff account's id.")),
    responses((status = 204, description = "Its sessions are over."),
        (status = 404, description = "No such account.", body = ErrorBody)))]
async fn end_staff_sessions(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if !state.store.staff_exists(id).await? {
        return Err(no_such_staff());
    }
    state.store.end_sessions(id, None).await?;
    who.audit_about(&state.store, "staff_sessions_ended", id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every enrolled tablet, revoked ones too.
#[utoipa::path(get, path = "/kiosks", tag = "admin",
    responses((status = 200, description = "The enrolled tablets.", body = Vec<KioskDevice>)))]
async fn kiosks(State(state): State<AppState>) -> Result<Json<Vec<KioskDevice>>, ApiError> {
    Ok(Json(state.store.kiosks().await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewKiosk {
    name: String,
}

/// A new tablet: its token is shown this once (as a link and a QR code to open on the tablet)
/// and only its hash is kept.
#[utoipa::path(post, path = "/kiosks", tag = "admin", request_body = NewKiosk,
    responses((status = 201, description = "Enrolled: the link and QR code, shown once.", body = KioskEnrollment),
        (status = 409, description = "The name is taken.", body = ErrorBody),
        (status = 422, description = "The name is not valid.", body = ErrorBody)))]
async fn enroll_kiosk(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    ApiJson(new): ApiJson<NewKiosk>,
) -> Result<(StatusCode, Json<KioskEnrollment>), ApiError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::field("name", "Give the tablet a name of 1 to 60 characters."));
    }
    let token = auth::new_token();
    let id = state
        .store
        .create_kiosk(name, &auth::token_hash(&token), Utc::now())
        .await?
        .ok_or_else(|| ApiError::conflict("That name is taken."))?;
    who.audit(&state.store, "kiosk_enrolled", None).await?;
    let link = enrollment_link(&state.link_base, &token);
    let qr_svg = crate::api::qr_svg(&link)?;
    Ok((
        StatusCode::CREATED,
        Json(KioskEnrollment {
            id,
            name: name.to_owned(),
            link,
            qr_svg,
        }),
    ))
}

/// Where a tablet enrolls: the kiosk's address with the token in the fragment, which the
/// browser never sends to a server (so it is in no log) and the kiosk removes once stored.
/// `https` when clients reach the server over HTTPS.
pub fn enrollment_link(base: &str, token: &str) -> String {
    format!("{base}/#enroll={token}")
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct KioskEnrollment {
    id: i64,
    name: String,
    link: String,
    qr_svg: String,
}

/// The tablet's token stops working at once.
#[utoipa::path(post, path = "/kiosks/{id}/revoke", tag = "admin",
    params(("id" = i64, Path, description = "The tablet's id.")),
    responses((status = 204, description = "Revoked."),
        (status = 404, description = "No such enrolled tablet.", body = ErrorBody)))]
async fn revoke_kiosk(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if !state.store.revoke_kiosk(id, Utc::now()).await? {
        return Err(ApiError::not_found("There is no such enrolled tablet."));
    }
    who.audit(&state.store, "kiosk_revoked", None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct ImportReport {
    #[serde(flatten)]
    counts: ImportCounts,
    /// Rows not loaded, by line, with the reason (never their contents).
    errors: Vec<RowError>,
}

/// `POST /api/v1/admin/schedule` (`text/csv`): loads the practice system's schedule.
#[utoipa::path(post, path = "/schedule", tag = "admin",
    request_body(description = "The schedule: CSV, or a FHIR R4 Bundle (docs/SCHEDULE_IMPORT.md).",
        content((String = "text/csv"), (Object = "application/fhir+json"), (Object = "application/json"))),
    responses((status = 200, description = "What was loaded, and the rows refused.", body = ImportReport),
        (status = 413, description = "Larger than 1 MiB.", body = ErrorBody),
        (status = 415, description = "Neither CSV nor FHIR JSON.", body = ErrorBody),
        (status = 422, description = "The file cannot be read.", body = ErrorBody)))]
async fn import_schedule(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    headers: HeaderMap,
    body: Result<String, axum::extract::rejection::StringRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let parse = if content_type.starts_with("text/csv") {
        import::csv::parse
    } else if content_type.starts_with("application/fhir+json") || content_type.starts_with("application/json") {
        import::fhir::parse
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            arrive_domain::ErrorCode::UnsupportedMediaType,
            "Send the schedule as CSV (Content-Type: text/csv) or as a FHIR Bundle (application/fhir+json).",
        ));
    };
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                arrive_domain::ErrorCode::BodyTooLarge,
                "The schedule is larger than 1 MiB: import it in parts.",
            )
        } else {
            ApiError::field("file", "The file is not UTF-8 text.")
        }
    })?;
    // The file as a whole, at the edge as every other text: the line is named, not repeated.
    let is_csv = content_type.starts_with("text/csv");
    if is_csv {
        if let Some(line) = arrive_domain::text::first_forbidden_line(&body) {
            let message = format!("Line {line} holds an invisible control character (such as NUL): remove it.");
            return Err(ApiError::field("file", &message));
        }
    } else if arrive_domain::text::json_has_forbidden_control(body.as_bytes()) {
        return Err(ApiError::field("file", arrive_domain::text::MESSAGE));
    }
    let (rows, errors) = parse(&body, &state.import).map_err(|reason| ApiError::field("file", &reason))?;
    let counts = state.store.import_schedule(&rows).await?;
    if counts.inserted + counts.updated > 0 {
        state.events.publish_schedule_changed().await;
    }
    who.audit(&state.store, "schedule_imported", None).await?;
    tracing::info!(
        inserted = counts.inserted,
        updated = counts.updated,
        refused = errors.len(),
        "schedule imported"
    );
    Ok(Json(ImportReport { counts, errors }))
}
