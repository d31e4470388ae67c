//! What the patient confirmed or changed at the kiosk, in the detail: each changed group with
//! what was on file and what it is now (staff see full values), the payment choice, and the
//! insurance card photos.

use arrive_domain::api::DeskVerification;
use leptos::prelude::*;

use super::strings::{desk_strings, dtr};

#[component]
pub fn VerificationPanel(appointment_id: i64, verification: DeskVerification) -> impl IntoView {
    let s = desk_strings();
    let nothing_changed = verification.changes.is_empty();
    let changes = verification
        .changes
        .into_iter()
        .map(|change| {
            let field = change.field.clone();
            let before = change.before.clone();
            view! {
                <tr data-change=change.field.clone()>
                    <th scope="row">{move || (s.get().field_label)(&field)}</th>
                    <td>
                        {move || if before.is_empty() { s.get().nothing_on_file.to_owned() } else { before.clone() }}
                    </td>
                    <td>{change.after}</td>
                </tr>
            }
        })
        .collect_view();
    let payment = verification.payment;
    let photos = verification
        .card_images
        .into_iter()
        .map(|image| {
            let src = format!(
                "/api/v1/desk/appointments/{appointment_id}/card-images/{}/{}",
                image.rank, image.side
            );
            let side = image.side.clone();
            view! {
                <img class="card-photo" src=src alt=move || (s.get().card_photo_alt)(image.rank, &side) />
            }
        })
        .collect_view();
    view! {
        <h3>{dtr(|s| s.verification_title)}</h3>
        <div id="verification">
            {nothing_changed.then(|| view! { <p>{dtr(|s| s.verification_nothing_changed)}</p> })}
            {(!nothing_changed)
                .then(|| {
                    view! {
                        <table class="changes">
                            <thead>
                                <tr>
                                    <td></td>
                                    <th scope="col">{dtr(|s| s.change_before)}</th>
                                    <th scope="col">{dtr(|s| s.change_after)}</th>
                                </tr>
                            </thead>
                            <tbody>{changes}</tbody>
                        </table>
                    }
                })}
            <p id="payment-intent">
                <strong>{dtr(|s| s.payment_label)}</strong> ": " {move || (s.get().payment)(payment)}
            </p>
            <div class="card-photos" aria-label=dtr(|s| s.card_photos) role="group">{photos}</div>
        </div>
    }
}
