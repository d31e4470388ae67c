//! Dates of birth: typed on the kiosk as month / day / year, sent to the API as ISO 8601.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Nobody alive was born more than this many years ago; older dates are typos.
pub const MAX_AGE_YEARS: i32 = 130;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DobError {
    Missing,
    /// Not in a format we read (YYYY-MM-DD, or M/D/YYYY).
    Unreadable,
    /// The parts do not form a calendar date (February 30th, month 13).
    NotARealDate,
    /// A two-digit year is ambiguous: ask for all four digits.
    YearNeedsFourDigits,
    InFuture,
    TooOld,
}

impl DobError {
    /// Plain English for API error messages; the kiosk has its own translated wording.
    pub fn message(self) -> &'static str {
        match self {
            DobError::Missing => "Enter a date of birth.",
            DobError::Unreadable => "Write the date of birth as YYYY-MM-DD.",
            DobError::NotARealDate => "That date does not exist. Check the month and day.",
            DobError::YearNeedsFourDigits => "Write the year with four digits, like 1956.",
            DobError::InFuture => "The date of birth cannot be in the future.",
            DobError::TooOld => "Check the year of birth.",
        }
    }
}

/// A validated date of birth. Serialised as ISO 8601 (`1956-03-14`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    /// From the kiosk's three boxes. Each part may be empty or have surrounding spaces.
    pub fn from_parts(month: &str, day: &str, year: &str, today: NaiveDate) -> Result<Self, DobError> {
        let (month, day, year) = (month.trim(), day.trim(), year.trim());
        if month.is_empty() && day.is_empty() && year.is_empty() {
            return Err(DobError::Missing);
        }
        let number = |s: &str| -> Result<u32, DobError> {
            if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DobError::Unreadable);
            }
            s.parse().map_err(|_| DobError::Unreadable)
        };
        let (m, d) = (number(month)?, number(day)?);
        if year.len() != 4 {
            return match number(year) {
                Ok(_) => Err(DobError::YearNeedsFourDigits),
                Err(e) => Err(e),
            };
        }
        let y = number(year)? as i32;
        let date = NaiveDate::from_ymd_opt(y, m, d).ok_or(DobError::NotARealDate)?;
        Self::checked(date, today)
    }

    /// From text: ISO `YYYY-MM-DD` (the API's format) or US `M/D/YYYY` (what people write).
    pub fn parse(text: &str, today: NaiveDate) -> Result<Self, DobError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DobError::Missing);
        }
        let parts: Vec<&str> = if text.contains('/') {
            text.split('/').collect()
        } else {
            text.split('-').collect()
        };
        match (text.contains('/'), parts.as_slice()) {
            (true, [m, d, y]) => Self::from_parts(m, d, y, today),
            (false, [y, m, d]) if y.len() == 4 && m.len() == 2 && d.len() == 2 => Self::from_parts(m, d, y, today),
            _ => Err(DobError::Unreadable),
        }
    }

    fn checked(date: NaiveDate, today: NaiveDate) -> Result<Self, DobError> {
        if date > today {
            return Err(DobError::InFuture);
        }
        if today.year() - date.year() > MAX_AGE_YEARS {
            return Err(DobError::TooOld);
        }
        Ok(DateOfBirth(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::date::iso(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn ymd(y: i32, m: u32, d: u32) -> DateOfBirth {
        DateOfBirth(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn reads_iso_and_us_formats() {
        let cases = [
            ("1956-03-14", ymd(1956, 3, 14)),
            (" 1956-03-14 ", ymd(1956, 3, 14)),
            ("03/14/1956", ymd(1956, 3, 14)),
            ("3/4/1956", ymd(1956, 3, 4)),
            ("2000-02-29", ymd(2000, 2, 29)),
            ("2026-11-24", ymd(2026, 11, 24)),
        ];
        for (text, want) in cases {
            assert_eq!(DateOfBirth::parse(text, today()), Ok(want), "{text}");
        }
    }

    #[test]
    fn rejects_impossible_and_unreadable_dates() {
        let cases = [
            ("", DobError::Missing),
            ("1956-02-30", DobError::NotARealDate),
            ("1900-02-29", DobError::NotARealDate),
            ("02/30/1956", DobError::NotARealDate),
            ("13/01/1956", DobError::NotARealDate),
            ("1956-3-14", DobError::Unreadable),
            ("14.03.1956", DobError::Unreadable),
            ("March 14 1956", DobError::Unreadable),
            ("3/14/56", DobError::YearNeedsFourDigits),
            ("2026-11-25", DobError::InFuture),
            ("1890-01-01", DobError::TooOld),
            ("-1956-03-14", DobError::Unreadable),
            ("1956-03-14T00:00", DobError::Unreadable),
        ];
        for (text, want) in cases {
            assert_eq!(DateOfBirth::parse(text, today()), Err(want), "{text}");
        }
    }

    #[test]
    fn reads_the_kiosk_boxes() {
        assert_eq!(
            DateOfBirth::from_parts("3", "14", "1956", today()),
            Ok(ymd(1956, 3, 14))
        );
        assert_eq!(
            DateOfBirth::from_parts(" 03", "14 ", "1956", today()),
            Ok(ymd(1956, 3, 14))
        );
        assert_eq!(DateOfBirth::from_parts("", "", "", today()), Err(DobError::Missing));
        assert_eq!(
            DateOfBirth::from_parts("3", "", "1956", today()),
            Err(DobError::Unreadable)
        );
        assert_eq!(
            DateOfBirth::from_parts("x", "1", "1956", today()),
            Err(DobError::Unreadable)
        );
        assert_eq!(
            DateOfBirth::from_parts("2", "29", "2023", today()),
            Err(DobError::NotARealDate)
        );
        assert_eq!(
            DateOfBirth::from_parts("2", "29", "2024", today()),
            Ok(ymd(2024, 2, 29))
        );
        assert_eq!(
            DateOfBirth::from_parts("1", "1", "56", today()),
            Err(DobError::YearNeedsFourDigits)
        );
    }

    #[test]
    fn serialises_as_iso() {
        let json = serde_json::to_string(&ymd(1956, 3, 14)).unwrap();
        assert_eq!(json, "\"1956-03-14\"");
    }
}
