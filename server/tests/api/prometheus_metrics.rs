//! The Prometheus scrape: requests counted by route and status, identification outcomes,
//! check-ins and open board streams, and nothing that names a patient.

use crate::common;
use common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_metrics_count_requests_by_route_and_carry_no_patient_data() {
    let (_data, server, kiosk) = fresh_server().await;
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    checked_in(&kiosk, &server.url, &token).await;
    let desk = staff_client(&server.url).await;
    // Held open while the scrape counts it.
    let board = desk
        .get(format!("{}/api/v1/desk/events", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(board.status(), StatusCode::OK);

    let response = scrape_metrics(&server.url).await;
    assert_content_type(&response, "text/plain");
    let text = response.text().await.unwrap();
    for expected in [
        "arrive_http_requests_total{",
        r#"route="/api/v1/kiosk/identify""#,
        r#"status="200""#,
        "arrive_http_request_duration_seconds",
        r#"arrive_identify_total{outcome="found"}"#,
        "arrive_check_ins_total",
        "arrive_board_streams",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    for secret in ["Smith", "1990-01-01", &token] {
        assert!(!text.contains(secret), "metrics carry {secret}");
    }
    server.stop().await;
}
