//! Kiosk enrollment: only enrolled tablets use the kiosk API; an admin enrolls one by name
//! (its token only in the link's fragment) and a revoked one stops at once, others going on.

use crate::common;
use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn only_enrolled_tablets_use_the_kiosk_api_and_a_revoked_one_stops_at_once() {
    let (_data, server, enrolled) = fresh_server().await;
    let identify_url = format!("{}/api/v1/kiosk/identify", server.url);
    let body = json!({"last_name": "Smith", "date_of_birth": "1990-01-01"});
    for stranger in [
        Client::new(),
        tablet_client(&"0".repeat(64)),
        tablet_client("not-a-token"),
    ] {
        let refused = post(&stranger, &identify_url, body.clone()).await;
        let error = expect_error(refused, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
        assert!(error.error.message.contains("not enrolled"));
    }
    assert_eq!(
        post(&enrolled, &identify_url, body.clone()).await.status(),
        StatusCode::OK
    );

    // An admin enrolls a second tablet by name; its token travels in the link's fragment only.
    let admin = staff_client(&server.url).await;
    let enrollment = enrolled_kiosk(&admin, &server.url, "Lobby east").await;
    let link = enrollment["link"].as_str().unwrap();
    assert!(link.contains("/#enroll="), "the token in the fragment: {link}");
    let token = enrollment_token(&enrollment);
    assert!(enrollment["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    let east = tablet_client(&token);
    assert_eq!(post(&east, &identify_url, body.clone()).await.status(), StatusCode::OK);
    let taken = enroll_kiosk(&admin, &server.url, "Lobby east").await;
    expect_error(taken, StatusCode::CONFLICT, ErrorCode::Conflict).await;

    let revoke = admin
        .post(format!(
            "{}/api/v1/admin/kiosks/{}/revoke",
            server.url, enrollment["id"]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    expect_error(
        post(&east, &identify_url, body.clone()).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    assert_eq!(
        post(&enrolled, &identify_url, body).await.status(),
        StatusCode::OK,
        "other tablets go on"
    );
    let kiosks: Value = get_json(&admin, &format!("{}/api/v1/admin/kiosks", server.url)).await;
    let revoked: Vec<bool> = kiosks
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["revoked_at"].is_string())
        .collect();
    assert_eq!(revoked, [false, true]);
    server.stop().await;
}
