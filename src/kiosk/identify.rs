//! "Who are you?": last name and date of birth, checked here with the same domain rules the
//! server applies, so mistakes are caught at once and explained next to the field.

use arrive_domain::api::{IdentifyRequest, IdentifyResponse};
use arrive_domain::name::validate_name;
use arrive_domain::{DateOfBirth, DobError, ErrorCode, NameError};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::widgets::{problem_text, BirthDateField, Pick, ProblemNotice};
use super::{Flow, NavButtons, Step};
use crate::api::{self, ApiFailure};
use crate::app::{strings, tr};
use crate::clock::today;

#[component]
pub fn Identify() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let form = flow.form;
    let s = strings();

    let name_error = RwSignal::new(None::<NameError>);
    let dob_error = RwSignal::new(None::<DobError>);
    let problem = RwSignal::new(None::<Pick>);
    let busy = RwSignal::new(false);
    let name_input = NodeRef::<html::Input>::new();
    let month_input = NodeRef::<html::Input>::new();

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        let name = validate_name(&form.last_name.get_untracked());
        let dob = DateOfBirth::from_parts(
            &form.month.get_untracked(),
            &form.day.get_untracked(),
            &form.year.get_untracked(),
            today(),
        );
        name_error.set(name.as_ref().err().copied());
        dob_error.set(dob.as_ref().err().copied());
        let (last_name, dob) = match (name, dob) {
            (Ok(name), Ok(dob)) => (name, dob),
            (Err(_), _) => return focus(name_input),
            (_, Err(_)) => return focus(month_input),
        };

        busy.set(true);
        let request = IdentifyRequest {
            last_name,
            date_of_birth: dob.to_string(),
        };
        spawn_local(async move {
            match api::identify(&request).await {
                // Greeted on the details screen; someone already checked in only hears so.
                Ok(IdentifyResponse::Found { appointment }) if appointment.already_checked_in => {
                    flow.go(Step::Confirm(appointment))
                }
                Ok(IdentifyResponse::Found { appointment }) => flow.go(Step::Details(appointment)),
                Ok(IdentifyResponse::NotFound) => flow.go(Step::NotFound),
                Ok(IdentifyResponse::Several) => flow.go(Step::Several),
                // The server runs the same checks; if it still disagrees, say so at the field.
                Err(ApiFailure::Refused { field: Some(field), .. }) if field == "last_name" => {
                    name_error.try_set(Some(NameError::InvalidCharacter));
                }
                Err(ApiFailure::Refused { field: Some(field), .. }) if field == "date_of_birth" => {
                    dob_error.try_set(Some(DobError::NotARealDate));
                }
                Err(ApiFailure::Refused {
                    code: ErrorCode::Unauthorized,
                    ..
                }) => flow.go(Step::NotEnrolled),
                // Too many misses on this tablet: the desk takes over, as for a doubtful match.
                Err(ApiFailure::Refused {
                    code: ErrorCode::RateLimited,
                    ..
                }) => flow.go(Step::Several),
                Err(ApiFailure::Refused {
                    code: ErrorCode::NotFound,
                    ..
                }) => {
                    problem.try_set(Some(|s| s.expired_error));
                }
                Err(_) => {
                    problem.try_set(Some(|s| s.network_error));
                }
            }
            busy.try_set(false);
        });
    };

    let has_errors = move || name_error.get().is_some() || dob_error.get().is_some();
    view! {
        <section class="identify" aria-labelledby="identify-title">
            <h1 id="identify-title">{tr(|s| s.identify_title)}</h1>
            <p class="lead">{tr(|s| s.identify_lead)}</p>
            <ProblemNotice
                has_errors=Signal::derive(has_errors)
                problem=problem_text(problem)
            />
            <form novalidate on:submit=on_submit autocomplete="off">
                <div class="field" class:invalid=move || name_error.get().is_some()>
                    <label for="last-name">{tr(|s| s.last_name_label)}</label>
                    <p class="hint" id="last-name-hint">{tr(|s| s.last_name_hint)}</p>
                    {move || {
                        name_error
                            .get()
                            .map(|e| {
                                view! { <p class="field-error" id="last-name-error">{s.get().name_error(e)}</p> }
                            })
                    }}
                    <input
                        id="last-name"
                        name="last-name"
                        // The patient types at once: the keyboard is up when the screen opens.
                        data-focus-on-open=""
                        type="text"
                        node_ref=name_input
                        autocomplete="off"
                        autocapitalize="words"
                        spellcheck="false"
                        aria-describedby="last-name-hint last-name-error"
                        aria-invalid=move || name_error.get().map(|_| "true")
                        prop:value=move || form.last_name.get()
                        on:input=move |ev| {
                            form.last_name.set(event_target_value(&ev));
                        }
                    />
                </div>
                <BirthDateField
                    form
                    hint=|s| s.dob_hint
                    error=Signal::derive(move || dob_error.get().map(|e| s.get().dob_error(e)))
                    month_ref=month_input
                />
                <button type="submit" class="primary" id="continue" disabled=move || busy.get()>
                    {move || if busy.get() { s.get().searching } else { s.get().continue_button }}
                </button>
            </form>
            <NavButtons back=Step::Welcome />
        </section>
    }
}

fn focus(input: NodeRef<html::Input>) {
    if let Some(element) = input.get_untracked() {
        let _ = element.focus();
    }
}
