//! Payment: today's expected co-pay and any earlier balance, and how the patient means to pay.
//! Only the intention is asked; the kiosk never takes card numbers.

use std::sync::Arc;

use arrive_domain::api::KioskAppointment;
use leptos::prelude::*;

use super::draft::*;
use super::widgets::{focus_first_invalid, Choices, Page, Pick};
use super::{Flow, Step};
use crate::app::{strings, tr};

/// The choices, in `PAYMENTS` order.
const CHOICES: [(&str, Pick); 4] = [
    ("pay-card", |s| s.pay_card),
    ("pay-cash", |s| s.pay_cash),
    ("pay-bill", |s| s.pay_bill),
    ("pay-assistance", |s| s.pay_assistance),
];

pub fn page(appointment: KioskAppointment, on_file: Arc<OnFile>) -> AnyView {
    let flow = expect_context::<Flow>();
    let s = strings();
    let chosen = flow.draft.answers[A_PAYMENT];
    let (copay, balance) = (on_file.record.copay_cents, on_file.record.prior_balance_cents);
    let amounts = move || {
        let s = s.get();
        let mut lines = vec![copay.map_or_else(|| s.copay_unknown.to_owned(), s.copay)];
        if balance > 0 {
            lines.push((s.balance)(balance));
        }
        lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()
    };
    let choices = CHOICES
        .iter()
        .zip(1..)
        .map(|(&(id, label), value)| (id.to_owned(), label, value))
        .collect();
    let next = {
        let appointment = appointment.clone();
        Callback::new(move |()| {
            if flow.draft.check(&[("payment", A_PAYMENT)], |_| false, &on_file.payers) {
                flow.go(Step::Review(appointment.clone()));
            } else {
                focus_first_invalid();
            }
        })
    };
    view! {
        <Page
            name="payment"
            step=5
            title=|s| s.payment_title
            lead=|s| s.payment_lead
            notice=Signal::stored(None::<String>)
            button_id="payment-continue"
            button=Signal::derive(tr(|s| s.continue_button))
            busy=Signal::stored(false)
            on_next=next
            back=Step::Consents(appointment)
        >
            <ul class="amounts" id="amounts">{amounts}</ul>
            <Choices choices chosen path="payment".to_owned() name="payment" labelled_by="payment-title".to_owned() on_pick=next />
            <p class="notice" id="no-card-numbers">{tr(|s| s.no_card_numbers)}</p>
        </Page>
    }
    .into_any()
}
