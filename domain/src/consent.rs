//! Consents the patient signs at the kiosk: what a signature is (strokes kept as SVG path
//! data) and what makes one acceptable. The kiosk builds the path with `stroke_path`; the server
//! accepts only what `validate_signature` accepts.

use serde::{Deserialize, Serialize};

/// The signature pad's coordinate space (an SVG viewBox `0 0 PAD_WIDTH PAD_HEIGHT`).
pub const PAD_WIDTH: f64 = 600.0;
pub const PAD_HEIGHT: f64 = 200.0;
/// The same, as the SVG `viewBox` (a literal: float formatting is costly in the kiosk's wasm).
pub const PAD_VIEW_BOX: &str = "0 0 600 200";
/// Enough for a long, shaky signature at one decimal, far below the API's body limit.
pub const MAX_PATH_LEN: usize = 24_000;
/// A mark smaller than this (in pad units, both ways) is a tap, not a signature.
const MIN_EXTENT: f64 = 20.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureError {
    /// Nothing drawn.
    Missing,
    /// Drawn, but too small to be a signature.
    TooSmall,
    TooLong,
    /// Not path data this pad produces.
    Malformed,
}

/// One stroke (pointer down → up) as SVG path data: `M x y L x y …`, one decimal place,
/// clamped to the pad.
pub fn stroke_path(points: &[(f64, f64)]) -> String {
    let mut path = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let x = x.clamp(0.0, PAD_WIDTH);
        let y = y.clamp(0.0, PAD_HEIGHT);
        if !path.is_empty() {
            path.push(' ');
        }
        path.push_str(&format!(
            "{} {} {}",
            if i == 0 { 'M' } else { 'L' },
            tenths(x),
            tenths(y)
        ));
    }
    path
}

/// `v` (≥ 0) to one decimal place, without float formatting.
fn tenths(v: f64) -> String {
    let t = (v * 10.0).round() as u64;
    format!("{}.{}", t / 10, t % 10)
}

/// Checks path data from the pad: only `M`/`L` commands with two numbers each, inside the
/// pad, starting with `M`, and spanning enough of the pad to be a signature.
pub fn validate_signature(path: &str) -> Result<(), SignatureError> {
    let path = path.trim();
    if path.is_empty() {
        return Err(SignatureError::Missing);
    }
    if path.len() > MAX_PATH_LEN {
        return Err(SignatureError::TooLong);
    }
    let mut tokens = path.split_ascii_whitespace();
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let mut first = true;
    while let Some(command) = tokens.next() {
        match command {
            "M" => {}
            "L" if !first => {}
            _ => return Err(SignatureError::Malformed),
        }
        first = false;
        let mut number = || {
            tokens
                .next()
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|n| n.is_finite())
                .ok_or(SignatureError::Malformed)
        };
        let (x, y) = (number()?, number()?);
        if !(0.0..=PAD_WIDTH).contains(&x) || !(0.0..=PAD_HEIGHT).contains(&y) {
            return Err(SignatureError::Malformed);
        }
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    if max_x - min_x < MIN_EXTENT && max_y - min_y < MIN_EXTENT {
        return Err(SignatureError::TooSmall);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_box_is_the_pad() {
        assert_eq!(PAD_VIEW_BOX, format!("0 0 {PAD_WIDTH} {PAD_HEIGHT}"));
    }

    #[test]
    fn strokes_from_the_pad_are_accepted() {
        let first = stroke_path(&[(10.0, 150.0), (40.26, 60.0), (80.0, 140.0)]);
        assert_eq!(first, "M 10.0 150.0 L 40.3 60.0 L 80.0 140.0");
        let second = stroke_path(&[(100.0, 100.0), (700.0, -5.0)]);
        assert_eq!(second, "M 100.0 100.0 L 600.0 0.0", "clamped to the pad");
        assert_eq!(validate_signature(&format!("{first} {second}")), Ok(()));
    }

    #[test]
    fn what_is_not_a_signature_is_refused() {
        let cases = [
            ("", SignatureError::Missing),
            ("   ", SignatureError::Missing),
            ("M 10 10", SignatureError::TooSmall),
            ("M 10 10 L 12 14", SignatureError::TooSmall),
            ("L 10 10 L 100 100", SignatureError::Malformed),
            ("M 10 10 C 1 2 3 4 5 6", SignatureError::Malformed),
            ("M 10 10 L 100", SignatureError::Malformed),
            ("M 10 10 L NaN 50", SignatureError::Malformed),
            ("M 10 10 L 601 50", SignatureError::Malformed),
            ("M 10 10 L 100 -1", SignatureError::Malformed),
            ("M 10 10 L 100 100\"/><script>", SignatureError::Malformed),
        ];
        for (path, expected) in cases {
            assert_eq!(validate_signature(path), Err(expected), "{path:?}");
        }
        let long = format!("M 1 1 {}", "L 100.0 100.0 ".repeat(2000));
        assert_eq!(validate_signature(&long), Err(SignatureError::TooLong));
    }
}
