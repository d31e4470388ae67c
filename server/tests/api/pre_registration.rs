//! Pre-registration from home and the arrival pass, over loopback HTTP: the desk's
//! link, the birth-date gate and its lock, revocation, finishing at home, and the pass at the
//! kiosk (once, inside its arrival window).

use crate::common;

use arrive_domain::api::{ArrivalPass, KioskAppointment, PassMatch, PreRegistrationLink};
use arrive_domain::pass::ArrivalWindow;
use arrive_domain::ErrorCode;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::json;

async fn finish(base: &str, match_token: &str) -> ArrivalPass {
    let response = post(
        &Client::new(),
        &format!("{base}/api/v1/pre/finish"),
        json!({"match_token": match_token, "idempotency_key": "ab".repeat(16), "verification": nothing_changed()}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A server whose passes work all day (the demo schedule's times are fixed; tests run any time).
async fn server_with_window(data: &tempfile::TempDir, window: ArrivalWindow) -> TestServer {
    let mut config = test_config(data.path());
    config.arrival_window = window;
    TestServer::start_with(config).await
}

const ALL_DAY: ArrivalWindow = ArrivalWindow {
    minutes_before: 24 * 60,
    minutes_after: 24 * 60,
};

#[tokio::test]
async fn a_patient_pre_registers_at_home_and_checks_in_at_the_kiosk_with_the_code() {
    let data = tempfile::tempdir().unwrap();
    let server = server_with_window(&data, ALL_DAY).await;
    let staff = staff_client(&server.url).await;
    let link = link_for(&staff, &server.url, "Chidi O.").await;
    // The link and its QR code carry nothing of the patient's.
    assert!(link.link.starts_with(&format!("{}/pre/", server.url)), "{}", link.link);
    for secret in ["Okafor", "Chidi", "1949"] {
        assert!(!link.link.contains(secret), "{}", link.link);
    }
    assert!(token_of(&link).len() >= 22, "at least 128 bits");
    assert!(link.qr_svg.contains("<svg"));
    // The same link again while it is good.
    assert_eq!(link_for(&staff, &server.url, "Chidi O.").await.link, link.link);

    // The birth date first: wrong, then right.
    let token = token_of(&link);
    let wrong = unlock(&server.url, &token, "1950-12-02").await;
    let body = expect_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert_eq!(body.error.field.as_deref(), Some("date_of_birth"));
    let right = unlock(&server.url, &token, "1949-12-02").await;
    assert_eq!(right.status(), StatusCode::OK);
    let appointment: KioskAppointment = right.json().await.unwrap();
    assert_eq!(appointment.first_name, "Chidi");

    // The kiosk's steps, from home: the record (masked), then finishing hands over the pass.
    let record = post(
        &Client::new(),
        &format!("{}/api/v1/pre/record", server.url),
        json!({"match_token": appointment.match_token}),
    )
    .await;
    assert_eq!(record.status(), StatusCode::OK);
    let pass = finish(&server.url, &appointment.match_token).await;
    assert_eq!(pass.code.len(), 6);
    assert!(pass.qr_svg.contains("<svg"));
    assert_eq!(pass.valid_on, chrono::Utc::now().format("%Y-%m-%d").to_string());
    // The link is done with once the patient has checked in; the pass is what they bring.

    // At the kiosk: the code as someone types it, then one check-in.
    let kiosk = kiosk_client();
    let typed = format!(" {}-{} ", &pass.code[..3].to_lowercase(), &pass.code[3..]);
    let found = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/pass", server.url),
        json!({"pass": typed}),
    )
    .await;
    assert_eq!(found.status(), StatusCode::OK);
    let found: PassMatch = found.json().await.unwrap();
    assert_eq!(found.appointment.first_name, "Chidi");
    assert!(found.consents_missing, "Chidi has signed nothing yet");
    checked_in(&kiosk, &server.url, &found.appointment.match_token).await;

    // Used once: the same code again finds nothing, and the link no longer opens.
    let again = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/pass", server.url),
        json!({"pass": pass.code}),
    )
    .await;
    expect_error(again, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let reopened = unlock(&server.url, &token, "1949-12-02").await;
    expect_error(reopened, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    // What was confirmed at home reached the desk.
    let row = board_row(&staff, &server.url, "Chidi O.").await;
    let detail: serde_json::Value =
        get_json(&staff, &format!("{}/api/v1/desk/appointments/{}", server.url, row.id)).await;
    assert_eq!(detail["verification"]["payment"], "card_at_desk", "{detail}");
    server.stop().await;
}

#[tokio::test]
async fn five_wrong_birth_dates_lock_a_link_and_withdrawn_or_forged_links_open_nothing() {
    let (_data, server, _kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let first = token_of(&link_for(&staff, &server.url, "Chidi O.").await);
    for _ in 0..4 {
        let wrong = unlock(&server.url, &first, "1949-12-03").await;
        expect_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    }
    let fifth = unlock(&server.url, &first, "1949-12-03").await;
    expect_error(fifth, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    let right_but_locked = unlock(&server.url, &first, "1949-12-02").await;
    expect_error(right_but_locked, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;

    // The desk gives a new link; the locked one stays dead.
    let second = token_of(&link_for(&staff, &server.url, "Chidi O.").await);
    assert_ne!(second, first);
    expect_error(
        unlock(&server.url, &first, "1949-12-02").await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    assert_eq!(
        unlock(&server.url, &second, "1949-12-02").await.status(),
        StatusCode::OK
    );

    // Withdrawn: it stops working at once, with the same answer as a forged one.
    let row = board_row(&staff, &server.url, "Chidi O.").await;
    let revoked = staff
        .delete(format!(
            "{}/api/v1/desk/appointments/{}/pre-registration",
            server.url, row.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let withdrawn = expect_error(
        unlock(&server.url, &second, "1949-12-02").await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    let mut forged = second.clone().into_bytes();
    forged[5] = if forged[5] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let forged = expect_error(
        unlock(&server.url, &forged, "1949-12-02").await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    assert_eq!(withdrawn.error.message, forged.error.message, "no oracle");
    expect_error(
        unlock(&server.url, "not a token", "1949-12-02").await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    // Unknown fields are refused like everywhere else.
    let extra = post(
        &Client::new(),
        &format!("{}/api/v1/pre/unlock", server.url),
        json!({"token": second, "date_of_birth": "1949-12-02", "name": "Okafor"}),
    )
    .await;
    expect_error(extra, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidJson).await;
    server.stop().await;
}

#[tokio::test]
async fn a_pass_outside_its_arrival_window_is_refused_and_codes_cannot_be_tried_endlessly() {
    let data = tempfile::tempdir().unwrap();
    // A window of zero minutes: never the moment the test runs.
    let server = server_with_window(
        &data,
        ArrivalWindow {
            minutes_before: 0,
            minutes_after: 0,
        },
    )
    .await;
    let staff = staff_client(&server.url).await;
    let token = token_of(&link_for(&staff, &server.url, "Chidi O.").await);
    let appointment: KioskAppointment = unlock(&server.url, &token, "1949-12-02").await.json().await.unwrap();
    let pass = finish(&server.url, &appointment.match_token).await;
    let kiosk = kiosk_client();
    let refused = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/pass", server.url),
        json!({"pass": pass.code}),
    )
    .await;
    let body = expect_error(refused, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert!(body.error.message.contains("front desk"), "{}", body.error.message);

    // Guessing codes: the tablet is locked out like after failed identifications.
    let mut statuses = Vec::new();
    for guess in [
        "AAAAAA", "CCCCCC", "EEEEEE", "FFFFFF", "GGGGGG", "HHHHHH", "JJJJJJ", "KKKKKK", "MMMMMM", "NNNNNN", "PPPPPP",
    ] {
        let response = post(
            &kiosk,
            &format!("{}/api/v1/kiosk/pass", server.url),
            json!({"pass": guess}),
        )
        .await;
        statuses.push(response.status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let wrong_type = post(
        &kiosk_client(),
        &format!("{}/api/v1/kiosk/pass", server.url),
        json!({"pass": 7}),
    )
    .await;
    expect_error(wrong_type, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidJson).await;
    server.stop().await;
}

#[tokio::test]
async fn the_desk_exports_the_days_links_as_csv_and_the_export_is_audited() {
    let (_data, server, _kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let export_url = format!("{}/api/v1/desk/pre-registrations.csv", server.url);
    let response = get_ok(&staff, &export_url, "text/csv").await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let csv = response.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("starts_at,first_name,last_name,phone,email,link"));
    let okafor = lines.find(|l| l.contains("Okafor")).expect("Okafor's row");
    let link = okafor.rsplit(',').next().unwrap();
    assert!(link.contains("/pre/"), "{okafor}");
    // The exported link is a working one.
    let token = link.rsplit_once("/pre/").unwrap().1;
    assert_eq!(unlock(&server.url, token, "1949-12-02").await.status(), StatusCode::OK);
    let audit = audit_trail(&staff, &server.url).await;
    assert!(audit.to_string().contains("export_pre_registration_links"), "{audit}");
    // Not for anyone else.
    let anonymous = Client::new().get(&export_url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

/// What a patient at home saves before stopping (as the kiosk app sends it).
fn progress(step: &str) -> serde_json::Value {
    json!({
        "step": step,
        "fields": ["12 Elm St", "Springfield", "IL", "62704", "", "", "", "", "", "", "", "", "self"],
        "answers": [2, 1, 1, 1, 1, 0, 0, 0],
        "forms": [{"id": "reason-for-visit", "item": [{"linkId": "reason", "answer": [{"valueString": "Knee pain"}]}]}]
    })
}

#[tokio::test]
async fn a_patient_at_home_stops_and_carries_on_later_from_where_they_were() {
    let data = tempfile::tempdir().unwrap();
    let server = server_with_window(&data, ALL_DAY).await;
    let staff = staff_client(&server.url).await;
    let token = token_of(&link_for(&staff, &server.url, "Chidi O.").await);
    let home = Client::new();
    let first: KioskAppointment = unlock(&server.url, &token, "1949-12-02").await.json().await.unwrap();
    let resume = |match_token: String| {
        let home = home.clone();
        let url = format!("{}/api/v1/pre/resume", server.url);
        async move {
            let response = post(&home, &url, json!({"match_token": match_token})).await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    // Nothing saved yet.
    let nothing = resume(first.match_token.clone()).await;
    assert_eq!(nothing["progress"], serde_json::Value::Null);
    assert_eq!(nothing["finished"], false);

    let save = |body: serde_json::Value| {
        let home = home.clone();
        let url = format!("{}/api/v1/pre/progress", server.url);
        async move { home.put(url).json(&body).send().await.unwrap() }
    };
    let saved = save(json!({"match_token": first.match_token, "progress": progress("intake")})).await;
    assert_eq!(saved.status(), StatusCode::NO_CONTENT);
    // Saving again replaces it.
    let saved = save(json!({"match_token": first.match_token, "progress": progress("consents")})).await;
    assert_eq!(saved.status(), StatusCode::NO_CONTENT);

    // Later, another sitting (a new match after the birth date again): it is all there.
    let later: KioskAppointment = unlock(&server.url, &token, "1949-12-02").await.json().await.unwrap();
    assert_ne!(later.match_token, first.match_token);
    assert_eq!(
        resume(later.match_token.clone()).await["progress"],
        progress("consents")
    );

    // What the kiosk could not have made is refused, and keeps nothing.
    let too_many = json!({"match_token": later.match_token, "progress": {
        "step": "details", "fields": vec!["x"; 41], "answers": [], "forms": []}});
    expect_error(
        save(too_many).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidField,
    )
    .await;
    let unknown_form = json!({"match_token": later.match_token, "progress": {
        "step": "details", "fields": [], "answers": [], "forms": [{"id": "nope", "item": []}]}});
    expect_error(
        save(unknown_form).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidField,
    )
    .await;
    let extra_key = json!({"match_token": later.match_token, "progress": progress("review"), "note": 1});
    expect_error(
        save(extra_key).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidJson,
    )
    .await;
    let bad_step = json!({"match_token": later.match_token, "progress": progress("payday")});
    expect_error(
        save(bad_step).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidJson,
    )
    .await;
    let stale = json!({"match_token": "0".repeat(32), "progress": progress("review")});
    expect_error(save(stale).await, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    assert_eq!(
        resume(later.match_token.clone()).await["progress"],
        progress("consents")
    );

    // Finishing drops it: nothing of it stays on the server's side either.
    finish(&server.url, &later.match_token).await;
    let again: KioskAppointment = unlock(&server.url, &token, "1949-12-02").await.json().await.unwrap();
    let after = resume(again.match_token.clone()).await;
    assert_eq!(after["progress"], serde_json::Value::Null);
    assert_eq!(after["finished"], true, "the phone can offer the pass again");

    // A save sent before "Send my answers" that lands after the finish (its row written after
    // the finish deleted the one before, with the time it was sent) is not brought back.
    let id = board_row(&staff, &server.url, "Chidi O.").await.id;
    let db = test_db(&data).await;
    let finished_at: String = on_db!(&db, |p| sqlx::query_scalar(
        "SELECT finished_at FROM pre_registration WHERE appointment_id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)
    .unwrap();
    let sent_before = (chrono::DateTime::parse_from_rfc3339(&finished_at).unwrap() - chrono::Duration::milliseconds(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let late = serde_json::to_string(&progress("review")).unwrap();
    on_db!(&db, |p| sqlx::query(
        "INSERT INTO pre_progress (appointment_id, body, saved_at) VALUES ($1, $2, $3)"
    )
    .bind(id)
    .bind(&late)
    .bind(&sent_before)
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
    assert_eq!(
        resume(again.match_token.clone()).await["progress"],
        serde_json::Value::Null
    );
    // Carrying on after finishing is kept as any progress is.
    let saved = save(json!({"match_token": again.match_token, "progress": progress("payment")})).await;
    assert_eq!(saved.status(), StatusCode::NO_CONTENT);
    assert_eq!(resume(again.match_token.clone()).await["progress"], progress("payment"));
}

#[tokio::test]
async fn progress_saved_for_a_day_gone_by_is_deleted() {
    let data = tempfile::tempdir().unwrap();
    let server = server_with_window(&data, ALL_DAY).await;
    let staff = staff_client(&server.url).await;
    let db = test_db(&data).await;
    let chidi = board_row(&staff, &server.url, "Chidi O.").await.id;
    let today = board_row(&staff, &server.url, "Sean O.").await.id;
    // Chidi's visit was yesterday; both patients saved progress and never finished.
    on_db!(&db, |p| sqlx::query(
        "UPDATE appointment SET starts_at = $1 || substr(starts_at, 11) WHERE id = $2"
    )
    .bind(
        (chrono::Utc::now().date_naive() - chrono::Days::new(1))
            .format("%Y-%m-%d")
            .to_string()
    )
    .bind(chidi)
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
    for id in [chidi, today] {
        on_db!(&db, |p| sqlx::query(
            "INSERT INTO pre_progress (appointment_id, body, saved_at) VALUES ($1, '{}', $2)"
        )
        .bind(id)
        .bind("2026-01-01T00:00:00.000Z")
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
    }
    // The sweep runs with the next match token issued.
    token_for(&kiosk_client(), &server.url, "Smith", "1990-01-01").await;
    let left: Vec<i64> = on_db!(&db, |p| sqlx::query_scalar("SELECT appointment_id FROM pre_progress")
        .fetch_all(p)
        .await)
    .unwrap();
    assert_eq!(left, [today]);
    server.stop().await;
}

/// Links are built on the clinic's public address (`ARRIVE_PUBLIC_URL`), never on the Host a
/// request names: a forged Host cannot send patients or tablets elsewhere.
#[tokio::test]
async fn links_start_at_the_public_address_whatever_host_the_request_names() {
    let data = tempfile::tempdir().unwrap();
    let mut config = test_config(data.path());
    config.public_url = Some("https://checkin.clinic.example".into());
    let server = TestServer::start_with(config).await;
    let base = &server.url;
    let staff = staff_client(base).await;
    let row = board_row(&staff, base, "Chidi O.").await;
    let response = staff
        .post(format!("{base}/api/v1/desk/appointments/{}/pre-registration", row.id))
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let link: PreRegistrationLink = response.json().await.unwrap();
    assert!(
        link.link.starts_with("https://checkin.clinic.example/pre/"),
        "{}",
        link.link
    );

    let enrolled = staff
        .post(format!("{base}/api/v1/admin/kiosks"))
        .header("host", "attacker.example")
        .json(&json!({"name": "Lobby 2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(enrolled.status(), StatusCode::CREATED);
    let enrolled: serde_json::Value = enrolled.json().await.unwrap();
    let link = enrolled["link"].as_str().unwrap();
    assert!(link.starts_with("https://checkin.clinic.example/#enroll="), "{link}");
    server.stop().await;
}

/// Without the setting, links start at the address the server listens on.
#[tokio::test]
async fn without_a_public_address_links_start_at_the_listening_address() {
    let (_data, server, _kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let link = link_for(&staff, &server.url, "Chidi O.").await;
    assert!(link.link.starts_with(&format!("{}/pre/", server.url)), "{}", link.link);
    server.stop().await;
}
