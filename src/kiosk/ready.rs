//! The last step: everything is answered, one tap tells the clinic the patient is here.

use arrive_domain::api::{CheckInRequest, KioskAppointment};
use arrive_domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Flow, NavButtons, Step};
use crate::api::{self, ApiFailure};
use crate::app::{strings, tr};

#[component]
pub fn Ready(appointment: KioskAppointment) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let s = strings();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<ApiFailure>);
    let request = CheckInRequest {
        match_token: appointment.match_token.clone(),
        idempotency_key: None,
        verification: None,
    };
    let first_name = appointment.first_name.clone();

    let check_in = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let request = request.clone();
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
        <section class="ready" aria-labelledby="ready-title">
            <h1 id="ready-title">{tr(|s| s.ready_title)}</h1>
            <p class="lead">{tr(|s| s.ready_lead)}</p>
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
            <NavButtons back=Step::Consents(appointment.clone()) />
        </section>
    }
}
