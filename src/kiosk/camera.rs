//! The tablet's camera, for photographing insurance cards and reading QR passes.

use leptos::prelude::window;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaStream, MediaStreamConstraints};

/// Which camera: `"environment"` faces away from the patient (a card held behind the
/// tablet), `"user"` faces them (a phone's pass held up to the screen).
pub async fn start(facing: &str) -> Result<MediaStream, JsValue> {
    let devices = window().navigator().media_devices()?;
    let constraints = MediaStreamConstraints::new();
    let video = js_sys::Object::new();
    js_sys::Reflect::set(&video, &"facingMode".into(), &facing.into())?;
    constraints.set_video(&video);
    let stream = JsFuture::from(devices.get_user_media_with_constraints(&constraints)?).await?;
    Ok(stream.unchecked_into())
}

/// Turns the camera off (its light too).
pub fn stop(stream: &MediaStream) {
    stream.get_tracks().for_each(&mut |track, _, _| {
        track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
    });
}
