//! HTTPS without a proxy: with ARRIVE_TLS_CERT / ARRIVE_TLS_KEY the real server speaks TLS,
//! sends HSTS and marks the session cookie Secure; without them it speaks plain HTTP and sends
//! no HSTS; and a half or unusable TLS configuration stops it at start with the reason.

use crate::common;

use std::net::SocketAddr;
use std::process::Command;

use arrive_server::config::TlsFiles;
use common::{test_config, TestServer, ADMIN_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

/// A throwaway self-signed certificate for localhost, written as PEM files in `dir`.
fn self_signed(dir: &std::path::Path) -> (TlsFiles, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = certified.cert.pem();
    let files = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&files.cert, &cert_pem).unwrap();
    std::fs::write(&files.key, certified.signing_key.serialize_pem()).unwrap();
    (files, cert_pem)
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_certificate_the_server_speaks_https_with_hsts_and_secure_cookies() {
    let data = tempfile::tempdir().unwrap();
    let (files, cert_pem) = self_signed(data.path());
    let server = TestServer::start_with(arrive_server::Config {
        tls: Some(files),
        ..test_config(data.path())
    })
    .await;
    let addr: SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    // Trusting only this certificate, for the name it was made for.
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", addr)
        .build()
        .unwrap();
    let base = format!("https://localhost:{}", addr.port());

    let response = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let hsts = response
        .headers()
        .get("strict-transport-security")
        .expect("HSTS over HTTPS");
    assert!(hsts.to_str().unwrap().starts_with("max-age="), "{hsts:?}");

    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");

    // Plain HTTP on the TLS port gets no answer.
    assert!(reqwest::get(format!("http://{addr}/healthz")).await.is_err());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_certificate_the_server_speaks_http_without_hsts() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(&data).await;
    let response = reqwest::get(format!("{}/healthz", server.url)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("strict-transport-security").is_none());
    server.stop().await;
}

/// The real binary, with only the ARRIVE_* variables given: its exit code and what it said.
fn start_binary(data: &std::path::Path, vars: &[(&str, &std::path::Path)]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_arrive-server"));
    for (name, _) in std::env::vars() {
        if name.starts_with("ARRIVE_") {
            command.env_remove(name);
        }
    }
    command
        .env("ARRIVE_ADDR", "127.0.0.1:0")
        .env("ARRIVE_DATA_DIR", data.join("data"))
        .env("ARRIVE_DIST", data.join("dist"));
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().expect("run arrive-server");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_half_or_unusable_tls_configuration_stops_the_server_at_start() {
    let data = tempfile::tempdir().unwrap();
    let (files, _) = self_signed(data.path());

    let (code, stderr) = start_binary(data.path(), &[("ARRIVE_TLS_CERT", &files.cert)]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("ARRIVE_TLS_CERT and ARRIVE_TLS_KEY go together"),
        "{stderr}"
    );

    let (code, stderr) = start_binary(data.path(), &[("ARRIVE_TLS_KEY", &files.key)]);
    assert_eq!(code, Some(2), "{stderr}");

    // The key where the certificate should be: refused before the server listens.
    let (code, stderr) = start_binary(
        data.path(),
        &[("ARRIVE_TLS_CERT", &files.key), ("ARRIVE_TLS_KEY", &files.key)],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("ARRIVE_TLS_CERT"), "{stderr}");
    assert!(
        !stderr.contains("PRIVATE KEY"),
        "the key's contents are never printed: {stderr}"
    );
}
