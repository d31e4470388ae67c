//! "Hello, María": the only things shown about the matched patient are their first name,
//! the time and the provider. One tap checks them in.

use arrive_domain::api::{CheckInRequest, KioskAppointment};
use arrive_domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Flow, NavButtons, Step};
use crate::api::{self, ApiFailure};
use crate::app::strings;

#[component]
pub fn Confirm(appointment: KioskAppointment) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let s = strings();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<ApiFailure>);
    let KioskAppointment {
        match_token,
        first_name,
        starts_at,
        provider,
        already_checked_in,
    } = appointment;

    let greeting_name = first_name.clone();
    let check_in = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let request = CheckInRequest {
            match_token: match_token.clone(),
        };
        let first_name = first_name.clone();
        spawn_local(async move {
            match api::check_in(&request).await {
                Ok(response) => flow.go(Step::Done {
                    first_name,
                    already_checked_in: response.already_checked_in,
                }),
                Err(failure) => {
                    problem.try_set(Some(failure));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <section class="confirm" aria-labelledby="confirm-title">
            <h1 id="confirm-title">{move || (s.get().greeting)(&greeting_name)}</h1>
            <p class="lead" id="appointment-summary">{move || (s.get().appointment_with)(&starts_at, &provider)}</p>
            {already_checked_in.then(|| view! { <p class="notice">{move || s.get().already_checked_in}</p> })}
            <div class="announcer" role="alert" aria-live="assertive">
                {move || {
                    problem
                        .get()
                        .map(|failure| {
                            let text = match failure {
                                ApiFailure::Refused { code: ErrorCode::NotFound, .. } => s.get().expired_error,
                                _ => s.get().network_error,
                            };
                            view! { <p class="error-summary" id="problem">{text}</p> }
                        })
                }}
            </div>
            <button type="button" class="primary big" id="check-in" disabled=move || busy.get() on:click=check_in>
                {move || if busy.get() { s.get().checking_in } else { s.get().check_in_button }}
            </button>
            <button type="button" class="secondary" id="not-me" on:click=move |_| flow.start_over()>
                {move || s.get().not_me}
            </button>
            <NavButtons back=Step::Identify />
        </section>
    }
}
