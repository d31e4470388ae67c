//! Who is standing at the kiosk? The rule that turns a typed last name and date of birth into
//! one appointment, or into "see the front desk".

use crate::dob::DateOfBirth;
use crate::name::match_key;

/// One of today's appointments, as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<Id> {
    pub appointment: Id,
    pub patient: i64,
    pub last_name: String,
    pub date_of_birth: DateOfBirth,
    /// Minutes since local midnight; the earliest open appointment wins for one patient.
    pub starts_at_minute: u32,
    pub arrived: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match<Id> {
    One(Id),
    None,
    /// Two or more different patients share this last name and date of birth.
    Several,
}

/// Matches a typed last name and date of birth against today's appointments.
///
/// - Last names compare by [`match_key`] (case, accents, spaces and punctuation ignored);
///   the date of birth must be exact.
/// - Different patients matching → [`Match::Several`]: the kiosk must never choose between
///   people, nor show them.
/// - One patient with several appointments today → the earliest not yet checked in; if all
///   are checked in, the latest one (so the kiosk can say "you are already checked in").
pub fn match_appointment<Id: Clone>(
    last_name: &str,
    date_of_birth: DateOfBirth,
    candidates: &[Candidate<Id>],
) -> Match<Id> {
    let key = match_key(last_name);
    if key.is_empty() {
        return Match::None;
    }
    let hits: Vec<&Candidate<Id>> = candidates
        .iter()
        .filter(|c| c.date_of_birth == date_of_birth && match_key(&c.last_name) == key)
        .collect();
    let Some(first) = hits.first() else {
        return Match::None;
    };
    if hits.iter().any(|c| c.patient != first.patient) {
        return Match::Several;
    }
    let open = hits.iter().filter(|c| !c.arrived).min_by_key(|c| c.starts_at_minute);
    let chosen = open.or_else(|| hits.iter().max_by_key(|c| c.starts_at_minute));
    chosen.map_or(Match::None, |c| Match::One(c.appointment.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn dob(text: &str) -> DateOfBirth {
        DateOfBirth::parse(text, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()).unwrap()
    }

    fn cand(
        appt: &'static str,
        patient: i64,
        last: &str,
        birth: &str,
        minute: u32,
        arrived: bool,
    ) -> Candidate<&'static str> {
        Candidate {
            appointment: appt,
            patient,
            last_name: last.into(),
            date_of_birth: dob(birth),
            starts_at_minute: minute,
            arrived,
        }
    }

    fn today() -> Vec<Candidate<&'static str>> {
        vec![
            cand("a1", 1, "García-López", "1958-04-12", 540, false),
            cand("a2", 2, "O'Brien", "1971-09-30", 560, false),
            cand("a3", 3, "Smith", "1990-01-01", 600, false),
            // Two different patients with the same name and date of birth.
            cand("a4", 4, "Nguyen", "1985-06-15", 620, false),
            cand("a5", 5, "Nguyễn", "1985-06-15", 640, false),
            // One patient seen twice today.
            cand("a6", 6, "Okafor", "1949-12-02", 480, true),
            cand("a7", 6, "Okafor", "1949-12-02", 900, false),
            cand("a8", 7, "Ng", "2001-07-04", 700, true),
        ]
    }

    #[test]
    fn finds_one_patient_whatever_the_case_accents_and_punctuation() {
        let c = today();
        for typed in [
            "García-López",
            "garcia lopez",
            "GARCIA-LOPEZ",
            "Garcia López",
            " garcía  lópez ",
        ] {
            assert_eq!(
                match_appointment(typed, dob("1958-04-12"), &c),
                Match::One("a1"),
                "{typed}"
            );
        }
        for typed in ["O'Brien", "obrien", "O’BRIEN", "O Brien"] {
            assert_eq!(
                match_appointment(typed, dob("1971-09-30"), &c),
                Match::One("a2"),
                "{typed}"
            );
        }
    }

    #[test]
    fn needs_the_exact_date_of_birth() {
        let c = today();
        assert_eq!(match_appointment("Smith", dob("1990-01-02"), &c), Match::None);
        assert_eq!(match_appointment("Smith", dob("1990-01-01"), &c), Match::One("a3"));
    }

    #[test]
    fn no_match() {
        let c = today();
        assert_eq!(match_appointment("Jones", dob("1990-01-01"), &c), Match::None);
        assert_eq!(match_appointment("Smit", dob("1990-01-01"), &c), Match::None);
        assert_eq!(match_appointment("'-", dob("1990-01-01"), &c), Match::None);
        assert_eq!(match_appointment("Smith", dob("1990-01-01"), &[]), Match::<&str>::None);
    }

    #[test]
    fn two_patients_with_the_same_name_and_birth_date_are_several() {
        let c = today();
        assert_eq!(match_appointment("Nguyen", dob("1985-06-15"), &c), Match::Several);
    }

    #[test]
    fn one_patient_twice_today_gets_the_earliest_open_appointment() {
        let c = today();
        assert_eq!(match_appointment("Okafor", dob("1949-12-02"), &c), Match::One("a7"));
        assert_eq!(match_appointment("Ng", dob("2001-07-04"), &c), Match::One("a8"));
    }
}
