//! Check-in at the kiosk: the arrival is recorded once (a retry reports the same one),
//! unknown or malformed match tokens are refused by field, and arrivals and match tokens
//! outlive a server restart.

use crate::common;
use arrive_domain::api::IdentifyResponse;
use arrive_domain::{AppointmentStatus, ErrorCode};
use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn check_in_records_the_arrival_once() {
    let (_data, server, client) = fresh_server().await;
    let token = token_for(&client, &server.url, "O'Brien", "1971-09-30").await;

    let first = checked_in(&client, &server.url, &token).await;
    assert!(!first.already_checked_in);
    assert!(
        chrono::DateTime::parse_from_rfc3339(&first.arrived_at).is_ok(),
        "{}",
        first.arrived_at
    );
    // A retry (double tap, lost response) reports the same arrival, not a second one.
    let again = checked_in(&client, &server.url, &token).await;
    assert!(again.already_checked_in);
    assert_eq!(again.arrived_at, first.arrived_at);

    let day = desk_day(&staff_client(&server.url).await, &server.url).await;
    let sean = day
        .appointments
        .iter()
        .find(|a| a.patient == "Sean O.")
        .expect("Sean O. on the board");
    assert_eq!(sean.status, AppointmentStatus::Arrived);
    assert_eq!(sean.arrived_at.as_deref(), Some(first.arrived_at.as_str()));
    assert_eq!(
        day.appointments
            .iter()
            .filter(|a| a.status == AppointmentStatus::Arrived)
            .count(),
        1
    );

    // Identify now says so, for the kiosk to tell the patient.
    match identify(&client, &server.url, "obrien", "1971-09-30").await {
        IdentifyResponse::Found { appointment } => assert!(appointment.already_checked_in),
        other => panic!("{other:?}"),
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn check_in_refuses_unknown_and_malformed_tokens() {
    let (_data, server, client) = fresh_server().await;
    let url = format!("{}/api/v1/kiosk/check-in", server.url);

    let unknown = post(
        &client,
        &url,
        json!({"match_token": "0123456789abcdef0123456789abcdef"}),
    )
    .await;
    expect_error(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    for bad in ["", "abc", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "../../etc/passwd"] {
        let body = expect_error(
            post(&client, &url, json!({"match_token": bad})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidField,
        )
        .await;
        assert_eq!(body.error.field.as_deref(), Some("match_token"));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn arrivals_survive_a_restart_and_the_demo_is_not_seeded_twice() {
    let data = tempfile::tempdir().unwrap();
    let client = kiosk_client();
    let server = TestServer::start(&data).await;
    let token = token_for(&client, &server.url, "Smith", "1990-01-01").await;
    let arrival = checked_in(&client, &server.url, &token).await;
    server.stop().await;

    let server = TestServer::start(&data).await;
    let day = desk_day(&staff_client(&server.url).await, &server.url).await;
    assert_eq!(day.appointments.len(), 13);
    let james = day.appointments.iter().find(|a| a.patient == "James S.").unwrap();
    assert_eq!(james.status, AppointmentStatus::Arrived);
    assert_eq!(james.arrived_at.as_deref(), Some(arrival.arrived_at.as_str()));
    // The match token lives in the database too: the kiosk's retry after a restart still works.
    let again = checked_in(&client, &server.url, &token).await;
    assert!(again.already_checked_in);
    server.stop().await;
}
