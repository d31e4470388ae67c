//! The board: today's schedule, updated live from Server-Sent Events.
//!
//! On every (re)connection the board reloads the whole day, and the browser's EventSource
//! sends Last-Event-ID, so a dropped network or a server restart loses no arrival.

use std::time::Duration;

use arrive_domain::api::{DeskAppointment, DeskDay, DeskHelp, KioskStep};
use arrive_domain::AppointmentStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};

use super::admin::Administration;
use super::chime::chime;
use super::detail::Detail;
use super::metrics::Metrics;
use super::staff_accounts::StaffAccounts;
use super::strings::{desk_strings, dtr, DeskStrings};
use super::tablets::KioskTablets;
use super::Staff;
use crate::api;
use crate::app::{strings, LanguageToggle};
use crate::clock::{instant_ms, now_ms};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Connection {
    Connecting,
    Live,
}

#[component]
pub fn Board() -> impl IntoView {
    let s = strings();
    let ds = desk_strings();
    let staff = expect_context::<Staff>();
    let day = RwSignal::new(None::<DeskDay>);
    let selected = RwSignal::new(None::<i64>);
    let connection = RwSignal::new(Connection::Connecting);
    let now = RwSignal::new(now_ms());

    let reload = move || {
        staff.load(api::desk_day(), move |fresh| {
            day.try_set(Some(fresh));
        })
    };
    reload();
    listen(day, connection, reload);
    if let Ok(ticker) = set_interval_with_handle(move || now.set(now_ms()), Duration::from_secs(30)) {
        on_cleanup(move || ticker.clear());
    }

    let sign_out = move |_| {
        let csrf = staff.0.with_untracked(|s| s.as_ref().map(|s| s.csrf_token.clone()));
        spawn_local(async move {
            if let Some(csrf) = csrf {
                let _ = api::logout(&csrf).await;
            }
            staff.0.try_set(None);
        });
    };

    let summary = move || {
        day.with(|d| {
            d.as_ref().map(|d| {
                let arrived = d
                    .appointments
                    .iter()
                    .filter(|a| a.status == AppointmentStatus::Arrived)
                    .count();
                (ds.get().desk_summary)(arrived, d.appointments.len())
            })
        })
    };
    view! {
        <div class="desk">
            <header class="topbar">
                <h1 class="brand">
                    {dtr(|s| s.desk_title)}
                    {move || day.with(|d| d.as_ref().map(|d| format!(" · {}", d.clinic)))}
                </h1>
                <span class="connection" id="connection" role="status" class:live=move || connection.get() == Connection::Live>
                    {move || match connection.get() {
                        Connection::Live => ds.get().desk_live,
                        Connection::Connecting => ds.get().desk_reconnecting,
                    }}
                </span>
                <span class="staff-name" id="staff-name">
                    {move || staff.0.with(|s| s.as_ref().map(|s| s.display_name.clone()))}
                </span>
                <button type="button" class="secondary" id="sign-out" on:click=sign_out>
                    {dtr(|s| s.sign_out)}
                </button>
                <LanguageToggle />
            </header>
            <main id="main" class="board">
                <div class="help-alerts" role="alert">
                    {move || {
                        day.with(|d| {
                            d.iter()
                                .flat_map(|d| d.help_requests.iter())
                                .map(|h| view! { <HelpBanner help=h.clone() /> })
                                .collect_view()
                        })
                    }}
                </div>
                <div class="urgent-alerts" role="alert">
                    {move || {
                        day.with(|d| {
                            d.iter()
                                .flat_map(|d| d.appointments.iter())
                                .filter(|a| a.needs_attention_now)
                                .map(|a| {
                                    let (patient, starts_at) = (a.patient.clone(), a.starts_at.clone());
                                    let who = move || format!("{patient} ({})", s.get().clock.show(&starts_at));
                                    view! { <p class="urgent-banner">{move || (ds.get().desk_urgent_banner)(&who())}</p> }
                                })
                                .collect_view()
                        })
                    }}
                </div>
                <p class="summary" id="summary" aria-live="polite">{summary}</p>
                {move || {
                    selected
                        .get()
                        .map(|id| view! { <Detail appointment_id=id on_close=move || selected.set(None) /> })
                }}
                {move || match day.get() {
                    None => view! { <p>{dtr(|s| s.desk_loading)}</p> }.into_any(),
                    Some(d) if d.appointments.is_empty() => view! { <p>{dtr(|s| s.desk_empty)}</p> }.into_any(),
                    Some(_) => view! { <BoardTable day now selected /> }.into_any(),
                }}
                <Metrics />
                <p class="pre-export">
                    <a class="button-link" id="pre-export" href=api::PRE_REGISTRATION_CSV_URL download="pre-registration-links.csv">
                        {dtr(|s| s.pre_export)}
                    </a>
                </p>
                {move || {
                    staff
                        .0
                        .with(|s| s.as_ref().is_some_and(|s| s.role == "admin"))
                        .then(|| view! { <KioskTablets /> <StaffAccounts /> <Administration on_imported=reload /> })
                }}
            </main>
        </div>
    }
}

#[component]
fn BoardTable(day: RwSignal<Option<DeskDay>>, now: RwSignal<f64>, selected: RwSignal<Option<i64>>) -> impl IntoView {
    let rows = move || day.with(|d| d.as_ref().map(|d| d.appointments.clone()).unwrap_or_default());
    let wait = day.with_untracked(|d| {
        d.as_ref()
            .map_or((0, 0), |d| (d.wait_amber_minutes, d.wait_red_minutes))
    });
    view! {
        <table class="arrivals">
            <thead>
                <tr>
                    <th scope="col">{dtr(|s| s.desk_time)}</th>
                    <th scope="col">{dtr(|s| s.desk_patient)}</th>
                    <th scope="col">{dtr(|s| s.desk_provider)}</th>
                    <th scope="col">{dtr(|s| s.desk_status)}</th>
                    <th scope="col">{dtr(|s| s.desk_arrived_at)}</th>
                    <th scope="col">
                        <span class="visually-hidden">{dtr(|s| s.desk_details)}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                <For each=rows key=|a| (a.id, a.status, a.arrived_at.clone(), a.needs_attention_now, a.forms_incomplete, a.insurance_problem, a.insurance_ask_at_desk, a.details_changed, a.insurance_changed, a.self_pay) let:appointment>
                    <BoardRow appointment now selected wait />
                </For>
            </tbody>
        </table>
    }
}

#[component]
fn BoardRow(
    appointment: DeskAppointment,
    now: RwSignal<f64>,
    selected: RwSignal<Option<i64>>,
    wait: (u32, u32),
) -> impl IntoView {
    let id = appointment.id;
    let patient = appointment.patient.clone();
    let s = strings();
    let ds = desk_strings();
    let status = appointment.status;
    // The instant, for minutes waited; the clinic's wall clock (as the server gives it, never
    // this computer's time zone), for the time shown.
    let arrived_ms = appointment.arrived_at.as_deref().and_then(instant_ms);
    let arrived_clock = appointment.arrived_at_clinic_time.clone();
    // Minutes waited since arrival, while the patient is still waiting (not yet roomed).
    let waited = move || {
        arrived_ms
            .filter(|_| status == AppointmentStatus::Arrived)
            .map(|at_ms| ((now.get() - at_ms) / 60_000.0).max(0.0).floor() as u32)
    };
    let wait_level = move || match waited() {
        Some(m) if wait.1 > 0 && m >= wait.1 => "wait-red",
        Some(m) if wait.0 > 0 && m >= wait.0 => "wait-amber",
        _ => "",
    };
    let arrived_cell = arrived_clock.map(|clock| {
        move || {
            let shown = s.get().clock.show(&clock);
            match waited() {
                Some(minutes) => format!("{shown} ({minutes} min)"),
                None => shown,
            }
        }
    });
    let starts_at = appointment.starts_at.clone();
    let starts_at = move || s.get().clock.show(&starts_at);
    view! {
        <tr
            id=format!("appointment-{}", appointment.id)
            class=format!("status-{}", status.as_str())
            class:needs-attention=appointment.needs_attention_now
        >
            <td class="time">{starts_at}</td>
            <td class="patient">{appointment.patient}</td>
            <td>{appointment.provider}</td>
            <td>
                <span class="pill" data-status=status.as_str()>
                    {move || match status {
                        AppointmentStatus::Scheduled => ds.get().status_scheduled,
                        AppointmentStatus::Arrived => ds.get().status_arrived,
                        AppointmentStatus::Roomed => ds.get().status_roomed,
                        AppointmentStatus::NoShow => ds.get().status_no_show,
                    }}
                </span>
                {pill(appointment.needs_attention_now, "urgent", |s| s.desk_see_now)}
                {pill(appointment.forms_incomplete, "flag", |s| s.desk_forms_incomplete)}
                {pill(appointment.insurance_problem, "flag", |s| s.desk_insurance_problem)}
                {pill(appointment.insurance_ask_at_desk, "flag", |s| s.pill_ask_at_desk)}
                {pill(appointment.details_changed, "info", |s| s.pill_details_changed)}
                {pill(appointment.insurance_changed, "info", |s| s.pill_insurance_changed)}
                {pill(appointment.self_pay, "info", |s| s.pill_self_pay)}
            </td>
            <td class=move || format!("arrived {}", wait_level())>
                {arrived_cell}
                {move || (wait_level() == "wait-red").then(|| view! { " " <strong>{dtr(|s| s.desk_long_wait)}</strong> })}
            </td>
            <td>
                <button
                    type="button"
                    class="secondary open-detail"
                    id=format!("open-{id}")
                    on:click=move |_| selected.set(Some(id))
                >
                    {dtr(|s| s.desk_details)}
                    <span class="visually-hidden">" " {patient}</span>
                </button>
            </td>
        </tr>
    }
}

/// A row's flag (`kind`: urgent, flag or info), when `shown`.
fn pill(shown: bool, kind: &'static str, label: fn(&DeskStrings) -> &'static str) -> impl IntoView {
    shown.then(|| view! { <span class=format!("pill {kind}")>{dtr(label)}</span> })
}

#[component]
fn HelpBanner(help: DeskHelp) -> impl IntoView {
    let ds = desk_strings();
    let staff = expect_context::<Staff>();
    let id = help.id;
    let kiosk = help.kiosk.clone();
    let step = help.step;
    let banner = if help.cannot_speak {
        |s: &DeskStrings| s.desk_help_cannot_speak
    } else {
        |s: &DeskStrings| s.desk_help_banner
    };
    let acknowledge = move |_| {
        let csrf = staff.csrf();
        spawn_local(async move {
            if let Err(failure) = api::acknowledge_help(id, &csrf).await {
                staff.handle(&failure);
            }
        });
    };
    view! {
        <p class="urgent-banner help-banner" id=format!("help-{id}")>
            {move || banner(ds.get())(&kiosk, step_name(ds.get(), step))}
            " "
            <button type="button" class="secondary" on:click=acknowledge>{dtr(|s| s.desk_help_ack)}</button>
        </p>
    }
}

fn step_name(s: &DeskStrings, step: KioskStep) -> &'static str {
    match step {
        KioskStep::Welcome => s.step_welcome,
        KioskStep::Identify => s.step_identify,
        KioskStep::Confirm => s.step_confirm,
        KioskStep::Details => s.step_details,
        KioskStep::Insurance => s.step_insurance,
        KioskStep::Forms => s.step_forms,
        KioskStep::Payment => s.step_payment,
        KioskStep::Review => s.step_review,
        KioskStep::Consents => s.step_consents,
        KioskStep::Ready => s.step_ready,
        KioskStep::Done => s.step_done,
        KioskStep::NotFound => s.step_not_found,
        KioskStep::Several => s.step_several,
    }
}

/// Opens the event stream; each `appointment` event replaces that row, and each (re)open
/// reloads the day.
fn listen(day: RwSignal<Option<DeskDay>>, connection: RwSignal<Connection>, reload: impl Fn() + Copy + 'static) {
    let Ok(source) = EventSource::new(api::DESK_EVENTS_URL) else {
        return;
    };
    let on_open = Closure::<dyn Fn()>::new(move || {
        connection.try_set(Connection::Live);
        reload();
    });
    let on_error = Closure::<dyn Fn()>::new(move || {
        connection.try_set(Connection::Connecting);
    });
    let on_appointment = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(data) = event.data().as_string() else { return };
        let Ok(changed) = serde_json::from_str::<DeskAppointment>(&data) else {
            return;
        };
        let mut newly_urgent = false;
        day.try_update(|d| {
            if let Some(row) = d
                .as_mut()
                .and_then(|d| d.appointments.iter_mut().find(|a| a.id == changed.id))
            {
                newly_urgent = changed.needs_attention_now && !row.needs_attention_now;
                *row = changed;
            }
        });
        if newly_urgent {
            chime();
        }
    });
    let on_help = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(data) = event.data().as_string() else { return };
        let Ok(help) = serde_json::from_str::<DeskHelp>(&data) else {
            return;
        };
        let acknowledged = help.acknowledged;
        day.try_update(|d| {
            if let Some(d) = d.as_mut() {
                d.help_requests.retain(|h| h.id != help.id);
                if !help.acknowledged {
                    d.help_requests.push(help);
                }
            }
        });
        if !acknowledged {
            chime();
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let _ = source.add_event_listener_with_callback("appointment", on_appointment.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("help", on_help.as_ref().unchecked_ref());
    // The day's appointments changed (a schedule import): load it again.
    let on_schedule = Closure::<dyn Fn()>::new(reload);
    let _ = source.add_event_listener_with_callback("schedule", on_schedule.as_ref().unchecked_ref());
    let closures = StoredValue::new_local((on_open, on_error, on_appointment, on_help, on_schedule));
    on_cleanup(move || {
        source.close();
        closures.dispose();
    });
}
