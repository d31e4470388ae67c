//! The voice: the browser's speech synthesis where it has a voice for the screen's language,
//! else the offline voice (`fallback.rs`); one utterance per block of text, in the screen's
//! language, at the patient's volume and speed.
//!
//! What is said first in a turn of the event loop cuts off whatever was still being said (the
//! patient moved on); what follows in the same turn queues behind it, so an error and the
//! field it sends focus to are both heard. A new screen always cuts off what came before.

use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{SpeechSynthesis, SpeechSynthesisUtterance, SpeechSynthesisVoice};

use super::fallback;
use crate::i18n::Lang;

/// Loudness 0–10, as the patient set it.
pub const VOLUME_MAX: u8 = 10;
pub const VOLUME_START: u8 = 8;
/// Speed steps either side of normal.
pub const SPEED_STEPS: i8 = 2;

#[derive(Clone, Copy)]
pub struct Settings {
    pub lang: Lang,
    pub volume: u8,
    pub speed: i8,
}

#[derive(Clone, Copy, PartialEq)]
pub enum Cut {
    /// Cut off what is being said, whatever else was said this turn.
    Always,
    /// Cut off only what an earlier turn said.
    FirstInTurn,
}

thread_local! {
    /// Something has been said in this turn of the event loop (it cut off the turn before).
    static SAID_THIS_TURN: Cell<bool> = const { Cell::new(false) };
}

/// The browser's speech synthesis, where it has one.
pub fn synth() -> Option<SpeechSynthesis> {
    js_sys::Reflect::get(&window(), &"speechSynthesis".into())
        .ok()
        .filter(|v| v.is_object())
        .map(|v| v.unchecked_into::<SpeechSynthesis>())
}

/// Whether the kiosk can speak `lang` now: the browser has a voice for it, or the offline voice
/// has loaded (an empty voice list, as on kiosk Linux builds without a speech service, leaves
/// only the offline voice).
pub fn can_speak(lang: Lang) -> bool {
    has_browser_voice(lang) || fallback::ready()
}

fn has_browser_voice(lang: Lang) -> bool {
    synth().is_some_and(|synth| !voices_for(&synth, lang).is_empty())
}

/// Asks the browser for its voices, which some list only a moment after the first asking:
/// done early, the first words find them rather than fetching the offline voice.
pub fn wake_browser_voices() {
    if let Some(synth) = synth() {
        synth.get_voices();
    }
}

/// The voices for `lang`; a voice list whose entries are not the browser's own voice objects
/// is read through their `lang` property all the same.
fn voices_for(synth: &SpeechSynthesis, lang: Lang) -> Vec<wasm_bindgen::JsValue> {
    synth
        .get_voices()
        .iter()
        .filter(|voice| {
            js_sys::Reflect::get(voice, &"lang".into())
                .ok()
                .and_then(|l| l.as_string())
                .is_some_and(|l| l.to_ascii_lowercase().starts_with(lang.code()))
        })
        .collect()
}

pub fn say(parts: &[String], settings: Settings, cut: Cut) {
    let first_in_turn = !SAID_THIS_TURN.with(|s| s.replace(true));
    if first_in_turn {
        set_timeout(|| SAID_THIS_TURN.with(|s| s.set(false)), std::time::Duration::ZERO);
    }
    if first_in_turn || cut == Cut::Always {
        stop();
    }
    let parts: Vec<&str> = parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect();
    let voices = synth().map(|synth| (voices_for(&synth, settings.lang), synth));
    let Some((voices, synth)) = voices.filter(|(voices, _)| !voices.is_empty()) else {
        fallback::say(&parts, settings, rate(settings.speed));
        return;
    };
    let voice = voices
        .into_iter()
        .find_map(|v| v.dyn_into::<SpeechSynthesisVoice>().ok());
    for part in parts {
        let Ok(utterance) = SpeechSynthesisUtterance::new_with_text(part) else {
            continue;
        };
        utterance.set_lang(settings.lang.code());
        utterance.set_volume(f32::from(settings.volume) / f32::from(VOLUME_MAX));
        utterance.set_rate(rate(settings.speed));
        if let Some(voice) = &voice {
            utterance.set_voice(Some(voice));
        }
        synth.speak(&utterance);
    }
}

/// Stops speaking now, and drops whatever was queued, in either voice.
pub fn stop() {
    if let Some(synth) = synth() {
        synth.cancel();
    }
    fallback::stop();
}

/// A speed step as a speech rate: 0.6 (slowest) to 1.6 (fastest).
fn rate(speed: i8) -> f32 {
    1.0 + f32::from(speed.clamp(-SPEED_STEPS, SPEED_STEPS)) * if speed < 0 { 0.2 } else { 0.3 }
}
