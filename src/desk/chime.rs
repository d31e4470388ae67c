//! A short two-tone chime for urgent flags and help requests, so a busy desk hears what it
//! has not seen. Best effort: a browser that blocks audio just stays silent.

use std::cell::RefCell;

thread_local! {
    static AUDIO: RefCell<Option<web_sys::AudioContext>> = const { RefCell::new(None) };
}

fn tone(context: &web_sys::AudioContext, frequency: f32, start: f64) -> Option<()> {
    let oscillator = context.create_oscillator().ok()?;
    let gain = context.create_gain().ok()?;
    oscillator.frequency().set_value(frequency);
    gain.gain().set_value(0.2);
    oscillator.connect_with_audio_node(&gain).ok()?;
    gain.connect_with_audio_node(&context.destination()).ok()?;
    oscillator.start_with_when(start).ok()?;
    oscillator.stop_with_when(start + 0.25).ok()
}

pub fn chime() {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = web_sys::AudioContext::new().ok();
        }
        if let Some(context) = audio.as_ref() {
            let now = context.current_time();
            let _ = tone(context, 880.0, now);
            let _ = tone(context, 660.0, now + 0.3);
        }
    });
}
