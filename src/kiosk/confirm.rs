//! "Hello, María": the only things shown about the matched patient are their first name,
//! the time and the provider. From here the patient goes on to check their details.

use arrive_domain::api::KioskAppointment;
use leptos::prelude::*;

use super::{Flow, NavButtons, Step};
use crate::app::{strings, tr};

#[component]
pub fn Confirm(appointment: KioskAppointment) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let s = strings();
    let KioskAppointment {
        first_name,
        starts_at,
        provider,
        already_checked_in,
        ..
    } = appointment.clone();

    let resumed = flow.resume_at.get_value().is_some();
    let pass_again = flow
        .finished_before
        .get_value()
        .then(|| view! { <super::home::PassAgain appointment=appointment.clone() /> });
    // Someone already checked in has nothing left to do here.
    let next = if already_checked_in {
        view! {
            <p class="notice">{tr(|s| s.already_checked_in)}</p>
            <button type="button" class="primary big" id="finish" on:click=move |_| flow.start_over()>
                {tr(|s| s.finish)}
            </button>
        }
        .into_any()
    } else {
        view! {
            <button
                type="button"
                class="primary big"
                id="continue"
                on:click=move |_| flow.go(flow.after_greeting(appointment.clone()))
            >
                {tr(|s| s.continue_button)}
            </button>
        }
        .into_any()
    };

    view! {
        <section class="confirm" aria-labelledby="confirm-title">
            <h1 id="confirm-title">{move || (s.get().greeting)(&first_name)}</h1>
            <p class="lead" id="appointment-summary">{move || (s.get().appointment_with)(&starts_at, &provider)}</p>
            {resumed.then(|| view! { <p class="notice" id="resumed">{tr(|s| s.home_resumed)}</p> })}
            {pass_again}
            {next}
            <button type="button" class="secondary" id="not-me" on:click=move |_| flow.start_over()>
                {tr(|s| s.not_me)}
            </button>
            <NavButtons back=if flow.at_home() { Step::Unlock } else { Step::Identify } />
        </section>
    }
}
