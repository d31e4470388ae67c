//! Reading 271s as payers send them: tolerant of line breaks and the interchange's own
//! separators, strict about the envelope and amounts, and the hand-written samples shaped like
//! real payers' answers.

use crate::x12::segments::{amount, parse_cents};

use super::*;

// Reading tolerance and strictness

#[test]
fn line_breaks_after_terminators_are_tolerated() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
    let expected = parse_271(&text).unwrap();
    assert_eq!(parse_271(&text.replace('~', "~\r\n")).unwrap(), expected);
    assert_eq!(parse_271(&text.replace('~', "~\n")).unwrap(), expected);
    assert_eq!(
        parse_271(&format!("\u{feff}\r\n{}", text.replace('~', "~\n"))).unwrap(),
        expected
    );
}

#[test]
fn separators_come_from_the_isa() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
    let expected = parse_271(&text).unwrap();
    let other = text.replace('*', "|").replace(':', ">").replace('~', "\n");
    assert_eq!(parse_271(&other).unwrap(), expected);
    let inquiry_text = build_270(&inquiry()).unwrap().replace('*', "!").replace('~', "'");
    assert_eq!(parse_270(&inquiry_text).unwrap().member_id, "XJH123456789");
}

#[test]
fn envelope_mismatches_are_errors() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
    let cases = [
        (text.replace("SE*14*0007", "SE*13*0007"), X12Error::SegmentCountMismatch),
        (
            text.replace("SE*14*0007", "SE*14*0008"),
            X12Error::ControlNumberMismatch { trailer: "SE" },
        ),
        (
            text.replace("GE*1*7", "GE*1*8"),
            X12Error::ControlNumberMismatch { trailer: "GE" },
        ),
        (
            text.replace("GE*1*7", "GE*2*7"),
            X12Error::IncludedCountMismatch { trailer: "GE" },
        ),
        (
            text.replace("IEA*1*000000007", "IEA*1*000000008"),
            X12Error::ControlNumberMismatch { trailer: "IEA" },
        ),
        (
            text.replace("IEA*1*000000007", "IEA*3*000000007"),
            X12Error::IncludedCountMismatch { trailer: "IEA" },
        ),
        (
            text.replace("IEA*1*000000007~", ""),
            X12Error::MissingSegment { segment: "IEA" },
        ),
        (
            text.replace("SE*14*0007~", ""),
            X12Error::MissingSegment { segment: "SE" },
        ),
        (text.replace("GE*1*7~", ""), X12Error::MissingSegment { segment: "GE" }),
        (
            text.replace("ST*271", "ST*270"),
            X12Error::WrongTransaction { expected: "271" },
        ),
        (
            text.replace("*T*:~", "*X*:~"),
            X12Error::InvalidElement {
                segment: "ISA",
                element: 15,
            },
        ),
        (format!("{text}NM1*XX~"), X12Error::UnexpectedSegment { position: 19 }),
        (text.replace("ARRIVECLINIC   ", "ARRIVECLINIC"), X12Error::InvalidHeader),
        (text.replace("*:~GS", "*:*GS"), X12Error::InvalidHeader),
        (
            text.replace("BHT*", "bht*"),
            X12Error::UnexpectedSegment { position: 4 },
        ),
    ];
    for (bad, expected) in cases {
        assert_eq!(parse_271(&bad), Err(expected.clone()), "{expected}");
    }
    assert_eq!(parse_270(&text), Err(X12Error::WrongTransaction { expected: "270" }));
}

#[test]
fn two_transaction_sets_are_refused() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
    let start = text.find("ST*").unwrap();
    let end = text.find("GE*").unwrap();
    let twice = format!("{}{}{}", &text[..end], &text[start..end], &text[end..]).replace("GE*1*7", "GE*2*7");
    assert_eq!(parse_271(&twice), Err(X12Error::MultipleTransactions));
}

#[test]
fn a_271_without_an_answer_is_an_error() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
    let segments: Vec<&str> = segments_of(&text)
        .into_iter()
        .filter(|s| !s.starts_with("EB*"))
        .collect();
    let count = segments
        .iter()
        .filter(|s| !matches!(&s[..2], "IS" | "GS" | "GE" | "IE"))
        .count();
    let without = segments.join("~").replace("SE*14*", &format!("SE*{count}*")) + "~";
    assert_eq!(parse_271(&without), Err(X12Error::NoAnswer));
}

#[test]
fn a_benefit_level_aaa_does_not_override_coverage() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
    let with_aaa = text
        .replace("EB*1**30**GOLD PPO 1500~", "EB*1**30**GOLD PPO 1500~AAA*N**AF*C~")
        .replace("SE*14*", "SE*15*");
    assert_eq!(parse_271(&with_aaa).unwrap().coverage, CoverageStatus::Active);
    let only_aaa = text
        .replace("EB*1**30**GOLD PPO 1500~", "EB*A**30~AAA*N**AF*C~")
        .replace("EB*B**30***27*25.5*****Y~", "")
        .replace("EB*C*IND*30***29*1150*****Y~", "")
        .replace("SE*14*", "SE*13*");
    assert_eq!(
        parse_271(&only_aaa).unwrap().coverage,
        CoverageStatus::Rejected(RejectReason::Other("AF".into()))
    );
}

#[test]
fn malformed_amounts_are_errors() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
    for bad in ["25.555", "-5", "1e3", "25,00", "99999999999999999999", "."] {
        let broken = text.replace("*27*25.5*", &format!("*27*{bad}*"));
        assert_eq!(
            parse_271(&broken),
            Err(X12Error::InvalidElement {
                segment: "EB",
                element: 7
            }),
            "{bad}"
        );
    }
}

#[test]
fn amounts_are_exact_cents() {
    let cases = [
        ("25", Some(2500)),
        ("25.00", Some(2500)),
        ("1500.5", Some(150_050)),
        ("1150.55", Some(115_055)),
        (".5", Some(50)),
        ("0", Some(0)),
        ("007.10", Some(710)),
        ("25.500", Some(2550)),
        ("42949672.95", Some(u32::MAX)),
        ("42949672.96", None),
        ("25.555", None),
        ("", None),
        (".", None),
        ("-1", None),
        ("1.2.3", None),
        ("١٢", None),
    ];
    for (text, cents) in cases {
        assert_eq!(parse_cents(text), cents, "{text:?}");
    }
    assert_eq!(amount(2550), "25.5");
    assert_eq!(amount(2505), "25.05");
    assert_eq!(amount(2500), "25");
    assert_eq!(amount(0), "0");
    for cents in [0, 1, 10, 99, 100, 101, 2550, 123_456, u32::MAX] {
        assert_eq!(parse_cents(&amount(cents)), Some(cents));
    }
}

// Hand-written samples, shaped like real payers' 271s

#[test]
fn sample_active_prefers_service_type_30_in_network_individual_amounts() {
    assert_eq!(
        parse_271(ACTIVE).unwrap(),
        Eligibility {
            coverage: CoverageStatus::Active,
            plan_name: Some("GOLD PPO 1500".into()),
            copay_cents: Some(2500),
            deductible_remaining_cents: Some(115_050),
            trace: Some("TRC20250314A".into()),
        }
    );
    let office_visit = parse_271_for(ACTIVE, "98").unwrap();
    assert_eq!(office_visit.copay_cents, Some(3500));
    assert_eq!(office_visit.deductible_remaining_cents, Some(115_050));
}

#[test]
fn sample_inactive_benefits() {
    let eligibility = parse_271(INACTIVE).unwrap();
    assert_eq!(eligibility.coverage, CoverageStatus::Inactive);
    assert_eq!(eligibility.trace.as_deref(), Some("8812736"));
}

#[test]
fn sample_subscriber_level_rejection() {
    let eligibility = parse_271(REJECTED_MEMBER_ID).unwrap();
    assert_eq!(
        eligibility.coverage,
        CoverageStatus::Rejected(RejectReason::InvalidMemberId)
    );
    assert_eq!(eligibility.trace.as_deref(), Some("TRACE-0311"));
}

#[test]
fn sample_payer_level_rejection() {
    let eligibility = parse_271(PAYER_UNAVAILABLE).unwrap();
    assert_eq!(
        eligibility.coverage,
        CoverageStatus::Rejected(RejectReason::PayerUnavailable)
    );
    assert_eq!(eligibility.trace, None);
}

#[test]
fn sample_provider_level_rejection() {
    let eligibility = parse_271(REJECTED_PROVIDER).unwrap();
    assert_eq!(
        eligibility.coverage,
        CoverageStatus::Rejected(RejectReason::Other("43".into()))
    );
}

#[test]
fn sample_multiline_crlf_with_repeated_service_types() {
    assert!(MULTILINE_CRLF.contains("~\r\n"));
    assert_eq!(
        parse_271(MULTILINE_CRLF).unwrap(),
        Eligibility {
            coverage: CoverageStatus::Active,
            plan_name: Some("SUNRISE SILVER HMO".into()),
            copay_cents: Some(2000),
            deductible_remaining_cents: Some(0),
            trace: Some("77AB12".into()),
        }
    );
}

#[test]
fn malformed_samples_are_errors() {
    let expected = [
        X12Error::MissingSegment { segment: "SE" },
        X12Error::SegmentCountMismatch,
        X12Error::NotAnInterchange,
        X12Error::NotAnInterchange,
    ];
    for (text, error) in MALFORMED.iter().zip(expected) {
        assert_eq!(parse_271(text), Err(error.clone()));
        assert!(parse_270(text).is_err());
    }
    assert_eq!(parse_271("ISA*00*"), Err(X12Error::InvalidHeader));
    assert_eq!(parse_271(&ACTIVE[..105]), Err(X12Error::InvalidHeader));
    assert_eq!(parse_271("ISA*00*\u{e9}\u{e9}\u{e9}"), Err(X12Error::InvalidHeader));
}
