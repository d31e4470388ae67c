//! What the kiosk and the desk board share: the display language and its strings.

use leptos::prelude::*;

use crate::i18n::{Lang, Strings};

/// The current language's strings, for use in views: `{tr(|s| s.welcome_title)}`.
pub fn strings() -> Signal<&'static Strings> {
    let lang = expect_context::<RwSignal<Lang>>();
    Signal::derive(move || lang.get().strings())
}

/// One string of the current language, for use in views: `{tr(|s| s.back)}`. Every call returns
/// the same closure type, so the view code for reactive text is compiled once rather than once
/// per string (a large share of the kiosk's wasm otherwise).
pub fn tr(pick: fn(&Strings) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let s = strings();
    move || pick(s.get())
}

/// Provides the language to `children` and keeps `<html lang>` in step with it, so screen
/// readers switch voice with the text.
#[component]
pub fn Localized(children: Children) -> impl IntoView {
    let lang = RwSignal::new(Lang::DEFAULT);
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
