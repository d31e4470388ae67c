//! End to end, speech mode on a tablet whose browser has no voice: the offline voice (eSpeak NG
//! in WebAssembly, dist/speech/) is fetched at the first key on Welcome and speaks the offer,
//! then everything after it, through Web Audio; and where that voice cannot be had either, the
//! kiosk says so on screen and calls the desk. The real server and release build in headless
//! Chromium, keys only. Run by `cargo xtask test`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use fantoccini::Client;
use support::harness::*;

/// The browser's voices replaced by `arguments[0]` (an empty list, as on kiosk Linux builds;
/// returns how many it had), `speechSynthesis.speak` recorded in `window.__spoken`, and every
/// sound the page starts through Web Audio recorded in `window.__played`: its length in
/// seconds, when it started, whether it ended in a running audio context, and for how long it
/// was heard; and when keys were pressed and when the offer took focus (`__keys`, `__offered`).
const VOICES_AND_A_RECORDER: &str = "
    window.__spoken = [];
    window.__played = [];
    addEventListener('keydown', () => { window.__keys = (window.__keys || []).concat(performance.now()); }, true);
    addEventListener('focusin', e => { if (e.target.id === 'speech-start') window.__offered ??= performance.now(); }, true);
    const start = AudioBufferSourceNode.prototype.start;
    AudioBufferSourceNode.prototype.start = function (...args) {
        const sound = { seconds: this.buffer ? this.buffer.duration : 0, at: performance.now(), ended: false };
        window.__played.push(sound);
        this.addEventListener('ended', () => {
            sound.ended = this.context.state === 'running';
            sound.heardFor = this.context.currentTime - sound.startedAt;
        });
        sound.startedAt = this.context.currentTime;
        return start.apply(this, args);
    };
    let had = 0;
    if (window.speechSynthesis) {
        had = speechSynthesis.getVoices().length;
        const voices = arguments[0];
        Object.defineProperty(speechSynthesis, 'getVoices', { value: () => voices, configurable: true });
        Object.defineProperty(speechSynthesis, 'speak', { value: u => window.__spoken.push(u.text), configurable: true });
    }
    return had;";

/// The sounds played so far: (seconds long, started at ms, played to the end).
async fn played(kiosk: &Client) -> Vec<(f64, f64, bool)> {
    let sounds = kiosk
        .execute("return window.__played.map(s => [s.seconds, s.at, s.ended]);", vec![])
        .await
        .expect("read the sounds");
    serde_json::from_value(sounds).expect("sounds")
}

/// When the page saw key presses, in ms.
async fn key_times(kiosk: &Client) -> Vec<f64> {
    let keys = kiosk
        .execute("return window.__keys || [];", vec![])
        .await
        .expect("read the keys");
    serde_json::from_value(keys).expect("key times")
}

/// The index of a sound now playing with more than a second still to go.
async fn eventually_index(kiosk: &Client, what: &str) -> usize {
    let find = "const now = performance.now();
        return window.__played.findIndex(s => s.heardFor === undefined && now - s.at < s.seconds * 1000 - 1000);";
    let start = std::time::Instant::now();
    loop {
        let index = kiosk
            .execute(find, vec![])
            .await
            .expect("find a sound")
            .as_i64()
            .unwrap_or(-1);
        if let Ok(index) = usize::try_from(index) {
            return index;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How long sound `index` was heard, in seconds, once it has ended.
async fn heard_for(kiosk: &Client, index: usize) -> Option<f64> {
    kiosk
        .execute(
            "return window.__played[arguments[0]].heardFor ?? null;",
            vec![serde_json::json!(index)],
        )
        .await
        .expect("read a sound")
        .as_f64()
}

async fn shown(kiosk: &Client, css: &str) -> bool {
    text_of(kiosk, css).await.is_some()
}

async fn open_with_voices(kiosk: &Client, base: &str, voices: serde_json::Value) {
    open_kiosk(kiosk, base).await;
    screen_opened(kiosk, "Welcome").await;
    let had = kiosk
        .execute(VOICES_AND_A_RECORDER, vec![voices])
        .await
        .expect("replace the voices");
    println!("this Chromium listed {had} voice(s) of its own (replaced for the test)");
}

async fn open_without_voice(kiosk: &Client, base: &str) {
    open_with_voices(kiosk, base, serde_json::json!([])).await;
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn with_no_browser_voice_the_offline_voice_speaks_the_offer_and_the_welcome() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_without_voice(&kiosk, &server.url).await;

    // Any key: the offer, English then Spanish, each a sentence played to its end.
    press_keys(&kiosk, "5").await;
    eventually_for(
        "the offer in both languages, played",
        Duration::from_secs(90),
        || async {
            let sounds = played(&kiosk).await;
            sounds.len() >= 2 && sounds[..2].iter().all(|s| s.2)
        },
    )
    .await;
    let offer = played(&kiosk).await;
    assert!(
        offer[..2].iter().all(|s| s.0 > 1.0 && s.0 < 30.0),
        "a spoken sentence lasts seconds: {offer:?}"
    );
    // Timed from the offer (a key left alone in the pass field becomes one a moment later).
    let offered = kiosk
        .execute("return window.__offered;", vec![])
        .await
        .expect("offer time");
    println!(
        "offline voice: first sound {:.0} ms after the offer",
        offer[0].1 - offered.as_f64().expect("an offer time")
    );

    // Accepted: the privacy notice and the rest, in the same voice, now compiled.
    let before = played(&kiosk).await.len();
    press_keys(&kiosk, "1").await;
    wait_text(&kiosk, "#welcome-title", "Welcome").await;
    // Played to its end for longer than the kiosk waits for a voice before calling the desk:
    // by then it has decided.
    eventually_for(
        "the intro, played past the wait for a voice",
        Duration::from_secs(90),
        || async {
            let heard: f64 = played(&kiosk).await[before..].iter().filter(|s| s.2).map(|s| s.0).sum();
            heard > 4.0
        },
    )
    .await;
    let sounds = played(&kiosk).await;
    let accepted = *key_times(&kiosk).await.last().expect("the accepting key");
    println!(
        "offline voice: first sound {:.0} ms after accepting; {} sounds, {:.1} s played to the end",
        sounds[before].1 - accepted,
        sounds.len(),
        sounds.iter().filter(|s| s.2).map(|s| s.0).sum::<f64>()
    );
    assert!(!shown(&kiosk, "#no-voice").await, "the kiosk said it cannot speak");

    // Escape with more than a second of a sentence to go: it stops there.
    let sounding = eventually_index(&kiosk, "a long sentence sounding").await;
    press_keys(&kiosk, "\u{E00C}").await;
    eventually("the sentence to stop", || async {
        heard_for(&kiosk, sounding).await.is_some()
    })
    .await;
    let (seconds, heard) = (
        played(&kiosk).await[sounding].0,
        heard_for(&kiosk, sounding).await.unwrap_or_default(),
    );
    assert!(
        heard < seconds - 0.5,
        "Escape did not cut the sentence: {heard} s of {seconds} s heard"
    );
    assert!(!shown(&kiosk, "#help-coming").await, "the desk was called");
    let spoken = kiosk.execute("return window.__spoken;", vec![]).await.expect("spoken");
    assert_eq!(
        spoken,
        serde_json::json!([]),
        "the voiceless browser was asked to speak"
    );
    kiosk.close().await.expect("close kiosk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn with_no_browser_voice_and_no_offline_voice_the_desk_is_called() {
    // The build without its speech/ folder, as a server that never got the offline voice.
    let dist = env_path("ARRIVE_DIST");
    let bare = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(&dist).expect("read ARRIVE_DIST") {
        let entry = entry.expect("a dist entry");
        if entry.file_name() != "speech" {
            std::os::unix::fs::symlink(entry.path(), bare.path().join(entry.file_name())).expect("link");
        }
    }
    let server = start_server_with(&[("ARRIVE_DIST", bare.path().to_str().expect("a UTF-8 path"))]);
    let driver = start_chromedriver().await;
    let desk = browser(&driver).await;
    sign_in_at_desk(&desk, &server.url).await;
    let kiosk = browser(&driver).await;
    open_without_voice(&kiosk, &server.url).await;

    // The offer is made (focus on "Spoken guidance"), silently, then accepted.
    press_keys(&kiosk, "5").await;
    eventually("the offer", || async { has_focus(&kiosk, "#speech-start").await }).await;
    press_keys(&kiosk, "1").await;
    wait_text(&kiosk, "#no-voice", "This tablet cannot speak").await;
    wait_text(
        &desk,
        ".help-banner",
        "Kiosk 1: a patient asked for spoken guidance and this tablet cannot speak",
    )
    .await;
    assert_eq!(played(&kiosk).await, [], "a sound was played");
    kiosk.close().await.expect("close kiosk");
    desk.close().await.expect("close desk");
}

#[tokio::test]
#[ignore = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`"]
async fn with_a_browser_voice_for_english_only_the_spanish_offer_is_the_offline_voices() {
    let server = start_server();
    let driver = start_chromedriver().await;
    let kiosk = browser(&driver).await;
    open_with_voices(
        &kiosk,
        &server.url,
        serde_json::json!([{ "lang": "en-US", "name": "Test English" }]),
    )
    .await;

    press_keys(&kiosk, "5").await;
    eventually_for("the Spanish offer, played", Duration::from_secs(90), || async {
        played(&kiosk).await.first().is_some_and(|s| s.2)
    })
    .await;
    let spoken = kiosk.execute("return window.__spoken;", vec![]).await.expect("spoken");
    assert_eq!(
        spoken,
        serde_json::json!(["For spoken guidance in English, press Enter or 1."]),
        "the browser's voice says the English offer, and only that"
    );
    let sounds = played(&kiosk).await;
    assert!(
        sounds.len() == 1 && sounds[0].0 > 1.0,
        "one Spanish sentence: {sounds:?}"
    );
    kiosk.close().await.expect("close kiosk");
}
