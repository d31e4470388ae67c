//! Review: only what changed, in plain words (member IDs masked but for the last four), how the
//! patient will pay, and the one "Check in" button that sends everything. On a network failure
//! the check-in is retried with the same idempotency key (the server answers a repeat with the
//! first answer); after 30 s the patient is given a reference for the desk while retries go on.

use std::sync::Arc;

use arrive_domain::api::{CardImageUpload, CardSide, CheckInRequest, KioskAppointment};
use arrive_domain::contact::{mask_address, mask_email, mask_emergency_contact, mask_phone};
use arrive_domain::insurance::mask_member_id;
use arrive_domain::verification::{InsuranceUpdate, NewCoverage, Verification};
use arrive_domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::details::language_name;
use super::draft::*;
use super::masked_value::Shown;
use super::payment::{self, PaymentChoice};
use super::widgets::{focus_first_invalid, Page, Pick};
use super::{Flow, Step};
use crate::api::{self, ApiFailure};
use crate::app::{strings, tr};
use crate::clock::now_ms;
use crate::i18n::Strings;

/// Retries wait 1 s, 2 s, 4 s, then 5 s each.
const FIRST_RETRY_MS: u32 = 1_000;
const LONGEST_RETRY_MS: u32 = 5_000;
/// After this long without getting through, the patient is sent to the desk with a reference.
const GIVE_REFERENCE_AFTER_MS: f64 = 30_000.0;

/// The photos of the new insurance cards the patient took (none when the insurance is the same).
fn card_photos(draft: &Draft, match_token: &str) -> Vec<CardImageUpload> {
    let ranks = match (
        draft.answers.insurance.get_untracked(),
        draft.answers.has_secondary.get_untracked(),
    ) {
        (Some(Choice::Changed), true) => 2,
        (Some(Choice::Changed), false) => 1,
        _ => 0,
    };
    (0..ranks)
        .flat_map(|rank| [(rank, CardSide::Front), (rank, CardSide::Back)])
        .filter_map(|(rank, side)| {
            draft.coverages[rank]
                .card_photo(side)
                .get_untracked()
                .map(|jpeg| CardImageUpload {
                    match_token: match_token.to_owned(),
                    rank: rank as u8 + 1,
                    side,
                    jpeg_base64: jpeg,
                })
        })
        .collect()
}

/// Sends the photos not yet sent; a retry after a failure goes on from the one that failed.
async fn send_photos(photos: &mut Vec<CardImageUpload>) -> Result<(), ApiFailure> {
    while let Some(photo) = photos.first() {
        api::upload_card_image(photo).await?;
        photos.remove(0);
    }
    Ok(())
}

/// The validation paths of the details step (a refusal naming one goes back there).
const DETAIL_PATHS: [&str; 5] = ["address", "phone", "email", "emergency_contact", "language"];

pub fn page(appointment: KioskAppointment, on_file: Arc<OnFile>) -> AnyView {
    let flow = expect_context::<Flow>();
    let draft = flow.draft;
    let s = strings();
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<Notice>);

    let payment_on_file = on_file.clone();
    let summary = {
        let on_file = on_file.clone();
        move || {
            let lines = changes(&draft.verification(), &on_file, s.get());
            let nothing = lines
                .is_empty()
                .then(|| view! { <p id="nothing-changed">{tr(|s| s.nothing_changed)}</p> });
            let rows = lines
                .into_iter()
                .map(|(label, value)| view! { <dt>{label}</dt><dd>{value.view(label)}</dd> })
                .collect_view();
            view! { {nothing} <dl class="review-list" id="review-changes">{rows}</dl> }
        }
    };

    let check_in = {
        let appointment = appointment.clone();
        Callback::new(move |()| {
            if busy.get_untracked() {
                return;
            }
            if !payment::chosen(flow, &on_file) {
                return focus_first_invalid();
            }
            busy.set(true);
            notice.set(None);
            // The same answers keep their key, so a retry after a lost answer is recognised; the
            // server refuses a key sent again with other answers, so changed answers get a new one.
            let verification = draft.verification();
            let key = match draft.key.get_value() {
                Some((key, sent)) if sent == verification => key,
                _ => new_key(),
            };
            draft.key.set_value(Some((key.clone(), verification.clone())));
            let request = CheckInRequest {
                match_token: appointment.match_token.clone(),
                idempotency_key: Some(key.clone()),
                verification: Some(verification),
            };
            let mut photos = card_photos(&draft, &appointment.match_token);
            let appointment = appointment.clone();
            let on_file = on_file.clone();
            spawn_local(async move {
                let started = now_ms();
                let mut wait = FIRST_RETRY_MS;
                loop {
                    // The card photos first (each replaces any earlier one of its side), so the
                    // check-in's hand-off to the records system includes them.
                    let result = match send_photos(&mut photos).await {
                        Ok(()) => submit(flow, &request, &appointment.first_name).await,
                        Err(failure) => Err(failure),
                    };
                    // Start over (or the idle guard) took this screen away: stop, forget.
                    if busy.try_get_untracked().is_none() {
                        return;
                    }
                    let failure = match result {
                        Ok(outcome) => return flow.go(outcome),
                        Err(failure) => failure,
                    };
                    match failure {
                        ApiFailure::Network
                        | ApiFailure::Refused {
                            code: ErrorCode::Internal,
                            ..
                        } => {
                            if now_ms() - started >= GIVE_REFERENCE_AFTER_MS {
                                notice.set(Some(Notice::Unreachable(reference(&key))));
                            }
                            sleep(wait).await;
                            wait = (wait * 2).min(LONGEST_RETRY_MS);
                            if busy.try_get_untracked().is_none() {
                                return;
                            }
                        }
                        ApiFailure::Refused { field: Some(field), .. }
                            if field.starts_with("insurance") || DETAIL_PATHS.iter().any(|p| field.starts_with(p)) =>
                        {
                            return back_to_field(flow, appointment, &field, &on_file);
                        }
                        ApiFailure::Refused {
                            code: ErrorCode::NotFound,
                            ..
                        } => {
                            notice.set(Some(Notice::Expired));
                            return busy.set(false);
                        }
                        ApiFailure::Refused { .. } => {
                            notice.set(Some(Notice::Failed));
                            return busy.set(false);
                        }
                    }
                }
            });
        })
    };

    let notice_text = Signal::derive(move || {
        notice.get().map(|n| match n {
            Notice::Unreachable(reference) => (s.get().unreachable)(&reference),
            Notice::Expired => s.get().expired_error.to_owned(),
            Notice::Failed => s.get().network_error.to_owned(),
        })
    });
    let at_home = flow.at_home();
    let button = Signal::derive(move || match (at_home, busy.get()) {
        (false, false) => s.get().check_in_button,
        (false, true) => s.get().checking_in,
        (true, false) => s.get().home_finish_button,
        (true, true) => s.get().home_finishing,
    });
    let (title, lead): (Pick, Pick) = if at_home {
        (|s| s.home_review_title, |s| s.home_review_lead)
    } else {
        (|s| s.review_title, |s| s.review_lead)
    };
    view! {
        <Page
            name="review"
            step=5
            title
            lead
            notice=notice_text
            button_id="check-in"
            button
            busy
            on_next=check_in
            back=Step::Consents(appointment)
        >
            {summary}
            <PaymentChoice on_file=payment_on_file />
        </Page>
    }
    .into_any()
}

/// Sends the whole verification: the check-in at the kiosk; at home, the pre-registration's end,
/// answered with the pass. Where the patient goes next.
async fn submit(flow: Flow, request: &CheckInRequest, first_name: &str) -> Result<Step, ApiFailure> {
    if flow.at_home() {
        let pass = api::finish_at_home(request).await?;
        Ok(Step::PassReady {
            first_name: first_name.to_owned(),
            pass,
        })
    } else {
        let response = api::check_in(request).await?;
        Ok(Step::Done {
            first_name: first_name.to_owned(),
            already_checked_in: response.already_checked_in,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Notice {
    /// Still retrying; the reference for the desk.
    Unreachable(String),
    Expired,
    Failed,
}

/// (label, what the patient gave) for each group that changed, in screen order; new contact
/// details masked as the record on file is.
fn changes(v: &Verification, on_file: &OnFile, s: &Strings) -> Vec<(&'static str, Shown)> {
    let mut lines = Vec::new();
    let mut add = |label: &'static str, value: Option<Shown>| {
        if let Some(value) = value {
            lines.push((label, value));
        }
    };
    let masked = |id, masked, full| Shown::Masked { id, masked, full };
    add(
        s.group_address,
        v.address.changed().map(|a| {
            let full = format!("{}, {}, {} {}", a.line.trim(), a.city.trim(), a.state, a.zip.trim());
            masked("address", mask_address(a.line.trim(), a.zip.trim()), full)
        }),
    );
    add(
        s.group_phone,
        v.phone
            .changed()
            .map(|p| masked("phone", mask_phone(p), p.trim().to_owned())),
    );
    add(
        s.group_email,
        v.email
            .changed()
            .map(|e| masked("email", mask_email(e.trim()), e.trim().to_owned())),
    );
    add(
        s.group_contact,
        v.emergency_contact.changed().map(|c| {
            let full = format!("{}, {}", c.name.trim(), c.phone.trim());
            masked("contact", mask_emergency_contact(&c.name, Some(&c.phone)), full)
        }),
    );
    add(
        s.group_language,
        v.language
            .changed()
            .map(|code| language_name(code, s).unwrap_or_default().to_owned().into()),
    );
    let coverage = |c: &NewCoverage| {
        let payer = on_file
            .payers
            .iter()
            .find(|p| p.id == c.payer_id)
            .map_or("", |p| &p.name);
        let id: String = c.member_id.chars().filter(char::is_ascii_alphanumeric).collect();
        format!("{payer} · {} {}", s.member_id, mask_member_id(&id.to_ascii_uppercase()))
    };
    match &v.insurance {
        InsuranceUpdate::Same => {}
        InsuranceUpdate::SelfPay => add(s.step_names[1], Some(s.self_pay.to_owned().into())),
        InsuranceUpdate::Changed { primary, secondary } => {
            add(s.coverage_primary, Some(coverage(primary).into()));
            add(s.coverage_secondary, secondary.as_ref().map(|c| coverage(c).into()));
        }
    }
    lines
}

/// A validation refusal: back to the step that owns the field, with the problem shown there.
/// Our own check runs first: it names every problem in the patient's words; if it finds
/// none (the server knows better), the server's field gets a general "please check".
fn back_to_field(flow: Flow, appointment: KioskAppointment, field: &str, on_file: &OnFile) {
    let insurance = field.starts_with("insurance");
    let in_step: fn(&str) -> bool = if insurance {
        |p| p.starts_with("insurance")
    } else {
        |p| !p.starts_with("insurance")
    };
    if flow.draft.check(&[], in_step, &on_file.payers) {
        let pick: Pick = |s| s.form_check_answer;
        flow.draft.problems.set(vec![(field.to_owned(), pick)]);
    }
    flow.go(if insurance {
        Step::Insurance(appointment)
    } else {
        Step::Details(appointment)
    });
}

/// 32 random hex characters, from the browser's cryptographic generator.
fn new_key() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `ABC-123`: the key's first six characters, for the desk to find the attempt.
fn reference(key: &str) -> String {
    let upper = key.to_ascii_uppercase();
    format!("{}-{}", &upper[..3], &upper[3..6])
}

/// Waits `ms` milliseconds (a promise around `setTimeout`: smaller in the kiosk's download than
/// gloo's timer future).
async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
