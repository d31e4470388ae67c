//! `cargo xtask dump-x12 <dir>`: writes the X12 interchanges the domain builds — a 270 for a
//! subscriber and one for a dependent, and the sandbox payer's 271 answers to them (active,
//! inactive, and each rejection) — as files in `<dir>`, to read or to check by hand with an
//! external validator such as pyx12's `x12valid`. The test suite checks the same kinds of
//! interchange with pyx12 on every run (`server/tests/api/standards.rs`); this is for a person
//! who wants the files themselves.

use std::path::Path;

use arrive_domain::x12::{build_270, build_271, parse_270, Benefits, Dependent, Inquiry, RejectReason, SandboxAnswer};
use chrono::{NaiveDate, NaiveDateTime};

use crate::Result;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, min, 0).expect("a real time")
}

/// A made-up subscriber's inquiry from a made-up clinic to the sandbox payer (test-only
/// identifiers: ISA15 is `T`).
fn inquiry() -> Inquiry {
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

/// The same subscriber's child as the patient (loop 2000D).
fn dependent_inquiry() -> Inquiry {
    Inquiry {
        dependent: Some(Dependent {
            first: "Sofía".into(),
            last: "García".into(),
            dob: date(2015, 6, 3),
        }),
        ..inquiry()
    }
}

fn active() -> Benefits {
    Benefits {
        active: true,
        copay_cents: Some(2550),
        deductible_remaining_cents: Some(115_000),
        plan_name: Some("Gold PPO 1500".into()),
    }
}

/// Every interchange written, by file name.
fn interchanges() -> Result<Vec<(String, String)>> {
    let x12 = |e: arrive_domain::x12::X12Error| format!("the domain refused its own sample: {e}");
    let mut files = Vec::new();
    for (suffix, inquiry) in [("", inquiry()), ("_dependent", dependent_inquiry())] {
        let inquiry_text = build_270(&inquiry).map_err(x12)?;
        let parsed = parse_270(&inquiry_text).map_err(x12)?;
        let answer = |answer: &SandboxAnswer| build_271(&parsed, answer, 7, at(2026, 11, 25, 9, 6)).map_err(x12);
        files.push((format!("generated_270{suffix}.x12"), inquiry_text.clone()));
        files.push((
            format!("generated_271{suffix}_active.x12"),
            answer(&SandboxAnswer::Benefits(active()))?,
        ));
        let inactive = Benefits {
            active: false,
            ..active()
        };
        files.push((
            format!("generated_271{suffix}_inactive.x12"),
            answer(&SandboxAnswer::Benefits(inactive))?,
        ));
        for reason in [
            RejectReason::InvalidMemberId,
            RejectReason::SubscriberNotFound,
            RejectReason::InvalidBirthDate,
            RejectReason::PayerUnavailable,
            RejectReason::Other("43".into()),
            RejectReason::Other("T4".into()),
        ] {
            let name = format!("generated_271{suffix}_rejected_{}.x12", reason.code());
            files.push((name, answer(&SandboxAnswer::Rejected(reason))?));
        }
    }
    Ok(files)
}

/// Writes every interchange into `dir` (created if missing) and says how to check them.
pub fn dump_x12(dir: &Path) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, text) in interchanges()? {
        let path = dir.join(&name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("{}", path.display());
    }
    eprintln!(
        "\nCheck them with pyx12 (installed by `cargo xtask test`):\n  \
         target/tools/validators/bin/x12valid -m target/tools/validators/x12-maps {}/*.x12",
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interchange_is_an_x12_interchange_with_its_own_name() {
        let files = interchanges().unwrap();
        assert_eq!(files.len(), 2 * 9);
        let mut names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), files.len(), "two files under one name");
        for (name, text) in &files {
            assert!(
                text.starts_with("ISA*") && text.trim_end().ends_with('~'),
                "{name}: {text}"
            );
        }
    }
}
