//! Consents: the clinic's texts the patient has not yet signed in their current wording, all on
//! one screen: each title and its whole text (scrollable), then one name and one signature —
//! with a finger, or by typed name for those who cannot draw — for all of them. The server keeps
//! each consent's exact text version with the signature.

use arrive_domain::api::{ConsentDocument, ConsentSignature, KioskAppointment, MatchTokenRequest};
use arrive_domain::consent::{validate_signature, SignatureError};
use arrive_domain::name::validate_name;
use arrive_domain::{ErrorCode, NameError};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::signature_pad::{path_of, SignaturePad};
use super::widgets::{focus_id, problem_text, Pick, ProblemNotice, Steps};
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
    move || {
        let appointment = appointment.clone();
        match pending.get() {
            None => view! { <p class="lead" role="status">{tr(|s| s.forms_loading)}</p> }.into_any(),
            Some(Ok(documents)) => {
                let next = flow.after_consents(appointment.clone());
                let on_signed = move || flow.go(next.clone());
                view! { <ConsentScreen documents appointment on_signed /> }.into_any()
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

#[component]
fn ConsentScreen(
    documents: Vec<ConsentDocument>,
    appointment: KioskAppointment,
    on_signed: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let s = strings();
    let lang = expect_context::<RwSignal<Lang>>();
    let back = Step::Intake(appointment.clone());
    let typed_name = RwSignal::new(String::new());
    let strokes = RwSignal::new(Vec::<Vec<(f64, f64)>>::new());
    let by_typing = RwSignal::new(false);
    let name_error = RwSignal::new(None::<NameError>);
    let signature_error = RwSignal::new(None::<SignatureError>);
    let problem = RwSignal::new(None::<Pick>);
    let busy = RwSignal::new(false);
    // Those signed already, when a network failure cut the signing short: not sent again.
    let signed = StoredValue::new(Vec::<String>::new());
    let count = documents.len();

    let texts = documents
        .iter()
        .map(|document| {
            let heading_id = format!("consent-title-{}", document.id);
            let (labelled_by, text_labelled_by) = (heading_id.clone(), heading_id.clone());
            let (title, text) = (document.title.clone(), document.text.clone());
            let title = move || match lang.get() {
                Lang::En => title.en.clone(),
                Lang::Es => title.es.clone(),
            };
            let paragraphs = move || {
                let text = match lang.get() {
                    Lang::En => &text.en,
                    Lang::Es => &text.es,
                };
                text.split("\n\n")
                    .map(|p| view! { <p>{p.trim().to_owned()}</p> })
                    .collect_view()
            };
            view! {
                <article class="consent-document" data-consent-id=document.id.clone() aria-labelledby=labelled_by>
                    <h2 id=heading_id>{title}</h2>
                    <div class="consent-text" tabindex="0" role="region" aria-labelledby=text_labelled_by>
                        {paragraphs}
                    </div>
                </article>
            }
        })
        .collect_view();

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
            version: String::new(),
            typed_name: name,
            signature_path: if by_typing_now { String::new() } else { path },
            signed_by_typing: by_typing_now,
            language: lang.get_untracked().code().to_owned(),
        };
        let documents = documents.clone();
        let on_signed = on_signed.clone();
        spawn_local(async move {
            for document in documents {
                if signed.with_value(|done| done.contains(&document.id)) {
                    continue;
                }
                let signature = ConsentSignature {
                    version: document.version.clone(),
                    ..signature.clone()
                };
                let failure = match api::sign_consent(&document.id, &signature).await {
                    Ok(()) => {
                        signed.update_value(|done| done.push(document.id.clone()));
                        continue;
                    }
                    Err(failure) => failure,
                };
                match failure {
                    ApiFailure::Refused {
                        code: ErrorCode::NotFound,
                        ..
                    } => {
                        problem.try_set(Some(|s| s.expired_error));
                    }
                    ApiFailure::Refused {
                        code: ErrorCode::Conflict,
                        ..
                    } => {
                        problem.try_set(Some(|s| s.expired_error));
                    }
                    ApiFailure::Refused { field: Some(field), .. } if field == "typed_name" => {
                        name_error.try_set(Some(NameError::InvalidCharacter));
                    }
                    ApiFailure::Refused { .. } => {
                        signature_error.try_set(Some(SignatureError::Malformed));
                    }
                    ApiFailure::Network => {
                        problem.try_set(Some(|s| s.network_error));
                    }
                }
                busy.try_set(false);
                return;
            }
            busy.try_set(false);
            on_signed();
        });
    };

    let has_errors = move || name_error.get().is_some() || signature_error.get().is_some();
    view! {
        <section class="consent" aria-labelledby="consent-title">
            <Steps current=4 />
            <h1 id="consent-title">{tr(|s| s.consents_title)}</h1>
            <p class="lead" id="consents-lead">{move || (s.get().consents_lead)(count)}</p>
            {texts}
            <ProblemNotice
                has_errors=Signal::derive(has_errors)
                problem=problem_text(problem)
            />
            <form novalidate autocomplete="off" on:submit=|ev| ev.prevent_default()>
                <div class="field" class:invalid=move || name_error.get().is_some()>
                    <label for="typed-name">{tr(|s| s.consent_name_label)}</label>
                    {move || {
                        name_error
                            .get()
                            .map(|e| {
                                let text = match e {
                                    NameError::Missing => s.get().consent_name_missing,
                                    other => s.get().name_error(other),
                                };
                                view! { <p class="field-error" id="typed-name-error">{text}</p> }
                            })
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
                {move || if busy.get() { s.get().form_sending.to_owned() } else { (s.get().consent_agree)(count) }}
            </button>
            <NavButtons back />
        </section>
    }
}
