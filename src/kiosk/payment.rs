//! Payment, on the check-in screen: today's expected co-pay and any earlier balance, and how the
//! patient means to pay. Only the intention is asked; the kiosk never takes card numbers.

use std::sync::Arc;

use leptos::prelude::*;

use super::draft::*;
use super::widgets::{Choices, Pick};
use super::Flow;
use crate::app::tr;

/// The choices, in `PAYMENTS` order.
const CHOICES: [(&str, Pick); 4] = [
    ("pay-card", |s| s.pay_card),
    ("pay-cash", |s| s.pay_cash),
    ("pay-bill", |s| s.pay_bill),
    ("pay-assistance", |s| s.pay_assistance),
];

/// Whether a way to pay is chosen; if not, the error shows next to the choices.
pub fn chosen(flow: Flow, on_file: &OnFile) -> bool {
    let chosen = flow.draft.answers.payment.get_untracked().is_some();
    flow.draft.check(&[("payment", chosen)], |_| false, &on_file.payers)
}

#[component]
pub fn PaymentChoice(on_file: Arc<OnFile>) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let s = crate::app::strings();
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
        .zip(PAYMENTS)
        .map(|(&(id, label), intent)| (id.to_owned(), label, intent))
        .collect();
    view! {
        <fieldset class="group" id="payment-group">
            <legend id="payment-title">{tr(|s| s.payment_lead)}</legend>
            <ul class="amounts" id="amounts">{amounts}</ul>
            <Choices
                choices
                chosen=flow.draft.answers.payment
                path="payment".to_owned()
                name="payment"
                labelled_by="payment-title".to_owned()
            />
            <p class="notice" id="no-card-numbers">{tr(|s| s.no_card_numbers)}</p>
        </fieldset>
    }
}
