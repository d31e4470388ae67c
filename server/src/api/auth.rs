//! Staff sign-in and sign-out. The session lives in an HttpOnly, SameSite=Strict cookie; the
//! CSRF token it pairs with is handed to the page and sent back in a header.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use arrive_domain::api::{LoginRequest, StaffSession};
use arrive_domain::staff::password_acceptable;
use arrive_domain::{ErrorBody, ErrorCode};

use super::openapi::{self, Caller};
use crate::auth::{self, Client, SignedIn};
use crate::error::{ApiError, ApiJson};
use crate::{login_throttle, AppState};

// Alike by design: each handler is its route's OpenAPI description, extractors, store call, audit.

pub fn router(state: AppState) -> OpenApiRouter<AppState> {
    let signed_in = OpenApiRouter::new()
        .routes(routes!(session))
        .routes(routes!(change_password));
    let signed_in = openapi::requires(signed_in, Caller::Staff)
        .route_layer(middleware::from_fn_with_state(state, auth::require_session));
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .merge(signed_in)
}

fn session_body(who: &crate::store::Staff, csrf_token: String) -> StaffSession {
    StaffSession {
        username: who.username.clone(),
        display_name: who.display_name.clone(),
        role: who.role.as_str().to_owned(),
        must_change_password: who.must_change_password,
        csrf_token,
    }
}

/// Signs in: sets the HttpOnly session cookie and answers the session with its CSRF token.
/// Every refusal looks the same whether the username exists or not (login_throttle.rs).
#[utoipa::path(post, path = "/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Signed in; the session cookie is set.", body = StaffSession),
        (status = 401, description = "The username or the password is not right.", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins from this client for this username, or for any: wait Retry-After seconds.", body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(login): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let now = Utc::now();
    let username = login.username.trim();
    if let Some(wait) = login_throttle::wait(&state.store, username, &client, now).await? {
        tracing::info!("sign-in throttled");
        return Ok(crate::rate_limit::too_many_requests(
            "Too many failed sign-ins from here. Wait a little, then try again.",
            wait,
        ));
    }
    let credentials = state.store.credentials(username).await?;
    // An unknown username is checked against a stand-in hash: the same work as a known one.
    let hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let valid = auth::verify_password_blocking(login.password.clone(), hash).await;
    let credentials = match credentials {
        Some(credentials) if valid && !credentials.disabled => credentials,
        known => {
            login_throttle::record_failure(&state.store, username, &client, now).await?;
            state
                .store
                .audit(known.map(|c| c.staff_id), "login_failed", None, &client, now)
                .await?;
            tracing::info!("sign-in refused");
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "The username or the password is not right.",
            ));
        }
    };
    login_throttle::record_success(&state.store, username, &client).await?;
    let token = auth::new_token();
    let csrf = auth::new_token();
    state
        .store
        .open_session(
            credentials.staff_id,
            &auth::token_hash(&token),
            &csrf,
            now + auth::SESSION_LIFETIME,
        )
        .await?;
    state
        .store
        .audit(Some(credentials.staff_id), "login", None, &client, now)
        .await?;
    let crate::store::Session {
        staff,
        csrf_token: csrf,
    } = state
        .store
        .session(&auth::token_hash(&token), now)
        .await?
        .ok_or_else(ApiError::internal)?;
    tracing::info!(staff_id = staff.id, "signed in");
    let cookie = auth::session_cookie(&token, state.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Json(session_body(&staff, csrf))).into_response())
}

/// Signs out (ends the session, clears the cookie); harmless without one. Like every change,
/// it needs the session's CSRF token: another site must not be able to sign the desk out.
#[utoipa::path(post, path = "/logout", tag = "auth",
    responses((status = 204, description = "Signed out."),
        (status = 403, description = "The session's CSRF token is missing.", body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = auth::session_token(&headers) {
        let hash = auth::token_hash(&token);
        if let Some(crate::store::Session {
            staff,
            csrf_token: csrf,
        }) = state.store.session(&hash, Utc::now()).await?
        {
            let sent = headers.get(auth::CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(csrf.as_str()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::Forbidden,
                    "This request is missing its CSRF token. Reload the page.",
                ));
            }
            state
                .store
                .audit(Some(staff.id), "logout", None, &client, Utc::now())
                .await?;
        }
        state.store.close_session(&hash).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, auth::clear_cookie(state.secure_cookies))],
    )
        .into_response())
}

/// Who is signed in, and the CSRF token their state-changing requests carry.
#[utoipa::path(get, path = "/session", tag = "auth",
    responses((status = 200, description = "The current session.", body = StaffSession),
        (status = 401, description = "Not signed in.", body = ErrorBody)))]
async fn session(Extension(who): Extension<SignedIn>) -> Json<StaffSession> {
    Json(session_body(&who.staff, who.csrf_token))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Staff replace the one-time password they were given (and any later one). Their other
/// sessions end: a password changed because it leaked shuts out whoever used it.
#[utoipa::path(post, path = "/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204, description = "Changed."),
        (status = 422, description = "The current password is wrong, or the new one too short.", body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    if !password_acceptable(&change.new_password) {
        return Err(ApiError::field("new_password", "Use at least 12 characters."));
    }
    let credentials = state
        .store
        .credentials(&who.staff.username)
        .await?
        .ok_or_else(ApiError::internal)?;
    if !auth::verify_password_blocking(change.current_password, Some(credentials.password_hash)).await {
        return Err(ApiError::field(
            "current_password",
            "The current password is not right.",
        ));
    }
    let hash = auth::hash_password_blocking(change.new_password).await?;
    state.store.set_password(who.staff.id, &hash).await?;
    state.store.end_sessions(who.staff.id, Some(&who.session)).await?;
    who.audit(&state.store, "password_changed", None).await?;
    Ok(StatusCode::NO_CONTENT)
}
