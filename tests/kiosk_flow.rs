//! End to end, the verification a front desk does "at each visit", as patients do it at the
//! kiosk: the real server binary, the kiosk as `cargo xtask build` builds it, headless Chromium over WebDriver, and
//! axe-core on every screen. Run by `cargo xtask test` (see tests/e2e.rs for what it passes).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::atomic::Ordering;

use fantoccini::{Client, Locator};
use serde_json::json;
use support::harness::*;

/// A patient's calls over the API, as a tablet (`route` "kiosk") or a phone at home ("pre")
/// makes them; the tablet's token is sent either way (home routes ignore it).
fn patient_call(
    http: &reqwest::Client,
    base: &str,
    route: &str,
    path: &str,
    body: serde_json::Value,
) -> reqwest::RequestBuilder {
    http.post(format!("{base}/api/v1/{route}/{path}"))
        .header("x-kiosk-token", KIOSK_TOKEN)
        .json(&body)
}

async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    let response = request.send().await.expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("JSON answer")
}

/// Signs every consent still pending for the match `token`.
async fn sign_pending_consents(base: &str, route: &str, token: &str) {
    let http = reqwest::Client::new();
    let pending = json_of(patient_call(
        &http,
        base,
        route,
        "consents/pending",
        json!({"match_token": token}),
    ))
    .await;
    for consent in pending["consents"].as_array().unwrap() {
        let path = format!("consents/{}/signatures", consent["id"].as_str().unwrap());
        let signature = json!({"match_token": token, "version": consent["version"], "typed_name": "Returning Patient",
            "signature_path": "", "signed_by_typing": true, "language": "en"});
        let signed = patient_call(&http, base, route, &path, signature)
            .send()
            .await
            .expect("sign");
        assert!(signed.status().is_success());
    }
}

/// Signs every pending consent over the kiosk API, as a returning patient would have before.
async fn consents_already_signed(base: &str, last_name: &str, date_of_birth: &str) {
    let http = reqwest::Client::new();
    let found = json_of(patient_call(
        &http,
        base,
        "kiosk",
        "identify",
        json!({"last_name": last_name, "date_of_birth": date_of_birth}),
    ))
    .await;
    let token = found["appointment"]["match_token"].as_str().expect("one appointment");
    sign_pending_consents(base, "kiosk", token).await;
}

/// What a patient's phone does from the desk's link: the birth date, the follow-up visit's
/// forms, the consents, everything else confirmed as on file. Returns the pass.
async fn pre_registered_at_home(base: &str, patient: &str, date_of_birth: &str) -> serde_json::Value {
    let http = reqwest::Client::new();
    let (link, _) = pre_registration_link(base, patient).await;
    let link_token = link.rsplit_once("/pre/").unwrap().1.to_owned();
    let unlocked = json_of(patient_call(
        &http,
        base,
        "pre",
        "unlock",
        json!({"token": link_token, "date_of_birth": date_of_birth}),
    ))
    .await;
    let token = unlocked["match_token"].as_str().unwrap().to_owned();
    let answer = |link_id: &str, value: serde_json::Value| {
        json!({"match_token": token, "response": {"resourceType": "QuestionnaireResponse", "status": "completed",
            "item": [{"linkId": link_id, "answer": [value]}]}})
    };
    for (form, response) in [
        (
            "reason-for-visit",
            answer("reason", json!({"valueString": "Blood pressure check"})),
        ),
        ("medications", answer("no-medications", json!({"valueBoolean": true}))),
        ("pain", answer("pain-now", json!({"valueInteger": 0}))),
    ] {
        let sent = patient_call(&http, base, "pre", &format!("forms/{form}/responses"), response)
            .send()
            .await
            .expect("form");
        assert!(sent.status().is_success(), "{form}: {}", sent.status());
    }
    sign_pending_consents(base, "pre", &token).await;
    let verification = json!({"address": {"answer": "same"}, "phone": {"answer": "same"}, "email": {"answer": "same"},
        "emergency_contact": {"answer": "same"}, "language": {"answer": "same"}, "insurance": {"answer": "same"},
        "payment": "card_at_desk"});
    json_of(patient_call(
        &http,
        base,
        "pre",
        "finish",
        json!({"match_token": token, "idempotency_key": "cd".repeat(16), "verification": verification}),
    ))
    .await
}

/// The follow-up visit's forms, answered briefly.
async fn answer_follow_up_forms(kiosk: &Client) {
    wait_form(kiosk, "reason-for-visit").await;
    type_into(kiosk, "#q-reason", "Blood pressure check").await;
    click(kiosk, "#form-next").await;
    wait_form(kiosk, "medications").await;
    click(kiosk, "#q-no-medications").await;
    click(kiosk, "#form-next").await;
    wait_form(kiosk, "pain").await;
    click(kiosk, "#q-pain-now-0").await;
    click(kiosk, "#form-next").await;
}

/// Leaves each contact group as it is: "This is right", or "Skip" when nothing is on file.
async fn as_on_file(kiosk: &Client, groups: &[&str]) {
    for group in groups {
        let same = format!("#{group}-same");
        if kiosk.find(Locator::Css(&same)).await.is_ok() {
            click(kiosk, &same).await;
        } else {
            click(kiosk, &format!("#{group}-skip")).await;
        }
    }
}

async fn verification_rows(server: &Server) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM visit_verification")
        .fetch_one(&server.database().await)
        .await
        .expect("count verifications")
}

/// The kiosk's whole page text.
async fn page_text(kiosk: &Client) -> String {
    kiosk
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text")
}

/// Prints a path's count, and adds it to the report `cargo xtask bench` reads
/// (`ARRIVE_TAPS_REPORT`).
fn report_taps(line: &str) {
    use std::io::Write;
    println!("{line}");
    if let Some(report) = std::env::var_os("ARRIVE_TAPS_REPORT") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(report)
            .expect("open the taps report");
        writeln!(file, "{line}").expect("write the taps report");
    }
}

/// Walter Lindqvist, the demo's returning patient (seen six weeks ago: forms answered, consents
/// signed), checks in with nothing changed. Every tap is counted, forms and consents included,
/// and every screen is checked as it opens (at its top, focus on its heading). Returns
/// (taps, screens), less the taps of `look_at_answers` (showing and hiding last time's answers,
/// which nobody has to do).
async fn returning_patient_checks_in(kiosk: &Client, new_consents: &[&str], look_at_answers: bool) -> (usize, usize) {
    let start = TAPS.load(Ordering::Relaxed);
    let mut screens = 0;
    screen_opened(kiosk, "Welcome").await;
    screens += 1;
    click(kiosk, "#start-en").await;
    screen_opened_at(kiosk, "Who are you?", "#last-name").await;
    screens += 1;
    identify(kiosk, "lindqvist", "5", "14", "1948").await;

    // The greeting and what is on file, on one screen; what is on file masked: recognisable
    // to Walter, useless to anyone behind him.
    screen_opened(kiosk, "Hello, Walter").await;
    screens += 1;
    wait_text(kiosk, "#address-on-file", "••••").await;
    let page = page_text(kiosk).await;
    assert!(
        !page.contains("88 Cedar") && !page.contains("555-0113"),
        "unmasked: {page}"
    );
    check_screen(kiosk, "details").await;
    click(kiosk, "#all-same").await;

    // His allergies and medicines from last time, hidden until asked for; one "Still right".
    screen_opened(kiosk, "Are these answers still right?").await;
    screens += 1;
    assert!(
        !page_text(kiosk).await.contains("Lisinopril"),
        "last answers shown unasked"
    );
    check_screen(kiosk, "still-right").await;
    let optional = TAPS.load(Ordering::Relaxed);
    if look_at_answers {
        click(kiosk, "#show-medications").await;
        wait_text(kiosk, "#answers-medications", "Lisinopril").await;
        check_screen(kiosk, "still-right-shown").await;
        click(kiosk, "#show-medications").await;
        assert!(!page_text(kiosk).await.contains("Lisinopril"), "hidden again");
    }
    let optional = TAPS.load(Ordering::Relaxed) - optional;
    click(kiosk, "#still-right").await;

    if !new_consents.is_empty() {
        screen_opened(kiosk, "Please read and sign").await;
        screens += 1;
        for consent in new_consents {
            wait_consent(kiosk, consent).await;
        }
        type_into(kiosk, "#typed-name", "Walter Lindqvist").await;
        click(kiosk, "#sign-by-typing").await;
        click(kiosk, "#sign").await;
    }

    // How he pays, and "Check in", on one screen.
    screen_opened(kiosk, "Ready to check in").await;
    screens += 1;
    wait_text(kiosk, "#nothing-changed", "").await;
    wait_text(kiosk, "#amounts", "$25.00").await;
    check_screen(kiosk, "review").await;
    click(kiosk, "#pay-card").await;
    click(kiosk, "#check-in").await;
    screen_opened(kiosk, "You are checked in, Walter").await;
    screens += 1;
    (TAPS.load(Ordering::Relaxed) - start - optional, screens)
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_returning_patient_with_nothing_changed_checks_in_in_a_few_taps() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    let (taps, screens) = returning_patient_checks_in(&kiosk, &[], false).await;
    report_taps(&format!(
        "returning patient, nothing changed: {taps} taps, {screens} screens from welcome to checked in, forms and consents included"
    ));
    assert!(taps <= 6, "{taps} taps for a patient with nothing to change");
    assert!(screens <= 6, "{screens} screens for a patient with nothing to change");

    // The forms confirmed are today's answers; the hand-off carries them.
    let db = server.database().await;
    let today: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM questionnaire_response r JOIN appointment a ON a.id = r.appointment_id
         JOIN patient p ON p.id = a.patient_id WHERE p.last_name = 'Lindqvist' AND a.status = 'arrived'
         AND substr(a.starts_at, 1, 10) = $1",
    )
    .bind(local_today())
    .fetch_one(&db)
    .await
    .expect("count responses");
    assert_eq!(today, 2, "allergies and medications, confirmed");
    assert_eq!(verification_rows(&server).await, 1);
    hand_off_bundle(&server.url, "Walter L.").await;
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_new_consent_wording_adds_one_screen_and_last_answers_show_only_when_asked() {
    let mut server = start_server();
    // Overnight the clinic rewords its consent to treatment: Walter signed the old wording.
    let consents = server.data.path().join("consents");
    std::fs::create_dir_all(&consents).expect("consents folder");
    for entry in
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("consents")).expect("shipped consents")
    {
        let path = entry.expect("consent").path();
        let mut consent: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        if consent["id"] == "consent-to-treat" {
            let en = consent["text"]["en"].as_str().unwrap().to_owned();
            consent["text"]["en"] = json!(format!("{en}\n\nWe may also see you by video."));
        }
        std::fs::write(consents.join(path.file_name().unwrap()), consent.to_string()).expect("write");
    }
    server.restart_with(&[("ARRIVE_CONSENTS_DIR", consents.to_str().unwrap())]);

    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    let (taps, screens) = returning_patient_checks_in(&kiosk, &["consent-to-treat"], true).await;
    report_taps(&format!(
        "returning patient, one consent reworded since: {taps} taps, {screens} screens from welcome to checked in"
    ));
    assert!(screens <= 7, "{screens} screens: one more than with nothing new");
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_patient_in_spanish_gives_a_new_address_phone_and_medicare_card() {
    let server = start_server();
    consents_already_signed(&server.url, "Okafor", "1949-12-02").await;
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    click(&kiosk, "#start-es").await;
    identify(&kiosk, "okafor", "12", "2", "1949").await;
    wait_text(&kiosk, "#details-title", "Chidi").await;

    wait_text(&kiosk, "#details-title", "").await;
    click(&kiosk, "#address-changed").await;
    type_into(&kiosk, "#address-line", "12 Elm St").await;
    type_into(&kiosk, "#address-city", "Austin").await;
    kiosk
        .find(Locator::Css("#address-state option[value='TX']"))
        .await
        .expect("TX")
        .click()
        .await
        .expect("choose TX");
    type_into(&kiosk, "#address-zip", "7870").await;
    click(&kiosk, "#phone-changed").await;
    type_into(&kiosk, "#phone", "512 555 0199").await;
    as_on_file(&kiosk, &["email", "contact", "language"]).await;
    click(&kiosk, "#details-continue").await;
    // The wrong ZIP is named next to its field, in Spanish; what was typed stays.
    wait_text(&kiosk, "#address-zip-error", "").await;
    check_screen(&kiosk, "details-errors-es").await;
    let street = value_of(&kiosk, "#address-line").await;
    assert_eq!(street.as_deref(), Some("12 Elm St"));
    type_into(&kiosk, "#address-zip", "78701").await;
    click(&kiosk, "#details-continue").await;

    // A new Medicare card: first with a letter CMS never uses, then right.
    wait_text(&kiosk, "#insurance-title", "").await;
    click(&kiosk, "#insurance-changed").await;
    type_into(&kiosk, "#payer-search", "medicare").await;
    click(&kiosk, "#payer-MCR01").await;
    type_into(&kiosk, "#member-id", "1SG4-TE5-MK73").await;
    click(&kiosk, "#insurance-continue").await;
    wait_text(&kiosk, "#member-id-error", "").await;
    check_screen(&kiosk, "insurance-errors-es").await;
    assert_eq!(
        verification_rows(&server).await,
        0,
        "nothing is sent before it is right"
    );
    type_into(&kiosk, "#member-id", "2HN7-JK4-PR21").await;
    click(&kiosk, "#insurance-continue").await;

    answer_follow_up_forms(&kiosk).await;
    wait_text(&kiosk, "#payment-title", "").await;
    click(&kiosk, "#pay-bill").await;
    wait_text(&kiosk, "#review-changes", "Elm St").await;
    check_screen(&kiosk, "review-es").await;
    let review = page_text(&kiosk).await;
    assert!(!review.contains("2HN7JK4PR21"), "the member ID is masked on review");
    click(&kiosk, "#check-in").await;
    wait_text(&kiosk, "#done-title", "Chidi").await;

    // Stored normalised, applied to the record, and handed on.
    let db = server.database().await;
    let (line, zip, phone): (String, String, String) =
        sqlx::query_as("SELECT address_line, postal_code, phone FROM patient WHERE last_name = 'Okafor'")
            .fetch_one(&db)
            .await
            .expect("patient");
    assert_eq!(
        (line.as_str(), zip.as_str(), phone.as_str()),
        ("12 Elm St", "78701", "+15125550199")
    );
    let member: String = sqlx::query_scalar(
        "SELECT c.member_id FROM coverage c JOIN patient p ON p.id = c.patient_id WHERE p.last_name = 'Okafor'",
    )
    .fetch_one(&db)
    .await
    .expect("coverage");
    assert_eq!(member, "2HN7JK4PR21");
    let bundle = hand_off_bundle(&server.url, "Chidi O.").await;
    let changes = serde_json::Value::Array(patient_changes(&bundle));
    assert!(changes.to_string().contains("12 Elm St"), "{changes}");
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn self_pay_survives_a_network_cut_at_submit_and_is_recorded_once() {
    let mut server = start_server();
    consents_already_signed(&server.url, "St. John", "1977-10-10").await;
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    click(&kiosk, "#start-en").await;
    identify(&kiosk, "st john", "10", "10", "1977").await;
    wait_text(&kiosk, "#details-title", "Hello, Grace").await;
    wait_text(&kiosk, "#details-title", "").await;
    as_on_file(&kiosk, &["address", "phone", "email", "contact", "language"]).await;
    click(&kiosk, "#details-continue").await;
    wait_text(&kiosk, "#insurance-title", "").await;
    click(&kiosk, "#self-pay").await;
    check_screen(&kiosk, "insurance-self-pay").await;
    click(&kiosk, "#insurance-continue").await;
    answer_follow_up_forms(&kiosk).await;
    wait_text(&kiosk, "#payment-title", "").await;
    click(&kiosk, "#pay-assistance").await;
    wait_text(&kiosk, "#review-title", "").await;

    // The server goes away as Grace taps "Check in": the kiosk keeps trying, and after 30 s
    // tells her to see the desk with a short reference.
    server.kill();
    click(&kiosk, "#check-in").await;
    eventually_for(
        "the see-the-desk message",
        std::time::Duration::from_secs(90),
        || async { text_of(&kiosk, "#problem").await.is_some_and(|t| t.contains("-")) },
    )
    .await;
    check_screen(&kiosk, "review-offline").await;
    server.start_again();
    wait_text(&kiosk, "#done-title", "Grace").await;
    assert_eq!(verification_rows(&server).await, 1, "exactly one record");
    let coverages: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM coverage c JOIN patient p ON p.id = c.patient_id WHERE p.last_name = 'St. John'",
    )
    .fetch_one(&server.database().await)
    .await
    .expect("coverages");
    assert_eq!(coverages, 0, "self-pay: no insurance on file");
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn an_idle_kiosk_asks_then_forgets_the_patient() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    click(&kiosk, "#start-en").await;
    identify(&kiosk, "Johnson", "11", "5", "1980").await;
    wait_text(&kiosk, "#details-title", "Hello, Robert").await;
    wait_text(&kiosk, "#details-title", "").await;
    click(&kiosk, "#address-changed").await;
    type_into(&kiosk, "#address-line", "99 Secret Ln").await;

    // Time passes (the page's clock is moved on; no test waits a minute and a half).
    let skip = |seconds: u32| {
        format!("const real = Date.now; const ahead = {seconds} * 1000; Date.now = () => real() + ahead; return true;")
    };
    kiosk.execute(&skip(61), vec![]).await.expect("skip a minute");
    wait_text(&kiosk, "#still-there-title", "").await;
    // Behind the question, the patient's screen is hidden, not just dimmed.
    assert_eq!(
        visibility(&kiosk, "#main").await,
        "hidden",
        "the form shows behind the dialog"
    );
    check_screen(&kiosk, "still-there").await;
    click(&kiosk, "#more-time").await;
    eventually("the form back in view", || async {
        visibility(&kiosk, "#main").await == "visible"
    })
    .await;
    let kept = value_of(&kiosk, "#address-line").await;
    assert_eq!(
        kept.as_deref(),
        Some("99 Secret Ln"),
        "more time keeps the patient's work"
    );
    kiosk.execute(&skip(91), vec![]).await.expect("skip past the countdown");
    wait_text(&kiosk, "#welcome-title", "Welcome").await;

    // Nothing of Robert is left: not in the page, the address bar or browser storage.
    let source = kiosk.source().await.expect("source");
    for trace in ["Robert", "99 Secret", "Johnson"] {
        assert!(!source.contains(trace), "{trace} left in the page");
    }
    let url = kiosk.current_url().await.expect("url").to_string();
    assert!(!url.contains("Johnson") && !url.contains("1980"), "{url}");
    assert!(storage_holds_only_the_device_token(&kiosk).await);
    kiosk.close().await.expect("close kiosk");
}

/// The computed `visibility` of `css`.
async fn visibility(kiosk: &Client, css: &str) -> String {
    let script = format!("return getComputedStyle(document.querySelector({css:?})).visibility;");
    let value = kiosk.execute(&script, vec![]).await.expect("read visibility");
    value.as_str().unwrap_or_default().to_owned()
}

/// The kiosk is back at its welcome, as the clinic set it up: English (the page's `lang` too),
/// standard display, nothing toggled, at the top with focus on the heading.
async fn ready_for_the_next_patient(kiosk: &Client, after: &str) {
    screen_opened(kiosk, "Welcome").await;
    let page = kiosk
        .execute(
            "return { lang: document.documentElement.lang, display: document.documentElement.className,
                      pressed: [...document.querySelectorAll('[aria-pressed=\"true\"]')].map(b => b.id) };",
            vec![],
        )
        .await
        .expect("read the page");
    assert_eq!(
        page,
        json!({"lang": "en", "display": "", "pressed": []}),
        "the welcome after {after}"
    );
}

/// A patient in Spanish who needs large, high-contrast text.
async fn spanish_with_large_high_contrast_text(kiosk: &Client) {
    click(kiosk, "#start-es").await;
    screen_opened_at(kiosk, "¿Quién es usted?", "#last-name").await;
    click(kiosk, "#display").await;
    click(kiosk, "#high-contrast").await;
    click(kiosk, "#larger-text").await;
    let page = kiosk
        .execute(
            "return [document.documentElement.lang, document.documentElement.className];",
            vec![],
        )
        .await
        .expect("read the page");
    assert_eq!(page, json!(["es", "high-contrast larger-text"]));
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn every_patient_starts_in_english_with_standard_display_however_the_last_one_left() {
    let server = start_server();
    consents_already_signed(&server.url, "de la Cruz", "1962-07-19").await;
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    screen_opened(&kiosk, "Welcome").await;

    // Checked in, in Spanish: the done screen goes back to the welcome by itself.
    spanish_with_large_high_contrast_text(&kiosk).await;
    identify(&kiosk, "de la cruz", "7", "19", "1962").await;
    screen_opened(&kiosk, "Hola, Ana").await;
    click(&kiosk, "#all-same").await;
    answer_follow_up_forms(&kiosk).await;
    wait_text(&kiosk, "#payment-title", "").await;
    click(&kiosk, "#pay-card").await;
    wait_text(&kiosk, "#review-title", "").await;
    click(&kiosk, "#check-in").await;
    screen_opened(&kiosk, "Su llegada está registrada, Ana").await;
    ready_for_the_next_patient(&kiosk, "a check-in in Spanish").await;

    // "Start over", halfway through typing: nothing typed is left either.
    spanish_with_large_high_contrast_text(&kiosk).await;
    type_into(&kiosk, "#last-name", "de la cruz").await;
    click(&kiosk, "#start-over").await;
    ready_for_the_next_patient(&kiosk, "start over").await;
    click(&kiosk, "#start-en").await;
    screen_opened_at(&kiosk, "Who are you?", "#last-name").await;
    assert_eq!(value_of(&kiosk, "#last-name").await.as_deref(), Some(""));
    click(&kiosk, "#back").await;

    // Walked away: the idle guard starts over (the page's clock is moved on).
    screen_opened(&kiosk, "Welcome").await;
    spanish_with_large_high_contrast_text(&kiosk).await;
    type_into(&kiosk, "#last-name", "de la cruz").await;
    kiosk
        .execute(
            "const real = Date.now; Date.now = () => real() + 91 * 1000; return true;",
            vec![],
        )
        .await
        .expect("skip past the idle countdown");
    ready_for_the_next_patient(&kiosk, "the idle guard").await;
    click(&kiosk, "#start-en").await;
    screen_opened_at(&kiosk, "Who are you?", "#last-name").await;
    assert_eq!(value_of(&kiosk, "#last-name").await.as_deref(), Some(""));
    kiosk.close().await.expect("close kiosk");
}

/// One frame for Chromium's fake camera (YUV4MPEG2, 4:2:0): a bright top half over a dark
/// bottom half, easy to recognise in the JPEG the kiosk makes of it.
fn card_video(dir: &std::path::Path) -> std::path::PathBuf {
    let (width, height) = (640, 480);
    let mut y4m = format!("YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    for row in 0..height {
        y4m.extend(std::iter::repeat_n(if row < height / 2 { 235 } else { 16 }, width));
    }
    y4m.extend(std::iter::repeat_n(128, width * height / 2));
    let path = dir.join("card.y4m");
    std::fs::write(&path, y4m).expect("write the fake camera's video");
    path
}

/// Brightness (0–255) of the pixel at (x, y) of a JPEG.
fn brightness_at(jpeg: &[u8], x: usize, y: usize) -> (u8, (u16, u16)) {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    let pixels = decoder.decode().expect("a JPEG");
    let info = decoder.info().expect("JPEG info");
    let channels = pixels.len() / (usize::from(info.width) * usize::from(info.height));
    (
        pixels[(y * usize::from(info.width) + x) * channels],
        (info.width, info.height),
    )
}

/// Ana, with her details as on file, says her insurance changed and types the new card's
/// payer and member ID: the kiosk is left on the insurance screen.
async fn new_insurance_for_ana(kiosk: &Client, server: &Server) {
    open_kiosk(kiosk, &server.url).await;
    click(kiosk, "#start-en").await;
    identify(kiosk, "de la cruz", "7", "19", "1962").await;
    wait_text(kiosk, "#details-title", "Hello, Ana").await;
    wait_text(kiosk, "#details-title", "").await;
    as_on_file(kiosk, &["address", "phone", "email", "contact", "language"]).await;
    click(kiosk, "#details-continue").await;
    wait_text(kiosk, "#insurance-title", "").await;
    click(kiosk, "#insurance-changed").await;
    type_into(kiosk, "#payer-search", "cigna").await;
    click(kiosk, "#payer-CIGNA1").await;
    type_into(kiosk, "#member-id", "U4477120301").await;
}

/// From the insurance screen to "You are checked in".
async fn check_in_from_insurance(kiosk: &Client) {
    click(kiosk, "#insurance-continue").await;
    answer_follow_up_forms(kiosk).await;
    wait_text(kiosk, "#payment-title", "").await;
    click(kiosk, "#pay-cash").await;
    wait_text(kiosk, "#review-title", "").await;
    click(kiosk, "#check-in").await;
    wait_text(kiosk, "#done-title", "Ana").await;
}

/// The primary card's photos as stored: (side, JPEG), back first.
async fn stored_card_photos(server: &Server) -> Vec<(String, Vec<u8>)> {
    sqlx::query_as("SELECT side, jpeg FROM card_image WHERE rank = 1 ORDER BY side")
        .fetch_all(&server.database().await)
        .await
        .expect("card images")
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_new_insurance_card_is_photographed_with_the_tablet_camera() {
    let server = start_server();
    consents_already_signed(&server.url, "de la Cruz", "1962-07-19").await;
    let video = card_video(server.data.path());
    let driver = start_chromedriver().await;
    let kiosk = browser_with_camera(&driver, &video).await;
    new_insurance_for_ana(&kiosk, &server).await;
    for side in ["front", "back"] {
        click(&kiosk, &format!("#card-{side}-take")).await;
        let live = format!("return document.querySelector('#card-{side}-video')?.videoWidth > 0;");
        eventually("the camera's live preview", || async {
            kiosk.execute(&live, vec![]).await.ok() == Some(json!(true))
        })
        .await;
        if side == "front" {
            check_screen(&kiosk, "insurance-camera").await;
        }
        click(&kiosk, &format!("#card-{side}-capture")).await;
        wait_text(&kiosk, &format!("#card-{side} img.card-thumb"), "").await;
    }
    check_screen(&kiosk, "insurance-card-photos").await;
    check_in_from_insurance(&kiosk).await;

    // Both sides stored as JPEGs of the camera's frame (bright above, dark below), under the
    // server's 300 KiB limit.
    let photos = stored_card_photos(&server).await;
    assert_eq!(
        photos.iter().map(|(side, _)| side.as_str()).collect::<Vec<_>>(),
        ["back", "front"]
    );
    for (side, jpeg) in &photos {
        assert!(jpeg.len() <= 300 * 1024, "{side}: {} bytes", jpeg.len());
        let (top, size) = brightness_at(jpeg, 320, 100);
        let (bottom, _) = brightness_at(jpeg, 320, 380);
        assert_eq!(size, (640, 480), "{side}");
        assert!(top > 200 && bottom < 60, "{side}: top {top}, bottom {bottom}");
    }
    let bundle = hand_off_bundle(&server.url, "Ana D.").await;
    assert!(
        bundle.to_string().contains("DocumentReference"),
        "the photos are handed on"
    );
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn without_a_camera_the_card_photo_is_chosen_from_a_file_and_scaled_down() {
    let server = start_server();
    consents_already_signed(&server.url, "de la Cruz", "1962-07-19").await;
    let driver = start_chromedriver().await;
    // No fake camera: headless Chromium has none, so the kiosk offers a file instead.
    let kiosk = browser(&driver).await;
    new_insurance_for_ana(&kiosk, &server).await;
    click(&kiosk, "#card-front-take").await;
    let file = kiosk
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css("#card-front-file"))
        .await
        .expect("the file input instead of a camera");
    check_screen(&kiosk, "insurance-no-camera").await;
    // A 2000 × 1500 photo of a card (bright above, dark below).
    let photo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/insurance-card.jpg");
    file.send_keys(&photo.display().to_string())
        .await
        .expect("choose the file");
    wait_text(&kiosk, "#card-front img.card-thumb", "").await;
    check_in_from_insurance(&kiosk).await;

    let photos = stored_card_photos(&server).await;
    assert_eq!(photos.len(), 1, "the front only");
    let jpeg = &photos[0].1;
    let (top, size) = brightness_at(jpeg, 640, 100);
    let (bottom, _) = brightness_at(jpeg, 640, 900);
    assert_eq!(size, (1280, 960), "scaled down to 1280 across");
    assert!(top > 200 && bottom < 60, "top {top}, bottom {bottom}");
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_pre_registered_patient_checks_in_with_the_code_in_two_taps_and_only_once() {
    let server = start_server_with(&[ALL_DAY_PASSES]);
    let pass = pre_registered_at_home(&server.url, "Ana D.", "1962-07-19").await;
    let code = pass["code"].as_str().unwrap().to_owned();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    wait_text(&kiosk, "#pass-title", "").await;
    check_screen(&kiosk, "welcome-with-pass").await;

    let start = TAPS.load(Ordering::Relaxed);
    type_into(&kiosk, "#pass-code", &code.to_lowercase()).await;
    click(&kiosk, "#pass-continue").await;
    wait_text(&kiosk, "#express-title", "Ana").await;
    check_screen(&kiosk, "express").await;
    click(&kiosk, "#express-check-in").await;
    wait_text(&kiosk, "#done-title", "Ana").await;
    let taps = TAPS.load(Ordering::Relaxed) - start;
    println!("pre-registered patient, code typed: {taps} taps from the welcome screen to checked in");
    assert!(taps <= 2, "{taps} taps");
    // What she confirmed at home is the visit's verification; the pass is spent.
    assert_eq!(verification_rows(&server).await, 1);

    // The same code again (someone else with her pass): refused, next to the field.
    wait_text(&kiosk, "#welcome-title", "").await;
    type_into(&kiosk, "#pass-code", &code).await;
    click(&kiosk, "#pass-continue").await;
    wait_text(&kiosk, "#pass-error", "could not find").await;
    check_screen(&kiosk, "pass-refused").await;
    assert_eq!(
        value_of(&kiosk, "#pass-code").await.as_deref(),
        Some(code.as_str()),
        "what was typed stays"
    );
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_scanner_typing_the_pass_checks_the_patient_in_with_one_tap() {
    let server = start_server_with(&[ALL_DAY_PASSES]);
    let pass = pre_registered_at_home(&server.url, "Grace S.", "1977-10-10").await;
    let token = pass["token"].as_str().unwrap().to_owned();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    wait_text(&kiosk, "#welcome-title", "").await;
    // A USB scanner is a keyboard: it types what the QR code holds, then Enter, into whatever
    // has focus (here: nothing).
    let start = TAPS.load(Ordering::Relaxed);
    press_keys(&kiosk, &format!("{token}\u{E007}")).await;
    wait_text(&kiosk, "#express-title", "Grace").await;
    click(&kiosk, "#express-check-in").await;
    wait_text(&kiosk, "#done-title", "Grace").await;
    assert_eq!(
        TAPS.load(Ordering::Relaxed) - start,
        1,
        "one tap from scan to checked in"
    );
    kiosk.close().await.expect("close kiosk");
}

/// One frame for the fake camera showing `text` as a QR code (8 px per module, black on
/// white, centred on 640 × 480), as YUV4MPEG2.
fn qr_video(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("a QR code");
    let modules = code.width();
    let colors = code.to_colors();
    let (width, height, scale) = (640usize, 480usize, 8usize);
    let (left, top) = ((width - modules * scale) / 2, (height - modules * scale) / 2);
    let mut y4m = format!("YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    for y in 0..height {
        for x in 0..width {
            let module = (x >= left && y >= top)
                .then(|| ((x - left) / scale, (y - top) / scale))
                .filter(|(mx, my)| *mx < modules && *my < modules);
            let dark = module.is_some_and(|(mx, my)| colors[my * modules + mx] == qrcode::Color::Dark);
            y4m.push(if dark { 16 } else { 235 });
        }
    }
    y4m.extend(std::iter::repeat_n(128, width * height / 2));
    let path = dir.join("pass.y4m");
    std::fs::write(&path, y4m).expect("write the fake camera's video");
    path
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn the_tablet_camera_reads_the_pass_qr_code_and_checks_the_patient_in() {
    let server = start_server_with(&[ALL_DAY_PASSES]);
    let pass = pre_registered_at_home(&server.url, "Chidi O.", "1949-12-02").await;
    let video = qr_video(server.data.path(), pass["token"].as_str().unwrap());
    let driver = start_chromedriver().await;
    let kiosk = browser_with_camera(&driver, &video).await;
    open_kiosk(&kiosk, &server.url).await;
    let start = TAPS.load(Ordering::Relaxed);
    click(&kiosk, "#pass-scan").await;
    wait_text(&kiosk, "#express-title", "Chidi").await;
    check_screen(&kiosk, "express-scanned").await;
    click(&kiosk, "#express-check-in").await;
    wait_text(&kiosk, "#done-title", "Chidi").await;
    let taps = TAPS.load(Ordering::Relaxed) - start;
    println!("pass scanned by the camera: {taps} taps from the welcome screen to checked in");
    assert!(taps <= 2, "{taps} taps");
    kiosk.close().await.expect("close kiosk");
}
