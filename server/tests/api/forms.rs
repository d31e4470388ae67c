//! Intake forms at the kiosk: served as FHIR Questionnaires and judged by the same engine, per
//! visit type; the PHQ-9 only after a positive PHQ-2 with item 9 flagged urgent; a form the
//! engine cannot handle stops the server; a check-in missing a form is flagged for the desk.

use crate::common;
use arrive_domain::ErrorCode;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn forms_are_served_and_responses_checked_with_the_same_engine() {
    let (_data, server, client) = fresh_server().await;
    let list: Value = get_json(&client, &format!("{}/api/v1/kiosk/forms", server.url)).await;
    let ids: Vec<&str> = list["forms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["reason-for-visit", "allergies", "medications", "phq-2", "phq-9", "pain"]
    );
    let form: Value = get_json(&client, &format!("{}/api/v1/kiosk/forms/phq-9", server.url)).await;
    assert_eq!(form["resourceType"], "Questionnaire");
    assert_eq!(form["code"][0]["code"], "44249-1");
    let missing = client
        .get(format!("{}/api/v1/kiosk/forms/nope", server.url))
        .send()
        .await
        .unwrap();
    expect_error(missing, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    // Each visit type has its own forms: an office visit asks them all, a follow-up fewer.
    let for_visit = |token: String| {
        let client = client.clone();
        let url = format!("{}/api/v1/kiosk/forms/for-visit", server.url);
        async move {
            let list: Value = post(&client, &url, json!({"match_token": token}))
                .await
                .json()
                .await
                .unwrap();
            let ids: Vec<String> = list["forms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect();
            ids
        }
    };
    let follow_up = token_for(&client, &server.url, "Okafor", "1949-12-02").await;
    assert_eq!(
        for_visit(follow_up.clone()).await,
        ["reason-for-visit", "medications", "pain"]
    );
    let not_asked = submit(
        &client,
        &server.url,
        "allergies",
        &follow_up,
        json!({"resourceType": "QuestionnaireResponse", "status": "completed",
            "item": [{"linkId": "no-known-allergies", "answer": [{"valueBoolean": true}]}]}),
    )
    .await;
    let body = expect_error(not_asked, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert_eq!(body.error.field.as_deref(), Some("form"));

    let token = token_for(&client, &server.url, "Johnson", "1980-11-05").await;
    assert_eq!(for_visit(token.clone()).await, ids);
    let reason = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "item": [{"linkId": "reason", "answer": [{"valueString": "Cough for two weeks"}]}]});
    assert_eq!(
        submit(&client, &server.url, "reason-for-visit", &token, reason)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let cases = [
        (
            "reason-for-visit",
            json!({"resourceType": "QuestionnaireResponse", "status": "completed", "item": []}),
            "reason",
        ),
        (
            "reason-for-visit",
            json!({"resourceType": "QuestionnaireResponse", "status": "completed",
            "item": [{"linkId": "reason", "answer": [{"valueInteger": 3}]}]}),
            "reason",
        ),
        (
            "allergies",
            json!({"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
            {"linkId": "no-known-allergies", "answer": [{"valueBoolean": true}]},
            {"linkId": "allergy", "item": [{"linkId": "substance", "answer": [{"valueString": "Latex"}]}]}]}),
            "allergy",
        ),
        (
            "pain",
            json!({"resourceType": "QuestionnaireResponse", "status": "completed",
            "item": [{"linkId": "pain-now", "answer": [{"valueInteger": 12}]}]}),
            "pain-now",
        ),
    ];
    for (form, response, field) in cases {
        let body = expect_error(
            submit(&client, &server.url, form, &token, response).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidField,
        )
        .await;
        assert_eq!(body.error.field.as_deref(), Some(field), "{form}");
        assert!(!body.error.message.contains("Latex"), "the error echoes an answer");
    }
    // Form responses may be long (a list of medications): 40 KiB is read, and judged.
    let long = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "item": [{"linkId": "reason", "answer": [{"valueString": "x".repeat(40 * 1024)}]}]});
    let judged = submit(&client, &server.url, "reason-for-visit", &token, long).await;
    expect_error(judged, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    let unknown_field = submit(
        &client,
        &server.url,
        "pain",
        &token,
        json!({"resourceType": "QuestionnaireResponse", "status": "completed", "extra": 1}),
    )
    .await;
    expect_error(unknown_field, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidJson).await;
    let expired = submit(
        &client,
        &server.url,
        "pain",
        "0123456789abcdef0123456789abcdef",
        json!({"resourceType": "QuestionnaireResponse", "status": "completed"}),
    )
    .await;
    expect_error(expired, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn phq9_follows_a_positive_phq2_and_item_9_is_flagged_urgent() {
    let (data, server, client) = fresh_server().await;
    let token = token_for(&client, &server.url, "Hernandez", "1944-03-21").await;

    // Without a PHQ-2, and after a negative one (2), the PHQ-9 is refused.
    let early = submit(
        &client,
        &server.url,
        "phq-9",
        &token,
        phq_answers(&[1, 2, 0, 0, 0, 0, 0, 0, 1]),
    )
    .await;
    expect_error(early, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert_eq!(
        submit(&client, &server.url, "phq-2", &token, phq_answers(&[1, 1]))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let negative = submit(
        &client,
        &server.url,
        "phq-9",
        &token,
        phq_answers(&[1, 1, 0, 0, 0, 0, 0, 0, 1]),
    )
    .await;
    expect_error(negative, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;

    // A positive PHQ-2 (3) opens the PHQ-9; item 9 above 0 is urgent; the total and band are kept.
    answer_phq2_then_phq9(&client, &server.url, &token, &[1, 2], &[1, 2, 3, 1, 0, 2, 1, 0, 1]).await;
    // The desk board flags that one patient, and only that one.
    let day = desk_day(&staff_client(&server.url).await, &server.url).await;
    let flagged: Vec<&str> = day
        .appointments
        .iter()
        .filter(|a| a.needs_attention_now)
        .map(|a| a.patient.as_str())
        .collect();
    assert_eq!(flagged.len(), 1);
    assert!(flagged[0].ends_with(" H."), "{flagged:?}");
    server.stop().await;

    let db = test_db(&data).await;
    type ScoreRow = (String, Option<i64>, Option<i64>, Option<String>, bool);
    let rows: Vec<ScoreRow> = on_db!(&db, |p| {
        sqlx::query_as(
            // Not the demo's returning patient, who answered at an earlier visit.
            "SELECT r.form_id, r.phq2_total, r.phq9_total, r.phq9_severity, r.urgent
         FROM questionnaire_response r JOIN appointment a ON a.id = r.appointment_id
         JOIN patient p ON p.id = a.patient_id WHERE p.last_name <> 'Lindqvist' ORDER BY r.form_id",
        )
        .fetch_all(p)
        .await
    })
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("phq-2".to_owned(), Some(3), None, None, false),
            ("phq-9".to_owned(), Some(3), Some(11), Some("moderate".to_owned()), true),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_the_engine_cannot_handle_stops_the_server_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    let forms = data.path().join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    let form = json!({"resourceType": "Questionnaire", "id": "x", "status": "active",
        "item": [{"linkId": "a", "type": "string", "calculatedExpression": "%age"}]});
    std::fs::write(forms.join("x.json"), form.to_string()).unwrap();
    let mut config = test_config(data.path());
    config.forms_dir = Some(forms);
    let error = arrive_server::run(config, async {}, |_| {})
        .await
        .expect_err("refuses to start")
        .to_string();
    assert!(
        error.contains("x.json") && error.contains("calculatedExpression"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_in_without_every_form_of_the_visit_is_flagged_for_the_desk() {
    let (_data, server, kiosk) = fresh_server().await;
    // A follow-up asks three forms; all answered.
    let okafor = token_for(&kiosk, &server.url, "Okafor", "1949-12-02").await;
    let answers = [
        (
            "reason-for-visit",
            json!([{"linkId": "reason", "answer": [{"valueString": "Follow-up"}]}]),
        ),
        (
            "medications",
            json!([{"linkId": "no-medications", "answer": [{"valueBoolean": true}]}]),
        ),
        ("pain", json!([{"linkId": "pain-now", "answer": [{"valueInteger": 2}]}])),
    ];
    for (form, items) in answers {
        let response = json!({"resourceType": "QuestionnaireResponse", "status": "completed", "item": items});
        assert_eq!(
            submit(&kiosk, &server.url, form, &okafor, response).await.status(),
            StatusCode::NO_CONTENT,
            "{form}"
        );
    }
    checked_in(&kiosk, &server.url, &okafor).await;
    // An office visit checked in with no forms at all.
    arrive(&kiosk, &server.url, "Smith", "1990-01-01").await;

    let day = desk_day(&staff_client(&server.url).await, &server.url).await;
    let flag = |who: &str| {
        day.appointments
            .iter()
            .find(|a| a.patient == who)
            .unwrap()
            .forms_incomplete
    };
    assert!(!flag("Chidi O."));
    assert!(flag("James S."));
    assert!(!flag("Sean O."), "not checked in: nothing to flag yet");
    server.stop().await;
}
