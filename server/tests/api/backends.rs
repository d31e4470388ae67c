//! The store on both databases, in every `cargo test`: each flow below runs once on SQLite and
//! once on PostgreSQL (a database of its own on `ARRIVE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`). Unreachable PostgreSQL fails these tests with the
//! reason; `ARRIVE_SKIP_POSTGRES=1` skips the PostgreSQL half. (`ARRIVE_TEST_DATABASE=postgres`
//! runs the whole HTTP suite on PostgreSQL as well.)

use crate::common;

use arrive_domain::api::IdentifyResponse;
use arrive_domain::{AppointmentStatus, ErrorCode};
use arrive_server::store::{Backend, MatchedCheckIn, Pool, Store};
use reqwest::StatusCode;
use serde_json::{json, Value};

use common::*;

/// Runs `flow` on `backend`, unless that is PostgreSQL and the run asked to skip it.
macro_rules! on_both {
    ($sqlite:ident, $postgres:ident, $flow:ident) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn $sqlite() {
            $flow(Backend::Sqlite).await;
        }

        #[tokio::test(flavor = "multi_thread")]
        async fn $postgres() {
            if !postgres::skip() {
                $flow(Backend::Postgres).await;
            }
        }
    };
}

async fn server_on(backend: Backend) -> (tempfile::TempDir, TestServer) {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(test_config_on(backend, data.path())).await;
    (data, server)
}

/// Two stores on one database, as two servers sharing it have.
async fn two_stores(backend: Backend, data: &tempfile::TempDir) -> (Store, Store) {
    let config = test_config_on(backend, data.path());
    let open = || async {
        match &config.database_url {
            Some(url) => Store::open_postgres(url).await.unwrap(),
            None => Store::open(&config.database_path()).await.unwrap(),
        }
    };
    (open().await, open().await)
}

on_both!(
    sqlite_identify_check_in_idempotency_and_the_desk,
    postgres_identify_check_in_idempotency_and_the_desk,
    identify_check_in_idempotency_and_the_desk
);
/// Identify (a match, a miss), check-in with a verification and its idempotency key (a retry
/// answers the same and stores nothing new; the key on another visit is refused), the desk day
/// and its live stream, the detail staff read (audited).
async fn identify_check_in_idempotency_and_the_desk(backend: Backend) {
    let (data, server) = server_on(backend).await;
    let kiosk = kiosk_client();
    let staff = staff_client(&server.url).await;
    let mut board = staff
        .get(format!("{}/api/v1/desk/events", server.url))
        .send()
        .await
        .unwrap()
        .bytes_stream();

    assert!(matches!(
        identify(&kiosk, &server.url, "Nobody", "1990-01-01").await,
        IdentifyResponse::NotFound
    ));
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    let key = "ab".repeat(16);
    let first = checked_in_verified(&kiosk, &server.url, &token, &key, nothing_changed()).await;
    assert!(!first.already_checked_in);
    let retry = checked_in_verified(&kiosk, &server.url, &token, &key, nothing_changed()).await;
    assert_eq!(retry.arrived_at, first.arrived_at);
    assert!(!retry.already_checked_in, "a retry answers as the first call did");

    let (event_id, row) = next_appointment_event(&mut board, &mut String::new()).await;
    assert_eq!(row["status"], "arrived");
    assert!(event_id.parse::<i64>().unwrap() >= 1);

    let other = token_for(&kiosk, &server.url, "Johnson", "1980-11-05").await;
    let reused = check_in_verified(&kiosk, &server.url, &other, &key, nothing_changed()).await;
    expect_error(reused, StatusCode::CONFLICT, ErrorCode::Conflict).await;

    let today = desk_day(&staff, &server.url).await;
    let smith = today
        .appointments
        .iter()
        .find(|a| a.status == AppointmentStatus::Arrived)
        .expect("Smith arrived");
    assert_eq!(
        today
            .appointments
            .iter()
            .filter(|a| a.status == AppointmentStatus::Arrived)
            .count(),
        1
    );
    assert!(!smith.details_changed && !smith.insurance_changed && !smith.self_pay);
    let seen = desk_detail(&staff, &server.url, smith.id).await;
    assert_eq!(seen.status, AppointmentStatus::Arrived);
    assert!(seen.verification.is_some());

    let db = test_db_on(backend, &data).await;
    let stored: i64 = on_db!(&db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM visit_verification")
        .fetch_one(p)
        .await)
    .unwrap();
    assert_eq!(stored, 1);
    let audited: i64 = on_db!(&db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_entry WHERE appointment_id = $1"
    )
    .bind(smith.id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(audited >= 1);
    // The audit trail is append-only on both databases.
    let edit = on_db!(&db, |p| sqlx::query("UPDATE audit_entry SET action = 'x'")
        .execute(p)
        .await
        .map(|_| ()));
    assert!(edit.is_err());
    server.stop().await;
}

on_both!(
    sqlite_forms_scores_and_consents,
    postgres_forms_scores_and_consents,
    forms_scores_and_consents
);
/// A PHQ-2 then PHQ-9 with item 9 flags the visit urgent; a consent is signed once.
async fn forms_scores_and_consents(backend: Backend) {
    let (_data, server) = server_on(backend).await;
    let kiosk = kiosk_client();
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "Johnson", "1980-11-05").await;
    answer_phq2_then_phq9(&kiosk, &server.url, &token, &[2, 1], &[2, 1, 1, 1, 1, 1, 1, 1, 2]).await;

    let consents = pending_consents(&kiosk, &server.url, &token).await;
    let consent = consents.first().expect("a consent");
    let (id, version) = (consent.id.clone(), consent.version.clone());
    let sign = json!({"match_token": token, "version": version, "typed_name": "Emily Johnson",
        "signature_path": "M 10.0 150.0 L 60.0 40.0 L 120.0 160.0", "signed_by_typing": false, "language": "en"});
    let url = format!("{}/api/v1/kiosk/consents/{id}/signatures", server.url);
    for _ in 0..2 {
        let response = post(&kiosk, &url, sign.clone()).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "signed");
    }

    let flagged: Vec<_> = desk_day(&staff, &server.url)
        .await
        .appointments
        .into_iter()
        .filter(|a| a.needs_attention_now)
        .collect();
    assert_eq!(flagged.len(), 1);
    let seen = desk_detail(&staff, &server.url, flagged[0].id).await;
    assert_eq!(seen.forms.len(), 2);
    assert_eq!(
        seen.consents.iter().filter(|c| c.consent_id == id).count(),
        1,
        "signed once"
    );
    server.stop().await;
}

on_both!(
    sqlite_a_schedule_imports_once,
    postgres_a_schedule_imports_once,
    a_schedule_imports_once
);
/// A CSV schedule imports, and importing it again changes nothing; a new provider gets an id
/// of its own (PostgreSQL's counter is past the demo's hand-given ids). The file has Windows
/// line ends and a byte order mark, as Excel writes it: refused rows are reported on the lines
/// an editor shows.
async fn a_schedule_imports_once(backend: Backend) {
    let (_data, server) = server_on(backend).await;
    let admin = staff_client(&server.url).await;
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let csv = format!(
        "\u{feff}appointment_id,date,time,last_name,first_name,date_of_birth,provider,visit_type,mrn,duration\r\n\
         EHR-1,{today},16:00,Castillo,Elena,1966-05-05,Dr. Reyes,follow-up,M-1,20\r\n\
         EHR-2,{today},16:15,Castillo,Elena,1966-13-05,Dr. Reyes,follow-up,,\r\n\
         EHR-3,{today},16:30,Fischer,Jonas,1999-09-09,Dr. Patel,office-visit,,\r\n\
         EHR|4,{today},16:45,Fischer,Jonas,1999-09-09,Dr. Patel,office-visit,,\r\n"
    );
    let mut counts = Vec::new();
    for _ in 0..2 {
        let response = import_schedule(&admin, &server.url, "text/csv", csv.clone()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"],
            json!([
                {"line": 3, "reason": "date_of_birth is not a real date of birth"},
                {"line": 5, "reason": "appointment_id must not contain control characters or |"},
            ])
        );
        counts.push((body["inserted"].clone(), body["unchanged"].clone()));
    }
    assert_eq!(counts, [(json!(2), json!(0)), (json!(0), json!(2))]);
    let token = token_for(&kiosk_client(), &server.url, "Castillo", "1966-05-05").await;
    assert_eq!(token.len(), 32);
    server.stop().await;
}

on_both!(
    sqlite_the_practice_identity_and_times_reach_the_hand_off,
    postgres_the_practice_identity_and_times_reach_the_hand_off,
    the_practice_identity_and_times_reach_the_hand_off
);
/// What the import stored of the practice system's identifiers and times is what the FHIR
/// hand-off reads (`visit_on_file`): each identifier with its own system, start and end as
/// instants with the clinic's offset, the wall clock in the clinic's time zone.
async fn the_practice_identity_and_times_reach_the_hand_off(backend: Backend) {
    use arrive_server::import::{self, ImportSettings};
    let data = tempfile::tempdir().unwrap();
    let (store, _) = two_stores(backend, &data).await;
    let chicago = ImportSettings {
        clinic_time_zone: "America/Chicago".parse().unwrap(),
        ..ImportSettings::default()
    };
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    arrive_server::seed::seed_demo_with(&store, day, 0, &chicago)
        .await
        .unwrap();
    let rows = store.desk_day(day).await.unwrap().appointments;
    let first = rows.iter().find(|r| r.starts_at == "08:00").expect("the demo's 08:00");
    let visit = store.visit_on_file(first.id).await.unwrap().unwrap();
    assert_eq!(
        (
            visit.external_system.as_deref(),
            visit.external_id.as_deref(),
            visit.starts_at.as_str(),
            visit.starts_at_instant.as_deref(),
            visit.ends_at_instant.as_deref(),
        ),
        (
            Some("urn:oid:2.16.840.1.113883.3.9999.2"),
            Some("DEMO-2026-12-02-01"),
            "2026-12-02T08:00",
            Some("2026-12-02T08:00:00-06:00"),
            Some("2026-12-02T08:15:00-06:00"),
        )
    );
    assert_eq!(
        (
            visit.patient.external_system.as_deref(),
            visit.patient.external_id.as_deref()
        ),
        (Some("urn:oid:2.16.840.1.113883.3.9999.1"), Some("MRN-1001")),
        "the MR-typed identifier"
    );

    // A CSV: the configured systems; the clinic's wall clock with its offset; a duration.
    let settings = ImportSettings {
        mrn_system: "https://ehr.example.org/sid/mrn".into(),
        appointment_id_system: "https://ehr.example.org/sid/appointment".into(),
        ..chicago.clone()
    };
    let csv = "appointment_id,date,time,last_name,first_name,date_of_birth,provider,visit_type,duration,mrn\n\
               V-1,2026-12-02,13:00,Castillo,Elena,1966-05-05,Dr. Reyes,follow-up,40,M 77\n";
    let (rows, errors) = import::csv::parse(csv, &settings).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let counts = store.import_schedule(&rows).await.unwrap();
    assert_eq!(counts.inserted, 1);
    let id = store
        .desk_day(day)
        .await
        .unwrap()
        .appointments
        .iter()
        .find(|r| r.patient == "Elena C.")
        .unwrap()
        .id;
    let visit = store.visit_on_file(id).await.unwrap().unwrap();
    assert_eq!(
        (
            visit.external_system.as_deref(),
            visit.external_id.as_deref(),
            visit.starts_at_instant.as_deref(),
            visit.ends_at_instant.as_deref(),
            visit.patient.external_system.as_deref(),
            visit.patient.external_id.as_deref(),
        ),
        (
            Some("https://ehr.example.org/sid/appointment"),
            Some("V-1"),
            Some("2026-12-02T13:00:00-06:00"),
            Some("2026-12-02T13:40:00-06:00"),
            Some("https://ehr.example.org/sid/mrn"),
            Some("M 77"),
        )
    );
    // The same visit sent again as FHIR in UTC is the same instant: unchanged. Moved by an
    // hour, it is updated (wall clock and instants).
    let bundle = |start: &str, end: &str| {
        json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient",
                "identifier": [{"system": "https://ehr.example.org/sid/mrn", "value": "M 77"}],
                "name": [{"family": "Castillo", "given": ["Elena"]}], "birthDate": "1966-05-05"}},
            {"resource": {"resourceType": "Appointment", "start": start, "end": end,
                "identifier": [{"system": "https://ehr.example.org/sid/appointment", "value": "V-1"}],
                "appointmentType": {"coding": [{"code": "follow-up"}]},
                "participant": [{"actor": {"reference": "urn:uuid:p"}},
                                {"actor": {"reference": "Practitioner/r", "display": "Dr. Reyes"}}]}}
        ]})
        .to_string()
    };
    let (rows, _) = import::fhir::parse(&bundle("2026-12-02T19:00:00Z", "2026-12-02T19:40:00Z"), &settings).unwrap();
    assert_eq!(store.import_schedule(&rows).await.unwrap().unchanged, 1);
    let (rows, _) = import::fhir::parse(&bundle("2026-12-02T20:00:00Z", "2026-12-02T20:30:00Z"), &settings).unwrap();
    assert_eq!(store.import_schedule(&rows).await.unwrap().updated, 1);
    let visit = store.visit_on_file(id).await.unwrap().unwrap();
    assert_eq!(
        (
            visit.starts_at.as_str(),
            visit.starts_at_instant.as_deref(),
            visit.ends_at_instant.as_deref()
        ),
        (
            "2026-12-02T14:00",
            Some("2026-12-02T14:00:00-06:00"),
            Some("2026-12-02T14:30:00-06:00")
        )
    );
}

on_both!(
    sqlite_an_outbox_row_is_taken_once,
    postgres_an_outbox_row_is_taken_once,
    an_outbox_row_is_taken_once
);
/// Two servers polling the FHIR outbox of one database: a due delivery is taken by one of them
/// only (leased), and is due again when the lease runs out without an outcome.
async fn an_outbox_row_is_taken_once(backend: Backend) {
    let data = tempfile::tempdir().unwrap();
    let (a, b) = two_stores(backend, &data).await;
    assert_eq!(a.backend(), backend);
    assert!(matches!(
        (a.pool(), backend),
        (Pool::Sqlite(_), Backend::Sqlite) | (Pool::Postgres(_), Backend::Postgres)
    ));
    let now = chrono::Utc::now();
    arrive_server::seed::seed_demo(&a, now.date_naive(), 0).await.unwrap();
    let ids: Vec<i64> = a
        .desk_day(now.date_naive())
        .await
        .unwrap()
        .appointments
        .iter()
        .take(3)
        .map(|r| r.id)
        .collect();
    for id in &ids {
        let token = a.issue_match_token(*id, now).await.unwrap();
        let done = a.check_in_matched(&token, *id, false, None, now).await.unwrap();
        assert!(matches!(done, MatchedCheckIn::Done(_)));
    }
    let (took_a, took_b) = tokio::join!(a.due_deliveries(now, 32), b.due_deliveries(now, 32));
    let (took_a, took_b) = (took_a.unwrap(), took_b.unwrap());
    let mut taken: Vec<i64> = took_a.iter().chain(&took_b).map(|due| due.appointment_id).collect();
    taken.sort_unstable();
    let mut expected = ids.clone();
    expected.sort_unstable();
    assert_eq!(taken, expected, "each due delivery taken exactly once");
    assert!(a.due_deliveries(now, 32).await.unwrap().is_empty());
    a.delivery_succeeded(ids[0], now).await.unwrap();
    let later = now + chrono::Duration::minutes(3);
    let again: Vec<i64> = b
        .due_deliveries(later, 32)
        .await
        .unwrap()
        .iter()
        .map(|due| due.appointment_id)
        .collect();
    assert_eq!(
        again.len(),
        2,
        "the two left without an outcome are due again: {again:?}"
    );
    assert!(!again.contains(&ids[0]));
}

on_both!(
    sqlite_misses_lock_out_a_tablet_on_every_server,
    postgres_misses_lock_out_a_tablet_on_every_server,
    misses_lock_out_a_tablet_on_every_server
);
/// The identify throttle's counts live in the database: misses made through one store (one
/// server) count for another on the same database, the tenth in the window locks the tablet
/// for both, misses older than the window are forgotten, and the lockout ends.
async fn misses_lock_out_a_tablet_on_every_server(backend: Backend) {
    let data = tempfile::tempdir().unwrap();
    let (a, b) = two_stores(backend, &data).await;
    let throttle = arrive_server::throttle::IdentifyThrottle::default();
    let t0 = chrono::Utc::now();
    let minute = chrono::Duration::minutes(1);
    // One miss long ago: out of the window by the time the others come.
    assert_eq!(
        throttle.record_miss(&a, 7, "10.0.0.1", t0).await.unwrap(),
        (false, false)
    );
    let t1 = t0 + minute * 11;
    for i in 0..9 {
        let store = if i % 2 == 0 { &a } else { &b };
        let locked = throttle.record_miss(store, 7, "10.0.0.1", t1).await.unwrap();
        assert_eq!(locked, (false, false), "miss {} in the window", i + 1);
        assert!(!throttle.locked_out(store, 7, "10.0.0.1", t1).await.unwrap());
    }
    // Nine misses in the window, not ten: the old one was forgotten.
    let locked = throttle.record_miss(&b, 7, "10.0.0.1", t1).await.unwrap();
    assert_eq!(locked, (true, false), "the tenth within the window locks the tablet");
    for store in [&a, &b] {
        assert!(throttle.locked_out(store, 7, "10.0.0.1", t1).await.unwrap());
        assert!(
            !throttle.locked_out(store, 8, "10.0.0.2", t1).await.unwrap(),
            "others go on"
        );
    }
    assert!(
        !throttle.locked_out(&a, 7, "10.0.0.1", t1 + minute * 5).await.unwrap(),
        "the lockout ends"
    );
}
