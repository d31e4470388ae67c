//! The few controls every verification screen is built from: a page frame with the step
//! indicator, a labelled field, a row of big choice buttons, one box of a date. Each is one
//! component used many times with data, not a new view per screen: distinct view types are
//! what the kiosk's wasm budget pays for.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{Flow, IdentifyForm, NavButtons, Step};
use crate::app::{strings, tr};
use crate::i18n::Strings;

/// Picks one string of the current language: `|s| s.back`.
pub type Pick = fn(&Strings) -> &'static str;

/// The steps after "Hello" as the indicator counts them (1-based positions).
pub const STEP_COUNT: usize = 5;

/// "Step 2 of 5: Insurance", and a bar of the five steps with the current one marked.
#[component]
pub fn Steps(current: usize) -> impl IntoView {
    let s = strings();
    let at_home = expect_context::<Flow>().at_home();
    let name = move |n: usize| {
        let s = s.get();
        if at_home && n == STEP_COUNT {
            s.step_send_at_home
        } else {
            s.step_names[n - 1]
        }
    };
    let items = (1..=STEP_COUNT)
        .map(|n| {
            let state = if n < current {
                "done"
            } else if n == current {
                "current"
            } else {
                ""
            };
            view! {
                <li class=state aria-current=(n == current).then_some("step")>
                    {move || name(n)}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="steps" id="steps">
            <p class="step-indicator" id="steps-text">
                {move || (s.get().steps_of)(current, STEP_COUNT, name(current))}
            </p>
            <ol aria-label=tr(|s| s.steps_label)>{items}</ol>
        </div>
    }
}

/// The frame of a verification screen: progress, title, lead, the alert region (the error
/// summary, or `notice`), the content, the main button, Back and Start over.
#[component]
pub fn Page(
    /// `details` → `#details-title`.
    name: &'static str,
    step: usize,
    title: Pick,
    lead: Pick,
    #[prop(into)] notice: Signal<Option<String>>,
    button_id: &'static str,
    #[prop(into)] button: Signal<&'static str>,
    #[prop(into)] busy: Signal<bool>,
    on_next: Callback<()>,
    back: Step,
    /// A heading that is not one of the strings (the greeting, with the patient's name).
    #[prop(default = None)]
    heading: Option<Signal<String>>,
    children: Children,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let problems = flow.draft.problems;
    let title_id = format!("{name}-title");
    let title = move || heading.map_or_else(|| tr(title)().to_owned(), |h| h.get());
    view! {
        <section class=format!("verify {name}") aria-labelledby=title_id.clone()>
            <Steps current=step />
            <h1 id=title_id.clone()>{title}</h1>
            <p class="lead">{tr(lead)}</p>
            <ProblemNotice has_errors=Signal::derive(move || problems.with(|p| !p.is_empty())) problem=notice />
            {children()}
            <button
                type="button"
                class="primary big"
                id=button_id
                disabled=move || busy.get()
                on:click=move |_| on_next.run(())
            >
                {move || button.get()}
            </button>
            <NavButtons back />
        </section>
    }
}

/// The alert region under a screen's lead: "Please correct what is marked below" while any
/// field has an error (`has_errors`), and a problem beyond the fields (`problem`: the network,
/// a session that ran out) in plain words. An assertive live region, so both are announced,
/// and spoken in speech mode, as they appear.
#[component]
pub fn ProblemNotice(
    #[prop(into, default = Signal::stored(false))] has_errors: Signal<bool>,
    #[prop(into)] problem: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="announcer" role="alert" aria-live="assertive">
            <Show when=move || has_errors.get()>
                <p class="error-summary" id="error-summary">{tr(|s| s.fix_errors)}</p>
            </Show>
            {move || problem.get().map(|text| view! { <p class="error-summary" id="problem">{text}</p> })}
        </div>
    }
}

/// A screen's problem beyond its fields, as `ProblemNotice` shows it: the words picked in
/// the current language.
pub fn problem_text(problem: RwSignal<Option<Pick>>) -> Signal<Option<String>> {
    let s = strings();
    Signal::derive(move || problem.get().map(|pick| pick(s.get()).to_owned()))
}

/// What a field is typed or chosen with.
#[derive(Clone, Copy)]
pub enum Kind {
    /// A text box; the `inputmode` for touch keyboards.
    Text(&'static str),
    /// A list: (value, its label in the current language) for each option.
    Select(fn(&Strings) -> Vec<(&'static str, &'static str)>),
}

/// One labelled field bound to a draft's text, with its error in plain words next to it
/// (`#<id>-error`, `aria-describedby`, `aria-invalid`). Typing clears that field's error and
/// nothing else; what was typed stays.
#[component]
pub fn Field(
    id: String,
    /// The validation path whose problems show here, e.g. `address.zip`.
    path: String,
    label: Pick,
    /// The draft's text this field edits.
    value: RwSignal<String>,
    kind: Kind,
    hint: Option<Signal<&'static str>>,
) -> impl IntoView {
    let draft = expect_context::<Flow>().draft;
    let s = strings();
    let error = draft.error(path.clone());
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = format!("{hint_id} {error_id}");
    let invalid = move || error.get().map(|_| "true");
    let on_input = move |ev: leptos::ev::Event| {
        value.set(event_target_value(&ev));
        draft.forget(&path);
    };
    let control = match kind {
        Kind::Text(mode) => view! {
            <input
                type="text"
                id=id.clone()
                inputmode=mode
                autocomplete="off"
                spellcheck="false"
                maxlength="100"
                aria-describedby=described_by
                aria-invalid=invalid
                prop:value=move || value.get()
                on:input=on_input
            />
        }
        .into_any(),
        Kind::Select(options) => view! {
            <select id=id.clone() aria-describedby=described_by aria-invalid=invalid on:change=on_input>
                <option value="">{tr(|s| s.choose)}</option>
                {move || {
                    options(s.get())
                        .into_iter()
                        .map(|(code, name)| {
                            view! {
                                <option value=code selected=move || value.with(|v| v == code)>
                                    {name}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        }
        .into_any(),
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>{tr(label)}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{move || hint.get()}</p> })}
            {move || error.get().map(|text| view! { <p class="field-error" id=error_id.clone()>{text}</p> })}
            {control}
        </div>
    }
}

/// A row of big buttons of which one is chosen (`aria-pressed`), e.g. "This is right" /
/// "This changed". `chosen` holds the chosen button's value (`None`: none yet). A missing choice
/// is reported at `path`, in `#<name>-choice-error`.
#[component]
pub fn Choices<T: Copy + PartialEq + Send + Sync + 'static>(
    /// (DOM id, label, value) of each button.
    choices: Vec<(String, Pick, T)>,
    chosen: RwSignal<Option<T>>,
    path: String,
    /// The group's DOM name (`contact` for the path `emergency_contact`).
    name: &'static str,
    /// The id of the text that names the question.
    labelled_by: String,
    /// Called after a choice is made: a one-question step moves on with the tap itself.
    #[prop(optional)]
    on_pick: Option<Callback<()>>,
) -> impl IntoView {
    let draft = expect_context::<Flow>().draft;
    let error = draft.error(path.clone());
    let error_id = format!("{name}-choice-error");
    let buttons = choices
        .into_iter()
        .map(|(id, label, value)| {
            let path = path.clone();
            view! {
                <button
                    type="button"
                    class="choice"
                    id=id
                    aria-pressed=move || if chosen.get() == Some(value) { "true" } else { "false" }
                    on:click=move |_| {
                        chosen.set(Some(value));
                        draft.forget(&path);
                        if let Some(on_pick) = on_pick {
                            on_pick.run(());
                        }
                    }
                >
                    {tr(label)}
                </button>
            }
        })
        .collect_view();
    view! {
        <div
            class="choices"
            class:invalid=move || error.get().is_some()
            role="group"
            aria-labelledby=labelled_by
            aria-describedby=error_id.clone()
            aria-invalid=move || error.get().map(|_| "true")
        >
            {
                let error_id = error_id.clone();
                move || error.get().map(|text| view! { <p class="field-error" id=error_id.clone()>{text}</p> })
            }
            {buttons}
        </div>
    }
}

/// One box of a date (month, day or year): digits only, a numeric keypad on touch screens.
/// Once it holds all its digits, the cursor goes on to `next` by itself (as on a paper form,
/// without a tap between the boxes).
#[component]
pub fn DatePart(
    id: &'static str,
    label: Pick,
    value: RwSignal<String>,
    max_len: u32,
    #[prop(optional)] node_ref: NodeRef<html::Input>,
    #[prop(optional)] next: Option<NodeRef<html::Input>>,
    #[prop(into)] invalid: Signal<bool>,
) -> impl IntoView {
    let on_input = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        let full = typed.len() == max_len as usize && typed.bytes().all(|b| b.is_ascii_digit());
        value.set(typed);
        if let Some(next) = next.filter(|_| full).and_then(|n| n.get_untracked()) {
            let _ = next.focus();
            // What is already there is typed over, not added to.
            next.select();
        }
    };
    view! {
        <div class="dob-part">
            <label for=id>{tr(label)}</label>
            <input
                id=id
                type="text"
                inputmode="numeric"
                autocomplete="off"
                maxlength=max_len
                class=if max_len == 4 { "digits-4" } else { "digits-2" }
                node_ref=node_ref
                aria-invalid=move || invalid.get().then_some("true")
                prop:value=move || value.get()
                on:input=on_input
            />
        </div>
    }
}

/// A patient's birth date: month, day and year boxes in one fieldset with its hint, and the
/// error in plain words next to them (`#dob-error`); what was typed stays in `form`.
#[component]
pub fn BirthDateField(
    form: IdentifyForm,
    hint: Pick,
    error: Signal<Option<&'static str>>,
    month_ref: NodeRef<html::Input>,
) -> impl IntoView {
    let invalid = Signal::derive(move || error.get().is_some());
    let (day_ref, year_ref) = (NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new());
    view! {
        <fieldset class="field dob" class:invalid=invalid aria-describedby="dob-hint dob-error">
            <legend>{tr(|s| s.dob_legend)}</legend>
            <p class="hint" id="dob-hint">{tr(hint)}</p>
            {move || error.get().map(|text| view! { <p class="field-error" id="dob-error">{text}</p> })}
            <div class="dob-parts">
                <DatePart id="dob-month" label=|s| s.dob_month value=form.month max_len=2 node_ref=month_ref next=day_ref invalid />
                <DatePart id="dob-day" label=|s| s.dob_day value=form.day max_len=2 node_ref=day_ref next=year_ref invalid />
                <DatePart id="dob-year" label=|s| s.dob_year value=form.year max_len=4 node_ref=year_ref invalid />
            </div>
        </fieldset>
    }
}

/// Moves focus to the first control with an error, once the errors are on screen.
pub fn focus_first_invalid() {
    request_animation_frame(|| {
        let target = document()
            .query_selector(
                "input[aria-invalid='true'], select[aria-invalid='true'], textarea[aria-invalid='true'], \
                 [aria-invalid='true'] input, [aria-invalid='true'] button",
            )
            .ok()
            .flatten();
        focus_element(target);
    });
}

/// Focuses the element with this id, if it is on screen.
pub fn focus_id(id: &str) {
    focus_element(document().get_element_by_id(id));
}

fn focus_element(element: Option<web_sys::Element>) {
    if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}
