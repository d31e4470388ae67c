//! A signature pad: the finger's strokes, captured with pointer events and kept as SVG path
//! data in the pad's own coordinates (`consent::PAD_WIDTH` × `PAD_HEIGHT`). What is drawn on
//! screen is exactly the path that is stored.

use arrive_domain::consent::{stroke_path, PAD_HEIGHT, PAD_VIEW_BOX, PAD_WIDTH};
use leptos::ev::PointerEvent;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The strokes drawn so far, as path data (empty when nothing is drawn).
pub fn path_of(strokes: &[Vec<(f64, f64)>]) -> String {
    strokes
        .iter()
        .map(|s| stroke_path(s))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn SignaturePad(
    strokes: RwSignal<Vec<Vec<(f64, f64)>>>,
    label: Signal<&'static str>,
    described_by: &'static str,
    invalid: Signal<bool>,
) -> impl IntoView {
    let drawing = RwSignal::new(false);

    // Where the pointer is, in pad units, whatever size the pad is shown at.
    let point = |ev: &PointerEvent| -> Option<(f64, f64)> {
        let pad = ev.current_target()?.dyn_into::<web_sys::Element>().ok()?;
        let rect = pad.get_bounding_client_rect();
        if rect.width() <= 0.0 || rect.height() <= 0.0 {
            return None;
        }
        let x = (f64::from(ev.client_x()) - rect.left()) * PAD_WIDTH / rect.width();
        let y = (f64::from(ev.client_y()) - rect.top()) * PAD_HEIGHT / rect.height();
        Some((x, y))
    };
    let down = move |ev: PointerEvent| {
        ev.prevent_default();
        if let Some(pad) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            // Keeps the stroke when the finger leaves the pad; a synthetic pointer may refuse.
            let _ = pad.set_pointer_capture(ev.pointer_id());
        }
        if let Some(p) = point(&ev) {
            drawing.set(true);
            strokes.update(|s| s.push(vec![p]));
        }
    };
    let moved = move |ev: PointerEvent| {
        if !drawing.get_untracked() {
            return;
        }
        ev.prevent_default();
        if let Some(p) = point(&ev) {
            strokes.update(|s| {
                if let Some(stroke) = s.last_mut() {
                    if stroke.last() != Some(&p) {
                        stroke.push(p);
                    }
                }
            });
        }
    };
    let up = move |_: PointerEvent| drawing.set(false);

    view! {
        <svg
            id="signature-pad"
            class="signature-pad"
            class:invalid=move || invalid.get()
            viewBox=PAD_VIEW_BOX
            role="img"
            aria-label=move || label.get()
            aria-describedby=described_by
            on:pointerdown=down
            on:pointermove=moved
            on:pointerup=up
            on:pointercancel=up
        >
            <line x1="20" y1="160" x2="580" y2="160" class="signature-line" />
            <path
                id="signature-path"
                d=move || strokes.with(|s| path_of(s))
                fill="none"
                stroke="currentColor"
                stroke-width="3"
                stroke-linecap="round"
                stroke-linejoin="round"
            />
        </svg>
    }
}
