//! Reading a QR code out of one camera frame, in wasm (rqrr: pure Rust, so every browser
//! behaves alike). Used by the kiosk's pass scanner; measured by `cargo xtask bench`.

/// The text of the first QR code found in a `width` × `height` frame whose brightness at
/// (x, y) is `luma(x, y)`.
pub fn decode(width: usize, height: usize, luma: impl FnMut(usize, usize) -> u8) -> Option<String> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}
