//! The lobby kiosk: welcome → identify → confirm → details → insurance → intake forms →
//! consents → payment → review (check in), or a kind path to the desk. Opened from a
//! pre-registration link on the patient's phone (`home.rs`), the same steps run between the
//! birth date and the check-in pass.
//!
//! Privacy invariant: what the patient typed lives only in these signals, never in browser
//! storage or the URL, and is wiped on "Start over", on finishing, and after inactivity.

mod access;
mod camera;
mod card_photo;
mod confirm;
mod consents;
mod details;
mod draft;
pub mod form_view;
mod help;
mod home;
mod home_pass;
mod identify;
mod idle;
mod insurance;
mod intake;
mod masked_value;
mod outcome;
mod pass;
mod payment;
mod review;
mod scan;
mod screen;
mod signature_pad;
mod speech;
mod visit;
mod welcome;
mod widgets;

use arrive_domain::api::{ArrivalPass, KioskAppointment, PassMatch, ProgressStep};
use leptos::prelude::*;

use crate::app::{tr, LanguageToggle};
use crate::i18n::Lang;
pub use idle::{IDLE_COUNTDOWN, IDLE_WARNING};

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Welcome,
    Identify,
    Confirm(KioskAppointment),
    Intake(KioskAppointment),
    /// Contact details: confirm or replace each group.
    Details(KioskAppointment),
    Insurance(KioskAppointment),
    Consents(KioskAppointment),
    /// What changed, how the patient will pay, and the "Check in" button.
    Review(KioskAppointment),
    /// The camera reads a pre-registration pass's QR code.
    ScanPass,
    /// A pre-registration pass was shown: the appointment and one "Check in".
    Express(PassMatch),
    Done {
        first_name: String,
        already_checked_in: bool,
    },
    /// At home: the birth date opens the link.
    Unlock,
    /// At home: the link does not work (locked after too many wrong birth dates, or any other
    /// reason, told alike).
    LinkGone {
        locked: bool,
    },
    /// At home, the end: the check-in pass.
    PassReady {
        first_name: String,
        pass: ArrivalPass,
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
    /// Everything said at the verification steps, and the record fetched for them.
    draft: draft::Draft,
    display: access::Display,
    /// Speech mode: on for a patient who listens, off again for the next one.
    speech: speech::Speech,
    /// Whether the last move was Back: a step with nothing to ask then passes the patient on
    /// backwards, not forwards again.
    going_back: StoredValue<bool>,
    /// Checking in with a pass: the steps it still needs lead back to the pass's screen.
    express: StoredValue<bool>,
    /// At home: the pre-registration link's token (none on the lobby kiosk).
    home: StoredValue<Option<String>>,
    /// At home: the step saved in an earlier sitting, where "Continue" picks up.
    resume_at: StoredValue<Option<ProgressStep>>,
    /// At home: the patient finished before (the greeting offers their pass again).
    finished_before: StoredValue<bool>,
    /// The display language. Held here, not looked up when starting over: a timer (the done
    /// screen's, the idle guard's) runs outside any component and would find no context.
    lang: RwSignal<Lang>,
}

impl Flow {
    /// On the patient's phone, from a pre-registration link, rather than the lobby kiosk.
    pub fn at_home(&self) -> bool {
        self.home.with_value(Option::is_some)
    }

    /// The first screen: the welcome at the kiosk, the birth date at home.
    pub fn first_step(&self) -> Step {
        if self.at_home() {
            Step::Unlock
        } else {
            Step::Welcome
        }
    }

    /// The screen before the details: the greeting at home; at the kiosk the details greet the
    /// patient themselves, and Back returns to "Who are you?".
    pub fn before_details(&self, appointment: KioskAppointment) -> Step {
        if self.at_home() {
            Step::Confirm(appointment)
        } else {
            Step::Identify
        }
    }

    /// Where "Continue" after "Hello" leads: the details, or where the patient left off.
    pub fn after_greeting(&self, appointment: KioskAppointment) -> Step {
        match self.resume_at.get_value() {
            Some(saved) => {
                self.resume_at.set_value(None);
                home::step_at(saved, appointment)
            }
            None => Step::Details(appointment),
        }
    }

    pub fn go(&self, step: Step) {
        self.going_back.set_value(false);
        self.show(step);
    }

    /// Where the consents lead: the review, or back to the pass's "Check in" when checking in
    /// with a pass (everything it needed is done by then).
    pub fn after_consents(&self, appointment: KioskAppointment) -> Step {
        if self.express.get_value() {
            Step::Express(PassMatch {
                appointment,
                forms_missing: false,
                consents_missing: false,
            })
        } else {
            Step::Review(appointment)
        }
    }

    pub fn back(&self, step: Step) {
        self.going_back.set_value(true);
        self.show(step);
    }

    /// Skips a step that has nothing to ask: on to `next`, or on to `previous` when the
    /// patient came back to it.
    pub fn pass(&self, previous: Step, next: Step) {
        if self.going_back.get_value() {
            self.back(previous);
        } else {
            self.go(next);
        }
    }

    /// Forget the patient and return to the first screen, as the clinic set it up: its
    /// language (and `<html lang>` with it), standard display, nothing being read aloud. At
    /// home the same patient goes on in the language they chose.
    pub fn start_over(&self) {
        self.form.clear();
        self.draft.clear();
        self.display.reset();
        self.speech.reset();
        self.going_back.set_value(false);
        self.express.set_value(false);
        self.resume_at.set_value(None);
        self.finished_before.set_value(false);
        if !self.at_home() {
            self.lang.set(Lang::DEFAULT);
        }
        self.show(self.first_step());
    }

    /// Shows `step` (again, when it is the current one): a new screen, opened at its top.
    pub fn show(&self, step: Step) {
        screen::changed();
        self.step.set(step);
    }
}

#[component]
pub fn Kiosk() -> impl IntoView {
    let home_link = home::link_from_address();
    let first = if home_link.is_some() {
        crate::api::use_home_routes();
        Step::Unlock
    } else {
        crate::device::enroll_from_address();
        if crate::device::token().is_some() {
            Step::Welcome
        } else {
            Step::NotEnrolled
        }
    };
    let at_home = home_link.is_some();
    let flow = Flow {
        step: RwSignal::new(first),
        form: IdentifyForm::new(),
        draft: draft::Draft::new(),
        display: access::Display::new(),
        speech: speech::Speech::new(expect_context::<RwSignal<Lang>>()),
        going_back: StoredValue::new(false),
        express: StoredValue::new(false),
        home: StoredValue::new(home_link),
        resume_at: StoredValue::new(None),
        finished_before: StoredValue::new(false),
        lang: expect_context::<RwSignal<Lang>>(),
    };
    provide_context(flow);
    if !at_home {
        // The desk's link opened on a tablet already showing the kiosk: the new token, then
        // the welcome screen, as when the link is opened in a new page.
        let links = crate::device::follow_enrollment_links(move || match crate::device::token() {
            Some(_) => flow.start_over(),
            None => flow.show(Step::NotEnrolled),
        });
        on_cleanup(move || links.remove());
    }
    help::provide_help(flow);
    speech::listen(flow);
    if at_home {
        home::save_as_they_go(flow);
    }
    // Seconds left before the idle guard starts over, while it asks.
    let idle_left = RwSignal::new(None::<u32>);
    let inert = move || idle_left.get().is_some();
    visit::preload();
    let main = NodeRef::<leptos::html::Main>::new();
    screen::follow_screens(main);

    let screen = move || match flow.step.get() {
        Step::Welcome => view! { <welcome::Welcome /> }.into_any(),
        Step::Identify => view! { <identify::Identify /> }.into_any(),
        Step::Confirm(appointment) => view! { <confirm::Confirm appointment /> }.into_any(),
        step @ (Step::Details(_)
        | Step::Insurance(_)
        | Step::Intake(_)
        | Step::Consents(_)
        | Step::Review(_)
        | Step::ScanPass
        | Step::Express(_)
        | Step::PassReady { .. }) => visit::screen(step),
        Step::Done {
            first_name,
            already_checked_in,
        } => view! { <outcome::Done first_name already_checked_in /> }.into_any(),
        Step::NotFound => view! { <outcome::NotFound /> }.into_any(),
        Step::NotEnrolled => view! { <outcome::NotEnrolled /> }.into_any(),
        Step::Several => view! { <outcome::Several /> }.into_any(),
        Step::Unlock => view! { <home::Unlock /> }.into_any(),
        Step::LinkGone { locked } => view! { <home::LinkGone locked /> }.into_any(),
    };
    view! {
        <div class="kiosk" class:at-home=at_home>
            <header class="topbar" inert=inert>
                <span class="brand">{tr(|s| s.app_name)}</span>
                <access::AccessControls />
                // At home there is no desk watching: the clinic's phone is on the link's page.
                {(!at_home).then(|| view! { <help::HelpButton /> })}
                <Show when=move || flow.step.with(|step| *step != Step::Welcome)>
                    <LanguageToggle />
                </Show>
            </header>
            <div class="speech-row" inert=inert>
                <speech::SpeechControls />
            </div>
            // Behind "Are you still there?" the patient's screen is hidden, not just dimmed:
            // whoever walks up sees the question and nothing of the patient's.
            <div inert=inert class:concealed=inert>
                <help::HelpStatus />
            </div>
            <main id="main" class="screen" node_ref=main inert=inert class:concealed=inert>
                {screen}
            </main>
            <idle::IdleGuard left=idle_left />
        </div>
    }
}

/// Back / Start over, at the foot of every screen after the welcome.
#[component]
pub fn NavButtons(#[prop(optional)] back: Option<Step>) -> impl IntoView {
    let flow = expect_context::<Flow>();
    view! {
        <nav class="nav-buttons">
            {back.map(|step| {
                view! {
                    <button type="button" class="secondary" id="back" on:click=move |_| flow.back(step.clone())>
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
