//! Admins enroll kiosk tablets by name (the tablet opens a one-time link or scans its QR code)
//! and revoke them; a revoked tablet's next call is refused.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::strings::dtr;
use super::Staff;
use crate::api::{self, KioskEnrollment, KioskTablet};

#[component]
pub fn KioskTablets() -> impl IntoView {
    let staff = expect_context::<Staff>();
    let tablets = RwSignal::new(Vec::<KioskTablet>::new());
    let name = RwSignal::new(String::new());
    let enrolled = RwSignal::new(None::<KioskEnrollment>);
    let failed = RwSignal::new(false);
    let reload = move || {
        staff.load(api::kiosk_tablets(), move |list| {
            tablets.try_set(list);
        })
    };
    reload();

    let enroll = move |ev: SubmitEvent| {
        ev.prevent_default();
        let wanted = name.get_untracked();
        let csrf = staff.csrf();
        spawn_local(async move {
            match api::enroll_kiosk(wanted.trim(), &csrf).await {
                Ok(enrollment) => {
                    failed.try_set(false);
                    name.try_set(String::new());
                    enrolled.try_set(Some(enrollment));
                    reload();
                }
                Err(failure) => {
                    failed.try_set(true);
                    staff.handle(&failure);
                }
            }
        });
    };
    let revoke = move |id: i64| {
        let csrf = staff.csrf();
        spawn_local(async move {
            if let Err(failure) = api::revoke_kiosk(id, &csrf).await {
                staff.handle(&failure);
            }
            reload();
        });
    };

    view! {
        <details class="kiosk-setup">
            <summary>{dtr(|s| s.tablets_title)}</summary>
            <ul class="tablets">
                <For each=move || tablets.get() key=|t| (t.id, t.revoked_at.clone()) let:tablet>
                    <li>
                        {tablet.name.clone()} " · "
                        {match tablet.revoked_at {
                            Some(_) => view! { <span>{dtr(|s| s.tablet_revoked)}</span> }.into_any(),
                            None => {
                                let id = tablet.id;
                                view! {
                                    <button type="button" class="secondary" on:click=move |_| revoke(id)>
                                        {dtr(|s| s.tablet_revoke)}
                                        <span class="visually-hidden">" " {tablet.name.clone()}</span>
                                    </button>
                                }
                                    .into_any()
                            }
                        }}
                    </li>
                </For>
            </ul>
            <form on:submit=enroll>
                <div class="field">
                    <label for="tablet-name">{dtr(|s| s.tablet_name)}</label>
                    {move || failed.get().then(|| view! { <p class="field-error" id="tablet-error">{dtr(|s| s.tablet_name_error)}</p> })}
                    <input
                        id="tablet-name"
                        type="text"
                        autocomplete="off"
                        aria-describedby="tablet-error"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" class="primary" id="enroll-tablet">{dtr(|s| s.tablet_enroll)}</button>
            </form>
            {move || {
                enrolled
                    .get()
                    .map(|e| {
                        view! {
                            <div class="enrollment" id="enrollment">
                                <p>{dtr(|s| s.tablet_enroll_lead)}</p>
                                <div class="qr" role="img" aria-label=e.name.clone() inner_html=e.qr_svg.clone()></div>
                                <p><code id="enrollment-link">{e.link.clone()}</code></p>
                            </div>
                        }
                    })
            }}
        </details>
    }
}
