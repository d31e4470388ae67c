//! Consents: the clinic's texts the patient has not yet signed in their current wording, one
//! screen each: read (large, scrollable), type a name, sign with a finger, or sign by typed
//! name for those who cannot draw. The server keeps the exact text version with the signature.

use arrive_domain::api::{ConsentDocument, ConsentSignature, KioskAppointment, MatchTokenRequest};
use arrive_domain::consent::{validate_signature, SignatureError};
use arrive_domain::name::validate_name;
use arrive_domain::{ErrorCode, NameError};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::signature_pad::{path_of, SignaturePad};
use super::widgets::{focus_id, Steps};
use super::{Flow, NavButtons, Step};
use crate::api::{self, ApiFailure};
use crate::app::{strings, tr};
use crate::i18n::Lang;

#[component]
pub fn Consents(appointment: KioskAppointment) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let s = strings();
    let pending = RwSignal::new(None::<Result<Vec<ConsentDocument>, ApiFailure>>);
    let request = MatchTokenRequest {
        match_token: appointment.match_token.clone(),
    };
    let (previous, next) = (
        Step::Intake(appointment.clone()),
        flow.after_consents(appointment.clone()),
    );
    spawn_local(async move {
        let result = api::pending_consents(&request).await.map(|list| list.consents);
        if matches!(&result, Ok(list) if list.is_empty()) {
            // Everything is signed in its current wording: nothing to ask.
            flow.pass(previous, next);
        } else {
            pending.try_set(Some(result));
        }
    });
    let index = RwSignal::new(0usize);
    // The name typed for the first consent is offered again for the next ones.
    let typed_name = RwSignal::new(String::new());

    move || {
        let appointment = appointment.clone();
        match pending.get() {
            None => view! { <p class="lead" role="status">{tr(|s| s.forms_loading)}</p> }.into_any(),
            Some(Ok(consents)) => {
                let total = consents.len();
                let i = index.get().min(total.saturating_sub(1));
                let next = flow.after_consents(appointment.clone());
                let on_signed = move || {
                    if i + 1 < total {
                        // The next consent is a new screen, though the step stays.
                        super::screen::changed();
                        index.set(i + 1);
                    } else {
                        flow.go(next.clone());
                    }
                };
                view! { <ConsentScreen document=consents[i].clone() appointment position=(i + 1, total) typed_name on_signed /> }
                    .into_any()
            }
            Some(Err(failure)) => {
                let text = match failure {
                    ApiFailure::Refused {
                        code: ErrorCode::NotFound,
                        ..
                    } => s.get_untracked().expired_error,
                    _ => s.get_untracked().network_error,
                };
                view! {
                    <section class="outcome" aria-labelledby="consents-failed">
                        <h1 id="consents-failed">{text}</h1>
                        <NavButtons back=Step::Intake(appointment) />
                    </section>
                }
                .into_any()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Problem {
    Network,
    Expired,
    Changed,
}

#[component]
fn ConsentScreen(
    document: ConsentDocument,
    appointment: KioskAppointment,
    position: (usize, usize),
    typed_name: RwSignal<String>,
    on_signed: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let s = strings();
    let lang = expect_context::<RwSignal<Lang>>();
    let back = Step::Intake(appointment.clone());
    let consent_id = document.id.clone();
    let strokes = RwSignal::new(Vec::<Vec<(f64, f64)>>::new());
    let by_typing = RwSignal::new(false);
    let name_error = RwSignal::new(None::<NameError>);
    let signature_error = RwSignal::new(None::<SignatureError>);
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);

    let title = {
        let title = document.title.clone();
        move || match lang.get() {
            Lang::En => title.en.clone(),
            Lang::Es => title.es.clone(),
        }
    };
    let paragraphs = {
        let text = document.text.clone();
        move || {
            let text = match lang.get() {
                Lang::En => &text.en,
                Lang::Es => &text.es,
            };
            text.split("\n\n")
                .map(|p| view! { <p>{p.trim().to_owned()}</p> })
                .collect_view()
        }
    };

    let sign = move |_| {
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        let name = validate_name(&typed_name.get_untracked());
        name_error.set(name.as_ref().err().copied());
        let path = strokes.with_untracked(|s| path_of(s));
        let by_typing_now = by_typing.get_untracked();
        let drawn = if by_typing_now {
            Ok(())
        } else {
            validate_signature(&path)
        };
        signature_error.set(drawn.err());
        let Ok(name) = name else {
            focus_id("typed-name");
            return;
        };
        if drawn.is_err() {
            focus_id("sign-by-typing");
            return;
        }
        busy.set(true);
        let signature = ConsentSignature {
            match_token: appointment.match_token.clone(),
            version: document.version.clone(),
            typed_name: name,
            signature_path: if by_typing_now { String::new() } else { path },
            signed_by_typing: by_typing_now,
            language: lang.get_untracked().code().to_owned(),
        };
        let id = document.id.clone();
        let on_signed = on_signed.clone();
        spawn_local(async move {
            match api::sign_consent(&id, &signature).await {
                Ok(()) => on_signed(),
                Err(ApiFailure::Refused {
                    code: ErrorCode::NotFound,
                    ..
                }) => {
                    problem.try_set(Some(Problem::Expired));
                }
                Err(ApiFailure::Refused {
                    code: ErrorCode::Conflict,
                    ..
                }) => {
                    problem.try_set(Some(Problem::Changed));
                }
                Err(ApiFailure::Refused { field: Some(field), .. }) if field == "typed_name" => {
                    name_error.try_set(Some(NameError::InvalidCharacter));
                }
                Err(ApiFailure::Refused { .. }) => {
                    signature_error.try_set(Some(SignatureError::Malformed));
                }
                Err(ApiFailure::Network) => {
                    problem.try_set(Some(Problem::Network));
                }
            }
            busy.try_set(false);
        });
    };

    let has_errors = move || name_error.get().is_some() || signature_error.get().is_some();
    view! {
        <section class="consent" aria-labelledby="consent-title" data-consent-id=consent_id>
            <Steps current=4 />
            <p class="step-indicator">{move || (s.get().consent_progress)(position.0, position.1)}</p>
            <h1 id="consent-title">{title}</h1>
            <div class="consent-text" id="consent-text" tabindex="0" role="region" aria-label=tr(|s| s.consent_text_label)>
                {paragraphs}
            </div>
            <div class="announcer" role="alert" aria-live="assertive">
                <Show when=has_errors>
                    <p class="error-summary" id="error-summary">{tr(|s| s.fix_errors)}</p>
                </Show>
                {move || {
                    problem
                        .get()
                        .map(|p| {
                            let text = match p {
                                Problem::Network => s.get().network_error,
                                Problem::Expired | Problem::Changed => s.get().expired_error,
                            };
                            view! { <p class="error-summary" id="problem">{text}</p> }
                        })
                }}
            </div>
            <form novalidate autocomplete="off" on:submit=|ev| ev.prevent_default()>
                <div class="field" class:invalid=move || name_error.get().is_some()>
                    <label for="typed-name">{tr(|s| s.consent_name_label)}</label>
                    {move || {
                        name_error
                            .get()
                            .map(|e| view! { <p class="field-error" id="typed-name-error">{s.get().name_error(e)}</p> })
                    }}
                    <input
                        id="typed-name"
                        type="text"
                        autocomplete="off"
                        autocapitalize="words"
                        spellcheck="false"
                        aria-describedby="typed-name-error"
                        aria-invalid=move || name_error.get().map(|_| "true")
                        prop:value=move || typed_name.get()
                        on:input=move |ev| typed_name.set(event_target_value(&ev))
                    />
                </div>
                <div class="field" class:invalid=move || signature_error.get().is_some()>
                    <p class="label" id="signature-label">{tr(|s| s.consent_sign_label)}</p>
                    {move || {
                        signature_error
                            .get()
                            .map(|e| {
                                let text = match e {
                                    SignatureError::TooSmall => s.get().signature_too_small,
                                    _ => s.get().signature_missing,
                                };
                                view! { <p class="field-error" id="signature-error">{text}</p> }
                            })
                    }}
                    <SignaturePad
                        strokes
                        label=Signal::derive(tr(|s| s.consent_sign_label))
                        described_by="signature-error"
                        invalid=Signal::derive(move || signature_error.get().is_some())
                    />
                    <button type="button" class="secondary" id="clear-signature" on:click=move |_| strokes.set(Vec::new())>
                        {tr(|s| s.signature_clear)}
                    </button>
                    <label class="option" for="sign-by-typing">
                        <input
                            type="checkbox"
                            id="sign-by-typing"
                            prop:checked=move || by_typing.get()
                            on:change=move |ev| {
                                by_typing.set(event_target_checked(&ev));
                                signature_error.set(None);
                            }
                        />
                        <span>{tr(|s| s.sign_by_typing)}</span>
                    </label>
                </div>
            </form>
            <button type="button" class="primary" id="sign" disabled=move || busy.get() on:click=sign>
                {move || if busy.get() { s.get().form_sending } else { s.get().consent_agree }}
            </button>
            <NavButtons back />
        </section>
    }
}
