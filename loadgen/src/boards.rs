//! Fan-out to front desk boards: `boards` Server-Sent Event streams are open while the kiosk
//! checks patients in one by one; for each check-in, the time from sending it to each board
//! receiving its event. Events are matched to check-ins by their server arrival time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;

/// Arrival time (the server's `arrived_at`) → when each board received it.
type Receipts = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

/// Signs in as `username` and returns the session cookie (`name=value`).
pub async fn sign_in(client: &reqwest::Client, base: &str, username: &str, password: &str) -> Result<String, String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .map_err(|e| format!("sign-in: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("sign-in refused: {}", response.status()));
    }
    response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| "no session cookie".to_owned())
}

/// Opens one board's event stream and records every appointment event it receives.
async fn watch(base: String, cookie: String, receipts: Receipts, ready: tokio::sync::mpsc::Sender<()>) {
    let client = reqwest::Client::new();
    let Ok(response) = client
        .get(format!("{base}/api/v1/desk/events"))
        .header("cookie", cookie)
        .send()
        .await
    else {
        return;
    };
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut announced = false;
    while let Some(Ok(chunk)) = stream.next().await {
        if !announced {
            announced = true;
            let _ = ready.send(()).await;
        }
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            if let Ok(row) = serde_json::from_str::<serde_json::Value>(data) {
                if let Some(at) = row["arrived_at"].as_str() {
                    let now = Instant::now();
                    receipts
                        .lock()
                        .expect("receipts")
                        .entry(at.to_owned())
                        .or_default()
                        .push(now);
                }
            }
        }
    }
}

fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs the fan-out measurement; `check_in(k)` checks synthetic patient k in and returns the
/// server's `arrived_at` and when the request was sent.
pub async fn fan_out<F, Fut>(
    base: &str,
    cookie: &str,
    boards: usize,
    check_ins: u32,
    server_pid: Option<u32>,
    check_in: F,
) -> Result<(), String>
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = Option<(String, Instant)>>,
{
    let before = rss_kib(server_pid);
    let receipts: Receipts = Arc::default();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(boards.max(1));
    let watchers: Vec<_> = (0..boards)
        .map(|_| {
            tokio::spawn(watch(
                base.to_owned(),
                cookie.to_owned(),
                receipts.clone(),
                ready_tx.clone(),
            ))
        })
        .collect();
    drop(ready_tx);
    for _ in 0..boards {
        tokio::time::timeout(Duration::from_secs(30), ready_rx.recv())
            .await
            .map_err(|_| "boards did not all connect".to_owned())?;
    }
    let with_boards = rss_kib(server_pid);

    let mut sent = Vec::new();
    for k in 0..check_ins {
        if let Some(arrival) = check_in(k).await {
            sent.push(arrival);
        }
        // One arrival at a time, as at a clinic: each event's delivery is measured alone.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let the last events arrive (a hang guard, not part of the figures).
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let complete = {
            let receipts = receipts.lock().expect("receipts");
            sent.iter()
                .all(|(at, _)| receipts.get(at).is_some_and(|r| r.len() >= boards))
        };
        if complete {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for watcher in watchers {
        watcher.abort();
    }

    let receipts = receipts.lock().expect("receipts");
    let mut latencies: Vec<Duration> = Vec::new();
    let mut missing = 0;
    for (at, started) in &sent {
        let got = receipts.get(at).map_or(&[][..], |r| r.as_slice());
        missing += boards.saturating_sub(got.len());
        latencies.extend(got.iter().map(|t| t.duration_since(*started)));
    }
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "fan-out   {boards} boards × {} check-ins: {} deliveries   p50 {:>6.2} ms   p99 {:>6.2} ms   missing {missing}",
        sent.len(),
        latencies.len(),
        pct(0.50),
        pct(0.99)
    );
    if let (Some(before), Some(with_boards)) = (before, with_boards) {
        println!(
            "server memory (RSS): {:.1} MiB before, {:.1} MiB with {boards} boards connected",
            before as f64 / 1024.0,
            with_boards as f64 / 1024.0
        );
    }
    if latencies.is_empty() {
        return Err("no board received any event".into());
    }
    Ok(())
}
