//! Details: each group of contact details on file, masked, with "This is right" / "This
//! changed" (or "Add" / "Skip" when nothing is on file); a change opens the group's fields.
//! Name and date of birth are the desk's to change. All groups come from one table and one
//! group view, so a new group costs data, not code.

use std::sync::Arc;

use arrive_domain::api::KioskAppointment;
use arrive_domain::contact::US_STATES;
use arrive_domain::verification::{RecordOnFile, LANGUAGES};
use leptos::prelude::*;

use super::draft::*;
use super::widgets::{focus_first_invalid, Choices, Field, Kind, Page, Pick};
use super::{Flow, Step};
use crate::app::{strings, tr};
use crate::i18n::Strings;

struct Group {
    /// The validation path of the group (`emergency_contact`) …
    path: &'static str,
    /// … and its DOM prefix (`contact` → `#contact-same`).
    id: &'static str,
    legend: Pick,
    /// Where the group's choice is kept.
    answer: fn(Answers) -> RwSignal<Option<Choice>>,
    on_file: fn(&RecordOnFile, &Strings) -> Option<String>,
    fields: &'static [FieldRow],
}

/// (DOM id, validation path, label, the draft's text it edits, kind, hint).
type FieldRow = (
    &'static str,
    &'static str,
    Pick,
    fn(Draft) -> RwSignal<String>,
    Kind,
    Option<Pick>,
);

const TEXT: Kind = Kind::Text("text");

// A data table: each group's entries are alike by design (one row per field shown).
static GROUPS: [Group; 5] = [
    Group {
        path: "address",
        id: "address",
        legend: |s| s.group_address,
        answer: |a| a.address,
        on_file: |r, _| r.address.clone(),
        fields: &[
            (
                "address-line",
                "address.line",
                |s| s.address_line,
                |d| d.address.line,
                TEXT,
                None,
            ),
            (
                "address-city",
                "address.city",
                |s| s.city,
                |d| d.address.city,
                TEXT,
                None,
            ),
            (
                "address-state",
                "address.state",
                |s| s.state,
                |d| d.address.state,
                Kind::Select(states),
                None,
            ),
            (
                "address-zip",
                "address.zip",
                |s| s.zip,
                |d| d.address.zip,
                Kind::Text("numeric"),
                Some(|s| s.zip_hint),
            ),
        ],
    },
    Group {
        path: "phone",
        id: "phone",
        legend: |s| s.group_phone,
        answer: |a| a.phone,
        on_file: |r, _| r.phone.clone(),
        fields: &[(
            "phone",
            "phone",
            |s| s.phone,
            |d| d.phone,
            Kind::Text("tel"),
            Some(|s| s.phone_hint),
        )],
    },
    Group {
        path: "email",
        id: "email",
        legend: |s| s.group_email,
        answer: |a| a.email,
        on_file: |r, _| r.email.clone(),
        fields: &[("email", "email", |s| s.email, |d| d.email, Kind::Text("email"), None)],
    },
    Group {
        path: "emergency_contact",
        id: "contact",
        legend: |s| s.group_contact,
        answer: |a| a.emergency_contact,
        on_file: |r, _| r.emergency_contact.clone(),
        fields: &[
            (
                "contact-name",
                "emergency_contact.name",
                |s| s.their_name,
                |d| d.emergency_contact.name,
                TEXT,
                None,
            ),
            (
                "contact-phone",
                "emergency_contact.phone",
                |s| s.their_phone,
                |d| d.emergency_contact.phone,
                Kind::Text("tel"),
                Some(|s| s.phone_hint),
            ),
        ],
    },
    Group {
        path: "language",
        id: "language",
        legend: |s| s.group_language,
        answer: |a| a.language,
        on_file: |r, s| {
            r.language
                .as_deref()
                .map(|code| language_name(code, s).map_or_else(|| code.to_owned(), str::to_owned))
        },
        fields: &[(
            "language",
            "language",
            |s| s.language,
            |d| d.language,
            Kind::Select(languages),
            None,
        )],
    },
];

fn states(_: &Strings) -> Vec<(&'static str, &'static str)> {
    US_STATES.iter().map(|code| (*code, *code)).collect()
}

fn languages(s: &Strings) -> Vec<(&'static str, &'static str)> {
    LANGUAGES
        .iter()
        .zip(s.language_names)
        .map(|(code, name)| (*code, name))
        .collect()
}

/// A language's name in the current language, if it is one the clinic offers.
pub fn language_name(code: &str, s: &Strings) -> Option<&'static str> {
    LANGUAGES.iter().position(|l| *l == code).map(|i| s.language_names[i])
}

pub fn page(appointment: KioskAppointment, on_file: Arc<OnFile>) -> AnyView {
    let flow = expect_context::<Flow>();
    let next = {
        let on_file = on_file.clone();
        let appointment = appointment.clone();
        Callback::new(move |()| {
            let answers = flow.draft.answers;
            let groups: Vec<(&str, bool)> = GROUPS
                .iter()
                .map(|g| (g.path, (g.answer)(answers).get_untracked().is_some()))
                .collect();
            if flow
                .draft
                .check(&groups, |path| !path.starts_with("insurance"), &on_file.payers)
            {
                flow.go(Step::Insurance(appointment.clone()));
            } else {
                focus_first_invalid();
            }
        })
    };
    // A returning patient with nothing new confirms every group, and the insurance on file,
    // with one tap.
    let all_same = {
        let appointment = appointment.clone();
        let has_insurance = !on_file.record.coverages.is_empty();
        move |_| {
            for group in &GROUPS {
                (group.answer)(flow.draft.answers).set(Some(Choice::Same));
            }
            if has_insurance {
                flow.draft.answers.insurance.set(Some(Choice::Same));
                flow.go(Step::Intake(appointment.clone()));
            } else {
                flow.go(Step::Insurance(appointment.clone()));
            }
        }
    };
    let groups = GROUPS
        .iter()
        .map(|group| group_view(group, on_file.clone()))
        .collect_view();
    let s = strings();
    // At the kiosk this screen is also the greeting: the first name, the time and the
    // provider are all it shows of the match until the patient asks to see more.
    let greeting = (!flow.at_home()).then(|| {
        let KioskAppointment {
            first_name,
            starts_at,
            provider,
            ..
        } = appointment.clone();
        let heading = Signal::derive(move || (s.get().greeting)(&first_name));
        let summary = view! {
            <p class="lead" id="appointment-summary">{move || (s.get().appointment_with)(&starts_at, &provider)}</p>
            <button type="button" class="secondary" id="not-me" on:click=move |_| flow.start_over()>
                {tr(|s| s.not_me)}
            </button>
        };
        (heading, summary)
    });
    let (heading, summary) = greeting.unzip();
    view! {
        <Page
            name="details"
            step=1
            title=|s| s.details_title
            heading
            lead=|s| s.details_lead
            notice=Signal::stored(None::<String>)
            button_id="details-continue"
            button=Signal::derive(tr(|s| s.continue_button))
            busy=Signal::stored(false)
            on_next=next
            back=flow.before_details(appointment)
        >
            {summary}
            <button type="button" class="primary big" id="all-same" on:click=all_same>
                {tr(|s| s.all_same)}
            </button>
            <p class="notice" id="name-dob-note">{tr(|s| s.name_dob_note)}</p>
            {groups}
        </Page>
    }
    .into_any()
}

fn group_view(group: &'static Group, on_file: Arc<OnFile>) -> impl IntoView {
    let draft = expect_context::<Flow>().draft;
    let s = strings();
    let chosen = (group.answer)(draft.answers);
    let has_value = (group.on_file)(&on_file.record, s.get_untracked()).is_some();
    let id = group.id;
    let choices: Vec<(String, Pick, Choice)> = if has_value {
        vec![
            (format!("{id}-same"), |s| s.this_is_right, Choice::Same),
            (format!("{id}-changed"), |s| s.this_changed, Choice::Changed),
        ]
    } else {
        vec![
            (format!("{id}-add"), |s| s.add, Choice::Changed),
            (format!("{id}-skip"), |s| s.skip, Choice::Same),
        ]
    };
    let legend_id = format!("{id}-legend");
    let shown = move || {
        (group.on_file)(&on_file.record, s.get()).map_or_else(
            || s.get().nothing_on_file.to_owned(),
            |v| format!("{} {v}", s.get().on_file),
        )
    };
    let fields = move || {
        (chosen.get() == Some(Choice::Changed)).then(|| {
            group
                .fields
                .iter()
                .map(|&(id, path, label, value, kind, hint)| {
                    view! {
                        <Field
                            id=id.to_owned()
                            path=path.to_owned()
                            label
                            value=value(draft)
                            kind
                            hint=hint.map(|h| Signal::derive(tr(h)))
                        />
                    }
                })
                .collect_view()
        })
    };
    view! {
        <fieldset class="group" id=format!("{id}-group")>
            <legend id=legend_id.clone()>{tr(group.legend)}</legend>
            <p class="on-file" id=format!("{id}-on-file")>{shown}</p>
            <Choices choices chosen path=group.path.to_owned() name=id labelled_by=legend_id />
            {fields}
        </fieldset>
    }
}
