//! Identification at the enrolled kiosk: one match shows the lobby the minimum (first name,
//! time, provider), none or several name nobody, and misses look alike and lock a tablet that
//! keeps guessing while other tablets go on.

use crate::common;
use arrive_domain::ErrorCode;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn identify_matches_one_patient_and_shows_the_minimum() {
    let (_data, server, client) = fresh_server().await;

    for (typed, dob) in [("garcia lopez", "1958-04-12"), ("GARCÍA-LÓPEZ", "04/12/1958")] {
        let response = post(
            &client,
            &format!("{}/api/v1/kiosk/identify", server.url),
            json!({"last_name": typed, "date_of_birth": dob}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["outcome"], "found");
        let appointment = body["appointment"].as_object().unwrap();
        let mut keys: Vec<&str> = appointment.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "already_checked_in",
                "first_name",
                "match_token",
                "provider",
                "starts_at"
            ]
        );
        assert_eq!(appointment["first_name"], "María");
        assert_eq!(appointment["starts_at"], "08:30");
        assert_eq!(appointment["provider"], "Dr. Patel");
        assert_eq!(appointment["match_token"].as_str().unwrap().len(), 32);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_match_and_several_matches_name_nobody() {
    let (_data, server, client) = fresh_server().await;
    let url = format!("{}/api/v1/kiosk/identify", server.url);

    let body: Value = post(
        &client,
        &url,
        json!({"last_name": "Smith", "date_of_birth": "1990-01-02"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body, json!({"outcome": "not_found"}));
    // Linh Nguyen and Lan Nguyễn share a last name (to the matcher) and a birth date.
    let body: Value = post(
        &client,
        &url,
        json!({"last_name": "nguyen", "date_of_birth": "1985-06-15"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body, json!({"outcome": "several"}));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn guessing_at_a_tablet_locks_it_and_misses_look_alike() {
    let (_data, server, kiosk) = fresh_server().await;
    let url = format!("{}/api/v1/kiosk/identify", server.url);
    // "No such patient" and "wrong date of birth" cannot be told apart.
    let nobody = post(
        &kiosk,
        &url,
        json!({"last_name": "Nobody", "date_of_birth": "1990-01-01"}),
    )
    .await;
    let (status, body) = (nobody.status(), nobody.text().await.unwrap());
    let wrong_dob = post(
        &kiosk,
        &url,
        json!({"last_name": "Smith", "date_of_birth": "1990-01-02"}),
    )
    .await;
    assert_eq!(
        (status, body.clone()),
        (wrong_dob.status(), wrong_dob.text().await.unwrap())
    );
    assert_eq!(body, r#"{"outcome":"not_found"}"#);

    // Misses three to ten are answered as the first two were.
    for miss in 3..=10 {
        let response = post(
            &kiosk,
            &url,
            json!({"last_name": "Nobody", "date_of_birth": "1990-01-01"}),
        )
        .await;
        assert_eq!(response.text().await.unwrap(), body, "miss {miss}");
    }
    // Ten misses: the tablet is refused, even for a real patient, and sent to the desk.
    let locked = post(
        &kiosk,
        &url,
        json!({"last_name": "Smith", "date_of_birth": "1990-01-01"}),
    )
    .await;
    let error = expect_error(locked, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    assert!(error.error.message.contains("front desk"));

    // Another tablet (behind the same address) goes on.
    let admin = staff_client(&server.url).await;
    let token = enrollment_token(&enrolled_kiosk(&admin, &server.url, "Lobby west").await);
    let other = post(
        &tablet_client(&token),
        &url,
        json!({"last_name": "Smith", "date_of_birth": "1990-01-01"}),
    )
    .await;
    assert_eq!(other.status(), StatusCode::OK);
    server.stop().await;
}
