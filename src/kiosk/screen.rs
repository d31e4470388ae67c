//! Every new screen opens at its top, with focus on its heading and a document title of its
//! own ("Insurance – Arrive").
//!
//! Screens change in many ways: a step, Back, the next form or consent on the same step, a
//! screen that shows once its data has loaded, a start over from a timer. What they all have
//! in common is a new `<h1>` in `<main>`. So the kiosk watches `<main>` and, for each heading
//! element it has not seen before, scrolls to the top and moves focus to the heading, which
//! screen readers then announce (a heading is never a live region: focus does the telling).
//! Keyed on the heading element, not on a component mounting, so a screen that reuses its
//! component for the next one of its kind is caught as well as any other.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// The product's name, after each screen's heading in the document title.
const BRAND: &str = "Arrive";

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
        let last = Rc::new(RefCell::new(None::<Element>));
        let on_change = {
            let main = main.clone();
            move || heading_changed(&main, &last)
        };
        on_change();
        let callback = Closure::<dyn FnMut()>::new(on_change);
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

fn heading_changed(main: &Element, last: &Rc<RefCell<Option<Element>>>) {
    let Some(heading) = main.query_selector("h1").ok().flatten() else {
        return;
    };
    let words = heading.text_content().unwrap_or_default();
    let title = format!("{} – {BRAND}", words.trim());
    let doc = document();
    if doc.title() != title {
        doc.set_title(&title);
    }
    if last.borrow().as_ref() == Some(&heading) {
        return;
    }
    *last.borrow_mut() = Some(heading.clone());
    open_at_top(main, &heading);
    // Focus cannot land while the page is still inert (the idle dialog closing in the same
    // moment): once the frame is drawn, try again if nothing else took focus meanwhile.
    let last = last.clone();
    let main = main.clone();
    request_animation_frame(move || {
        let still_current = last.borrow().as_ref() == Some(&heading);
        let nothing_focused = document()
            .active_element()
            .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
        if still_current && nothing_focused && heading.is_connected() {
            open_at_top(&main, &heading);
        }
    });
}

fn open_at_top(main: &Element, heading: &Element) {
    if !heading.has_attribute("tabindex") {
        // Focusable from code only, never a stop for the Tab key.
        let _ = heading.set_attribute("tabindex", "-1");
    }
    if let Some(heading) = heading.dyn_ref::<HtmlElement>() {
        let _ = heading.focus();
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
