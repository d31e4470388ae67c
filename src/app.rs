//! The root: chooses the kiosk or the desk board by path, and owns the display language.

use leptos::prelude::*;

use crate::desk::DeskBoard;
use crate::i18n::{Lang, Strings};
use crate::kiosk::Kiosk;

/// The current language's strings, for use in views: `{move || s.get().welcome_title}`.
pub fn strings() -> Signal<&'static Strings> {
    let lang = expect_context::<RwSignal<Lang>>();
    Signal::derive(move || lang.get().strings())
}

#[component]
pub fn App() -> impl IntoView {
    let path = window().location().pathname().unwrap_or_default();
    view! {
        <Localized>
            {if path.trim_end_matches('/') == "/desk" {
                view! { <DeskBoard /> }.into_any()
            } else {
                view! { <Kiosk /> }.into_any()
            }}
        </Localized>
    }
}

/// Provides the language to `children` and keeps `<html lang>` in step with it, so screen
/// readers switch voice with the text.
#[component]
pub fn Localized(children: Children) -> impl IntoView {
    let lang = RwSignal::new(Lang::En);
    provide_context(lang);
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.get().code());
        }
    });
    children()
}

/// A button that switches to the other language, labelled in that language.
#[component]
pub fn LanguageToggle() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let other = move || match lang.get() {
        Lang::En => Lang::Es,
        Lang::Es => Lang::En,
    };
    view! {
        <button
            type="button"
            class="language-toggle"
            id="language-toggle"
            lang=move || other().code()
            on:click=move |_| lang.set(other())
        >
            {move || lang.get().strings().switch_language}
        </button>
    }
}
