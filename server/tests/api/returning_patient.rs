//! A returning patient over loopback HTTP: the clinic's re-ask rules (`forms/re-ask.txt`)
//! decide which forms come back — pre-filled with the last answers, empty, or not at all — and
//! consents signed in their current wording are not asked again. The demo's returning patient
//! (Walter Lindqvist) was seen six weeks ago. Runs on SQLite, and on PostgreSQL with
//! `ARRIVE_TEST_DATABASE=postgres`.

use crate::common;

use arrive_domain::api::{FormList, FormSummary};
use chrono::{Days, Utc};
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn forms_for_visit(kiosk: &Client, base: &str, token: &str) -> FormList {
    let response = post(
        kiosk,
        &format!("{base}/api/v1/kiosk/forms/for-visit"),
        json!({"match_token": token}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a form list")
}

/// "Still right": the form's last answers sent as today's.
async fn confirm_last_answers(kiosk: &Client, base: &str, token: &str, form: &FormSummary) -> StatusCode {
    let items = serde_json::to_value(&form.last_answers.as_ref().expect("pre-filled").item).unwrap();
    let response = json!({"resourceType": "QuestionnaireResponse", "status": "completed", "item": items});
    submit(kiosk, base, &form.id, token, response).await.status()
}

async fn check_in_as_on_file(kiosk: &Client, base: &str, token: &str) {
    let checked_in = post(
        kiosk,
        &format!("{base}/api/v1/kiosk/check-in"),
        json!({"match_token": token, "verification": nothing_changed()}),
    )
    .await;
    assert_eq!(checked_in.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_returning_patient_confirms_last_answers_and_skips_a_screener_answered_this_year() {
    let (_data, server, kiosk) = fresh_server().await;
    let base = &server.url;
    let token = token_for(&kiosk, base, "Lindqvist", "1948-05-14").await;

    // The recheck asks allergies, medications, PHQ-2 (and PHQ-9 after a positive PHQ-2). The
    // PHQ-2 is asked once a year: six weeks ago is recent enough.
    let list = forms_for_visit(&kiosk, base, &token).await;
    let ids: Vec<&str> = list.forms.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["allergies", "medications"]);

    // Both come back with what he said then, and when.
    let six_weeks_ago = Utc::now().date_naive() - Days::new(42);
    for form in &list.forms {
        let last = form.last_answers.as_ref().expect("pre-filled");
        assert_eq!(last.answered_on, six_weeks_ago.format("%Y-%m-%d").to_string());
    }
    let medications = serde_json::to_string(&list.forms[1].last_answers).unwrap();
    assert!(medications.contains("Lisinopril"), "{medications}");

    // Every consent was signed then, in the wording offered today: none is asked again.
    assert!(pending_consents(&kiosk, base, &token).await.is_empty());

    // "Still right": the last answers are sent as today's, and nothing is missing at check-in.
    for form in &list.forms {
        let sent = confirm_last_answers(&kiosk, base, &token, form).await;
        assert_eq!(sent, StatusCode::NO_CONTENT, "{}", form.id);
    }
    check_in_as_on_file(&kiosk, base, &token).await;
    let staff = staff_client(base).await;
    let row = board_row(&staff, base, "Walter L.").await;
    assert!(!row.forms_incomplete, "the skipped PHQ-2 counts as not due");
    server.stop().await;
}

#[tokio::test]
async fn forms_due_but_not_answered_leave_the_check_in_incomplete() {
    let (_data, server, kiosk) = fresh_server().await;
    let base = &server.url;
    let token = token_for(&kiosk, base, "Lindqvist", "1948-05-14").await;
    let allergies = forms_for_visit(&kiosk, base, &token).await.forms[0].clone();
    assert_eq!(allergies.id, "allergies");
    assert_eq!(
        confirm_last_answers(&kiosk, base, &token, &allergies).await,
        StatusCode::NO_CONTENT
    );
    check_in_as_on_file(&kiosk, base, &token).await;
    let staff = staff_client(base).await;
    assert!(
        board_row(&staff, base, "Walter L.").await.forms_incomplete,
        "medications were due"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_patient_seen_for_the_first_time_is_asked_every_form_empty() {
    let (_data, server, kiosk) = fresh_server().await;
    let base = &server.url;
    let token = token_for(&kiosk, base, "Okafor", "1949-12-02").await;
    let list = forms_for_visit(&kiosk, base, &token).await;
    let ids: Vec<&str> = list.forms.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["reason-for-visit", "medications", "pain"]);
    assert!(list.forms.iter().all(|f| f.last_answers.is_none()));
    assert_eq!(pending_consents(&kiosk, base, &token).await.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn a_new_consent_wording_is_asked_again_and_only_it() {
    let data = tempfile::tempdir().unwrap();
    // The demo's earlier visit is made at the first start, signed in the shipped wordings.
    TestServer::start(&data).await.stop().await;
    let consents = data.path().join("consents");
    std::fs::create_dir_all(&consents).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../consents");
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        let mut text: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if text["id"] == "consent-to-treat" {
            // The clinic reworded its consent to treatment since the patient's last visit.
            let en = text["text"]["en"].as_str().unwrap().to_owned();
            text["text"]["en"] = json!(format!("{en}\n\nWe may also treat you by video."));
        }
        std::fs::write(consents.join(path.file_name().unwrap()), text.to_string()).unwrap();
    }
    let mut config = test_config(data.path());
    config.consents_dir = Some(consents);
    let server = TestServer::start_with(config).await;
    let base = &server.url;
    let kiosk = kiosk_client();
    let token = token_for(&kiosk, base, "Lindqvist", "1948-05-14").await;
    let pending: Vec<String> = pending_consents(&kiosk, base, &token)
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(pending, ["consent-to-treat"]);
    server.stop().await;
}
