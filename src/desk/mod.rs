//! The front desk: staff sign in, then see the live board and, on request, one patient's
//! details. Everything here is behind the server's staff guard; this module only follows it.

mod admin;
mod board;
mod chime;
mod detail;
mod hand_off;
mod metrics;
mod password;
mod pre_link;
mod sign_in;
mod staff_accounts;
mod strings;
mod tablets;
mod verification;

use std::future::Future;

use arrive_domain::api::StaffSession;
use arrive_domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::app::LanguageToggle;
use strings::{dtr, DeskStrings};

/// The signed-in member of staff (`None`: show the sign-in form), shared through context.
#[derive(Clone, Copy)]
pub struct Staff(pub RwSignal<Option<StaffSession>>);

impl Staff {
    /// The server said the session is gone (expired, signed out elsewhere): back to sign-in.
    pub fn handle(&self, failure: &ApiFailure) {
        if matches!(
            failure,
            ApiFailure::Refused {
                code: ErrorCode::Unauthorized,
                ..
            }
        ) {
            self.0.set(None);
        }
    }

    /// The session's CSRF token, which every change sends (empty when signed out: the server
    /// refuses the change, as it would without a session).
    pub fn csrf(&self) -> String {
        self.0
            .with_untracked(|s| s.as_ref().map(|s| s.csrf_token.clone()).unwrap_or_default())
    }

    /// Loads what `fetch` answers and hands it to `show`; a refusal goes through `handle`.
    pub fn load<T: 'static>(
        self,
        fetch: impl Future<Output = Result<T, ApiFailure>> + 'static,
        show: impl FnOnce(T) + 'static,
    ) {
        spawn_local(async move {
            match fetch.await {
                Ok(answer) => show(answer),
                Err(failure) => self.handle(&failure),
            }
        });
    }
}

/// The page around the account screens (sign in, choose a password): the desk's top bar and
/// a narrow column.
#[component]
fn AccountScreen(children: Children) -> impl IntoView {
    view! {
        <div class="desk">
            <header class="topbar">
                <span class="brand">{dtr(|s| s.desk_title)}</span>
                <LanguageToggle />
            </header>
            <main id="main" class="screen sign-in">{children()}</main>
        </div>
    }
}

/// The account screens' one error line (`id`), read out the moment it shows.
fn error_announcer(
    id: &'static str,
    message: impl Fn() -> Option<&'static str> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="announcer" role="alert" aria-live="assertive">
            {move || message().map(|text| view! { <p class="error-summary" id=id>{text}</p> })}
        </div>
    }
}

/// A password field of the account screens, bound to `value`.
fn password_field(
    id: &'static str,
    label: fn(&DeskStrings) -> &'static str,
    value: RwSignal<String>,
    autocomplete: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{dtr(label)}</label>
            <input
                id=id
                type="password"
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </div>
    }
}

#[component]
pub fn DeskBoard() -> impl IntoView {
    let session = RwSignal::new(None::<StaffSession>);
    let checked = RwSignal::new(false);
    provide_context(Staff(session));
    spawn_local(async move {
        if let Ok(current) = api::staff_session().await {
            session.try_set(Some(current));
        }
        checked.try_set(true);
    });
    let must_change = move || session.with(|s| s.as_ref().map(|s| s.must_change_password));
    move || match (checked.get(), must_change()) {
        (false, _) => ().into_any(),
        (true, None) => view! { <sign_in::SignIn /> }.into_any(),
        (true, Some(true)) => view! { <password::ChangePassword /> }.into_any(),
        (true, Some(false)) => view! { <board::Board /> }.into_any(),
    }
}
