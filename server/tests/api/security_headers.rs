//! The headers on every response, page or API, success or error: a CSP that allows only the
//! app's own script (by hash), no framing, no sniffing, no referrer, and no HSTS without TLS.

use crate::common;
use common::*;
use reqwest::Client;
use serde_json::json;

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
