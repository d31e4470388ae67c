//! "I have a check-in pass": the 6-character code from a pre-registration pass, typed on the
//! welcome screen or typed there by a USB/Bluetooth scanner (which types the QR code's token
//! and Enter), then one screen with the patient's first name, the appointment and "Check in".
//! A consent whose text changed since, or a form still unanswered, is asked first.

use arrive_domain::api::{CheckInRequest, KioskAppointment, PassMatch, PassRequest};
use arrive_domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Flow, NavButtons, Step};
use crate::api::{self, ApiFailure};
use crate::app::{strings, tr};
use crate::i18n::{Lang, Strings};

#[derive(Clone, Copy, PartialEq)]
pub enum Refusal {
    Unknown,
    Window,
    TooMany,
    Network,
}

/// The code field on the welcome screen. Whatever is typed on that screen lands here, so a
/// scanner works without anyone tapping the field first.
#[component]
pub fn PassEntry() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let lang = expect_context::<RwSignal<Lang>>();
    let s = strings();
    let typed = RwSignal::new(String::new());
    let refusal = RwSignal::new(None::<Refusal>);
    let busy = RwSignal::new(false);
    let field = NodeRef::<leptos::html::Input>::new();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let focused_elsewhere = document()
            .active_element()
            .is_some_and(|e| e.tag_name() == "INPUT" || e.tag_name() == "BUTTON");
        if !focused_elsewhere && ev.key().chars().count() == 1 {
            if let Some(input) = field.get_untracked() {
                let _ = input.focus();
            }
        }
    });
    on_cleanup(move || handle.remove());

    let submit = move || {
        if busy.get_untracked() || typed.with_untracked(|t| t.trim().is_empty()) {
            return;
        }
        busy.set(true);
        refusal.set(None);
        let pass = typed.get_untracked();
        spawn_local(async move {
            let refused = redeem(flow, pass).await;
            refusal.try_set(refused);
            busy.try_set(false);
        });
    };
    let message = move || refusal.get().map(|why| refusal_text(s.get(), why));
    view! {
        <form
            class="pass-entry"
            aria-labelledby="pass-title"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            // The welcome screen is in one language until a language is chosen: the heading
            // is in the other one too, so a patient who reads only that one finds it.
            <h2 id="pass-title">
                {tr(|s| s.pass_title)} " "
                {move || {
                    let other = other_language(lang.get());
                    view! { <span lang=other.code() class="other-language">{other.strings().pass_title}</span> }
                }}
            </h2>
            <div class="field" class:invalid=move || refusal.get().is_some()>
                <label for="pass-code">{tr(|s| s.pass_label)}</label>
                <p class="hint" id="pass-hint">{tr(|s| s.pass_hint)}</p>
                <p class="field-error" id="pass-error" role="alert">{message}</p>
                <input
                    type="text"
                    id="pass-code"
                    node_ref=field
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    aria-describedby="pass-hint pass-error"
                    aria-invalid=move || refusal.get().map(|_| "true")
                    prop:value=move || typed.get()
                    on:input=move |ev| typed.set(event_target_value(&ev))
                />
            </div>
            <div class="pass-buttons">
                <button type="submit" class="secondary" id="pass-continue" disabled=move || busy.get()>
                    {tr(|s| s.pass_continue)}
                </button>
                <button type="button" class="secondary" id="pass-scan" on:click=move |_| flow.go(Step::ScanPass)>
                    {tr(|s| s.pass_scan)}
                </button>
            </div>
        </form>
    }
}

/// The language the welcome screen is not in.
fn other_language(lang: Lang) -> Lang {
    match lang {
        Lang::En => Lang::Es,
        Lang::Es => Lang::En,
    }
}

/// Looks the pass up (a typed code or a scanned token) and moves on to its "Check in";
/// otherwise says why not.
pub async fn redeem(flow: Flow, pass: String) -> Option<Refusal> {
    let why = match api::redeem_pass(&PassRequest { pass }).await {
        Ok(found) => {
            flow.go(Step::Express(found));
            return None;
        }
        Err(ApiFailure::Refused {
            code: ErrorCode::Conflict,
            ..
        }) => Refusal::Window,
        Err(ApiFailure::Refused {
            code: ErrorCode::RateLimited,
            ..
        }) => Refusal::TooMany,
        Err(ApiFailure::Refused {
            code: ErrorCode::Unauthorized,
            ..
        }) => {
            flow.go(Step::NotEnrolled);
            return None;
        }
        Err(ApiFailure::Refused { .. }) => Refusal::Unknown,
        Err(ApiFailure::Network) => Refusal::Network,
    };
    Some(why)
}

pub fn refusal_text(s: &Strings, why: Refusal) -> &'static str {
    match why {
        Refusal::Unknown => s.pass_unknown,
        Refusal::Window => s.pass_window,
        Refusal::TooMany => s.pass_too_many,
        Refusal::Network => s.network_error,
    }
}

/// The pass's appointment and one "Check in"; anything still missing is asked first.
pub fn express_page(found: PassMatch) -> AnyView {
    let flow = expect_context::<Flow>();
    flow.express.set_value(true);
    let s = strings();
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let KioskAppointment {
        first_name,
        starts_at,
        provider,
        already_checked_in,
        ..
    } = found.appointment.clone();
    let missing = found.forms_missing || found.consents_missing;
    let go = move |_| {
        if busy.get_untracked() {
            return;
        }
        let appointment = found.appointment.clone();
        if found.forms_missing {
            return flow.go(Step::Intake(appointment));
        }
        if found.consents_missing {
            return flow.go(Step::Consents(appointment));
        }
        busy.set(true);
        failed.set(false);
        // What the patient confirmed at home is already on file: the check-in carries nothing.
        let request = CheckInRequest {
            match_token: appointment.match_token.clone(),
            idempotency_key: None,
            verification: None,
        };
        spawn_local(async move {
            match api::check_in(&request).await {
                Ok(response) => flow.go(Step::Done {
                    first_name: appointment.first_name.clone(),
                    already_checked_in: response.already_checked_in,
                }),
                Err(_) => {
                    failed.try_set(true);
                    busy.try_set(false);
                }
            }
        });
    };
    view! {
        <section class="confirm express" aria-labelledby="express-title">
            <h1 id="express-title">{move || (s.get().greeting)(&first_name)}</h1>
            <p class="lead" id="appointment-summary">{move || (s.get().appointment_with)(&starts_at, &provider)}</p>
            {already_checked_in.then(|| view! { <p class="notice">{tr(|s| s.already_checked_in)}</p> })}
            {missing.then(|| view! { <p class="notice" id="express-missing">{tr(|s| s.express_missing)}</p> })}
            <p class="field-error" role="alert">{move || failed.get().then(tr(|s| s.network_error))}</p>
            {(!already_checked_in).then(|| view! {
                <button type="button" class="primary big" id="express-check-in" disabled=move || busy.get() on:click=go>
                    {if missing { tr(|s| s.continue_button) } else { tr(|s| s.check_in_button) }}
                </button>
            })}
            <NavButtons />
        </section>
    }
    .into_any()
}
