//! The tablet's camera, for photographing insurance cards and reading QR passes.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaStream, MediaStreamConstraints};

/// A camera shown in a `<video>` (`node_ref=camera.video`): started by `open`, shown as soon as
/// both the stream and the element exist, and off — its light too — after `stop` or when the
/// component that made it goes, even if that happens while the camera is still starting.
#[derive(Clone, Copy)]
pub struct LiveCamera {
    stream: StoredValue<Option<MediaStream>, LocalStorage>,
    pub video: NodeRef<html::Video>,
}

impl LiveCamera {
    /// Made in a component, and stopped with it.
    pub fn new() -> Self {
        let camera = LiveCamera {
            stream: StoredValue::new_local(None),
            video: NodeRef::new(),
        };
        // The stream is not reactive: this runs when the <video> appears, which the caller
        // shows once `open` has answered.
        Effect::new(move |_| {
            if let (Some(video), Some(Some(live))) = (camera.video.get(), camera.stream.try_get_value()) {
                video.set_src_object(Some(&live));
                let _ = video.play();
            }
        });
        on_cleanup(move || camera.stop());
        camera
    }

    /// Starts the camera facing `facing`: `"environment"` faces away from the patient (a card
    /// held behind the tablet), `"user"` faces them (a phone's pass held up to the screen).
    /// False when there is none, or the browser was not allowed to use it.
    pub async fn open(self, facing: &str) -> bool {
        match start(facing).await {
            Ok(stream) => match self.stream.try_set_value(Some(stream)) {
                None => true,
                // The screen went while the camera started: nobody will stop it but us.
                Some(Some(orphan)) => {
                    stop(&orphan);
                    false
                }
                Some(None) => false,
            },
            Err(_) => false,
        }
    }

    /// Turns the camera off, if it is on.
    pub fn stop(self) {
        if let Some(stream) = self.stream.try_update_value(Option::take).flatten() {
            stop(&stream);
        }
    }
}

async fn start(facing: &str) -> Result<MediaStream, JsValue> {
    let devices = window().navigator().media_devices()?;
    let constraints = MediaStreamConstraints::new();
    let video = js_sys::Object::new();
    js_sys::Reflect::set(&video, &"facingMode".into(), &facing.into())?;
    constraints.set_video(&video);
    let stream = JsFuture::from(devices.get_user_media_with_constraints(&constraints)?).await?;
    Ok(stream.unchecked_into())
}

fn stop(stream: &MediaStream) {
    stream.get_tracks().for_each(&mut |track, _, _| {
        track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
    });
}
