//! End to end, pre-registration from home on a phone: the desk's link opened in Chromium with
//! a phone's 390 × 844 viewport, the birth date first, the same steps as at the kiosk, stopping
//! halfway and carrying on later, the pass, then the kiosk checking the patient in with its
//! code. Links that must not open anything: withdrawn, past their day, locked after five wrong
//! birth dates. axe-core on every screen; nothing left in the phone's storage. Run by
//! `cargo xtask test` (see tests/e2e.rs for what it passes).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::atomic::Ordering;

use fantoccini::Client;
use serde_json::json;
use support::harness::*;

/// The desk's way: sign in on the board, open the patient's appointment, "Get the link".
async fn link_from_the_desk(driver: &Driver, base: &str, patient: &str) -> String {
    let http = reqwest::Client::new();
    let (cookie, _) = admin_session(&http, base).await;
    let id = appointment_id(&http, base, &cookie, patient).await;
    let desk = browser(driver).await;
    sign_in_at_desk(&desk, base).await;
    click(&desk, &format!("#open-{id}")).await;
    click(&desk, "#pre-link-get").await;
    wait_text(&desk, "#pre-link-title", "").await;
    desk.wait()
        .at_most(PATIENCE)
        .for_element(fantoccini::Locator::Css(".pre-link-qr svg"))
        .await
        .expect("the link's QR code");
    check_screen(&desk, "desk-pre-link").await;
    let link = value_of(&desk, "#pre-link-url").await.expect("the link");
    desk.close().await.expect("close the desk");
    link
}

/// A phone: Chromium with a 390 × 844 viewport, confirmed before the walk starts (a resize
/// lands late on a busy machine).
async fn phone(driver: &Driver) -> Client {
    let phone = browser(driver).await;
    set_viewport(&phone, 390, 844).await;
    phone
}

/// The birth date typed on the link's first screen, then Continue.
async fn give_birth_date(phone: &Client, month: &str, day: &str, year: &str) {
    type_into(phone, "#dob-month", month).await;
    type_into(phone, "#dob-day", day).await;
    type_into(phone, "#dob-year", year).await;
    click(phone, "#unlock").await;
}

/// Everything the page could have kept on the phone: local and session storage, cookies,
/// IndexedDB databases.
async fn phone_storage(phone: &Client) -> serde_json::Value {
    phone
        .execute_async(
            "const done = arguments[arguments.length - 1];
             indexedDB.databases().then(dbs => done({
                 local: Object.keys(localStorage), session: sessionStorage.length,
                 cookies: document.cookie, indexed_db: dbs.length }));",
            vec![],
        )
        .await
        .expect("read the phone's storage")
}

/// The 6-character code on the pass page.
async fn pass_code(phone: &Client) -> String {
    phone
        .find(fantoccini::Locator::Css("#pass-code-value"))
        .await
        .expect("the code")
        .attr("data-code")
        .await
        .expect("data-code")
        .expect("a code")
}

fn nothing_stored() -> serde_json::Value {
    json!({"local": [], "session": 0, "cookies": "", "indexed_db": 0})
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_patient_pre_registers_on_a_phone_stops_halfway_carries_on_and_checks_in_with_the_code() {
    let server = start_server_with(&[ALL_DAY_PASSES]);
    let driver = start_chromedriver().await;
    let link = link_from_the_desk(&driver, &server.url, "Ana D.").await;
    assert!(link.starts_with(&format!("{}/pre/", server.url)), "{link}");
    let mut phone = phone(&driver).await;
    phone.goto(&link).await.expect("open the link");

    // The birth date first: a wrong one is said next to the field, and what was typed stays.
    // Every screen opens at its top with focus on its heading, on a phone's small screen too.
    screen_opened(&phone, "Get ready for your visit").await;
    check_screen(&phone, "home-unlock").await;
    check_layout(&phone, "home-unlock").await;
    give_birth_date(&phone, "7", "20", "1962").await;
    wait_text(&phone, "#dob-error", "does not match").await;
    check_screen(&phone, "home-wrong-birth-date").await;
    assert_eq!(value_of(&phone, "#dob-year").await.as_deref(), Some("1962"));
    type_into(&phone, "#dob-day", "19").await;
    click(&phone, "#unlock").await;
    screen_opened(&phone, "Hello, Ana").await;
    // The clinic's time, as her language writes it.
    wait_text(&phone, "#appointment-summary", "today at 10:00 AM with Dr. Patel").await;
    check_screen(&phone, "home-confirm").await;
    check_layout(&phone, "home-confirm").await;
    // In Spanish too: the top bar on one row, nothing wider than the phone.
    click(&phone, "#language-toggle").await;
    wait_text(&phone, "#appointment-summary", "hoy a las 10:00 a. m. con Dr. Patel").await;
    check_layout(&phone, "home-confirm-es").await;
    click(&phone, "#display").await;
    check_layout(&phone, "home-display-es").await;
    check_screen(&phone, "home-display-es").await;
    click(&phone, "#display").await;
    click(&phone, "#language-toggle").await;
    click(&phone, "#continue").await;

    // A new address, the insurance as on file, the first form; then she puts the phone away.
    screen_opened(&phone, "Are your details still right?").await;
    check_screen(&phone, "home-details").await;
    check_layout(&phone, "home-details").await;
    click(&phone, "#address-changed").await;
    type_into(&phone, "#address-line", "77 Harbor Rd").await;
    type_into(&phone, "#address-city", "Portland").await;
    phone
        .find(fantoccini::Locator::Css("#address-state option[value='OR']"))
        .await
        .expect("OR")
        .click()
        .await
        .expect("choose OR");
    type_into(&phone, "#address-zip", "97201").await;
    for group in ["phone", "email", "contact", "language"] {
        let same = format!("#{group}-same");
        if phone.find(fantoccini::Locator::Css(&same)).await.is_ok() {
            click(&phone, &same).await;
        } else {
            click(&phone, &format!("#{group}-skip")).await;
        }
    }
    click(&phone, "#details-continue").await;
    screen_opened(&phone, "Is your insurance the same?").await;
    check_screen(&phone, "home-insurance").await;
    click(&phone, "#insurance-same").await;
    click(&phone, "#insurance-continue").await;
    wait_form(&phone, "reason-for-visit").await;
    screen_opened(&phone, "Reason for your visit").await;
    check_screen(&phone, "home-form").await;
    check_layout(&phone, "home-form").await;
    type_into(&phone, "#q-reason", "Blood pressure check").await;
    click(&phone, "#form-next").await;
    wait_form(&phone, "medications").await;
    screen_opened(&phone, "Current medications").await;
    assert_eq!(phone_storage(&phone).await, nothing_stored(), "halfway");
    phone.close().await.expect("put the phone away");

    // Later, the same link again: the birth date, then on from where she was.
    phone = self::phone(&driver).await;
    phone.goto(&link).await.expect("open the link again");
    give_birth_date(&phone, "07", "19", "1962").await;
    wait_text(&phone, "#resumed", "Welcome back").await;
    check_screen(&phone, "home-resumed").await;
    click(&phone, "#continue").await;
    wait_form(&phone, "medications").await;
    screen_opened(&phone, "Current medications").await;
    click(&phone, "#q-no-medications").await;
    click(&phone, "#form-next").await;
    wait_form(&phone, "pain").await;
    screen_opened(&phone, "Pain").await;
    click(&phone, "#q-pain-now-0").await;
    click(&phone, "#form-next").await;
    // Every consent on one screen, signed once by typed name.
    screen_opened(&phone, "Please read and sign").await;
    for (consent, title) in [
        ("privacy-notice", "Notice of Privacy Practices"),
        ("consent-to-treat", "Consent to treatment"),
        ("financial-responsibility", "Financial responsibility"),
    ] {
        wait_consent(&phone, consent).await;
        wait_text(&phone, &format!("#consent-title-{consent}"), title).await;
    }
    check_screen(&phone, "home-consent").await;
    type_into(&phone, "#typed-name", "Ana de la Cruz").await;
    click(&phone, "#sign-by-typing").await;
    click(&phone, "#sign").await;
    // The address typed in the first sitting came back with her; how she pays is asked here.
    screen_opened(&phone, "Ready to send").await;
    // Masked, as what is on file is, until she asks to see it.
    wait_text(&phone, "#review-changes", "•••• Harbor Rd, •••01").await;
    assert!(
        !text_of(&phone, "#main").await.unwrap_or_default().contains("77 Harbor"),
        "the new address is shown in full"
    );
    click(&phone, "#address-show").await;
    wait_text(&phone, "#address-value", "77 Harbor Rd, Portland, OR 97201").await;
    let pressed = phone
        .find(fantoccini::Locator::Css("#address-show"))
        .await
        .expect("Show")
        .attr("aria-pressed")
        .await
        .expect("aria-pressed");
    assert_eq!(pressed.as_deref(), Some("true"));
    check_screen(&phone, "home-review-shown").await;
    click(&phone, "#address-show").await;
    wait_text(&phone, "#address-value", "•••• Harbor Rd, •••01").await;
    click(&phone, "#pay-card").await;
    // At home the last step sends the answers; the check-in is at the clinic.
    wait_text(&phone, "#steps-text", "Step 5 of 5: Send").await;
    check_screen(&phone, "home-review").await;
    check_layout(&phone, "home-review").await;
    click(&phone, "#check-in").await;

    // The pass: a QR code and the code to type, and nothing of hers kept on the phone.
    screen_opened(&phone, "You are all set, Ana").await;
    check_screen(&phone, "home-pass").await;
    check_layout(&phone, "home-pass").await;
    let code = pass_code(&phone).await;
    assert_eq!(code.len(), 6, "{code}");
    assert!(text_of(&phone, ".pass-qr svg").await.is_some(), "a QR code");
    assert_eq!(phone_storage(&phone).await, nothing_stored(), "after finishing");
    let url = phone.current_url().await.expect("url").to_string();
    for trace in ["Ana", "1962", "Harbor"] {
        assert!(!url.contains(trace), "{url}");
    }
    phone.close().await.expect("close the phone");

    // She lost the pass: the link again, the birth date, "Show my pass" — a new one, and the
    // old one stops working.
    phone = self::phone(&driver).await;
    phone.goto(&link).await.expect("open the link once more");
    give_birth_date(&phone, "7", "19", "1962").await;
    wait_text(&phone, "#finished-before", "already sent").await;
    check_screen(&phone, "home-finished-before").await;
    click(&phone, "#show-pass").await;
    wait_text(&phone, "#pass-ready-title", "Ana").await;
    let old_code = code;
    let code = pass_code(&phone).await;
    assert_ne!(code, old_code);
    phone.close().await.expect("close the phone");

    // At the clinic: the code on the kiosk's first screen, then one "Check in".
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    wait_text(&kiosk, "#pass-title", "").await;
    type_into(&kiosk, "#pass-code", &old_code).await;
    click(&kiosk, "#pass-continue").await;
    wait_text(&kiosk, "#pass-error", "could not find").await;
    let start = TAPS.load(Ordering::Relaxed);
    type_into(&kiosk, "#pass-code", &code).await;
    click(&kiosk, "#pass-continue").await;
    screen_opened(&kiosk, "Hello, Ana").await;
    click(&kiosk, "#express-check-in").await;
    screen_opened(&kiosk, "You are checked in, Ana").await;
    let taps = TAPS.load(Ordering::Relaxed) - start;
    assert!(taps <= 2, "{taps} taps at the kiosk");
    let db = server.database().await;
    let line: String = sqlx::query_scalar("SELECT address_line FROM patient WHERE last_name = 'de la Cruz'")
        .fetch_one(&db)
        .await
        .expect("patient");
    assert_eq!(line, "77 Harbor Rd", "what she said at home is on her record");
    let saved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pre_progress")
        .fetch_one(&db)
        .await
        .expect("count saved progress");
    assert_eq!(saved, 0, "the saved progress is gone once she finished");
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn withdrawn_past_and_locked_links_open_nothing() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let phone = phone(&driver).await;

    // Withdrawn at the desk: the right birth date opens nothing.
    let (link, id) = pre_registration_link(&server.url, "Grace S.").await;
    let http = reqwest::Client::new();
    let (cookie, csrf) = admin_session(&http, &server.url).await;
    let withdrawn = http
        .delete(format!("{}/api/v1/desk/appointments/{id}/pre-registration", server.url))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("withdraw");
    assert_eq!(withdrawn.status(), reqwest::StatusCode::NO_CONTENT);
    phone.goto(&link).await.expect("open the withdrawn link");
    give_birth_date(&phone, "10", "10", "1977").await;
    wait_text(&phone, "#outcome-title", "This link no longer works").await;
    check_screen(&phone, "home-link-gone").await;

    // Past its day: the appointment is yesterday's now.
    let (link, id) = pre_registration_link(&server.url, "Chidi O.").await;
    let yesterday = std::process::Command::new("date")
        .args(["-d", "yesterday", "+%Y-%m-%dT09:00"])
        .output()
        .expect("date");
    let yesterday = String::from_utf8_lossy(&yesterday.stdout).trim().to_owned();
    sqlx::query("UPDATE appointment SET starts_at = $1 WHERE id = $2")
        .bind(yesterday)
        .bind(id)
        .execute(&server.database().await)
        .await
        .expect("move the appointment to yesterday");
    phone.goto(&link).await.expect("open yesterday's link");
    give_birth_date(&phone, "12", "2", "1949").await;
    wait_text(&phone, "#outcome-title", "This link no longer works").await;

    // Five wrong birth dates lock it, and then even the right one opens nothing.
    let (link, _) = pre_registration_link(&server.url, "Ana D.").await;
    phone.goto(&link).await.expect("open the link");
    for wrong in 1..=4 {
        give_birth_date(&phone, "1", &wrong.to_string(), "1990").await;
        wait_text(&phone, "#dob-error", "does not match").await;
        assert!(text_of(&phone, "#unlock").await.is_some());
    }
    give_birth_date(&phone, "1", "5", "1990").await;
    wait_text(&phone, "#outcome-title", "locked").await;
    check_screen(&phone, "home-locked").await;
    phone.goto(&link).await.expect("open the link again");
    give_birth_date(&phone, "7", "19", "1962").await;
    wait_text(&phone, "#outcome-title", "locked").await;
    assert_eq!(phone_storage(&phone).await, nothing_stored());
    phone.close().await.expect("close the phone");
}
