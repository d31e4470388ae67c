//! What the patient says at the verification steps (details, insurance, payment), kept while
//! they go back and forth, turned into one `Verification` for the check-in, and checked with
//! the same `verification::validate` the server runs. Lives only in signals; `clear` forgets it.

use std::sync::Arc;

use arrive_domain::api::{KioskAppointment, MatchTokenRequest, ProgressStep, SavedForm, SavedProgress};
use arrive_domain::insurance::Relationship;
use arrive_domain::verification::{
    validate, Address, EmergencyContact, InsuranceUpdate, NewCoverage, Payer, PaymentIntent, Problem, RecordOnFile,
    Update, Verification,
};
use arrive_domain::DateOfBirth;
use leptos::prelude::*;
// The domain's `Update` (same / changed) hides the signal trait of that name.
use leptos::prelude::Update as _;
use leptos::task::spawn_local;

use super::widgets::Pick;
use super::{Flow, NavButtons, Step};
use crate::api::{self, ApiFailure};
use crate::app::{strings, tr};
use crate::clock::today;

/// Slots of `Draft::text`: what is typed in each field.
pub const LINE: usize = 0;
pub const CITY: usize = 1;
pub const STATE: usize = 2;
pub const ZIP: usize = 3;
pub const PHONE: usize = 4;
pub const EMAIL: usize = 5;
pub const CONTACT_NAME: usize = 6;
pub const CONTACT_PHONE: usize = 7;
pub const LANGUAGE: usize = 8;
/// A coverage's slots start here; the second coverage's are `COVERAGE` further on.
pub const PAYER: usize = 9;
pub const MEMBER: usize = 10;
pub const GROUP: usize = 11;
pub const RELATIONSHIP: usize = 12;
pub const SUB_NAME: usize = 13;
pub const SUB_MONTH: usize = 14;
pub const SUB_DAY: usize = 15;
pub const SUB_YEAR: usize = 16;
/// The payer search box (kept so Back finds the list as it was left).
pub const SEARCH: usize = 17;
pub const COVERAGE: usize = 9;
const SLOTS: usize = PAYER + 2 * COVERAGE;

/// Slots of `Draft::answers`: the choice made for each group.
pub const A_ADDRESS: usize = 0;
pub const A_PHONE: usize = 1;
pub const A_EMAIL: usize = 2;
pub const A_CONTACT: usize = 3;
pub const A_LANGUAGE: usize = 4;
pub const A_INSURANCE: usize = 5;
/// 1 when a second coverage is being given.
pub const A_SECONDARY: usize = 6;
/// 1–4: `PaymentIntent` in declaration order.
pub const A_PAYMENT: usize = 7;
const ANSWERS: usize = 8;

/// Answers: not yet chosen, "this is right", "this changed" (or "add"), "self-pay".
pub const UNSET: u8 = 0;
pub const SAME: u8 = 1;
pub const CHANGED: u8 = 2;
pub const SELF_PAY: u8 = 3;

/// The four payment intents, in the order the payment step shows them.
pub const PAYMENTS: [PaymentIntent; 4] = [
    PaymentIntent::CardAtDesk,
    PaymentIntent::CashOrCheck,
    PaymentIntent::BillMe,
    PaymentIntent::FinancialAssistance,
];

/// Where the photo of one side (0 front, 1 back) of coverage `rank` (0 primary) is kept.
pub fn photo_slot(rank: usize, side: usize) -> usize {
    rank * 2 + side
}

/// The record on file (masked) and the payers a patient may pick: fetched once per patient.
pub struct OnFile {
    pub record: RecordOnFile,
    pub payers: Vec<Payer>,
}

#[derive(Clone, Copy)]
pub struct Draft {
    pub text: [RwSignal<String>; SLOTS],
    pub answers: [RwSignal<u8>; ANSWERS],
    /// (field path, message) of each problem shown, e.g. (`address.zip`, "A ZIP code has…").
    pub problems: RwSignal<Vec<(String, Pick)>>,
    pub on_file: RwSignal<Option<Result<Arc<OnFile>, ApiFailure>>>,
    /// Photos of new insurance cards (JPEG data URLs), by `photo_slot`.
    pub photos: [RwSignal<Option<String>>; 4],
    /// The check-in's idempotency key and the answers it was made for: made at the first tap
    /// of "Check in", reused by every retry of those answers, forgotten with the patient.
    pub key: StoredValue<Option<(String, Verification)>>,
    /// The intake forms sent so far, with their answers: Back finds them as they were, and at
    /// home they are part of the progress saved for later.
    pub forms: RwSignal<Vec<SavedForm>>,
}

impl Draft {
    pub fn new() -> Self {
        let draft = Draft {
            text: std::array::from_fn(|_| RwSignal::new(String::new())),
            answers: std::array::from_fn(|_| RwSignal::new(UNSET)),
            problems: RwSignal::new(Vec::new()),
            on_file: RwSignal::new(None),
            photos: std::array::from_fn(|_| RwSignal::new(None)),
            key: StoredValue::new(None),
            forms: RwSignal::new(Vec::new()),
        };
        draft.clear();
        draft
    }

    /// Forgets everything the patient said and everything fetched about them.
    pub fn clear(&self) {
        for (i, slot) in self.text.iter().enumerate() {
            // Most people are the subscriber of their own insurance.
            let own = i == RELATIONSHIP || i == RELATIONSHIP + COVERAGE;
            slot.set(if own { "self".into() } else { String::new() });
        }
        for answer in self.answers {
            answer.set(UNSET);
        }
        self.problems.set(Vec::new());
        self.on_file.set(None);
        for photo in self.photos {
            photo.set(None);
        }
        self.key.set_value(None);
        self.forms.set(Vec::new());
    }

    /// Everything said so far, to carry on from `step` later (at home).
    pub fn snapshot(&self, step: ProgressStep) -> SavedProgress {
        SavedProgress {
            step,
            fields: self.text.iter().map(|slot| slot.get_untracked()).collect(),
            answers: self.answers.iter().map(|slot| slot.get_untracked()).collect(),
            forms: self.forms.get_untracked(),
        }
    }

    /// Puts back what a snapshot holds (slots it lacks keep their defaults).
    pub fn restore(&self, saved: &SavedProgress) {
        for (slot, value) in self.text.iter().zip(&saved.fields) {
            slot.set(value.clone());
        }
        for (slot, value) in self.answers.iter().zip(&saved.answers) {
            slot.set(*value);
        }
        self.forms.set(saved.forms.clone());
    }

    /// A form was sent: keep its answers (replacing an earlier sending of the same form).
    pub fn form_sent(&self, id: &str, item: Vec<arrive_domain::questionnaire::model::ResponseItem>) {
        self.forms.update(|forms| {
            forms.retain(|f| f.id != id);
            forms.push(SavedForm {
                id: id.to_owned(),
                item,
            });
        });
    }

    /// The message to show next to the field at `path`, if any.
    pub fn error(self, path: String) -> Signal<Option<&'static str>> {
        let s = strings();
        Signal::derive(move || {
            self.problems
                .with(|ps| ps.iter().find(|(p, _)| *p == path).map(|(_, pick)| pick(s.get())))
        })
    }

    /// The patient is fixing this field: its message goes.
    pub fn forget(self, path: &str) {
        if self.problems.with_untracked(|ps| ps.iter().any(|(p, _)| p == path)) {
            self.problems.update(|ps| ps.retain(|(p, _)| p != path));
        }
    }

    fn get(&self, slot: usize) -> String {
        self.text[slot].get_untracked()
    }

    fn answer(&self, slot: usize) -> u8 {
        self.answers[slot].get_untracked()
    }

    fn update<T>(&self, answer: usize, value: impl FnOnce() -> T) -> Update<T> {
        if self.answer(answer) == CHANGED {
            Update::Changed { value: value() }
        } else {
            Update::Same
        }
    }

    /// Everything said so far, as the check-in sends it (payment: the choice, or a placeholder
    /// before the payment step, which `validate` does not look at).
    pub fn verification(&self) -> Verification {
        Verification {
            address: self.update(A_ADDRESS, || Address {
                line: self.get(LINE),
                city: self.get(CITY),
                state: self.get(STATE),
                zip: self.get(ZIP),
            }),
            phone: self.update(A_PHONE, || self.get(PHONE)),
            email: self.update(A_EMAIL, || self.get(EMAIL)),
            emergency_contact: self.update(A_CONTACT, || EmergencyContact {
                name: self.get(CONTACT_NAME),
                phone: self.get(CONTACT_PHONE),
            }),
            language: self.update(A_LANGUAGE, || self.get(LANGUAGE)),
            insurance: match self.answer(A_INSURANCE) {
                CHANGED => InsuranceUpdate::Changed {
                    primary: self.coverage(0),
                    secondary: (self.answer(A_SECONDARY) == 1).then(|| self.coverage(COVERAGE)),
                },
                SELF_PAY => InsuranceUpdate::SelfPay,
                _ => InsuranceUpdate::Same,
            },
            payment: PAYMENTS[usize::from(self.answer(A_PAYMENT).max(1)) - 1],
        }
    }

    fn coverage(&self, at: usize) -> NewCoverage {
        let (month, day, year) = (
            self.get(SUB_MONTH + at),
            self.get(SUB_DAY + at),
            self.get(SUB_YEAR + at),
        );
        let subscriber_dob = if (month.clone() + &day + &year).trim().is_empty() {
            None
        } else {
            // A date the domain cannot read is sent as "?" so `validate` says "not a date".
            Some(DateOfBirth::from_parts(&month, &day, &year, today()).map_or_else(|_| "?".into(), |d| d.to_string()))
        };
        let group = self.get(GROUP + at);
        NewCoverage {
            payer_id: self.get(PAYER + at),
            member_id: self.get(MEMBER + at),
            group_number: (!group.trim().is_empty()).then_some(group),
            relationship: relationship(&self.get(RELATIONSHIP + at)),
            subscriber_name: Some(self.get(SUB_NAME + at)),
            subscriber_dob,
        }
    }

    /// Checks the groups of one step: each of `groups` (path, answer slot) needs a choice, and
    /// `validate`'s problems whose path `in_step` claims are shown. True when all is well.
    pub fn check(&self, groups: &[(&str, usize)], in_step: fn(&str) -> bool, payers: &[Payer]) -> bool {
        let mut problems: Vec<(String, Pick)> = groups
            .iter()
            .filter(|(_, slot)| self.answer(*slot) == UNSET)
            .map(|(path, _)| ((*path).to_owned(), (|s| s.choose_one) as Pick))
            .collect();
        if let Err(found) = validate(&self.verification(), payers) {
            problems.extend(
                found
                    .into_iter()
                    .filter(|p| in_step(&p.field))
                    .map(|p| (p.field, problem_text(p.problem))),
            );
        }
        let ok = problems.is_empty();
        self.problems.set(problems);
        ok
    }
}

/// `self`, `spouse`, `child`, `other` (the values of the relationship list).
pub fn relationship(code: &str) -> Relationship {
    match code {
        "spouse" => Relationship::Spouse,
        "child" => Relationship::Child,
        "other" => Relationship::Other,
        _ => Relationship::Own,
    }
}

/// What to tell the patient about a problem, in plain words.
pub fn problem_text(problem: Problem) -> Pick {
    match problem {
        Problem::Missing => |s| s.p_missing,
        Problem::NotAState => |s| s.p_state,
        Problem::NotAZip => |s| s.p_zip,
        Problem::NotAPhoneNumber => |s| s.p_phone,
        Problem::NotAnEmail => |s| s.p_email,
        Problem::NotAName => |s| s.name_invalid,
        Problem::NotADate => |s| s.p_date,
        Problem::UnknownPayer => |s| s.p_payer,
        Problem::NotAnMbi => |s| s.p_mbi,
        Problem::NotAMemberId => |s| s.p_member,
        Problem::TooLong => |s| s.form_too_long,
        Problem::UnknownLanguage => |s| s.p_language,
    }
}

/// A verification screen, once the record on file and the payers are here (fetched the first
/// time, again after a failure when the patient taps "Try again").
pub fn with_record(
    appointment: KioskAppointment,
    back: Step,
    page: fn(KioskAppointment, Arc<OnFile>) -> AnyView,
) -> AnyView {
    let draft = expect_context::<Flow>().draft;
    let load = {
        let match_token = appointment.match_token.clone();
        move || {
            // "Try again" shows the screen anew once the record is here.
            super::screen::changed();
            draft.on_file.set(None);
            let request = MatchTokenRequest {
                match_token: match_token.clone(),
            };
            spawn_local(async move {
                let loaded = async {
                    let record = api::record_on_file(&request).await?;
                    let payers = api::payers().await?;
                    Ok(Arc::new(OnFile { record, payers }))
                }
                .await;
                draft.on_file.try_set(Some(loaded));
            });
        }
    };
    if draft.on_file.with_untracked(|f| !matches!(f, Some(Ok(_)))) {
        load();
    }
    (move || match draft.on_file.get() {
        None => view! { <p class="lead" role="status" id="details-loading">{tr(|s| s.details_loading)}</p> }.into_any(),
        Some(Ok(on_file)) => page(appointment.clone(), on_file),
        Some(Err(failure)) => {
            let expired = matches!(
                failure,
                ApiFailure::Refused {
                    code: arrive_domain::ErrorCode::NotFound,
                    ..
                }
            );
            let load = load.clone();
            view! {
                <section class="outcome" aria-labelledby="record-failed">
                    <h1 id="record-failed">
                        {if expired { tr(|s| s.expired_error) } else { tr(|s| s.network_error) }}
                    </h1>
                    {(!expired).then(|| view! {
                        <button type="button" class="primary" id="try-again" on:click=move |_| load()>
                            {tr(|s| s.try_again)}
                        </button>
                    })}
                    <NavButtons back=back.clone() />
                </section>
            }
            .into_any()
        }
    })
    .into_any()
}
