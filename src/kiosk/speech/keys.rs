//! The key map, as on a talking ATM: a USB numeric keypad is enough once the patient has
//! typed who they are (docs/ACCESSIBILITY.md lists it).
//!
//! | Key            | Does                                               |
//! |----------------|----------------------------------------------------|
//! | 1–9 (two digits for 10 and up) | picks that option: presses a button, ticks a box, goes into a field |
//! | Enter          | presses what has focus (the browser's own)         |
//! | 0              | says the screen again                              |
//! | . or Delete    | Back                                               |
//! | *              | asks the front desk for help                       |
//! | + / −          | louder / softer                                    |
//! | /              | faster, round to slowest; `[` and `]` slower and faster |
//! | Escape         | stops speaking                                     |
//! | arrows, Tab    | the next or previous option                        |
//!
//! In a text field only Escape is taken: every other key types. While "Are you still there?"
//! is open any key but the speech keys means "I need more time". Without speech mode only the
//! arrows are added (outside fields, lists and radio groups, which use them already), and on
//! Welcome the first key offers speech: at once for a key that cannot start a pass code (Tab,
//! Enter, arrows, the keypad's symbols), and for a letter or digit once it has stayed alone in
//! the pass field for a moment, so a scanner typing a pass is never interrupted.

use std::cell::Cell;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};

use super::{reading, reading_root, Cut, SpeechWords};
use crate::i18n::Lang;
use crate::kiosk::{Flow, Step};

/// How long a first key typed into Welcome's pass field must stay alone to count as a keypad
/// press rather than the start of a pass code.
const ALONE_AFTER: Duration = Duration::from_millis(1500);
/// How long a first digit waits for a second when there are ten options or more.
const SECOND_DIGIT: Duration = Duration::from_millis(1200);

thread_local! {
    /// A first digit waiting for a second one, and the timer that will act on it alone.
    static PENDING_DIGIT: Cell<Option<(usize, TimeoutHandle)>> = const { Cell::new(None) };
}

pub fn on_key(flow: Flow, ev: &KeyboardEvent) {
    if ev.default_prevented() || ev.ctrl_key() || ev.alt_key() || ev.meta_key() {
        return;
    }
    let speech = flow.speech;
    let key = ev.key();
    let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
    let typing = target.as_ref().is_some_and(is_text_entry);
    if !speech.on.get_untracked() {
        let on_welcome = flow.step.with_untracked(|s| *s == Step::Welcome);
        if on_welcome && !speech.offered.get_value() && !typing && pass_code().is_some_and(|c| c.value().is_empty()) {
            if is_code_character(&key) {
                // Welcome's pass field takes it (a scanner types a whole pass at once):
                // only a key left alone is someone at a keypad.
                offer_if_alone(speech);
                return;
            }
            ev.prevent_default();
            make_offer(speech);
            return;
        }
        if on_welcome && speech.offered.get_value() && !typing {
            let chosen = match key.as_str() {
                "1" => Some(Lang::En),
                "2" => Some(Lang::Es),
                _ => None,
            };
            if let Some(lang) = chosen {
                ev.prevent_default();
                speech.start(lang);
                return;
            }
        }
        if !typing && move_by_arrow(&key, target.as_ref()) {
            ev.prevent_default();
        }
        return;
    }

    if key == "Escape" {
        speech.stop();
        return;
    }
    if typing {
        return;
    }
    let dialog_open = document().get_element_by_id("still-there").is_some();
    let handled = match key.as_str() {
        "0" | "Insert" => {
            speech.repeat();
            true
        }
        "+" => {
            speech.change_volume(1);
            true
        }
        "-" => {
            speech.change_volume(-1);
            true
        }
        "/" => {
            speech.cycle_speed();
            true
        }
        "[" => {
            speech.change_speed(-1);
            true
        }
        "]" => {
            speech.change_speed(1);
            true
        }
        _ if dialog_open && key != "Tab" && key != "Enter" && key != " " => {
            press("more-time");
            true
        }
        digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
            pick_digit(speech, usize::from(digit.as_bytes()[0] - b'0'));
            true
        }
        "." | "Delete" | "Decimal" => {
            if !press("back") {
                speech.say(&[speech.words().no_back.to_owned()], Cut::FirstInTurn);
            }
            true
        }
        "*" => press("help"),
        _ => move_by_arrow(&key, target.as_ref()),
    };
    if handled {
        ev.prevent_default();
    }
}

/// A letter or digit: on Welcome, the start of a pass code as much as a keypad's key.
fn is_code_character(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric()) && chars.next().is_none()
}

fn pass_code() -> Option<web_sys::HtmlInputElement> {
    document().get_element_by_id("pass-code")?.dyn_into().ok()
}

/// The offer, with focus on Welcome's "Spoken guidance" button (Enter accepts it).
fn make_offer(speech: super::Speech) {
    speech.offer();
    super::super::widgets::focus_id("speech-start");
}

/// A first letter or digit went into the pass field. If nothing follows it within
/// `ALONE_AFTER` (a scanner's next characters come within milliseconds, a person typing a
/// code goes on sooner) it was a keypad press: the character leaves the field and the offer
/// is made.
fn offer_if_alone(speech: super::Speech) {
    set_timeout(
        move || {
            let Some(field) = pass_code() else {
                return;
            };
            if speech.offered.get_value() || speech.on.get_untracked() || field.value().chars().count() != 1 {
                return;
            }
            field.set_value("");
            if let Ok(input) = web_sys::Event::new("input") {
                let _ = field.dispatch_event(&input);
            }
            make_offer(speech);
        },
        ALONE_AFTER,
    );
}

/// A digit: the option with that number, or the first of two digits when there are ten
/// options or more and a second could follow.
fn pick_digit(speech: super::Speech, digit: usize) {
    let Some(root) = reading_root() else {
        return;
    };
    let count = reading::options(&root).len();
    if let Some((first, timer)) = PENDING_DIGIT.with(Cell::take) {
        timer.clear();
        return pick(speech, first * 10 + digit);
    }
    if digit > 0 && digit * 10 <= count {
        let timer = set_timeout_with_handle(
            move || {
                if let Some((first, _)) = PENDING_DIGIT.with(Cell::take) {
                    pick(speech, first);
                }
            },
            SECOND_DIGIT,
        );
        if let Ok(timer) = timer {
            PENDING_DIGIT.with(|p| p.set(Some((digit, timer))));
            return;
        }
    }
    pick(speech, digit);
}

/// Option `n`: a field takes focus (and says so); anything else is pressed, as a tap would.
fn pick(speech: super::Speech, n: usize) {
    let Some(root) = reading_root() else {
        return;
    };
    let options = reading::options(&root);
    let Some(option) = n.checked_sub(1).and_then(|i| options.get(i)) else {
        speech.say(&[(speech.words().no_option)(n)], Cut::FirstInTurn);
        return;
    };
    let Some(option) = option.dyn_ref::<HtmlElement>() else {
        return;
    };
    let _ = option.focus();
    if !is_text_entry(option) && option.tag_name() != "SELECT" {
        option.click();
    }
}

/// Presses the button `id` if it is there to press.
fn press(id: &str) -> bool {
    let button = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        .filter(|e| reading::shown_in_page(e) && !e.has_attribute("disabled"));
    if let Some(button) = &button {
        button.click();
    }
    button.is_some()
}

/// Arrow keys move between the options outside fields, lists and radio groups.
fn move_by_arrow(key: &str, target: Option<&Element>) -> bool {
    let step: i32 = match key {
        "ArrowDown" | "ArrowRight" => 1,
        "ArrowUp" | "ArrowLeft" => -1,
        _ => return false,
    };
    if target.is_some_and(|t| {
        t.tag_name() == "SELECT"
            || t.get_attribute("type").as_deref() == Some("radio")
            || t.get_attribute("role").as_deref() == Some("radio")
    }) {
        return false;
    }
    let Some(root) = reading_root() else {
        return false;
    };
    let options = reading::options(&root);
    if options.is_empty() {
        return false;
    }
    let at = target.and_then(|t| options.iter().position(|o| o == t));
    let next = match at {
        Some(i) => (i as i32 + step).rem_euclid(options.len() as i32) as usize,
        None if step > 0 => 0,
        None => options.len() - 1,
    };
    if let Some(next) = options[next].dyn_ref::<HtmlElement>() {
        let _ = next.focus();
    }
    true
}

/// A box that takes typed text: there, keys type.
fn is_text_entry(element: &Element) -> bool {
    match element.tag_name().as_str() {
        "TEXTAREA" => true,
        "INPUT" => !matches!(
            element.get_attribute("type").unwrap_or_default().as_str(),
            "button" | "submit" | "checkbox" | "radio" | "reset" | "file" | "range" | "color"
        ),
        _ => element.get_attribute("contenteditable").is_some_and(|c| c != "false"),
    }
}

/// What typing in a field says back: the character, "space", "deleted", or "hidden
/// character" where the field hides what is typed.
pub fn typed_echo(ev: &web_sys::Event, words: &SpeechWords) -> Option<String> {
    let target = ev.target()?.dyn_into::<Element>().ok()?;
    if !is_text_entry(&target) {
        return None;
    }
    let input_type = js_sys::Reflect::get(ev, &"inputType".into()).ok()?.as_string()?;
    if input_type.starts_with("delete") {
        return Some(words.deleted.to_owned());
    }
    let data = js_sys::Reflect::get(ev, &"data".into()).ok()?.as_string()?;
    if target.get_attribute("type").as_deref() == Some("password") {
        return Some(words.hidden_character.to_owned());
    }
    Some(if data == " " { words.space.to_owned() } else { data })
}
