//! The API over real HTTP: the server on an ephemeral loopback port, a real SQLite file in a
//! temporary folder, the demo clinic seeded for today.

use std::time::Duration;

use crate::common;
use arrive_domain::api::{CheckInResponse, DeskDay, DeskDetail, IdentifyResponse};
use arrive_domain::{AppointmentStatus, ErrorCode};
use common::*;
use futures_util::StreamExt;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
#[tokio::test(flavor = "multi_thread")]
async fn identify_matches_one_patient_and_shows_the_minimum() {
    let (_data, server, client) = fresh_server().await;

    for (typed, dob) in [("garcia lopez", "1958-04-12"), ("GARCÍA-LÓPEZ", "04/12/1958")] {
        let response = post(
            &client,
            &format!("{}/api/v1/kiosk/identify", server.url),
            json!({"last_name": typed, "date_of_birth": dob}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["outcome"], "found");
        let appointment = body["appointment"].as_object().unwrap();
        let mut keys: Vec<&str> = appointment.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "already_checked_in",
                "first_name",
                "match_token",
                "provider",
                "starts_at"
            ]
        );
        assert_eq!(appointment["first_name"], "María");
        assert_eq!(appointment["starts_at"], "08:30");
        assert_eq!(appointment["provider"], "Dr. Patel");
        assert_eq!(appointment["match_token"].as_str().unwrap().len(), 32);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_match_and_several_matches_name_nobody() {
    let (_data, server, client) = fresh_server().await;
    let url = format!("{}/api/v1/kiosk/identify", server.url);

    let body: Value = post(
        &client,
        &url,
        json!({"last_name": "Smith", "date_of_birth": "1990-01-02"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body, json!({"outcome": "not_found"}));
    // Linh Nguyen and Lan Nguyễn share a last name (to the matcher) and a birth date.
    let body: Value = post(
        &client,
        &url,
        json!({"last_name": "nguyen", "date_of_birth": "1985-06-15"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body, json!({"outcome": "several"}));
    server.stop().await;
}

/// The board gives each arrival on the clinic's wall clock as well as the instant: a desk
/// computer set to another zone would place the instant on its own clock.
#[tokio::test(flavor = "multi_thread")]
async fn the_board_gives_arrivals_on_the_clinics_clock() {
    let data = tempfile::tempdir().unwrap();
    let mut config = test_config(data.path());
    // Half an hour off any whole-hour zone: its clock never reads as UTC's.
    let zone: chrono_tz::Tz = "Asia/Kolkata".parse().unwrap();
    config.import.clinic_time_zone = zone;
    let server = TestServer::start_with(config).await;
    let client = kiosk_client();
    let token = token_for(&client, &server.url, "Müller", "2001-07-04").await;
    let arrival: CheckInResponse = post(
        &client,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token}),
    )
    .await
    .json()
    .await
    .unwrap();
    let instant = chrono::DateTime::parse_from_rfc3339(&arrival.arrived_at).unwrap();
    let row = board_row(&staff_client(&server.url).await, &server.url, "Zoë M.").await;
    assert_eq!(row.arrived_at.as_deref(), Some(arrival.arrived_at.as_str()));
    let clinic_clock = instant.with_timezone(&zone).format("%H:%M").to_string();
    assert_eq!(row.arrived_at_clinic_time.as_deref(), Some(clinic_clock.as_str()));
    assert_ne!(
        clinic_clock,
        instant.with_timezone(&chrono::Utc).format("%H:%M").to_string()
    );
    // The appointment's own time is the clinic's clock too, as scheduled.
    assert_eq!(row.starts_at, "13:00");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn check_in_records_the_arrival_once() {
    let (_data, server, client) = fresh_server().await;
    let url = format!("{}/api/v1/kiosk/check-in", server.url);
    let token = token_for(&client, &server.url, "O'Brien", "1971-09-30").await;

    let first: CheckInResponse = post(&client, &url, json!({"match_token": token}))
        .await
        .json()
        .await
        .unwrap();
    assert!(!first.already_checked_in);
    assert!(
        chrono::DateTime::parse_from_rfc3339(&first.arrived_at).is_ok(),
        "{}",
        first.arrived_at
    );
    // A retry (double tap, lost response) reports the same arrival, not a second one.
    let again: CheckInResponse = post(&client, &url, json!({"match_token": token}))
        .await
        .json()
        .await
        .unwrap();
    assert!(again.already_checked_in);
    assert_eq!(again.arrived_at, first.arrived_at);

    let day: DeskDay = staff_client(&server.url)
        .await
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
async fn bad_requests_get_a_json_4xx_and_never_echo_the_input() {
    let (_data, server, _) = fresh_server().await;
    // The server closes a connection whose oversize body it did not read: no connection reuse.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-kiosk-token", KIOSK_TOKEN.parse().unwrap());
    let client = Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let oversize = format!(
        r#"{{"last_name":"{}","date_of_birth":"1990-01-01"}}"#,
        "a".repeat(70 * 1024)
    );

    for endpoint in ["identify", "check-in"] {
        let url = format!("{}/api/v1/kiosk/{endpoint}", server.url);
        let cases: Vec<(&str, String, Option<&str>, StatusCode, ErrorCode)> = vec![
            (
                "malformed",
                "{,}".into(),
                Some("application/json"),
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
            ),
            (
                "empty",
                String::new(),
                Some("application/json"),
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
            ),
            (
                "array",
                "[]".into(),
                Some("application/json"),
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
            ),
            (
                "null",
                "null".into(),
                Some("application/json"),
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
            ),
            (
                "unknown field",
                r#"{"last_name":"Smith","date_of_birth":"1990-01-01","match_token":"x","ssn":"1"}"#.into(),
                Some("application/json"),
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
            ),
            (
                "wrong type",
                r#"{"last_name":42,"date_of_birth":[],"match_token":7}"#.into(),
                Some("application/json"),
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
            ),
            (
                "missing field",
                "{}".into(),
                Some("application/json"),
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
            ),
            (
                "no content type",
                r#"{"last_name":"Smith","date_of_birth":"1990-01-01"}"#.into(),
                None,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ),
            (
                "over this route's 4 KiB",
                format!(
                    r#"{{"last_name":"{}","date_of_birth":"1990-01-01"}}"#,
                    "a".repeat(5 * 1024)
                ),
                Some("application/json"),
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BodyTooLarge,
            ),
            (
                "over 64 KiB",
                oversize.clone(),
                Some("application/json"),
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BodyTooLarge,
            ),
        ];
        for (name, body, content_type, status, code) in cases {
            let mut request = client.post(&url).body(body);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let response = request.send().await.expect(name);
            assert_eq!(response.status(), status, "{endpoint}: {name}");
            expect_error(response, status, code).await;
        }
    }

    // Values that parse but are not valid: the error names the field, in plain words, and
    // never repeats what was sent.
    let url = format!("{}/api/v1/kiosk/identify", server.url);
    for dob in [
        "1985-02-30",
        "2023-02-29",
        "1985-13-01",
        "2999-01-01",
        "not a date",
        "",
        "1890-01-01",
    ] {
        let response = post(&client, &url, json!({"last_name": "Zzyzxqwerty", "date_of_birth": dob})).await;
        let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
        assert_eq!(body.error.field.as_deref(), Some("date_of_birth"), "{dob}");
        assert!(!body.error.message.contains("Zzyzxqwerty"));
        assert!(dob.is_empty() || !body.error.message.contains(dob));
    }
    for name in ["", "R2D2", "😀", "Robert'); DROP TABLE patient;--"] {
        let response = post(&client, &url, json!({"last_name": name, "date_of_birth": "1990-01-01"})).await;
        let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
        assert_eq!(body.error.field.as_deref(), Some("last_name"), "{name}");
        assert!(name.is_empty() || !body.error.message.contains(name));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_and_methods_are_json_errors_and_other_paths_serve_the_kiosk() {
    let (_data, server, client) = fresh_server().await;

    for path in [
        "/api/v1/nope",
        "/api/v2/kiosk/identify",
        "/api",
        "/api/v1/desk/patients/1",
    ] {
        let response = client.get(format!("{}{path}", server.url)).send().await.unwrap();
        expect_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }
    let response = client
        .get(format!("{}/api/v1/kiosk/identify", server.url))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed).await;
    let response = staff_client(&server.url)
        .await
        .delete(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed).await;

    // The kiosk and the desk are separate apps: the tablet's paths never get the desk's page.
    for (path, app) in [
        ("/", "kiosk"),
        ("/kiosk", "kiosk"),
        ("/checkin/anything", "kiosk"),
        ("/desk", "desk"),
        ("/desk/", "desk"),
    ] {
        let response = client.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains(&format!("<title>{app}</title>")),
            "{path}"
        );
    }
    let health: Value = client
        .get(format!("{}/api/v1/health", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!({"status": "ok"}));
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let body: Value = client
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["status"], status, "{path}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desk_hears_arrivals_live_and_replays_what_it_missed() {
    let (_data, server, client) = fresh_server().await;
    let events_url = format!("{}/api/v1/desk/events", server.url);
    let desk = staff_client(&server.url).await;

    let live = desk.get(&events_url).send().await.unwrap();
    assert_eq!(live.headers()["content-type"], "text/event-stream");
    let mut live = live.bytes_stream();
    let mut buffer = String::new();

    let token = token_for(&client, &server.url, "de la cruz", "1962-07-19").await;
    post(
        &client,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token}),
    )
    .await;
    let (id, row) = next_appointment_event(&mut live, &mut buffer).await;
    assert_eq!(id, "1");
    assert_eq!(row["patient"], "Ana D.");
    assert_eq!(row["status"], "arrived");

    // A board that was away reconnects with Last-Event-ID and is given what it missed.
    let replay = desk.get(&events_url).header("Last-Event-ID", "0").send().await.unwrap();
    let mut replay = replay.bytes_stream();
    let (id, row) = next_appointment_event(&mut replay, &mut String::new()).await;
    assert_eq!(id, "1");
    assert_eq!(row["patient"], "Ana D.");

    // Open event streams do not keep the server from shutting down.
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn arrivals_survive_a_restart_and_the_demo_is_not_seeded_twice() {
    let data = tempfile::tempdir().unwrap();
    let client = kiosk_client();
    let server = TestServer::start(&data).await;
    let token = token_for(&client, &server.url, "Smith", "1990-01-01").await;
    let arrival: CheckInResponse = post(
        &client,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token}),
    )
    .await
    .json()
    .await
    .unwrap();
    server.stop().await;

    let server = TestServer::start(&data).await;
    let day: DeskDay = staff_client(&server.url)
        .await
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(day.appointments.len(), 13);
    let james = day.appointments.iter().find(|a| a.patient == "James S.").unwrap();
    assert_eq!(james.status, AppointmentStatus::Arrived);
    assert_eq!(james.arrived_at.as_deref(), Some(arrival.arrived_at.as_str()));
    // The match token lives in the database too: the kiosk's retry after a restart still works.
    let again: CheckInResponse = post(
        &client,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(again.already_checked_in);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_are_served_and_responses_checked_with_the_same_engine() {
    let (_data, server, client) = fresh_server().await;
    let list: Value = client
        .get(format!("{}/api/v1/kiosk/forms", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let form: Value = client
        .get(format!("{}/api/v1/kiosk/forms/phq-9", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    assert_eq!(
        submit(&client, &server.url, "phq-2", &token, phq_answers(&[1, 2]))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let full = submit(
        &client,
        &server.url,
        "phq-9",
        &token,
        phq_answers(&[1, 2, 3, 1, 0, 2, 1, 0, 1]),
    )
    .await;
    assert_eq!(full.status(), StatusCode::NO_CONTENT);
    // The desk board flags that one patient, and only that one.
    let day: DeskDay = staff_client(&server.url)
        .await
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

/// Every staff endpoint, for the guard walk: (method, path, admins only).
const STAFF_ENDPOINTS: &[(&str, &str, bool)] = &[
    ("GET", "/api/v1/auth/session", false),
    ("POST", "/api/v1/auth/password", false),
    ("GET", "/api/v1/desk/appointments", false),
    ("GET", "/api/v1/desk/appointments/1", false),
    ("POST", "/api/v1/desk/appointments/1/acknowledge", false),
    ("POST", "/api/v1/desk/appointments/1/roomed", false),
    ("POST", "/api/v1/desk/help/1/acknowledge", false),
    ("GET", "/api/v1/desk/metrics", false),
    ("POST", "/api/v1/desk/appointments/1/no-show", false),
    ("POST", "/api/v1/desk/appointments/1/undo-check-in", false),
    ("POST", "/api/v1/desk/appointments/1/eligibility", false),
    ("GET", "/api/v1/desk/appointments/1/card-images/1/front", false),
    ("GET", "/fhir/r4/Bundle/1", false),
    ("GET", "/api/v1/desk/events", false),
    ("GET", "/api/v1/admin/kiosks", true),
    ("POST", "/api/v1/admin/kiosks", true),
    ("POST", "/api/v1/admin/kiosks/1/revoke", true),
    ("GET", "/api/v1/admin/audit", true),
    ("GET", "/api/v1/admin/audit.csv", true),
    ("POST", "/api/v1/admin/staff", true),
    ("GET", "/api/v1/admin/staff", true),
    // Account 1 is the admin's own: refused with 409, after the guard.
    ("POST", "/api/v1/admin/staff/1/disable", true),
    ("POST", "/api/v1/admin/staff/1/reset-password", true),
    ("POST", "/api/v1/admin/schedule", true),
];

async fn call(client: &Client, method: &str, url: &str) -> Response {
    let request = match method {
        "GET" => client.get(url),
        _ => client.post(url).json(&json!({})),
    };
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_staff_endpoint_needs_a_session_the_right_role_and_a_csrf_token() {
    let (_data, server, anonymous) = fresh_server().await;
    let admin = staff_client(&server.url).await;
    let created = admin
        .post(format!("{}/api/v1/admin/staff", server.url))
        .json(
            &json!({"username": "rosa", "display_name": "Rosa", "role": "front_desk",
            "password": "front desk password"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let front_desk = signed_in_client(&server.url, "rosa", "front desk password").await;
    // A password an admin chose opens nothing but the change to one's own.
    let session: Value = front_desk
        .get(format!("{}/api/v1/auth/session", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["must_change_password"], true);
    let blocked = call(&front_desk, "GET", &format!("{}/api/v1/desk/appointments", server.url)).await;
    expect_error(blocked, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let changed = front_desk
        .post(format!("{}/api/v1/auth/password", server.url))
        .json(&json!({"current_password": "front desk password", "new_password": "rosa picked this one"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);

    for (method, path, admin_only) in STAFF_ENDPOINTS {
        let url = format!("{}{path}", server.url);
        expect_error(
            call(&anonymous, method, &url).await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
        )
        .await;
        let as_desk = call(&front_desk, method, &url).await.status();
        if *admin_only {
            assert_eq!(as_desk, StatusCode::FORBIDDEN, "{method} {path} as front desk");
        } else {
            assert!(
                ![401, 403].contains(&as_desk.as_u16()),
                "{method} {path} as front desk: {as_desk}"
            );
        }
        let as_admin = call(&admin, method, &url).await.status();
        assert!(
            ![401, 403].contains(&as_admin.as_u16()),
            "{method} {path} as admin: {as_admin}"
        );
    }

    // A session without its CSRF token cannot change anything.
    let cookie_only = {
        let response = post(
            &Client::new(),
            &format!("{}/api/v1/auth/login", server.url),
            json!({"username": "rosa", "password": "rosa picked this one"}),
        )
        .await;
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("cookie", cookie.parse().unwrap());
        Client::builder().default_headers(headers).build().unwrap()
    };
    let url = format!("{}/api/v1/desk/appointments/1/acknowledge", server.url);
    expect_error(
        call(&cookie_only, "POST", &url).await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    assert_eq!(
        call(&cookie_only, "GET", &format!("{}/api/v1/desk/appointments", server.url))
            .await
            .status(),
        StatusCode::OK
    );

    // Signing out ends the session.
    let logout = front_desk
        .post(format!("{}/api/v1/auth/logout", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let after = call(&front_desk, "GET", &format!("{}/api/v1/desk/appointments", server.url)).await;
    expect_error(after, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_slows_down_after_five_wrong_passwords_and_says_nothing_about_who_exists() {
    let (_data, server, client) = fresh_server().await;
    let login = |username: &str, password: &str| {
        let client = client.clone();
        let url = format!("{}/api/v1/auth/login", server.url);
        let body = json!({"username": username, "password": password});
        async move { post(&client, &url, body).await }
    };
    let unknown = expect_error(
        login("nobody", "whatever").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    let wrong = expect_error(
        login("admin", "wrong").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    assert_eq!(unknown.error.message, wrong.error.message);
    for _ in 0..4 {
        login("admin", "wrong").await;
    }
    // Five wrong in a row from this client: even the right password waits a while here.
    expect_error(
        login("admin", ADMIN_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    let malformed = post(
        &client,
        &format!("{}/api/v1/auth/login", server.url),
        json!({"username": 1}),
    )
    .await;
    expect_error(malformed, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidJson).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_read_answers_scores_and_signatures_and_every_view_is_audited() {
    let (data, server, client) = fresh_server().await;
    let token = token_for(&client, &server.url, "Hernandez", "1944-03-21").await;
    assert_eq!(
        submit(&client, &server.url, "phq-2", &token, phq_answers(&[1, 2]))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let phq9 = submit(
        &client,
        &server.url,
        "phq-9",
        &token,
        phq_answers(&[1, 2, 3, 1, 0, 2, 1, 0, 1]),
    )
    .await;
    assert_eq!(phq9.status(), StatusCode::NO_CONTENT);

    let desk = staff_client(&server.url).await;
    let day: DeskDay = desk
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jose = day
        .appointments
        .iter()
        .find(|a| a.needs_attention_now)
        .expect("flagged");
    let detail: DeskDetail = desk
        .get(format!("{}/api/v1/desk/appointments/{}", server.url, jose.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail.patient_name, "José Hernández");
    assert!(detail.needs_attention_now);
    let phq9 = detail
        .forms
        .iter()
        .find(|f| f.form_id == "phq-9")
        .expect("PHQ-9 shown to staff");
    assert_eq!(
        (phq9.phq9_total, phq9.phq9_severity.as_deref(), phq9.urgent),
        (Some(11), Some("moderate"), true)
    );
    assert_eq!(phq9.answers.len(), 9);
    assert_eq!(phq9.answers[8].1, "Several days");
    // In the desk's language when it asks for Spanish (a bad query just means English).
    let spanish: DeskDetail = desk
        .get(format!("{}/api/v1/desk/appointments/{}?lang=es", server.url, jose.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let phq9_es = spanish.forms.iter().find(|f| f.form_id == "phq-9").unwrap();
    assert_eq!(phq9_es.answers[8].1, "Varios días");
    assert_ne!(phq9_es.title, phq9.title);
    let odd = desk
        .get(format!(
            "{}/api/v1/desk/appointments/{}?lang=%ZZ&x",
            server.url, jose.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), StatusCode::OK);

    let ack = desk
        .post(format!(
            "{}/api/v1/desk/appointments/{}/acknowledge",
            server.url, jose.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ack.status(), StatusCode::NO_CONTENT);
    let day: DeskDay = desk
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(day.appointments.iter().all(|a| !a.needs_attention_now), "acknowledged");

    let audit: Value = desk
        .get(format!("{}/api/v1/admin/audit", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<(String, Option<i64>)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["appointment_id"].as_i64()))
        .collect();
    assert!(
        actions.contains(&("view_detail".to_owned(), Some(jose.id))),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("acknowledge_urgent".to_owned(), Some(jose.id))),
        "{actions:?}"
    );
    assert!(actions.iter().any(|(a, _)| a == "view_board"));
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["staff"] == "admin" && e["client"] == "127.0.0.1"));
    let csv = desk
        .get(format!("{}/api/v1/admin/audit.csv", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("id,at,staff,action,appointment_id,client,subject\n") && csv.contains(",view_detail,"));
    server.stop().await;

    // The trail is append-only, even for someone with the database file.
    let db = test_db(&data).await;
    let edit = on_db!(&db, |p| sqlx::query("UPDATE audit_entry SET action = 'nothing'")
        .execute(p)
        .await
        .map(|_| ()));
    assert!(edit.is_err(), "an audit entry was changed");
    assert!(on_db!(&db, |p| sqlx::query("DELETE FROM audit_entry")
        .execute(p)
        .await
        .map(|_| ()))
    .is_err());
}

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
    let enrollment: Value = admin
        .post(format!("{}/api/v1/admin/kiosks", server.url))
        .json(&json!({"name": "Lobby east"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = enrollment["link"].as_str().unwrap();
    let (_, token) = link.split_once("/#enroll=").expect("token in the fragment");
    assert!(enrollment["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    let east = tablet_client(token);
    assert_eq!(post(&east, &identify_url, body.clone()).await.status(), StatusCode::OK);
    let taken = admin
        .post(format!("{}/api/v1/admin/kiosks", server.url))
        .json(&json!({"name": "Lobby east"}))
        .send()
        .await
        .unwrap();
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
    let kiosks: Value = admin
        .get(format!("{}/api/v1/admin/kiosks", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let revoked: Vec<bool> = kiosks
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["revoked_at"].is_string())
        .collect();
    assert_eq!(revoked, [false, true]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_room_patients_mark_no_shows_and_undo_a_mistaken_check_in() {
    let (_data, server, kiosk) = fresh_server().await;
    let desk = staff_client(&server.url).await;
    let board = |desk: Client| {
        let url = format!("{}/api/v1/desk/appointments", server.url);
        async move { desk.get(url).send().await.unwrap().json::<DeskDay>().await.unwrap() }
    };
    let status_of = |day: &DeskDay, who: &str| day.appointments.iter().find(|a| a.patient == who).unwrap().status;
    let id_of = |day: &DeskDay, who: &str| day.appointments.iter().find(|a| a.patient == who).unwrap().id;
    let act = |id: i64, action: &str| {
        let (desk, url) = (
            desk.clone(),
            format!("{}/api/v1/desk/appointments/{id}/{action}", server.url),
        );
        async move { desk.post(url).send().await.unwrap() }
    };
    let day = board(desk.clone()).await;
    assert_eq!((day.wait_amber_minutes, day.wait_red_minutes), (15, 30));
    let (sean, james) = (id_of(&day, "Sean O."), id_of(&day, "James S."));

    // Rooming needs an arrival first; a no-show needs someone not here.
    expect_error(act(sean, "roomed").await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let token = token_for(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    post(
        &kiosk,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token}),
    )
    .await;
    expect_error(act(sean, "no-show").await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(act(sean, "roomed").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        status_of(&board(desk.clone()).await, "Sean O."),
        AppointmentStatus::Roomed
    );

    // The wrong James checked in at the kiosk: undo, and the appointment is open again.
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    post(
        &kiosk,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token.clone()}),
    )
    .await;
    assert_eq!(act(james, "undo-check-in").await.status(), StatusCode::NO_CONTENT);
    let day = board(desk.clone()).await;
    let row = day.appointments.iter().find(|a| a.id == james).unwrap();
    assert_eq!(
        (row.status, row.arrived_at.clone()),
        (AppointmentStatus::Scheduled, None)
    );
    assert_eq!(act(james, "no-show").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        status_of(&board(desk.clone()).await, "James S."),
        AppointmentStatus::NoShow
    );
    // A no-show who turns up after all checks in as usual.
    let again: CheckInResponse = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(!again.already_checked_in);
    assert_eq!(
        status_of(&board(desk.clone()).await, "James S."),
        AppointmentStatus::Arrived
    );
    expect_error(act(9999, "roomed").await, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    let audit: Value = desk
        .get(format!("{}/api/v1/admin/audit", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["mark_roomed", "undo_check_in", "mark_no_show"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_help_request_reaches_the_desk_live_until_someone_acknowledges_it() {
    let (_data, server, kiosk) = fresh_server().await;
    let desk = staff_client(&server.url).await;
    let mut live = desk
        .get(format!("{}/api/v1/desk/events", server.url))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let help_url = format!("{}/api/v1/kiosk/help", server.url);
    let bad = post(&kiosk, &help_url, json!({"step": "somewhere"})).await;
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidJson).await;
    assert_eq!(
        post(&kiosk, &help_url, json!({"step": "forms"})).await.status(),
        StatusCode::CREATED
    );

    // Live, as a `help` event…
    let mut buffer = String::new();
    let help: Value = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let chunk = live.next().await.expect("stream open").unwrap();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(start) = buffer.find("event: help\ndata: ") {
                let rest = &buffer[start + "event: help\ndata: ".len()..];
                if let Some(end) = rest.find('\n') {
                    return serde_json::from_str(&rest[..end]).unwrap();
                }
            }
        }
    })
    .await
    .expect("a help event arrives");
    assert_eq!(
        (help["kiosk"].as_str(), help["step"].as_str()),
        (Some("Kiosk 1"), Some("forms"))
    );
    // …and on the board for anyone who loads it later.
    let day: DeskDay = desk
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(day.help_requests.len(), 1);
    let id = day.help_requests[0].id;

    let ack_url = format!("{}/api/v1/desk/help/{id}/acknowledge", server.url);
    assert_eq!(
        desk.post(&ack_url).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        desk.post(&ack_url).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    let day: DeskDay = desk
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(day.help_requests.is_empty());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desk_counts_arrivals_kiosk_time_abandonment_and_help() {
    let (_data, server, kiosk) = fresh_server().await;
    let check_in = format!("{}/api/v1/kiosk/check-in", server.url);
    for (name, dob) in [("Okafor", "1949-12-02"), ("Müller", "2001-07-04")] {
        let token = token_for(&kiosk, &server.url, name, dob).await;
        post(&kiosk, &check_in, json!({"match_token": token})).await;
    }
    // Still at the kiosk (not yet abandoned: the match is young).
    token_for(&kiosk, &server.url, "Johnson", "1980-11-05").await;
    post(
        &kiosk,
        &format!("{}/api/v1/kiosk/help", server.url),
        json!({"step": "identify"}),
    )
    .await;

    let desk = staff_client(&server.url).await;
    let metrics: Value = desk
        .get(format!("{}/api/v1/desk/metrics", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let arrivals: u64 = metrics["arrivals_by_hour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[1].as_u64().unwrap())
        .sum();
    assert_eq!(arrivals, 2);
    assert_eq!(metrics["kiosk_started"], 3);
    assert_eq!(metrics["kiosk_abandoned"], 0);
    assert!(metrics["median_kiosk_seconds"].as_u64().is_some());
    assert_eq!(metrics["help_requests"], 1);
    assert!(metrics["pre_registered_share"].is_null());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_in_without_every_form_of_the_visit_is_flagged_for_the_desk() {
    let (_data, server, kiosk) = fresh_server().await;
    let check_in = format!("{}/api/v1/kiosk/check-in", server.url);
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
    post(&kiosk, &check_in, json!({"match_token": okafor})).await;
    // An office visit checked in with no forms at all.
    let smith = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    post(&kiosk, &check_in, json!({"match_token": smith})).await;

    let desk = staff_client(&server.url).await;
    let day: DeskDay = desk
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_the_security_headers_and_the_csp_allows_only_the_apps_script() {
    let data = tempfile::tempdir().unwrap();
    let config = test_config(data.path());
    let script = "import init from '/app.js'; await init();";
    std::fs::write(
        config.dist_dir.join("index.html"),
        format!("<!DOCTYPE html><title>kiosk</title><script type=module>{script}</script>"),
    )
    .unwrap();
    let server = TestServer::start_with(config).await;
    let client = kiosk_client();
    let expected_hash = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(script.as_bytes());
        format!(
            "'sha256-{}'",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, digest)
        )
    };
    let responses = [
        client.get(format!("{}/", server.url)).send().await.unwrap(),
        client.get(format!("{}/desk", server.url)).send().await.unwrap(),
        client
            .get(format!("{}/api/v1/health", server.url))
            .send()
            .await
            .unwrap(),
        client.get(format!("{}/api/v1/nope", server.url)).send().await.unwrap(),
        post(
            &client,
            &format!("{}/api/v1/kiosk/identify", server.url),
            json!({"bad": 1}),
        )
        .await,
        Client::new()
            .get(format!("{}/api/v1/desk/appointments", server.url))
            .send()
            .await
            .unwrap(),
    ];
    for response in responses {
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' "), "{csp}");
        assert!(csp.contains(&expected_hash), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers.get("strict-transport-security").is_none(),
            "no HSTS without TLS"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn guessing_at_a_tablet_locks_it_and_misses_look_alike() {
    let (_data, server, kiosk) = fresh_server().await;
    let url = format!("{}/api/v1/kiosk/identify", server.url);
    // "No such patient" and "wrong date of birth" cannot be told apart.
    let nobody = post(
        &kiosk,
        &url,
        json!({"last_name": "Nobody", "date_of_birth": "1990-01-01"}),
    )
    .await;
    let (status, body) = (nobody.status(), nobody.text().await.unwrap());
    let wrong_dob = post(
        &kiosk,
        &url,
        json!({"last_name": "Smith", "date_of_birth": "1990-01-02"}),
    )
    .await;
    assert_eq!(
        (status, body.clone()),
        (wrong_dob.status(), wrong_dob.text().await.unwrap())
    );
    assert_eq!(body, r#"{"outcome":"not_found"}"#);

    for _ in 0..8 {
        post(
            &kiosk,
            &url,
            json!({"last_name": "Nobody", "date_of_birth": "1990-01-01"}),
        )
        .await;
    }
    // Ten misses: the tablet is refused, even for a real patient, and sent to the desk.
    let locked = post(
        &kiosk,
        &url,
        json!({"last_name": "Smith", "date_of_birth": "1990-01-01"}),
    )
    .await;
    let error = expect_error(locked, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    assert!(error.error.message.contains("front desk"));

    // Another tablet (behind the same address) goes on.
    let admin = staff_client(&server.url).await;
    let enrollment: Value = admin
        .post(format!("{}/api/v1/admin/kiosks", server.url))
        .json(&json!({"name": "Lobby west"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = enrollment["link"]
        .as_str()
        .unwrap()
        .split_once("#enroll=")
        .unwrap()
        .1
        .to_owned();
    let other = post(
        &tablet_client(&token),
        &url,
        json!({"last_name": "Smith", "date_of_birth": "1990-01-01"}),
    )
    .await;
    assert_eq!(other.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_metrics_count_requests_by_route_and_carry_no_patient_data() {
    let (_data, server, kiosk) = fresh_server().await;
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    post(
        &kiosk,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token}),
    )
    .await;
    let desk = staff_client(&server.url).await;
    let _board = desk
        .get(format!("{}/api/v1/desk/events", server.url))
        .send()
        .await
        .unwrap();

    let response = scrape_metrics(&server.url).await;
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
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
    let import = |body: String, content_type: &'static str| {
        let (admin, url) = (admin.clone(), format!("{}/api/v1/admin/schedule", server.url));
        async move {
            admin
                .post(url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
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
    let day: DeskDay = admin
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

/// The client's address that the audit trail recorded for the last board view.
async fn board_viewed_from(server: &TestServer, forwarded_for: &str) -> String {
    let staff = staff_client(&server.url).await;
    let board = staff
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap();
    assert_eq!(board.status(), StatusCode::OK);
    let audit: Value = get_json(&staff, &format!("{}/api/v1/admin/audit", server.url)).await;
    audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "view_board")
        .and_then(|e| e["client"].as_str())
        .expect("the board view is audited with its client")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_a_trusted_proxy_the_client_is_the_one_it_forwards_and_nobody_else_can_say_so() {
    // A client may write anything at the left of X-Forwarded-For; the proxy appends the truth.
    let claimed = "198.51.100.9, 203.0.113.7";
    let data = tempfile::tempdir().unwrap();
    let mut config = test_config(data.path());
    config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let behind_proxy = TestServer::start_with(config).await;
    assert_eq!(board_viewed_from(&behind_proxy, claimed).await, "203.0.113.7");
    behind_proxy.stop().await;

    let data = tempfile::tempdir().unwrap();
    let direct = TestServer::start_with(test_config(data.path())).await;
    assert_eq!(
        board_viewed_from(&direct, claimed).await,
        "127.0.0.1",
        "without a trusted proxy the header is ignored"
    );
    direct.stop().await;
}
