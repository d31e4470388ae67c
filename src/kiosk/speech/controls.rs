//! Speech mode's on-screen controls: Welcome's "Spoken guidance" button, and while speech is
//! on, a row of Repeat, Stop, Slower, Faster, Softer, Louder and "Turn speech off" under the
//! top bar and inside "Are you still there?" (the page behind that dialog is inert).

use leptos::prelude::*;

use super::{Cut, Speech, SpeechWords};
use crate::i18n::Lang;
use crate::kiosk::Flow;

/// Welcome's button: "Spoken guidance · Guía hablada", each half in its own language (the
/// loudspeaker before it is the style's, so it is never read out).
#[component]
pub fn SpeechStart() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let speech = flow.speech;
    let lang = expect_context::<RwSignal<Lang>>();
    let toggle = move |_| speech.toggle(lang.get_untracked());
    view! {
        <button
            type="button"
            class="secondary speech-start"
            id="speech-start"
            aria-pressed=move || if speech.on.get() { "true" } else { "false" }
            on:click=toggle
        >
            {Lang::ALL
                .into_iter()
                .enumerate()
                .map(|(i, l)| {
                    view! {
                        {(i > 0).then_some(" · ")}
                        <span lang=l.code()>{SpeechWords::of(l).start_label}</span>
                    }
                })
                .collect_view()}
        </button>
    }
}

/// Repeat, Stop, slower/faster, softer/louder, off: shown while speech is on.
#[component]
pub fn SpeechControls() -> impl IntoView {
    let speech = expect_context::<Flow>().speech;
    let lang = expect_context::<RwSignal<Lang>>();
    let words = move || SpeechWords::of(lang.get());
    let button = move |id: &'static str, label: fn(&SpeechWords) -> &'static str, act: fn(Speech)| {
        view! {
            <button type="button" class="secondary" id=id on:click=move |_| act(speech)>
                {move || label(words())}
            </button>
        }
    };
    view! {
        <Show when=move || speech.on.get()>
            <div class="speech-controls" role="group" aria-label=move || words().controls_label>
                {button("speech-repeat", |w| w.repeat, |s| s.repeat())}
                {button("speech-stop", |w| w.stop, |s| s.stop())}
                {button("speech-slower", |w| w.slower, |s| s.change_speed(-1))}
                {button("speech-faster", |w| w.faster, |s| s.change_speed(1))}
                {button("speech-softer", |w| w.softer, |s| s.change_volume(-1))}
                {button("speech-louder", |w| w.louder, |s| s.change_volume(1))}
                {button("speech-off", |w| w.turn_off, |s| s.turn_off())}
            </div>
        </Show>
    }
}

impl Speech {
    /// On in `lang` if it is off, off if it is on: the Welcome button and "Read aloud".
    pub fn toggle(&self, lang: Lang) {
        if self.on.get_untracked() {
            self.turn_off();
        } else {
            self.start(lang);
        }
    }

    /// The patient turned speech off: said once, then quiet.
    pub fn turn_off(&self) {
        let words = self.words();
        self.say(&[words.now_off.to_owned()], Cut::Always);
        self.on.set(false);
    }
}
