//! The top bar's "Display" button: a disclosure holding "High contrast" and "Larger text"
//! (toggles that put a class on `<html>`, so rem-based sizes scale and the idle dialog follows
//! too; both reset on start over) and "Read aloud", which turns speech mode on or off (every
//! screen spoken in full, see speech/). One button rather than three keeps the top bar to one
//! row in every language, on a tablet and on a phone.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::widgets::Pick;
use super::Flow;
use crate::app::tr;
use crate::i18n::Lang;

/// The display settings a patient chose; the next patient starts without them.
#[derive(Clone, Copy)]
pub struct Display {
    pub high_contrast: RwSignal<bool>,
    pub larger_text: RwSignal<bool>,
    /// Whether the "Display" panel is open.
    pub open: RwSignal<bool>,
}

impl Display {
    pub fn new() -> Self {
        Display {
            high_contrast: RwSignal::new(false),
            larger_text: RwSignal::new(false),
            open: RwSignal::new(false),
        }
    }

    /// Standard display again for the next patient.
    pub fn reset(&self) {
        self.high_contrast.set(false);
        self.larger_text.set(false);
        self.open.set(false);
    }
}

#[component]
pub fn AccessControls() -> impl IntoView {
    let display = expect_context::<Flow>().display;
    let speech = expect_context::<Flow>().speech;
    let lang = expect_context::<RwSignal<Lang>>();
    Effect::new(move |_| {
        let mut class = String::new();
        if display.high_contrast.get() {
            class.push_str("high-contrast ");
        }
        if display.larger_text.get() {
            class.push_str("larger-text");
        }
        if let Some(root) = document().document_element() {
            root.set_class_name(class.trim_end());
        }
    });
    let toggle = |id: &'static str, label: Pick, on: RwSignal<bool>| {
        view! {
            <button
                type="button"
                class="toggle"
                id=id
                aria-pressed=move || if on.get() { "true" } else { "false" }
                on:click=move |_| on.update(|v| *v = !*v)
            >
                {tr(label)}
            </button>
        }
    };
    let open = display.open;
    // A new screen opens without the panel over it.
    let step = expect_context::<Flow>().step;
    Effect::new(move |_| {
        step.track();
        open.set(false);
    });
    let menu = NodeRef::<leptos::html::Div>::new();
    // A tap anywhere else closes the panel, as a menu would.
    let outside = window_event_listener(leptos::ev::pointerdown, move |ev| {
        let inside = menu.get_untracked().is_some_and(|menu| {
            ev.target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                .is_some_and(|t| menu.contains(Some(&t)))
        });
        if !inside && open.get_untracked() {
            open.set(false);
        }
    });
    on_cleanup(move || outside.remove());
    view! {
        <div
            class="display-menu"
            node_ref=menu
            on:keydown=move |ev| {
                // Escape closes the panel and gives focus back to its button.
                if ev.key() == "Escape" && open.get_untracked() {
                    open.set(false);
                    super::widgets::focus_id("display");
                }
            }
        >
            <button
                type="button"
                class="toggle"
                id="display"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="display-panel"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {tr(|s| s.display_button)}
            </button>
            <div class="display-panel" id="display-panel" hidden=move || !open.get()>
                {toggle("high-contrast", |s| s.high_contrast, display.high_contrast)}
                {toggle("larger-text", |s| s.larger_text, display.larger_text)}
                // Always there: a browser without a voice gets the offline one.
                <button
                    type="button"
                    class="toggle"
                    id="read-aloud"
                    aria-pressed=move || if speech.on.get() { "true" } else { "false" }
                    on:click=move |_| {
                        open.set(false);
                        speech.toggle(lang.get_untracked());
                    }
                >
                    {tr(|s| s.read_aloud)}
                </button>
            </div>
        </div>
    }
}
