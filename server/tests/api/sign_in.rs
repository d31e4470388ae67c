//! The staff sign-in under attack: refusals say nothing about which usernames exist, a
//! guesser is slowed down (429 with Retry-After), and nobody can lock a colleague out by
//! failing on purpose from somewhere else.

use crate::common;

use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// A server behind a trusted proxy on loopback, so each test client can be a different address.
async fn server_behind_proxy(data: &tempfile::TempDir) -> TestServer {
    let mut config = test_config(data.path());
    config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    TestServer::start_with(config).await
}

/// What the sign-in answered: status, body, and whether it said when to try again.
async fn sign_in_from(base: &str, address: &str, username: &str, password: &str) -> (StatusCode, Value, bool) {
    let response = Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response.headers().get("retry-after").is_some();
    (status, response.json().await.unwrap(), retry_after)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_known_and_an_unknown_username_get_the_same_answers_failure_after_failure() {
    let data = tempfile::tempdir().unwrap();
    let server = server_behind_proxy(&data).await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..8 {
        known.push(sign_in_from(&server.url, "198.51.100.1", "admin", "not the password").await);
        unknown.push(sign_in_from(&server.url, "198.51.100.2", "nobody", "not the password").await);
    }
    assert_eq!(known, unknown);
    // Refused, then slowed down: and never anything else.
    assert_eq!(known[0].0, StatusCode::UNAUTHORIZED);
    let (status, body, retry_after) = known.last().unwrap();
    assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], json!(ErrorCode::RateLimited));
    assert!(retry_after);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guesser_hammering_admin_is_slowed_down_and_the_real_admin_still_signs_in() {
    let data = tempfile::tempdir().unwrap();
    let server = server_behind_proxy(&data).await;
    let attacker = "203.0.113.66";
    for _ in 0..5 {
        let (status, ..) = sign_in_from(&server.url, attacker, "admin", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The guesser waits, even with the right password, and is told for how long.
    let response = Client::new()
        .post(format!("{}/api/v1/auth/login", server.url))
        .header("x-forwarded-for", attacker)
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let retry_after: i64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;

    // The admin at the front desk is not held back.
    let (status, body, _) = sign_in_from(&server.url, "192.0.2.10", "admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Trying other usernames from the same machine runs into the per-client limit.
    let mut last = StatusCode::OK;
    for n in 0..20 {
        (last, ..) = sign_in_from(&server.url, attacker, &format!("user{n}"), "guess").await;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let (status, ..) = sign_in_from(&server.url, "192.0.2.10", "someone", "typo").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "another client is not affected");
    server.stop().await;
}
