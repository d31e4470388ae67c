//! A contact detail the patient just typed, as the review lists it: masked the way the record
//! on file is on the details screen (anyone passing the lobby tablet sees the screen too), with
//! its own "Show" for the patient to read it in full. The full value is put on screen only
//! while "Show" is pressed.

use leptos::prelude::*;

use crate::app::tr;

/// What the review shows of one line.
pub enum Shown {
    /// In full: nothing private (a language, a payment choice, a masked member ID).
    Plain(String),
    /// Masked, with a "Show" button (`#<id>-show`) that shows `full`.
    Masked {
        id: &'static str,
        masked: String,
        full: String,
    },
}

impl From<String> for Shown {
    fn from(text: String) -> Self {
        Shown::Plain(text)
    }
}

impl Shown {
    /// The value, for the line labelled `label` (which the "Show" button names too, for
    /// screen readers: "Show Address").
    pub fn view(self, label: &'static str) -> AnyView {
        match self {
            Shown::Plain(text) => text.into_any(),
            Shown::Masked { id, masked, full } => view! { <MaskedValue id label masked full /> }.into_any(),
        }
    }
}

#[component]
fn MaskedValue(id: &'static str, label: &'static str, masked: String, full: String) -> impl IntoView {
    let shown = RwSignal::new(false);
    let value_id = format!("{id}-value");
    view! {
        <span class="masked-value">
            <span class="value" id=value_id.clone() aria-live="polite">
                {move || if shown.get() { full.clone() } else { masked.clone() }}
            </span>
            <button
                type="button"
                class="secondary toggle-value"
                id=format!("{id}-show")
                aria-controls=value_id
                aria-pressed=move || if shown.get() { "true" } else { "false" }
                on:click=move |_| shown.update(|s| *s = !*s)
            >
                {tr(|s| s.show_value)}
                <span class="visually-hidden">" " {label}</span>
            </button>
        </span>
    }
}
