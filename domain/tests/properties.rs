//! Property tests (the fuzzing that runs on every `cargo xtask test`): every parser and
//! validator of the domain crate, fed arbitrary input, answers with a value or a typed error,
//! never a panic, and what it accepts survives a round trip.

use arrive_domain::api::{CheckInRequest, ConsentSignature, FormSubmission, ProgressSave};
use arrive_domain::consent::{stroke_path, validate_signature, SignatureError};
use arrive_domain::contact::{validate_email, validate_phone, validate_state, validate_zip};
use arrive_domain::date::{iso, parse_iso};
use arrive_domain::insurance::{validate_mbi, validate_member_id};
use arrive_domain::name::{match_key, validate_name};
use arrive_domain::questionnaire::{self, draft, QuestionnaireResponse};
use arrive_domain::text;
use arrive_domain::verification::{self, MemberIdFormat, Payer, Verification};
use arrive_domain::DateOfBirth;
use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::json;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

const SHIPPED: [&str; 6] = [
    include_str!("../../forms/reason-for-visit.json"),
    include_str!("../../forms/allergies.json"),
    include_str!("../../forms/medications.json"),
    include_str!("../../forms/phq-2.json"),
    include_str!("../../forms/phq-9.json"),
    include_str!("../../forms/pain.json"),
];

/// 512 cases per property on every test run; `cargo xtask fuzz` sets `PROPTEST_CASES` far
/// higher and bounds each property by time instead.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(512);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dates_of_birth_parse_or_say_why(text in "\\PC{0,24}", m in "[0-9]{0,3}", d in "[0-9]{0,3}", y in "[0-9]{0,5}") {
        if let Ok(dob) = DateOfBirth::parse(&text, today()) {
            prop_assert_eq!(DateOfBirth::parse(&dob.to_string(), today()), Ok(dob));
        }
        if let Ok(dob) = DateOfBirth::from_parts(&m, &d, &y, today()) {
            prop_assert_eq!(DateOfBirth::parse(&dob.to_string(), today()), Ok(dob));
        }
    }

    #[test]
    fn names_are_cleaned_once_and_for_all(text in "\\PC{0,80}") {
        let _ = match_key(&text);
        if let Ok(name) = validate_name(&text) {
            prop_assert_eq!(name.trim(), name.as_str());
            prop_assert!(!name.contains("  "));
            prop_assert_eq!(validate_name(&name), Ok(name.clone()));
        }
    }

    #[test]
    fn iso_dates_round_trip(days in 0u64..200_000, text in "\\PC{0,12}") {
        let day = NaiveDate::from_ymd_opt(1500, 1, 1).unwrap() + chrono::Days::new(days);
        prop_assert_eq!(parse_iso(&iso(day)), Some(day));
        let _ = parse_iso(&text);
    }

    #[test]
    fn the_pad_only_makes_paths_the_server_accepts(
        strokes in prop::collection::vec(prop::collection::vec((-50.0f64..700.0, -50.0f64..300.0), 1..40), 1..6),
        text in "\\PC{0,200}",
    ) {
        let path = strokes.iter().map(|s| stroke_path(s)).collect::<Vec<_>>().join(" ");
        match validate_signature(&path) {
            Ok(()) | Err(SignatureError::TooSmall) => {}
            Err(other) => prop_assert!(false, "the pad made a path refused as {:?}: {}", other, path),
        }
        let _ = validate_signature(&text);
    }

    #[test]
    fn contact_and_member_id_checks_are_idempotent(text in "\\PC{0,40}", digits in "[0-9 ()+.-]{0,20}") {
        type Check = fn(&str) -> Result<String, arrive_domain::contact::ContactError>;
        for check in [validate_state as Check, validate_zip, validate_phone, validate_email] {
            for input in [&text, &digits] {
                if let Ok(clean) = check(input) {
                    prop_assert_eq!(check(&clean), Ok(clean.clone()));
                }
            }
        }
        for input in [&text, &digits] {
            if let Ok(mbi) = validate_mbi(input) {
                prop_assert_eq!(validate_mbi(&mbi), Ok(mbi.clone()));
            }
            if let Ok(id) = validate_member_id(input) {
                prop_assert_eq!(validate_member_id(&id), Ok(id.clone()));
            }
        }
    }

    /// A form, which reads back from its own JSON as the same form, or the reasons it is not.
    #[test]
    fn any_text_loaded_as_a_form_is_a_form_or_a_reason(text in "\\PC{0,300}") {
        match questionnaire::load(&text) {
            Ok(form) => prop_assert_eq!(questionnaire::load(&serde_json::to_string(&form).unwrap()), Ok(form)),
            Err(reasons) => prop_assert!(
                !reasons.0.is_empty() && reasons.0.iter().all(|r| !r.trim().is_empty()),
                "refused without a reason: {:?}", reasons
            ),
        }
    }

    #[test]
    fn any_response_to_a_shipped_form_is_judged_without_panicking(
        form in 0usize..6,
        link in prop::sample::select(vec!["reason", "phq-1", "phq-9", "allergy", "substance", "no-medications", "pain-now", "x"]),
        value in prop_oneof![
            any::<bool>().prop_map(|b| serde_json::json!({"valueBoolean": b})),
            any::<i64>().prop_map(|i| serde_json::json!({"valueInteger": i})),
            "\\PC{0,20}".prop_map(|s| serde_json::json!({"valueString": s})),
            "\\PC{0,12}".prop_map(|s| serde_json::json!({"valueDate": s})),
            "[A-Z]{2}[0-9]{4}-[0-9]".prop_map(|c| serde_json::json!({"valueCoding": {"system": "http://loinc.org", "code": c}})),
        ],
        nested in any::<bool>(),
    ) {
        let form = questionnaire::load(SHIPPED[form]).unwrap();
        let item = if nested {
            serde_json::json!([{"linkId": "allergy", "item": [{"linkId": link, "answer": [value]}]}])
        } else {
            serde_json::json!([{"linkId": link, "answer": [value]}])
        };
        let response: QuestionnaireResponse = serde_json::from_value(serde_json::json!({
            "resourceType": "QuestionnaireResponse", "status": "completed", "item": item
        })).unwrap();
        match questionnaire::validate(&form, &response) {
            // What passes is submitted as it was given: nothing in it is empty or disabled.
            Ok(()) => prop_assert_eq!(draft::finish(&form, &response.item).item, response.item.clone()),
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                // No shipped form has an item "x": an answer to it is named as unknown.
                if link == "x" && !nested {
                    prop_assert!(
                        problems.iter().any(|p| p.link_id == "x" && p.kind == questionnaire::ProblemKind::UnknownItem),
                        "{:?}", problems
                    );
                }
            }
        }
        // Staff read one line at most for the one answer given.
        let summary = questionnaire::summary::answered(&form.item, &response, "es");
        prop_assert!(summary.len() <= 1, "{:?}", summary);
    }

    /// The JSON decoders of what a tablet sends: any text decodes to a request or is refused,
    /// never a panic; a decoded verification is judged by `validate`, also without panicking.
    /// A pre-registration's saved progress is kept only as big as the kiosk makes it (40
    /// fields of 200 characters, 16 answers, 20 forms), and what is kept reads back the same.
    #[test]
    fn saved_progress_is_kept_only_within_its_limits(
        fields in prop::collection::vec("\\PC{0,220}", 0..45),
        answers in prop::collection::vec(any::<u8>(), 0..20),
        forms in 0usize..24,
        step in 0usize..6,
    ) {
        let steps = ["details", "insurance", "intake", "consents", "payment", "review"];
        let forms_json: Vec<_> = (0..forms).map(|i| serde_json::json!({"id": format!("form-{i}"), "item": []})).collect();
        let saved: arrive_domain::api::SavedProgress = serde_json::from_value(serde_json::json!({
            "step": steps[step], "fields": fields, "answers": answers, "forms": forms_json
        })).unwrap();
        let small_enough = fields.len() <= 40
            && fields.iter().all(|f| f.chars().count() <= 200)
            && answers.len() <= 16
            && forms <= 20;
        prop_assert_eq!(saved.within_limits(), small_enough);
        let again: arrive_domain::api::SavedProgress = serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
        prop_assert_eq!(again, saved);
    }

    /// The JSON decoders of what a tablet sends: a request any JSON encoder writes decodes to
    /// exactly the values it holds (escapes and all, nothing trimmed or folded); a field the
    /// server does not know, a missing one or one of the wrong type is refused, naming it; and
    /// whatever arbitrary text decodes to encodes and decodes back to the same request.
    #[test]
    fn kiosk_submissions_decode_or_are_refused(
        token in "\\PC{0,40}",
        key in proptest::option::of("\\PC{0,64}"),
        name in "\\PC{0,40}",
        path in "\\PC{0,80}",
        by_typing in any::<bool>(),
        answer in "\\PC{0,40}",
        text in "\\PC{0,400}",
    ) {
        let check_in = json!({"match_token": token, "idempotency_key": key});
        prop_assert_eq!(
            decoded::<CheckInRequest>(&check_in),
            Ok(CheckInRequest { match_token: token.clone(), idempotency_key: key.clone(), verification: None })
        );
        let signature = json!({"match_token": token, "version": name, "typed_name": name,
            "signature_path": path, "signed_by_typing": by_typing, "language": "es"});
        prop_assert_eq!(
            decoded::<ConsentSignature>(&signature),
            Ok(ConsentSignature {
                match_token: token.clone(), version: name.clone(), typed_name: name.clone(),
                signature_path: path.clone(), signed_by_typing: by_typing, language: "es".into(),
            })
        );
        let form = json!({"match_token": token, "response": {"resourceType": "QuestionnaireResponse",
            "status": "completed", "item": [{"linkId": "reason", "answer": [{"valueString": answer}]}]}});
        let submission = decoded::<FormSubmission>(&form).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&submission.match_token, &token);
        prop_assert_eq!(serde_json::to_value(&submission.response).unwrap(), form["response"].clone());

        let mut unknown = signature.clone();
        unknown["ssn"] = json!(name);
        let refused = decoded::<ConsentSignature>(&unknown).unwrap_err();
        prop_assert!(refused.starts_with("unknown field `ssn`"), "{}", refused);
        let mut missing = check_in.clone();
        missing.as_object_mut().unwrap().remove("match_token");
        let refused = decoded::<CheckInRequest>(&missing).unwrap_err();
        prop_assert!(refused.starts_with("missing field `match_token`"), "{}", refused);
        let mut wrong_type = form.clone();
        wrong_type["response"]["item"][0]["answer"][0] = json!({"valueString": by_typing});
        let refused = decoded::<FormSubmission>(&wrong_type).unwrap_err();
        prop_assert!(refused.starts_with("invalid type: boolean"), "{}", refused);

        if let Ok(request) = serde_json::from_str::<CheckInRequest>(&text) {
            prop_assert_eq!(decoded::<CheckInRequest>(&serde_json::to_value(&request).unwrap()), Ok(request));
        }
        if let Ok(request) = serde_json::from_str::<ConsentSignature>(&text) {
            prop_assert_eq!(decoded::<ConsentSignature>(&serde_json::to_value(&request).unwrap()), Ok(request));
        }
        if let Ok(saved) = serde_json::from_str::<ProgressSave>(&text) {
            prop_assert_eq!(decoded::<ProgressSave>(&serde_json::to_value(&saved).unwrap()), Ok(saved));
        }
        if let Ok(v) = serde_json::from_str::<Verification>(&text) {
            // Judged to a value or a reason; what passes is stable (as below).
            if let Ok(valid) = verification::validate(&v, &payers()) {
                prop_assert_eq!(verification::validate(&valid, &payers()), Ok(valid.clone()));
            }
        }
    }

    /// The server's edge reads JSON text without decoding it: it must see a control character
    /// exactly when the decoded strings (values or keys) hold one, however it was written.
    #[test]
    fn the_control_character_scan_of_json_agrees_with_its_strings(
        texts in prop::collection::vec("(\\PC|[\\x00-\\x1f\\x7f-\\u{9f}\\\\\"]){0,12}", 1..4),
        raw in any::<bool>(),
    ) {
        let value = serde_json::json!({ texts[0].clone(): texts });
        let mut json = serde_json::to_string(&value).unwrap();
        if raw {
            // Escapes where serde_json writes DEL and C1 as themselves: both forms count.
            json = json.replace('\u{7f}', "\\u007f").replace('\u{85}', "\\u0085");
        }
        let expected = texts.iter().any(|t| text::has_forbidden_control(t));
        prop_assert_eq!(text::json_has_forbidden_control(json.as_bytes()), expected);
    }

    #[test]
    fn any_verification_is_judged_and_what_passes_is_stable(
        fields in prop::collection::vec("\\PC{0,24}", 12),
        relationship in prop::sample::select(vec!["self", "spouse", "child", "other"]),
        payer in prop::sample::select(vec!["MCR01", "SBX01", "NOPE"]),
        payment in prop::sample::select(vec!["card_at_desk", "cash_or_check", "bill_me", "financial_assistance"]),
    ) {
        let f = |i: usize| fields[i].clone();
        let json = serde_json::json!({
            "address": {"answer": "changed", "value": {"line": f(0), "city": f(1), "state": f(2), "zip": f(3)}},
            "phone": {"answer": "changed", "value": f(4)},
            "email": {"answer": "changed", "value": f(5)},
            "emergency_contact": {"answer": "changed", "value": {"name": f(6), "phone": f(7)}},
            "language": {"answer": "changed", "value": f(8)},
            "insurance": {"answer": "changed", "primary": {"payer_id": payer, "member_id": f(9),
                "group_number": f(10), "relationship": relationship, "subscriber_name": f(11),
                "subscriber_dob": f(0)}, "secondary": null},
            "payment": payment,
        });
        let v: Verification = serde_json::from_value(json).unwrap();
        if let Ok(valid) = verification::validate(&v, &payers()) {
            // What the server stores re-validates to itself: normalising twice changes nothing.
            prop_assert_eq!(verification::validate(&valid, &payers()), Ok(valid.clone()));
        }
    }
}

/// `value` as a tablet would send it (JSON text), decoded; the decoder's reason when refused.
fn decoded<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<T, String> {
    serde_json::from_str(&value.to_string()).map_err(|e| e.to_string())
}

fn payers() -> Vec<Payer> {
    vec![
        Payer {
            id: "MCR01".into(),
            name: "Medicare".into(),
            member_id_format: MemberIdFormat::Mbi,
        },
        Payer {
            id: "SBX01".into(),
            name: "Sandbox Health Plan".into(),
            member_id_format: MemberIdFormat::Generic,
        },
    ]
}
