//! What a bad request or an unknown address gets: a JSON 4xx with the error's code, never an
//! echo of what was sent; unknown API paths and methods are JSON errors, other paths serve the
//! kiosk's or the desk's page, and the health probes answer.

use crate::common;
use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

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
    let health: Value = get_json(&client, &format!("{}/api/v1/health", server.url)).await;
    assert_eq!(health, json!({"status": "ok"}));
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let body: Value = get_json(&client, &format!("{}{path}", server.url)).await;
        assert_eq!(body["status"], status, "{path}");
    }
    server.stop().await;
}
