//! The kiosk's screens in a real browser (wasm-bindgen-test in headless Chromium): field
//! errors in the patient's language, next to the field, and nothing typed is lost.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use arrive_kiosk::app::Localized;
use arrive_kiosk::kiosk::Kiosk;
use gloo_timers::future::sleep;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Event, EventInit, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A device token, as an enrolled tablet holds it (these tests never reach a server).
const TEST_DEVICE_TOKEN: &str = "7e57000000000000000000000000000000000000000000000000000000000001";

/// Mounts a fresh kiosk in its own element; returns that element.
fn mount_kiosk() -> HtmlElement {
    let storage = window().local_storage().unwrap().unwrap();
    storage.set_item("arrive.kiosk-token", TEST_DEVICE_TOKEN).unwrap();
    let doc = document();
    let root: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&root).unwrap();
    leptos::mount::mount_to(root.clone(), || view! { <Localized><Kiosk /></Localized> }).forget();
    root
}

/// How long a step may take to show on screen: Leptos renders after the event, and the
/// kiosk's calls (to the pretend server) answer asynchronously.
const PATIENCE: Duration = Duration::from_secs(5);
/// How often a condition is looked at while waiting for it.
const POLL: Duration = Duration::from_millis(20);

/// Waits until `condition` holds; fails naming `what` after `PATIENCE`.
async fn until(what: &str, condition: impl Fn() -> bool) {
    let polls = PATIENCE.as_millis() / POLL.as_millis();
    for _ in 0..polls {
        if condition() {
            return;
        }
        sleep(POLL).await;
    }
    assert!(condition(), "waited {PATIENCE:?} for {what}");
}

/// Waits until `read` gives `expected`; fails showing what it gave last.
async fn until_eq<T: PartialEq + std::fmt::Debug>(what: &str, read: impl Fn() -> T, expected: T) {
    until(what, || read() == expected).await;
    assert_eq!(read(), expected, "{what}");
}

/// Waits until the element at `selector` shows exactly `expected`.
async fn expect_text(root: &HtmlElement, selector: &str, expected: &str) {
    let read = || root.query_selector(selector).unwrap().and_then(|e| e.text_content());
    until_eq(selector, read, Some(expected.to_owned())).await;
}

/// Waits until the text of the element at `selector` passes `test`; returns that text.
async fn expect_text_where(root: &HtmlElement, selector: &str, test: impl Fn(&str) -> bool) -> String {
    let read = || root.query_selector(selector).unwrap().and_then(|e| e.text_content());
    until(selector, || read().is_some_and(|t| test(&t))).await;
    let text = read().unwrap_or_default();
    assert!(test(&text), "{selector}: {text}");
    text
}

/// Waits until the element at `selector` has `attribute` set to `expected`.
async fn expect_attribute(root: &HtmlElement, selector: &str, attribute: &str, expected: &str) {
    let read = || {
        root.query_selector(selector)
            .unwrap()
            .and_then(|e| e.get_attribute(attribute))
    };
    until_eq(&format!("{selector}[{attribute}]"), read, Some(expected.to_owned())).await;
}

/// Waits until nothing matches `selector`.
async fn expect_gone(root: &HtmlElement, selector: &str) {
    until(&format!("{selector} to go"), || {
        root.query_selector(selector).unwrap().is_none()
    })
    .await;
}

/// Waits until the element with this id has the focus.
async fn expect_focus(id: &str) {
    let focused = || document().active_element().map(|e| e.id());
    until_eq("the focus", focused, Some(id.to_owned())).await;
}

fn find(root: &HtmlElement, selector: &str) -> HtmlElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .unchecked_into()
}

fn text(root: &HtmlElement, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

/// Clicks the element at `selector` once it is on screen.
async fn click(root: &HtmlElement, selector: &str) {
    wait_for(root, selector).await.click();
}

/// Types `value` into the input at `selector` once it is on screen.
async fn type_into(root: &HtmlElement, selector: &str, value: &str) {
    let input: HtmlInputElement = wait_for(root, selector).await.unchecked_into();
    input.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

fn value(root: &HtmlElement, selector: &str) -> String {
    find(root, selector).unchecked_into::<HtmlInputElement>().value()
}

#[wasm_bindgen_test]
async fn welcome_offers_both_languages_and_spanish_switches_the_page() {
    let kiosk = mount_kiosk();
    expect_text_where(&kiosk, "#start-en", |t| t.contains("English")).await;
    assert!(text(&kiosk, "#start-es").contains("Español"));
    assert_eq!(find(&kiosk, "#start-es").get_attribute("lang").as_deref(), Some("es"));

    click(&kiosk, "#start-es").await;
    expect_text(&kiosk, "#identify-title", "¿Quién es usted?").await;
    assert_eq!(text(&kiosk, "label[for=last-name]"), "Apellido");
    let html_lang = || document().document_element().unwrap().get_attribute("lang");
    until_eq("the page's language", html_lang, Some("es".to_owned())).await;
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn mistakes_are_explained_next_to_the_field_and_typing_is_kept() {
    let kiosk = mount_kiosk();
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "R2D2").await;
    type_into(&kiosk, "#dob-month", "2").await;
    type_into(&kiosk, "#dob-day", "30").await;
    type_into(&kiosk, "#dob-year", "1990").await;
    click(&kiosk, "#continue").await;

    expect_text(&kiosk, "#error-summary", "Please check the highlighted answers.").await;
    expect_text(
        &kiosk,
        "#last-name-error",
        "Use letters only. Spaces, hyphens (-) and apostrophes (') are fine.",
    )
    .await;
    expect_text(
        &kiosk,
        "#dob-error",
        "This date does not exist. Check the month and the day.",
    )
    .await;
    expect_attribute(&kiosk, "#last-name", "aria-invalid", "true").await;
    // The error sits inside the field's own group, announced through aria-describedby.
    assert!(find(&kiosk, "#last-name")
        .get_attribute("aria-describedby")
        .unwrap()
        .contains("last-name-error"));
    expect_focus("last-name").await;
    for (selector, typed) in [
        ("#last-name", "R2D2"),
        ("#dob-month", "2"),
        ("#dob-day", "30"),
        ("#dob-year", "1990"),
    ] {
        assert_eq!(value(&kiosk, selector), typed, "{selector} keeps what was typed");
    }

    // Switching language translates the errors and keeps the answers.
    click(&kiosk, "#language-toggle").await;
    expect_text(&kiosk, "#dob-error", "Esta fecha no existe. Revise el mes y el día.").await;
    expect_text(
        &kiosk,
        "#last-name-error",
        "Use solo letras. Puede usar espacios, guiones (-) y apóstrofos (').",
    )
    .await;
    assert_eq!(value(&kiosk, "#last-name"), "R2D2");

    // Fixing the name clears its error on the next try; a two-digit year gets its own advice.
    type_into(&kiosk, "#last-name", "García-López").await;
    type_into(&kiosk, "#dob-year", "56").await;
    click(&kiosk, "#continue").await;
    expect_text(
        &kiosk,
        "#dob-error",
        "Escriba el año con sus cuatro cifras, por ejemplo 1956.",
    )
    .await;
    assert!(kiosk.query_selector("#last-name-error").unwrap().is_none());
    expect_focus("dob-month").await;
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn start_over_forgets_what_was_typed() {
    let kiosk = mount_kiosk();
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "Smith").await;
    type_into(&kiosk, "#dob-year", "1990").await;
    click(&kiosk, "#start-over").await;
    expect_text_where(&kiosk, "#welcome-title", |t| t.contains("Welcome")).await;
    click(&kiosk, "#start-en").await;
    wait_for(&kiosk, "#last-name").await;
    assert_eq!(value(&kiosk, "#last-name"), "");
    assert_eq!(value(&kiosk, "#dob-year"), "");
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn typing_leaves_nothing_in_browser_storage() {
    let kiosk = mount_kiosk();
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "O'Brien").await;
    type_into(&kiosk, "#dob-month", "9").await;
    // Past the typing's effects: the answers are checked (and found incomplete).
    click(&kiosk, "#continue").await;
    wait_for(&kiosk, "#dob-error").await;
    let window = window();
    // The device token is the one thing a kiosk keeps, and it is not the patient's.
    let local = window.local_storage().unwrap().unwrap();
    assert_eq!(local.length().unwrap(), 1);
    assert_eq!(local.key(0).unwrap().as_deref(), Some("arrive.kiosk-token"));
    assert_eq!(window.session_storage().unwrap().unwrap().length().unwrap(), 0);
    assert!(!window.location().href().unwrap().contains("Brien"));
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn a_tablet_without_a_device_token_says_to_see_the_desk() {
    window().local_storage().unwrap().unwrap().clear().unwrap();
    let doc = document();
    let root: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&root).unwrap();
    leptos::mount::mount_to(root.clone(), || view! { <Localized><Kiosk /></Localized> }).forget();
    expect_text_where(&root, "#outcome-title", |t| t.contains("not ready")).await;
    root.remove();
}

#[wasm_bindgen_test]
async fn a_form_shows_questions_as_they_apply_and_a_removed_row_forgets_its_bad_text() {
    use std::collections::HashSet;
    use std::sync::Arc;

    use arrive_domain::questionnaire::{draft, load};
    use arrive_kiosk::kiosk::form_view::FormView;

    let form = load(
        r#"{"resourceType": "Questionnaire", "id": "pets", "status": "active", "item": [
            {"linkId": "has-pets", "type": "boolean", "text": "I have pets"},
            {"linkId": "pet", "type": "group", "text": "Pet", "repeats": true,
             "enableWhen": [{"question": "has-pets", "operator": "=", "answerBoolean": true}],
             "item": [{"linkId": "age", "type": "integer", "text": "Age in years", "required": true}]}
        ]}"#,
    )
    .unwrap();
    let answers = RwSignal::new(draft::start(&form.item));
    let attempted = RwSignal::new(false);
    let unreadable = RwSignal::new(HashSet::<String>::new());
    let form = Arc::new(form);
    let doc = document();
    let root: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&root).unwrap();
    let mounted = form.clone();
    leptos::mount::mount_to(root.clone(), move || {
        view! { <Localized><FormView form=mounted.clone() draft=answers attempted unreadable /></Localized> }
    })
    .forget();

    // The list of pets applies only once the box is ticked.
    wait_for(&root, "#q-has-pets").await;
    assert!(root.query_selector("#q-pet-0-age").unwrap().is_none());
    click(&root, "#q-has-pets").await;
    type_into(&root, "#q-pet-0-age", "three").await;
    attempted.set(true);
    expect_text_where(&root, "#q-pet-0-age-error", |t| t.contains("whole number")).await;
    assert_eq!(value(&root, "#q-pet-0-age"), "three", "what was typed is kept");
    until_eq("the unreadable answers", || unreadable.get_untracked().len(), 1).await;

    // Removing the row removes its unreadable text: nothing unseen blocks the form.
    click(&root, ".remove-row").await;
    until("the row's text to be forgotten", || {
        unreadable.get_untracked().is_empty()
    })
    .await;
    root.remove();
}

/// Waits for `selector` to appear; returns it.
async fn wait_for(root: &HtmlElement, selector: &str) -> HtmlElement {
    until(&format!("{selector} to appear"), || {
        root.query_selector(selector).unwrap().is_some()
    })
    .await;
    find(root, selector)
}

async fn choose(root: &HtmlElement, selector: &str, value: &str) {
    let select: web_sys::HtmlSelectElement = wait_for(root, selector).await.unchecked_into();
    select.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    select
        .dispatch_event(&Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
}

/// Replaces `fetch` with a pretend server for one patient (Ana, Medicare-aged, a record on
/// file, no forms or consents left) that fails the first `failing` check-ins as a dropped
/// network would (and refuses one naming the field in `window.__refuse`, when set). Requests are kept in `window.__calls`. Returns a guard that puts `fetch` back.
fn pretend_server(failing: u32) -> impl Drop {
    js_sys::eval(&format!(
        r#"
        window.__realFetch = window.__realFetch || window.fetch;
        window.__calls = [];
        window.__failing = {failing};
        window.__refuse = null;
        window.fetch = async (request) => {{
            const path = new URL(request.url).pathname;
            const body = request.method === "POST" ? await request.text() : null;
            window.__calls.push({{ path, body }});
            const json = (status, value) => new Response(JSON.stringify(value),
                {{ status, headers: {{ "Content-Type": "application/json" }} }});
            switch (path) {{
            case "/api/v1/kiosk/identify":
                return json(200, {{ outcome: "found", appointment: {{ match_token: "m1", first_name: "Ana",
                    starts_at: "10:30", provider: "Dr. Lee", already_checked_in: false }} }});
            case "/api/v1/kiosk/record":
                return json(200, {{ address: "•••• Oak St, •••42", phone: "(•••) •••-0142", email: null,
                    emergency_contact: null, language: "es",
                    coverages: [{{ payer_name: "Sandbox Health Plan", member_id: "••••1234" }}],
                    copay_cents: 2500, prior_balance_cents: 4550 }});
            case "/api/v1/kiosk/payers":
                return json(200, [
                    {{ id: "MCR01", name: "Medicare (sandbox)", member_id_format: "mbi" }},
                    {{ id: "SBX01", name: "Sandbox Health Plan", member_id_format: "generic" }}]);
            case "/api/v1/kiosk/forms/for-visit": return json(200, {{ forms: [] }});
            case "/api/v1/kiosk/consents/pending": return json(200, {{ consents: [] }});
            case "/api/v1/kiosk/check-in":
                if (window.__failing > 0) {{ window.__failing -= 1; throw new TypeError("offline"); }}
                if (window.__refuse) {{
                    const field = window.__refuse; window.__refuse = null;
                    return json(422, {{ error: {{ code: "invalid_field", message: "Not valid.", field }} }});
                }}
                return json(200, {{ arrived_at: "2026-11-25T10:31:00Z", already_checked_in: false }});
            }}
            return json(404, {{ error: {{ code: "not_found", message: "Not found." }} }});
        }};
        "#
    ))
    .unwrap();
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = js_sys::eval("window.fetch = window.__realFetch;");
        }
    }
    Restore
}

/// The bodies of the requests sent to `path`, oldest first.
fn sent_to(path: &str) -> Vec<serde_json::Value> {
    let calls = js_sys::eval("JSON.stringify(window.__calls)")
        .unwrap()
        .as_string()
        .unwrap();
    let calls: Vec<serde_json::Value> = serde_json::from_str(&calls).unwrap();
    calls
        .into_iter()
        .filter(|c| c["path"] == path)
        .map(|c| serde_json::from_str(c["body"].as_str().unwrap_or("null")).unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn a_patient_confirms_details_changes_insurance_and_checks_in_through_a_dropped_network() {
    let _server = pretend_server(2);
    let kiosk = mount_kiosk();
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "Cruz").await;
    type_into(&kiosk, "#dob-month", "03").await;
    type_into(&kiosk, "#dob-day", "14").await;
    type_into(&kiosk, "#dob-year", "1956").await;
    click(&kiosk, "#continue").await;

    // Details: what is on file, masked; nothing chosen yet is a mistake to point at.
    wait_for(&kiosk, "#details-title").await;
    assert_eq!(text(&kiosk, "#steps-text"), "Step 1 of 5: Details");
    assert_eq!(
        find(&kiosk, "#steps li[aria-current=step]").text_content().as_deref(),
        Some("Details")
    );
    assert!(text(&kiosk, "#address-on-file").contains("•••• Oak St, •••42"));
    assert_eq!(text(&kiosk, "#email-on-file"), "Nothing on file");
    assert!(text(&kiosk, "#language-on-file").contains("Spanish"));
    assert!(text(&kiosk, "#name-dob-note").contains("front desk"));
    click(&kiosk, "#details-continue").await;
    expect_text(&kiosk, "#error-summary", "Please check the highlighted answers.").await;
    expect_text(&kiosk, "#address-choice-error", "Please choose one.").await;

    // A new address with a short ZIP: the problem next to the ZIP, what was typed kept.
    click(&kiosk, "#address-changed").await;
    expect_attribute(&kiosk, "#address-changed", "aria-pressed", "true").await;
    type_into(&kiosk, "#address-line", "12 Elm St").await;
    type_into(&kiosk, "#address-city", "Austin").await;
    choose(&kiosk, "#address-state", "TX").await;
    type_into(&kiosk, "#address-zip", "7870").await;
    for group in ["#phone-same", "#email-skip", "#contact-skip", "#language-same"] {
        click(&kiosk, group).await;
    }
    click(&kiosk, "#details-continue").await;
    expect_text_where(&kiosk, "#address-zip-error", |t| {
        t.starts_with("A ZIP code has 5 digits")
    })
    .await;
    expect_attribute(&kiosk, "#address-zip", "aria-invalid", "true").await;
    assert_eq!(value(&kiosk, "#address-zip"), "7870");
    assert_eq!(value(&kiosk, "#address-line"), "12 Elm St");
    expect_focus("address-zip").await;
    // In Spanish too.
    click(&kiosk, "#language-toggle").await;
    expect_text_where(&kiosk, "#address-zip-error", |t| {
        t.starts_with("El código postal tiene 5 cifras")
    })
    .await;
    click(&kiosk, "#language-toggle").await;
    expect_text_where(&kiosk, "#address-zip-error", |t| t.starts_with("A ZIP code")).await;
    type_into(&kiosk, "#address-zip", "78701").await;
    expect_gone(&kiosk, "#address-zip-error").await;
    click(&kiosk, "#details-continue").await;

    // Insurance: a new Medicare card, found by typing; a mistyped MBI is explained.
    wait_for(&kiosk, "#insurance-title").await;
    assert!(text(&kiosk, "#insurance-on-file").contains("Sandbox Health Plan ••••1234"));
    click(&kiosk, "#insurance-changed").await;
    type_into(&kiosk, "#payer-search", "MEDI").await;
    until("the other payers to hide", || {
        find(&kiosk, "label[for=payer-SBX01]").hidden()
    })
    .await;
    assert!(!find(&kiosk, "label[for=payer-MCR01]").hidden());
    click(&kiosk, "#payer-MCR01").await;
    expect_text(&kiosk, "#member-id-hint", "11 characters, like 1EG4-TE5-MK73").await;
    type_into(&kiosk, "#member-id", "1SG4TE5MK73").await;
    click(&kiosk, "#insurance-continue").await;
    expect_text(
        &kiosk,
        "#member-id-error",
        "This does not look like a Medicare number. It has 11 letters and numbers, like 1EG4-TE5-MK73.",
    )
    .await;
    type_into(&kiosk, "#member-id", "1EG4-TE5-MK73").await;
    click(&kiosk, "#insurance-continue").await;

    // No forms and no consents are left: on to the review. Back passes them again, backwards.
    wait_for(&kiosk, "#review-title").await;
    click(&kiosk, "#back").await;
    wait_for(&kiosk, "#insurance-title").await;
    assert_eq!(
        value(&kiosk, "#member-id"),
        "1EG4-TE5-MK73",
        "Back keeps what was typed"
    );
    click(&kiosk, "#insurance-continue").await;
    wait_for(&kiosk, "#amounts").await;
    let amounts = text(&kiosk, "#amounts");
    assert!(amounts.contains("Today's expected co-pay: $25.00"), "{amounts}");
    assert!(amounts.contains("Earlier balance: $45.50"), "{amounts}");
    assert!(text(&kiosk, "#no-card-numbers").contains("never asks for card numbers"));
    // Checking in without saying how to pay: the question says so, next to it.
    click(&kiosk, "#check-in").await;
    expect_text(&kiosk, "#payment-choice-error", "Please choose one.").await;
    click(&kiosk, "#pay-cash").await;
    expect_attribute(&kiosk, "#pay-cash", "aria-pressed", "true").await;

    // Review: only what changed, the member ID masked.
    let review = text(&kiosk, "#review-changes");
    // The new address masked as the one on file is, until "Show".
    assert!(review.contains("•••• Elm St, •••01"), "{review}");
    assert!(!review.contains("12 Elm"), "{review}");
    assert_eq!(
        find(&kiosk, "#address-show").get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    click(&kiosk, "#address-show").await;
    expect_text(&kiosk, "#address-value", "12 Elm St, Austin, TX 78701").await;
    expect_attribute(&kiosk, "#address-show", "aria-pressed", "true").await;
    let review = text(&kiosk, "#review-changes");
    assert!(review.contains("Medicare (sandbox) · Member ID ••••MK73"), "{review}");
    assert!(!review.contains("1EG4"), "{review}");
    assert!(!review.contains("Phone"), "unchanged groups are not listed: {review}");

    // The network drops twice: the kiosk retries with the same key and gets through.
    click(&kiosk, "#check-in").await;
    wait_for(&kiosk, "#done-title").await;
    assert_eq!(text(&kiosk, "#done-title"), "You are checked in, Ana");
    let attempts = sent_to("/api/v1/kiosk/check-in");
    assert_eq!(attempts.len(), 3);
    let key = attempts[0]["idempotency_key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 32);
    assert!(attempts.iter().all(|a| a["idempotency_key"] == key.as_str()));
    let verification = &attempts[2]["verification"];
    assert_eq!(verification["address"]["answer"], "changed");
    assert_eq!(verification["address"]["value"]["zip"], "78701");
    assert_eq!(verification["phone"], serde_json::json!({ "answer": "same" }));
    assert_eq!(verification["insurance"]["primary"]["payer_id"], "MCR01");
    assert_eq!(verification["insurance"]["primary"]["relationship"], "self");
    assert_eq!(verification["payment"], "cash_or_check");
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn display_toggles_change_the_page_and_start_over_resets_them() {
    let kiosk = mount_kiosk();
    let root = document().document_element().unwrap();
    click(&kiosk, "#larger-text").await;
    click(&kiosk, "#high-contrast").await;
    expect_attribute(&kiosk, "#larger-text", "aria-pressed", "true").await;
    until("both display classes on the page", || {
        let classes = root.class_name();
        classes.contains("larger-text") && classes.contains("high-contrast")
    })
    .await;
    click(&kiosk, "#start-en").await;
    click(&kiosk, "#start-over").await;
    expect_attribute(&kiosk, "#high-contrast", "aria-pressed", "false").await;
    until_eq("the page's classes", || root.class_name(), String::new()).await;
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn after_thirty_seconds_without_the_server_the_patient_gets_a_reference_while_retries_go_on() {
    let _server = pretend_server(1_000);
    let kiosk = mount_kiosk();
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "Cruz").await;
    type_into(&kiosk, "#dob-month", "03").await;
    type_into(&kiosk, "#dob-day", "14").await;
    type_into(&kiosk, "#dob-year", "1956").await;
    click(&kiosk, "#continue").await;
    wait_for(&kiosk, "#details-title").await;
    wait_for(&kiosk, "#all-same").await;
    click(&kiosk, "#all-same").await;
    wait_for(&kiosk, "#pay-card").await;
    click(&kiosk, "#pay-card").await;
    wait_for(&kiosk, "#review-title").await;
    assert_eq!(
        text(&kiosk, "#nothing-changed"),
        "Nothing changed since your last visit."
    );

    click(&kiosk, "#check-in").await;
    // Once the first attempt is out (its start time taken), half a minute passes (the kiosk
    // reads the time through Date.now).
    until("the first check-in attempt", || {
        !sent_to("/api/v1/kiosk/check-in").is_empty()
    })
    .await;
    js_sys::eval("window.__realNow = Date.now; Date.now = () => window.__realNow() + 31000;").unwrap();
    let problem = wait_for(&kiosk, "#problem").await.text_content().unwrap_or_default();
    let key = sent_to("/api/v1/kiosk/check-in")[0]["idempotency_key"]
        .as_str()
        .unwrap()
        .to_ascii_uppercase();
    let reference = format!("{}-{}", &key[..3], &key[3..6]);
    assert_eq!(
        problem,
        format!(
            "We cannot reach the front desk's computer. Please see the front desk and give this reference: {reference}"
        )
    );
    assert_eq!(text(&kiosk, "#check-in"), "Checking you in…", "still trying");

    // The network comes back: the next retry gets through, with the same key.
    js_sys::eval("window.__failing = 0; Date.now = window.__realNow;").unwrap();
    wait_for(&kiosk, "#done-title").await;
    let attempts = sent_to("/api/v1/kiosk/check-in");
    assert!(attempts.len() >= 3);
    assert!(attempts
        .iter()
        .all(|a| a["idempotency_key"].as_str().unwrap().to_ascii_uppercase() == key));
    assert_eq!(
        attempts[0]["verification"]["insurance"],
        serde_json::json!({ "answer": "same" })
    );
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn a_field_the_server_refuses_is_shown_at_its_step() {
    let _server = pretend_server(0);
    let kiosk = mount_kiosk();
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "Cruz").await;
    type_into(&kiosk, "#dob-month", "03").await;
    type_into(&kiosk, "#dob-day", "14").await;
    type_into(&kiosk, "#dob-year", "1956").await;
    click(&kiosk, "#continue").await;
    wait_for(&kiosk, "#details-title").await;
    wait_for(&kiosk, "#all-same").await;
    click(&kiosk, "#all-same").await;
    wait_for(&kiosk, "#pay-bill").await;
    click(&kiosk, "#pay-bill").await;
    wait_for(&kiosk, "#review-title").await;

    js_sys::eval("window.__refuse = 'phone';").unwrap();
    click(&kiosk, "#check-in").await;
    wait_for(&kiosk, "#details-title").await;
    expect_text(&kiosk, "#phone-choice-error", "Please check this answer.").await;
    expect_text(&kiosk, "#error-summary", "Please check the highlighted answers.").await;
    kiosk.remove();
}
