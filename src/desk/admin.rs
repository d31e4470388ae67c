//! Administration at the desk, for admins: import today's schedule from the practice system
//! (CSV or FHIR Bundle), and add a member of staff (with a one-time password they replace at first sign-in).

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::strings::{desk_strings, dtr};
use super::{password_field, Staff};
use crate::api::{self, ApiFailure, ImportReport};

/// The text of the file chosen in `input` and its content type (a FHIR Bundle is `.json`).
async fn chosen_file(input: web_sys::HtmlInputElement) -> Option<(String, &'static str)> {
    let file = input.files()?.get(0)?;
    let content_type = if file.name().to_ascii_lowercase().ends_with(".json") {
        "application/fhir+json"
    } else {
        "text/csv"
    };
    Some((JsFuture::from(file.text()).await.ok()?.as_string()?, content_type))
}

/// `on_imported`: reload the board, so the new day shows at once on this desk.
#[component]
pub fn Administration(on_imported: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let d = desk_strings();
    let staff = expect_context::<Staff>();

    let file_input = NodeRef::<html::Input>::new();
    let report = RwSignal::new(None::<Result<ImportReport, ApiFailure>>);
    let import = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(input) = file_input.get_untracked() else {
            return;
        };
        let csrf = staff.csrf();
        spawn_local(async move {
            let Some((text, content_type)) = chosen_file(input.unchecked_into()).await else {
                return;
            };
            let result = api::import_schedule(text, content_type, &csrf).await;
            match &result {
                Ok(_) => on_imported(),
                Err(failure) => staff.handle(failure),
            }
            report.try_set(Some(result));
        });
    };

    let (username, display_name, role, password) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("front_desk".to_owned()),
        RwSignal::new(String::new()),
    );
    let added = RwSignal::new(None::<bool>);
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let csrf = staff.csrf();
        let (u, d, r, p) = (
            username.get_untracked(),
            display_name.get_untracked(),
            role.get_untracked(),
            password.get_untracked(),
        );
        spawn_local(async move {
            let result = api::add_staff(u.trim(), d.trim(), &r, &p, &csrf).await;
            if let Err(failure) = &result {
                staff.handle(failure);
            }
            if result.is_ok() {
                for field in [username, display_name, password] {
                    field.try_set(String::new());
                }
            }
            added.try_set(Some(result.is_ok()));
        });
    };

    view! {
        <details class="kiosk-setup administration" id="administration">
            <summary>{dtr(|s| s.admin_title)}</summary>
            <h2>{dtr(|s| s.import_title)}</h2>
            <p>{dtr(|s| s.import_lead)}</p>
            <form on:submit=import>
                <div class="field">
                    <label for="schedule-file">{dtr(|s| s.import_file)}</label>
                    <input id="schedule-file" type="file" accept=".csv,text/csv,.json,application/fhir+json" node_ref=file_input />
                </div>
                <button type="submit" class="primary" id="import-schedule">{dtr(|s| s.import_button)}</button>
            </form>
            <div role="status" aria-live="polite" id="import-report">
                {move || {
                    report
                        .get()
                        .map(|r| match r {
                            Ok(r) => {
                                let errors = r.errors.clone();
                                view! {
                                    <p>{move || (d.get().import_counts)(r.inserted, r.updated, r.unchanged)}</p>
                                    <ul class="import-errors">
                                        {errors
                                            .into_iter()
                                            .map(|e| {
                                                let place = move || match (e.line, e.entry) {
                                                    (Some(line), _) => (d.get().import_line)(line),
                                                    (None, Some(entry)) => (d.get().import_entry)(entry),
                                                    (None, None) => String::new(),
                                                };
                                                view! { <li>{place} " " {e.reason.clone()}</li> }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                            Err(_) => view! { <p class="field-error">{dtr(|s| s.import_failed)}</p> }.into_any(),
                        })
                }}
            </div>

            <h2>{dtr(|s| s.add_staff_title)}</h2>
            <form on:submit=add>
                <div class="field">
                    <label for="new-username">{dtr(|s| s.sign_in_username)}</label>
                    <input id="new-username" type="text" autocomplete="off" prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="new-display-name">{dtr(|s| s.add_staff_name)}</label>
                    <input id="new-display-name" type="text" autocomplete="off" prop:value=move || display_name.get()
                        on:input=move |ev| display_name.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="new-role">{dtr(|s| s.add_staff_role)}</label>
                    <select id="new-role" on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="front_desk" selected>{dtr(|s| s.role_front_desk)}</option>
                        <option value="admin">{dtr(|s| s.role_admin)}</option>
                    </select>
                </div>
                {password_field("new-password", |s| s.add_staff_password, password, "new-password")}
                <button type="submit" class="primary" id="add-staff">{dtr(|s| s.add_staff_button)}</button>
            </form>
            <div role="status" aria-live="polite">
                {move || added.get().map(|ok| {
                    let text = if ok { dtr(|s| s.add_staff_done) } else { dtr(|s| s.add_staff_failed) };
                    view! { <p id="add-staff-result">{text}</p> }
                })}
            </div>
        </details>
    }
}
