//! The test harness shared by the server's HTTP suites: a real server on an ephemeral loopback
//! port with a real database, the demo clinic seeded for today, and clients that call as the
//! enrolled kiosk or as signed-in staff.
//!
//! The database is a SQLite file in the test's temporary folder, or, with
//! `ARRIVE_TEST_DATABASE=postgres`, a PostgreSQL database of its own (see [`postgres`]).
#![allow(dead_code)] // each suite uses its own part of it

pub mod fhir_engine;
pub mod postgres;
pub mod process;
#[path = "../../../../tests/support/validators.rs"]
pub mod validators;
pub mod x12;

use std::time::Duration;

use arrive_domain::api::{
    CheckInResponse, DeskAppointment, DeskDay, DeskDetail, IdentifyResponse, PreRegistrationLink,
};
use arrive_domain::{ErrorBody, ErrorCode};
use arrive_server::store::Backend;
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

/// The backend a suite's servers run on: `ARRIVE_TEST_DATABASE` (`sqlite`, the default, or
/// `postgres`).
pub fn test_backend() -> Backend {
    match std::env::var("ARRIVE_TEST_DATABASE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Ok("") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("ARRIVE_TEST_DATABASE must be sqlite or postgres, not {other}"),
    }
}

/// Settings for a server on `data` (a temporary folder), with a stand-in kiosk page, on the
/// backend `ARRIVE_TEST_DATABASE` names.
pub fn test_config(data: &std::path::Path) -> Config {
    test_config_on(test_backend(), data)
}

/// `test_config` on a given backend. On PostgreSQL, `data` is given a database of its own (the
/// same one each time: a server restarted on `data` finds what it stored).
pub fn test_config_on(backend: Backend, data: &std::path::Path) -> Config {
    let dist = data.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html><title>kiosk</title>").unwrap();
    std::fs::create_dir_all(dist.join("desk")).unwrap();
    std::fs::write(dist.join("desk/index.html"), "<!DOCTYPE html><title>desk</title>").unwrap();
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.join("data"),
        database_url: match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(postgres::database_for(data)),
        },
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
        public_url: None,
        import: Default::default(),
        fhir_smart: None,
        eligibility: arrive_server::config::EligibilitySettings::sandbox(),
        payers_file: None,
        arrival_window: Default::default(),
        trusted_proxies: Vec::new(),
        limits: Default::default(),
        metrics_token: Some(METRICS_TOKEN.to_owned()),
    }
}

/// The bearer token `/metrics` asks the test servers for.
pub const METRICS_TOKEN: &str = "metrics-scraper-token-0123456789abcdef";

/// `GET /metrics` as the scraper: the Prometheus text.
pub async fn scrape_metrics(base: &str) -> reqwest::Response {
    Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
}

/// The device token of the test clinic's enrolled kiosk.
pub const KIOSK_TOKEN: &str = "4b1d0000000000000000000000000000000000000000000000000000000000a1";

/// A client that calls as the enrolled kiosk tablet `token`.
pub fn tablet_client(token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-kiosk-token", token.parse().unwrap());
    Client::builder().default_headers(headers).build().unwrap()
}

/// An admin enrolls a tablet named `name`.
pub async fn enroll_kiosk(admin: &Client, base: &str, name: &str) -> Response {
    post(admin, &format!("{base}/api/v1/admin/kiosks"), json!({"name": name})).await
}

/// `enroll_kiosk`, expecting 201; the enrollment: its id, the link (the device token in its
/// fragment) and the link's QR code.
pub async fn enrolled_kiosk(admin: &Client, base: &str, name: &str) -> Value {
    let response = enroll_kiosk(admin, base, name).await;
    assert_eq!(response.status(), StatusCode::CREATED, "enrolling {name}");
    response.json().await.expect("the enrollment")
}

/// The device token an enrollment's link carries after `#enroll=`.
pub fn enrollment_token(enrollment: &Value) -> String {
    let link = enrollment["link"].as_str().expect("a link");
    link.split_once("#enroll=")
        .expect("the token in the fragment")
        .1
        .to_owned()
}

pub fn kiosk_client() -> Client {
    tablet_client(KIOSK_TOKEN)
}

pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// `POST /api/v1/auth/login` from a browser with no session yet.
pub async fn sign_in(base: &str, username: &str, password: &str) -> Response {
    post(
        &Client::new(),
        &format!("{base}/api/v1/auth/login"),
        json!({"username": username, "password": password}),
    )
    .await
}

/// Signs in as `username` and returns a client that sends the session cookie and CSRF token.
pub async fn signed_in_client(base: &str, username: &str, password: &str) -> Client {
    let response = sign_in(base, username, password).await;
    assert_eq!(response.status(), StatusCode::OK, "sign-in as {username}");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = session_cookie(&response);
    let session: Value = response.json().await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", pair.parse().unwrap());
    headers.insert("x-csrf-token", session["csrf_token"].as_str().unwrap().parse().unwrap());
    Client::builder().default_headers(headers).build().unwrap()
}

/// The `name=value` pair of the session cookie a sign-in answer sets, as a browser sends it back.
pub fn session_cookie(login: &Response) -> String {
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// A client that sends the session cookie set by the sign-in answer `login` and no CSRF token:
/// what another site could make a signed-in browser send.
pub fn cookie_only_client(login: &Response) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", session_cookie(login).parse().unwrap());
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

/// `POST /api/v1/kiosk/check-in` with the match token alone, as the kiosk sends it.
pub async fn check_in(kiosk: &Client, base: &str, token: &str) -> Response {
    post(
        kiosk,
        &format!("{base}/api/v1/kiosk/check-in"),
        json!({"match_token": token}),
    )
    .await
}

/// Checks `token` in, expecting 200; the arrival the server reports.
pub async fn checked_in(kiosk: &Client, base: &str, token: &str) -> CheckInResponse {
    let response = check_in(kiosk, base, token).await;
    assert_eq!(response.status(), StatusCode::OK, "check-in");
    response.json().await.expect("check-in response")
}

/// The patient `last_name`, born `dob`, identifies and checks in at the kiosk; the arrival.
pub async fn arrive(kiosk: &Client, base: &str, last_name: &str, dob: &str) -> CheckInResponse {
    let token = token_for(kiosk, base, last_name, dob).await;
    checked_in(kiosk, base, &token).await
}

/// An idempotency key per visit, as the kiosk makes one: `n` tells the visits apart.
pub fn idempotency_key(n: u8) -> String {
    format!("{n:02x}").repeat(16)
}

/// The check-in with the patient's `verification` and its idempotency `key`.
pub async fn check_in_verified(kiosk: &Client, base: &str, token: &str, key: &str, verification: Value) -> Response {
    post(
        kiosk,
        &format!("{base}/api/v1/kiosk/check-in"),
        json!({"match_token": token, "idempotency_key": key, "verification": verification}),
    )
    .await
}

/// `check_in_verified`, expecting 200 (the server's words otherwise); the arrival.
pub async fn checked_in_verified(
    kiosk: &Client,
    base: &str,
    token: &str,
    key: &str,
    verification: Value,
) -> CheckInResponse {
    let response = check_in_verified(kiosk, base, token, key, verification).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("check-in response")
}

/// Asserts that `response` is of a content type starting `expected` (parameters may follow).
pub fn assert_content_type(response: &Response, expected: &str) {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with(expected),
        "content-type {content_type}, not {expected}"
    );
}

/// `GET url` with `client`, expecting 200 and a content type starting `content_type`.
pub async fn get_ok(client: &Client, url: &str, content_type: &str) -> Response {
    let response = client.get(url).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    assert_content_type(&response, content_type);
    response
}

/// Asserts a 4xx JSON error with `code`; returns the error body.
pub async fn expect_error(response: Response, status: StatusCode, code: ErrorCode) -> ErrorBody {
    assert_eq!(response.status(), status);
    assert_content_type(&response, "application/json");
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

/// The patient answers the PHQ-2 with `phq2`, then the PHQ-9 with `phq9` (points per item);
/// both are accepted.
pub async fn answer_phq2_then_phq9(kiosk: &Client, base: &str, token: &str, phq2: &[usize], phq9: &[usize]) {
    for (form, points) in [("phq-2", phq2), ("phq-9", phq9)] {
        let response = submit(kiosk, base, form, token, phq_answers(points)).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{form}");
    }
}

pub async fn submit(client: &Client, base: &str, form: &str, token: &str, response: Value) -> Response {
    post(
        client,
        &format!("{base}/api/v1/kiosk/forms/{form}/responses"),
        json!({"match_token": token, "response": response}),
    )
    .await
}

/// The desk issues `name`'s pre-registration link; returns it.
pub async fn link_for(staff: &Client, base: &str, name: &str) -> PreRegistrationLink {
    let row = board_row(staff, base, name).await;
    let response = desk_action(staff, base, row.id, "pre-registration").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The token at the end of a pre-registration link.
pub fn token_of(link: &PreRegistrationLink) -> String {
    link.link.rsplit_once("/pre/").expect("a /pre/ link").1.to_owned()
}

/// At home, the birth date opens the link `token`.
pub async fn unlock(base: &str, token: &str, dob: &str) -> Response {
    // At home: no tablet token, no staff session.
    post(
        &Client::new(),
        &format!("{base}/api/v1/pre/unlock"),
        json!({"token": token, "date_of_birth": dob}),
    )
    .await
}

/// The consents the matched patient has yet to sign, as the kiosk lists them.
pub async fn pending_consents(client: &Client, base: &str, token: &str) -> Vec<arrive_domain::api::ConsentDocument> {
    let list: arrive_domain::api::ConsentList = post(
        client,
        &format!("{base}/api/v1/kiosk/consents/pending"),
        json!({"match_token": token}),
    )
    .await
    .json()
    .await
    .unwrap();
    list.consents
}

/// Polls `probe` every 50 ms for up to 20 s (the machine may be busy; no timing is asserted).
pub async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..400 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 20 s");
}

/// A verification with everything confirmed as it is on file, card at the desk.
pub fn nothing_changed() -> Value {
    json!({
        "address": {"answer": "same"},
        "phone": {"answer": "same"},
        "email": {"answer": "same"},
        "emergency_contact": {"answer": "same"},
        "language": {"answer": "same"},
        "insurance": {"answer": "same"},
        "payment": "card_at_desk",
    })
}

/// `GET url` with `client`, expecting 200 and JSON of type `T`.
pub async fn get_json<T: serde::de::DeserializeOwned>(client: &Client, url: &str) -> T {
    let response = client.get(url).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    response.json().await.expect("JSON answer")
}

/// Today's board, as signed-in `staff` see it.
pub async fn desk_day(staff: &Client, base: &str) -> DeskDay {
    get_json(staff, &format!("{base}/api/v1/desk/appointments")).await
}

/// An admin sends the day's schedule, `body` of `content_type` (CSV or a FHIR Bundle).
pub async fn import_schedule(admin: &Client, base: &str, content_type: &str, body: String) -> Response {
    admin
        .post(format!("{base}/api/v1/admin/schedule"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request")
}

/// The audit trail, as an admin reads it.
pub async fn audit_trail(admin: &Client, base: &str) -> Value {
    get_json(admin, &format!("{base}/api/v1/admin/audit")).await
}

/// Signed-in `staff` act on appointment `id`: `action` is the last step of its path
/// (`roomed`, `no-show`, `undo-check-in`, `acknowledge`, `eligibility`, `pre-registration`).
pub async fn desk_action(staff: &Client, base: &str, id: i64, action: &str) -> Response {
    staff
        .post(format!("{base}/api/v1/desk/appointments/{id}/{action}"))
        .send()
        .await
        .expect("request")
}

/// What signed-in `staff` see of one appointment.
pub async fn desk_detail(staff: &Client, base: &str, id: i64) -> DeskDetail {
    get_json(staff, &format!("{base}/api/v1/desk/appointments/{id}")).await
}

/// Today's board row of `name` ("Chidi O."), as signed-in `staff` see it.
pub async fn board_row(staff: &Client, base: &str, name: &str) -> DeskAppointment {
    desk_day(staff, base)
        .await
        .appointments
        .into_iter()
        .find(|a| a.patient == name)
        .unwrap_or_else(|| panic!("{name} on the board"))
}

/// Reads Server-Sent Events until one of type `appointment` arrives; returns (id, data).
pub async fn next_appointment_event(
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
            let chunk = futures_util::StreamExt::next(stream)
                .await
                .expect("stream open")
                .expect("chunk");
            buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    };
    // A hang guard, not a timing assertion.
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("an appointment event arrives")
}

/// A connection to the database of test folder `data`, for a test to look at what the server
/// stored; `on_db!(&db, |p| query.fetch_one(p).await)` runs a query on it (with `$1`
/// placeholders, which both accept).
pub enum TestDb {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

#[allow(unused_macros)]
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::common::TestDb::Sqlite($p) => $body,
            $crate::common::TestDb::Postgres($p) => $body,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_db;

pub async fn test_db(data: &tempfile::TempDir) -> TestDb {
    test_db_on(test_backend(), data).await
}

pub async fn test_db_on(backend: Backend, data: &tempfile::TempDir) -> TestDb {
    match backend {
        Backend::Sqlite => TestDb::Sqlite(
            sqlx::SqlitePool::connect(&format!("sqlite:{}", data.path().join("data/arrive.db").display()))
                .await
                .unwrap(),
        ),
        Backend::Postgres => TestDb::Postgres(
            sqlx::PgPool::connect(&postgres::database_for(data.path()))
                .await
                .unwrap(),
        ),
    }
}
