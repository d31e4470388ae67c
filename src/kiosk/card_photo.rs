//! Photos of a new insurance card, front and back, from the tablet's camera: a live preview
//! and a "Take the photo" button; where there is no camera (or it is refused), a file input
//! instead. Each photo is scaled down and compressed here to a JPEG of at most 300 KiB, kept
//! in memory only (never in browser storage), and sent with the check-in (review.rs).

use arrive_domain::api::CardSide as Side;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::camera;
use super::Flow;
use crate::app::tr;

/// What the server accepts (decoded JPEG bytes).
const MOST_BYTES: usize = 300 * 1024;
/// The longest side of a photo: enough to read a member ID, small enough to send quickly.
const LONGEST_SIDE: f64 = 1280.0;

#[derive(Clone, Copy, PartialEq)]
enum Camera {
    Closed,
    Starting,
    Live,
    /// No camera, or the browser refused it: the file input is offered instead.
    Unavailable,
}

/// Front and back of the card of coverage `rank` (0 primary, 1 secondary).
#[component]
pub fn CardPhotos(rank: usize) -> impl IntoView {
    let suffix = if rank == 0 { "" } else { "-2" };
    view! {
        <fieldset class="field card-photos">
            <legend>{tr(|s| s.card_photos)}</legend>
            <p class="hint">{tr(|s| s.card_photos_hint)}</p>
            <CardSide rank side=Side::Front id=format!("card-front{suffix}") />
            <CardSide rank side=Side::Back id=format!("card-back{suffix}") />
        </fieldset>
    }
}

/// One side: its photo (or none yet), and the camera or file input to take it.
#[component]
fn CardSide(rank: usize, side: Side, id: String) -> impl IntoView {
    let photo = expect_context::<Flow>().draft.coverages[rank].card_photo(side);
    let camera = RwSignal::new(Camera::Closed);
    let live = camera::LiveCamera::new();
    let video = live.video;
    let problem = RwSignal::new(false);

    let open = move |_| {
        problem.set(false);
        camera.set(Camera::Starting);
        spawn_local(async move {
            // The camera facing away from the patient, where a tablet has two.
            let state = if live.open("environment").await {
                Camera::Live
            } else {
                Camera::Unavailable
            };
            camera.try_set(state);
        });
    };
    let capture = move |_| {
        let Some(video) = video.get_untracked() else { return };
        let (width, height) = (f64::from(video.video_width()), f64::from(video.video_height()));
        let draw = |context: &CanvasRenderingContext2d, w, h| {
            context.draw_image_with_html_video_element_and_dw_and_dh(&video, 0.0, 0.0, w, h)
        };
        match compress(draw, width, height) {
            Some(jpeg) => {
                photo.set(Some(jpeg));
                live.stop();
                camera.set(Camera::Closed);
            }
            None => problem.set(true),
        }
    };
    let cancel = move |_| {
        live.stop();
        camera.set(Camera::Closed);
    };
    let chosen = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        spawn_local(async move {
            match from_file(&file).await {
                Some(jpeg) => {
                    photo.try_set(Some(jpeg));
                    camera.try_set(Camera::Closed);
                }
                None => {
                    problem.try_set(true);
                }
            }
        });
    };

    let (label, take_label, retake_label) = if side == Side::Front {
        (tr(|s| s.card_front), tr(|s| s.take_front), tr(|s| s.retake_front))
    } else {
        (tr(|s| s.card_back), tr(|s| s.take_back), tr(|s| s.retake_back))
    };
    let (take_id, video_id, capture_id, file_id) = (
        format!("{id}-take"),
        format!("{id}-video"),
        format!("{id}-capture"),
        format!("{id}-file"),
    );
    view! {
        <div class="card-side" id=id>
            {move || photo.get().map(|jpeg| view! { <img class="card-thumb" src=jpeg alt=label /> })}
            {move || match camera.get() {
                Camera::Closed | Camera::Starting => view! {
                    <button type="button" class="secondary" id=take_id.clone() disabled=move || camera.get() == Camera::Starting on:click=open>
                        {move || if photo.with(Option::is_some) { retake_label() } else { take_label() }}
                    </button>
                }.into_any(),
                Camera::Live => view! {
                    <video class="camera" id=video_id.clone() node_ref=video autoplay=true muted=true playsinline=true aria-label=label></video>
                    <div class="camera-buttons">
                        <button type="button" class="primary" id=capture_id.clone() on:click=capture>{tr(|s| s.take_photo)}</button>
                        <button type="button" class="secondary" on:click=cancel>{tr(|s| s.cancel)}</button>
                    </div>
                }.into_any(),
                Camera::Unavailable => view! {
                    <p class="hint">{tr(|s| s.no_camera)}</p>
                    <label class="file-choice" for=file_id.clone()>{take_label}</label>
                    <input type="file" id=file_id.clone() accept="image/*" capture="environment" on:change=chosen />
                }.into_any(),
            }}
            <p class="field-error" role="alert">{move || problem.get().then(tr(|s| s.photo_failed))}</p>
        </div>
    }
}

/// A chosen picture file, through the same scaling and compression as a camera frame.
async fn from_file(file: &web_sys::File) -> Option<String> {
    let bitmap: web_sys::ImageBitmap = JsFuture::from(window().create_image_bitmap_with_blob(file).ok()?)
        .await
        .ok()?
        .unchecked_into();
    let (width, height) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    compress(
        |context: &CanvasRenderingContext2d, w, h| {
            context.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w, h)
        },
        width,
        height,
    )
}

/// Draws a picture `width` × `height` (with `draw`) at most LONGEST_SIDE across and encodes it
/// as a JPEG data URL of at most MOST_BYTES, lowering the quality (then the size) until it fits.
fn compress(
    draw: impl Fn(&CanvasRenderingContext2d, f64, f64) -> Result<(), JsValue>,
    width: f64,
    height: f64,
) -> Option<String> {
    if width < 1.0 || height < 1.0 {
        return None;
    }
    let mut scale = (LONGEST_SIDE / width.max(height)).min(1.0);
    let canvas: HtmlCanvasElement = document().create_element("canvas").ok()?.unchecked_into();
    let context: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.unchecked_into();
    for _ in 0..4 {
        let (w, h) = ((width * scale).round(), (height * scale).round());
        canvas.set_width(w as u32);
        canvas.set_height(h as u32);
        draw(&context, w, h).ok()?;
        for quality in [0.85, 0.7, 0.55] {
            let url = canvas
                .to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(quality))
                .ok()?;
            let base64 = url.len() - url.find(',')? - 1;
            if base64 / 4 * 3 <= MOST_BYTES {
                return Some(url);
            }
        }
        scale *= 0.7;
    }
    None
}
