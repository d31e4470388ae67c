//! What every request meets before its handler, on both engines: no control character in any
//! text (JSON strings, path, query) gets past the edge, every error is JSON that does not
//! repeat the request, and a refused body ends the connection with `Connection: close`.

use crate::common;

use arrive_domain::{ErrorBody, ErrorCode};
use common::{
    expect_error, fresh_server, get_json, import_schedule, post, sign_in, staff_client, submit, token_for, KIOSK_TOKEN,
};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// C0 but tab and line breaks, DEL, C1: one of each kind, NUL first (PostgreSQL's 500).
const CONTROLS: [char; 8] = ['\0', '\u{1}', '\u{8}', '\u{b}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'];

/// Asserts the 422 of the control-character rule, and that it does not repeat `sent`.
async fn expect_refused(response: reqwest::Response, sent: &str, what: &str) {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
    let text = response.text().await.unwrap();
    let body: ErrorBody = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: {text}"));
    assert_eq!(body.error.code, ErrorCode::InvalidField, "{what}");
    assert_eq!(body.error.message, arrive_domain::text::MESSAGE, "{what}");
    assert!(!text.contains(sent), "{what}: the error repeats the request");
}

/// Every `/api/v1` operation of the OpenAPI document: (method, path with `{params}`, takes JSON).
async fn operations(base: &str) -> Vec<(Method, String, bool)> {
    let document: Value = get_json(&Client::new(), &format!("{base}/api/v1/openapi.json")).await;
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let takes_json = operation["requestBody"]["content"]
                .as_object()
                .is_some_and(|c| c.contains_key("application/json"));
            operations.push((method, path.clone(), takes_json));
        }
    }
    assert!(operations.len() > 30, "the document lists the API");
    operations
}

fn with_params(path: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn control_characters_are_refused_at_the_edge_of_every_route() {
    let (_data, server, _) = fresh_server().await;
    let base = &server.url;
    // Signed in as the administrator and calling as the tablet too: every guard lets the
    // request through to its extractors.
    let staff = staff_client(base).await;
    let operations = operations(base).await;
    let json_routes = operations.iter().filter(|(_, _, json)| *json).count();
    assert!(json_routes > 15, "{json_routes} routes take JSON");
    for (method, path, takes_json) in &operations {
        let url = format!("{base}{}", with_params(path, "1"));
        if *takes_json {
            for c in CONTROLS {
                let sent = format!("a{c}b");
                let response = staff
                    .request(method.clone(), &url)
                    .header("x-kiosk-token", KIOSK_TOKEN)
                    .json(&json!({ "probe": sent, "last_name": sent, "username": sent }))
                    .send()
                    .await
                    .unwrap();
                expect_refused(response, &sent, &format!("{method} {path} with U+{:04X}", c as u32)).await;
            }
        }
        if path.contains('{') {
            let url = format!("{base}{}", with_params(path, "a%00b"));
            let response = staff
                .request(method.clone(), &url)
                .header("x-kiosk-token", KIOSK_TOKEN)
                .send()
                .await
                .unwrap();
            expect_refused(response, "a\0b", &format!("{method} {path} with NUL in the path")).await;
        }
    }
    let query = staff
        .get(format!("{base}/api/v1/desk/appointments?date=%C2%85"))
        .send()
        .await
        .unwrap();
    expect_refused(query, "\u{85}", "C1 in a query").await;
    server.stop().await;
}

/// The texts attackers reached the database with: the sign-in name (no sign-in needed), the
/// kiosk's identification, an administrator's new account. Each one refused, never a 500.
#[tokio::test]
async fn control_characters_never_reach_the_database() {
    let (_data, server, kiosk) = fresh_server().await;
    let base = &server.url;
    let staff = staff_client(base).await;
    for c in CONTROLS {
        let sent = format!("ad{c}min");
        let login = sign_in(base, &sent, "whatever it is").await;
        expect_refused(login, &sent, "sign-in name").await;
        let name = format!("John{c}son");
        let identify = post(
            &kiosk,
            &format!("{base}/api/v1/kiosk/identify"),
            json!({"last_name": name, "date_of_birth": "1980-11-05"}),
        )
        .await;
        expect_refused(identify, &name, "identification").await;
        let account = post(
            &staff,
            &format!("{base}/api/v1/admin/staff"),
            json!({"username": format!("nurse{}", c as u32), "display_name": sent,
                "role": "staff", "password": "a long enough password"}),
        )
        .await;
        expect_refused(account, &sent, "display name").await;
    }
    // A schedule file with a NUL in one of its fields: refused with the line, not its text.
    let csv = "mrn,last_name,first_name,date_of_birth,start\nM1,Sm\0ith,Ann,1970-01-01,2026-01-01T09:00\n";
    let import = import_schedule(&staff, base, "text/csv", csv.into()).await;
    let body = expect_error(import, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert!(body.error.message.contains("Line 2"), "{}", body.error.message);
    assert!(!body.error.message.contains("Sm"), "{}", body.error.message);
    // Tab and line breaks are text: a multi-line answer still passes the edge.
    let token = token_for(&kiosk, base, "Johnson", "1980-11-05").await;
    let reason = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "item": [{"linkId": "reason", "answer": [{"valueString": "Cough\r\nfor two\tweeks"}]}]});
    let answered = submit(&kiosk, base, "reason-for-visit", &token, reason).await;
    assert_eq!(answered.status(), StatusCode::NO_CONTENT);
    server.stop().await;
}

#[tokio::test]
async fn errors_are_json_and_do_not_repeat_the_request() {
    let (_data, server, kiosk) = fresh_server().await;
    let base = &server.url;
    let staff = staff_client(base).await;

    // A path id that is not a number: axum's own answer is plain text that repeats it.
    let malformed = staff
        .get(format!("{base}/api/v1/desk/appointments/zq-not-an-id"))
        .send()
        .await
        .unwrap();
    let body = expect_error(malformed, StatusCode::BAD_REQUEST, ErrorCode::InvalidField).await;
    assert!(!format!("{body:?}").contains("zq-not-an-id"));
    let kiosk_id = staff
        .post(format!("{base}/api/v1/admin/kiosks/zq-not-an-id/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(kiosk_id.status(), StatusCode::BAD_REQUEST);
    let text = kiosk_id.text().await.unwrap();
    assert!(serde_json::from_str::<ErrorBody>(&text).is_ok(), "{text}");
    assert!(!text.contains("zq-not-an-id"), "{text}");

    // An answer to an item the form does not have: neither the message nor the field names it.
    let token = token_for(&kiosk, base, "Johnson", "1980-11-05").await;
    let unknown = json!({"resourceType": "QuestionnaireResponse", "status": "completed",
        "item": [{"linkId": "reason", "answer": [{"valueString": "Cough"}]},
                 {"linkId": "zq-probe-link", "answer": [{"valueString": "x"}]}]});
    let refused = submit(&kiosk, base, "reason-for-visit", &token, unknown).await;
    let body = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert!(!format!("{body:?}").contains("zq-probe-link"), "{body:?}");
    server.stop().await;
}

/// Sends `request` raw and reads until the server closes: (the answer, it closed).
async fn raw_exchange(base: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    // The server may answer and close before it has read all of a large body.
    let _ = stream.write_all(request).await;
    let mut received = Vec::new();
    // Bounded only so that a connection left open fails the test rather than hanging it.
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_refused_body_says_the_connection_closes() {
    let (_data, server, _) = fresh_server().await;
    let big = format!(
        r#"{{"last_name":"{}","date_of_birth":"1980-11-05"}}"#,
        "x".repeat(100 * 1024)
    );
    let too_large = format!(
        "POST /api/v1/kiosk/identify HTTP/1.1\r\nHost: arrive\r\nX-Kiosk-Token: {KIOSK_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{big}",
        big.len()
    );
    let answer = raw_exchange(&server.url, too_large.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("\r\nconnection: close\r\n"),
        "{answer}"
    );
    assert!(answer.contains(r#""code":"body_too_large""#), "{answer}");

    let body = r#"{"last_name":"Johnson","date_of_birth":"1980-11-05"}"#;
    let wrong_type = format!(
        "POST /api/v1/kiosk/identify HTTP/1.1\r\nHost: arrive\r\nX-Kiosk-Token: {KIOSK_TOKEN}\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = raw_exchange(&server.url, wrong_type.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("\r\nconnection: close\r\n"),
        "{answer}"
    );
    assert!(answer.contains(r#""code":"unsupported_media_type""#), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn metrics_are_for_the_scraper_with_the_token_only() {
    let data = tempfile::tempdir().unwrap();
    let server = common::TestServer::start(&data).await;
    // One API request, counted.
    let health = Client::new()
        .get(format!("{}/api/v1/health", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let metrics = format!("{}/metrics", server.url);
    let anyone = Client::new().get(&metrics).send().await.unwrap();
    let body = expect_error(anyone, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert!(!body.error.message.contains(common::METRICS_TOKEN));
    let wrong = Client::new()
        .get(&metrics)
        .bearer_auth(format!("{}x", common::METRICS_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
    expect_error(wrong, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let scraper = common::scrape_metrics(&server.url).await;
    assert_eq!(scraper.status(), StatusCode::OK);
    assert!(scraper.text().await.unwrap().contains("arrive_http_requests_total"));
    server.stop().await;

    // Without the setting there is no such page.
    let data = tempfile::tempdir().unwrap();
    let server = common::TestServer::start_with(arrive_server::Config {
        metrics_token: None,
        ..common::test_config(data.path())
    })
    .await;
    let anyone = Client::new()
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap();
    expect_error(anyone, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    server.stop().await;
}
