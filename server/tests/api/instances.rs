//! Several servers on one PostgreSQL database: two real server processes, started together;
//! a check-in made on one appears on a desk board connected to the other within a second
//! (LISTEN/NOTIFY), and so does a help request; misses at identification count on both. Needs PostgreSQL like `backends.rs`
//! (`ARRIVE_TEST_POSTGRES_URL`; `ARRIVE_SKIP_POSTGRES=1` skips it).

use crate::common;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

use common::process::{server_command, start_process, ServerProcess};
use common::*;

/// Starts the server binary on `database_url`; returns it and its base URL.
fn spawn(data: &std::path::Path, database_url: &str) -> (ServerProcess, String) {
    let mut command = server_command(data);
    command
        .env("DATABASE_URL", database_url)
        .env("ARRIVE_ADDR", "127.0.0.1:0")
        .env("ARRIVE_FIRST_KIOSK_TOKEN", KIOSK_TOKEN)
        .env("ARRIVE_ADMIN_PASSWORD", ADMIN_PASSWORD);
    start_process(command)
}

/// Reads Server-Sent Events until one of type `kind`; returns its data.
async fn next_event(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    buffer: &mut String,
    kind: &str,
) -> String {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if block
                .lines()
                .any(|l| l.strip_prefix("event:").map(str::trim) == Some(kind))
            {
                return block
                    .lines()
                    .find_map(|l| l.strip_prefix("data:"))
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
            }
            continue;
        }
        let chunk = stream.next().await.expect("stream open").expect("chunk");
        buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_in_on_one_server_reaches_a_board_on_another_within_a_second() {
    if postgres::skip() {
        return;
    }
    let database = postgres::create();
    let (data_a, data_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Started together: both migrate, seed and create the first admin and kiosk at once.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn(data_a.path(), &database));
        let b = s.spawn(|| spawn(data_b.path(), &database));
        (a.join().unwrap(), b.join().unwrap())
    });
    let ((_a, url_a), (_b, url_b)) = (a, b);

    let staff_b = staff_client(&url_b).await;
    let mut board_b = staff_b
        .get(format!("{url_b}/api/v1/desk/events"))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let mut buffer = String::new();

    let kiosk = kiosk_client();
    let token = token_for(&kiosk, &url_a, "Smith", "1990-01-01").await;
    let started = Instant::now();
    checked_in(&kiosk, &url_a, &token).await;
    let row = tokio::time::timeout(
        Duration::from_secs(1),
        next_event(&mut board_b, &mut buffer, "appointment"),
    )
    .await
    .expect("the check-in made on A reaches B's board within 1 s");
    let latency = started.elapsed();
    assert!(row.contains("\"status\":\"arrived\""), "{row}");
    eprintln!("check-in on A → board on B: {} ms", latency.as_millis());

    // A help request on A rings on B's board too.
    let response = post(
        &kiosk,
        &format!("{url_a}/api/v1/kiosk/help"),
        json!({"step": "identify"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let help = tokio::time::timeout(Duration::from_secs(1), next_event(&mut board_b, &mut buffer, "help"))
        .await
        .expect("the help request reaches B's board");
    assert!(help.contains("Kiosk 1"), "{help}");

    // Both servers see one clinic: the check-in made on A is on B's day, once.
    let day = desk_day(&staff_b, &url_b).await;
    let arrived = day
        .appointments
        .iter()
        .filter(|a| a.status == arrive_domain::AppointmentStatus::Arrived)
        .count();
    assert_eq!(arrived, 1);
    let mut visits: Vec<(&str, &str)> = day
        .appointments
        .iter()
        .map(|a| (a.starts_at.as_str(), a.patient.as_str()))
        .collect();
    let all = visits.len();
    visits.sort_unstable();
    visits.dedup();
    assert_eq!(visits.len(), all, "the demo schedule was seeded once");

    // Guessing split across the servers counts as one: five misses on each lock the tablet
    // on both (ten per tablet), even for a real patient.
    for url in [&url_a, &url_b] {
        for _ in 0..5 {
            let miss = post(
                &kiosk,
                &format!("{url}/api/v1/kiosk/identify"),
                json!({"last_name": "Nobody", "date_of_birth": "1990-01-01"}),
            )
            .await;
            assert_eq!(miss.status(), StatusCode::OK);
        }
    }
    for url in [&url_a, &url_b] {
        let refused = post(
            &kiosk,
            &format!("{url}/api/v1/kiosk/identify"),
            json!({"last_name": "Smith", "date_of_birth": "1990-01-01"}),
        )
        .await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{url}");
    }
}
