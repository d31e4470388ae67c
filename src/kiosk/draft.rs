//! What the patient says at the verification steps (details, insurance, payment), kept while
//! they go back and forth, turned into one `Verification` for the check-in, and checked with
//! the same `verification::validate` the server runs. Lives only in signals; `clear` forgets it.

use std::sync::Arc;

use arrive_domain::api::{CardSide, KioskAppointment, MatchTokenRequest, ProgressStep, SavedForm, SavedProgress};
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

/// The answer to "is what is on file still right?" for one group of details or for the
/// insurance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// "This is right" (or "Skip" when nothing is on file).
    Same,
    /// "This changed" (or "Add"): the group's fields are sent.
    Changed,
    /// No insurance: only the insurance offers it.
    SelfPay,
}

/// The four payment intents, in the order the payment step shows them.
pub const PAYMENTS: [PaymentIntent; 4] = [
    PaymentIntent::CardAtDesk,
    PaymentIntent::CashOrCheck,
    PaymentIntent::BillMe,
    PaymentIntent::FinancialAssistance,
];

/// The record on file (masked) and the payers a patient may pick: fetched once per patient.
pub struct OnFile {
    pub record: RecordOnFile,
    pub payers: Vec<Payer>,
}

/// What is typed for a new address.
#[derive(Clone, Copy)]
pub struct AddressFields {
    pub line: RwSignal<String>,
    pub city: RwSignal<String>,
    pub state: RwSignal<String>,
    pub zip: RwSignal<String>,
}

/// What is typed for a new emergency contact.
#[derive(Clone, Copy)]
pub struct ContactFields {
    pub name: RwSignal<String>,
    pub phone: RwSignal<String>,
}

/// What is given for one new coverage.
#[derive(Clone, Copy)]
pub struct CoverageFields {
    /// The chosen payer's ID.
    pub payer: RwSignal<String>,
    /// What is typed in the payer search box (kept so Back finds the list as it was left).
    pub payer_search: RwSignal<String>,
    pub member_id: RwSignal<String>,
    pub group_number: RwSignal<String>,
    /// `self`, `spouse`, `child` or `other`: see [`relationship`].
    pub relationship: RwSignal<String>,
    /// The subscriber's name and birth date, asked when the coverage is not the patient's own.
    pub subscriber_name: RwSignal<String>,
    pub subscriber_month: RwSignal<String>,
    pub subscriber_day: RwSignal<String>,
    pub subscriber_year: RwSignal<String>,
    /// Photos of the card (JPEG data URLs).
    pub card_front: RwSignal<Option<String>>,
    pub card_back: RwSignal<Option<String>>,
}

impl CoverageFields {
    /// The photo of one side of the card.
    pub fn card_photo(self, side: CardSide) -> RwSignal<Option<String>> {
        match side {
            CardSide::Front => self.card_front,
            CardSide::Back => self.card_back,
        }
    }
}

/// The choice made for each question of the verification steps (`None`: not chosen yet).
#[derive(Clone, Copy)]
pub struct Answers {
    pub address: RwSignal<Option<Choice>>,
    pub phone: RwSignal<Option<Choice>>,
    pub email: RwSignal<Option<Choice>>,
    pub emergency_contact: RwSignal<Option<Choice>>,
    pub language: RwSignal<Option<Choice>>,
    pub insurance: RwSignal<Option<Choice>>,
    /// Whether a second coverage is being given (with a changed insurance).
    pub has_secondary: RwSignal<bool>,
    pub payment: RwSignal<Option<PaymentIntent>>,
}

#[derive(Clone, Copy)]
pub struct Draft {
    pub address: AddressFields,
    pub phone: RwSignal<String>,
    pub email: RwSignal<String>,
    pub emergency_contact: ContactFields,
    /// A language code from `verification::LANGUAGES`.
    pub language: RwSignal<String>,
    /// The primary coverage, then the secondary (by rank, as `CardImageUpload::rank` − 1).
    pub coverages: [CoverageFields; 2],
    pub answers: Answers,
    /// (field path, message) of each problem shown, e.g. (`address.zip`, "A ZIP code has…").
    pub problems: RwSignal<Vec<(String, Pick)>>,
    pub on_file: RwSignal<Option<Result<Arc<OnFile>, ApiFailure>>>,
    /// The check-in's idempotency key and the answers it was made for: made at the first tap
    /// of "Check in", reused by every retry of those answers, forgotten with the patient.
    pub key: StoredValue<Option<(String, Verification)>>,
    /// The intake forms sent so far, with their answers: Back finds them as they were, and at
    /// home they are part of the progress saved for later.
    pub forms: RwSignal<Vec<SavedForm>>,
}

fn text() -> RwSignal<String> {
    RwSignal::new(String::new())
}

fn coverage_fields() -> CoverageFields {
    CoverageFields {
        payer: text(),
        payer_search: text(),
        member_id: text(),
        group_number: text(),
        relationship: text(),
        subscriber_name: text(),
        subscriber_month: text(),
        subscriber_day: text(),
        subscriber_year: text(),
        card_front: RwSignal::new(None),
        card_back: RwSignal::new(None),
    }
}

/// How a choice is kept in a saved progress: 0 for none yet.
fn choice_code(choice: Option<Choice>) -> u8 {
    match choice {
        None => 0,
        Some(Choice::Same) => 1,
        Some(Choice::Changed) => 2,
        Some(Choice::SelfPay) => 3,
    }
}

/// A saved code back as a choice; a code no build wrote reads as none yet.
fn choice_from_code(code: u8) -> Option<Choice> {
    match code {
        1 => Some(Choice::Same),
        2 => Some(Choice::Changed),
        3 => Some(Choice::SelfPay),
        _ => None,
    }
}

/// A payment intent in a saved progress: its place in `PAYMENTS` from 1, 0 for none yet.
fn payment_code(payment: Option<PaymentIntent>) -> u8 {
    payment
        .and_then(|p| PAYMENTS.iter().position(|&q| q == p))
        .map_or(0, |i| i as u8 + 1)
}

fn payment_from_code(code: u8) -> Option<PaymentIntent> {
    usize::from(code).checked_sub(1).and_then(|i| PAYMENTS.get(i)).copied()
}

impl Draft {
    pub fn new() -> Self {
        let choice = || RwSignal::new(None);
        let draft = Draft {
            address: AddressFields {
                line: text(),
                city: text(),
                state: text(),
                zip: text(),
            },
            phone: text(),
            email: text(),
            emergency_contact: ContactFields {
                name: text(),
                phone: text(),
            },
            language: text(),
            coverages: [coverage_fields(), coverage_fields()],
            answers: Answers {
                address: choice(),
                phone: choice(),
                email: choice(),
                emergency_contact: choice(),
                language: choice(),
                insurance: choice(),
                has_secondary: RwSignal::new(false),
                payment: RwSignal::new(None),
            },
            problems: RwSignal::new(Vec::new()),
            on_file: RwSignal::new(None),
            key: StoredValue::new(None),
            forms: RwSignal::new(Vec::new()),
        };
        draft.clear();
        draft
    }

    /// Every text field, in the order a saved progress keeps them (`SavedProgress::fields`).
    /// The order is the saved format: progress saved at home is read back by a later build.
    fn text_fields(&self) -> Vec<RwSignal<String>> {
        let (address, contact) = (self.address, self.emergency_contact);
        let mut fields = vec![
            address.line,
            address.city,
            address.state,
            address.zip,
            self.phone,
            self.email,
            contact.name,
            contact.phone,
            self.language,
        ];
        for c in self.coverages {
            fields.extend([
                c.payer,
                c.member_id,
                c.group_number,
                c.relationship,
                c.subscriber_name,
                c.subscriber_month,
                c.subscriber_day,
                c.subscriber_year,
                c.payer_search,
            ]);
        }
        fields
    }

    /// The choices that open a saved progress's answers (`SavedProgress::answers`), in its
    /// order: the groups of details, then the insurance. Whether a second coverage is given
    /// (0 or 1) and the payment follow them.
    fn choices(&self) -> [RwSignal<Option<Choice>>; 6] {
        let a = self.answers;
        [
            a.address,
            a.phone,
            a.email,
            a.emergency_contact,
            a.language,
            a.insurance,
        ]
    }

    /// Forgets everything the patient said and everything fetched about them.
    pub fn clear(&self) {
        for field in self.text_fields() {
            field.set(String::new());
        }
        for coverage in self.coverages {
            // Most people are the subscriber of their own insurance.
            coverage.relationship.set("self".into());
            coverage.card_front.set(None);
            coverage.card_back.set(None);
        }
        for choice in self.choices() {
            choice.set(None);
        }
        self.answers.has_secondary.set(false);
        self.answers.payment.set(None);
        self.problems.set(Vec::new());
        self.on_file.set(None);
        self.key.set_value(None);
        self.forms.set(Vec::new());
    }

    /// Everything said so far, to carry on from `step` later (at home).
    pub fn snapshot(&self, step: ProgressStep) -> SavedProgress {
        let mut answers: Vec<u8> = self.choices().iter().map(|c| choice_code(c.get_untracked())).collect();
        answers.push(u8::from(self.answers.has_secondary.get_untracked()));
        answers.push(payment_code(self.answers.payment.get_untracked()));
        SavedProgress {
            step,
            fields: self.text_fields().iter().map(|field| field.get_untracked()).collect(),
            answers,
            forms: self.forms.get_untracked(),
        }
    }

    /// Puts back what a snapshot holds (fields and answers it lacks keep their defaults).
    pub fn restore(&self, saved: &SavedProgress) {
        for (field, value) in self.text_fields().iter().zip(&saved.fields) {
            field.set(value.clone());
        }
        for (choice, &code) in self.choices().iter().zip(&saved.answers) {
            choice.set(choice_from_code(code));
        }
        let after_choices = self.choices().len();
        if let Some(&code) = saved.answers.get(after_choices) {
            self.answers.has_secondary.set(code == 1);
        }
        if let Some(&code) = saved.answers.get(after_choices + 1) {
            self.answers.payment.set(payment_from_code(code));
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

    fn update<T>(&self, choice: RwSignal<Option<Choice>>, value: impl FnOnce() -> T) -> Update<T> {
        if choice.get_untracked() == Some(Choice::Changed) {
            Update::Changed { value: value() }
        } else {
            Update::Same
        }
    }

    /// Everything said so far, as the check-in sends it (payment: the choice, or a placeholder
    /// before the payment step, which `validate` does not look at).
    pub fn verification(&self) -> Verification {
        let answers = self.answers;
        let address = self.address;
        let contact = self.emergency_contact;
        Verification {
            address: self.update(answers.address, || Address {
                line: address.line.get_untracked(),
                city: address.city.get_untracked(),
                state: address.state.get_untracked(),
                zip: address.zip.get_untracked(),
            }),
            phone: self.update(answers.phone, || self.phone.get_untracked()),
            email: self.update(answers.email, || self.email.get_untracked()),
            emergency_contact: self.update(answers.emergency_contact, || EmergencyContact {
                name: contact.name.get_untracked(),
                phone: contact.phone.get_untracked(),
            }),
            language: self.update(answers.language, || self.language.get_untracked()),
            insurance: match answers.insurance.get_untracked() {
                Some(Choice::Changed) => InsuranceUpdate::Changed {
                    primary: new_coverage(self.coverages[0]),
                    secondary: answers
                        .has_secondary
                        .get_untracked()
                        .then(|| new_coverage(self.coverages[1])),
                },
                Some(Choice::SelfPay) => InsuranceUpdate::SelfPay,
                Some(Choice::Same) | None => InsuranceUpdate::Same,
            },
            payment: answers.payment.get_untracked().unwrap_or(PAYMENTS[0]),
        }
    }

    /// Checks the groups of one step: each of `groups` (path, whether a choice is made) needs
    /// a choice, and `validate`'s problems whose path `in_step` claims are shown. True when all
    /// is well.
    pub fn check(&self, groups: &[(&str, bool)], in_step: fn(&str) -> bool, payers: &[Payer]) -> bool {
        let mut problems: Vec<(String, Pick)> = groups
            .iter()
            .filter(|(_, chosen)| !chosen)
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

fn new_coverage(fields: CoverageFields) -> NewCoverage {
    let (month, day, year) = (
        fields.subscriber_month.get_untracked(),
        fields.subscriber_day.get_untracked(),
        fields.subscriber_year.get_untracked(),
    );
    let subscriber_dob = if (month.clone() + &day + &year).trim().is_empty() {
        None
    } else {
        // A date the domain cannot read is sent as "?" so `validate` says "not a date".
        Some(DateOfBirth::from_parts(&month, &day, &year, today()).map_or_else(|_| "?".into(), |d| d.to_string()))
    };
    let group = fields.group_number.get_untracked();
    NewCoverage {
        payer_id: fields.payer.get_untracked(),
        member_id: fields.member_id.get_untracked(),
        group_number: (!group.trim().is_empty()).then_some(group),
        relationship: relationship(&fields.relationship.get_untracked()),
        subscriber_name: Some(fields.subscriber_name.get_untracked()),
        subscriber_dob,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(fields: Vec<String>, answers: Vec<u8>) -> SavedProgress {
        SavedProgress {
            step: ProgressStep::Insurance,
            fields,
            answers,
            forms: Vec::new(),
        }
    }

    /// Progress saved at home by one build is read back by the next: the places of the fields
    /// and the codes of the answers are a stored format.
    #[test]
    fn a_snapshot_keeps_each_field_and_answer_in_its_saved_place() {
        let draft = Draft::new();
        draft.address.zip.set("97201".into());
        draft.language.set("es".into());
        draft.coverages[0].payer.set("SBX01".into());
        draft.coverages[1].payer_search.set("med".into());
        draft.answers.address.set(Some(Choice::Changed));
        draft.answers.phone.set(Some(Choice::Same));
        draft.answers.insurance.set(Some(Choice::SelfPay));
        draft.answers.has_secondary.set(true);
        draft.answers.payment.set(Some(PaymentIntent::BillMe));
        let snapshot = draft.snapshot(ProgressStep::Payment);
        let mut fields = vec![String::new(); 27];
        fields[3] = "97201".into();
        fields[8] = "es".into();
        fields[9] = "SBX01".into();
        fields[12] = "self".into();
        fields[21] = "self".into();
        fields[26] = "med".into();
        assert_eq!(snapshot.fields, fields);
        assert_eq!(snapshot.answers, [2, 1, 0, 0, 0, 3, 1, 3]);
        assert!(snapshot.within_limits());

        let again = Draft::new();
        again.restore(&snapshot);
        assert_eq!(again.snapshot(ProgressStep::Payment), snapshot);
        assert_eq!(again.answers.payment.get_untracked(), Some(PaymentIntent::BillMe));
    }

    #[test]
    fn a_short_or_unknown_saving_leaves_the_rest_as_it_was() {
        let draft = Draft::new();
        draft.answers.payment.set(Some(PaymentIntent::CashOrCheck));
        draft.restore(&saved(vec!["1 Main St".into()], vec![9, 2]));
        assert_eq!(draft.address.line.get_untracked(), "1 Main St");
        assert_eq!(draft.coverages[1].relationship.get_untracked(), "self");
        assert_eq!(draft.answers.address.get_untracked(), None);
        assert_eq!(draft.answers.phone.get_untracked(), Some(Choice::Changed));
        assert_eq!(draft.answers.payment.get_untracked(), Some(PaymentIntent::CashOrCheck));

        draft.restore(&saved(Vec::new(), vec![0, 0, 0, 0, 0, 2, 7, 9]));
        assert!(!draft.answers.has_secondary.get_untracked());
        assert_eq!(draft.answers.payment.get_untracked(), None);
    }

    #[test]
    fn clear_forgets_everything_but_the_default_relationship() {
        let draft = Draft::new();
        let empty = draft.snapshot(ProgressStep::Details);
        draft.restore(&saved(vec!["x".into(); 27], vec![2; 8]));
        draft.coverages[1].card_back.set(Some("data:image/jpeg;base64,".into()));
        draft.clear();
        assert_eq!(draft.snapshot(ProgressStep::Details), empty);
        assert_eq!(draft.coverages[1].card_back.get_untracked(), None);
    }
}
