//! The lobby kiosk: welcome → identify → confirm → intake forms → consents → check in, or a kind path to
//! the desk.
//!
//! Privacy invariant: what the patient typed lives only in these signals, never in browser
//! storage or the URL, and is wiped on "Start over", on finishing, and after inactivity.

mod confirm;
mod consents;
pub mod form_view;
mod help;
mod identify;
mod intake;
mod outcome;
mod ready;
mod signature_pad;
mod welcome;

use std::time::Duration;

use arrive_domain::api::KioskAppointment;
use leptos::ev;
use leptos::prelude::*;

use crate::app::{tr, LanguageToggle};
use crate::clock::now_ms;
use crate::i18n::Lang;

/// After this long without a touch or key, the kiosk forgets everything and starts over.
pub const IDLE_RESET: Duration = Duration::from_secs(90);

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Welcome,
    Identify,
    Confirm(KioskAppointment),
    Intake(KioskAppointment),
    Consents(KioskAppointment),
    Ready(KioskAppointment),
    Done {
        first_name: String,
        already_checked_in: bool,
    },
    NotFound,
    Several,
    /// The tablet has no (valid) device token: only the front desk can fix that.
    NotEnrolled,
}

/// What the patient has typed to identify themselves; kept while they go back and forth.
#[derive(Clone, Copy)]
pub struct IdentifyForm {
    pub last_name: RwSignal<String>,
    pub month: RwSignal<String>,
    pub day: RwSignal<String>,
    pub year: RwSignal<String>,
}

impl IdentifyForm {
    fn new() -> Self {
        IdentifyForm {
            last_name: RwSignal::new(String::new()),
            month: RwSignal::new(String::new()),
            day: RwSignal::new(String::new()),
            year: RwSignal::new(String::new()),
        }
    }

    fn clear(&self) {
        for field in [self.last_name, self.month, self.day, self.year] {
            field.set(String::new());
        }
    }
}

/// The kiosk's state, shared by its screens through context.
#[derive(Clone, Copy)]
pub struct Flow {
    pub step: RwSignal<Step>,
    pub form: IdentifyForm,
}

impl Flow {
    pub fn go(&self, step: Step) {
        self.step.set(step);
    }

    /// Forget the patient and return to the welcome screen, in English.
    pub fn start_over(&self) {
        self.form.clear();
        self.step.set(Step::Welcome);
        if let Some(lang) = use_context::<RwSignal<Lang>>() {
            lang.set(Lang::En);
        }
    }
}

#[component]
pub fn Kiosk() -> impl IntoView {
    crate::device::enroll_from_address();
    let first = if crate::device::token().is_some() {
        Step::Welcome
    } else {
        Step::NotEnrolled
    };
    let flow = Flow {
        step: RwSignal::new(first),
        form: IdentifyForm::new(),
    };
    provide_context(flow);
    help::provide_help(flow);
    reset_when_idle(flow);

    let screen = move || match flow.step.get() {
        Step::Welcome => view! { <welcome::Welcome /> }.into_any(),
        Step::Identify => view! { <identify::Identify /> }.into_any(),
        Step::Confirm(appointment) => view! { <confirm::Confirm appointment /> }.into_any(),
        Step::Intake(appointment) => view! { <intake::Intake appointment /> }.into_any(),
        Step::Consents(appointment) => view! { <consents::Consents appointment /> }.into_any(),
        Step::Ready(appointment) => view! { <ready::Ready appointment /> }.into_any(),
        Step::Done {
            first_name,
            already_checked_in,
        } => view! { <outcome::Done first_name already_checked_in /> }.into_any(),
        Step::NotFound => view! { <outcome::NotFound /> }.into_any(),
        Step::NotEnrolled => view! { <outcome::NotEnrolled /> }.into_any(),
        Step::Several => view! { <outcome::Several /> }.into_any(),
    };
    view! {
        <div class="kiosk">
            <header class="topbar">
                <span class="brand">{tr(|s| s.app_name)}</span>
                <help::HelpButton />
                <Show when=move || flow.step.with(|step| *step != Step::Welcome)>
                    <LanguageToggle />
                </Show>
            </header>
            <help::HelpStatus />
            <main id="main" class="screen">{screen}</main>
        </div>
    }
}

fn reset_when_idle(flow: Flow) {
    let last_activity = StoredValue::new(now_ms());
    let touch = move || last_activity.set_value(now_ms());
    let handles = [
        window_event_listener(ev::pointerdown, move |_| touch()),
        window_event_listener(ev::keydown, move |_| touch()),
        // Reading a long consent with a mouse wheel is activity too.
        window_event_listener(ev::wheel, move |_| touch()),
    ];
    let interval = set_interval_with_handle(
        move || {
            let idle_ms = now_ms() - last_activity.get_value();
            if idle_ms > IDLE_RESET.as_millis() as f64 && flow.step.with_untracked(|s| *s != Step::Welcome) {
                flow.start_over();
            }
        },
        Duration::from_secs(5),
    )
    .ok();
    on_cleanup(move || {
        for handle in handles {
            handle.remove();
        }
        if let Some(interval) = interval {
            interval.clear();
        }
    });
}

/// Back / Start over, at the foot of every screen after the welcome.
#[component]
pub fn NavButtons(#[prop(optional)] back: Option<Step>) -> impl IntoView {
    let flow = expect_context::<Flow>();
    view! {
        <nav class="nav-buttons">
            {back.map(|step| {
                view! {
                    <button type="button" class="secondary" id="back" on:click=move |_| flow.go(step.clone())>
                        {tr(|s| s.back)}
                    </button>
                }
            })}
            <button type="button" class="secondary" id="start-over" on:click=move |_| flow.start_over()>
                {tr(|s| s.start_over)}
            </button>
        </nav>
    }
}
