use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::segments::{amount, parse_cents};
use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, min, 0).unwrap()
}

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

/// The patient is the subscriber's child: the coverage is the parent's.
fn child_inquiry() -> Inquiry {
    Inquiry {
        dependent: Some(Dependent {
            first: "Sofía".into(),
            last: "García".into(),
            dob: date(2015, 6, 3),
        }),
        ..inquiry()
    }
}

fn segments_of(text: &str) -> Vec<&str> {
    text.split('~').filter(|s| !s.is_empty()).collect()
}

fn ids_of(text: &str) -> Vec<&str> {
    segments_of(text).iter().map(|s| s.split('*').next().unwrap()).collect()
}

fn sandbox_271(answer: &SandboxAnswer) -> String {
    let parsed = parse_270(&build_270(&inquiry()).unwrap()).unwrap();
    build_271(&parsed, answer, 7, at(2026, 11, 25, 9, 6)).unwrap()
}

fn active() -> Benefits {
    Benefits {
        active: true,
        copay_cents: Some(2550),
        deductible_remaining_cents: Some(115_000),
        plan_name: Some("Gold PPO 1500".into()),
    }
}

// ---------------------------------------------------------------------------------------------
// build_270

#[test]
fn the_270_has_the_guide_s_segments_in_order() {
    let text = build_270(&inquiry()).unwrap();
    assert_eq!(
        ids_of(&text),
        [
            "ISA", "GS", "ST", "BHT", "HL", "NM1", "HL", "NM1", "HL", "TRN", "NM1", "DMG", "DTP", "EQ", "SE", "GE",
            "IEA"
        ]
    );
    let body = segments_of(&text);
    assert_eq!(
        body[1],
        "GS*HS*ARRIVECLINIC*SANDBOXPAYER*20261125*0905*42*X*005010X279A1"
    );
    assert_eq!(body[2], "ST*270*0042*005010X279A1");
    assert_eq!(body[3], "BHT*0022*13*A1B2C3*20261125*0905");
    assert_eq!(body[4], "HL*1**20*1");
    assert_eq!(body[5], "NM1*PR*2*ARRIVE SANDBOX PAYER*****PI*SANDBOX01");
    assert_eq!(body[6], "HL*2*1*21*1");
    assert_eq!(body[7], "NM1*1P*2*RIVERSIDE FAMILY MEDICINE*****XX*1234567893");
    assert_eq!(body[8], "HL*3*2*22*0");
    assert_eq!(body[9], "TRN*1*A1B2C3*9234567893");
    assert_eq!(body[10], "NM1*IL*1*GARCIA-LOPEZ*JOSE****MI*XJH123456789");
    assert_eq!(body[11], "DMG*D8*19850212");
    assert_eq!(body[12], "DTP*291*D8*20261125");
    assert_eq!(body[13], "EQ*30");
    assert_eq!(body[14], "SE*13*0042");
    assert_eq!(body[15], "GE*1*42");
    assert_eq!(body[16], "IEA*1*000000042");
    assert!(text.ends_with("IEA*1*000000042~"));
}

#[test]
fn the_isa_is_fixed_width() {
    let text = build_270(&inquiry()).unwrap();
    let isa = &text[..text.find('~').unwrap() + 1];
    assert_eq!(isa.len(), 106);
    assert_eq!(
        isa,
        "ISA*00*          *00*          *ZZ*ARRIVECLINIC   *ZZ*SANDBOXPAYER   *261125*0905*^*00501*000000042*0*T*:~"
    );
    let production = build_270(&Inquiry {
        production: true,
        control_number: 999_999_999,
        ..inquiry()
    })
    .unwrap();
    assert_eq!(&production[90..106], "999999999*0*P*:~");
}

#[test]
fn se01_counts_st_to_se() {
    let text = build_270(&inquiry()).unwrap();
    let ids = ids_of(&text);
    let st = ids.iter().position(|id| *id == "ST").unwrap();
    let se = ids.iter().position(|id| *id == "SE").unwrap();
    let se01: usize = segments_of(&text)[se].split('*').nth(1).unwrap().parse().unwrap();
    assert_eq!(se01, se - st + 1);
}

#[test]
fn names_lose_accents_and_keep_apostrophes_and_hyphens() {
    let q = Inquiry {
        subscriber_first: "  Zoë   Ångström ".into(),
        subscriber_last: "O’Brien-Straße".into(),
        payer_name: "Søren & Æsir Health".into(),
        ..inquiry()
    };
    let text = build_270(&q).unwrap();
    assert!(text.contains("NM1*IL*1*O'BRIEN-STRASSE*ZOE ANGSTROM****MI*"), "{text}");
    assert!(text.contains("NM1*PR*2*SOREN & AESIR HEALTH*"), "{text}");
    // Decomposed input (e + combining acute) gives the same result as precomposed.
    let decomposed = Inquiry {
        subscriber_last: "Garci\u{301}a-Lo\u{301}pez".into(),
        ..inquiry()
    };
    assert_eq!(build_270(&decomposed), build_270(&inquiry()));
}

#[test]
fn separators_in_values_are_refused() {
    for bad in ["DOE*JANE", "DOE:JANE", "DOE^JANE", "DOE~JANE", "DOE\u{FF0A}JANE"] {
        let q = Inquiry {
            subscriber_last: bad.into(),
            ..inquiry()
        };
        assert_eq!(
            build_270(&q),
            Err(X12Error::InvalidCharacter {
                field: "subscriber_last"
            }),
            "{bad:?}"
        );
    }
    let q = Inquiry {
        member_id: "ABC~IEA*1".into(),
        ..inquiry()
    };
    assert_eq!(build_270(&q), Err(X12Error::InvalidCharacter { field: "member_id" }));
}

#[test]
fn empty_long_and_malformed_values_are_refused() {
    let cases: Vec<(Inquiry, X12Error)> = vec![
        (
            Inquiry {
                subscriber_last: "   ".into(),
                ..inquiry()
            },
            X12Error::MissingValue {
                field: "subscriber_last",
            },
        ),
        (
            Inquiry {
                subscriber_last: "A".repeat(61),
                ..inquiry()
            },
            X12Error::InvalidLength {
                field: "subscriber_last",
                min: 1,
                max: 60,
            },
        ),
        (
            Inquiry {
                sender_id: "ARRIVECLINICLONG".into(),
                ..inquiry()
            },
            X12Error::InvalidLength {
                field: "sender_id",
                min: 2,
                max: 15,
            },
        ),
        (
            Inquiry {
                provider_npi: "123456789".into(),
                ..inquiry()
            },
            X12Error::InvalidValue { field: "provider_npi" },
        ),
        (
            Inquiry {
                control_number: 1_000_000_000,
                ..inquiry()
            },
            X12Error::InvalidValue {
                field: "control_number",
            },
        ),
        (
            Inquiry {
                service_type: "300".into(),
                ..inquiry()
            },
            X12Error::InvalidValue { field: "service_type" },
        ),
        (
            Inquiry {
                subscriber_first: "Дмитрий".into(),
                ..inquiry()
            },
            X12Error::InvalidCharacter {
                field: "subscriber_first",
            },
        ),
        (
            Inquiry {
                trace: "T\tRACE\u{7}".into(),
                ..inquiry()
            },
            X12Error::InvalidCharacter { field: "trace" },
        ),
        (
            Inquiry {
                subscriber_dob: NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap(),
                ..inquiry()
            },
            X12Error::InvalidValue {
                field: "subscriber_dob",
            },
        ),
    ];
    for (q, expected) in cases {
        assert_eq!(build_270(&q), Err(expected));
    }
}

#[test]
fn error_messages_never_quote_the_input() {
    let secret = "ZYXWVUT";
    let valid = sandbox_271(&SandboxAnswer::Benefits(active()));
    let long_name = Inquiry {
        subscriber_last: secret.repeat(9),
        ..inquiry()
    };
    let errors = [
        build_270(&Inquiry {
            subscriber_last: format!("{secret}*"),
            ..inquiry()
        }),
        build_270(&long_name),
        parse_271(&format!("ISA*{secret}")).map(|_| String::new()),
        parse_271(&valid.replace("*27*25.5*", &format!("*27*{secret}*"))).map(|_| String::new()),
        parse_271(&valid.replace("ST*271*0007", &format!("ST*271*{secret}"))).map(|_| String::new()),
    ];
    for result in errors {
        let message = result.unwrap_err().to_string();
        assert!(!message.contains(secret), "{message}");
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips

#[test]
fn parse_270_reads_back_what_build_270_wrote() {
    let parsed = parse_270(&build_270(&inquiry()).unwrap()).unwrap();
    assert_eq!(
        parsed,
        ParsedInquiry {
            sender_id: "ARRIVECLINIC".into(),
            receiver_id: "SANDBOXPAYER".into(),
            production: false,
            payer_name: "ARRIVE SANDBOX PAYER".into(),
            payer_id: "SANDBOX01".into(),
            provider_name: "RIVERSIDE FAMILY MEDICINE".into(),
            provider_npi: "1234567893".into(),
            subscriber_first: "JOSE".into(),
            subscriber_last: "GARCIA-LOPEZ".into(),
            member_id: "XJH123456789".into(),
            subscriber_dob: date(1985, 2, 12),
            service_date: date(2026, 11, 25),
            service_type: "30".into(),
            trace: "A1B2C3".into(),
            trace_originator: "9234567893".into(),
            dependent: None,
        }
    );
}

// ---------------------------------------------------------------------------------------------
// The dependent loop (2000D)

#[test]
fn a_dependent_patient_gets_loop_2000d_with_the_trace() {
    let text = build_270(&child_inquiry()).unwrap();
    assert_eq!(
        ids_of(&text),
        [
            "ISA", "GS", "ST", "BHT", "HL", "NM1", "HL", "NM1", "HL", "NM1", "DMG", "HL", "TRN", "NM1", "DMG", "DTP",
            "EQ", "SE", "GE", "IEA"
        ]
    );
    let body = segments_of(&text);
    // 2000C says it has a child level; the subscriber keeps name, member ID and birth date.
    assert_eq!(body[8], "HL*3*2*22*1");
    assert_eq!(body[9], "NM1*IL*1*GARCIA-LOPEZ*JOSE****MI*XJH123456789");
    assert_eq!(body[10], "DMG*D8*19850212");
    // 2000D/2100D: the patient, by name and birth date (no member ID in 5010), and the trace.
    assert_eq!(body[11], "HL*4*3*23*0");
    assert_eq!(body[12], "TRN*1*A1B2C3*9234567893");
    assert_eq!(body[13], "NM1*03*1*GARCIA*SOFIA");
    assert_eq!(body[14], "DMG*D8*20150603");
    assert_eq!(body[15], "DTP*291*D8*20261125");
    assert_eq!(body[17], "SE*16*0042");
}

#[test]
fn parse_270_reads_the_dependent_apart_from_the_subscriber() {
    let parsed = parse_270(&build_270(&child_inquiry()).unwrap()).unwrap();
    assert_eq!(parsed.subscriber_last, "GARCIA-LOPEZ");
    assert_eq!(
        parsed.subscriber_dob,
        date(1985, 2, 12),
        "the subscriber's DMG, not the child's"
    );
    assert_eq!(parsed.trace, "A1B2C3");
    assert_eq!(
        parsed.dependent,
        Some(Dependent {
            first: "SOFIA".into(),
            last: "GARCIA".into(),
            dob: date(2015, 6, 3),
        })
    );
    // A 2100D without its birth date is incomplete.
    let text = build_270(&child_inquiry()).unwrap().replace("DMG*D8*20150603~", "");
    let text = text.replace("SE*16*", "SE*15*");
    assert_eq!(parse_270(&text), Err(X12Error::MissingSegment { segment: "DMG" }));
}

#[test]
fn the_271_to_a_dependent_answers_in_2000d_and_reads_back() {
    let parsed = parse_270(&build_270(&child_inquiry()).unwrap()).unwrap();
    let text = build_271(&parsed, &SandboxAnswer::Benefits(active()), 7, at(2026, 11, 25, 9, 6)).unwrap();
    let segments = segments_of(&text);
    let at_index = |wanted: &str| segments.iter().position(|s| *s == wanted).unwrap();
    assert!(at_index("HL*3*2*22*1") < at_index("NM1*IL*1*GARCIA-LOPEZ*JOSE****MI*XJH123456789"));
    let dependent = at_index("HL*4*3*23*0");
    assert_eq!(segments[dependent + 1], "TRN*2*A1B2C3*9234567893");
    assert_eq!(segments[dependent + 2], "NM1*03*1*GARCIA*SOFIA");
    assert!(dependent < at_index("EB*1**30**GOLD PPO 1500"), "benefits in 2110D");
    let eligibility = parse_271(&text).unwrap();
    assert_eq!(eligibility.coverage, CoverageStatus::Active);
    assert_eq!(eligibility.copay_cents, Some(2550));
    assert_eq!(eligibility.trace.as_deref(), Some("A1B2C3"));
    // A rejection of the subscriber still comes back as one.
    let rejected = build_271(
        &parsed,
        &SandboxAnswer::Rejected(RejectReason::SubscriberNotFound),
        8,
        at(2026, 11, 25, 9, 6),
    )
    .unwrap();
    assert_eq!(
        parse_271(&rejected).unwrap().coverage,
        CoverageStatus::Rejected(RejectReason::SubscriberNotFound)
    );
}

// ---------------------------------------------------------------------------------------------
// Names X12 cannot carry

#[test]
fn names_without_a_standard_transliteration_are_told_apart() {
    // Accented and other Latin letters fold (NFKD, combining marks dropped, a few fixed
    // spellings): they are sent.
    let latin = Inquiry {
        subscriber_first: "Łukasz".into(),
        subscriber_last: "Nguyễn-Øster".into(),
        ..inquiry()
    };
    assert!(build_270(&latin).unwrap().contains("NM1*IL*1*NGUYEN-OSTER*LUKASZ*"));
    // Cyrillic, CJK, Greek: no rule here, so no 270, and the error says which name it was.
    for (first, last) in [("Иван", "Петров"), ("太郎", "山田"), ("Νίκος", "Παπαδόπουλος")]
    {
        let error = build_270(&Inquiry {
            subscriber_first: first.into(),
            subscriber_last: last.into(),
            ..inquiry()
        })
        .unwrap_err();
        assert!(error.is_name_outside_character_set(), "{first} {last}: {error:?}");
        assert!(!error.to_string().contains(first) && !error.to_string().contains(last));
    }
    let child = Inquiry {
        dependent: Some(Dependent {
            first: "Мария".into(),
            last: "García".into(),
            dob: date(2015, 6, 3),
        }),
        ..inquiry()
    };
    let error = build_270(&child).unwrap_err();
    assert_eq!(
        error,
        X12Error::InvalidCharacter {
            field: "dependent_first"
        }
    );
    assert!(error.is_name_outside_character_set());
    // A separator in a name is refused too, but that is a different failure.
    let separator = build_270(&Inquiry {
        payer_name: "太郎".into(),
        ..inquiry()
    })
    .unwrap_err();
    assert!(
        !separator.is_name_outside_character_set(),
        "the payer's name is not a person's"
    );
}

#[test]
fn the_271_answers_the_270_it_was_built_from() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active()));
    let segments = segments_of(&text);
    assert!(
        segments[0].contains("*ZZ*SANDBOXPAYER   *ZZ*ARRIVECLINIC   *"),
        "{}",
        segments[0]
    );
    assert_eq!(
        segments[1],
        "GS*HB*SANDBOXPAYER*ARRIVECLINIC*20261125*0906*7*X*005010X279A1"
    );
    assert_eq!(segments[2], "ST*271*0007*005010X279A1");
    assert_eq!(segments[3], "BHT*0022*11*A1B2C3*20261125*0906");
    assert!(segments.contains(&"TRN*2*A1B2C3*9234567893"));
    assert!(segments.contains(&"EB*1**30**GOLD PPO 1500"));
    assert!(segments.contains(&"EB*B**30***27*25.5*****Y"));
    assert!(segments.contains(&"EB*C*IND*30***29*1150*****Y"));
}

#[test]
fn active_coverage_round_trips() {
    let eligibility = parse_271(&sandbox_271(&SandboxAnswer::Benefits(active()))).unwrap();
    assert_eq!(
        eligibility,
        Eligibility {
            coverage: CoverageStatus::Active,
            plan_name: Some("GOLD PPO 1500".into()),
            copay_cents: Some(2550),
            deductible_remaining_cents: Some(115_000),
            trace: Some("A1B2C3".into()),
        }
    );
    let bare = Benefits {
        active: true,
        copay_cents: None,
        deductible_remaining_cents: Some(0),
        plan_name: None,
    };
    let eligibility = parse_271(&sandbox_271(&SandboxAnswer::Benefits(bare))).unwrap();
    assert_eq!(eligibility.coverage, CoverageStatus::Active);
    assert_eq!(
        (
            eligibility.plan_name,
            eligibility.copay_cents,
            eligibility.deductible_remaining_cents
        ),
        (None, None, Some(0))
    );
}

#[test]
fn inactive_coverage_round_trips() {
    let answer = SandboxAnswer::Benefits(Benefits {
        active: false,
        ..active()
    });
    let text = sandbox_271(&answer);
    assert!(segments_of(&text).contains(&"EB*6**30"));
    assert_eq!(
        parse_271(&text).unwrap(),
        Eligibility {
            coverage: CoverageStatus::Inactive,
            plan_name: None,
            copay_cents: None,
            deductible_remaining_cents: None,
            trace: Some("A1B2C3".into()),
        }
    );
}

#[test]
fn every_rejection_round_trips_in_its_loop() {
    let cases = [
        (RejectReason::InvalidMemberId, "AAA*N**72*C", "NM1*IL"),
        (RejectReason::SubscriberNotFound, "AAA*N**75*C", "NM1*IL"),
        (RejectReason::InvalidBirthDate, "AAA*N**58*C", "NM1*IL"),
        (RejectReason::PayerUnavailable, "AAA*Y**42*R", "NM1*PR"),
        (RejectReason::Other("73".into()), "AAA*N**73*C", "NM1*IL"),
        (RejectReason::Other("43".into()), "AAA*N**43*C", "NM1*1P"),
        (RejectReason::Other("T4".into()), "AAA*N**T4*C", "NM1*PR"),
    ];
    for (reason, aaa, after) in cases {
        let text = sandbox_271(&SandboxAnswer::Rejected(reason.clone()));
        let segments = segments_of(&text);
        let at = segments
            .iter()
            .position(|s| *s == aaa)
            .unwrap_or_else(|| panic!("{aaa} in {text}"));
        assert!(segments[at - 1].starts_with(after), "{aaa} after {}", segments[at - 1]);
        assert!(!text.contains("~EB*"));
        let eligibility = parse_271(&text).unwrap();
        assert_eq!(eligibility.coverage, CoverageStatus::Rejected(reason));
        assert_eq!(eligibility.trace.as_deref(), Some("A1B2C3"));
        assert_eq!(eligibility.copay_cents, None);
    }
}

#[test]
fn reject_codes_the_guide_lacks_are_refused() {
    let parsed = parse_270(&build_270(&inquiry()).unwrap()).unwrap();
    let answer = SandboxAnswer::Rejected(RejectReason::Other("ZZ".into()));
    assert_eq!(
        build_271(&parsed, &answer, 1, at(2026, 1, 1, 0, 0)),
        Err(X12Error::InvalidValue { field: "reject_reason" })
    );
}

#[test]
fn reject_codes_map_to_reasons() {
    assert_eq!(RejectReason::from_code("72"), RejectReason::InvalidMemberId);
    assert_eq!(RejectReason::from_code("75"), RejectReason::SubscriberNotFound);
    assert_eq!(RejectReason::from_code("58"), RejectReason::InvalidBirthDate);
    assert_eq!(RejectReason::from_code("71"), RejectReason::InvalidBirthDate);
    assert_eq!(RejectReason::from_code("42"), RejectReason::PayerUnavailable);
    assert_eq!(RejectReason::from_code("80"), RejectReason::PayerUnavailable);
    assert_eq!(RejectReason::from_code("76"), RejectReason::Other("76".into()));
    assert_eq!(RejectReason::Other("76".into()).code(), "76");
}

// ---------------------------------------------------------------------------------------------
// Reading tolerance and strictness

#[test]
fn line_breaks_after_terminators_are_tolerated() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active()));
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
    let text = sandbox_271(&SandboxAnswer::Benefits(active()));
    let expected = parse_271(&text).unwrap();
    let other = text.replace('*', "|").replace(':', ">").replace('~', "\n");
    assert_eq!(parse_271(&other).unwrap(), expected);
    let inquiry_text = build_270(&inquiry()).unwrap().replace('*', "!").replace('~', "'");
    assert_eq!(parse_270(&inquiry_text).unwrap().member_id, "XJH123456789");
}

#[test]
fn envelope_mismatches_are_errors() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active()));
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
    let text = sandbox_271(&SandboxAnswer::Benefits(active()));
    let start = text.find("ST*").unwrap();
    let end = text.find("GE*").unwrap();
    let twice = format!("{}{}{}", &text[..end], &text[start..end], &text[end..]).replace("GE*1*7", "GE*2*7");
    assert_eq!(parse_271(&twice), Err(X12Error::MultipleTransactions));
}

#[test]
fn a_271_without_an_answer_is_an_error() {
    let text = sandbox_271(&SandboxAnswer::Benefits(active()));
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
    let text = sandbox_271(&SandboxAnswer::Benefits(active()));
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
    let text = sandbox_271(&SandboxAnswer::Benefits(active()));
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

// ---------------------------------------------------------------------------------------------
// Hand-written samples, shaped like real payers' 271s

const ACTIVE: &str = include_str!("../../tests/x12_samples/active_copay_deductible.x12");
const INACTIVE: &str = include_str!("../../tests/x12_samples/inactive.x12");
const REJECTED_MEMBER_ID: &str = include_str!("../../tests/x12_samples/rejected_member_id.x12");
const PAYER_UNAVAILABLE: &str = include_str!("../../tests/x12_samples/payer_unavailable.x12");
const MULTILINE_CRLF: &str = include_str!("../../tests/x12_samples/multiline_crlf.x12");
const REJECTED_PROVIDER: &str = include_str!("../../tests/x12_samples/rejected_provider.x12");
const MALFORMED: [&str; 4] = [
    include_str!("../../tests/x12_samples/malformed_truncated.x12"),
    include_str!("../../tests/x12_samples/malformed_se_count.x12"),
    include_str!("../../tests/x12_samples/malformed_garbage.x12"),
    include_str!("../../tests/x12_samples/malformed_empty.x12"),
];

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
fn sample_inactive() {
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

// ---------------------------------------------------------------------------------------------
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
            let answer = SandboxAnswer::Benefits(Benefits { copay_cents: Some(cents), ..active() });
            let reply = build_271(&parsed, &answer, 1, at(2026, 1, 1, 0, 0)).unwrap();
            prop_assert_eq!(parse_271(&reply).unwrap().copay_cents, Some(cents));
        }
    }
}
