//! What left Arrive for a visit, in the detail: the payer's eligibility answer (with a re-check
//! and, on request, the X12 270/271 exchanged word for word) and the delivery of the check-in
//! to the clinic's FHIR server.

use arrive_domain::api::{CoverageCheck, EhrDelivery, Eligibility, EligibilityExchange};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::strings::{desk_strings, dtr};
use super::Staff;
use crate::api;

/// `on_recheck`: ask the payer again.
#[component]
pub fn EligibilityPanel(
    appointment_id: i64,
    eligibility: Option<Eligibility>,
    on_recheck: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let d = desk_strings();
    let body = match eligibility {
        None => view! { <p>{dtr(|s| s.eligibility_none)}</p> }.into_any(),
        Some(e) => {
            let (class, status): (&str, Signal<String>) = match e.coverage {
                CoverageCheck::Active => ("ok", Signal::derive(move || d.get().eligibility_active.to_owned())),
                CoverageCheck::Inactive => ("flag", Signal::derive(move || d.get().eligibility_inactive.to_owned())),
                CoverageCheck::Rejected => {
                    let code = e.reason.clone().unwrap_or_default();
                    ("flag", Signal::derive(move || (d.get().eligibility_rejected)(&code)))
                }
                CoverageCheck::Unavailable => (
                    "flag",
                    Signal::derive(move || d.get().eligibility_unavailable.to_owned()),
                ),
                CoverageCheck::AskAtDesk => (
                    "flag",
                    Signal::derive(move || d.get().eligibility_ask_at_desk.to_owned()),
                ),
            };
            view! {
                <p class=format!("eligibility {class}") id="eligibility-status">
                    {move || status.get()} {e.plan_name.map(|plan| format!(" · {plan}"))}
                </p>
                {e.copay_cents.map(|c| view! { <p id="eligibility-copay">{move || (d.get().eligibility_copay)(c)}</p> })}
                {e
                    .deductible_remaining_cents
                    .map(|c| view! { <p>{move || (d.get().eligibility_deductible)(c)}</p> })}
            }
                .into_any()
        }
    };
    view! {
        <h3>{dtr(|s| s.detail_insurance)}</h3>
        {body}
        <button type="button" class="secondary" id="recheck-eligibility" on:click=move |_| on_recheck()>
            {dtr(|s| s.eligibility_recheck)}
        </button>
        <X12Exchanges appointment_id />
    }
}

/// "Show the 270/271": the visit's inquiries and answers as sent and received, fetched only
/// when asked for (each view is audited by the server) and forgotten when hidden.
#[component]
fn X12Exchanges(appointment_id: i64) -> impl IntoView {
    let staff = expect_context::<Staff>();
    let shown: RwSignal<Option<Vec<EligibilityExchange>>> = RwSignal::new(None);
    let toggle = move |_| {
        if shown.with_untracked(Option::is_some) {
            shown.set(None);
            return;
        }
        spawn_local(async move {
            match api::eligibility_exchanges(appointment_id).await {
                Ok(exchanges) => {
                    shown.try_set(Some(exchanges));
                }
                Err(failure) => staff.handle(&failure),
            }
        });
    };
    let d = desk_strings();
    view! {
        <button type="button" class="secondary" id="show-x12" aria-expanded=move || shown.with(Option::is_some).to_string() on:click=toggle>
            {move || if shown.with(Option::is_some) { d.get().x12_hide } else { d.get().x12_show }}
        </button>
        {move || {
            shown
                .get()
                .map(|exchanges| {
                    if exchanges.is_empty() {
                        return view! { <p id="x12-exchanges">{dtr(|s| s.x12_none)}</p> }.into_any();
                    }
                    view! {
                        <div id="x12-exchanges">
                            {exchanges
                                .into_iter()
                                .map(|e| {
                                    let response = match (e.response, e.error) {
                                        (Some(text), _) => view! { <pre class="x12">{one_segment_a_line(&text)}</pre> }.into_any(),
                                        (None, why) => {
                                            let why = why.unwrap_or_default();
                                            view! { <p>{move || (d.get().x12_no_response)(&why)}</p> }.into_any()
                                        }
                                    };
                                    view! {
                                        <h4>{e.exchanged_at} " · " {e.transport}</h4>
                                        <p>{dtr(|s| s.x12_request)}</p>
                                        <pre class="x12">{one_segment_a_line(&e.request)}</pre>
                                        <p>{dtr(|s| s.x12_response)}</p>
                                        {response}
                                    }
                                })
                                .collect_view()}
                        </div>
                    }
                        .into_any()
                })
        }}
    }
}

#[component]
pub fn DeliveryPanel(delivery: EhrDelivery) -> impl IntoView {
    let d = desk_strings();
    let status = move || match (&delivery.delivered_at, &delivery.rejection, &delivery.last_error) {
        (Some(at), _, _) => (d.get().ehr_delivered)(at),
        (None, Some(why), error) => (d.get().ehr_rejected)(error.as_deref().unwrap_or("-"), why),
        (None, None, Some(error)) => (d.get().ehr_retrying)(delivery.attempts, error),
        (None, None, None) => d.get().ehr_queued.to_owned(),
    };
    view! {
        <h3>{dtr(|s| s.detail_ehr)}</h3>
        <p id="ehr-delivery">{status}</p>
    }
}

/// X12 as stored is one line; shown with a line break after each segment terminator (the last
/// byte of the ISA, 106 characters in), the bytes otherwise as exchanged.
fn one_segment_a_line(x12: &str) -> String {
    match x12.get(105..106) {
        Some(terminator) if x12.starts_with("ISA") => x12.replace(terminator, &format!("{terminator}\n")),
        _ => x12.to_owned(),
    }
}
