//! Insurance: the coverages on file (payer and the last characters of the member ID), then
//! "Same", "Changed" or "I have no insurance". A change asks the payer (picked from the
//! server's list, filtered by typing), the member ID (its hint shows the Medicare format when
//! the payer takes MBIs), group number, whose name the insurance is in, and, when it is not the
//! patient's own, that person's name and date of birth. A second insurance is optional.

use std::sync::Arc;

use arrive_domain::api::KioskAppointment;
use arrive_domain::verification::MemberIdFormat;
use leptos::prelude::*;

use super::card_photo::CardPhotos;
use super::draft::*;
use super::widgets::{focus_first_invalid, Choices, DatePart, Field, Kind, Page, Pick};
use super::{Flow, Step};
use crate::app::{strings, tr};
use crate::i18n::Strings;

/// Per coverage (primary, secondary): validation path prefix, DOM id suffix, the ids of the
/// subscriber's date of birth boxes.
const RANKS: [(&str, &str, [&str; 3]); 2] = [
    (
        "insurance.primary",
        "",
        ["subscriber-month", "subscriber-day", "subscriber-year"],
    ),
    (
        "insurance.secondary",
        "-2",
        ["subscriber-month-2", "subscriber-day-2", "subscriber-year-2"],
    ),
];

pub fn page(appointment: KioskAppointment, on_file: Arc<OnFile>) -> AnyView {
    let flow = expect_context::<Flow>();
    let draft = flow.draft;
    let chosen = draft.answers.insurance;
    let secondary = draft.answers.has_secondary;
    let coverages = &on_file.record.coverages;
    let on_record = if coverages.is_empty() {
        view! { <li>{tr(|s| s.nothing_on_file)}</li> }.into_any()
    } else {
        coverages
            .iter()
            .map(|c| view! { <li>{format!("{} {}", c.payer_name, c.member_id)}</li> })
            .collect_view()
            .into_any()
    };
    let mut choices: Vec<(String, Pick, Choice)> = vec![
        ("insurance-changed".into(), |s| s.insurance_add, Choice::Changed),
        ("self-pay".into(), |s| s.self_pay, Choice::SelfPay),
    ];
    if !coverages.is_empty() {
        choices[0].1 = |s| s.insurance_changed;
        choices.insert(0, ("insurance-same".into(), |s| s.insurance_same, Choice::Same));
    }
    let next = {
        let on_file = on_file.clone();
        let appointment = appointment.clone();
        Callback::new(move |()| {
            let ok = draft.check(
                &[("insurance", chosen.get_untracked().is_some())],
                |p| p.starts_with("insurance"),
                &on_file.payers,
            );
            if ok {
                flow.go(Step::Intake(appointment.clone()));
            } else {
                focus_first_invalid();
            }
        })
    };
    let forms = move || {
        (chosen.get() == Some(Choice::Changed)).then(|| {
            let second = on_file.clone();
            view! {
                <Coverage rank=0 on_file=on_file.clone() />
                <button
                    type="button"
                    class="secondary"
                    id="second-insurance"
                    aria-expanded=move || if secondary.get() { "true" } else { "false" }
                    on:click=move |_| secondary.update(|s| *s = !*s)
                >
                    {move || {
                        let s = strings().get();
                        if secondary.get() { s.remove_secondary } else { s.add_secondary }
                    }}
                </button>
                {move || secondary.get().then(|| view! { <Coverage rank=1 on_file=second.clone() /> })}
            }
        })
    };
    view! {
        <Page
            name="insurance"
            step=2
            title=|s| s.insurance_title
            lead=|s| s.insurance_lead
            notice=Signal::stored(None::<String>)
            button_id="insurance-continue"
            button=Signal::derive(tr(|s| s.continue_button))
            busy=Signal::stored(false)
            on_next=next
            back=Step::Details(appointment)
        >
            <ul class="on-file" id="insurance-on-file" aria-labelledby="insurance-title">{on_record}</ul>
            <Choices choices chosen path="insurance".to_owned() name="insurance" labelled_by="insurance-title".to_owned() />
            {forms}
        </Page>
    }
    .into_any()
}

fn relationships(s: &Strings) -> Vec<(&'static str, &'static str)> {
    ["self", "spouse", "child", "other"]
        .into_iter()
        .zip(s.relationships)
        .collect()
}

/// One coverage's fields; `rank` 0 is the primary, 1 the secondary.
#[component]
fn Coverage(rank: usize, on_file: Arc<OnFile>) -> impl IntoView {
    let draft = expect_context::<Flow>().draft;
    let s = strings();
    let (prefix, suffix, dob_ids) = RANKS[rank];
    let coverage = draft.coverages[rank];
    let payer = coverage.payer;
    let relationship = coverage.relationship;
    let is_mbi = {
        let on_file = on_file.clone();
        move || {
            payer.with(|id| {
                on_file
                    .payers
                    .iter()
                    .any(|p| p.id == *id && p.member_id_format == MemberIdFormat::Mbi)
            })
        }
    };
    let member_hint = Signal::derive(move || {
        if is_mbi() {
            s.get().mbi_hint
        } else {
            s.get().member_hint
        }
    });
    let field = move |name: &str, key: &str, label: Pick, value: RwSignal<String>, kind: Kind| {
        view! { <Field id=format!("{name}{suffix}") path=format!("{prefix}.{key}") label value kind hint=None /> }
    };
    let subscriber = move || {
        let dob_path = format!("{prefix}.subscriber_dob");
        let dob_error = draft.error(dob_path);
        let error_id = format!("subscriber-dob{suffix}-error");
        let invalid = Signal::derive(move || dob_error.get().is_some());
        relationship.with(|r| r != "self").then(|| {
            view! {
                {field("subscriber-name", "subscriber_name", |s| s.their_name, coverage.subscriber_name, Kind::Text("text"))}
                <fieldset class="field dob" class:invalid=invalid aria-describedby=error_id.clone()>
                    <legend>{tr(|s| s.their_dob)}</legend>
                    <p class="hint">{tr(|s| s.dob_hint)}</p>
                    {let error_id = error_id.clone(); move || dob_error.get().map(|text| view! { <p class="field-error" id=error_id.clone()>{text}</p> })}
                    <div class="dob-parts">
                        <DatePart id=dob_ids[0] label=|s| s.dob_month value=coverage.subscriber_month max_len=2 invalid />
                        <DatePart id=dob_ids[1] label=|s| s.dob_day value=coverage.subscriber_day max_len=2 invalid />
                        <DatePart id=dob_ids[2] label=|s| s.dob_year value=coverage.subscriber_year max_len=4 invalid />
                    </div>
                </fieldset>
            }
        })
    };
    view! {
        <section class="coverage" aria-labelledby=format!("coverage{suffix}-title")>
            <h2 id=format!("coverage{suffix}-title")>
                {if rank == 0 { tr(|s| s.coverage_primary) } else { tr(|s| s.coverage_secondary) }}
            </h2>
            <PayerPicker rank on_file />
            <Field
                id=format!("member-id{suffix}")
                path=format!("{prefix}.member_id")
                label=|s| s.member_id
                value=coverage.member_id
                kind=Kind::Text("text")
                hint=Some(member_hint)
            />
            {field("group-number", "group_number", |s| s.group_number, coverage.group_number, Kind::Text("text"))}
            {field("relationship", "relationship", |s| s.relationship, coverage.relationship, Kind::Select(relationships))}
            {subscriber}
            <CardPhotos rank />
        </section>
    }
}

/// The payer, chosen from the server's list: a search box filters the radio buttons (arrow
/// keys move between them, as with any radio group; each is a large touch target).
#[component]
fn PayerPicker(rank: usize, on_file: Arc<OnFile>) -> impl IntoView {
    let draft = expect_context::<Flow>().draft;
    let (prefix, suffix, _) = RANKS[rank];
    let chosen = draft.coverages[rank].payer;
    let search = draft.coverages[rank].payer_search;
    let path = format!("{prefix}.payer_id");
    let error = draft.error(path.clone());
    let error_id = format!("payer{suffix}-error");
    let search_id = format!("payer-search{suffix}");
    let list_id = format!("payer-list{suffix}");
    // Whether a payer's name matches what is typed; the chosen one always stays in view.
    let shown =
        move |name: &str, id: &str| chosen.with(|c| c == id) || search.with(|q| contains_ignoring_case(name, q));
    let radios = on_file
        .payers
        .iter()
        .map(|p| {
            let (id, name) = (p.id.clone(), p.name.clone());
            let dom_id = format!("payer{suffix}-{id}");
            let for_id = dom_id.clone();
            let path = path.clone();
            let hidden = {
                let (id, name) = (id.clone(), name.clone());
                move || !shown(&name, &id)
            };
            let checked = {
                let id = id.clone();
                move || chosen.with(|c| *c == id)
            };
            view! {
                <label class="option" for=for_id hidden=hidden>
                    <input
                        type="radio"
                        id=dom_id
                        name=format!("payer{suffix}")
                        prop:checked=checked
                        on:change=move |_| {
                            chosen.set(id.clone());
                            draft.forget(&path);
                        }
                    />
                    <span>{name}</span>
                </label>
            }
        })
        .collect_view();
    let none_match = move || !on_file.payers.iter().any(|p| shown(&p.name, &p.id));
    view! {
        <fieldset
            class="field payer"
            class:invalid=move || error.get().is_some()
            aria-describedby=error_id.clone()
            aria-invalid=move || error.get().map(|_| "true")
        >
            <legend>{tr(|s| s.payer_legend)}</legend>
            {
                let error_id = error_id.clone();
                move || error.get().map(|text| view! { <p class="field-error" id=error_id.clone()>{text}</p> })
            }
            <label class="hint" for=search_id.clone()>{tr(|s| s.payer_search)}</label>
            <input
                type="text"
                id=search_id
                autocomplete="off"
                spellcheck="false"
                aria-controls=list_id.clone()
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))
            />
            <div class="options payer-list" id=list_id>{radios}</div>
            <p role="status" class="hint">{move || none_match().then(tr(|s| s.payer_none))}</p>
        </fieldset>
    }
}

/// Whether `name` contains `typed`, ignoring ASCII case. (Not `to_lowercase`: its Unicode
/// tables cost the kiosk's download 8 KB; payer names and what people type for them are ASCII.)
fn contains_ignoring_case(name: &str, typed: &str) -> bool {
    let typed = typed.trim().as_bytes();
    typed.is_empty()
        || name
            .as_bytes()
            .windows(typed.len())
            .any(|w| w.eq_ignore_ascii_case(typed))
}
