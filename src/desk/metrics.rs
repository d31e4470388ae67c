//! Today's numbers: arrivals per hour, time at the kiosk, abandonment, help requests.

use std::time::Duration;

use arrive_domain::api::DeskMetrics;
use leptos::prelude::*;

use super::strings::{desk_strings, dtr};
use super::Staff;
use crate::api;

#[component]
pub fn Metrics() -> impl IntoView {
    let d = desk_strings();
    let staff = expect_context::<Staff>();
    let metrics = RwSignal::new(None::<DeskMetrics>);
    let load = move || {
        staff.load(api::desk_metrics(), move |m| {
            metrics.try_set(Some(m));
        })
    };
    load();
    if let Ok(timer) = set_interval_with_handle(load, Duration::from_secs(60)) {
        on_cleanup(move || timer.clear());
    }
    view! {
        <details class="metrics" id="metrics">
            <summary>{dtr(|s| s.metrics_title)}</summary>
            {move || {
                metrics
                    .get()
                    .map(|m| {
                        let minutes = m
                            .median_kiosk_seconds
                            .map(|sec| format!("{}:{:02}", sec / 60, sec % 60))
                            .unwrap_or_else(|| "—".to_owned());
                        let pre = m
                            .pre_registered_share
                            .map(|p| format!("{:.0} %", p * 100.0))
                            .unwrap_or_else(|| "—".to_owned());
                        view! {
                            <dl>
                                <dt>{dtr(|s| s.metrics_kiosk_time)}</dt>
                                <dd id="metric-kiosk-time">{minutes}</dd>
                                <dt>{dtr(|s| s.metrics_abandoned)}</dt>
                                <dd id="metric-abandoned">{format!("{} / {}", m.kiosk_abandoned, m.kiosk_started)}</dd>
                                <dt>{dtr(|s| s.metrics_pre_registered)}</dt>
                                <dd>{pre}</dd>
                                <dt>{dtr(|s| s.metrics_help)}</dt>
                                <dd id="metric-help">{m.help_requests}</dd>
                            </dl>
                            <table class="arrivals-by-hour">
                                <caption>{dtr(|s| s.metrics_by_hour)}</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">{dtr(|s| s.desk_time)}</th>
                                        <th scope="col">{dtr(|s| s.status_arrived)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {m
                                        .arrivals_by_hour
                                        .iter()
                                        .map(|(hour, count)| {
                                            view! {
                                                <tr>
                                                    <td>{format!("{hour:02}:00")}</td>
                                                    <td>{*count}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                    })
            }}
            <button type="button" class="secondary" on:click=move |_| load()>{move || d.get().metrics_refresh}</button>
        </details>
    }
}
