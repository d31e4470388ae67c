//! Graceful shutdown: the real server binary gets SIGTERM while requests are in progress.
//! Each request the server had begun reading still gets its whole answer, the server stops
//! accepting new connections meanwhile, and the process exits 0.
//!
//! "In progress" without timing: each request is sent with `Expect: 100-continue` and its body
//! held back; the server's `100 Continue` says its handler is reading the body. The bodies go
//! out only after the server has stopped accepting, i.e. after it began shutting down.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use crate::common::process::{server_command, start_process, ServerProcess};
use crate::common::token_for;
use chrono::{Days, NaiveDate};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const KIOSK_TOKEN: &str = "5d0e000000000000000000000000000000000000000000000000000000000001";
/// Hang guard for each wait, not a timing assertion.
const PATIENCE: Duration = Duration::from_secs(30);

fn spawn(data: &std::path::Path) -> (ServerProcess, SocketAddr) {
    let mut command = server_command(data);
    command
        .env("ARRIVE_ADDR", "127.0.0.1:0")
        .env("ARRIVE_DEMO_EXTRA_PATIENTS", "4")
        .env("ARRIVE_FIRST_KIOSK_TOKEN", KIOSK_TOKEN)
        .env("ARRIVE_ADMIN_PASSWORD", "shutdown test admin");
    let (server, url) = start_process(command);
    let addr = url
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("the server listens at an address: {url}"));
    (server, addr)
}

fn birth_date(k: u64) -> String {
    let first = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap();
    (first + Days::new(k)).format("%Y-%m-%d").to_string()
}

fn identify_body(k: u64) -> Value {
    json!({"last_name": "Loadtest", "date_of_birth": birth_date(k)})
}

/// A request whose headers are sent and whose body is held back until `finish`.
struct Held {
    stream: TcpStream,
    body: Vec<u8>,
}

impl Held {
    /// Sends the headers and waits for the server's `100 Continue`: its handler has begun.
    async fn start(addr: SocketAddr, path: &str, body: &Value) -> Held {
        let body = serde_json::to_vec(body).unwrap();
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nx-kiosk-token: {KIOSK_TOKEN}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut interim = Vec::new();
        while !interim.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            let read = tokio::time::timeout(PATIENCE, stream.read(&mut byte))
                .await
                .expect("an interim answer")
                .unwrap();
            assert_eq!(read, 1, "the connection closed before 100 Continue");
            interim.push(byte[0]);
        }
        let interim = String::from_utf8(interim).unwrap();
        assert!(interim.starts_with("HTTP/1.1 100 Continue"), "{interim}");
        Held { stream, body }
    }

    /// Sends the body and reads the whole answer: (status, JSON body).
    async fn finish(mut self) -> (u16, Value) {
        self.stream
            .write_all(&self.body)
            .await
            .expect("the server still reads the body");
        let mut answer = Vec::new();
        tokio::time::timeout(PATIENCE, self.stream.read_to_end(&mut answer))
            .await
            .expect("an answer")
            .expect("the answer is read to the end");
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").expect("a complete HTTP answer");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status");
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .expect("a content-length");
        assert_eq!(body.len(), length, "the whole body arrived: {answer}");
        (status, serde_json::from_str(body).expect("a JSON body"))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_requests_in_progress_finish_and_exits_0() {
    let data = tempfile::tempdir().unwrap();
    let (mut server, addr) = spawn(data.path());
    let base = format!("http://{addr}");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-kiosk-token", KIOSK_TOKEN.parse().unwrap());
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(PATIENCE)
        .build()
        .unwrap();

    // Three patients identified; their check-ins, and a fourth patient's identify, in flight.
    let mut tokens = Vec::new();
    for k in 0..3 {
        tokens.push(token_for(&client, &base, "Loadtest", &birth_date(k)).await);
    }
    let mut held = Vec::new();
    for token in &tokens {
        held.push(Held::start(addr, "/api/v1/kiosk/check-in", &json!({"match_token": token})).await);
    }
    held.push(Held::start(addr, "/api/v1/kiosk/identify", &identify_body(3)).await);

    let pid = server.0.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(status.success());
    // Shutting down: no new connections (the listener is closed)...
    tokio::time::timeout(PATIENCE, async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the server stops accepting");

    // ...yet every request it had begun is answered in full.
    let answers = futures_util::future::join_all(held.into_iter().map(Held::finish)).await;
    for (status, body) in &answers[..3] {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["already_checked_in"], false, "{body}");
        assert!(body["arrived_at"].is_string(), "{body}");
    }
    let (status, body) = &answers[3];
    assert_eq!(*status, 200, "{body}");
    assert_eq!(body["outcome"], "found", "{body}");

    let exit = tokio::task::spawn_blocking(move || {
        let status = server.0.wait();
        (server, status)
    });
    let (_server, status) = tokio::time::timeout(PATIENCE, exit)
        .await
        .expect("the server exits once the requests are answered")
        .unwrap();
    assert!(status.unwrap().success(), "exit status 0");
}
