//! The desk's side of pre-registration for one appointment: get the link to send the patient
//! (copy it, or show or print its QR code), or withdraw it. Issuing is audited by the server.

use arrive_domain::api::PreRegistrationLink;
use arrive_domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::strings::dtr;
use super::Staff;
use crate::api::{self, ApiFailure};

#[derive(Clone, PartialEq)]
enum State {
    Closed,
    Shown(PreRegistrationLink),
    Withdrawn,
    Unavailable,
}

#[component]
pub fn PreLinkPanel(appointment_id: i64) -> impl IntoView {
    let staff = expect_context::<Staff>();
    let state = RwSignal::new(State::Closed);
    let copied = RwSignal::new(false);
    let csrf = move || staff.0.with_untracked(|s| s.as_ref().map(|s| s.csrf_token.clone()));
    let get_link = move |_| {
        let Some(csrf) = csrf() else { return };
        spawn_local(async move {
            match api::pre_registration_link(appointment_id, &csrf).await {
                Ok(link) => state.set(State::Shown(link)),
                Err(ApiFailure::Refused {
                    code: ErrorCode::NotFound,
                    ..
                }) => state.set(State::Unavailable),
                Err(failure) => staff.handle(&failure),
            }
        });
    };
    let withdraw = move |_| {
        let Some(csrf) = csrf() else { return };
        spawn_local(async move {
            match api::withdraw_pre_registration_link(appointment_id, &csrf).await {
                Ok(()) => state.set(State::Withdrawn),
                Err(failure) => staff.handle(&failure),
            }
        });
    };
    let copy = move |link: String| {
        copied.set(false);
        let clipboard = window().navigator().clipboard();
        spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&link))
                .await
                .is_ok()
            {
                copied.try_set(true);
            }
        });
    };
    let print = move |_| {
        let _ = window().print();
    };
    view! {
        <section class="pre-link" aria-labelledby="pre-link-title">
            <h3 id="pre-link-title">{dtr(|s| s.pre_title)}</h3>
            <p class="hint">{dtr(|s| s.pre_lead)}</p>
            {move || match state.get() {
                State::Shown(PreRegistrationLink { link, qr_svg }) => {
                    let to_copy = link.clone();
                    view! {
                        <div class="field">
                            <label for="pre-link-url">{dtr(|s| s.pre_link_label)}</label>
                            <input type="text" id="pre-link-url" readonly prop:value=link />
                        </div>
                        <div class="pre-link-qr" role="img" aria-label=dtr(|s| s.pre_qr_alt) inner_html=qr_svg></div>
                        <div class="actions">
                            <button type="button" class="primary" id="pre-link-copy" on:click=move |_| copy(to_copy.clone())>
                                {dtr(|s| s.pre_copy)}
                            </button>
                            <button type="button" class="secondary" id="pre-link-print" on:click=print>
                                {dtr(|s| s.pre_print)}
                            </button>
                            <button type="button" class="secondary" id="pre-link-withdraw" on:click=withdraw>
                                {dtr(|s| s.pre_withdraw)}
                            </button>
                        </div>
                        <p role="status">{move || copied.get().then(dtr(|s| s.pre_copied))}</p>
                    }
                    .into_any()
                }
                other => {
                    let message = match other {
                        State::Withdrawn => Some(dtr(|s| s.pre_withdrawn)),
                        State::Unavailable => Some(dtr(|s| s.pre_unavailable)),
                        _ => None,
                    };
                    view! {
                        {message.map(|m| view! { <p role="status" id="pre-link-status">{m}</p> })}
                        <button type="button" class="secondary" id="pre-link-get" on:click=get_link>
                            {dtr(|s| s.pre_get_link)}
                        </button>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}
