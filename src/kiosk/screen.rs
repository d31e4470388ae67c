//! Every new screen opens at its top, with focus on its heading and a document title of its
//! own ("Insurance – Arrive").
//!
//! Whatever changes the screen says so with `changed()`: a step (`Flow::go`, `back`, `start
//! over`, a step shown again), the next form or consent on the same step. The change is keyed
//! on that call, not on a heading or a component appearing: Leptos rebuilds a screen in place
//! when the next one has the same shape (Welcome's `<section><h1>` becomes Identify's, form 1's
//! becomes form 2's, the same elements with new words), so no new element ever shows up to be
//! noticed. Once the new screen's heading is in `<main>` (at once, or when its data has
//! loaded), the window and anything in the screen that scrolls go to the top and focus moves to
//! the heading, which screen readers announce (a heading is never a live region: focus does the
//! telling). A screen whose whole point is one field to type in marks it `data-focus-on-open`:
//! focus goes there instead (its label is what is announced, and the keyboard is up at once).

use std::cell::{Cell, RefCell};

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// The product's name, after each screen's heading in the document title.
const BRAND: &str = "Arrive";

thread_local! {
    /// A screen change whose heading has not had focus yet (the first screen too).
    static PENDING: Cell<bool> = const { Cell::new(true) };
    /// The kiosk's `<main>`, once it is in the page.
    static MAIN: RefCell<Option<Element>> = const { RefCell::new(None) };
}

/// The screen is changing: its heading takes focus once it is on screen. Call before (or as)
/// the change is made.
pub fn changed() {
    PENDING.with(|p| p.set(true));
    // Most changes show up as changes to `<main>`, which `follow_screens` watches. One that
    // rebuilds a screen with exactly the same words changes nothing there: it is caught once
    // the frame is drawn, after every pending render.
    request_animation_frame(settle);
}

/// Starts watching `main` once it is in the page; the watch lasts as long as the page.
pub fn follow_screens(main: NodeRef<html::Main>) {
    Effect::new(move |installed: Option<bool>| {
        if installed == Some(true) {
            return true;
        }
        let Some(main) = main.get() else {
            return false;
        };
        let main: Element = main.into();
        MAIN.with(|m| *m.borrow_mut() = Some(main.clone()));
        settle();
        let callback = Closure::<dyn FnMut()>::new(settle);
        if let Ok(observer) = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()) {
            let options = web_sys::MutationObserverInit::new();
            options.set_child_list(true);
            options.set_subtree(true);
            // A heading's words change with the language: the title follows.
            options.set_character_data(true);
            let _ = observer.observe_with_options(&main, &options);
        }
        callback.forget();
        true
    });
}

/// The current heading's title; and after a change, once the new heading is there, the top of
/// the screen and focus on the heading.
fn settle() {
    let Some(main) = MAIN.with(|m| m.borrow().clone()) else {
        return;
    };
    let Some(heading) = main.query_selector("h1").ok().flatten() else {
        return;
    };
    let words = heading.text_content().unwrap_or_default();
    let title = format!("{} – {BRAND}", words.trim());
    let doc = document();
    if doc.title() != title {
        doc.set_title(&title);
    }
    if !PENDING.with(|p| p.replace(false)) {
        return;
    }
    open_at_top(&main, &heading);
    super::speech::screen_opened();
    // Focus cannot land while the page is still inert (the idle dialog closing in the same
    // moment): once the frame is drawn, try again if nothing else took focus meanwhile.
    request_animation_frame(move || {
        let nothing_focused = document()
            .active_element()
            .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
        if nothing_focused && !PENDING.with(Cell::get) && heading.is_connected() {
            open_at_top(&main, &heading);
        }
    });
}

fn open_at_top(main: &Element, heading: &Element) {
    if !heading.has_attribute("tabindex") {
        // Focusable from code only, never a stop for the Tab key.
        let _ = heading.set_attribute("tabindex", "-1");
    }
    let target = main
        .query_selector("[data-focus-on-open]")
        .ok()
        .flatten()
        .unwrap_or_else(|| heading.clone());
    if let Some(target) = target.dyn_ref::<HtmlElement>() {
        // A heading rebuilt in place may still have focus from the screen before: focus
        // arrives anew, so the new screen is announced.
        if document().active_element().as_ref() == Some(target.as_ref()) {
            let _ = target.blur();
        }
        let _ = target.focus();
    }
    // After focusing, which may itself have scrolled.
    window().scroll_to_with_x_and_y(0.0, 0.0);
    // And anything in the screen that scrolls on its own (a consent's text, the payer list).
    if let Ok(all) = main.query_selector_all("*") {
        for i in 0..all.length() {
            if let Some(element) = all.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                if element.scroll_top() != 0 {
                    element.set_scroll_top(0);
                }
            }
        }
    }
}
