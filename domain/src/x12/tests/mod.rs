//! The X12 eligibility code's tests: shared inquiries, answers and payer-shaped samples here,
//! with the properties that feed the parsers generated and damaged interchanges (run for
//! longer by `cargo xtask fuzz`); the examples by subject in the modules below.

mod inquiry;
mod reading;
mod round_trips;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::samples::{active_benefits, answered_at, at, date, dependent_inquiry, inquiry};
use super::*;

fn segments_of(text: &str) -> Vec<&str> {
    text.split('~').filter(|s| !s.is_empty()).collect()
}

fn ids_of(text: &str) -> Vec<&str> {
    segments_of(text).iter().map(|s| s.split('*').next().unwrap()).collect()
}

fn sandbox_271(answer: &SandboxAnswer) -> String {
    let parsed = parse_270(&build_270(&inquiry()).unwrap()).unwrap();
    build_271(&parsed, answer, 7, answered_at()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Hand-written samples, shaped like real payers' 271s

const ACTIVE: &str = include_str!("../../../tests/x12_samples/active_copay_deductible.x12");
const INACTIVE: &str = include_str!("../../../tests/x12_samples/inactive.x12");
const REJECTED_MEMBER_ID: &str = include_str!("../../../tests/x12_samples/rejected_member_id.x12");
const PAYER_UNAVAILABLE: &str = include_str!("../../../tests/x12_samples/payer_unavailable.x12");
const MULTILINE_CRLF: &str = include_str!("../../../tests/x12_samples/multiline_crlf.x12");
const REJECTED_PROVIDER: &str = include_str!("../../../tests/x12_samples/rejected_provider.x12");
const MALFORMED: [&str; 4] = [
    include_str!("../../../tests/x12_samples/malformed_truncated.x12"),
    include_str!("../../../tests/x12_samples/malformed_se_count.x12"),
    include_str!("../../../tests/x12_samples/malformed_garbage.x12"),
    include_str!("../../../tests/x12_samples/malformed_empty.x12"),
];

// Never panic

fn mutate(base: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = base.as_bytes().to_vec();
    for &(at, byte, op) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = at % bytes.len();
        match op % 3 {
            0 => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ => {
                bytes.remove(i);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// 512 cases on every test run; `cargo xtask fuzz` raises `PROPTEST_CASES` and bounds by time.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(512);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    /// Text that is not an interchange is told so, never read as one.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let start = text.trim_start_matches(|c: char| c == '\u{feff}' || c.is_ascii_whitespace());
        if !start.starts_with("ISA") {
            prop_assert_eq!(parse_271(&text), Err(X12Error::NotAnInterchange));
            prop_assert_eq!(parse_270(&text).map(|_| ()), Err(X12Error::NotAnInterchange));
        } else {
            prop_assert!(parse_271(&text).is_err());
            prop_assert!(parse_270(&text).is_err());
        }
    }

    /// After a sound ISA header, noise is refused for what follows the header, not the header.
    #[test]
    fn arbitrary_text_after_a_valid_isa_never_panics(tail in "[A-Z0-9*~:^\\r\\n .-]{0,400}") {
        let text = format!("{}{tail}", &ACTIVE[..106]);
        for error in [parse_271(&text).map(|_| ()), parse_270(&text).map(|_| ())] {
            let error = error.expect_err("noise read as a transaction");
            prop_assert!(
                !matches!(error, X12Error::NotAnInterchange | X12Error::InvalidHeader),
                "a sound ISA refused as {:?}", error
            );
        }
    }

    /// However an interchange is damaged, the service type asked about only chooses among the
    /// amounts: both readings refuse it alike or agree on everything else.
    #[test]
    fn mutated_interchanges_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        for base in [ACTIVE, MULTILINE_CRLF, REJECTED_MEMBER_ID] {
            let text = mutate(base, &edits);
            match (parse_271(&text), parse_271_for(&text, "98")) {
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (Ok(a), Ok(b)) => {
                    prop_assert_eq!(a.coverage, b.coverage);
                    prop_assert_eq!(a.plan_name, b.plan_name);
                    prop_assert_eq!(a.trace, b.trace);
                }
                (a, b) => prop_assert!(false, "service type 30 read {:?}, 98 read {:?}", a, b),
            }
        }
        // A 270 that still reads after the damage still names the payer, the provider and the
        // subscriber, with the member ID and the trace to answer by.
        if let Ok(parsed) = parse_270(&mutate(&build_270(&inquiry()).unwrap(), &edits)) {
            for (field, value) in [
                ("payer", &parsed.payer_id),
                ("provider", &parsed.provider_npi),
                ("subscriber", &parsed.subscriber_last),
                ("member ID", &parsed.member_id),
                ("trace", &parsed.trace),
            ] {
                prop_assert!(!value.is_empty(), "a 270 read without its {}", field);
            }
        }
    }

    #[test]
    fn whatever_build_270_accepts_parse_270_reads_back(
        last in "\\PC{0,40}", first in "\\PC{0,20}", member in "[A-Za-z0-9-]{0,20}", cents in any::<u32>(),
    ) {
        let q = Inquiry { subscriber_last: last, subscriber_first: first, member_id: member, ..inquiry() };
        if let Ok(text) = build_270(&q) {
            let parsed = parse_270(&text).unwrap();
            prop_assert_eq!(&parsed.member_id, &q.member_id.to_ascii_uppercase());
            let answer = SandboxAnswer::Benefits(Benefits { copay_cents: Some(cents), ..active_benefits() });
            let reply = build_271(&parsed, &answer, 1, at(2026, 1, 1, 0, 0)).unwrap();
            prop_assert_eq!(parse_271(&reply).unwrap().copay_cents, Some(cents));
        }
    }
}
