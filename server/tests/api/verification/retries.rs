//! A check-in sent again: the same idempotency key answers the same and stores nothing new;
//! the key on another visit, or a malformed one, is refused.

use crate::common;

use arrive_domain::api::CheckInResponse;
use arrive_domain::ErrorCode;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{rows_in, url, verifications_of};

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_with_the_same_key_answers_the_same_and_stores_nothing_new() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "de la Cruz", "1962-07-19").await;
    let mut first_verification = nothing_changed();
    first_verification["email"] = json!({"answer": "changed", "value": "Ana@Example.ORG"});
    let first = check_in_verified(
        &kiosk,
        &server.url,
        &token,
        &idempotency_key(6),
        first_verification.clone(),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let again = check_in_verified(&kiosk, &server.url, &token, &idempotency_key(6), first_verification).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first, "a lost answer, asked again, is the same answer");
    assert_eq!(first["already_checked_in"], false);

    // Another verification for a visit already checked in does not replace the first.
    let mut second_verification = nothing_changed();
    second_verification["email"] = json!({"answer": "changed", "value": "someone@else.org"});
    let other = check_in_verified(&kiosk, &server.url, &token, &idempotency_key(7), second_verification).await;
    let other: CheckInResponse = other.json().await.unwrap();
    assert!(other.already_checked_in);
    assert_eq!(Some(other.arrived_at.as_str()), first["arrived_at"].as_str());

    let row = board_row(&staff, &server.url, "Ana D.").await;
    let db = test_db(&data).await;
    assert_eq!(verifications_of(&db, row.id).await, 1);
    assert_eq!(rows_in(&db, "visit_verification").await, 1);
    let email: String = on_db!(&db, |p| sqlx::query_scalar(
        "SELECT p.email FROM patient p JOIN appointment a ON a.patient_id = p.id WHERE a.id = $1"
    )
    .bind(row.id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(email, "Ana@example.org");

    // The same key for another patient's visit is a mistake: refused, and nothing happens.
    let token = token_for(&kiosk, &server.url, "Johnson", "1980-11-05").await;
    let reused = check_in_verified(&kiosk, &server.url, &token, &idempotency_key(6), nothing_changed()).await;
    expect_error(reused, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let robert = board_row(&staff, &server.url, "Robert J.").await;
    assert_eq!(robert.status, arrive_domain::AppointmentStatus::Scheduled);
    assert_eq!(rows_in(&db, "visit_verification").await, 1);
    // A key that is not 32–64 hex characters is refused by name.
    for bad in ["abc", "zz".repeat(16).as_str(), "a".repeat(65).as_str()] {
        let response = check_in_verified(&kiosk, &server.url, &token, bad, nothing_changed()).await;
        let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
        assert_eq!(body.error.field.as_deref(), Some("idempotency_key"));
    }
    // Without a key a verification is still stored (the check-in is idempotent by visit).
    let response = post(
        &kiosk,
        &url(&server, "/api/v1/kiosk/check-in"),
        json!({"match_token": token, "verification": nothing_changed()}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(verifications_of(&db, robert.id).await, 1);
    server.stop().await;
}
