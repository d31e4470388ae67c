//! The idle guard: after `IDLE_WARNING` without a touch or a key, "Are you still there?" with a
//! countdown; at its end (or on "Start over") every piece of patient data is dropped and the
//! welcome screen returns. While the dialog is open the rest of the page is inert, so focus
//! stays in it, and the patient's screen behind it is hidden (the kiosk's `concealed`), so
//! whoever walks up sees the question and nothing else; only "I need more time" keeps the
//! session.

use std::time::Duration;

use leptos::ev;
use leptos::prelude::*;

use super::speech::{self, SpeechControls};
use super::widgets::focus_id;
use super::{Flow, Step};
use crate::app::{strings, tr};
use crate::clock::now_ms;

/// Quiet this long and the kiosk asks whether the patient is still there …
pub const IDLE_WARNING: Duration = Duration::from_secs(60);
/// … and starts over this long after asking.
pub const IDLE_COUNTDOWN: Duration = Duration::from_secs(30);
/// On a phone at home people pause longer (to find an insurance card, say); what they said is
/// saved on the server, so starting over there only asks the birth date again.
pub const HOME_IDLE_WARNING: Duration = Duration::from_secs(10 * 60);
pub const HOME_IDLE_COUNTDOWN: Duration = Duration::from_secs(60);
/// Listening to a consent takes longer than reading it; any key then asks for more time.
pub const SPOKEN_IDLE_WARNING: Duration = Duration::from_secs(3 * 60);
pub const SPOKEN_IDLE_COUNTDOWN: Duration = Duration::from_secs(60);
/// In speech mode the countdown is spoken at these seconds left (and when the dialog opens).
const SPOKEN_COUNTDOWN_AT: [u32; 2] = [30, 10];

/// `left`: the seconds before starting over while the dialog is open, `None` when it is not.
#[component]
pub fn IdleGuard(left: RwSignal<Option<u32>>) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let s = strings();
    let last_activity = StoredValue::new(now_ms());
    // The id of what had focus when the dialog opened, to return focus there.
    let focus_before = StoredValue::new(String::new());
    let touch = move || {
        if left.get_untracked().is_none() {
            last_activity.set_value(now_ms());
        }
    };
    let handles = [
        window_event_listener(ev::pointerdown, move |_| touch()),
        window_event_listener(ev::keydown, move |_| touch()),
        // Reading a long consent with a mouse wheel is activity too.
        window_event_listener(ev::wheel, move |_| touch()),
    ];
    let limits = move || {
        let (warning, countdown) = if flow.at_home() {
            (HOME_IDLE_WARNING, HOME_IDLE_COUNTDOWN)
        } else if speech::is_on() {
            (SPOKEN_IDLE_WARNING, SPOKEN_IDLE_COUNTDOWN)
        } else {
            (IDLE_WARNING, IDLE_COUNTDOWN)
        };
        let warning_ms = warning.as_millis() as f64;
        (warning_ms, warning_ms + countdown.as_millis() as f64)
    };
    let tick = move || {
        let (warning_ms, end_ms) = limits();
        let idle = now_ms() - last_activity.get_value();
        // Nobody's data on screen: nothing to guard (a pass is no one's data but its holder's).
        if flow.step.with_untracked(|s| {
            matches!(
                s,
                Step::Welcome | Step::NotEnrolled | Step::Unlock | Step::LinkGone { .. } | Step::PassReady { .. }
            )
        }) {
            last_activity.set_value(now_ms());
            left.set(None);
        } else if idle >= end_ms {
            left.set(None);
            flow.start_over();
        } else if idle >= warning_ms {
            let seconds = ((end_ms - idle) / 1000.0).ceil() as u32;
            if left.get_untracked().is_none() {
                focus_before.set_value(document().active_element().map(|e| e.id()).unwrap_or_default());
                request_animation_frame(|| {
                    focus_id("more-time");
                    speech::screen_opened();
                });
            } else if SPOKEN_COUNTDOWN_AT.contains(&seconds) {
                speech::announce(&(s.get_untracked().still_there_lead)(seconds));
            }
            left.set(Some(seconds));
        }
    };
    let interval = set_interval_with_handle(tick, Duration::from_secs(1)).ok();
    on_cleanup(move || {
        for handle in handles {
            handle.remove();
        }
        if let Some(interval) = interval {
            interval.clear();
        }
    });

    let more_time = move |_| {
        last_activity.set_value(now_ms());
        left.set(None);
        // Once the page is no longer inert; a listening patient hears where they are again.
        request_animation_frame(move || {
            focus_id(&focus_before.get_value());
            speech::screen_opened();
        });
    };
    let start_over = move |_| {
        left.set(None);
        flow.start_over();
    };
    view! {
        <Show when=move || left.get().is_some()>
            <div class="modal-backdrop">
                <div
                    class="modal"
                    role="alertdialog"
                    aria-modal="true"
                    id="still-there"
                    aria-labelledby="still-there-title"
                    aria-describedby="still-there-text"
                >
                    <h2 id="still-there-title">{tr(|s| s.still_there)}</h2>
                    <p class="lead" id="still-there-text">
                        {move || (s.get().still_there_lead)(left.get().unwrap_or(0))}
                    </p>
                    <button type="button" class="primary big" id="more-time" on:click=more_time>
                        {tr(|s| s.more_time)}
                    </button>
                    <button type="button" class="secondary" id="still-there-start-over" on:click=start_over>
                        {tr(|s| s.start_over)}
                    </button>
                    <SpeechControls />
                </div>
            </div>
        </Show>
    }
}
