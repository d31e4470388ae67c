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

/// Lets Leptos run its scheduled effects.
async fn settle() {
    sleep(Duration::from_millis(30)).await;
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

async fn click(root: &HtmlElement, selector: &str) {
    find(root, selector).click();
    settle().await;
}

async fn type_into(root: &HtmlElement, selector: &str, value: &str) {
    let input: HtmlInputElement = find(root, selector).unchecked_into();
    input.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    settle().await;
}

fn value(root: &HtmlElement, selector: &str) -> String {
    find(root, selector).unchecked_into::<HtmlInputElement>().value()
}

#[wasm_bindgen_test]
async fn welcome_offers_both_languages_and_spanish_switches_the_page() {
    let kiosk = mount_kiosk();
    settle().await;
    assert!(text(&kiosk, "#start-en").contains("English"));
    assert!(text(&kiosk, "#start-es").contains("Español"));
    assert_eq!(find(&kiosk, "#start-es").get_attribute("lang").as_deref(), Some("es"));

    click(&kiosk, "#start-es").await;
    assert_eq!(text(&kiosk, "#identify-title"), "¿Quién es usted?");
    assert_eq!(text(&kiosk, "label[for=last-name]"), "Apellido");
    let html_lang = document().document_element().unwrap().get_attribute("lang");
    assert_eq!(html_lang.as_deref(), Some("es"));
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn mistakes_are_explained_next_to_the_field_and_typing_is_kept() {
    let kiosk = mount_kiosk();
    settle().await;
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "R2D2").await;
    type_into(&kiosk, "#dob-month", "2").await;
    type_into(&kiosk, "#dob-day", "30").await;
    type_into(&kiosk, "#dob-year", "1990").await;
    click(&kiosk, "#continue").await;

    assert_eq!(text(&kiosk, "#error-summary"), "Please check the highlighted answers.");
    assert_eq!(
        text(&kiosk, "#last-name-error"),
        "Use letters only. Spaces, hyphens (-) and apostrophes (') are fine."
    );
    assert_eq!(
        text(&kiosk, "#dob-error"),
        "This date does not exist. Check the month and the day."
    );
    assert_eq!(
        find(&kiosk, "#last-name").get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    // The error sits inside the field's own group, announced through aria-describedby.
    assert!(find(&kiosk, "#last-name")
        .get_attribute("aria-describedby")
        .unwrap()
        .contains("last-name-error"));
    let focused = document().active_element().map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("last-name"));
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
    assert_eq!(
        text(&kiosk, "#dob-error"),
        "Esta fecha no existe. Revise el mes y el día."
    );
    assert_eq!(
        text(&kiosk, "#last-name-error"),
        "Use solo letras. Puede usar espacios, guiones (-) y apóstrofos (')."
    );
    assert_eq!(value(&kiosk, "#last-name"), "R2D2");

    // Fixing the name clears its error on the next try; a two-digit year gets its own advice.
    type_into(&kiosk, "#last-name", "García-López").await;
    type_into(&kiosk, "#dob-year", "56").await;
    click(&kiosk, "#continue").await;
    assert!(kiosk.query_selector("#last-name-error").unwrap().is_none());
    assert_eq!(
        text(&kiosk, "#dob-error"),
        "Escriba el año con sus cuatro cifras, por ejemplo 1956."
    );
    let focused = document().active_element().map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("dob-month"));
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn start_over_forgets_what_was_typed() {
    let kiosk = mount_kiosk();
    settle().await;
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "Smith").await;
    type_into(&kiosk, "#dob-year", "1990").await;
    click(&kiosk, "#start-over").await;
    assert!(text(&kiosk, "#welcome-title").contains("Welcome"));
    click(&kiosk, "#start-en").await;
    assert_eq!(value(&kiosk, "#last-name"), "");
    assert_eq!(value(&kiosk, "#dob-year"), "");
    kiosk.remove();
}

#[wasm_bindgen_test]
async fn typing_leaves_nothing_in_browser_storage() {
    let kiosk = mount_kiosk();
    settle().await;
    click(&kiosk, "#start-en").await;
    type_into(&kiosk, "#last-name", "O'Brien").await;
    type_into(&kiosk, "#dob-month", "9").await;
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
    settle().await;
    assert!(text(&root, "#outcome-title").contains("not ready"));
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
    settle().await;

    // The list of pets applies only once the box is ticked.
    assert!(root.query_selector("#q-pet-0-age").unwrap().is_none());
    click(&root, "#q-has-pets").await;
    type_into(&root, "#q-pet-0-age", "three").await;
    attempted.set(true);
    settle().await;
    assert!(text(&root, "#q-pet-0-age-error").contains("whole number"));
    assert_eq!(value(&root, "#q-pet-0-age"), "three", "what was typed is kept");
    assert_eq!(unreadable.get_untracked().len(), 1);

    // Removing the row removes its unreadable text: nothing unseen blocks the form.
    click(&root, ".remove-row").await;
    assert!(unreadable.get_untracked().is_empty());
    root.remove();
}
