//! ISO 8601 calendar dates (`YYYY-MM-DD`), read and written by hand: chrono's strftime
//! machinery costs the kiosk's wasm tens of kilobytes for this one format.

use chrono::{Datelike, NaiveDate};

/// `YYYY-MM-DD`, exactly, and a real date.
pub fn parse_iso(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

pub fn iso(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_iso_dates() {
        let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(parse_iso("2024-02-29"), Some(day));
        assert_eq!(iso(day), "2024-02-29");
        assert_eq!(iso(NaiveDate::from_ymd_opt(987, 1, 5).unwrap()), "0987-01-05");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-0a",
            "+024-01-01",
            "",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad:?}");
        }
    }
}
