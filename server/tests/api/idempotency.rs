//! An idempotency key names one request: sent again with the same request it gets the first
//! answer and stores nothing new; sent with a different request it is refused (409
//! `idempotency_key_reused`), at the kiosk's check-in and at the end of a pre-registration,
//! on both engines.

use crate::common;

use arrive_domain::api::{CheckInResponse, KioskAppointment};
use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

fn phone_changed() -> Value {
    let mut verification = nothing_changed();
    verification["phone"] = json!({"answer": "changed", "value": "512-555-0170"});
    verification
}

#[tokio::test]
async fn a_check_in_key_sent_again_with_other_answers_is_refused() {
    let (_data, server, kiosk) = fresh_server().await;
    let base = &server.url;
    let key = "c0ffee".repeat(6);
    let token = token_for(&kiosk, base, "Johnson", "1980-11-05").await;

    let first = check_in_verified(&kiosk, base, &token, &key, nothing_changed()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: CheckInResponse = first.json().await.unwrap();
    assert!(!first.already_checked_in);

    // Different answers under the same key: a new request, refused, and nothing of it kept.
    let other = check_in_verified(&kiosk, base, &token, &key, phone_changed()).await;
    let body = expect_error(other, StatusCode::CONFLICT, ErrorCode::IdempotencyKeyReused).await;
    assert!(!body.error.message.contains("0170"));
    let staff = staff_client(base).await;
    let row = board_row(&staff, base, "Robert J.").await;
    assert!(!row.details_changed, "the refused answers were not applied");

    // The same request again: the first answer, as before.
    let again = check_in_verified(&kiosk, base, &token, &key, nothing_changed()).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: CheckInResponse = again.json().await.unwrap();
    assert_eq!(again, first);
    server.stop().await;
}

#[tokio::test]
async fn a_pre_registration_key_sent_again_with_other_answers_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let mut config = test_config(data.path());
    config.arrival_window = arrive_domain::pass::ArrivalWindow {
        minutes_before: 24 * 60,
        minutes_after: 24 * 60,
    };
    let server = TestServer::start_with(config).await;
    let base = &server.url;
    let staff = staff_client(base).await;
    let link_token = token_of(&link_for(&staff, base, "Chidi O.").await);
    let home = Client::new();
    let unlocked = unlock(base, &link_token, "1949-12-02").await;
    let appointment: KioskAppointment = unlocked.json().await.unwrap();
    let finish = |key: String, verification: Value| {
        let home = home.clone();
        let body =
            json!({"match_token": appointment.match_token, "idempotency_key": key, "verification": verification});
        let url = format!("{base}/api/v1/pre/finish");
        async move { post(&home, &url, body).await }
    };
    let key = "beef".repeat(8);

    assert_eq!(finish(key.clone(), nothing_changed()).await.status(), StatusCode::OK);
    let other = finish(key.clone(), phone_changed()).await;
    expect_error(other, StatusCode::CONFLICT, ErrorCode::IdempotencyKeyReused).await;
    assert_eq!(finish(key.clone(), nothing_changed()).await.status(), StatusCode::OK);
    // Other answers are a new request: with a new key they are taken.
    assert_eq!(finish("f00d".repeat(8), phone_changed()).await.status(), StatusCode::OK);

    // A key another visit used: refused too (it was a database error before).
    let kiosk = kiosk_client();
    let token = token_for(&kiosk, base, "Johnson", "1980-11-05").await;
    assert_eq!(
        check_in_verified(&kiosk, base, &token, &"abcd".repeat(8), nothing_changed())
            .await
            .status(),
        StatusCode::OK
    );
    let taken = finish("abcd".repeat(8), nothing_changed()).await;
    expect_error(taken, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    server.stop().await;
}
