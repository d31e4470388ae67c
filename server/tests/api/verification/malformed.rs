//! Malformed requests to the verification endpoints get a JSON 4xx, never a 500, never an echo
//! of what was sent, and store nothing.

use crate::common;

use common::*;
use serde_json::{json, Value};

use super::{rows_in, url};

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_to_every_new_endpoint_get_a_json_4xx_never_a_500() {
    let (data, server, kiosk) = fresh_server().await;
    let token = token_for(&kiosk, &server.url, "St. John", "1977-10-10").await;
    let with_token = |mut body: Value| {
        body["match_token"] = json!(token);
        body.to_string()
    };
    let verification_with = |path: &str, value: Value| {
        let mut v = nothing_changed();
        v[path] = value;
        with_token(json!({"idempotency_key": idempotency_key(9), "verification": v}))
    };
    let mut unknown_in_group = nothing_changed();
    unknown_in_group["address"] = json!({"answer": "same", "line": "1 Main St"});
    let mut unknown_top = nothing_changed();
    unknown_top["card_number"] = json!("4111111111111111");
    let cases: Vec<(&str, String)> = vec![
        ("record", "{,}".into()),
        ("record", "[]".into()),
        ("record", "null".into()),
        ("record", r#"{"match_token": 7}"#.into()),
        ("record", with_token(json!({"ssn": "1"}))),
        ("check-in", "{,}".into()),
        ("check-in", with_token(json!({"verification": []}))),
        ("check-in", with_token(json!({"verification": "yes"}))),
        ("check-in", with_token(json!({"idempotency_key": 12}))),
        ("check-in", with_token(json!({"verification": unknown_top}))),
        ("check-in", with_token(json!({"verification": unknown_in_group}))),
        (
            "check-in",
            with_token(json!({"verification": {"payment": "card_at_desk"}})),
        ),
        ("check-in", verification_with("payment", json!("bitcoin"))),
        ("check-in", verification_with("insurance", json!({"answer": "maybe"}))),
        ("check-in", verification_with("phone", json!({"answer": "changed"}))),
        (
            "check-in",
            verification_with("phone", json!({"answer": "changed", "value": 5125550199u64})),
        ),
        (
            "check-in",
            verification_with("address", json!({"answer": "changed", "value": {"line": "1 Main St"}})),
        ),
        (
            "check-in",
            verification_with("phone", json!({"answer": "changed", "value": "call me maybe"})),
        ),
        (
            "check-in",
            verification_with("language", json!({"answer": "changed", "value": "klingon"})),
        ),
        (
            "check-in",
            verification_with("email", json!({"answer": "changed", "value": "x".repeat(6000)})),
        ),
        ("card-images", "{,}".into()),
        (
            "card-images",
            with_token(json!({"rank": "1", "side": "front", "jpeg_base64": ""})),
        ),
        (
            "card-images",
            with_token(json!({"rank": 300, "side": "front", "jpeg_base64": ""})),
        ),
        ("card-images", with_token(json!({"rank": 1, "side": "front"}))),
        (
            "card-images",
            with_token(json!({"rank": 1, "side": "front", "jpeg_base64": "", "extra": 1})),
        ),
        (
            "card-images",
            with_token(json!({"rank": 1, "side": "front", "jpeg_base64": ""})),
        ),
    ];
    for (endpoint, body) in cases {
        let response = kiosk
            .post(url(&server, &format!("/api/v1/kiosk/{endpoint}")))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{endpoint} {body:.200}: {status}");
        let error: arrive_domain::ErrorBody = response.json().await.expect("the JSON error shape");
        assert!(!error.error.message.contains("klingon") && !error.error.message.contains("maybe"));
    }
    // Nothing of it was stored; St. John is still to check in.
    let db = test_db(&data).await;
    assert_eq!(rows_in(&db, "visit_verification").await, 0);
    assert_eq!(rows_in(&db, "card_image").await, 0);
    assert_eq!(
        rows_in(&db, "appointment a JOIN patient p ON p.id = a.patient_id WHERE a.status = 'arrived' AND p.last_name = 'St. John'").await,
        0
    );
    server.stop().await;
}
