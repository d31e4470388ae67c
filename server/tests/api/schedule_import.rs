//! The day's schedule imported as CSV by an admin: once (the same file again changes nothing,
//! a moved appointment is updated), bad rows reported by line, open boards told to reload, and
//! the imported patients checking in at the kiosk.

use std::time::Duration;

use crate::common;
use arrive_domain::ErrorCode;
use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_imports_once_reports_bad_rows_by_line_and_feeds_the_kiosk() {
    let (_data, server, kiosk) = fresh_server().await;
    let admin = staff_client(&server.url).await;
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let csv = format!(
        "appointment_id,date,time,last_name,first_name,date_of_birth,provider,visit_type\n\
         EHR-1,{today},16:00,Castillo,Elena,1966-05-05,Dr. Reyes,follow-up\n\
         EHR-2,{today},16:15,Castillo,Elena,1966-13-05,Dr. Reyes,follow-up\n\
         EHR-3,{today},16:30,Fischer,Jonas,1999-09-09,Dr. Patel,office-visit\n"
    );
    let import = |body: String, content_type: &'static str| import_schedule(&admin, &server.url, content_type, body);
    let mut board = admin
        .get(format!("{}/api/v1/desk/events", server.url))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let first: Value = import(csv.clone(), "text/csv").await.json().await.unwrap();
    // Open boards are told to reload the day.
    tokio::time::timeout(Duration::from_secs(20), async {
        let mut seen = String::new();
        while !seen.contains("event: schedule") {
            let chunk = board.next().await.expect("stream open").unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("a schedule event reaches the board");
    assert_eq!(
        (first["inserted"].as_u64(), first["updated"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(
        first["errors"],
        json!([{"line": 3, "reason": "date_of_birth is not a real date of birth"}])
    );
    // The same file again changes nothing; a moved appointment is updated, not duplicated.
    let again: Value = import(csv.clone(), "text/csv").await.json().await.unwrap();
    assert_eq!(
        (again["inserted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2))
    );
    let moved: Value = import(csv.replace("16:30", "17:00"), "text/csv")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (moved["inserted"].as_u64(), moved["updated"].as_u64()),
        (Some(0), Some(1))
    );

    // The imported patient checks in at the kiosk; the follow-up asks the follow-up forms.
    let token = token_for(&kiosk, &server.url, "Castillo", "1966-05-05").await;
    let forms: Value = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/forms/for-visit", server.url),
        json!({"match_token": token}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(forms["forms"].as_array().unwrap().len(), 3);
    let day = desk_day(&admin, &server.url).await;
    assert_eq!(day.appointments.len(), 15);
    assert!(day
        .appointments
        .iter()
        .any(|a| a.patient == "Jonas F." && a.starts_at == "17:00"));

    expect_error(
        import(csv.clone(), "application/xml").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    let not_a_schedule = import("name,when\nx,y\n".into(), "text/csv").await;
    expect_error(
        not_a_schedule,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidField,
    )
    .await;
    let huge = import(format!("{csv}{}", "x".repeat(1024 * 1024)), "text/csv").await;
    expect_error(huge, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge).await;
    server.stop().await;
}
