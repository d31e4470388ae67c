//! The ends of the flow: checked in, or a kind word and the way to the front desk. Never a
//! list of other patients.

use std::time::Duration;

use leptos::prelude::*;

use super::{Flow, NavButtons, Step};
use crate::app::{strings, tr};

/// How long the confirmation stays before the kiosk is ready for the next patient.
pub const DONE_SCREEN: Duration = Duration::from_secs(8);
/// … and for a patient listening to it, long enough to hear it through (or to press Finish).
pub const DONE_SCREEN_SPOKEN: Duration = Duration::from_secs(60);

#[component]
pub fn Done(first_name: String, already_checked_in: bool) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let s = strings();
    let shown_for = if super::speech::is_on() {
        DONE_SCREEN_SPOKEN
    } else {
        DONE_SCREEN
    };
    if let Ok(timer) = set_timeout_with_handle(move || flow.start_over(), shown_for) {
        on_cleanup(move || timer.clear());
    }
    view! {
        <section class="done" aria-labelledby="done-title">
            <div class="tick" aria-hidden="true">"✓"</div>
            <h1 id="done-title">{move || (s.get().done_title)(&first_name)}</h1>
            <p class="lead">
                {move || if already_checked_in { s.get().already_checked_in } else { s.get().done_lead }}
            </p>
            <p class="hint">{tr(|s| s.done_returning)}</p>
            <button type="button" class="primary" id="finish" on:click=move |_| flow.start_over()>
                {tr(|s| s.finish)}
            </button>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let flow = expect_context::<Flow>();
    view! {
        <section class="not-found" aria-labelledby="outcome-title">
            <h1 id="outcome-title">{tr(|s| s.not_found_title)}</h1>
            <p class="lead">{tr(|s| s.not_found_lead)}</p>
            <button type="button" class="primary" id="try-again" on:click=move |_| flow.go(Step::Identify)>
                {tr(|s| s.try_again)}
            </button>
            <NavButtons />
        </section>
    }
}

#[component]
pub fn Several() -> impl IntoView {
    view! {
        <section class="several" aria-labelledby="outcome-title">
            <h1 id="outcome-title">{tr(|s| s.several_title)}</h1>
            <p class="lead">{tr(|s| s.several_lead)}</p>
            <NavButtons />
        </section>
    }
}

#[component]
pub fn NotEnrolled() -> impl IntoView {
    view! {
        <section class="not-enrolled" aria-labelledby="outcome-title">
            <h1 id="outcome-title">{tr(|s| s.not_enrolled_title)}</h1>
            <p class="lead">{tr(|s| s.not_enrolled_lead)}</p>
        </section>
    }
}
