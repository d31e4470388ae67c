//! What one side writes the other reads back: the 270 and the 271 from the sandbox payer, the
//! dependent loop (2000D), and names X12 cannot carry told apart.

use super::*;

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
    let text = build_270(&dependent_inquiry()).unwrap();
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
    let parsed = parse_270(&build_270(&dependent_inquiry()).unwrap()).unwrap();
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
    let text = build_270(&dependent_inquiry()).unwrap().replace("DMG*D8*20150603~", "");
    let text = text.replace("SE*16*", "SE*15*");
    assert_eq!(parse_270(&text), Err(X12Error::MissingSegment { segment: "DMG" }));
}

#[test]
fn the_271_to_a_dependent_answers_in_2000d_and_reads_back() {
    let parsed = parse_270(&build_270(&dependent_inquiry()).unwrap()).unwrap();
    let text = build_271(&parsed, &SandboxAnswer::Benefits(active_benefits()), 7, answered_at()).unwrap();
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
        answered_at(),
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
    let text = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
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
    let eligibility = parse_271(&sandbox_271(&SandboxAnswer::Benefits(active_benefits()))).unwrap();
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
        ..active_benefits()
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
