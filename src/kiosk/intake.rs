//! The clinic's intake forms, one screen each, in the order the server lists them (the clinic's
//! re-ask rules already left out what a returning patient answered recently enough). Each form
//! is checked here with the domain engine, then sent; the server checks it again. The PHQ-9
//! is asked only after a PHQ-2 of 3 or more, scored here from the answers just given.
//!
//! Forms the clinic pre-fills come first, together on one screen: the patient's last answers,
//! hidden until asked for (the lobby can see the screen), confirmed with one "Still right" —
//! or "Something changed" opens each of them, filled in, to edit.

use std::collections::HashSet;
use std::sync::Arc;

use arrive_domain::api::{FormSubmission, FormSummary, KioskAppointment, MatchTokenRequest, SavedForm};
use arrive_domain::questionnaire::draft;
use arrive_domain::questionnaire::model::{localized, ResponseItem};
use arrive_domain::questionnaire::{phq, summary, Questionnaire};
use arrive_domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form_view::{problems_of, FormView};
use super::widgets::{focus_first_invalid, problem_text, Pick, ProblemNotice, Steps};
use super::{Flow, Step};
use crate::api::{self, ApiFailure};
use crate::app::{strings, tr};
use crate::i18n::Lang;

/// One form of the visit and what the patient has answered so far.
#[derive(Clone)]
struct IntakeForm {
    summary: FormSummary,
    form: Arc<Questionnaire>,
    draft: RwSignal<Vec<ResponseItem>>,
    sent: RwSignal<bool>,
}

#[component]
pub fn Intake(appointment: KioskAppointment) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let (previous, next_step) = (
        Step::Insurance(appointment.clone()),
        Step::Consents(appointment.clone()),
    );
    let match_token = appointment.match_token.clone();
    let forms = RwSignal::new(None::<Result<Vec<IntakeForm>, ApiFailure>>);
    spawn_local(async move {
        let loaded = load_forms(match_token, flow.draft.forms.get_untracked()).await;
        let going_back = flow.going_back.get_value();
        if matches!(&loaded, Ok(list) if list.is_empty() || (!going_back && first_open(list).is_none())) {
            // The clinic asks no forms, or every one is answered: straight on (or straight back).
            flow.pass(previous, next_step);
        } else {
            forms.try_set(Some(loaded));
        }
    });
    view! {
        {move || match forms.get() {
            None => view! { <p class="lead" role="status" id="forms-loading">{tr(|s| s.forms_loading)}</p> }.into_any(),
            Some(Ok(forms)) => view! { <FormSteps forms appointment=appointment.clone() /> }.into_any(),
            Some(Err(_)) => {
                view! {
                    <section class="outcome" aria-labelledby="forms-failed">
                        <h1 id="forms-failed">{tr(|s| s.network_error)}</h1>
                        <super::NavButtons back=Step::Insurance(appointment.clone()) />
                    </section>
                }
                .into_any()
            }
        }}
    }
}

/// The visit's forms; those in `sent` (answered earlier in this visit) come with their answers.
async fn load_forms(match_token: String, sent: Vec<SavedForm>) -> Result<Vec<IntakeForm>, ApiFailure> {
    let list = api::forms_for_visit(&MatchTokenRequest { match_token }).await?;
    let mut forms = Vec::new();
    for summary in list.forms {
        let form = api::form(&summary.id).await?;
        let answered = sent.iter().find(|f| f.id == summary.id);
        let given = answered
            .map(|f| f.item.clone())
            .or_else(|| summary.last_answers.as_ref().map(|last| last.item.clone()));
        forms.push(IntakeForm {
            draft: RwSignal::new(given.unwrap_or_else(|| draft::start(&form.item))),
            form: Arc::new(form),
            summary,
            sent: RwSignal::new(answered.is_some()),
        });
    }
    Ok(forms)
}

/// The form's title in the patient's language (the server's name for it when it has none).
fn title_of(form: &Arc<Questionnaire>, summary: &FormSummary, lang: RwSignal<Lang>) -> impl Fn() -> String + 'static {
    let (form, fallback) = (form.clone(), summary.title.clone());
    move || {
        localized(form.title.as_deref(), form.title_element.as_ref(), lang.get().code())
            .unwrap_or(&fallback)
            .to_owned()
    }
}

/// The forms that came back with the patient's last answers and are not sent yet.
fn to_confirm(forms: &[IntakeForm]) -> Vec<usize> {
    (0..forms.len())
        .filter(|&i| forms[i].summary.last_answers.is_some() && !forms[i].sent.get_untracked())
        .collect()
}

/// Whether form `index` is asked, given the forms before it (the PHQ-9 after a PHQ-2 of 3+).
fn applies(forms: &[IntakeForm], index: usize) -> bool {
    !forms[index].summary.only_after_positive_phq2 || phq2_total(&forms[..index]).is_some_and(phq::phq9_needed)
}

/// The first form still to answer.
fn first_open(forms: &[IntakeForm]) -> Option<usize> {
    (0..forms.len()).find(|&i| !forms[i].sent.get_untracked() && applies(forms, i))
}

/// The PHQ-2 score from the forms already sent, if one of them carries its two items.
fn phq2_total(forms: &[IntakeForm]) -> Option<u32> {
    forms.iter().filter(|f| f.sent.get_untracked()).find_map(|f| {
        let response = f.draft.with_untracked(|d| draft::finish(&f.form, d));
        phq::total(&f.form, &response.item, &phq::PHQ2_ITEMS)
    })
}

/// The next form to ask after `index`, skipping the ones that do not apply.
fn next_form(forms: &[IntakeForm], index: usize) -> Option<usize> {
    (index + 1..forms.len()).find(|&i| applies(forms, i))
}

/// Pre-fills form `next` with what the forms already sent answered to the same questions.
fn carry_over_answers(forms: &[IntakeForm], next: usize) {
    let target = &forms[next];
    for source in forms[..next].iter().filter(|f| f.sent.get_untracked()) {
        let given = source.draft.with_untracked(|d| draft::finish(&source.form, d).item);
        target
            .draft
            .update(|d| draft::carry_over(&target.form, d, &source.form, &given));
    }
}

#[component]
fn FormSteps(forms: Vec<IntakeForm>, appointment: KioskAppointment) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let forms = Arc::new(forms);
    // Coming back from the consents: the last form sent, as it was answered. Otherwise the
    // first form still to answer (at home, the patient may have sent some in an earlier sitting).
    let sent: Vec<usize> = (0..forms.len()).filter(|&i| forms[i].sent.get_untracked()).collect();
    let (start, earlier) = match (flow.going_back.get_value(), sent.last()) {
        (true, Some(&last)) => (last, sent[..sent.len() - 1].to_vec()),
        _ => {
            let start = first_open(&forms).unwrap_or(0);
            (start, sent.into_iter().filter(|&i| i < start).collect())
        }
    };
    // The forms shown before the current one, for Back.
    let visited = RwSignal::new(earlier);
    let current = RwSignal::new(Some(start));
    // Pre-filled forms are confirmed together first (not when coming back from the consents).
    let confirming = RwSignal::new(!flow.going_back.get_value() && !to_confirm(&forms).is_empty());

    let screens = forms.clone();
    let back_to = appointment.clone();
    move || {
        if confirming.get() {
            let forms = screens.clone();
            let appointment = back_to.clone();
            let on_confirmed = move || match first_open(&forms) {
                Some(next) => {
                    super::screen::changed();
                    confirming.set(false);
                    current.set(Some(next));
                }
                None => flow.go(Step::Consents(appointment.clone())),
            };
            let on_change = move || {
                super::screen::changed();
                confirming.set(false);
            };
            return Some(
                view! { <StillRight forms=screens.clone() appointment=back_to.clone() on_confirmed on_change /> }
                    .into_any(),
            );
        }
        let index = current.get()?;
        let steps = screens.clone();
        let appointment = appointment.clone();
        let back_to = back_to.clone();
        let match_token = back_to.match_token.clone();
        let on_back = move || match visited.try_update(|v| v.pop()).flatten() {
            Some(previous) => {
                // Each form is a screen of its own, though the step stays.
                super::screen::changed();
                current.set(Some(previous));
            }
            None => flow.back(Step::Insurance(back_to.clone())),
        };
        let on_sent = move || {
            visited.update(|v| v.push(index));
            match next_form(&steps, index) {
                Some(next) => {
                    carry_over_answers(&steps, next);
                    super::screen::changed();
                    current.set(Some(next));
                }
                None => flow.go(Step::Consents(appointment.clone())),
            }
        };
        let position = Signal::derive({
            let screens = screens.clone();
            move || (visited.with(|v| v.len()) + 1, screens.len())
        });
        Some(
            view! {
                <FormScreen
                    entry=screens[index].clone()
                    match_token
                    position
                    on_back
                    on_sent
                />
            }
            .into_any(),
        )
    }
}

/// The pre-filled forms on one screen: each title and the day of its answers, the answers
/// themselves behind "Show my answers", one "Still right" that sends them all as given, and
/// "Something changed" to go through them one by one.
#[component]
fn StillRight(
    forms: Arc<Vec<IntakeForm>>,
    appointment: KioskAppointment,
    on_confirmed: impl Fn() + Clone + 'static,
    on_change: impl Fn() + 'static,
) -> impl IntoView {
    let s = strings();
    let flow = expect_context::<Flow>();
    let lang = expect_context::<RwSignal<Lang>>();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<Pick>);
    let listed = to_confirm(&forms);
    let back = Step::Insurance(appointment.clone());
    let rows = listed
        .iter()
        .map(|&i| {
            let entry = forms[i].clone();
            let shown = RwSignal::new(false);
            let id = entry.form.id.clone();
            let answers_id = format!("answers-{id}");
            let title = title_of(&entry.form, &entry.summary, lang);
            let day = entry
                .summary
                .last_answers
                .as_ref()
                .and_then(|last| arrive_domain::date::parse_iso(&last.answered_on));
            let when = move || {
                let s = s.get();
                day.map(|d| {
                    use chrono::Datelike;
                    (s.last_answered_on)(d.day(), s.month_names[d.month0() as usize], d.year())
                })
            };
            let answers = {
                let (form, draft) = (entry.form.clone(), entry.draft);
                move || {
                    let response = draft.with(|d| draft::finish(&form, d));
                    summary::answered(&form.item, &response, lang.get().code())
                        .into_iter()
                        .map(|(question, answer)| view! { <dt>{question}</dt><dd>{answer}</dd> })
                        .collect_view()
                }
            };
            view! {
                <li class="still-right-form" data-form-id=id.clone()>
                    <h2 id=format!("still-title-{id}")>{title}</h2>
                    <p class="on-file">{when}</p>
                    <button
                        type="button"
                        class="secondary"
                        id=format!("show-{id}")
                        aria-expanded=move || if shown.get() { "true" } else { "false" }
                        aria-controls=answers_id.clone()
                        on:click=move |_| shown.update(|v| *v = !*v)
                    >
                        {move || if shown.get() { s.get().hide_answers } else { s.get().show_answers }}
                    </button>
                    <dl class="review-list" id=answers_id hidden=move || !shown.get()>
                        {move || shown.get().then(answers.clone())}
                    </dl>
                </li>
            }
        })
        .collect_view();

    let confirm = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let (forms, listed, on_confirmed) = (forms.clone(), listed.clone(), on_confirmed.clone());
        let match_token = appointment.match_token.clone();
        spawn_local(async move {
            for i in listed {
                let entry = &forms[i];
                let response = entry.draft.with_untracked(|d| draft::finish(&entry.form, d));
                let submission = FormSubmission {
                    match_token: match_token.clone(),
                    response,
                };
                match api::submit_form(&entry.form.id, &submission).await {
                    Ok(()) => {
                        flow.draft.form_sent(&entry.form.id, entry.draft.get_untracked());
                        entry.sent.set(true);
                    }
                    Err(failure) => {
                        problem.try_set(Some(match failure {
                            ApiFailure::Network => |s| s.network_error,
                            ApiFailure::Refused {
                                code: ErrorCode::NotFound,
                                ..
                            } => |s| s.expired_error,
                            // Last time's answers no longer fit the form (the clinic changed
                            // it): the patient goes through it, filled in as far as it fits.
                            ApiFailure::Refused { .. } => |s| s.still_right_refused,
                        }));
                        busy.try_set(false);
                        return;
                    }
                }
            }
            busy.try_set(false);
            on_confirmed();
        });
    };
    view! {
        <section class="intake still-right" aria-labelledby="still-right-title">
            <Steps current=3 />
            <h1 id="still-right-title">{tr(|s| s.still_right_title)}</h1>
            <p class="lead">{tr(|s| s.still_right_lead)}</p>
            <ProblemNotice problem=problem_text(problem) />
            <ul class="still-right-forms">{rows}</ul>
            <button type="button" class="primary big" id="still-right" disabled=move || busy.get() on:click=confirm>
                {move || if busy.get() { s.get().form_sending } else { s.get().still_right }}
            </button>
            <button type="button" class="secondary" id="something-changed" on:click=move |_| on_change()>
                {tr(|s| s.something_changed)}
            </button>
            <super::NavButtons back />
        </section>
    }
}

#[component]
fn FormScreen(
    entry: IntakeForm,
    match_token: String,
    position: Signal<(usize, usize)>,
    on_back: impl Fn() + 'static,
    on_sent: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let s = strings();
    let flow = expect_context::<Flow>();
    let lang = expect_context::<RwSignal<Lang>>();
    let attempted = RwSignal::new(false);
    let unreadable = RwSignal::new(HashSet::<String>::new());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<Pick>);
    let IntakeForm {
        summary,
        form,
        draft,
        sent,
    } = entry;

    let title = title_of(&form, &summary, lang);
    let has_errors = {
        let form = form.clone();
        move || {
            attempted.get() && (!unreadable.with(|u| u.is_empty()) || draft.with(|d| !problems_of(&form, d).is_empty()))
        }
    };

    let submit_form = form.clone();
    let submit = move |_| {
        if busy.get_untracked() {
            return;
        }
        attempted.set(true);
        problem.set(None);
        let problems = draft.with_untracked(|d| problems_of(&submit_form, d));
        if !problems.is_empty() || !unreadable.with_untracked(|u| u.is_empty()) {
            focus_first_invalid();
            return;
        }
        busy.set(true);
        let form = submit_form.clone();
        let submission = FormSubmission {
            match_token: match_token.clone(),
            response: draft.with_untracked(|d| draft::finish(&form, d)),
        };
        let on_sent = on_sent.clone();
        spawn_local(async move {
            match api::submit_form(&form.id, &submission).await {
                Ok(()) => {
                    flow.draft.form_sent(&form.id, draft.get_untracked());
                    sent.set(true);
                    on_sent();
                }
                Err(ApiFailure::Refused {
                    code: ErrorCode::NotFound,
                    ..
                }) => {
                    problem.try_set(Some(|s| s.expired_error));
                }
                Err(ApiFailure::Refused { .. }) => {
                    problem.try_set(Some(|s| s.fix_errors));
                }
                Err(ApiFailure::Network) => {
                    problem.try_set(Some(|s| s.network_error));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <section class="intake" aria-labelledby="form-title" data-form-id=form.id.clone()>
            <Steps current=3 />
            <p class="step-indicator">{move || { let (n, total) = position.get(); (s.get().form_progress)(n, total) }}</p>
            <h1 id="form-title">{title}</h1>
            <ProblemNotice
                has_errors=Signal::derive(has_errors)
                problem=problem_text(problem)
            />
            <form novalidate autocomplete="off" on:submit=|ev| ev.prevent_default()>
                <FormView form=form.clone() draft attempted unreadable />
            </form>
            <button type="button" class="primary" id="form-next" disabled=move || busy.get() on:click=submit>
                {move || if busy.get() { s.get().form_sending } else { s.get().continue_button }}
            </button>
            <FormNav on_back />
        </section>
    }
}

/// Back (to the previous form, or to the greeting) and Start over.
#[component]
fn FormNav(on_back: impl Fn() + 'static) -> impl IntoView {
    let flow = expect_context::<Flow>();
    view! {
        <nav class="nav-buttons">
            <button type="button" class="secondary" id="back" on:click=move |_| on_back()>
                {tr(|s| s.back)}
            </button>
            <button type="button" class="secondary" id="start-over" on:click=move |_| flow.start_over()>
                {tr(|s| s.start_over)}
            </button>
        </nav>
    }
}
