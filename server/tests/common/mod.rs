//! The test harness shared by the server's HTTP suites: a real server on an ephemeral loopback
//! port with a real SQLite file in a temporary folder, the demo clinic seeded for today, and
//! clients that call as the enrolled kiosk or as signed-in staff.
#![allow(dead_code)] // each suite uses its own part of it

#[path = "../../../tests/support/validators.rs"]
pub mod validators;

use std::time::Duration;

use arrive_domain::api::IdentifyResponse;
use arrive_domain::{ErrorBody, ErrorCode};
use arrive_server::Config;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server; `stop` shuts it down gracefully and waits for it.
pub struct TestServer {
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Settings for a server on `data` (a temporary folder), with a stand-in kiosk page.
pub fn test_config(data: &std::path::Path) -> Config {
    let dist = data.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html><title>kiosk</title>").unwrap();
    std::fs::create_dir_all(dist.join("desk")).unwrap();
    std::fs::write(dist.join("desk/index.html"), "<!DOCTYPE html><title>desk</title>").unwrap();
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.join("data"),
        database_url: None,
        dist_dir: dist,
        seed_demo: true,
        demo_extra_patients: 0,
        forms_dir: None,
        consents_dir: None,
        secure_cookies: false,
        tls: None,
        admin_password: Some(ADMIN_PASSWORD.to_owned()),
        first_kiosk_token: Some(KIOSK_TOKEN.to_owned()),
        wait_minutes: (15, 30),
        fhir_endpoint: None,
        fhir_retry_base: Duration::from_millis(100),
        eligibility_sandbox: true,
        payers_file: None,
    }
}

/// The device token of the test clinic's enrolled kiosk.
pub const KIOSK_TOKEN: &str = "4b1d0000000000000000000000000000000000000000000000000000000000a1";

/// A client that calls as the enrolled kiosk tablet `token`.
pub fn tablet_client(token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-kiosk-token", token.parse().unwrap());
    Client::builder().default_headers(headers).build().unwrap()
}

pub fn kiosk_client() -> Client {
    tablet_client(KIOSK_TOKEN)
}

pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// Signs in as `username` and returns a client that sends the session cookie and CSRF token.
pub async fn signed_in_client(base: &str, username: &str, password: &str) -> Client {
    let response = post(
        &Client::new(),
        &format!("{base}/api/v1/auth/login"),
        json!({"username": username, "password": password}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "sign-in as {username}");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session: Value = response.json().await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    let pair = cookie.split(';').next().unwrap().to_owned();
    headers.insert("cookie", pair.parse().unwrap());
    headers.insert("x-csrf-token", session["csrf_token"].as_str().unwrap().parse().unwrap());
    Client::builder().default_headers(headers).build().unwrap()
}

pub async fn staff_client(base: &str) -> Client {
    signed_in_client(base, "admin", ADMIN_PASSWORD).await
}

impl TestServer {
    pub async fn start(data: &tempfile::TempDir) -> TestServer {
        TestServer::start_with(test_config(data.path())).await
    }

    pub async fn start_with(config: Config) -> TestServer {
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

    pub async fn stop(mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("graceful shutdown finishes")
            .expect("server task");
    }
}

/// A server on a new, empty data folder, and a client for it.
pub async fn fresh_server() -> (tempfile::TempDir, TestServer, Client) {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(&data).await;
    (data, server, kiosk_client())
}

pub async fn post(client: &Client, url: &str, body: Value) -> Response {
    client.post(url).json(&body).send().await.expect("request")
}

pub async fn identify(client: &Client, base: &str, last_name: &str, dob: &str) -> IdentifyResponse {
    let response = post(
        client,
        &format!("{base}/api/v1/kiosk/identify"),
        json!({"last_name": last_name, "date_of_birth": dob}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("identify response")
}

pub async fn token_for(client: &Client, base: &str, last_name: &str, dob: &str) -> String {
    match identify(client, base, last_name, dob).await {
        IdentifyResponse::Found { appointment } => appointment.match_token,
        other => panic!("expected a match for {last_name}, got {other:?}"),
    }
}

/// Asserts a 4xx JSON error with `code`; returns the error body.
pub async fn expect_error(response: Response, status: StatusCode, code: ErrorCode) -> ErrorBody {
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

/// A PHQ answered with these points per item (0–3), as the kiosk sends it.
pub fn phq_answers(points: &[usize]) -> Value {
    let codes = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"];
    let items: Vec<Value> = points
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"linkId": format!("phq-{}", i + 1), "answer": [{"valueCoding": {"system": "http://loinc.org", "code": codes[*p]}}]}))
        .collect();
    json!({"resourceType": "QuestionnaireResponse", "status": "completed", "item": items})
}

pub async fn submit(client: &Client, base: &str, form: &str, token: &str, response: Value) -> Response {
    post(
        client,
        &format!("{base}/api/v1/kiosk/forms/{form}/responses"),
        json!({"match_token": token, "response": response}),
    )
    .await
}
