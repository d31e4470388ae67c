//! Pre-registration passes: the 6-character check-in code a patient types (or a scanner types)
//! at the kiosk, and the arrival window a pass is good for.

use chrono::{Duration, NaiveDateTime};

/// Letters and digits nobody mixes up reading a code off a phone or aloud: no 0/O/D/Q, 1/I/L,
/// 2/Z, 5/S, 8/B.
pub const CODE_ALPHABET: &[u8] = b"ACEFGHJKMNPRTUVWXY34679";
pub const CODE_LENGTH: usize = 6;

/// A code as typed: spaces and dashes dropped, lower case raised. `None` when it cannot be a
/// code (the wrong length or a character the alphabet lacks).
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// How early and how late a pass checks a patient in, around the appointment's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrivalWindow {
    pub minutes_before: i64,
    pub minutes_after: i64,
}

impl Default for ArrivalWindow {
    fn default() -> Self {
        ArrivalWindow {
            minutes_before: 60,
            minutes_after: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutsideWindow {
    TooEarly,
    TooLate,
}

impl ArrivalWindow {
    /// Whether arriving at `now` is within the window of an appointment at `starts_at` (both
    /// the clinic's local time, as the schedule keeps it).
    pub fn admits(&self, starts_at: NaiveDateTime, now: NaiveDateTime) -> Result<(), OutsideWindow> {
        if now < starts_at - Duration::minutes(self.minutes_before) {
            Err(OutsideWindow::TooEarly)
        } else if now > starts_at + Duration::minutes(self.minutes_after) {
            Err(OutsideWindow::TooLate)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_forgivingly_but_exactly() {
        assert_eq!(normalize_code(" k7m-x4r "), Some("K7MX4R".into()));
        assert_eq!(normalize_code("K7MX4"), None, "too short");
        assert_eq!(normalize_code("K7MX4RR"), None, "too long");
        assert_eq!(normalize_code("K7MX4O"), None, "O is not in the alphabet (0/O)");
        assert_eq!(normalize_code("K7MX4É"), None);
    }

    #[test]
    fn the_window_is_an_hour_before_to_half_an_hour_after_by_default() {
        let at = |s: &str| s.parse::<NaiveDateTime>().unwrap();
        let starts = at("2026-11-25T10:00:00");
        let window = ArrivalWindow::default();
        assert_eq!(
            window.admits(starts, at("2026-11-25T08:59:59")),
            Err(OutsideWindow::TooEarly)
        );
        assert_eq!(window.admits(starts, at("2026-11-25T09:00:00")), Ok(()));
        assert_eq!(window.admits(starts, at("2026-11-25T10:30:00")), Ok(()));
        assert_eq!(
            window.admits(starts, at("2026-11-25T10:30:01")),
            Err(OutsideWindow::TooLate)
        );
    }
}
