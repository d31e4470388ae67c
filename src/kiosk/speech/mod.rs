//! Speech mode: the kiosk for a patient who cannot see it. Offered on Welcome at the first key
//! of a keypad or keyboard, a touch outside the buttons, or its own button; then on until the
//! patient finishes or leaves (start over turns it off for the next patient).
//!
//! In it every screen is spoken in full when it opens (`reading.rs`: heading, then what is
//! shown in document order, each option with its number), focus and typing are echoed, errors
//! and notices are spoken as they appear, and a keypad drives it all (`keys.rs`). The privacy
//! notice comes first: without headphones, people nearby hear it. Voice, volume and speed are
//! the browser's speech synthesis (`voice.rs`), or where it has no voice the offline one
//! (`fallback.rs`); docs/ACCESSIBILITY.md has the key map.

mod controls;
mod fallback;
mod keys;
mod reading;
mod voice;
mod words;

use std::cell::{Cell, RefCell};

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::Element;

pub use controls::{SpeechControls, SpeechStart};
use voice::{Cut, Settings};
pub use words::SpeechWords;

use super::Flow;
use crate::i18n::Lang;

/// How long a browser may take to list its voices before the kiosk decides it has none.
const VOICES_PATIENCE: std::time::Duration = std::time::Duration::from_secs(3);

/// The patient's speech settings; the next patient starts without speech.
#[derive(Clone, Copy)]
pub struct Speech {
    pub on: RwSignal<bool>,
    /// Speech was asked for and this browser has no voice for it: the desk is called instead.
    pub cannot_speak: RwSignal<bool>,
    volume: RwSignal<u8>,
    speed: RwSignal<i8>,
    lang: RwSignal<Lang>,
    /// Welcome's offer has been spoken since the last start over.
    offered: StoredValue<bool>,
}

thread_local! {
    /// The kiosk's speech, for what runs outside any component (screen changes, timers).
    static CURRENT: Cell<Option<Speech>> = const { Cell::new(None) };
    /// The error and notice texts on screen when last looked, so only new ones are spoken.
    static NOTICES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The kiosk's speech, if it has been set up.
pub fn current() -> Option<Speech> {
    CURRENT.with(Cell::get)
}

/// Whether the patient is listening.
pub fn is_on() -> bool {
    current().is_some_and(|s| s.on.get_untracked())
}

/// A new screen has opened (its heading or first field has focus): it is read in full.
pub fn screen_opened() {
    if let Some(speech) = current().filter(|s| s.on.get_untracked()) {
        speech.read_screen(Vec::new());
    }
}

/// Says `text` now (the idle countdown), in speech mode only.
pub fn announce(text: &str) {
    if let Some(speech) = current().filter(|s| s.on.get_untracked()) {
        speech.say(&[text.to_owned()], Cut::FirstInTurn);
    }
}

/// The open dialog, or else the screen: what is read and what the numbers pick from.
fn reading_root() -> Option<Element> {
    let doc = document();
    doc.get_element_by_id("still-there")
        .or_else(|| doc.get_element_by_id("main"))
}

impl Speech {
    pub fn new(lang: RwSignal<Lang>) -> Self {
        let speech = Speech {
            on: RwSignal::new(false),
            cannot_speak: RwSignal::new(false),
            volume: RwSignal::new(voice::VOLUME_START),
            speed: RwSignal::new(0),
            lang,
            offered: StoredValue::new(false),
        };
        CURRENT.with(|c| c.set(Some(speech)));
        speech
    }

    fn words(&self) -> &'static SpeechWords {
        SpeechWords::of(self.lang.get_untracked())
    }

    fn settings(&self) -> Settings {
        Settings {
            lang: self.lang.get_untracked(),
            volume: self.volume.get_untracked(),
            speed: self.speed.get_untracked(),
        }
    }

    fn say(&self, parts: &[String], cut: Cut) {
        voice::say(parts, self.settings(), cut);
    }

    /// Speech on, in `lang`: the notice that others can hear, the keys, then the screen.
    pub fn start(&self, lang: Lang) {
        self.lang.set(lang);
        self.on.set(true);
        let words = self.words();
        let intro = [words.now_on, words.privacy, words.key_map].map(str::to_owned);
        // Once the screen shows the new language.
        let speech = *self;
        request_animation_frame(move || speech.read_screen(intro.to_vec()));
        // A browser may list its voices only a moment after it is asked: wait for that, or
        // give up after a while; then, with no voice still, wait for the offline voice, and
        // call the desk if that cannot load either.
        if !voice::can_speak(lang) {
            let check = move || {
                if speech.on.get_untracked() && !voice::can_speak(lang) {
                    spawn_local(async move {
                        let loaded = fallback::load().await;
                        if !loaded && speech.on.get_untracked() && !voice::can_speak(lang) {
                            speech.cannot_speak.set(true);
                        }
                    });
                }
            };
            if let Some(synth) = voice::synth() {
                let listener = Closure::once_into_js(check);
                synth.set_onvoiceschanged(Some(listener.unchecked_ref()));
            }
            set_timeout(check, VOICES_PATIENCE);
        }
    }

    /// Speech off, and quiet; settings back to where every patient starts.
    pub fn reset(&self) {
        voice::stop();
        self.on.set(false);
        self.cannot_speak.set(false);
        self.volume.set(voice::VOLUME_START);
        self.speed.set(0);
        self.offered.set_value(false);
        NOTICES.with(|n| n.borrow_mut().clear());
    }

    /// Says `before`, then the current screen (or dialog) in full, cutting off what was said.
    fn read_screen(&self, before: Vec<String>) {
        let Some(root) = reading_root() else {
            return;
        };
        let words = self.words();
        let options = reading::options(&root);
        let mut parts = before;
        parts.extend(reading::screen(&root, &options, words));
        // Where the patient is, when focus is on something to use rather than the heading.
        if let Some(active) = document().active_element().filter(|a| options.contains(a)) {
            parts.push(format!(
                "{}: {}",
                words.you_are_on,
                reading::focused(&active, &options, words).join(". ")
            ));
        }
        NOTICES.with(|n| *n.borrow_mut() = notices());
        self.say(&parts, Cut::Always);
    }

    fn repeat(&self) {
        self.read_screen(Vec::new());
    }

    fn stop(&self) {
        voice::stop();
    }

    fn change_volume(&self, by: i8) {
        let volume = self
            .volume
            .get_untracked()
            .saturating_add_signed(by)
            .min(voice::VOLUME_MAX);
        self.volume.set(volume);
        self.say(&[(self.words().volume)(volume)], Cut::FirstInTurn);
    }

    fn change_speed(&self, by: i8) {
        let speed = (self.speed.get_untracked() + by).clamp(-voice::SPEED_STEPS, voice::SPEED_STEPS);
        self.speed.set(speed);
        self.say(&[(self.words().speed)(speed)], Cut::FirstInTurn);
    }

    /// Slash on a keypad: faster, then from the fastest back to the slowest.
    fn cycle_speed(&self) {
        if self.speed.get_untracked() >= voice::SPEED_STEPS {
            self.speed.set(-voice::SPEED_STEPS - 1);
        }
        self.change_speed(1);
    }

    /// The bilingual offer Welcome makes at the first key.
    fn offer(&self) {
        self.offered.set_value(true);
        for lang in Lang::ALL {
            let settings = Settings {
                lang,
                ..self.settings()
            };
            voice::say(&[SpeechWords::of(lang).offer.to_owned()], settings, Cut::FirstInTurn);
        }
    }
}

/// Every error and notice on screen now: the alert and status regions and field errors (the
/// innermost of them, so none is counted twice), and values that show or hide.
fn notices() -> Vec<String> {
    let selector = "[role=alert], [role=status], [aria-live], .field-error, .error-summary";
    let Ok(all) = document().query_selector_all(selector) else {
        return Vec::new();
    };
    (0..all.length())
        .filter_map(|i| all.item(i)?.dyn_into::<Element>().ok())
        .filter(|e| {
            e.query_selector(selector).ok().flatten().is_none()
                && e.closest("#still-there").ok().flatten().is_none()
                && reading::shown_in_page(e)
        })
        .filter_map(|e| {
            let text = e.text_content()?.split_whitespace().collect::<Vec<_>>().join(" ");
            (!text.is_empty()).then_some(text)
        })
        .collect()
}

/// Installs speech mode's listeners for the life of the page: keys, focus, typing, touches
/// on Welcome, and new errors and notices.
pub fn listen(flow: Flow) {
    let speech = flow.speech;
    voice::wake_browser_voices();
    let handles = [
        window_event_listener(ev::keydown, move |ev| keys::on_key(flow, &ev)),
        window_event_listener(ev::focusin, move |ev| {
            if !speech.on.get_untracked() {
                return;
            }
            let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            let Some(root) = reading_root() else {
                return;
            };
            let options = reading::options(&root);
            if options.contains(&target) || target.closest(".speech-controls").ok().flatten().is_some() {
                speech.say(&reading::focused(&target, &options, speech.words()), Cut::FirstInTurn);
            }
        }),
        window_event_listener(ev::input, move |ev| {
            if speech.on.get_untracked() {
                if let Some(echo) = keys::typed_echo(&ev, speech.words()) {
                    speech.say(&[echo], Cut::FirstInTurn);
                }
            }
        }),
        window_event_listener(ev::pointerdown, move |ev| {
            // A touch on Welcome outside its buttons: someone who cannot see them.
            let on_welcome = flow.step.with_untracked(|s| *s == super::Step::Welcome);
            let on_control = ev
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .is_some_and(|t| t.closest("button, a, input").ok().flatten().is_some());
            if on_welcome && !on_control && !speech.on.get_untracked() {
                speech.offer();
            }
        }),
    ];
    on_cleanup(move || {
        for handle in handles {
            handle.remove();
        }
    });
    let callback = Closure::<dyn FnMut()>::new(move || {
        if !speech.on.get_untracked() {
            return;
        }
        let now = notices();
        let new: Vec<String> = NOTICES.with(|known| {
            let known = known.borrow();
            now.iter().filter(|t| !known.contains(t)).cloned().collect()
        });
        NOTICES.with(|n| *n.borrow_mut() = now);
        if !new.is_empty() {
            speech.say(&new, Cut::FirstInTurn);
        }
    });
    if let (Ok(observer), Some(body)) = (
        web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()),
        document().body(),
    ) {
        let options = web_sys::MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        options.set_character_data(true);
        let _ = observer.observe_with_options(&body, &options);
    }
    callback.forget();
}
