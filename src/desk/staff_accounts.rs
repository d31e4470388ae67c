//! Admins see every staff account and can disable or enable it, reset its password (a one-time
//! password shown here once) and sign it out everywhere. The server ends the sessions; this
//! screen only asks and shows the result.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::strings::{desk_strings, dtr, DeskStrings};
use super::Staff;
use crate::api::{self, StaffAccount};

/// What the last action left to show: a one-time password (for whom), or a failure.
#[derive(Clone, PartialEq)]
enum Outcome {
    OneTime { username: String, password: String },
    Failed,
}

#[component]
pub fn StaffAccounts() -> impl IntoView {
    let staff = expect_context::<Staff>();
    let d = desk_strings();
    let accounts = RwSignal::new(Vec::<StaffAccount>::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let me = move || {
        staff
            .0
            .with_untracked(|s| s.as_ref().map(|s| s.username.clone()).unwrap_or_default())
    };
    let reload = move || {
        staff.load(api::staff_accounts(), move |list| {
            accounts.try_set(list);
        })
    };
    reload();

    let act = move |id: i64, action: &'static str| {
        let csrf = staff.csrf();
        spawn_local(async move {
            let result = api::staff_account_action(id, action, &csrf).await;
            if let Err(failure) = &result {
                staff.handle(failure);
            }
            outcome.try_set(result.is_err().then_some(Outcome::Failed));
            reload();
        });
    };
    let reset = move |id: i64, username: String| {
        let csrf = staff.csrf();
        spawn_local(async move {
            let result = api::reset_staff_password(id, &csrf).await;
            if let Err(failure) = &result {
                staff.handle(failure);
            }
            outcome.try_set(Some(match result {
                Ok(password) => Outcome::OneTime { username, password },
                Err(_) => Outcome::Failed,
            }));
            reload();
        });
    };

    view! {
        <details class="kiosk-setup staff-accounts" id="staff-accounts">
            <summary>{dtr(|s| s.staff_title)}</summary>
            <ul class="tablets">
                <For each=move || accounts.get() key=|a| a.clone() let:account>
                    {
                        let (id, username) = (account.id, account.username.clone());
                        let yourself = username == me();
                        let role = if account.role == "admin" { dtr(|s| s.role_admin) } else { dtr(|s| s.role_front_desk) };
                        let sessions = account.sessions;
                        let buttons = (!yourself).then(|| {
                            let (toggle, toggle_label): (&'static str, fn(&DeskStrings) -> &'static str) =
                                if account.disabled {
                                    ("enable", |s| s.staff_enable)
                                } else {
                                    ("disable", |s| s.staff_disable)
                                };
                            let for_reset = username.clone();
                            view! {
                                {account_button(toggle_label, username.clone(), move || act(id, toggle))}
                                {account_button(|s| s.staff_reset, username.clone(), move || reset(id, for_reset.clone()))}
                                {account_button(|s| s.staff_end_sessions, username.clone(), move || act(id, "end-sessions"))}
                            }
                        });
                        view! {
                            <li data-username=username.clone()>
                                <strong>{account.display_name.clone()}</strong>
                                " (" {username.clone()} ") · " {role} " · "
                                {move || (d.get().staff_sessions)(sessions)}
                                {account.disabled.then(|| view! { " · " <span class="staff-disabled">{dtr(|s| s.staff_disabled)}</span> })}
                                {account.must_change_password.then(|| view! { " · " <span>{dtr(|s| s.staff_must_change)}</span> })}
                                " " {buttons}
                            </li>
                        }
                    }
                </For>
            </ul>
            <div role="status" aria-live="polite" id="staff-account-result">
                {move || outcome.get().map(|o| match o {
                    Outcome::OneTime { username, password } => view! {
                        <p>{move || (d.get().staff_one_time)(&username)}</p>
                        <p><code id="one-time-password">{password}</code></p>
                    }
                        .into_any(),
                    Outcome::Failed => view! { <p class="field-error">{dtr(|s| s.staff_failed)}</p> }.into_any(),
                })}
            </div>
        </details>
    }
}

/// A button acting on one account; a screen reader also hears whose (`username`).
fn account_button(
    label: fn(&DeskStrings) -> &'static str,
    username: String,
    on_click: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <button type="button" class="secondary" on:click=move |_| on_click()>
            {dtr(label)}
            <span class="visually-hidden">" " {username}</span>
        </button>
    }
}
