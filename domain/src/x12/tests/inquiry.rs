//! Writing the 270: the guide's segments in order, a fixed-width ISA, SE01's count, names
//! folded to the X12 character set, and values refused by field without quoting them.

use super::*;

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
    let valid = sandbox_271(&SandboxAnswer::Benefits(active_benefits()));
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
