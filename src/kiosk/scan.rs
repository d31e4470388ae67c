//! "Scan my pass": the tablet's front camera reads the pass's QR code (decoded here, in wasm,
//! with rqrr), then the pass is looked up as if its code had been typed.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement};

use super::pass::{redeem, refusal_text};
use super::{camera, Flow, NavButtons};
use crate::app::{strings, tr};

/// Frames are read at this size at most: a pass held up to the camera fills enough of it.
const FRAME_WIDTH: f64 = 640.0;
/// How often a frame is read, in ms.
const EVERY_MS: u64 = 200;

#[derive(Clone, Copy, PartialEq)]
enum Camera {
    Starting,
    Live,
    Unavailable,
}

pub fn page() -> AnyView {
    view! { <Scanner /> }.into_any()
}

#[component]
fn Scanner() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let s = strings();
    let camera_state = RwSignal::new(Camera::Starting);
    let live = camera::LiveCamera::new();
    let video = live.video;
    let refusal = RwSignal::new(None);
    let looking = StoredValue::new(true);
    spawn_local(async move {
        let state = if live.open("user").await {
            Camera::Live
        } else {
            Camera::Unavailable
        };
        camera_state.try_set(state);
    });
    let canvas: Option<HtmlCanvasElement> = document().create_element("canvas").ok().map(JsCast::unchecked_into);
    let timer = set_interval_with_handle(
        move || {
            if !looking.try_get_value().unwrap_or(false) {
                return;
            }
            let (Some(video), Some(canvas)) = (video.get_untracked(), canvas.as_ref()) else {
                return;
            };
            let Some(token) = read_qr(&video, canvas) else {
                return;
            };
            looking.set_value(false);
            spawn_local(async move {
                let refused = redeem(flow, token).await;
                if refused.is_some() {
                    refusal.try_set(refused);
                    // Let the patient try again with the same or another pass.
                    looking.try_set_value(true);
                }
            });
        },
        std::time::Duration::from_millis(EVERY_MS),
    )
    .ok();
    on_cleanup(move || {
        if let Some(timer) = timer {
            timer.clear();
        }
    });

    view! {
        <section class="scan" aria-labelledby="scan-title">
            <h1 id="scan-title">{tr(|s| s.scan_title)}</h1>
            <p class="lead">{tr(|s| s.scan_lead)}</p>
            <p class="field-error" id="scan-error" role="alert">{move || refusal.get().map(|why| refusal_text(s.get(), why))}</p>
            {move || match camera_state.get() {
                Camera::Starting => view! { <p role="status">{tr(|s| s.one_moment)}</p> }.into_any(),
                Camera::Live => view! {
                    <video class="camera" id="scan-video" node_ref=video autoplay=true muted=true playsinline=true aria-label=tr(|s| s.scan_title)></video>
                }.into_any(),
                Camera::Unavailable => view! { <p class="notice" id="scan-no-camera">{tr(|s| s.scan_no_camera)}</p> }.into_any(),
            }}
            <NavButtons />
        </section>
    }
}

/// The text of a QR code in the video's current frame, if there is one.
fn read_qr(video: &HtmlVideoElement, canvas: &HtmlCanvasElement) -> Option<String> {
    let (width, height) = (f64::from(video.video_width()), f64::from(video.video_height()));
    if width < 1.0 || height < 1.0 {
        return None;
    }
    let scale = (FRAME_WIDTH / width).min(1.0);
    let (w, h) = ((width * scale).round() as u32, (height * scale).round() as u32);
    canvas.set_width(w);
    canvas.set_height(h);
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.unchecked_into();
    context
        .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, f64::from(w), f64::from(h))
        .ok()?;
    let rgba = context
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .ok()?
        .data();
    let grey = |x: usize, y: usize| {
        let i = (y * w as usize + x) * 4;
        // Luma from the green channel and a little red/blue: enough for black on white.
        ((u32::from(rgba[i]) * 77 + u32::from(rgba[i + 1]) * 150 + u32::from(rgba[i + 2]) * 29) >> 8) as u8
    };
    crate::qr::decode(w as usize, h as usize, grey)
}
