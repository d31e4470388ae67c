//! Choosing one's own password, required after signing in with a one-time password.

use arrive_domain::staff::password_acceptable;
use arrive_domain::ErrorCode;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::strings::{desk_strings, dtr};
use super::{error_announcer, password_field, AccountScreen, Staff};
use crate::api::{self, ApiFailure};
use crate::app::strings;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Problem {
    TooShort,
    Different,
    WrongCurrent,
    Network,
}

// Shaped like sign_in.rs's by design: each account screen has its own problems and words.
impl Problem {
    fn message(self) -> &'static str {
        match self {
            Problem::TooShort => desk_strings().get().password_too_short,
            Problem::Different => desk_strings().get().password_different,
            Problem::WrongCurrent => desk_strings().get().password_wrong_current,
            Problem::Network => strings().get().network_error,
        }
    }
}

#[component]
pub fn ChangePassword() -> impl IntoView {
    let staff = expect_context::<Staff>();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (now, wanted) = (current.get_untracked(), new.get_untracked());
        // The server's rule, checked here first so the answer is instant.
        if !password_acceptable(&wanted) {
            return problem.set(Some(Problem::TooShort));
        }
        if wanted != again.get_untracked() {
            return problem.set(Some(Problem::Different));
        }
        let csrf = staff.csrf();
        spawn_local(async move {
            match api::change_password(&now, &wanted, &csrf).await {
                Ok(()) => {
                    staff.0.update(|s| {
                        if let Some(s) = s.as_mut() {
                            s.must_change_password = false;
                        }
                    });
                }
                Err(ApiFailure::Refused {
                    code: ErrorCode::InvalidField,
                    field: Some(field),
                }) if field == "current_password" => {
                    problem.try_set(Some(Problem::WrongCurrent));
                }
                Err(failure) => {
                    staff.handle(&failure);
                    problem.try_set(Some(Problem::Network));
                }
            }
        });
    };

    view! {
        <AccountScreen>
                <h1 id="password-title">{dtr(|s| s.password_title)}</h1>
                <p class="lead">{dtr(|s| s.password_lead)}</p>
                {error_announcer("password-error", move || problem.get().map(Problem::message))}
                <form on:submit=submit>
                    {password_field("current-password", |s| s.password_current, current, "current-password")}
                    {password_field("new-password", |s| s.password_new, new, "new-password")}
                    {password_field("new-password-again", |s| s.password_again, again, "new-password")}
                    <button type="submit" class="primary" id="change-password">{dtr(|s| s.password_button)}</button>
                </form>
        </AccountScreen>
    }
}
