//! "I need help", on every screen: the desk is told which tablet and at which step, and the
//! patient is told someone is coming. Nothing about the patient is sent.

use arrive_domain::api::{HelpRequest, KioskStep};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Flow, Step};
use crate::api;
use crate::app::tr;

fn kiosk_step(step: &Step) -> Option<KioskStep> {
    Some(match step {
        Step::Welcome => KioskStep::Welcome,
        Step::Identify | Step::ScanPass => KioskStep::Identify,
        Step::Confirm(_) | Step::Express(_) => KioskStep::Confirm,
        Step::Details(_) => KioskStep::Details,
        Step::Insurance(_) => KioskStep::Insurance,
        Step::Intake(_) => KioskStep::Forms,
        Step::Consents(_) => KioskStep::Consents,
        Step::Review(_) => KioskStep::Review,
        Step::Done { .. } => KioskStep::Done,
        Step::NotFound => KioskStep::NotFound,
        Step::Several => KioskStep::Several,
        // A tablet that is not enrolled cannot reach the desk; a phone at home has no help button.
        Step::NotEnrolled | Step::Unlock | Step::LinkGone { .. } | Step::PassReady { .. } => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Asked {
    No,
    Coming,
    Failed,
}

/// Whether help was asked for, shared by the button (top bar) and the notice (under it).
#[derive(Clone, Copy)]
struct HelpAsked(RwSignal<Asked>);

/// Call once in the kiosk, before `HelpButton` and `HelpStatus`.
pub fn provide_help(flow: Flow) {
    let asked = RwSignal::new(Asked::No);
    // A new patient starts with no help request showing.
    Effect::new(move |_| {
        if flow.step.with(|s| *s == Step::Welcome) {
            asked.set(Asked::No);
        }
    });
    // Speech mode was asked for on a tablet with no voice: the patient cannot hear the
    // kiosk, so the desk is called at once, as if they had pressed "I need help".
    Effect::new(move |_| {
        if flow.speech.cannot_speak.get() {
            ask(flow, asked);
        }
    });
    provide_context(HelpAsked(asked));
}

/// Tells the desk this tablet needs someone, at the step it shows; the notice under the top
/// bar says what came of it.
fn ask(flow: Flow, asked: RwSignal<Asked>) {
    let Some(step) = flow.step.with_untracked(kiosk_step) else {
        return;
    };
    spawn_local(async move {
        let cannot_speak = flow.speech.cannot_speak.get_untracked();
        let result = api::ask_for_help(&HelpRequest { step, cannot_speak }).await;
        asked.try_set(if result.is_ok() { Asked::Coming } else { Asked::Failed });
    });
}

#[component]
pub fn HelpButton() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let HelpAsked(asked) = expect_context::<HelpAsked>();
    let ask = move |_| ask(flow, asked);
    let shown = move || flow.step.with(|s| kiosk_step(s).is_some());
    view! {
        <Show when=shown>
            <button type="button" class="help-button" id="help" on:click=ask>
                {tr(|s| s.help_button)}
            </button>
        </Show>
    }
}

#[component]
pub fn HelpStatus() -> impl IntoView {
    let HelpAsked(asked) = expect_context::<HelpAsked>();
    let flow = expect_context::<Flow>();
    let lang = expect_context::<RwSignal<crate::i18n::Lang>>();
    view! {
        <div class="help-status" role="status" aria-live="polite">
            <Show when=move || flow.speech.cannot_speak.get()>
                <p class="notice" id="no-voice">{move || super::speech::SpeechWords::of(lang.get()).no_voice}</p>
            </Show>
            {move || match asked.get() {
                Asked::No => None,
                Asked::Coming => Some(view! { <p class="notice" id="help-coming">{tr(|s| s.help_coming)}</p> }.into_any()),
                Asked::Failed => Some(view! { <p class="notice" id="help-failed">{tr(|s| s.see_desk)}</p> }.into_any()),
            }}
        </div>
    }
}
