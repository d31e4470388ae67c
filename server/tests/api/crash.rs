//! Crash safety: the real server binary is killed with SIGKILL in the middle of a stream of
//! check-ins, restarted on the same database — a SQLite file, then a PostgreSQL database — and
//! every check-in it acknowledged is there, exactly once.

use crate::common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Days, NaiveDate};
use common::process::{server_command, start_process, ServerProcess};
use serde_json::{json, Value};

const KIOSK_TOKEN: &str = "c4a5000000000000000000000000000000000000000000000000000000000001";
const PATIENTS: u32 = 600;

/// Starts the server binary on `database_url` (PostgreSQL), or on SQLite in `data` when none.
fn spawn(data: &std::path::Path, addr: &str, database_url: Option<&str>) -> (ServerProcess, String) {
    let mut command = server_command(data);
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command
        .env("ARRIVE_ADDR", addr)
        .env("ARRIVE_DEMO_EXTRA_PATIENTS", PATIENTS.to_string())
        .env("ARRIVE_FIRST_KIOSK_TOKEN", KIOSK_TOKEN)
        .env("ARRIVE_ADMIN_PASSWORD", "crash test admin");
    start_process(command)
}

fn birth_date(k: u32) -> String {
    let first = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap();
    (first + Days::new(u64::from(k))).format("%Y-%m-%d").to_string()
}

/// Identify and check in synthetic patient k; the server's arrival time when acknowledged.
async fn check_in(client: &reqwest::Client, base: &str, k: u32) -> Option<(String, String)> {
    let found: Value = client
        .post(format!("{base}/api/v1/kiosk/identify"))
        .json(&json!({"last_name": "Loadtest", "date_of_birth": birth_date(k)}))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let token = found["appointment"]["match_token"].as_str()?.to_owned();
    let response = client
        .post(format!("{base}/api/v1/kiosk/check-in"))
        .json(&json!({"match_token": token}))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    let body: Value = response.json().await.ok()?;
    Some((token, body["arrived_at"].as_str()?.to_owned()))
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_check_ins_survive_kill_9_exactly_once_on_sqlite() {
    kill_9_under_load(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_check_ins_survive_kill_9_exactly_once_on_postgres() {
    if common::postgres::skip() {
        return;
    }
    let url = tokio::task::spawn_blocking(common::postgres::create).await.unwrap();
    kill_9_under_load(Some(url)).await;
}

/// (arrivals, desk events) in the database the server used.
async fn counts(data: &std::path::Path, database_url: Option<&str>) -> (i64, i64) {
    // Today's: the demo's returning patient arrived at an earlier visit too, before any event.
    const ARRIVED: &str = "SELECT COUNT(*) FROM appointment WHERE status = 'arrived' AND substr(starts_at, 1, 10) = $1";
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    const EVENTS: &str = "SELECT COUNT(*) FROM desk_event";
    match database_url {
        Some(url) => {
            let db = sqlx::PgPool::connect(url).await.unwrap();
            let arrived = sqlx::query_scalar(ARRIVED).bind(&today).fetch_one(&db).await.unwrap();
            let events = sqlx::query_scalar(EVENTS).fetch_one(&db).await.unwrap();
            db.close().await;
            (arrived, events)
        }
        None => {
            let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", data.join("data/arrive.db").display()))
                .await
                .unwrap();
            let arrived = sqlx::query_scalar(ARRIVED).bind(&today).fetch_one(&db).await.unwrap();
            let events = sqlx::query_scalar(EVENTS).fetch_one(&db).await.unwrap();
            (arrived, events)
        }
    }
}

async fn kill_9_under_load(database_url: Option<String>) {
    let database_url = database_url.as_deref();
    let data = tempfile::tempdir().unwrap();
    let (mut server, url) = spawn(data.path(), "127.0.0.1:0", database_url);

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-kiosk-token", KIOSK_TOKEN.parse().unwrap());
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let (next, stop) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicBool::new(false)));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, acknowledged, next, stop) = (
                client.clone(),
                url.clone(),
                acknowledged.clone(),
                next.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= PATIENTS {
                        break;
                    }
                    if let Some(ack) = check_in(&client, &url, k).await {
                        acknowledged.lock().unwrap().push(ack);
                    }
                }
            })
        })
        .collect();

    // Kill the server while check-ins are in flight (a hang guard, not a timing assertion).
    tokio::time::timeout(Duration::from_secs(120), async {
        while acknowledged.lock().unwrap().len() < 60 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("check-ins are acknowledged");
    server.0.kill().expect("SIGKILL");
    server.0.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let (_server, url) = spawn(data.path(), url.trim_start_matches("http://"), database_url);
    // Each acknowledged check-in is there, with the time the kiosk was told; retrying it
    // reports that same arrival rather than a second one.
    for (token, arrived_at) in &acknowledged {
        let response = client
            .post(format!("{url}/api/v1/kiosk/check-in"))
            .json(&json!({"match_token": token}))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["already_checked_in"], true, "{body}");
        assert_eq!(body["arrived_at"].as_str(), Some(arrived_at.as_str()));
    }
    // Exactly once: one desk event per arrival, no more.
    let (arrived, events) = counts(data.path(), database_url).await;
    assert!(arrived >= acknowledged.len() as i64);
    assert_eq!(events, arrived);
}
