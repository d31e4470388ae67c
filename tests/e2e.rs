//! End to end, as a patient and a receptionist would see it: the real server binary on
//! loopback with a real SQLite file, the kiosk and desk as `cargo xtask build` builds them, and headless Chromium driven
//! over WebDriver. Run by `cargo xtask test`, which builds what these tests need and passes:
//! ARRIVE_SERVER_BIN, ARRIVE_DIST, CHROMEDRIVER, CHROMIUM, AXE_JS (axe-core's bundle) and
//! ARRIVE_VALIDATORS (the FHIR and X12 validators: every check-in's Bundle passes through one).
//! Each screen is also checked with axe-core (WCAG 2.1 A/AA rules) and saved as a PNG in
//! target/e2e-screens/ for people to look at.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::Locator;
use serde_json::json;
use support::harness::*;

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_patient_checks_in_and_the_desk_board_shows_it_without_reload() {
    let server = start_server();
    let driver = start_chromedriver().await;

    let desk = browser(&driver).await;
    desk.goto(&format!("{}/desk", server.url)).await.expect("open desk");
    // Staff only: the board asks who is there first.
    wait_text(&desk, "#sign-in-title", "Staff sign-in").await;
    check_screen(&desk, "desk-sign-in").await;
    type_into(&desk, "#username", "admin").await;
    type_into(&desk, "#password", "not it").await;
    click(&desk, "#sign-in").await;
    wait_text(&desk, "#sign-in-error", "not right").await;
    type_into(&desk, "#password", ADMIN_PASSWORD).await;
    click(&desk, "#sign-in").await;
    wait_text(&desk, "#connection", "Live").await;
    eventually("the desk to list Sean O. as scheduled", || async {
        desk_status(&desk, "Sean O.").await.as_deref() == Some("scheduled")
    })
    .await;
    check_screen(&desk, "desk").await;

    let kiosk = browser(&driver).await;
    // The tablet is enrolled by opening the link the desk gives; the token leaves the address.
    open_kiosk(&kiosk, &server.url).await;
    // Every screen from here on opens at its top with focus on its heading: the window is
    // scrolled down by then (WebDriver scrolls to each button it taps).
    screen_opened(&kiosk, "Welcome").await;
    check_screen(&kiosk, "welcome").await;
    check_layout(&kiosk, "welcome").await;
    // "I need help" reaches the desk at once, with the tablet and the step, until acknowledged.
    click(&kiosk, "#help").await;
    wait_text(&kiosk, "#help-coming", "Someone from the front desk is coming").await;
    wait_text(
        &desk,
        ".help-banner",
        "Kiosk 1: a patient asks for help (at: welcome screen)",
    )
    .await;
    check_screen(&desk, "desk-help").await;
    click(&desk, ".help-banner button").await;
    eventually("the help banner to go", || async {
        text_of(&desk, ".help-banner").await.is_none()
    })
    .await;
    click(&kiosk, "#start-en").await;
    screen_opened_at(&kiosk, "Who are you?", "#last-name").await;
    // A first try with mistakes: errors next to the fields, announced, and accessible.
    identify(&kiosk, "0'Brien", "9", "31", "1971").await;
    wait_text(&kiosk, "#dob-error", "This date does not exist").await;
    wait_text(&kiosk, "#last-name-error", "Use letters only").await;
    check_screen(&kiosk, "identify-errors").await;
    check_layout(&kiosk, "identify-errors").await;
    identify(&kiosk, "o'brien", "9", "30", "1971").await;
    screen_opened(&kiosk, "Hello, Sean").await;
    // The clinic's time, as English writes it.
    wait_text(&kiosk, "#appointment-summary", "today at 8:45 AM with Dr. Moreno").await;
    // The lobby sees the first name only: never the last name or the date of birth.
    let page = kiosk
        .find(Locator::Css("#main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text");
    assert!(
        !page.contains("O'Brien") && !page.contains("1971"),
        "the greeting shows too much: {page}"
    );
    check_screen(&kiosk, "details").await;
    check_layout(&kiosk, "details").await;
    // Contact details and insurance are as on file (tests/kiosk_flow.rs changes them).
    click(&kiosk, "#all-same").await;

    // Reason for visit: going on without an answer says what is missing, next to the question.
    wait_form(&kiosk, "reason-for-visit").await;
    screen_opened(&kiosk, "Reason for your visit").await;
    click(&kiosk, "#form-next").await;
    wait_text(&kiosk, "#q-reason-error", "Please answer this question").await;
    check_screen(&kiosk, "form-reason-errors").await;
    type_into(&kiosk, "#q-reason", "Cough for two weeks").await;
    click(&kiosk, "#form-next").await;

    // Allergies: a list with rows to add and remove.
    wait_form(&kiosk, "allergies").await;
    screen_opened(&kiosk, "Allergies").await;
    type_into(&kiosk, "#q-allergy-0-substance", "Penicillin").await;
    click(&kiosk, "#q-allergy-add").await;
    type_into(&kiosk, "#q-allergy-1-substance", "Latex").await;
    type_into(&kiosk, "#q-allergy-1-reaction", "Rash").await;
    check_screen(&kiosk, "form-allergies").await;
    click(&kiosk, "#form-next").await;

    wait_form(&kiosk, "medications").await;
    screen_opened(&kiosk, "Current medications").await;
    click(&kiosk, "#q-no-medications").await;
    click(&kiosk, "#form-next").await;

    // PHQ-2 = 1 + 2 = 3: the PHQ-9 follows, its first two answers carried over.
    wait_form(&kiosk, "phq-2").await;
    screen_opened(&kiosk, "Mood (PHQ-2)").await;
    click(&kiosk, "#q-phq-1-1").await;
    click(&kiosk, "#q-phq-2-2").await;
    check_screen(&kiosk, "form-phq-2").await;
    click(&kiosk, "#form-next").await;
    wait_form(&kiosk, "phq-9").await;
    screen_opened(&kiosk, "Mood (PHQ-9)").await;
    assert!(
        is_checked(&kiosk, "#q-phq-2-2").await,
        "PHQ-2 answers carry into the PHQ-9"
    );
    for (item, option) in [(3, 1), (4, 0), (5, 2), (6, 0), (7, 1), (8, 0), (9, 1)] {
        click(&kiosk, &format!("#q-phq-{item}-{option}")).await;
    }
    check_screen(&kiosk, "form-phq-9").await;
    check_layout(&kiosk, "form-phq-9").await;
    click(&kiosk, "#form-next").await;

    wait_form(&kiosk, "pain").await;
    screen_opened(&kiosk, "Pain").await;
    click(&kiosk, "#q-pain-now-4").await;
    check_screen(&kiosk, "form-pain").await;
    click(&kiosk, "#form-next").await;

    // PHQ-9 item 9 above 0: the desk is told at once, before the patient even checks in.
    eventually("the desk to flag Sean O.", || async {
        text_of(&desk, ".urgent-banner")
            .await
            .is_some_and(|t| t.contains("Sean O."))
    })
    .await;
    // Staff open the details: the answers, the PHQ-9 score and band, the signatures (below,
    // once signed); seeing to the flag clears it.
    let open = desk
        .find(Locator::XPath(
            "//tr[td[@class='patient' and normalize-space()='Sean O.']]//button",
        ))
        .await
        .expect("details button");
    open.click().await.expect("open details");
    wait_text(&desk, "#detail-title", "Sean O'Brien").await;
    wait_text(&desk, "#detail [data-form-id='phq-9'] .score", "PHQ-9 score 8 (mild)").await;
    wait_text(&desk, "#detail [data-form-id='allergies']", "Latex").await;
    check_screen(&desk, "desk-detail").await;
    click(&desk, "#acknowledge").await;
    eventually("the flag to clear", || async {
        text_of(&desk, ".urgent-banner").await.is_none()
    })
    .await;
    click(&desk, "#close-detail").await;

    // Scores are for staff: the patient never sees them.
    let page = kiosk.source().await.expect("source");
    assert!(
        !page.contains("moderate") && !page.contains("severity"),
        "the kiosk shows a score"
    );

    // Consents: every pending one on one screen, each title and its whole text, then one name
    // and one signature with a finger (synthetic pointer events on the pad) for all of them.
    screen_opened(&kiosk, "Please read and sign").await;
    for (consent, title) in [
        ("privacy-notice", "Notice of Privacy Practices"),
        ("consent-to-treat", "Consent to treatment"),
        ("financial-responsibility", "Financial responsibility"),
    ] {
        wait_consent(&kiosk, consent).await;
        wait_text(&kiosk, &format!("#consent-title-{consent}"), title).await;
    }
    check_screen(&kiosk, "consent").await;
    check_layout(&kiosk, "consent").await;
    // Nothing given: each error names what this screen asks for (the full name, the finger
    // or the typed name), not the identify screen's "last name".
    click(&kiosk, "#sign").await;
    wait_text(&kiosk, "#typed-name-error", "Type your full name").await;
    wait_text(&kiosk, "#signature-error", "or choose to sign with your typed name").await;
    type_into(&kiosk, "#typed-name", "Sean O'Brien").await;
    click(&kiosk, "#sign").await;
    wait_text(&kiosk, "#signature-error", "Please sign in the box").await;
    check_screen(&kiosk, "consent-errors").await;
    draw_signature(&kiosk).await;
    click(&kiosk, "#sign").await;

    // Paying and checking in, on one screen.
    screen_opened(&kiosk, "Ready to check in").await;
    check_screen(&kiosk, "ready").await;
    check_layout(&kiosk, "ready").await;
    click(&kiosk, "#check-in").await;
    wait_text(&kiosk, "#payment-choice-error", "Please choose one").await;
    click(&kiosk, "#pay-card").await;
    click(&kiosk, "#check-in").await;
    screen_opened(&kiosk, "You are checked in, Sean").await;
    check_screen(&kiosk, "done").await;
    check_layout(&kiosk, "done").await;

    // The board, open all along, turns the row to "arrived" by itself.
    eventually("the desk to show Sean O. as arrived", || async {
        desk_status(&desk, "Sean O.").await.as_deref() == Some("arrived")
    })
    .await;
    wait_text(&desk, "#summary", "1 of 13 arrived").await;
    check_screen(&desk, "desk-arrived").await;
    // Today's numbers count the help request and the kiosk visit.
    click(&desk, "#metrics summary").await;
    click(&desk, "#metrics button").await;
    wait_text(&desk, "#metric-help", "1").await;
    wait_text(&desk, "#metric-abandoned", "0 / 1").await;
    check_screen(&desk, "desk-metrics").await;
    // Staff take Sean to a room: the board says so, and the signatures are in his details.
    desk.find(Locator::XPath(
        "//tr[td[@class='patient' and normalize-space()='Sean O.']]//button",
    ))
    .await
    .expect("details button")
    .click()
    .await
    .expect("open details");
    wait_text(&desk, "#detail [data-consent-id='privacy-notice']", "Sean O'Brien").await;
    // The sandbox payer's answer, asked at check-in: active, with the plan's co-pay.
    wait_text(&desk, "#eligibility-status", "Active on the visit date").await;
    wait_text(&desk, "#eligibility-copay", "Expected co-pay: $30.00").await;
    check_screen(&desk, "desk-detail-signed").await;
    click(&desk, "#mark-roomed").await;
    eventually("the desk to show Sean O. as roomed", || async {
        desk_status(&desk, "Sean O.").await.as_deref() == Some("roomed")
    })
    .await;

    // Nothing of the patient's stays in the tablet's storage or address bar.
    assert!(
        storage_holds_only_the_device_token(&kiosk).await,
        "the kiosk left data in browser storage"
    );
    let url = kiosk.current_url().await.expect("url");
    assert!(
        url.query().is_none() && url.fragment().is_none(),
        "the kiosk URL carries data: {url}"
    );

    // The server kept each consent's signature with its exact text version, the name and the
    // one stroke.
    let db = server.database().await;
    type SignatureRow = (String, String, String, bool);
    let signatures: Vec<SignatureRow> = sqlx::query_as(
        "SELECT s.consent_id, s.typed_name, s.signature_path, s.signed_by_typing
         FROM consent_signature s JOIN patient p ON p.id = s.patient_id
         WHERE p.last_name = 'O''Brien' ORDER BY s.id",
    )
    .fetch_all(&db)
    .await
    .expect("signatures");
    let ids: Vec<&str> = signatures.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(ids, ["privacy-notice", "consent-to-treat", "financial-responsibility"]);
    assert!(signatures.iter().all(|s| s.1 == "Sean O'Brien"));
    for drawn in &signatures {
        assert!(
            drawn.2.starts_with("M ") && drawn.2.matches(" L ").count() >= 10,
            "stroke kept: {}",
            drawn.2
        );
        assert_eq!(arrive_domain::consent::validate_signature(&drawn.2), Ok(()));
        assert!(!drawn.3);
    }

    // "Finish" returns to the welcome screen, ready for the next patient.
    click(&kiosk, "#finish").await;
    screen_opened(&kiosk, "Welcome").await;

    // What the clinic's EHR receives is valid FHIR R4 and holds what Sean gave.
    let bundle = hand_off_bundle(&server.url, "Sean O.").await;
    let kinds: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    // Two consents to care and privacy; the financial agreement is a document.
    assert_eq!(kinds.iter().filter(|k| **k == "Consent").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "DocumentReference").count(), 1);
    assert!(kinds.iter().filter(|k| **k == "QuestionnaireResponse").count() >= 5);
    // Nothing changed: the EHR's Patient and Appointment are patched (the status only), and
    // no Coverage is sent.
    let patched: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["request"]["method"] == "PATCH")
        .map(|e| e["request"]["url"].as_str().unwrap().split('?').next().unwrap())
        .collect();
    assert_eq!(patched, ["Patient", "Appointment"]);
    assert!(!kinds.contains(&"Coverage"));

    kiosk.close().await.expect("close kiosk");
    desk.close().await.expect("close desk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn no_match_or_several_matches_send_the_patient_to_the_desk_without_listing_anyone() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    // A tablet nobody enrolled cannot be used, and says whom to ask.
    kiosk.goto(&server.url).await.expect("open kiosk");
    wait_text(&kiosk, "#outcome-title", "not ready for check-in").await;
    check_screen(&kiosk, "not-enrolled").await;
    kiosk
        .goto(&format!("{}/kiosk#enroll={KIOSK_TOKEN}", server.url))
        .await
        .expect("enroll");

    // Two different patients share this name and birth date: the kiosk must not choose.
    click(&kiosk, "#start-es").await;
    identify(&kiosk, "Nguyen", "6", "15", "1985").await;
    wait_text(&kiosk, "#outcome-title", "Por favor, acérquese a recepción").await;
    check_screen(&kiosk, "several-es").await;
    let page = kiosk.source().await.expect("source");
    for name in ["Linh", "Lan ", "Dr. Moreno", "9:15", "9:30"] {
        assert!(!page.contains(name), "the 'several' screen reveals {name:?}");
    }

    // Nobody matches: a plain message, a way to try again, and what was typed is kept.
    click(&kiosk, "#start-over").await;
    click(&kiosk, "#start-en").await;
    identify(&kiosk, "Smith", "1", "2", "1990").await;
    wait_text(&kiosk, "#outcome-title", "We could not find your appointment").await;
    check_screen(&kiosk, "not-found").await;
    click(&kiosk, "#try-again").await;
    let kept = value_of(&kiosk, "#last-name").await;
    assert_eq!(kept.as_deref(), Some("Smith"));

    // Correcting the day finds the appointment.
    type_into(&kiosk, "#dob-day", "1").await;
    click(&kiosk, "#continue").await;
    wait_text(&kiosk, "#details-title", "Hello, James").await;

    // A PHQ-2 of 2 goes straight past the PHQ-9; Back returns to the form before, answers kept.
    click(&kiosk, "#all-same").await;
    wait_form(&kiosk, "reason-for-visit").await;
    type_into(&kiosk, "#q-reason", "Check-up").await;
    click(&kiosk, "#form-next").await;
    wait_form(&kiosk, "allergies").await;
    click(&kiosk, "#q-no-known-allergies").await;
    click(&kiosk, "#form-next").await;
    wait_form(&kiosk, "medications").await;
    type_into(&kiosk, "#q-medication-0-name", "Metformin").await;
    click(&kiosk, "#form-next").await;
    wait_form(&kiosk, "phq-2").await;
    click(&kiosk, "#q-phq-1-1").await;
    click(&kiosk, "#q-phq-2-1").await;
    click(&kiosk, "#form-next").await;
    wait_form(&kiosk, "pain").await;
    click(&kiosk, "#back").await;
    wait_form(&kiosk, "phq-2").await;
    screen_opened(&kiosk, "Mood (PHQ-2)").await;
    assert!(is_checked(&kiosk, "#q-phq-2-1").await, "Back keeps the answers");

    // An admin revokes the tablet: its next request is refused and it says so.
    revoke_first_kiosk(&server.url).await;
    click(&kiosk, "#start-over").await;
    click(&kiosk, "#start-en").await;
    identify(&kiosk, "Smith", "1", "1", "1990").await;
    wait_text(&kiosk, "#outcome-title", "not ready for check-in").await;
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn the_board_misses_no_arrival_across_a_server_restart() {
    let mut server = start_server();
    let driver = start_chromedriver().await;
    let desk = browser(&driver).await;
    sign_in_at_desk(&desk, &server.url).await;

    check_in_by_api(&server.url, "Okafor", "1949-12-02").await;
    eventually("Chidi O. arrived", || async {
        desk_status(&desk, "Chidi O.").await.as_deref() == Some("arrived")
    })
    .await;

    // The server dies and comes back; meanwhile the board is not touched (a marker in the page
    // proves it is never reloaded).
    desk.execute("window.arriveMarker = 'same page'; return true;", vec![])
        .await
        .expect("mark the page");
    server.restart();
    check_in_by_api(&server.url, "Müller", "2001-07-04").await;
    eventually("Zoë M. arrived, without a reload", || async {
        desk_status(&desk, "Zoë M.").await.as_deref() == Some("arrived")
    })
    .await;
    assert_eq!(desk_status(&desk, "Chidi O.").await.as_deref(), Some("arrived"));
    wait_text(&desk, "#summary", "2 of 13 arrived").await;
    wait_text(&desk, "#connection", "Live").await;
    let marker = desk
        .execute("return window.arriveMarker;", vec![])
        .await
        .expect("read the marker");
    assert_eq!(marker, json!("same page"), "the board was reloaded");
    for patient in ["Chidi O.", "Zoë M."] {
        hand_off_bundle(&server.url, patient).await;
    }
    // The payer says Robert's coverage is not active: the board tells the desk to check it.
    check_in_by_api(&server.url, "Johnson", "1980-11-05").await;
    eventually("Robert J. flagged for insurance", || async {
        let row = "//tr[td[@class='patient' and normalize-space()='Robert J.']]";
        match desk.find(Locator::XPath(row)).await {
            Ok(row) => row.text().await.is_ok_and(|t| t.contains("Check insurance")),
            Err(_) => false,
        }
    })
    .await;
    hand_off_bundle(&server.url, "Robert J.").await;
    desk.close().await.expect("close desk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_new_staff_member_chooses_a_password_at_first_sign_in() {
    let server = start_server();
    // An admin creates the account with a password of their choosing (over the API).
    let http = reqwest::Client::new();
    let (cookie, csrf) = admin_session(&http, &server.url).await;
    let created = http
        .post(format!("{}/api/v1/admin/staff", server.url))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({"username": "rosa", "display_name": "Rosa", "role": "front_desk", "password": "given by the admin"}))
        .send()
        .await
        .expect("create staff");
    assert_eq!(created.status().as_u16(), 201);

    let driver = start_chromedriver().await;
    let desk = browser(&driver).await;
    desk.goto(&format!("{}/desk", server.url)).await.expect("open desk");
    type_into(&desk, "#username", "rosa").await;
    type_into(&desk, "#password", "given by the admin").await;
    click(&desk, "#sign-in").await;
    wait_text(&desk, "#password-title", "Choose your own password").await;
    type_into(&desk, "#current-password", "given by the admin").await;
    type_into(&desk, "#new-password", "short").await;
    type_into(&desk, "#new-password-again", "short").await;
    click(&desk, "#change-password").await;
    wait_text(&desk, "#password-error", "at least 12 characters").await;
    check_screen(&desk, "desk-change-password").await;
    type_into(&desk, "#new-password", "rosa chose this").await;
    type_into(&desk, "#new-password-again", "rosa chose this").await;
    click(&desk, "#change-password").await;
    wait_text(&desk, "#connection", "Live").await;
    wait_text(&desk, "#staff-name", "Rosa").await;
    // Front desk staff do not see the admin's tablet panel.
    assert!(text_of(&desk, ".kiosk-setup summary").await.is_none());
    desk.close().await.expect("close desk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn an_admin_imports_the_schedule_from_the_desk_and_bad_rows_are_named_by_line() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let desk = browser(&driver).await;
    sign_in_at_desk(&desk, &server.url).await;

    let today = local_today();
    let file = server.data.path().join("today.csv");
    std::fs::write(
        &file,
        format!(
            "appointment_id,date,time,last_name,first_name,date_of_birth,provider,visit_type\n\
             EHR-9,{today},16:45,Castillo,Elena,1966-05-05,Dr. Reyes,follow-up\n\
             EHR-10,{today},17:00,Fischer,Jonas,1999-99-09,Dr. Patel,office-visit\n"
        ),
    )
    .expect("write the schedule");
    click(&desk, "#administration summary").await;
    let input = desk.find(Locator::Css("#schedule-file")).await.expect("file input");
    input
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the file");
    click(&desk, "#import-schedule").await;
    wait_text(&desk, "#import-report", "1 added, 0 updated, 0 unchanged").await;
    wait_text(
        &desk,
        "#import-report",
        "Line 3: date_of_birth is not a real date of birth",
    )
    .await;
    check_screen(&desk, "desk-administration").await;

    // The same from a FHIR Bundle: refused entries are named by number.
    let bundle = server.data.path().join("today.json");
    std::fs::write(
        &bundle,
        json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:6f1c0000-0000-4000-8000-000000000001", "resource": {"resourceType": "Patient",
                "name": [{"family": "Ortiz", "given": ["Lucía"]}], "birthDate": "1988-08-08",
                "telecom": [{"system": "phone", "value": "512-555-0199"}]}},
            {"resource": {"resourceType": "Appointment", "id": "fhir-1", "status": "booked",
                "start": format!("{today}T17:15:00-06:00"), "appointmentType": {"coding": [{"code": "follow-up"}]},
                "participant": [{"actor": {"reference": "urn:uuid:6f1c0000-0000-4000-8000-000000000001"}, "status": "accepted"},
                                {"actor": {"reference": "Practitioner/p", "display": "Dr. Reyes"}, "status": "accepted"}]}},
            {"resource": {"resourceType": "Appointment", "id": "fhir-2", "status": "booked",
                "start": format!("{today}T17:30:00-06:00"), "participant": []}}
        ]})
        .to_string(),
    )
    .expect("write the bundle");
    let input = desk.find(Locator::Css("#schedule-file")).await.expect("file input");
    input
        .send_keys(&bundle.display().to_string())
        .await
        .expect("choose the bundle");
    click(&desk, "#import-schedule").await;
    wait_text(&desk, "#import-report", "1 added, 0 updated, 0 unchanged").await;
    wait_text(
        &desk,
        "#import-report",
        "Entry 3: the Appointment has no Patient participant in the Bundle",
    )
    .await;
    eventually("Lucía O. on the board", || async {
        desk_status(&desk, "Lucía O.").await.as_deref() == Some("scheduled")
    })
    .await;
    // This desk's board shows the imported patient at once.
    eventually("Elena C. on the board", || async {
        desk_status(&desk, "Elena C.").await.as_deref() == Some("scheduled")
    })
    .await;
    desk.close().await.expect("close desk");
}

/// The kiosk's main screens at a tablet's 1280 × 800 and a phone's 390 × 844, in English and
/// in Spanish: no sideways scrolling, a one-row top bar, no word broken in two; on the tablet,
/// both ways in on the welcome screen without scrolling, and Continue in view while the
/// on-screen keyboard takes half the screen. The appointment's time as each language writes it.
#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn the_screens_fit_a_tablet_and_a_phone_in_english_and_spanish() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    screen_opened(&kiosk, "Welcome").await;
    for (width, height, device) in [(1280, 800, "tablet"), (390, 844, "phone")] {
        set_viewport(&kiosk, width, height).await;
        for (lang, titles, time) in [
            ("en", ["Who are you?", "Welcome"], "today at 1:00 PM with Dr. Patel"),
            (
                "es",
                ["¿Quién es usted?", "Le damos la bienvenida"],
                "hoy a la 1:00 p. m. con Dr. Patel",
            ),
        ] {
            let at = |screen: &str| format!("{screen}-{lang}-{device}");
            click(&kiosk, &format!("#start-{lang}")).await;
            screen_opened_at(&kiosk, titles[0], "#last-name").await;
            check_layout(&kiosk, &at("identify")).await;
            // Each part of the birth date hands over to the next once it is full.
            type_into(&kiosk, "#last-name", "Müller").await;
            type_into(&kiosk, "#dob-month", "07").await;
            assert_eq!(focused(&kiosk).await, "dob-day", "a full month moves on to the day");
            type_into(&kiosk, "#dob-day", "4").await;
            assert_eq!(focused(&kiosk).await, "dob-day", "one digit of a day stays");
            type_into(&kiosk, "#dob-day", "04").await;
            assert_eq!(focused(&kiosk).await, "dob-year", "a full day moves on to the year");
            type_into(&kiosk, "#dob-year", "2001").await;
            let keypad = kiosk
                .execute(
                    "return ['dob-month', 'dob-day', 'dob-year'].map(id => document.getElementById(id).inputMode);",
                    vec![],
                )
                .await
                .expect("input modes");
            assert_eq!(keypad, json!(["numeric", "numeric", "numeric"]));
            if device == "tablet" {
                // The on-screen keyboard takes the lower part of the screen: Continue stays above it.
                set_viewport(&kiosk, width, 400).await;
                // Focus as a tap gives it (WebDriver's own scrolling ignores the page's margins).
                kiosk
                    .execute(
                        "const year = document.getElementById('dob-year'); year.blur(); year.focus(); return true;",
                        vec![],
                    )
                    .await
                    .expect("focus the year");
                assert_in_view(&kiosk, &at("identify-with-keyboard"), &["#dob-year", "#continue"]).await;
                let clear = kiosk
                    .execute(
                        "const field = document.getElementById('dob-year').getBoundingClientRect();
                         return document.getElementById('continue').getBoundingClientRect().top >= field.bottom;",
                        vec![],
                    )
                    .await
                    .expect("measure");
                assert_eq!(clear, json!(true), "Continue covers the field being typed in");
                check_screen(&kiosk, &at("identify-with-keyboard")).await;
                set_viewport(&kiosk, width, height).await;
            }
            // Back to the welcome screen, now in this language: it fits, and it names the pass
            // in each language once.
            click(&kiosk, "#back").await;
            screen_opened(&kiosk, titles[1]).await;
            check_layout(&kiosk, &at("welcome")).await;
            let pass_title = text_of(&kiosk, "#pass-title").await.expect("pass title");
            for title in ["Have a check-in pass?", "¿Tiene un pase de registro?"] {
                assert_eq!(pass_title.matches(title).count(), 1, "{pass_title:?}");
            }
            if device == "tablet" {
                let ways_in = ["#start-en", "#start-es", "#pass-code", "#pass-continue", "#pass-scan"];
                assert_in_view(&kiosk, &at("welcome"), &ways_in).await;
            }
            check_screen(&kiosk, &at("welcome")).await;
            click(&kiosk, &format!("#start-{lang}")).await;
            click(&kiosk, "#continue").await;
            screen_opened(&kiosk, "Zoë").await;
            wait_text(&kiosk, "#appointment-summary", time).await;
            check_layout(&kiosk, &at("details")).await;
            // The display settings are one button's panel; open, they fit too.
            click(&kiosk, "#display").await;
            check_layout(&kiosk, &at("details-display")).await;
            check_screen(&kiosk, &at("details-display")).await;
            click(&kiosk, "#larger-text").await;
            check_layout(&kiosk, &at("details-larger-text")).await;
            click(&kiosk, "#larger-text").await;
            kiosk
                .find(Locator::Css("#larger-text"))
                .await
                .expect("larger text")
                .send_keys("\u{E00C}")
                .await
                .expect("Escape");
            assert_eq!(
                focused(&kiosk).await,
                "display",
                "Escape closes the panel, back on its button"
            );
            assert_eq!(
                attr_of(&kiosk, "#display", "aria-expanded").await.as_deref(),
                Some("false")
            );
            check_screen(&kiosk, &at("details")).await;
            click(&kiosk, "#start-over").await;
            screen_opened(&kiosk, "Welcome").await;
        }
    }
    kiosk.close().await.expect("close kiosk");
}

/// The id of the element with focus.
async fn focused(client: &fantoccini::Client) -> String {
    client
        .execute(
            "return document.activeElement ? document.activeElement.id : '';",
            vec![],
        )
        .await
        .expect("focus")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn attr_of(client: &fantoccini::Client, css: &str, name: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.attr(name).await.ok()?
}

/// The desk's link opened on a tablet that already shows the kiosk (only the address's
/// fragment changes, so the page is not loaded again): the tablet is enrolled and shows the
/// welcome screen at once, and the token leaves the address.
#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn an_enrollment_link_opened_over_the_open_kiosk_enrolls_it_without_a_reload() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    kiosk.goto(&server.url).await.expect("open kiosk");
    wait_text(&kiosk, "#outcome-title", "not ready for check-in").await;
    kiosk
        .execute("window.arriveMarker = 'same page'; return true;", vec![])
        .await
        .expect("mark the page");
    kiosk
        .goto(&format!("{}/#enroll={KIOSK_TOKEN}", server.url))
        .await
        .expect("open the enrollment link");
    screen_opened(&kiosk, "Welcome").await;
    let marker = kiosk
        .execute("return window.arriveMarker;", vec![])
        .await
        .expect("read the marker");
    assert_eq!(marker, json!("same page"), "the kiosk was loaded again");
    let url = kiosk.current_url().await.expect("url");
    assert!(url.fragment().is_none(), "the token stays in the address: {url}");
    assert!(storage_holds_only_the_device_token(&kiosk).await);
    // The token works: a patient is found.
    click(&kiosk, "#start-en").await;
    identify(&kiosk, "Müller", "07", "04", "2001").await;
    screen_opened(&kiosk, "Hello, Zoë").await;
    kiosk.close().await.expect("close kiosk");
}

/// The board shows the clinic's times (appointments and arrivals) even on a computer set to
/// another time zone, as the desk's language writes them.
#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn the_board_shows_clinic_times_whatever_the_desk_computers_time_zone() {
    let server = start_server_with(&[("ARRIVE_CLINIC_TIME_ZONE", "America/Chicago")]);
    let driver = start_chromedriver_in_zone("Asia/Tokyo").await;
    let desk = browser(&driver).await;
    sign_in_at_desk(&desk, &server.url).await;
    let offset = desk
        .execute("return new Date().getTimezoneOffset();", vec![])
        .await
        .expect("the browser's zone");
    assert_eq!(offset, json!(-540), "the desk computer is on Tokyo time");

    check_in_by_api(&server.url, "Müller", "2001-07-04").await;
    eventually("Zoë M. arrived", || async {
        desk_status(&desk, "Zoë M.").await.as_deref() == Some("arrived")
    })
    .await;
    let row = "//tr[td[@class='patient' and normalize-space()='Zoë M.']]";
    let cell = |class: &'static str| {
        let desk = &desk;
        async move {
            let text = desk
                .find(Locator::XPath(&format!("{row}/td[contains(@class, '{class}')]")))
                .await
                .expect(class)
                .text()
                .await
                .expect(class);
            text.replace('\u{a0}', " ")
        }
    };
    assert_eq!(cell("time").await, "1:00 PM");
    // The arrival as the clinic's clock read it, worked out here from the instant the server
    // stored.
    let http = reqwest::Client::new();
    let (cookie, _) = admin_session(&http, &server.url).await;
    let day: serde_json::Value = http
        .get(format!("{}/api/v1/desk/appointments", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .expect("board")
        .json()
        .await
        .expect("board answer");
    let arrived_at = day["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["patient"] == "Zoë M.")
        .and_then(|a| a["arrived_at"].as_str())
        .expect("arrived_at")
        .to_owned();
    let output = std::process::Command::new("date")
        .env("TZ", "America/Chicago")
        .env("LC_ALL", "C")
        .args(["-d", &arrived_at, "+%-I:%M %p"])
        .output()
        .expect("date");
    let clinic_clock = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let shown = cell("arrived").await;
    assert!(
        shown.starts_with(&format!("{clinic_clock} (")),
        "arrived at {arrived_at}: the board says {shown:?}, the clinic's clock {clinic_clock:?}"
    );
    desk.close().await.expect("close desk");
}
