//! Connection exhaustion: one machine holding many idle connections must not lock the kiosks
//! out, a connection past a cap is told why (503 JSON, `Connection: close`), and a client that
//! never finishes its headers or its body is let go. Clients come from different loopback
//! addresses (127.0.0.x), as different machines in the lobby would.

use crate::common;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use arrive_domain::{ErrorBody, ErrorCode};
use arrive_server::connections::ConnectionLimits;
use common::{eventually, test_config, TestServer, KIOSK_TOKEN};
use reqwest::{Client, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn address(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}

/// A client at `127.0.0.n`; as the kiosk tablet when `kiosk`.
fn client_from(n: u8, kiosk: bool) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if kiosk {
        headers.insert("x-kiosk-token", KIOSK_TOKEN.parse().unwrap());
    }
    Client::builder()
        .local_address(address(n))
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A TCP connection from `127.0.0.n` that sends nothing.
async fn connect_from(n: u8, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(address(n), 0)).unwrap();
    socket.connect(server).await.unwrap()
}

async fn start(limits: ConnectionLimits) -> (tempfile::TempDir, TestServer, SocketAddr) {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(arrive_server::Config {
        limits,
        ..test_config(data.path())
    })
    .await;
    let addr = server.url.trim_start_matches("http://").parse().unwrap();
    (data, server, addr)
}

/// The status of `GET path` from a new connection at `127.0.0.n`, with the 503's checks;
/// `None` when the connection was closed unanswered.
async fn status_from(n: u8, base: &str, path: &str) -> Option<StatusCode> {
    let response = client_from(n, true).get(format!("{base}{path}")).send().await.ok()?;
    let status = response.status();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        assert_eq!(response.headers()["connection"], "close");
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error.code, ErrorCode::Unavailable);
    }
    Some(status)
}

#[tokio::test]
async fn one_machine_holding_idle_connections_does_not_lock_out_the_kiosks() {
    let (_data, server, addr) = start(ConnectionLimits {
        max_connections: 20,
        max_per_client: 5,
        // Long: the idle connections must stay open for the whole test.
        header_timeout: Duration::from_secs(120),
        ..ConnectionLimits::default()
    })
    .await;
    let base = server.url.clone();

    // One machine opens far more connections than its share and sends nothing on them.
    let mut idle = Vec::new();
    for _ in 0..30 {
        idle.push(connect_from(1, addr).await);
    }
    // Once they are counted, that machine's next connection is told the server is busy...
    eventually("a connection past the per-client cap answered 503", async || {
        (status_from(1, &base, "/healthz").await == Some(StatusCode::SERVICE_UNAVAILABLE)).then_some(())
    })
    .await;
    // ...while the kiosk tablet, another machine, is served: health and a kiosk route.
    assert_eq!(status_from(2, &base, "/healthz").await, Some(StatusCode::OK));
    assert_eq!(
        status_from(2, &base, "/api/v1/kiosk/payers").await,
        Some(StatusCode::OK)
    );

    // Three more machines take the rest of the 20 connections: past the global cap, a new
    // client is answered 503 too, and served again once some close.
    let mut others = Vec::new();
    for n in [3, 4, 5] {
        for _ in 0..5 {
            others.push(connect_from(n, addr).await);
        }
    }
    eventually("a connection past the global cap answered 503", async || {
        (status_from(6, &base, "/healthz").await == Some(StatusCode::SERVICE_UNAVAILABLE)).then_some(())
    })
    .await;
    others.truncate(10);
    eventually("served again once connections closed", async || {
        (status_from(6, &base, "/api/v1/kiosk/payers").await == Some(StatusCode::OK)).then_some(())
    })
    .await;

    drop(idle);
    drop(others);
    server.stop().await;
}

/// Reads until the server closes the connection; what it sent before closing.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    // A generous bound, only so that a server that never closes fails the test.
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut received))
        .await
        .expect("the server closed the connection")
        .ok();
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_client_that_stalls_is_let_go_and_its_connections_freed() {
    let (_data, server, addr) = start(ConnectionLimits {
        // Room for all four stalled connections at once: a slot is given back just after its
        // client sees the close, and no step here may depend on that order.
        max_per_client: 4,
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        ..ConnectionLimits::default()
    })
    .await;

    // Headers begun and never finished.
    let mut slow_headers = connect_from(7, addr).await;
    slow_headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: arrive\r\nX-Slow: ")
        .await
        .unwrap();
    // Nothing sent at all.
    let mut silent = connect_from(7, addr).await;
    // A body promised and stopped short: answered as a body that could not be read.
    let mut slow_body = connect_from(7, addr).await;
    slow_body
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: arrive\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"username\":",
        )
        .await
        .unwrap();

    assert_eq!(read_until_closed(&mut slow_headers).await, "");
    assert_eq!(read_until_closed(&mut silent).await, "");
    let answer = read_until_closed(&mut slow_body).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains(r#""code":"invalid_json""#), "{answer}");

    // A kept-alive connection idle after its request is closed too.
    let mut kept = connect_from(7, addr).await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: arrive\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // All four closed: that machine has its four slots again, at once.
    let base = server.url.clone();
    eventually("the stalled connections' slots freed", async || {
        let clients: Vec<_> = (0..4).map(|_| client_from(7, false)).collect();
        let mut held = Vec::new();
        for client in &clients {
            let response = client.get(format!("{base}/healthz")).send().await.ok()?;
            (response.status() == StatusCode::OK).then_some(())?;
            held.push(response);
        }
        Some(())
    })
    .await;
    server.stop().await;
}
