use serde_json::{json, Value};

use super::model::localized;
use super::phq::{self, Severity};
use super::*;

const SHIPPED: [(&str, &str); 6] = [
    ("reason-for-visit", include_str!("../../../forms/reason-for-visit.json")),
    ("allergies", include_str!("../../../forms/allergies.json")),
    ("medications", include_str!("../../../forms/medications.json")),
    ("phq-2", include_str!("../../../forms/phq-2.json")),
    ("phq-9", include_str!("../../../forms/phq-9.json")),
    ("pain", include_str!("../../../forms/pain.json")),
];

fn shipped(name: &str) -> Questionnaire {
    let (_, json) = SHIPPED.iter().find(|(n, _)| *n == name).expect("a shipped form");
    load(json).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn form(items: Value) -> Questionnaire {
    let json = json!({"resourceType": "Questionnaire", "id": "t", "status": "active", "item": items});
    load(&json.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn response(items: Value) -> QuestionnaireResponse {
    let json = json!({"resourceType": "QuestionnaireResponse", "status": "completed", "item": items});
    serde_json::from_value(json).expect("a response")
}

fn kinds(result: Result<(), Vec<Problem>>) -> Vec<(String, ProblemKind)> {
    result
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.link_id, p.kind))
        .collect()
}

#[test]
fn every_shipped_form_loads_and_is_translated() {
    for (name, json) in SHIPPED {
        let form = load(json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(localized(form.title.as_deref(), form.title_element.as_ref(), "es")
            .is_some_and(|t| t != form.title.as_deref().unwrap()));
        fn check(items: &[Item], form: &str) {
            for item in items {
                let en = item
                    .text
                    .as_deref()
                    .unwrap_or_else(|| panic!("{form}/{}: no text", item.link_id));
                let es = localized(item.text.as_deref(), item.text_element.as_ref(), "es").unwrap();
                assert_ne!(en, es, "{form}/{}: no Spanish text", item.link_id);
                check(&item.item, form);
            }
        }
        check(&form.item, name);
    }
}

#[test]
fn unsupported_features_are_refused_when_loading_with_a_reason() {
    let base = |item: Value| {
        json!({"resourceType": "Questionnaire", "id": "x", "status": "active", "item": [item]}).to_string()
    };
    let cases = [
        (
            base(json!({"linkId": "a", "type": "open-choice", "text": "?"})),
            "open-choice",
        ),
        (
            base(json!({"linkId": "a", "type": "string", "calculatedExpression": "1"})),
            "calculatedExpression",
        ),
        (
            base(json!({"linkId": "a", "type": "string", "modifierExtension": []})),
            "modifierExtension",
        ),
        (
            base(json!({"linkId": "a", "type": "choice", "answerValueSet": "http://x"})),
            "answerValueSet",
        ),
        (base(json!({"linkId": "a", "type": "choice"})), "answerOption"),
        (base(json!({"linkId": "a", "type": "group"})), "at least one item"),
        (
            base(json!({"linkId": "a", "type": "integer", "maxLength": 3})),
            "maxLength",
        ),
        (
            base(
                json!({"linkId": "a", "type": "string", "enableWhen": [{"question": "zz", "operator": "exists", "answerBoolean": true}]}),
            ),
            "no item has this linkId",
        ),
        (
            base(
                json!({"linkId": "a", "type": "string", "enableWhen": [{"question": "a", "operator": "exists", "answerBoolean": true}]}),
            ),
            "itself",
        ),
        (
            base(json!({"linkId": "a", "type": "group", "item": [{"linkId": "a", "type": "string"}]})),
            "used twice",
        ),
        (
            base(
                json!({"linkId": "a", "type": "string", "enableWhen": [{"question": "a", "operator": "~", "answerBoolean": true}]}),
            ),
            "unknown variant",
        ),
        (
            base(json!({"linkId": "a", "type": "boolean", "initial": [{"valueString": "yes"}]})),
            "initial",
        ),
    ];
    for (json, expected) in cases {
        let error = load(&json).expect_err(expected).to_string();
        assert!(error.contains(expected), "expected {expected:?} in: {error}");
    }
    let wrong_type = json!({"resourceType": "Patient", "id": "x", "status": "active"}).to_string();
    assert!(load(&wrong_type).unwrap_err().to_string().contains("resourceType"));
}

fn conditional_form() -> Questionnaire {
    form(json!([
        {"linkId": "smoke", "type": "boolean", "text": "Do you smoke?"},
        {"linkId": "per-day", "type": "integer", "text": "How many a day?", "required": true,
         "enableWhen": [{"question": "smoke", "operator": "=", "answerBoolean": true}]},
        {"linkId": "heavy", "type": "string", "text": "Heavy smoker note",
         "enableWhen": [{"question": "per-day", "operator": ">=", "answerInteger": 20}]},
        {"linkId": "color", "type": "choice", "text": "Colour",
         "answerOption": [{"valueCoding": {"system": "s", "code": "red"}}, {"valueCoding": {"system": "s", "code": "blue"}}]},
        {"linkId": "not-red", "type": "string", "text": "Why not red?",
         "enableWhen": [{"question": "color", "operator": "!=", "answerCoding": {"system": "s", "code": "red"}}]},
        {"linkId": "either", "type": "string", "text": "Either",
         "enableBehavior": "any",
         "enableWhen": [{"question": "smoke", "operator": "exists", "answerBoolean": true},
                        {"question": "color", "operator": "exists", "answerBoolean": true}]},
        {"linkId": "both", "type": "string", "text": "Both",
         "enableBehavior": "all",
         "enableWhen": [{"question": "smoke", "operator": "exists", "answerBoolean": true},
                        {"question": "color", "operator": "exists", "answerBoolean": true}]},
        {"linkId": "dated", "type": "date", "text": "When?"},
        {"linkId": "recent", "type": "string", "text": "Recent",
         "enableWhen": [{"question": "dated", "operator": ">", "answerDate": "2026-01-01"}]},
        {"linkId": "old", "type": "string", "text": "Old",
         "enableWhen": [{"question": "dated", "operator": "<", "answerDate": "2026-01-01"}]},
        {"linkId": "low", "type": "string", "text": "Low",
         "enableWhen": [{"question": "per-day", "operator": "<=", "answerInteger": 5}]},
        {"linkId": "not-exists", "type": "string", "text": "Nothing dated",
         "enableWhen": [{"question": "dated", "operator": "exists", "answerBoolean": false}]}
    ]))
}

#[test]
fn enable_when_operators_and_behaviours() {
    let q = conditional_form();
    // (answers, items that must be enabled, items that must not be)
    let table: Vec<(Value, Vec<&str>, Vec<&str>)> = vec![
        (
            json!([]),
            vec!["smoke", "color", "not-red", "not-exists"],
            vec!["per-day", "heavy", "either", "both", "recent", "old", "low"],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": false}]}]),
            vec!["either"],
            vec!["per-day", "both"],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": true}]}, {"linkId": "per-day", "answer": [{"valueInteger": 20}]}]),
            vec!["per-day", "heavy"],
            vec!["low"],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": true}]}, {"linkId": "per-day", "answer": [{"valueInteger": 19}]}]),
            vec!["per-day"],
            vec!["heavy", "low"],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": true}]}, {"linkId": "per-day", "answer": [{"valueInteger": 5}]}]),
            vec!["low"],
            vec!["heavy"],
        ),
        (
            json!([{"linkId": "color", "answer": [{"valueCoding": {"system": "s", "code": "red", "display": "Red"}}]}]),
            vec!["either"],
            vec!["not-red", "both"],
        ),
        (
            json!([{"linkId": "color", "answer": [{"valueCoding": {"system": "s", "code": "blue"}}]}]),
            vec!["not-red"],
            vec![],
        ),
        (
            json!([{"linkId": "color", "answer": [{"valueCoding": {"system": "s", "code": "blue"}}]}, {"linkId": "smoke", "answer": [{"valueBoolean": false}]}]),
            vec!["either", "both"],
            vec![],
        ),
        (
            json!([{"linkId": "dated", "answer": [{"valueDate": "2026-06-01"}]}]),
            vec!["recent"],
            vec!["old", "not-exists"],
        ),
        (
            json!([{"linkId": "dated", "answer": [{"valueDate": "2025-06-01"}]}]),
            vec!["old"],
            vec!["recent"],
        ),
        (
            json!([{"linkId": "dated", "answer": [{"valueDate": "2026-01-01"}]}]),
            vec![],
            vec!["old", "recent"],
        ),
        // Answers of a disabled question do not enable others: per-day is disabled (no smoking).
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": false}]}, {"linkId": "per-day", "answer": [{"valueInteger": 30}]}]),
            vec![],
            vec!["per-day", "heavy"],
        ),
    ];
    for (answers, on, off) in table {
        let enabled = enabled_items(&q, &response(answers.clone()).item);
        for id in on {
            assert!(enabled.contains(id), "{id} should be enabled for {answers}");
        }
        for id in off {
            assert!(!enabled.contains(id), "{id} should be disabled for {answers}");
        }
    }
}

#[test]
fn required_type_and_disabled_rules() {
    let q = conditional_form();
    let table: Vec<(Value, Vec<(&str, ProblemKind)>)> = vec![
        (json!([]), vec![]),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": true}]}]),
            vec![("per-day", ProblemKind::Missing)],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": true}]}, {"linkId": "per-day", "answer": [{"valueInteger": 3}]}]),
            vec![],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": false}]}, {"linkId": "per-day", "answer": [{"valueInteger": 3}]}]),
            vec![("per-day", ProblemKind::AnsweredWhileDisabled)],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueString": "yes"}]}]),
            vec![("smoke", ProblemKind::WrongType)],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": true}, {"valueBoolean": false}]}, {"linkId": "per-day", "answer": [{"valueInteger": 1}]}]),
            vec![("smoke", ProblemKind::TooManyAnswers)],
        ),
        (
            json!([{"linkId": "color", "answer": [{"valueCoding": {"system": "s", "code": "green"}}]}]),
            vec![("color", ProblemKind::NotAnOption)],
        ),
        (
            json!([{"linkId": "nope", "answer": [{"valueBoolean": true}]}]),
            vec![("nope", ProblemKind::UnknownItem)],
        ),
        (
            json!([{"linkId": "dated", "answer": [{"valueDate": "2026-02-30"}]}]),
            vec![(
                "dated",
                ProblemKind::InvalidValue("a date must be a real YYYY-MM-DD date".into()),
            )],
        ),
        (
            json!([{"linkId": "smoke", "answer": [{"valueBoolean": true, "valueString": "x"}]}, {"linkId": "per-day", "answer": [{"valueInteger": 1}]}]),
            vec![
                (
                    "smoke",
                    ProblemKind::InvalidValue("more than one value is given".into()),
                ),
                // An invalid answer counts for nothing, so the follow-up question does not apply.
                ("per-day", ProblemKind::AnsweredWhileDisabled),
            ],
        ),
    ];
    for (answers, expected) in table {
        let got = kinds(validate(&q, &response(answers.clone())));
        let expected: Vec<(String, ProblemKind)> = expected.into_iter().map(|(id, k)| (id.to_owned(), k)).collect();
        assert_eq!(got, expected, "for {answers}");
    }
    let mut draft = response(json!([]));
    draft.status = "in-progress".into();
    assert_eq!(
        kinds(validate(&q, &draft)),
        vec![(String::new(), ProblemKind::NotAResponse)]
    );
}

#[test]
fn repeating_groups_and_the_no_known_allergies_switch() {
    let q = shipped("allergies");
    let two = json!([
        {"linkId": "allergy", "item": [{"linkId": "substance", "answer": [{"valueString": "Penicillin"}]}, {"linkId": "reaction", "answer": [{"valueString": "Rash"}]}]},
        {"linkId": "allergy", "item": [{"linkId": "substance", "answer": [{"valueString": "Peanuts"}]}]}
    ]);
    assert_eq!(validate(&q, &response(two)), Ok(()));
    let missing_substance =
        json!([{"linkId": "allergy", "item": [{"linkId": "reaction", "answer": [{"valueString": "Rash"}]}]}]);
    assert_eq!(
        kinds(validate(&q, &response(missing_substance))),
        vec![("substance".to_owned(), ProblemKind::Missing)]
    );
    let none = json!([{"linkId": "no-known-allergies", "answer": [{"valueBoolean": true}]}]);
    assert_eq!(validate(&q, &response(none)), Ok(()));
    let contradiction = json!([
        {"linkId": "no-known-allergies", "answer": [{"valueBoolean": true}]},
        {"linkId": "allergy", "item": [{"linkId": "substance", "answer": [{"valueString": "Latex"}]}]}
    ]);
    assert_eq!(
        kinds(validate(&q, &response(contradiction))),
        vec![("allergy".to_owned(), ProblemKind::AnsweredWhileDisabled)]
    );
    let too_long =
        json!([{"linkId": "allergy", "item": [{"linkId": "substance", "answer": [{"valueString": "x".repeat(121)}]}]}]);
    assert_eq!(
        kinds(validate(&q, &response(too_long))),
        vec![("substance".to_owned(), ProblemKind::TooLong)]
    );
}

fn phq_answers(points: &[u32]) -> Value {
    let codes = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"];
    Value::Array(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| json!({"linkId": format!("phq-{}", i + 1), "answer": [{"valueCoding": {"system": "http://loinc.org", "code": codes[*p as usize]}}]}))
            .collect(),
    )
}

#[test]
fn phq9_severity_at_every_band_edge() {
    let table = [
        (0, Severity::NoneMinimal),
        (4, Severity::NoneMinimal),
        (5, Severity::Mild),
        (9, Severity::Mild),
        (10, Severity::Moderate),
        (14, Severity::Moderate),
        (15, Severity::ModeratelySevere),
        (19, Severity::ModeratelySevere),
        (20, Severity::Severe),
        (27, Severity::Severe),
    ];
    for (total, band) in table {
        assert_eq!(phq::phq9_severity(total), band, "total {total}");
    }
}

#[test]
fn phq_scores_come_from_the_answers() {
    let phq9 = shipped("phq-9");
    let all_codes: Vec<&str> = phq::PHQ2_ITEMS
        .iter()
        .chain(phq::PHQ9_REST_ITEMS.iter())
        .copied()
        .collect();
    for points in [[0; 9], [3; 9], [1, 2, 3, 0, 1, 2, 3, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 1]] {
        let r = response(phq_answers(&points));
        assert_eq!(validate(&phq9, &r), Ok(()));
        assert_eq!(
            phq::total(&phq9, &r.item, &all_codes),
            Some(points.iter().sum()),
            "{points:?}"
        );
        assert_eq!(phq::item_points(&phq9, &r.item, phq::PHQ9_ITEM9), Some(points[8]));
    }
    // A missing answer means no total, never a silently lower one.
    let partial = response(phq_answers(&[1, 1]));
    assert_eq!(phq::total(&phq9, &partial.item, &all_codes), None);

    let phq2 = shipped("phq-2");
    for (points, needed) in [
        ([1, 1], false),
        ([2, 0], false),
        ([1, 2], true),
        ([3, 0], true),
        ([3, 3], true),
    ] {
        let r = response(phq_answers(&points));
        assert_eq!(validate(&phq2, &r), Ok(()));
        let total = phq::total(&phq2, &r.item, &phq::PHQ2_ITEMS).unwrap();
        assert_eq!(phq::phq9_needed(total), needed, "{points:?}");
    }
}

#[test]
fn pain_scale_takes_0_to_10() {
    let q = shipped("pain");
    assert_eq!(
        validate(
            &q,
            &response(json!([{"linkId": "pain-now", "answer": [{"valueInteger": 10}]}]))
        ),
        Ok(())
    );
    assert_eq!(
        kinds(validate(
            &q,
            &response(json!([{"linkId": "pain-now", "answer": [{"valueInteger": 11}]}]))
        )),
        vec![("pain-now".to_owned(), ProblemKind::NotAnOption)]
    );
    assert_eq!(
        kinds(validate(&q, &response(json!([]))),),
        vec![("pain-now".to_owned(), ProblemKind::Missing)]
    );
}

#[test]
fn a_draft_edited_like_the_kiosk_does_finishes_into_a_valid_response() {
    let q = shipped("medications");
    let mut items = draft::start(&q.item);
    assert_eq!(
        draft::rows(&items, &[], "medication"),
        1,
        "a list starts with one empty row"
    );
    // An untouched form with an empty row finishes empty, and that is valid (nothing required).
    assert_eq!(draft::finish(&q, &items).item, vec![]);

    let row = |i: usize| vec![("medication".to_owned(), i)];
    draft::set_answer(&mut items, &row(0), "name", Some(Answer::String("Metformin".into())));
    let group = &q.item[1];
    draft::add_row(&mut items, &[], group);
    draft::add_row(&mut items, &[], group);
    draft::set_answer(&mut items, &row(1), "name", Some(Answer::String("Aspirin".into())));
    draft::set_answer(&mut items, &row(2), "name", Some(Answer::String("Lisinopril".into())));
    draft::set_answer(&mut items, &row(2), "dose", Some(Answer::String("10 mg".into())));
    draft::remove_row(&mut items, &[], "medication", 1);
    assert_eq!(draft::rows(&items, &[], "medication"), 2);
    assert_eq!(
        draft::answer(&items, &row(1), "name"),
        Some(Answer::String("Lisinopril".into()))
    );
    let done = draft::finish(&q, &items);
    assert_eq!(validate(&q, &done), Ok(()));
    assert_eq!(done.item.len(), 2);

    // Ticking "I take no medicines" drops the rows already typed: they no longer apply.
    draft::set_answer(&mut items, &[], "no-medications", Some(Answer::Boolean(true)));
    let done = draft::finish(&q, &items);
    assert_eq!(validate(&q, &done), Ok(()));
    assert_eq!(done.item.len(), 1);
    assert_eq!(done.item[0].link_id, "no-medications");

    // A row with a dose but no name is reported on the name.
    draft::set_answer(&mut items, &[], "no-medications", None);
    draft::set_answer(&mut items, &row(0), "name", None);
    assert_eq!(kinds(validate(&q, &draft::finish(&q, &items))), vec![]);
    draft::set_answer(&mut items, &row(0), "dose", Some(Answer::String("5 mg".into())));
    assert_eq!(
        kinds(validate(&q, &draft::finish(&q, &items))),
        vec![("name".to_owned(), ProblemKind::Missing)]
    );
}

#[test]
fn typed_text_becomes_an_answer_of_the_item_type() {
    use draft::parse_typed;
    type Parsed = Result<Option<Answer>, ()>;
    let cases: Vec<(ItemType, &str, Parsed)> = vec![
        (ItemType::Integer, " 42 ", Ok(Some(Answer::Integer(42)))),
        (ItemType::Integer, "4.5", Err(())),
        (ItemType::Integer, "", Ok(None)),
        (ItemType::Decimal, "37,5", Ok(Some(Answer::Decimal(37.5)))),
        (ItemType::Decimal, "NaN", Err(())),
        (
            ItemType::Date,
            "2026-02-28",
            Ok(Some(Answer::Date(
                chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
            ))),
        ),
        (ItemType::Date, "2026-02-30", Err(())),
        (ItemType::Text, "  cough  ", Ok(Some(Answer::String("cough".into())))),
        (ItemType::String, "   ", Ok(None)),
    ];
    for (kind, text, expected) in cases {
        let got = parse_typed(kind, text).map_err(|_| ());
        assert_eq!(got, expected, "{kind:?} {text:?}");
        if let Ok(Some(answer)) = &got {
            assert_eq!(parse_typed(kind, &draft::typed_text(Some(answer))).map_err(|_| ()), got);
        }
    }
}

#[test]
fn initial_values_prefill_the_draft() {
    let q = form(json!([{"linkId": "n", "type": "integer", "initial": [{"valueInteger": 3}]}]));
    let items = draft::start(&q.item);
    assert_eq!(draft::answer(&items, &[], "n"), Some(Answer::Integer(3)));
}

#[test]
fn the_phq9_starts_with_the_phq2_answers_already_given() {
    let (phq2, phq9) = (shipped("phq-2"), shipped("phq-9"));
    let given = response(phq_answers(&[1, 2])).item;
    let mut items = draft::start(&phq9.item);
    draft::carry_over(&phq9, &mut items, &phq2, &given);
    let response = draft::finish(&phq9, &items);
    assert_eq!(phq::total(&phq9, &response.item, &phq::PHQ2_ITEMS), Some(3));
    assert_eq!(phq::item_points(&phq9, &response.item, phq::PHQ9_ITEM9), None);
}

#[test]
fn staff_read_answers_as_text_with_rows_numbered() {
    let q = shipped("allergies");
    let given = response(json!([
        {"linkId": "allergy", "item": [{"linkId": "substance", "answer": [{"valueString": "Penicillin"}]}, {"linkId": "reaction", "answer": [{"valueString": "Rash"}]}]},
        {"linkId": "allergy", "item": [{"linkId": "substance", "answer": [{"valueString": "Latex"}]}]}
    ]));
    let rows = summary::answered(&q.item, &given, "en");
    let questions: Vec<&str> = rows.iter().map(|(q, _)| q.as_str()).collect();
    assert_eq!(questions.len(), 3);
    assert!(questions[0].starts_with("Allergy 1 · Substance"), "{questions:?}");
    assert!(questions[2].starts_with("Allergy 2 · "), "{questions:?}");
    assert_eq!(rows[2].1, "Latex");

    let phq = shipped("phq-2");
    let rows = summary::answered(&phq.item, &response(phq_answers(&[3, 0])), "es");
    assert_eq!(rows.len(), 2);
    assert_ne!(
        rows[0].1, "LA6571-9",
        "a coded answer reads as its display, not its code"
    );
}
