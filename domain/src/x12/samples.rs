//! Sample data for tests and for `cargo xtask dump-x12`: a made-up clinic's inquiries to the
//! sandbox payer about a made-up subscriber and their child, and the payer's active benefits.
//! Every identifier is test-only (ISA15 is `T`). No I/O: values only.
//!
//! The constructors panic on a date that does not exist, which is what a sample with a typo
//! in it should do.

use chrono::{NaiveDate, NaiveDateTime};

use super::{Benefits, Dependent, Inquiry};

/// A calendar date; panics if it does not exist.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

/// A local time to the minute; panics if it does not exist.
pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, min, 0).expect("a real time")
}

/// When the sandbox payer answers [`inquiry`]: a minute after it was written.
pub fn answered_at() -> NaiveDateTime {
    at(2026, 11, 25, 9, 6)
}

/// The subscriber is the patient: an inquiry from Riverside Family Medicine to the sandbox
/// payer about José García-López, written the morning of the visit. The names carry accents
/// and a hyphen, which X12's character set folds.
pub fn inquiry() -> Inquiry {
    Inquiry {
        sender_id: "ARRIVECLINIC".into(),
        receiver_id: "SANDBOXPAYER".into(),
        payer_name: "Arrive Sandbox Payer".into(),
        payer_id: "SANDBOX01".into(),
        provider_name: "Riverside Family Medicine".into(),
        provider_npi: "1234567893".into(),
        subscriber_first: "José".into(),
        subscriber_last: "García-López".into(),
        member_id: "XJH123456789".into(),
        subscriber_dob: date(1985, 2, 12),
        service_date: date(2026, 11, 25),
        service_type: "30".into(),
        control_number: 42,
        trace: "A1B2C3".into(),
        created: at(2026, 11, 25, 9, 5),
        production: false,
        dependent: None,
    }
}

/// The patient is the subscriber's child (loop 2000D): the coverage is the parent's.
pub fn dependent_inquiry() -> Inquiry {
    Inquiry {
        dependent: Some(Dependent {
            first: "Sofía".into(),
            last: "García".into(),
            dob: date(2015, 6, 3),
        }),
        ..inquiry()
    }
}

/// Active coverage with a copay, a deductible left to meet and a plan name.
pub fn active_benefits() -> Benefits {
    Benefits {
        active: true,
        copay_cents: Some(2550),
        deductible_remaining_cents: Some(115_000),
        plan_name: Some("Gold PPO 1500".into()),
    }
}
