//! The guard on every staff endpoint: a session, the right role, a CSRF token for changes, a
//! first password changed before anything else; signing out ends the session; wrong
//! passwords slow sign-in down and say nothing about who exists.

use crate::common;
use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

/// Every staff endpoint, for the guard walk: (method, path, admins only).
const STAFF_ENDPOINTS: &[(&str, &str, bool)] = &[
    ("GET", "/api/v1/auth/session", false),
    ("POST", "/api/v1/auth/password", false),
    ("GET", "/api/v1/desk/appointments", false),
    ("GET", "/api/v1/desk/appointments/1", false),
    ("POST", "/api/v1/desk/appointments/1/acknowledge", false),
    ("POST", "/api/v1/desk/appointments/1/roomed", false),
    ("POST", "/api/v1/desk/help/1/acknowledge", false),
    ("GET", "/api/v1/desk/metrics", false),
    ("POST", "/api/v1/desk/appointments/1/no-show", false),
    ("POST", "/api/v1/desk/appointments/1/undo-check-in", false),
    ("POST", "/api/v1/desk/appointments/1/eligibility", false),
    ("GET", "/api/v1/desk/appointments/1/card-images/1/front", false),
    ("GET", "/fhir/r4/Bundle/1", false),
    ("GET", "/api/v1/desk/events", false),
    ("GET", "/api/v1/admin/kiosks", true),
    ("POST", "/api/v1/admin/kiosks", true),
    ("POST", "/api/v1/admin/kiosks/1/revoke", true),
    ("GET", "/api/v1/admin/audit", true),
    ("GET", "/api/v1/admin/audit.csv", true),
    ("POST", "/api/v1/admin/staff", true),
    ("GET", "/api/v1/admin/staff", true),
    // Account 1 is the admin's own: refused with 409, after the guard.
    ("POST", "/api/v1/admin/staff/1/disable", true),
    ("POST", "/api/v1/admin/staff/1/reset-password", true),
    ("POST", "/api/v1/admin/schedule", true),
];

async fn call(client: &Client, method: &str, url: &str) -> Response {
    let request = match method {
        "GET" => client.get(url),
        _ => client.post(url).json(&json!({})),
    };
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_staff_endpoint_needs_a_session_the_right_role_and_a_csrf_token() {
    let (_data, server, anonymous) = fresh_server().await;
    let admin = staff_client(&server.url).await;
    let created = admin
        .post(format!("{}/api/v1/admin/staff", server.url))
        .json(
            &json!({"username": "rosa", "display_name": "Rosa", "role": "front_desk",
            "password": "front desk password"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let front_desk = signed_in_client(&server.url, "rosa", "front desk password").await;
    // A password an admin chose opens nothing but the change to one's own.
    let session: Value = get_json(&front_desk, &format!("{}/api/v1/auth/session", server.url)).await;
    assert_eq!(session["must_change_password"], true);
    let blocked = call(&front_desk, "GET", &format!("{}/api/v1/desk/appointments", server.url)).await;
    expect_error(blocked, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let changed = front_desk
        .post(format!("{}/api/v1/auth/password", server.url))
        .json(&json!({"current_password": "front desk password", "new_password": "rosa picked this one"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);

    for (method, path, admin_only) in STAFF_ENDPOINTS {
        let url = format!("{}{path}", server.url);
        expect_error(
            call(&anonymous, method, &url).await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
        )
        .await;
        let as_desk = call(&front_desk, method, &url).await.status();
        if *admin_only {
            assert_eq!(as_desk, StatusCode::FORBIDDEN, "{method} {path} as front desk");
        } else {
            assert!(
                ![401, 403].contains(&as_desk.as_u16()),
                "{method} {path} as front desk: {as_desk}"
            );
        }
        let as_admin = call(&admin, method, &url).await.status();
        assert!(
            ![401, 403].contains(&as_admin.as_u16()),
            "{method} {path} as admin: {as_admin}"
        );
    }

    // A session without its CSRF token cannot change anything.
    let cookie_only = cookie_only_client(&sign_in(&server.url, "rosa", "rosa picked this one").await);
    let url = format!("{}/api/v1/desk/appointments/1/acknowledge", server.url);
    expect_error(
        call(&cookie_only, "POST", &url).await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    assert_eq!(
        call(&cookie_only, "GET", &format!("{}/api/v1/desk/appointments", server.url))
            .await
            .status(),
        StatusCode::OK
    );

    // Signing out ends the session.
    let logout = front_desk
        .post(format!("{}/api/v1/auth/logout", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let after = call(&front_desk, "GET", &format!("{}/api/v1/desk/appointments", server.url)).await;
    expect_error(after, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_slows_down_after_five_wrong_passwords_and_says_nothing_about_who_exists() {
    let (_data, server, client) = fresh_server().await;
    let login = |username: &str, password: &str| {
        let client = client.clone();
        let url = format!("{}/api/v1/auth/login", server.url);
        let body = json!({"username": username, "password": password});
        async move { post(&client, &url, body).await }
    };
    let unknown = expect_error(
        login("nobody", "whatever").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    let wrong = expect_error(
        login("admin", "wrong").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    assert_eq!(unknown.error.message, wrong.error.message);
    for attempt in 2..=5 {
        let refused = login("admin", "wrong").await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "wrong password {attempt}");
    }
    // Five wrong in a row from this client: even the right password waits a while here.
    expect_error(
        login("admin", ADMIN_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    let malformed = post(
        &client,
        &format!("{}/api/v1/auth/login", server.url),
        json!({"username": 1}),
    )
    .await;
    expect_error(malformed, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidJson).await;
    server.stop().await;
}
