//! The client's address behind a reverse proxy: with the proxy trusted, the audit trail records
//! the address the proxy appended to X-Forwarded-For; without, the header is ignored.

use crate::common;
use common::*;
use reqwest::StatusCode;

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
    let audit = audit_trail(&staff, &server.url).await;
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
