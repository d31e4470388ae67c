//! What left Arrive for a visit, in the detail: the payer's eligibility answer (with a re-check)
//! and the delivery of the check-in to the clinic's FHIR server.

use arrive_domain::api::{CoverageCheck, EhrDelivery, Eligibility};
use leptos::prelude::*;

use crate::app::{strings, tr};

/// `on_recheck`: ask the payer again.
#[component]
pub fn EligibilityPanel(
    eligibility: Option<Eligibility>,
    on_recheck: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let s = strings();
    let body = match eligibility {
        None => view! { <p>{tr(|s| s.eligibility_none)}</p> }.into_any(),
        Some(e) => {
            let (class, status): (&str, Signal<String>) = match e.coverage {
                CoverageCheck::Active => ("ok", Signal::derive(move || s.get().eligibility_active.to_owned())),
                CoverageCheck::Inactive => ("flag", Signal::derive(move || s.get().eligibility_inactive.to_owned())),
                CoverageCheck::Rejected => {
                    let code = e.reason.clone().unwrap_or_default();
                    ("flag", Signal::derive(move || (s.get().eligibility_rejected)(&code)))
                }
                CoverageCheck::Unavailable => (
                    "flag",
                    Signal::derive(move || s.get().eligibility_unavailable.to_owned()),
                ),
            };
            view! {
                <p class=format!("eligibility {class}") id="eligibility-status">
                    {move || status.get()} {e.plan_name.map(|plan| format!(" · {plan}"))}
                </p>
                {e.copay_cents.map(|c| view! { <p id="eligibility-copay">{move || (s.get().eligibility_copay)(c)}</p> })}
                {e
                    .deductible_remaining_cents
                    .map(|c| view! { <p>{move || (s.get().eligibility_deductible)(c)}</p> })}
            }
                .into_any()
        }
    };
    view! {
        <h3>{tr(|s| s.detail_insurance)}</h3>
        {body}
        <button type="button" class="secondary" id="recheck-eligibility" on:click=move |_| on_recheck()>
            {tr(|s| s.eligibility_recheck)}
        </button>
    }
}

#[component]
pub fn DeliveryPanel(delivery: EhrDelivery) -> impl IntoView {
    let s = strings();
    let status = move || match (&delivery.delivered_at, &delivery.rejection, &delivery.last_error) {
        (Some(at), _, _) => (s.get().ehr_delivered)(at),
        (None, Some(why), error) => (s.get().ehr_rejected)(error.as_deref().unwrap_or("-"), why),
        (None, None, Some(error)) => (s.get().ehr_retrying)(delivery.attempts, error),
        (None, None, None) => s.get().ehr_queued.to_owned(),
    };
    view! {
        <h3>{tr(|s| s.detail_ehr)}</h3>
        <p id="ehr-delivery">{status}</p>
    }
}
