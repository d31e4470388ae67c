//! The offline voice, for tablets whose browser lists no voice (kiosk Linux builds, some
//! Android ones) or has no speech synthesis at all: eSpeak NG compiled to WebAssembly, served
//! from /speech/ and fetched only when first needed (`fallback.js` does the loading, making and
//! playing; this is its Rust face).

use wasm_bindgen::prelude::*;

use super::voice::{Settings, VOLUME_MAX};
use crate::i18n::Lang;

/// eSpeak NG's speaking speed, in words per minute, at normal speed.
const WORDS_PER_MINUTE: f32 = 175.0;

#[wasm_bindgen(module = "/src/kiosk/speech/fallback.js")]
extern "C" {
    #[wasm_bindgen(js_name = load)]
    fn load_voice() -> js_sys::Promise;
    #[wasm_bindgen(js_name = isLoaded)]
    fn is_loaded() -> bool;
    #[wasm_bindgen(js_name = speak)]
    fn speak_part(text: &str, voice: &str, words_per_minute: u32, volume: f64);
    #[wasm_bindgen(js_name = stop)]
    fn stop_voice();
}

/// The eSpeak NG voice for `lang`: American English, Latin American Spanish.
fn voice_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en-us",
        Lang::Es => "es-419",
    }
}

/// Whether the offline voice has loaded (it speaks both languages).
pub fn ready() -> bool {
    is_loaded()
}

/// Fetches and compiles the offline voice if it has not been; true once it can speak, false
/// when it cannot be had (offline, not installed).
pub async fn load() -> bool {
    wasm_bindgen_futures::JsFuture::from(load_voice())
        .await
        .is_ok_and(|ok| ok.as_bool() == Some(true))
}

/// Queues `parts` behind whatever the offline voice is still saying.
pub fn say(parts: &[&str], settings: Settings, rate: f32) {
    let words_per_minute = (WORDS_PER_MINUTE * rate).round() as u32;
    let volume = f64::from(settings.volume) / f64::from(VOLUME_MAX);
    for part in parts {
        speak_part(part, voice_name(settings.lang), words_per_minute, volume);
    }
}

/// Silence now, and nothing of what was queued.
pub fn stop() {
    stop_voice();
}
