//! "I need help" from a lobby tablet: while its request is open a second tap is the same
//! request (no second banner or chime on the boards), and a tablet that keeps asking is told
//! to wait.

use crate::common;

use std::time::Duration;

use arrive_domain::ErrorCode;
use common::*;
use futures_util::StreamExt;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// The help events a board hears, one at a time.
struct Board {
    stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl Board {
    async fn open(desk: &Client, base: &str) -> Board {
        let response = desk.get(format!("{base}/api/v1/desk/events")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        Board {
            stream: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next `help` event's data.
    async fn next_help(&mut self) -> Value {
        const MARK: &str = "event: help\ndata: ";
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                if let Some(start) = self.buffer.find(MARK) {
                    let rest = &self.buffer[start + MARK.len()..];
                    if let Some(end) = rest.find('\n') {
                        let help = serde_json::from_str(&rest[..end]).unwrap();
                        self.buffer = rest[end..].to_owned();
                        return help;
                    }
                }
                let chunk = self.stream.next().await.expect("stream open").unwrap();
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .expect("a help event arrives")
    }
}

async fn ask(kiosk: &Client, base: &str) -> reqwest::Response {
    post(kiosk, &format!("{base}/api/v1/kiosk/help"), json!({"step": "forms"})).await
}

async fn acknowledge(desk: &Client, base: &str, id: i64) {
    let response = desk
        .post(format!("{base}/api/v1/desk/help/{id}/acknowledge"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_tap_while_the_request_is_open_tells_the_desk_nothing_new() {
    let (_data, server, kiosk) = fresh_server().await;
    let desk = staff_client(&server.url).await;
    let mut board = Board::open(&desk, &server.url).await;

    let first = ask(&kiosk, &server.url).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(first.json::<Value>().await.unwrap(), json!({"already_open": false}));
    let heard = board.next_help().await;
    let first_id = heard["id"].as_i64().unwrap();

    for _ in 0..3 {
        let again = ask(&kiosk, &server.url).await;
        assert_eq!(again.status(), StatusCode::OK, "success-like: the desk has been told");
        assert_eq!(again.json::<Value>().await.unwrap(), json!({"already_open": true}));
    }
    let day = desk_day(&desk, &server.url).await;
    assert_eq!(day.help_requests.len(), 1, "one banner");

    // Once acknowledged, the tablet can ask again: the board's next new request is that one,
    // so the taps in between sent it nothing.
    acknowledge(&desk, &server.url, first_id).await;
    assert_eq!(ask(&kiosk, &server.url).await.status(), StatusCode::CREATED);
    let next_new = loop {
        let help = board.next_help().await;
        if help["acknowledged"] == false {
            break help;
        }
        assert_eq!(help["id"], first_id, "only the acknowledgement in between");
    };
    assert_ne!(next_new["id"], first_id);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tablet_that_keeps_asking_is_told_to_wait_and_others_are_not() {
    let (_data, server, kiosk) = fresh_server().await;
    let desk = staff_client(&server.url).await;
    for _ in 0..4 {
        let asked = ask(&kiosk, &server.url).await;
        assert_eq!(asked.status(), StatusCode::CREATED);
        let day = desk_day(&desk, &server.url).await;
        acknowledge(&desk, &server.url, day.help_requests[0].id).await;
    }
    let refused = ask(&kiosk, &server.url).await;
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry_after), "{retry_after}");
    expect_error(refused, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    let day = desk_day(&desk, &server.url).await;
    assert!(day.help_requests.is_empty(), "no banner for the refused one");

    // Another tablet is not held back by this one.
    let token = enrollment_token(&enrolled_kiosk(&desk, &server.url, "Kiosk 2").await);
    assert_eq!(
        ask(&tablet_client(&token), &server.url).await.status(),
        StatusCode::CREATED
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn taps_that_arrive_together_make_one_request() {
    let (_data, server, kiosk) = fresh_server().await;
    let desk = staff_client(&server.url).await;
    let taps = (0..8).map(|_| {
        let (kiosk, base) = (kiosk.clone(), server.url.clone());
        tokio::spawn(async move { ask(&kiosk, &base).await.status() })
    });
    let mut statuses = Vec::new();
    for tap in taps {
        statuses.push(tap.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::CREATED).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::CREATED, StatusCode::OK].contains(s)),
        "{statuses:?}"
    );
    let day = desk_day(&desk, &server.url).await;
    assert_eq!(day.help_requests.len(), 1);
    server.stop().await;
}

/// A tablet with no voice calls the desk itself: every board hears why (a patient asked for
/// spoken guidance), and it is on the day's list so; an ordinary tap says nothing of the sort.
#[tokio::test(flavor = "multi_thread")]
async fn a_tablet_that_cannot_speak_says_so_to_every_board() {
    let (_data, server, kiosk) = fresh_server().await;
    let desk = staff_client(&server.url).await;
    let mut board = Board::open(&desk, &server.url).await;

    let asked = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/help", server.url),
        json!({"step": "welcome", "cannot_speak": true}),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let heard = board.next_help().await;
    assert_eq!(heard["cannot_speak"], json!(true), "{heard}");
    assert_eq!(heard["step"], json!("welcome"));
    let day = desk_day(&desk, &server.url).await;
    assert_eq!(day.help_requests.len(), 1);
    assert!(day.help_requests[0].cannot_speak);
    acknowledge(&desk, &server.url, day.help_requests[0].id).await;

    assert_eq!(ask(&kiosk, &server.url).await.status(), StatusCode::CREATED);
    // The acknowledgement goes to the boards too; the tap's request comes after it.
    let tapped = loop {
        let help = board.next_help().await;
        if help["acknowledged"] == json!(false) {
            break help;
        }
    };
    assert_eq!(tapped["cannot_speak"], json!(false), "{tapped}");
}
