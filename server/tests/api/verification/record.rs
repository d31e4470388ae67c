//! The record on file as the kiosk shows it (masked), and the payers it offers.

use crate::common;

use arrive_domain::verification::{MemberIdFormat, Payer, RecordOnFile};
use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use super::{record_of, url};

#[tokio::test(flavor = "multi_thread")]
async fn the_record_on_file_reaches_the_kiosk_masked() {
    let (_data, server, kiosk) = fresh_server().await;
    let token = token_for(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    let (body, text) = record_of(&kiosk, &server, &token).await;
    let record: RecordOnFile = serde_json::from_value(body).unwrap();
    assert_eq!(record.address.as_deref(), Some("•••• Congress Ave, •••03"));
    assert_eq!(record.phone.as_deref(), Some("(•••) •••-0103"));
    assert_eq!(record.email, None, "none on file");
    assert_eq!(record.emergency_contact.as_deref(), Some("M••• (•••) •••-0153"));
    assert_eq!(record.language.as_deref(), Some("en"));
    assert_eq!(record.coverages.len(), 1);
    assert_eq!(record.coverages[0].payer_name, "Sandbox Health Plan");
    assert_eq!(record.coverages[0].member_id, "••••0300");
    // The sandbox payer was asked on the spot: Sean's plan has a $30 co-pay.
    assert_eq!(record.copay_cents, Some(3000));
    assert_eq!(record.prior_balance_cents, 4550);
    for secret in [
        "5550103",
        "555-0103",
        "0103)",
        "310",
        "Congress Ave, Austin",
        "78703",
        "SBX-100300",
        "100300",
        "Maeve",
        "5550153",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // A self-pay patient with no more than a phone: nothing to show, nothing to pay beforehand.
    let token = token_for(&kiosk, &server.url, "N'Diaye", "1995-02-28").await;
    let (body, _) = record_of(&kiosk, &server, &token).await;
    assert_eq!(body["coverages"], json!([]));
    assert_eq!(body["copay_cents"], Value::Null);
    assert_eq!(body["emergency_contact"], Value::Null);
    assert_eq!(body["prior_balance_cents"], 0);

    // Kiosks only; a token that is not (or no longer) a match finds nothing.
    let anonymous = post(
        &Client::new(),
        &url(&server, "/api/v1/kiosk/record"),
        json!({"match_token": token}),
    )
    .await;
    expect_error(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let unknown = post(
        &kiosk,
        &url(&server, "/api/v1/kiosk/record"),
        json!({"match_token": "0123456789abcdef0123456789abcdef"}),
    )
    .await;
    expect_error(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kiosk_lists_the_clinics_payers() {
    let (_data, server, kiosk) = fresh_server().await;
    let response = kiosk.get(url(&server, "/api/v1/kiosk/payers")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let payers: Vec<Payer> = response.json().await.unwrap();
    let medicare = payers.iter().find(|p| p.id == "MCR01").unwrap();
    assert_eq!(medicare.member_id_format, MemberIdFormat::Mbi);
    assert!(payers
        .iter()
        .any(|p| p.id == "SBX01" && p.name == "Sandbox Health Plan"));
    assert!(payers.len() >= 10);
    let anonymous = Client::new()
        .get(url(&server, "/api/v1/kiosk/payers"))
        .send()
        .await
        .unwrap();
    expect_error(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clinics_own_payers_file_replaces_the_list_and_a_bad_one_stops_the_server() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("payers.json");
    std::fs::write(
        &file,
        r#"[{"id":"LOCAL1","name":"Local Plan","member_id_format":"generic"}]"#,
    )
    .unwrap();
    let server = TestServer::start_with(arrive_server::Config {
        payers_file: Some(file.clone()),
        ..test_config(data.path())
    })
    .await;
    let payers: Value = get_json(&kiosk_client(), &url(&server, "/api/v1/kiosk/payers")).await;
    assert_eq!(
        payers,
        json!([{"id": "LOCAL1", "name": "Local Plan", "member_id_format": "generic"}])
    );
    server.stop().await;

    std::fs::write(&file, r#"[{"id":"X1","name":"X","member_id_format":"ssn"}]"#).unwrap();
    let refused = arrive_server::run(
        arrive_server::Config {
            payers_file: Some(file),
            ..test_config(data.path())
        },
        async {},
        |_| {},
    )
    .await
    .expect_err("a malformed payers file stops the server");
    assert!(refused.to_string().contains("payers"), "{refused}");
}
