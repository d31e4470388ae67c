//! The API over real HTTP: the server on an ephemeral loopback port, a real SQLite file in a
//! temporary folder, the demo clinic seeded for today.

use std::time::Duration;

use arrive_domain::api::{CheckInResponse, DeskDay, IdentifyResponse};
use arrive_domain::{AppointmentStatus, ErrorBody, ErrorCode};
use arrive_server::Config;
use futures_util::StreamExt;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server; `stop` shuts it down gracefully and waits for it.
struct TestServer {
    url: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl TestServer {
    async fn start(data: &tempfile::TempDir) -> TestServer {
        let dist = data.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), "<!DOCTYPE html><title>kiosk</title>").unwrap();
        let config = Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            data_dir: data.path().join("data"),
            dist_dir: dist,
            seed_demo: true,
            demo_extra_patients: 0,
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let (bound_tx, bound_rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            arrive_server::run(config, shutdown, move |addr| {
                let _ = bound_tx.send(addr);
            })
            .await
            .expect("server runs");
        });
        let addr = bound_rx.await.expect("server binds");
        TestServer {
            url: format!("http://{addr}"),
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("graceful shutdown finishes")
            .expect("server task");
    }
}

/// A server on a new, empty data folder, and a client for it.
async fn fresh_server() -> (tempfile::TempDir, TestServer, Client) {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(&data).await;
    (data, server, Client::new())
}

async fn post(client: &Client, url: &str, body: Value) -> Response {
    client.post(url).json(&body).send().await.expect("request")
}

async fn identify(client: &Client, base: &str, last_name: &str, dob: &str) -> IdentifyResponse {
    let response = post(
        client,
        &format!("{base}/api/v1/kiosk/identify"),
        json!({"last_name": last_name, "date_of_birth": dob}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("identify response")
}

async fn token_for(client: &Client, base: &str, last_name: &str, dob: &str) -> String {
    match identify(client, base, last_name, dob).await {
        IdentifyResponse::Found { appointment } => appointment.match_token,
        other => panic!("expected a match for {last_name}, got {other:?}"),
    }
}

/// Asserts a 4xx JSON error with `code`; returns the error body.
async fn expect_error(response: Response, status: StatusCode, code: ErrorCode) -> ErrorBody {
    assert_eq!(response.status(), status);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content-type {content_type}"
    );
    let body: ErrorBody = response
        .json()
        .await
        .expect("error body has the { error: { code, message } } shape");
    assert_eq!(body.error.code, code);
    assert!(!body.error.message.is_empty());
    body
}

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

    let day: DeskDay = client
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
    let (_data, server, client) = fresh_server().await;
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
    let response = client
        .delete(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed).await;

    for path in ["/", "/desk", "/kiosk"] {
        let response = client.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.text().await.unwrap().contains("<title>kiosk</title>"),
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
    server.stop().await;
}

/// Reads Server-Sent Events until one of type `appointment` arrives; returns (id, data).
async fn next_appointment_event(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    buffer: &mut String,
) -> (String, Value) {
    let read = async {
        loop {
            if let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim().to_owned())
                };
                if field("event:").as_deref() == Some("appointment") {
                    let data = serde_json::from_str(&field("data:").expect("data")).expect("json data");
                    return (field("id:").expect("id"), data);
                }
                continue;
            }
            let chunk = stream.next().await.expect("stream open").expect("chunk");
            buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    };
    // A hang guard, not a timing assertion.
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("an appointment event arrives")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desk_hears_arrivals_live_and_replays_what_it_missed() {
    let (_data, server, client) = fresh_server().await;
    let events_url = format!("{}/api/v1/desk/events", server.url);

    let live = client.get(&events_url).send().await.unwrap();
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
    let replay = client
        .get(&events_url)
        .header("Last-Event-ID", "0")
        .send()
        .await
        .unwrap();
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
    let client = Client::new();
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
    let day: DeskDay = client
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(day.appointments.len(), 12);
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
