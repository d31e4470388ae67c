//! Deliveries to the clinic's EHR (a real FHIR engine): with a SMART Backend Services bearer
//! token when it asks for one, and not retried once it refuses a Bundle.

use crate::common;

use arrive_server::Config;
use common::fhir_engine::FhirEngine;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::Value;

use super::demo_day_as_the_ehr_holds_it;

/// An EHR that wants SMART Backend Services: each delivery carries the bearer token its token
/// endpoint gave for a signed client assertion, fetched once and reused.
#[tokio::test(flavor = "multi_thread")]
async fn deliveries_carry_a_smart_bearer_token() {
    let engine = FhirEngine::start_with(&["--require-bearer"]).await;
    let data = tempfile::tempdir().unwrap();
    // An EC P-384 key, made now: ES384 signs the assertion.
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 =
        ring::signature::EcdsaKeyPair::generate_pkcs8(&ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let key = data.path().join("smart-key.pem");
    std::fs::write(
        &key,
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        ),
    )
    .unwrap();
    let server = TestServer::start_with(Config {
        fhir_endpoint: Some(engine.url.clone()),
        fhir_smart: Some(arrive_server::config::SmartSettings {
            token_url: format!("{}/$token", engine.url),
            client_id: "arrive-test-clinic".into(),
            scope: arrive_server::config::DEFAULT_FHIR_SCOPE.into(),
            private_key: key,
            key_id: "test-key-1".into(),
        }),
        ..test_config(data.path())
    })
    .await;
    let (kiosk, staff) = (kiosk_client(), staff_client(&server.url).await);
    let day = desk_day(&staff, &server.url).await.date;
    // Loading the day goes through the same door: with a token of its own.
    let anonymous = Client::new()
        .get(format!("{}/Patient", engine.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let token: Value = Client::new()
        .post(format!("{}/$token", engine.url))
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", "a.b.c"),
            ("scope", "system/*.cruds"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let loaded = Client::new()
        .post(format!("{}/", engine.url))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&demo_day_as_the_ehr_holds_it(&day))
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), StatusCode::OK);

    for (last, dob, name) in [
        ("Okafor", "1949-12-02", "Chidi O."),
        ("O'Brien", "1971-09-30", "Sean O."),
    ] {
        arrive(&kiosk, &server.url, last, dob).await;
        let id = board_row(&staff, &server.url, name).await.id;
        let delivery = eventually("a delivery with a bearer token", async || {
            let d = desk_detail(&staff, &server.url, id).await.ehr_delivery?;
            (d.delivered_at.is_some() || d.rejection.is_some()).then_some(d)
        })
        .await;
        assert_eq!((delivery.attempts, delivery.rejection), (1, None));
    }
    assert_eq!(
        engine.tokens_issued().await,
        2,
        "one for the loading above, one for Arrive, reused"
    );
    server.stop().await;
}

/// An EHR that does not hold the patient says so with a 4xx: that is final. Arrive stops
/// retrying, staff read the EHR's own words on the desk, and /metrics counts it.
#[tokio::test(flavor = "multi_thread")]
async fn a_bundle_the_ehr_refuses_is_not_retried_and_staff_read_why() {
    let engine = FhirEngine::start().await;
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Config {
        fhir_endpoint: Some(engine.url.clone()),
        ..test_config(data.path())
    })
    .await;
    let (kiosk, staff) = (kiosk_client(), staff_client(&server.url).await);
    // The engine is empty: it holds neither the patient nor the appointment.
    arrive(&kiosk, &server.url, "Smith", "1990-01-01").await;
    let id = board_row(&staff, &server.url, "James S.").await.id;
    let refused = eventually("the EHR's refusal", async || {
        let d = desk_detail(&staff, &server.url, id).await.ehr_delivery?;
        d.rejection.is_some().then_some(d)
    })
    .await;
    assert_eq!(refused.delivered_at, None);
    assert!(
        refused.last_error.as_deref().unwrap().starts_with("HTTP 4"),
        "{refused:?}"
    );
    assert!(
        refused.rejection.as_deref().unwrap().contains("did not match"),
        "{refused:?}"
    );
    // Not retried: another check-in is refused too, and by then James's is still at one try.
    arrive(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    let sean = board_row(&staff, &server.url, "Sean O.").await.id;
    eventually("the second refusal", async || {
        desk_detail(&staff, &server.url, sean).await.ehr_delivery?.rejection
    })
    .await;
    assert_eq!(
        desk_detail(&staff, &server.url, id)
            .await
            .ehr_delivery
            .unwrap()
            .attempts,
        1
    );
    let metrics = scrape_metrics(&server.url).await.text().await.unwrap();
    // The suite's servers share one process's metrics: at least these two.
    let rejected: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("arrive_fhir_deliveries_total{outcome=\"rejected\"} "))
        .expect("the rejections are counted")
        .parse()
        .unwrap();
    assert!(rejected >= 2.0, "{metrics}");
    assert!(engine.search("Patient").await.is_empty(), "no chart made up");
    server.stop().await;
}
