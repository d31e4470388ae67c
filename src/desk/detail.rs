//! One appointment in full, for staff: who, what they answered (with PHQ scores), what they
//! signed, what the payer said and whether the health record has it. Opening it is audited by the server.

use arrive_domain::api::{DeskDetail, DeskForm};
use arrive_domain::consent::PAD_VIEW_BOX;
use arrive_domain::AppointmentStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::hand_off::{DeliveryPanel, EligibilityPanel};
use super::pre_link::PreLinkPanel;
use super::strings::{desk_strings, dtr, DeskStrings};
use super::verification::VerificationPanel;
use super::Staff;
use crate::api;
use crate::i18n::Lang;

#[component]
pub fn Detail(appointment_id: i64, on_close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let staff = expect_context::<Staff>();
    let detail = RwSignal::new(None::<DeskDetail>);
    let lang = expect_context::<RwSignal<Lang>>();
    let load = move || {
        let code = lang.get_untracked().code();
        spawn_local(async move {
            match api::desk_detail(appointment_id, code).await {
                Ok(d) => {
                    detail.try_set(Some(d));
                    // Take keyboard and screen-reader users to what they opened.
                    request_animation_frame(|| {
                        if let Some(title) = document().get_element_by_id("detail-title") {
                            use wasm_bindgen::JsCast;
                            if let Ok(title) = title.dyn_into::<web_sys::HtmlElement>() {
                                let _ = title.focus();
                            }
                        }
                    });
                }
                Err(failure) => staff.handle(&failure),
            }
        });
    };
    // Loaded again when the desk switches language (the questions are in both).
    Effect::new(move |_| {
        lang.track();
        load();
    });
    let act = move |action: &'static str| {
        let Some(csrf) = staff.0.with_untracked(|s| s.as_ref().map(|s| s.csrf_token.clone())) else {
            return;
        };
        spawn_local(async move {
            match api::appointment_action(appointment_id, action, &csrf).await {
                Ok(()) => load(),
                Err(failure) => staff.handle(&failure),
            }
        });
    };

    // A button (`id`, `class`) that asks the server for `action` on this appointment.
    let action_button =
        move |id: &'static str, class: &'static str, label: fn(&DeskStrings) -> &'static str, action: &'static str| {
            view! { <button type="button" class=class id=id on:click=move |_| act(action)>{dtr(label)}</button> }
        };

    view! {
        <section class="detail" id="detail" aria-labelledby="detail-title">
            {move || {
                detail
                    .get()
                    .map(|d| {
                        view! {
                            <h2 id="detail-title" tabindex="-1">{d.patient_name.clone()}</h2>
                            <p>
                                {dtr(|s| s.detail_born)} " " {d.date_of_birth.clone()} " · " {clinic_date_time(&d.starts_at, lang.get().strings())} " · "
                                {d.provider.clone()} " · " {d.visit_type.clone()}
                            </p>
                            {d
                                .needs_attention_now
                                .then(|| {
                                    view! {
                                        <p class="urgent-banner">{dtr(|s| s.detail_urgent)}</p>
                                        {action_button("acknowledge", "primary", |s| s.detail_acknowledge, "acknowledge")}
                                    }
                                })}
                            <div class="actions">
                                {(d.status == AppointmentStatus::Arrived)
                                    .then(|| {
                                        view! {
                                            {action_button("mark-roomed", "primary", |s| s.action_roomed, "roomed")}
                                            {action_button("undo-check-in", "secondary", |s| s.action_undo_check_in, "undo-check-in")}
                                        }
                                    })}
                                {(d.status == AppointmentStatus::Scheduled)
                                    .then(|| action_button("mark-no-show", "secondary", |s| s.action_no_show, "no-show"))}
                            </div>
                            {(d.status == AppointmentStatus::Scheduled).then(|| view! { <PreLinkPanel appointment_id /> })}
                            <EligibilityPanel appointment_id eligibility=d.eligibility.clone() on_recheck=move || act("eligibility") />
                            {d.ehr_delivery.clone().map(|delivery| view! { <DeliveryPanel delivery /> })}
                            {d
                                .verification
                                .clone()
                                .map(|verification| view! { <VerificationPanel appointment_id verification /> })}
                            <h3>{dtr(|s| s.detail_forms)}</h3>
                            {d.forms.is_empty().then(|| view! { <p>{dtr(|s| s.detail_none)}</p> })}
                            {d.forms.into_iter().map(|f| view! { <FormAnswers form=f /> }).collect_view()}
                            <h3>{dtr(|s| s.detail_consents)}</h3>
                            {d.consents.is_empty().then(|| view! { <p>{dtr(|s| s.detail_none)}</p> })}
                            <ul class="consents">
                                {d
                                    .consents
                                    .into_iter()
                                    .map(|c| {
                                        let drawn = (!c.signed_by_typing)
                                            .then(|| {
                                                view! {
                                                    <svg class="signature" viewBox=PAD_VIEW_BOX role="img" aria-label=c.typed_name.clone()>
                                                        <path d=c.signature_path.clone() fill="none" stroke="currentColor" stroke-width="3" />
                                                    </svg>
                                                }
                                            });
                                        view! {
                                            <li data-consent-id=c.consent_id.clone()>
                                                <strong>{c.title.clone()}</strong>
                                                " · " {c.typed_name.clone()} " · " {c.signed_at.clone()}
                                                {c.signed_by_typing.then(|| view! { " · " {dtr(|s| s.detail_typed_signature)} })}
                                                {drawn}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    })
            }}
            <button type="button" class="secondary" id="close-detail" on:click=move |_| on_close()>
                {dtr(|s| s.detail_close)}
            </button>
        </section>
    }
}

#[component]
fn FormAnswers(form: DeskForm) -> impl IntoView {
    let d = desk_strings();
    let score = match (form.phq9_total, form.phq2_total) {
        (Some(total), _) => {
            let band = form.phq9_severity.clone().unwrap_or_default();
            Some(Signal::derive(move || (d.get().detail_phq9)(total, &band)))
        }
        (None, Some(total)) => Some(Signal::derive(move || (d.get().detail_phq2)(total))),
        _ => None,
    };
    view! {
        <div class="form-answers" data-form-id=form.form_id.clone()>
            <h4>{form.title.clone()}</h4>
            {score.map(|score| view! { <p class="score">{move || score.get()}</p> })}
            <dl>
                {form
                    .answers
                    .into_iter()
                    .map(|(question, answer)| view! { <dt>{question}</dt> <dd>{answer}</dd> })
                    .collect_view()}
            </dl>
        </div>
    }
}

/// `2026-11-25T13:00` (the clinic's wall clock) → `2026-11-25 1:00 PM`.
fn clinic_date_time(starts_at: &str, s: &crate::i18n::Strings) -> String {
    match starts_at.split_once('T') {
        Some((date, time)) => format!("{date} {}", s.clock.show(time)),
        None => starts_at.to_owned(),
    }
}
