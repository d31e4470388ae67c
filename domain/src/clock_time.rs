//! The time of an appointment as a patient reads it: the clinic's wall clock ("HH:MM", as the
//! server sends it, already in the clinic's time zone) written the way the patient's language
//! usually writes it. US English and US Spanish both use a 12-hour clock: "1:00 PM",
//! "1:00 p. m." The spaces are no-break spaces, so a time never wraps across two lines.

/// How a language writes the time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockFormat {
    /// Before noon ("AM").
    pub am: &'static str,
    /// Noon and after ("PM").
    pub pm: &'static str,
}

impl ClockFormat {
    /// "1:00 PM"
    pub const ENGLISH: ClockFormat = ClockFormat { am: "AM", pm: "PM" };
    /// "1:00 p. m." (the abbreviations as the RAE and CLDR write them).
    pub const SPANISH: ClockFormat = ClockFormat {
        am: "a.\u{a0}m.",
        pm: "p.\u{a0}m.",
    };

    /// `"13:00"` → `"1:00 PM"`; `None` for anything that is not a time of day as `HH:MM`.
    pub fn format(&self, hhmm: &str) -> Option<String> {
        let (hours, minutes) = read_clock(hhmm)?;
        let period = if hours < 12 { self.am } else { self.pm };
        let hour = match hours % 12 {
            0 => 12,
            h => h,
        };
        Some(format!("{hour}:{minutes:02}\u{a0}{period}"))
    }

    /// `format`, or the text as it came when it is not a time (shown rather than hidden).
    pub fn show(&self, hhmm: &str) -> String {
        self.format(hhmm).unwrap_or_else(|| hhmm.to_owned())
    }
}

/// `"09:05"` → `(9, 5)`: two digits, a colon, two digits, a real time of day.
fn read_clock(text: &str) -> Option<(u32, u32)> {
    let (h, m) = text.trim().split_once(':')?;
    let two_digits = |part: &str| -> Option<u32> {
        (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (hours, minutes) = (two_digits(h)?, two_digits(m)?);
    (hours < 24 && minutes < 60).then_some((hours, minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: Option<String>) -> Option<String> {
        text.map(|t| t.replace('\u{a0}', " "))
    }

    #[test]
    fn english_uses_am_and_pm() {
        let en = ClockFormat::ENGLISH;
        for (clock, shown) in [
            ("00:00", "12:00 AM"),
            ("00:30", "12:30 AM"),
            ("08:45", "8:45 AM"),
            ("11:59", "11:59 AM"),
            ("12:00", "12:00 PM"),
            ("13:00", "1:00 PM"),
            ("16:05", "4:05 PM"),
            ("23:59", "11:59 PM"),
        ] {
            assert_eq!(plain(en.format(clock)).as_deref(), Some(shown), "{clock}");
        }
    }

    #[test]
    fn spanish_uses_a_m_and_p_m() {
        let es = ClockFormat::SPANISH;
        assert_eq!(plain(es.format("13:00")).as_deref(), Some("1:00 p. m."));
        assert_eq!(plain(es.format("09:15")).as_deref(), Some("9:15 a. m."));
        assert_eq!(plain(es.format("12:10")).as_deref(), Some("12:10 p. m."));
        assert_eq!(plain(es.format("00:10")).as_deref(), Some("12:10 a. m."));
    }

    #[test]
    fn a_time_never_breaks_across_lines() {
        for format in [ClockFormat::ENGLISH, ClockFormat::SPANISH] {
            let shown = format.format("13:00").unwrap();
            assert!(!shown.contains(' '), "{shown:?} has a breaking space");
        }
    }

    #[test]
    fn anything_but_a_time_of_day_is_refused() {
        let en = ClockFormat::ENGLISH;
        for bad in [
            "",
            "9:00",
            "24:00",
            "12:60",
            "1300",
            "ab:cd",
            "12:0",
            "+1:00",
            "12:00:00",
            "2026-11-25T09:00",
        ] {
            assert_eq!(en.format(bad), None, "{bad:?}");
        }
        // Shown as it came rather than hidden.
        assert_eq!(en.show("soon"), "soon");
        assert_eq!(en.show(" 07:05 ").replace('\u{a0}', " "), "7:05 AM");
    }
}
