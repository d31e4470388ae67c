//! Staff sign-in: username and password; the server sets an HttpOnly session cookie.

use arrive_domain::api::LoginRequest;
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
    Wrong,
    Locked,
    Network,
}

// Shaped like password.rs's by design: each account screen has its own problems and words.
impl Problem {
    fn message(self) -> &'static str {
        match self {
            Problem::Wrong => desk_strings().get().sign_in_wrong,
            Problem::Locked => desk_strings().get().sign_in_locked,
            Problem::Network => strings().get().network_error,
        }
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let Staff(session) = expect_context::<Staff>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let request = LoginRequest {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match api::login(&request).await {
                Ok(staff) => {
                    session.try_set(Some(staff));
                }
                Err(ApiFailure::Refused {
                    code: ErrorCode::RateLimited,
                    ..
                }) => {
                    problem.try_set(Some(Problem::Locked));
                }
                Err(ApiFailure::Refused { .. }) => {
                    problem.try_set(Some(Problem::Wrong));
                    password.try_set(String::new());
                }
                Err(ApiFailure::Network) => {
                    problem.try_set(Some(Problem::Network));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <AccountScreen>
                <h1 id="sign-in-title">{dtr(|s| s.sign_in_title)}</h1>
                {error_announcer("sign-in-error", move || problem.get().map(Problem::message))}
                <form on:submit=submit>
                    <div class="field">
                        <label for="username">{dtr(|s| s.sign_in_username)}</label>
                        <input
                            id="username"
                            type="text"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            prop:value=move || username.get()
                            on:input=move |ev| username.set(event_target_value(&ev))
                        />
                    </div>
                    {password_field("password", |s| s.sign_in_password, password, "current-password")}
                    <button type="submit" class="primary" id="sign-in" disabled=move || busy.get()>
                        {dtr(|s| s.sign_in_button)}
                    </button>
                </form>
        </AccountScreen>
    }
}
