//! Consents at the kiosk: each wording is signed once (drawn or typed), bad signatures are
//! refused by field without echoing the name, a wording the clinic changes is asked again,
//! and the wording signed stays readable at its version.

use crate::common;
use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn consents_are_signed_once_per_wording_and_bad_signatures_are_refused() {
    let (data, server, client) = fresh_server().await;
    let token = token_for(&client, &server.url, "Johnson", "1980-11-05").await;
    let pending = pending_consents(&client, &server.url, &token).await;
    let ids: Vec<&str> = pending.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["privacy-notice", "consent-to-treat", "financial-responsibility"]);
    assert!(pending.iter().all(|c| c.version.len() == 64 && !c.text.es.is_empty()));

    let privacy = &pending[0];
    let sign = |body: Value| {
        let client = client.clone();
        let url = format!("{}/api/v1/kiosk/consents/privacy-notice/signatures", server.url);
        async move { post(&client, &url, body).await }
    };
    let good = json!({"match_token": token, "version": privacy.version, "typed_name": "Emily Johnson",
        "signature_path": "M 10.0 150.0 L 60.0 40.0 L 120.0 160.0", "signed_by_typing": false, "language": "es"});
    let mut outdated = good.clone();
    outdated["version"] = json!("0".repeat(64));
    let body = expect_error(sign(outdated).await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert!(body.error.message.contains("changed"));
    let bad_cases = [
        ("signature_path", json!("M 10 10")),
        (
            "signature_path",
            json!("M 10 10 L 200 100\"/><script>alert(1)</script>"),
        ),
        ("signature_path", json!("")),
        ("typed_name", json!("")),
        ("typed_name", json!("<b>Emily</b>")),
        ("language", json!("fr")),
    ];
    for (field, value) in bad_cases {
        let mut body = good.clone();
        body[field] = value;
        let error = expect_error(
            sign(body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidField,
        )
        .await;
        assert_eq!(error.error.field.as_deref(), Some(field));
        assert!(!error.error.message.contains("Emily"), "the error echoes the name");
    }
    let mut typed_only = good.clone();
    typed_only["signature_path"] = json!("");
    typed_only["signed_by_typing"] = json!(true);
    let missing = client
        .post(format!("{}/api/v1/kiosk/consents/nope/signatures", server.url))
        .json(&typed_only)
        .send()
        .await
        .unwrap();
    expect_error(missing, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    assert_eq!(sign(good.clone()).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        sign(good).await.status(),
        StatusCode::NO_CONTENT,
        "signing twice is harmless"
    );
    let treat = &pending[1];
    let by_typing = client
        .post(format!(
            "{}/api/v1/kiosk/consents/consent-to-treat/signatures",
            server.url
        ))
        .json(
            &json!({"match_token": token, "version": treat.version, "typed_name": "Emily Johnson",
            "signature_path": "", "signed_by_typing": true, "language": "en"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_typing.status(), StatusCode::NO_CONTENT);

    // Signed versions are not asked again, on this visit or the next identification.
    let token_again = token_for(&client, &server.url, "Johnson", "1980-11-05").await;
    let left: Vec<String> = pending_consents(&client, &server.url, &token_again)
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left, ["financial-responsibility"]);
    server.stop().await;

    let db = test_db(&data).await;
    type SignatureRow = (String, String, String, String, bool, String);
    let rows: Vec<SignatureRow> = on_db!(&db, |p| sqlx::query_as(
        "SELECT s.consent_id, s.version, s.typed_name, s.signature_path, s.signed_by_typing, s.language
         FROM consent_signature s JOIN patient p ON p.id = s.patient_id
         WHERE p.last_name = 'Johnson' ORDER BY s.id",
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "privacy-notice");
    assert_eq!(rows[0].1, privacy.version);
    assert_eq!(rows[0].2, "Emily Johnson");
    assert_eq!(rows[0].3, "M 10.0 150.0 L 60.0 40.0 L 120.0 160.0");
    assert_eq!((rows[0].4, rows[0].5.as_str()), (false, "es"));
    assert_eq!(
        (rows[1].0.as_str(), rows[1].3.as_str(), rows[1].4),
        ("consent-to-treat", "", true)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consent_reworded_by_the_clinic_is_asked_again() {
    let data = tempfile::tempdir().unwrap();
    let consents = data.path().join("consents");
    std::fs::create_dir_all(&consents).unwrap();
    let write = |text: &str| {
        let doc = json!({"id": "treat", "kind": "treatment", "title": {"en": "Consent", "es": "Consentimiento"},
            "text": {"en": text, "es": "Acepto."}});
        std::fs::write(consents.join("treat.json"), doc.to_string()).unwrap();
    };
    let start = |data: &std::path::Path| {
        let mut config = test_config(data);
        config.consents_dir = Some(data.join("consents"));
        TestServer::start_with(config)
    };
    write("I agree.");
    let client = kiosk_client();
    let server = start(data.path()).await;
    let token = token_for(&client, &server.url, "Johnson", "1980-11-05").await;
    let first = pending_consents(&client, &server.url, &token).await;
    let signed = post(
        &client,
        &format!("{}/api/v1/kiosk/consents/treat/signatures", server.url),
        json!({"match_token": token, "version": first[0].version, "typed_name": "Emily Johnson",
            "signature_path": "M 10 10 L 200 100", "signed_by_typing": false, "language": "en"}),
    )
    .await;
    assert_eq!(signed.status(), StatusCode::NO_CONTENT);
    assert!(pending_consents(&client, &server.url, &token).await.is_empty());
    server.stop().await;

    write("I agree, and the wording changed.");
    let server = start(data.path()).await;
    let token = token_for(&client, &server.url, "Johnson", "1980-11-05").await;
    let again = pending_consents(&client, &server.url, &token).await;
    assert_eq!(again.len(), 1);
    assert_ne!(again[0].version, first[0].version);
    // The wording signed is still readable at its version: a signed Consent points there.
    let signed: Value = get_json(
        &Client::new(),
        &format!("{}/api/v1/consent-texts/treat/{}", server.url, first[0].version),
    )
    .await;
    assert_eq!(signed["text"]["en"], "I agree.");
    let unknown = Client::new()
        .get(format!("{}/api/v1/consent-texts/treat/0000", server.url))
        .send()
        .await
        .unwrap();
    expect_error(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    server.stop().await;

    std::fs::write(consents.join("broken.json"), r#"{"id": "x", "title": {"en": "X"}}"#).unwrap();
    let mut config = test_config(data.path());
    config.consents_dir = Some(consents.clone());
    let error = arrive_server::run(config, async {}, |_| {})
        .await
        .expect_err("refuses to start")
        .to_string();
    assert!(error.contains("broken.json"), "{error}");
}
