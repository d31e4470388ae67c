//! Pre-registration from home: the patient opens their link (`/pre/<token>`) on their phone.
//! Their birth date comes first — nothing about the appointment shows before it — then the same
//! steps as at the kiosk, answered by the same handlers under `/api/v1/pre`. Where they are is
//! saved on the server at every step, so they can close the page and carry on later from the
//! link; the end is their check-in pass (`home_pass.rs`).
//!
//! Privacy invariant, as at the kiosk: nothing is kept on the phone. The link's token is in the
//! address (it carries no patient data); everything else lives in signals.

use arrive_domain::api::{
    CheckInRequest, KioskAppointment, MatchTokenRequest, ProgressSave, ProgressStep, UnlockRequest,
};
use arrive_domain::{DateOfBirth, DobError, ErrorCode};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::widgets::{BirthDateField, ProblemNotice};
use super::{Flow, Step};
use crate::api::{self, ApiFailure};
use crate::app::{strings, tr};
use crate::clock::today;

/// The token of the pre-registration link this page was opened from, if it was.
pub fn link_from_address() -> Option<String> {
    let path = window().location().pathname().ok()?;
    let token = path.strip_prefix("/pre/")?.trim_end_matches('/');
    let plausible = (1..=200).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plausible.then(|| token.to_owned())
}

/// The screen a saved progress names, for `appointment`.
pub fn step_at(saved: ProgressStep, appointment: KioskAppointment) -> Step {
    match saved {
        ProgressStep::Details => Step::Details(appointment),
        ProgressStep::Insurance => Step::Insurance(appointment),
        ProgressStep::Intake => Step::Intake(appointment),
        ProgressStep::Consents => Step::Consents(appointment),
        // Payment is asked on the review: a progress saved at it resumes there.
        ProgressStep::Payment | ProgressStep::Review => Step::Review(appointment),
    }
}

/// The step as progress saves it; none for screens that are not part of the answers.
fn progress_step(step: &Step) -> Option<(ProgressStep, &KioskAppointment)> {
    Some(match step {
        Step::Details(a) => (ProgressStep::Details, a),
        Step::Insurance(a) => (ProgressStep::Insurance, a),
        Step::Intake(a) => (ProgressStep::Intake, a),
        Step::Consents(a) => (ProgressStep::Consents, a),
        Step::Review(a) => (ProgressStep::Review, a),
        _ => return None,
    })
}

/// Saves where the patient is on the server each time they move to another step or send a
/// form, so closing the page loses nothing. What is typed into a field is saved with the step
/// it belongs to, when the patient moves on.
pub fn save_as_they_go(flow: Flow) {
    Effect::new(move |_| {
        let step = flow.step.get();
        flow.draft.forms.track();
        let Some((at, appointment)) = progress_step(&step) else {
            return;
        };
        let request = ProgressSave {
            match_token: appointment.match_token.clone(),
            progress: flow.draft.snapshot(at),
        };
        // A save that fails is made again at the next step; the answers are still on screen.
        spawn_local(async move {
            let _ = api::save_progress(&request).await;
        });
    });
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Problem {
    /// Not the patient's birth date (the server said so).
    WrongDate,
    Network,
}

/// The link's first screen: the birth date, before anything else.
#[component]
pub fn Unlock() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let form = flow.form;
    let s = strings();
    let dob_error = RwSignal::new(None::<DobError>);
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let month_input = NodeRef::<html::Input>::new();

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        let dob = DateOfBirth::from_parts(
            &form.month.get_untracked(),
            &form.day.get_untracked(),
            &form.year.get_untracked(),
            today(),
        );
        dob_error.set(dob.as_ref().err().copied());
        let Ok(dob) = dob else {
            if let Some(input) = month_input.get_untracked() {
                let _ = input.focus();
            }
            return;
        };
        let Some(token) = flow.home.get_value() else { return };
        busy.set(true);
        let request = UnlockRequest {
            token,
            date_of_birth: dob.to_string(),
        };
        spawn_local(async move {
            match open(flow, &request).await {
                Ok(()) => {}
                Err(ApiFailure::Refused {
                    code: ErrorCode::InvalidField,
                    ..
                }) => {
                    problem.try_set(Some(Problem::WrongDate));
                }
                Err(ApiFailure::Refused {
                    code: ErrorCode::RateLimited,
                    ..
                }) => flow.go(Step::LinkGone { locked: true }),
                Err(ApiFailure::Refused {
                    code: ErrorCode::NotFound,
                    ..
                }) => flow.go(Step::LinkGone { locked: false }),
                Err(_) => {
                    problem.try_set(Some(Problem::Network));
                }
            }
            busy.try_set(false);
        });
    };

    let field_error = Signal::derive(move || match (dob_error.get(), problem.get()) {
        (Some(e), _) => Some(s.get().dob_error(e)),
        (None, Some(Problem::WrongDate)) => Some(s.get().home_wrong_dob),
        _ => None,
    });
    view! {
        <section class="unlock" aria-labelledby="unlock-title">
            <h1 id="unlock-title">{tr(|s| s.home_title)}</h1>
            <p class="lead">{tr(|s| s.home_lead)}</p>
            <ProblemNotice problem=Signal::derive(move || {
                let text = match problem.get()? {
                    Problem::WrongDate => s.get().fix_errors,
                    Problem::Network => s.get().network_error,
                };
                Some(text.to_owned())
            }) />
            <form novalidate on:submit=on_submit autocomplete="off">
                <BirthDateField form hint=|s| s.home_dob_hint error=field_error month_ref=month_input />
                <button type="submit" class="primary big" id="unlock" disabled=move || busy.get()>
                    {move || if busy.get() { s.get().searching } else { s.get().continue_button }}
                </button>
            </form>
            <p class="hint">{tr(|s| s.home_privacy)}</p>
        </section>
    }
}

/// The birth date opens the link; what was saved before comes back; then "Hello, Ana".
async fn open(flow: Flow, request: &UnlockRequest) -> Result<(), ApiFailure> {
    let appointment = api::unlock(request).await?;
    let saved = api::resume(&MatchTokenRequest {
        match_token: appointment.match_token.clone(),
    })
    .await?;
    // The birth date has done its work: it is not kept.
    flow.form.clear();
    if let Some(progress) = saved.progress {
        flow.draft.restore(&progress);
        flow.resume_at.set_value(Some(progress.step));
    }
    flow.finished_before.set_value(saved.finished);
    flow.go(Step::Confirm(appointment));
    Ok(())
}

/// At home, on the greeting, for a patient who finished before: "Show my pass" hands over a
/// new pass for what is already on file (the earlier one stops working).
#[component]
pub fn PassAgain(appointment: KioskAppointment) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let show = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failed.set(false);
        let request = CheckInRequest {
            match_token: appointment.match_token.clone(),
            idempotency_key: None,
            verification: None,
        };
        let first_name = appointment.first_name.clone();
        spawn_local(async move {
            match api::finish_at_home(&request).await {
                Ok(pass) => flow.go(Step::PassReady { first_name, pass }),
                Err(_) => {
                    failed.try_set(true);
                    busy.try_set(false);
                }
            }
        });
    };
    view! {
        <p class="notice" id="finished-before">{tr(|s| s.home_finished_before)}</p>
        <p class="field-error" role="alert">{move || failed.get().then(tr(|s| s.network_error))}</p>
        <button type="button" class="primary big" id="show-pass" disabled=move || busy.get() on:click=show>
            {tr(|s| s.home_show_pass)}
        </button>
    }
}

/// A link that does not work (any reason alike), or one locked after too many wrong dates.
#[component]
pub fn LinkGone(locked: bool) -> impl IntoView {
    view! {
        <section class="link-gone" aria-labelledby="outcome-title">
            <h1 id="outcome-title">
                {if locked { tr(|s| s.home_locked_title) } else { tr(|s| s.home_gone_title) }}
            </h1>
            <p class="lead">{tr(|s| s.home_call_clinic)}</p>
        </section>
    }
}
