//! The pass scanner's decoder in wasm, in headless Chromium, on 640 × 480 frames like those
//! the tablet's camera gives: a pass's QR code is read back exactly, and a frame without one
//! reads as nothing. Each run also prints the decode time per frame, which
//! `cargo xtask bench` reports (no timing is asserted: these machines are noisy).
#![cfg(target_arch = "wasm32")]

use arrive_kiosk::qr;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const WIDTH: usize = 640;
const HEIGHT: usize = 480;
/// Frames decoded for each timing.
const FRAMES: usize = 20;

/// A 640 × 480 grey frame: `text` as a QR code of `scale`-pixel modules on white, off centre,
/// with a little sensor noise; or (no text) an empty white-ish frame.
fn frame(text: Option<&str>, scale: usize) -> Vec<u8> {
    let mut pixels = vec![0u8; WIDTH * HEIGHT];
    let code = text.map(|t| qrcode::QrCode::new(t.as_bytes()).expect("a QR code"));
    let (modules, colors) = code.as_ref().map_or((0, Vec::new()), |c| (c.width(), c.to_colors()));
    let (left, top) = (WIDTH / 3, HEIGHT / 5);
    let mut noise: u32 = 12345;
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            noise = noise.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let jitter = (noise >> 16) as u8 % 24;
            let module = (x >= left && y >= top)
                .then(|| ((x - left) / scale, (y - top) / scale))
                .filter(|(mx, my)| *mx < modules && *my < modules);
            let dark = module.is_some_and(|(mx, my)| colors[my * modules + mx] == qrcode::Color::Dark);
            pixels[y * WIDTH + x] = if dark { 20 + jitter } else { 210 + jitter };
        }
    }
    pixels
}

/// Decodes `pixels` `FRAMES` times: (what was read, mean ms per frame).
fn timed_decode(pixels: &[u8]) -> (Option<String>, f64) {
    let start = js_sys::Date::now();
    let mut read = None;
    for _ in 0..FRAMES {
        read = qr::decode(WIDTH, HEIGHT, |x, y| pixels[y * WIDTH + x]);
    }
    (read, (js_sys::Date::now() - start) / FRAMES as f64)
}

#[wasm_bindgen_test]
fn a_pass_in_a_640_by_480_frame_is_read_back_and_an_empty_frame_reads_as_nothing() {
    // What a pass's QR code holds: 32 hex characters of an arrival token.
    let token = "5f0c9e1d2b3a47c8a1e2f3d4c5b6a798";
    let (read, with_pass_ms) = timed_decode(&frame(Some(token), 8));
    assert_eq!(read.as_deref(), Some(token));
    let (read_far, far_ms) = timed_decode(&frame(Some(token), 4));
    assert_eq!(read_far.as_deref(), Some(token), "a pass held further away");
    let (nothing, empty_ms) = timed_decode(&frame(None, 8));
    assert_eq!(nothing, None);
    console_log!(
        "qr-decode 640x480 in wasm: pass {with_pass_ms:.1} ms, pass held further away {far_ms:.1} ms, no pass {empty_ms:.1} ms per frame (mean of {FRAMES})"
    );
}
