//! End to end, a patient who cannot see the kiosk: speech mode started and driven by keys
//! alone (no pointer event at all), every utterance recorded by a stand-in for the browser's
//! `speechSynthesis`, on the real server and the release build in headless Chromium. For each
//! screen: focus on its heading (or its one field), and every visible text, label, option,
//! value and error among what was said since it opened; axe-core's WCAG 2.2 AA rules clean.
//! The same path by keyboard without speech checks focus at each step change. Each walk prints
//! its key presses. Run by `cargo xtask test`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::Client;
use serde_json::json;
use support::harness::*;

const ENTER: char = '\u{E007}';
const TAB: char = '\u{E004}';

/// The browser's speech synthesis as a recorder: every utterance (its text and language) is
/// kept in `window.__spoken`, in order; `cancel` is recorded too. It lists one voice per
/// language, as a tablet with system voices would.
const RECORDER: &str = "
    window.__spoken = [];
    const recorder = {
        speaking: false, pending: false, paused: false, onvoiceschanged: null,
        speak(u) { window.__spoken.push({ text: u.text, lang: u.lang }); },
        cancel() { window.__spoken.push({ cancel: true }); },
        pause() {}, resume() {},
        getVoices() { return [{ lang: 'en-US', name: 'Test English' }, { lang: 'es-US', name: 'Test Spanish' }]; },
        addEventListener() {}, removeEventListener() {},
    };
    Object.defineProperty(window, 'speechSynthesis', { value: recorder, configurable: true });
    return true;";

/// What the page shows in the open dialog, or else in `<main>`: the text of every shown text
/// node, the value of every shown field (the chosen option of a list), whitespace squeezed.
const SHOWN_TEXTS: &str = "
    const root = document.getElementById('still-there') || document.getElementById('main');
    const shown = e => e.getClientRects().length > 0 && !e.closest('[aria-hidden=true]')
        && getComputedStyle(e).visibility !== 'hidden';
    const squeeze = t => t.replace(/\\s+/g, ' ').trim();
    const texts = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const t = squeeze(n.textContent);
        if (t && n.parentElement && shown(n.parentElement) && !n.parentElement.closest('option')) texts.push(t);
    }
    for (const f of root.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea')) {
        if (shown(f) && f.value && f.type !== 'password') texts.push(squeeze(f.value));
    }
    for (const s of root.querySelectorAll('select')) {
        if (shown(s) && s.selectedOptions[0]) texts.push(squeeze(s.selectedOptions[0].text));
    }
    return texts;";

/// The patient's keys, counted: the test's only way to act on the kiosk.
struct Keys<'a> {
    kiosk: &'a Client,
    pressed: usize,
}

impl Keys<'_> {
    async fn press(&mut self, keys: &str) {
        self.pressed += keys.chars().count();
        press_keys(self.kiosk, keys).await;
    }

    /// Tab until `css` has focus, as a keyboard user moves to a control they can see.
    async fn tab_to(&mut self, css: &str) {
        for _ in 0..40 {
            if has_focus(self.kiosk, css).await {
                return;
            }
            self.press(&TAB.to_string()).await;
        }
        panic!("Tab never reached {css}");
    }
}

/// Everything said since utterance `mark` (cancels left out).
async fn said_since(kiosk: &Client, mark: usize) -> Vec<String> {
    let spoken = kiosk
        .execute(
            "return window.__spoken.slice(arguments[0]).filter(u => u.text).map(u => u.text);",
            vec![json!(mark)],
        )
        .await
        .expect("read what was said");
    serde_json::from_value(spoken).expect("utterances")
}

async fn mark(kiosk: &Client) -> usize {
    let count = kiosk
        .execute("return window.__spoken.length;", vec![])
        .await
        .expect("count utterances");
    count.as_u64().expect("a count") as usize
}

/// The languages of the utterances since `mark`.
async fn languages_since(kiosk: &Client, mark: usize) -> Vec<String> {
    let langs = kiosk
        .execute(
            "return window.__spoken.slice(arguments[0]).filter(u => u.text).map(u => u.lang);",
            vec![json!(mark)],
        )
        .await
        .expect("read the languages");
    serde_json::from_value(langs).expect("languages")
}

/// Waits until every text the screen shows has been said since `mark`; fails naming what
/// was never said.
async fn all_of_it_said(kiosk: &Client, mark: usize, screen: &str) {
    let start = std::time::Instant::now();
    loop {
        let shown: Vec<String> =
            serde_json::from_value(kiosk.execute(SHOWN_TEXTS, vec![]).await.expect("shown")).expect("texts");
        let said = said_since(kiosk, mark).await.join(" ");
        let said = said.split_whitespace().collect::<Vec<_>>().join(" ");
        let missing: Vec<&String> = shown.iter().filter(|t| !said.contains(t.as_str())).collect();
        if missing.is_empty() {
            assert!(!shown.is_empty(), "{screen}: nothing shown");
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "{screen}: shown but never said: {missing:?}\nsaid: {said}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The number speech gave the control `css` since `mark` ("Option 4: Check in, button"),
/// found as a listener finds it: by its words.
async fn number_of(kiosk: &Client, mark: usize, css: &str) -> String {
    let label = kiosk
        .execute(
            "const e = document.querySelector(arguments[0]);
             return e ? e.innerText.replace(/\\s+/g, ' ').trim() : null;",
            vec![json!(css)],
        )
        .await
        .expect("read a label");
    let label = label
        .as_str()
        .unwrap_or_else(|| panic!("{css} is not on screen"))
        .to_owned();
    let start = std::time::Instant::now();
    loop {
        for utterance in said_since(kiosk, mark).await {
            let Some((option, rest)) = utterance.split_once(": ") else {
                continue;
            };
            let number = option.trim_start_matches("Option ").trim_start_matches("Opción ");
            if rest.starts_with(&label) && number.chars().all(|c| c.is_ascii_digit()) && !number.is_empty() {
                return number.to_owned();
            }
        }
        assert!(
            start.elapsed() < PATIENCE,
            "no option number was said for {css} ({label:?}): {:?}",
            said_since(kiosk, mark).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// One screen in speech mode: it opened with focus on `focus`, all of it was said since
/// `from`, and axe finds nothing.
async fn heard(kiosk: &Client, from: usize, heading: &str, focus: &str, name: &str) {
    screen_opened_at(kiosk, heading, focus).await;
    all_of_it_said(kiosk, from, name).await;
    check_screen(kiosk, name).await;
}

struct Language {
    code: &'static str,
    /// The key that accepts Welcome's offer in this language.
    accept: char,
    start: &'static str,
    welcome: &'static str,
    identify: &'static str,
    hello: &'static str,
    still_right: &'static str,
    review: &'static str,
    done: &'static str,
}

const ENGLISH: Language = Language {
    code: "en",
    accept: '1',
    start: "#start-en",
    welcome: "Welcome",
    identify: "Who are you?",
    hello: "Hello, Walter",
    still_right: "Are these answers still right?",
    review: "Ready to check in",
    done: "You are checked in, Walter",
};

const SPANISH: Language = Language {
    code: "es",
    accept: '2',
    start: "#start-es",
    welcome: "Le damos la bienvenida",
    identify: "¿Quién es usted?",
    hello: "Hola, Walter",
    still_right: "¿Siguen siendo correctas estas respuestas?",
    review: "Listo para registrar su llegada",
    done: "Su llegada está registrada, Walter",
};

/// Walter Lindqvist, the demo's returning patient, checks in by keys and ears alone.
async fn speech_walk(language: &Language, size: Option<(u32, u32)>) {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    if let Some((width, height)) = size {
        set_viewport(&kiosk, width, height).await;
    }
    let arrived_before = walters_arrivals(&server).await;
    open_kiosk(&kiosk, &server.url).await;
    screen_opened(&kiosk, "Welcome").await;
    kiosk.execute(RECORDER, vec![]).await.expect("install the recorder");
    let mut keys = Keys {
        kiosk: &kiosk,
        pressed: 0,
    };

    // Any key: the offer, in both languages, each in its own voice.
    keys.press("5").await;
    eventually("the offer", || async { said_since(&kiosk, 0).await.len() >= 2 }).await;
    let offer = said_since(&kiosk, 0).await.join(" ");
    assert!(
        offer.contains("spoken guidance") && offer.contains("guía hablada"),
        "{offer}"
    );
    assert_eq!(languages_since(&kiosk, 0).await, ["en", "es"]);

    // Accepted: the privacy notice first, then the keys, then Welcome in full.
    let from = mark(&kiosk).await;
    keys.press(&language.accept.to_string()).await;
    wait_text(&kiosk, "#welcome-title", language.welcome).await;
    all_of_it_said(&kiosk, from, "welcome").await;
    let said = said_since(&kiosk, from).await;
    let privacy = said
        .iter()
        .position(|u| u.contains("headphones") || u.contains("auriculares"));
    let heading = said.iter().position(|u| u.contains(language.welcome));
    assert!(privacy.is_some() && privacy < heading, "privacy first: {said:?}");
    assert!(languages_since(&kiosk, from).await.iter().all(|l| l == language.code));
    check_screen(&kiosk, &format!("speech-welcome-{}", language.code)).await;

    let from = mark(&kiosk).await;
    let start = number_of(&kiosk, 0, language.start).await;
    keys.press(&start).await;
    heard(&kiosk, from, language.identify, "#last-name", "speech-identify").await;

    // The name, then Enter with no birth date: the errors are said, focus goes to the month.
    keys.press("lindqvist").await;
    let from = mark(&kiosk).await;
    keys.press(&ENTER.to_string()).await;
    eventually("the birth date error", || async {
        has_focus(&kiosk, "#dob-month").await
    })
    .await;
    let errors: Vec<String> = serde_json::from_value(
        kiosk
            .execute(
                "return [...document.querySelectorAll('.field-error, .error-summary')].map(e => e.textContent.trim());",
                vec![],
            )
            .await
            .expect("errors"),
    )
    .expect("error texts");
    assert!(!errors.is_empty(), "no error shown");
    eventually("every error said", || async {
        let said = said_since(&kiosk, from).await.join(" ");
        errors.iter().all(|e| said.contains(e.as_str()))
    })
    .await;
    check_screen(&kiosk, "speech-identify-errors").await;
    // A full day moves on to the year by itself (focus says so): no Tab there.
    keys.press(&format!("5{TAB}141948{ENTER}")).await;

    let from = mark(&kiosk).await;
    heard(&kiosk, from, language.hello, "#main h1", "speech-details").await;
    let all_same = number_of(&kiosk, from, "#all-same").await;
    let from = mark(&kiosk).await;
    keys.press(&all_same).await;
    heard(&kiosk, from, language.still_right, "#main h1", "speech-still-right").await;
    let still_right = number_of(&kiosk, from, "#still-right").await;
    let from = mark(&kiosk).await;
    keys.press(&still_right).await;
    heard(&kiosk, from, language.review, "#main h1", "speech-review").await;
    let pay_card = number_of(&kiosk, from, "#pay-card").await;
    keys.press(&pay_card).await;
    let check_in = number_of(&kiosk, from, "#check-in").await;
    let from = mark(&kiosk).await;
    keys.press(&check_in).await;
    heard(&kiosk, from, language.done, "#main h1", "speech-done").await;

    println!(
        "speech mode, {} {}: {} key presses from welcome to checked in",
        language.code,
        size.map_or("tablet".to_owned(), |(w, h)| format!("{w}×{h}")),
        keys.pressed
    );
    assert!(keys.pressed < 80, "{} key presses", keys.pressed);
    assert_eq!(
        walters_arrivals(&server).await,
        arrived_before + 1,
        "Walter is checked in"
    );
    kiosk.close().await.expect("close kiosk");
}

/// Walter's appointments marked arrived (the demo has some from earlier visits).
async fn walters_arrivals(server: &Server) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointment a JOIN patient p ON p.id = a.patient_id
         WHERE p.last_name = 'Lindqvist' AND a.status = 'arrived'",
    )
    .fetch_one(&server.database().await)
    .await
    .expect("count arrivals")
}

/// The same path by keyboard, no speech and no pointer: focus lands on each new screen's
/// heading (or its one field), and axe finds nothing on any of them (with the speech walks:
/// every screen of the path at both sizes in both languages).
async fn keyboard_walk(language: &Language, size: Option<(u32, u32)>) {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    if let Some((width, height)) = size {
        set_viewport(&kiosk, width, height).await;
    }
    open_kiosk(&kiosk, &server.url).await;
    screen_opened(&kiosk, "Welcome").await;
    check_screen(&kiosk, &format!("keys-welcome-{}", language.code)).await;
    let mut keys = Keys {
        kiosk: &kiosk,
        pressed: 0,
    };
    keys.tab_to(language.start).await;
    keys.press(&ENTER.to_string()).await;
    screen_opened_at(&kiosk, language.identify, "#last-name").await;
    check_screen(&kiosk, &format!("keys-identify-{}", language.code)).await;
    keys.press(&format!("lindqvist{TAB}5{TAB}141948{ENTER}")).await;
    screen_opened(&kiosk, language.hello).await;
    check_screen(&kiosk, &format!("keys-details-{}", language.code)).await;
    keys.tab_to("#all-same").await;
    keys.press(&ENTER.to_string()).await;
    screen_opened(&kiosk, language.still_right).await;
    check_screen(&kiosk, &format!("keys-still-right-{}", language.code)).await;
    keys.tab_to("#still-right").await;
    keys.press(&ENTER.to_string()).await;
    screen_opened(&kiosk, language.review).await;
    check_screen(&kiosk, &format!("keys-review-{}", language.code)).await;
    keys.tab_to("#pay-card").await;
    keys.press(&ENTER.to_string()).await;
    keys.tab_to("#check-in").await;
    keys.press(&ENTER.to_string()).await;
    screen_opened(&kiosk, language.done).await;
    check_screen(&kiosk, &format!("keys-done-{}", language.code)).await;
    println!(
        "keyboard only, {} {}: {} key presses from welcome to checked in",
        language.code,
        size.map_or("tablet".to_owned(), |(w, h)| format!("{w}×{h}")),
        keys.pressed
    );
    kiosk.close().await.expect("close kiosk");
}

const PHONE: Option<(u32, u32)> = Some((390, 844));

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_blind_patient_checks_in_in_english_by_keypad_and_speech_on_a_tablet() {
    speech_walk(&ENGLISH, None).await;
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_blind_patient_checks_in_in_spanish_by_keypad_and_speech_at_phone_size() {
    speech_walk(&SPANISH, PHONE).await;
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_keyboard_user_checks_in_in_english_at_phone_size_with_focus_on_each_heading() {
    keyboard_walk(&ENGLISH, PHONE).await;
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_keyboard_user_checks_in_in_spanish_on_a_tablet_with_focus_on_each_heading() {
    keyboard_walk(&SPANISH, None).await;
}

/// At 320 CSS px (a small phone, or a tablet zoomed to 400 %) "Who are you?" with all its
/// errors showing still fits: nothing cut off, no sideways scrolling (WCAG 1.4.10).
#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn who_are_you_with_its_errors_reflows_at_320_px_in_both_languages() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    set_viewport(&kiosk, 320, 640).await;
    open_kiosk(&kiosk, &server.url).await;
    for language in [&ENGLISH, &SPANISH] {
        screen_opened(&kiosk, "Welcome").await;
        let mut keys = Keys {
            kiosk: &kiosk,
            pressed: 0,
        };
        keys.tab_to(language.start).await;
        keys.press(&ENTER.to_string()).await;
        screen_opened_at(&kiosk, language.identify, "#last-name").await;
        keys.press(&ENTER.to_string()).await;
        eventually("the errors", || async {
            text_of(&kiosk, "#last-name-error").await.is_some()
        })
        .await;
        check_layout(&kiosk, &format!("identify-errors-320-{}", language.code)).await;
        check_screen(&kiosk, &format!("identify-errors-320-{}", language.code)).await;
        keys.tab_to("#start-over").await;
        keys.press(&ENTER.to_string()).await;
    }
    kiosk.close().await.expect("close kiosk");
}

/// In speech mode the kiosk waits longer before asking "Are you still there?" (3 minutes, not
/// 1) and gives 60 seconds to answer (not 30); the question and its countdown are spoken,
/// the speech controls are in the dialog, and any key means "I need more time".
#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn a_listening_patient_gets_longer_and_hears_are_you_still_there() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_kiosk(&kiosk, &server.url).await;
    screen_opened(&kiosk, "Welcome").await;
    kiosk.execute(RECORDER, vec![]).await.expect("install the recorder");
    let mut keys = Keys {
        kiosk: &kiosk,
        pressed: 0,
    };
    keys.press(&TAB.to_string()).await;
    keys.press(&ENTER.to_string()).await;
    eventually("speech on", || async {
        text_of(&kiosk, "#speech-repeat").await.is_some()
    })
    .await;
    let start = number_of(&kiosk, 0, "#start-en").await;
    keys.press(&start).await;
    screen_opened_at(&kiosk, "Who are you?", "#last-name").await;
    keys.press(&format!("lindqvist{TAB}5{TAB}141948{ENTER}")).await;
    screen_opened(&kiosk, "Hello, Walter").await;

    // Three minutes of quiet (a minute, for a patient who reads the screen).
    kiosk
        .execute(
            "const real = Date.now; Date.now = () => real() + 181 * 1000; return true;",
            vec![],
        )
        .await
        .expect("move the clock on");
    let from = mark(&kiosk).await;
    wait_text(&kiosk, "#still-there-title", "").await;
    // A countdown longer than the 30 seconds everyone else gets.
    let countdown = text_of(&kiosk, "#still-there-text").await.expect("the countdown");
    let seconds: u32 = countdown
        .split(|c: char| !c.is_ascii_digit())
        .find(|n| !n.is_empty())
        .and_then(|n| n.parse().ok())
        .expect("seconds in the countdown");
    assert!(seconds > 30 && seconds <= 60, "{countdown}");
    all_of_it_said(&kiosk, from, "still-there").await;
    assert!(
        text_of(&kiosk, "#still-there .speech-controls").await.is_some(),
        "the speech controls are in the dialog"
    );
    check_screen(&kiosk, "speech-still-there").await;

    // Any key: more time, and the screen again.
    let from = mark(&kiosk).await;
    keys.press("5").await;
    eventually("the dialog to close", || async {
        text_of(&kiosk, "#still-there").await.is_none()
    })
    .await;
    screen_opened(&kiosk, "Hello, Walter").await;
    all_of_it_said(&kiosk, from, "details-again").await;
    kiosk.close().await.expect("close kiosk");
}
