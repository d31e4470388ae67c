//! The desk board: arrivals on the clinic's clock, live over server-sent events with replay
//! of what a board missed, answers and scores read by staff (every view audited, the trail
//! append-only), rooming, no-shows and undoing a check-in, the day's counts, and help
//! requests until acknowledged.

use std::time::Duration;

use crate::common;
use arrive_domain::api::{DeskDay, DeskDetail};
use arrive_domain::{AppointmentStatus, ErrorCode};
use common::*;
use futures_util::StreamExt;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// The board gives each arrival on the clinic's wall clock as well as the instant: a desk
/// computer set to another zone would place the instant on its own clock.
#[tokio::test(flavor = "multi_thread")]
async fn the_board_gives_arrivals_on_the_clinics_clock() {
    let data = tempfile::tempdir().unwrap();
    let mut config = test_config(data.path());
    // Half an hour off any whole-hour zone: its clock never reads as UTC's.
    let zone: chrono_tz::Tz = "Asia/Kolkata".parse().unwrap();
    config.import.clinic_time_zone = zone;
    let server = TestServer::start_with(config).await;
    let client = kiosk_client();
    let arrival = arrive(&client, &server.url, "Müller", "2001-07-04").await;
    let instant = chrono::DateTime::parse_from_rfc3339(&arrival.arrived_at).unwrap();
    let row = board_row(&staff_client(&server.url).await, &server.url, "Zoë M.").await;
    assert_eq!(row.arrived_at.as_deref(), Some(arrival.arrived_at.as_str()));
    let clinic_clock = instant.with_timezone(&zone).format("%H:%M").to_string();
    assert_eq!(row.arrived_at_clinic_time.as_deref(), Some(clinic_clock.as_str()));
    assert_ne!(
        clinic_clock,
        instant.with_timezone(&chrono::Utc).format("%H:%M").to_string()
    );
    // The appointment's own time is the clinic's clock too, as scheduled.
    assert_eq!(row.starts_at, "13:00");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desk_hears_arrivals_live_and_replays_what_it_missed() {
    let (_data, server, client) = fresh_server().await;
    let events_url = format!("{}/api/v1/desk/events", server.url);
    let desk = staff_client(&server.url).await;

    let live = desk.get(&events_url).send().await.unwrap();
    assert_eq!(live.headers()["content-type"], "text/event-stream");
    let mut live = live.bytes_stream();
    let mut buffer = String::new();

    arrive(&client, &server.url, "de la cruz", "1962-07-19").await;
    let (id, row) = next_appointment_event(&mut live, &mut buffer).await;
    assert_eq!(id, "1");
    assert_eq!(row["patient"], "Ana D.");
    assert_eq!(row["status"], "arrived");

    // A board that was away reconnects with Last-Event-ID and is given what it missed.
    let replay = desk.get(&events_url).header("Last-Event-ID", "0").send().await.unwrap();
    let mut replay = replay.bytes_stream();
    let (id, row) = next_appointment_event(&mut replay, &mut String::new()).await;
    assert_eq!(id, "1");
    assert_eq!(row["patient"], "Ana D.");

    // Open event streams do not keep the server from shutting down.
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_read_answers_scores_and_signatures_and_every_view_is_audited() {
    let (data, server, client) = fresh_server().await;
    let token = token_for(&client, &server.url, "Hernandez", "1944-03-21").await;
    answer_phq2_then_phq9(&client, &server.url, &token, &[1, 2], &[1, 2, 3, 1, 0, 2, 1, 0, 1]).await;

    let desk = staff_client(&server.url).await;
    let day = desk_day(&desk, &server.url).await;
    let jose = day
        .appointments
        .iter()
        .find(|a| a.needs_attention_now)
        .expect("flagged");
    let detail = desk_detail(&desk, &server.url, jose.id).await;
    assert_eq!(detail.patient_name, "José Hernández");
    assert!(detail.needs_attention_now);
    let phq9 = detail
        .forms
        .iter()
        .find(|f| f.form_id == "phq-9")
        .expect("PHQ-9 shown to staff");
    assert_eq!(
        (phq9.phq9_total, phq9.phq9_severity.as_deref(), phq9.urgent),
        (Some(11), Some("moderate"), true)
    );
    assert_eq!(phq9.answers.len(), 9);
    assert_eq!(phq9.answers[8].1, "Several days");
    // In the desk's language when it asks for Spanish (a bad query just means English).
    let spanish: DeskDetail = get_json(
        &desk,
        &format!("{}/api/v1/desk/appointments/{}?lang=es", server.url, jose.id),
    )
    .await;
    let phq9_es = spanish.forms.iter().find(|f| f.form_id == "phq-9").unwrap();
    assert_eq!(phq9_es.answers[8].1, "Varios días");
    assert_ne!(phq9_es.title, phq9.title);
    let odd = desk
        .get(format!(
            "{}/api/v1/desk/appointments/{}?lang=%ZZ&x",
            server.url, jose.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), StatusCode::OK);

    let ack = desk_action(&desk, &server.url, jose.id, "acknowledge").await;
    assert_eq!(ack.status(), StatusCode::NO_CONTENT);
    let day = desk_day(&desk, &server.url).await;
    assert!(day.appointments.iter().all(|a| !a.needs_attention_now), "acknowledged");

    let audit = audit_trail(&desk, &server.url).await;
    let actions: Vec<(String, Option<i64>)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["appointment_id"].as_i64()))
        .collect();
    assert!(
        actions.contains(&("view_detail".to_owned(), Some(jose.id))),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("acknowledge_urgent".to_owned(), Some(jose.id))),
        "{actions:?}"
    );
    assert!(actions.iter().any(|(a, _)| a == "view_board"));
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["staff"] == "admin" && e["client"] == "127.0.0.1"));
    let csv = desk
        .get(format!("{}/api/v1/admin/audit.csv", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("id,at,staff,action,appointment_id,client,subject\n") && csv.contains(",view_detail,"));
    server.stop().await;

    // The trail is append-only, even for someone with the database file.
    let db = test_db(&data).await;
    let edit = on_db!(&db, |p| sqlx::query("UPDATE audit_entry SET action = 'nothing'")
        .execute(p)
        .await
        .map(|_| ()));
    assert!(edit.is_err(), "an audit entry was changed");
    assert!(on_db!(&db, |p| sqlx::query("DELETE FROM audit_entry")
        .execute(p)
        .await
        .map(|_| ()))
    .is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_room_patients_mark_no_shows_and_undo_a_mistaken_check_in() {
    let (_data, server, kiosk) = fresh_server().await;
    let desk = staff_client(&server.url).await;
    let board = |desk: Client| {
        let base = server.url.clone();
        async move { desk_day(&desk, &base).await }
    };
    let status_of = |day: &DeskDay, who: &str| day.appointments.iter().find(|a| a.patient == who).unwrap().status;
    let id_of = |day: &DeskDay, who: &str| day.appointments.iter().find(|a| a.patient == who).unwrap().id;
    let act = |id: i64, action: &'static str| desk_action(&desk, &server.url, id, action);
    let day = board(desk.clone()).await;
    assert_eq!((day.wait_amber_minutes, day.wait_red_minutes), (15, 30));
    let (sean, james) = (id_of(&day, "Sean O."), id_of(&day, "James S."));

    // Rooming needs an arrival first; a no-show needs someone not here.
    expect_error(act(sean, "roomed").await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    arrive(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    expect_error(act(sean, "no-show").await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(act(sean, "roomed").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        status_of(&board(desk.clone()).await, "Sean O."),
        AppointmentStatus::Roomed
    );

    // The wrong James checked in at the kiosk: undo, and the appointment is open again.
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    checked_in(&kiosk, &server.url, &token).await;
    assert_eq!(act(james, "undo-check-in").await.status(), StatusCode::NO_CONTENT);
    let day = board(desk.clone()).await;
    let row = day.appointments.iter().find(|a| a.id == james).unwrap();
    assert_eq!(
        (row.status, row.arrived_at.clone()),
        (AppointmentStatus::Scheduled, None)
    );
    assert_eq!(act(james, "no-show").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        status_of(&board(desk.clone()).await, "James S."),
        AppointmentStatus::NoShow
    );
    // A no-show who turns up after all checks in as usual.
    let again = checked_in(&kiosk, &server.url, &token).await;
    assert!(!again.already_checked_in);
    assert_eq!(
        status_of(&board(desk.clone()).await, "James S."),
        AppointmentStatus::Arrived
    );
    expect_error(act(9999, "roomed").await, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    let audit = audit_trail(&desk, &server.url).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["mark_roomed", "undo_check_in", "mark_no_show"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desk_counts_arrivals_kiosk_time_abandonment_and_help() {
    let (_data, server, kiosk) = fresh_server().await;
    for (name, dob) in [("Okafor", "1949-12-02"), ("Müller", "2001-07-04")] {
        arrive(&kiosk, &server.url, name, dob).await;
    }
    // Still at the kiosk (not yet abandoned: the match is young).
    token_for(&kiosk, &server.url, "Johnson", "1980-11-05").await;
    let help = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/help", server.url),
        json!({"step": "identify"}),
    )
    .await;
    assert_eq!(help.status(), StatusCode::CREATED);

    let desk = staff_client(&server.url).await;
    let metrics: Value = get_json(&desk, &format!("{}/api/v1/desk/metrics", server.url)).await;
    let arrivals: u64 = metrics["arrivals_by_hour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[1].as_u64().unwrap())
        .sum();
    assert_eq!(arrivals, 2);
    assert_eq!(metrics["kiosk_started"], 3);
    assert_eq!(metrics["kiosk_abandoned"], 0);
    assert!(metrics["median_kiosk_seconds"].as_u64().is_some());
    assert_eq!(metrics["help_requests"], 1);
    assert!(metrics["pre_registered_share"].is_null());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_help_request_reaches_the_desk_live_until_someone_acknowledges_it() {
    let (_data, server, kiosk) = fresh_server().await;
    let desk = staff_client(&server.url).await;
    let mut live = desk
        .get(format!("{}/api/v1/desk/events", server.url))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let help_url = format!("{}/api/v1/kiosk/help", server.url);
    let bad = post(&kiosk, &help_url, json!({"step": "somewhere"})).await;
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidJson).await;
    assert_eq!(
        post(&kiosk, &help_url, json!({"step": "forms"})).await.status(),
        StatusCode::CREATED
    );

    // Live, as a `help` event…
    let mut buffer = String::new();
    let help: Value = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let chunk = live.next().await.expect("stream open").unwrap();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(start) = buffer.find("event: help\ndata: ") {
                let rest = &buffer[start + "event: help\ndata: ".len()..];
                if let Some(end) = rest.find('\n') {
                    return serde_json::from_str(&rest[..end]).unwrap();
                }
            }
        }
    })
    .await
    .expect("a help event arrives");
    assert_eq!(
        (help["kiosk"].as_str(), help["step"].as_str()),
        (Some("Kiosk 1"), Some("forms"))
    );
    // …and on the board for anyone who loads it later.
    let day = desk_day(&desk, &server.url).await;
    assert_eq!(day.help_requests.len(), 1);
    let id = day.help_requests[0].id;

    let ack_url = format!("{}/api/v1/desk/help/{id}/acknowledge", server.url);
    assert_eq!(
        desk.post(&ack_url).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        desk.post(&ack_url).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    let day = desk_day(&desk, &server.url).await;
    assert!(day.help_requests.is_empty());
    server.stop().await;
}
