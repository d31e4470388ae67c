//! Administrators manage staff accounts: disable and enable, reset a password, end sessions.
//! Each takes effect on open sessions at once and is audited; changing one's own password ends
//! one's other sessions; signing out needs the session's CSRF token.

use crate::common;

use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const ROSA_PASSWORD: &str = "rosa picked this one";

/// Adds Rosa (front desk) and has her choose her own password; returns her account id.
async fn add_rosa(admin: &Client, base: &str) -> i64 {
    let created = post(
        admin,
        &format!("{base}/api/v1/admin/staff"),
        json!({"username": "rosa", "display_name": "Rosa", "role": "front_desk", "password": "a one-time password"}),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let rosa = signed_in_client(base, "rosa", "a one-time password").await;
    let changed = post(
        &rosa,
        &format!("{base}/api/v1/auth/password"),
        json!({"current_password": "a one-time password", "new_password": ROSA_PASSWORD}),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    account(admin, base, "rosa").await["id"].as_i64().unwrap()
}

async fn account(admin: &Client, base: &str, username: &str) -> Value {
    let accounts: Vec<Value> = get_json(admin, &format!("{base}/api/v1/admin/staff")).await;
    accounts
        .into_iter()
        .find(|a| a["username"] == username)
        .expect("the account is listed")
}

async fn session_status(client: &Client, base: &str) -> StatusCode {
    client
        .get(format!("{base}/api/v1/auth/session"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn admin_action(admin: &Client, base: &str, id: i64, action: &str) -> reqwest::Response {
    admin
        .post(format!("{base}/api/v1/admin/staff/{id}/{action}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

/// The newest audit entry with `action`.
async fn audited(admin: &Client, base: &str, action: &str) -> Value {
    let entries: Vec<Value> = get_json(admin, &format!("{base}/api/v1/admin/audit")).await;
    entries
        .into_iter()
        .find(|e| e["action"] == action)
        .unwrap_or_else(|| panic!("{action} is audited"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_account_is_signed_out_at_once_and_cannot_sign_in_until_enabled() {
    let (_data, server, _kiosk) = fresh_server().await;
    let base = &server.url;
    let admin = staff_client(base).await;
    let id = add_rosa(&admin, base).await;
    let rosa = signed_in_client(base, "rosa", ROSA_PASSWORD).await;
    assert_eq!(session_status(&rosa, base).await, StatusCode::OK);
    let listed = account(&admin, base, "rosa").await;
    assert_eq!(
        (listed["disabled"].clone(), listed["role"].clone()),
        (json!(false), json!("front_desk"))
    );
    assert!(listed["sessions"].as_i64().unwrap() >= 1, "{listed}");

    assert_eq!(
        admin_action(&admin, base, id, "disable").await.status(),
        StatusCode::NO_CONTENT
    );
    // Her open board's next call is refused.
    let refused = rosa
        .get(format!("{base}/api/v1/desk/appointments"))
        .send()
        .await
        .unwrap();
    expect_error(refused, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    // The right password is refused exactly like a wrong one.
    let right = expect_error(
        sign_in(base, "rosa", ROSA_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    let wrong = expect_error(
        sign_in(base, "rosa", "not her password").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    assert_eq!(right.error.message, wrong.error.message);
    let listed = account(&admin, base, "rosa").await;
    assert_eq!(
        (listed["disabled"].clone(), listed["sessions"].clone()),
        (json!(true), json!(0))
    );
    let entry = audited(&admin, base, "staff_disabled").await;
    assert_eq!(
        (entry["staff"].clone(), entry["subject"].clone()),
        (json!("admin"), json!("rosa"))
    );

    assert_eq!(
        admin_action(&admin, base, id, "enable").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(sign_in(base, "rosa", ROSA_PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(audited(&admin, base, "staff_enabled").await["subject"], "rosa");

    // Not one's own account, not an account that does not exist, not as front desk.
    let admin_id = account(&admin, base, "admin").await["id"].as_i64().unwrap();
    expect_error(
        admin_action(&admin, base, admin_id, "disable").await,
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
    )
    .await;
    expect_error(
        admin_action(&admin, base, 9999, "disable").await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    let rosa = signed_in_client(base, "rosa", ROSA_PASSWORD).await;
    expect_error(
        admin_action(&rosa, base, admin_id, "disable").await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_password_is_shown_once_ends_the_sessions_and_must_be_changed() {
    let (_data, server, _kiosk) = fresh_server().await;
    let base = &server.url;
    let admin = staff_client(base).await;
    let id = add_rosa(&admin, base).await;
    let rosa = signed_in_client(base, "rosa", ROSA_PASSWORD).await;

    let reset = admin_action(&admin, base, id, "reset-password").await;
    assert_eq!(reset.status(), StatusCode::OK);
    let one_time = reset.json::<Value>().await.unwrap()["password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(one_time.len() >= 12);
    assert_eq!(session_status(&rosa, base).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in(base, "rosa", ROSA_PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The one-time password opens only the change to her own.
    let rosa = signed_in_client(base, "rosa", &one_time).await;
    let session: Value = get_json(&rosa, &format!("{base}/api/v1/auth/session")).await;
    assert_eq!(session["must_change_password"], true);
    let board = rosa
        .get(format!("{base}/api/v1/desk/appointments"))
        .send()
        .await
        .unwrap();
    expect_error(board, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(audited(&admin, base, "staff_password_reset").await["subject"], "rosa");
    // The password is in no audit entry, nor in the list.
    let everything = format!(
        "{}{}",
        admin
            .get(format!("{base}/api/v1/admin/audit.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        admin
            .get(format!("{base}/api/v1/admin/staff"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    );
    assert!(!everything.contains(&one_time));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_a_users_sessions_signs_them_out_everywhere() {
    let (_data, server, _kiosk) = fresh_server().await;
    let base = &server.url;
    let admin = staff_client(base).await;
    let id = add_rosa(&admin, base).await;
    let (desk, phone) = (
        signed_in_client(base, "rosa", ROSA_PASSWORD).await,
        signed_in_client(base, "rosa", ROSA_PASSWORD).await,
    );
    assert_eq!(
        admin_action(&admin, base, id, "end-sessions").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(session_status(&desk, base).await, StatusCode::UNAUTHORIZED);
    assert_eq!(session_status(&phone, base).await, StatusCode::UNAUTHORIZED);
    assert_eq!(session_status(&admin, base).await, StatusCode::OK, "only hers");
    assert_eq!(audited(&admin, base, "staff_sessions_ended").await["subject"], "rosa");
    // She signs in again as usual.
    assert_eq!(sign_in(base, "rosa", ROSA_PASSWORD).await.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_ones_password_ends_ones_other_sessions() {
    let (_data, server, _kiosk) = fresh_server().await;
    let base = &server.url;
    let admin = staff_client(base).await;
    add_rosa(&admin, base).await;
    let here = signed_in_client(base, "rosa", ROSA_PASSWORD).await;
    let elsewhere = signed_in_client(base, "rosa", ROSA_PASSWORD).await;
    let changed = post(
        &here,
        &format!("{base}/api/v1/auth/password"),
        json!({"current_password": ROSA_PASSWORD, "new_password": "a brand new passphrase"}),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(session_status(&here, base).await, StatusCode::OK);
    assert_eq!(session_status(&elsewhere, base).await, StatusCode::UNAUTHORIZED);
    assert_eq!(audited(&admin, base, "password_changed").await["staff"], "rosa");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_needs_the_sessions_csrf_token() {
    let (_data, server, _kiosk) = fresh_server().await;
    let base = &server.url;
    let login = sign_in(base, "admin", ADMIN_PASSWORD).await;
    let cookie_only = cookie_only_client(&login);
    let csrf = login.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // What another site could make the desk's browser send: the cookie, no token.
    let forged = cookie_only
        .post(format!("{base}/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    expect_error(forged, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(
        session_status(&cookie_only, base).await,
        StatusCode::OK,
        "still signed in"
    );

    let wrong = cookie_only
        .post(format!("{base}/api/v1/auth/logout"))
        .header("x-csrf-token", "0".repeat(64))
        .send()
        .await
        .unwrap();
    expect_error(wrong, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    let real = cookie_only
        .post(format!("{base}/api/v1/auth/logout"))
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(real.status(), StatusCode::NO_CONTENT);
    assert_eq!(session_status(&cookie_only, base).await, StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_accounts_open_board_stream_ends() {
    let (_data, server, _kiosk) = fresh_server().await;
    let base = &server.url;
    let admin = staff_client(base).await;
    let id = add_rosa(&admin, base).await;
    let rosa = signed_in_client(base, "rosa", ROSA_PASSWORD).await;
    let stream = rosa.get(format!("{base}/api/v1/desk/events")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(
        admin_action(&admin, base, id, "disable").await.status(),
        StatusCode::NO_CONTENT
    );
    // The stream ends by itself (within its session re-check); its body then reads to the end.
    let ended = tokio::time::timeout(std::time::Duration::from_secs(30), stream.bytes()).await;
    assert!(ended.is_ok(), "the board stream of a disabled account is still open");
    server.stop().await;
}
