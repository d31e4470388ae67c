//! Reading schedule Bundles: the demo's, and each way a practice system's export may differ.

use super::*;

const BUNDLE: &str = include_str!("../../../../demo/schedule.fhir.json");

fn in_zone(zone: &str) -> ImportSettings {
    ImportSettings {
        clinic_time_zone: zone.parse().unwrap(),
        ..ImportSettings::default()
    }
}

fn utc() -> ImportSettings {
    ImportSettings::default()
}

#[test]
fn the_demo_bundle_loads_whole() {
    let text = BUNDLE.replace("\"today", "\"2026-11-25");
    let (rows, errors) = parse(&text, &in_zone("America/Chicago")).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(rows.len() >= 6);
    let maria = rows.iter().find(|r| r.first_name == "María").unwrap();
    assert_eq!(maria.starts_at, "2026-11-25T08:30");
    let record = maria.record.as_ref().unwrap();
    assert_eq!(record.address.as_ref().unwrap().state, "TX");
    assert!(record.phone.as_ref().unwrap().starts_with("+1"));
    assert_eq!(record.coverages.len(), 2, "primary and secondary");
    let sean = rows
        .iter()
        .find(|r| r.last_name == "O'Brien")
        .unwrap()
        .record
        .as_ref()
        .unwrap();
    let contact = sean.emergency_contact.as_ref().unwrap();
    assert_eq!(
        (contact.name.as_str(), contact.phone.as_deref()),
        ("Maeve O'Brien", Some("+15125550153"))
    );
    assert_eq!(sean.balance_cents, Some(4550));
    let with_contact = rows
        .iter()
        .filter(|r| r.record.as_ref().unwrap().emergency_contact.is_some());
    assert!(with_contact.count() >= 6, "about half the demo patients have one");
}

#[test]
fn an_emergency_contact_and_a_balance_are_read_and_checked() {
    let patient = |extra: &str| {
        format!(
            r#"{{"resourceType":"Bundle","type":"collection","entry":[
              {{"fullUrl":"urn:uuid:p1","resource":{{"resourceType":"Patient","name":[{{"family":"Smith","given":["Ann"]}}],"birthDate":"1970-02-03"{extra}}}}},
              {{"resource":{{"resourceType":"Appointment","id":"a1","start":"2026-11-25T09:00:00-06:00",
                "appointmentType":{{"coding":[{{"code":"office-visit"}}]}},
                "participant":[{{"actor":{{"reference":"urn:uuid:p1"}}}},{{"actor":{{"reference":"Practitioner/x","display":"Dr. Patel"}}}}]}}}}
            ]}}"#
        )
    };
    let read = |extra: &str| parse(&patient(extra), &utc()).unwrap();
    let (rows, _) = read(
        r#","contact":[{"name":{"given":["Bo"],"family":"Smith"},"telecom":[{"system":"email","value":"b@x.org"},{"system":"phone","value":"512-555-0190"}]}],
           "extension":[{"url":"https://arrive.example.org/fhir/StructureDefinition/account-balance","valueMoney":{"value":12.345,"currency":"USD"}}]"#,
    );
    let record = rows[0].record.as_ref().unwrap();
    let contact = record.emergency_contact.as_ref().unwrap();
    assert_eq!(
        (contact.name.as_str(), contact.phone.as_deref()),
        ("Bo Smith", Some("+15125550190"))
    );
    assert_eq!(record.balance_cents, Some(1235));
    let (rows, _) = read("");
    let record = rows[0].record.as_ref().unwrap();
    assert_eq!((record.emergency_contact.as_ref(), record.balance_cents), (None, None));
    for (bad, reason) in [
        (r#","contact":[{"name":{"text":"B0b"}}]"#, "contact name"),
        (
            r#","contact":[{"name":{"text":"Bob"},"telecom":[{"system":"phone","value":"12"}]}]"#,
            "contact phone",
        ),
        (
            r#","extension":[{"url":"https://arrive.example.org/fhir/StructureDefinition/account-balance","valueMoney":{"value":-5}}]"#,
            "account-balance",
        ),
    ] {
        let (rows, errors) = read(bad);
        assert!(rows.is_empty());
        assert!(errors[0].reason.contains(reason), "{:?}", errors[0]);
    }
}

#[test]
fn bad_entries_say_why_by_number_without_their_contents() {
    let text = r#"{"resourceType":"Bundle","type":"collection","entry":[
      {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Smith","given":["Ann"]}],"birthDate":"1970-02-03",
        "address":[{"line":["1 Main St"],"city":"Austin","state":"ZZ","postalCode":"78701"}]}},
      {"resource":{"resourceType":"Appointment","id":"a1","status":"booked","start":"2026-11-25T09:00:00-06:00",
        "appointmentType":{"coding":[{"code":"office-visit"}]},
        "participant":[{"actor":{"reference":"urn:uuid:p1"},"status":"accepted"},{"actor":{"reference":"Practitioner/x","display":"Dr. Patel"},"status":"accepted"}]}},
      {"resource":{"resourceType":"Appointment","id":"a2","status":"booked","start":"2026-11-25T09:00:00-06:00",
        "participant":[{"actor":{"reference":"Patient/nobody"},"status":"accepted"}]}},
      {"resource":{"resourceType":"Observation","id":"o1"}}
    ]}"#;
    let (rows, errors) = parse(text, &utc()).unwrap();
    assert!(rows.is_empty());
    let entries: Vec<u64> = errors.iter().filter_map(|e| e.entry).collect();
    assert_eq!(entries, [2, 3], "the Observation is not a schedule's: ignored");
    assert!(errors[0].reason.contains("state"));
    assert!(errors
        .iter()
        .all(|e| !e.reason.contains("Smith") && !e.reason.contains("ZZ")));
    assert!(parse("{\"resourceType\":\"Patient\"}", &utc()).is_err());
    assert!(parse("not json", &utc()).is_err());
}

/// A Bundle of one Patient (`patient` its extra elements) and one Appointment (`appointment`
/// its extra elements), then `more` entries.
fn one(patient: &str, appointment: &str, more: &str) -> String {
    format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[
          {{"fullUrl":"urn:uuid:p1","resource":{{"resourceType":"Patient","name":[{{"family":"Smith","given":["Ann"]}}],"birthDate":"1970-02-03"{patient}}}}},
          {{"resource":{{"resourceType":"Appointment","appointmentType":{{"coding":[{{"code":"office-visit"}}]}},
            "participant":[{{"actor":{{"reference":"urn:uuid:p1"}}}},{{"actor":{{"reference":"Practitioner/x","display":"Dr. Patel"}}}}]{appointment}}}}}{more}
        ]}}"#
    )
}

#[test]
fn times_with_z_or_an_offset_are_the_clinics_wall_clock_and_keep_their_instant() {
    let chicago = in_zone("America/Chicago");
    let read = |appointment: &str| {
        let (rows, errors) = parse(&one("", &format!(r#","id":"a1"{appointment}"#), ""), &chicago).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let row = &rows[0];
        (
            row.starts_at.clone(),
            row.starts_at_instant.clone(),
            row.ends_at_instant.clone(),
        )
    };
    let times = |start: &str, instant: &str, end: &str| (start.to_owned(), instant.to_owned(), end.to_owned());
    assert_eq!(
        read(r#","start":"2026-12-02T19:00:00Z","minutesDuration":20"#),
        times(
            "2026-12-02T13:00",
            "2026-12-02T13:00:00-06:00",
            "2026-12-02T13:20:00-06:00"
        )
    );
    assert_eq!(
        read(r#","start":"2026-12-02T20:00:00+01:00","end":"2026-12-02T20:45:00+01:00""#),
        times(
            "2026-12-02T13:00",
            "2026-12-02T13:00:00-06:00",
            "2026-12-02T13:45:00-06:00"
        )
    );
    // Summer time in Chicago; no end: the default length.
    assert_eq!(
        read(r#","start":"2026-07-01T14:00:00Z""#),
        times(
            "2026-07-01T09:00",
            "2026-07-01T09:00:00-05:00",
            "2026-07-01T09:15:00-05:00"
        )
    );
    // Past midnight in UTC is still the evening before in Chicago.
    assert_eq!(read(r#","start":"2026-12-03T01:30:00Z""#).0, "2026-12-02T19:30");
    // No offset (not FHIR, but seen): the clinic's wall clock.
    assert_eq!(read(r#","start":"2026-12-02T09:30:00""#).1, "2026-12-02T09:30:00-06:00");
    // In UTC the instant is shown as it is.
    let (rows, _) = parse(&one("", r#","id":"a1","start":"2026-12-02T19:00:00Z""#, ""), &utc()).unwrap();
    assert_eq!(
        (rows[0].starts_at.as_str(), rows[0].starts_at_instant.as_str()),
        ("2026-12-02T19:00", "2026-12-02T19:00:00+00:00")
    );
    for (bad, reason) in [
        (
            r#","start":"2026-12-02T19:00:00Z","end":"2026-12-02T18:00:00Z""#,
            "end after it starts",
        ),
        (
            r#","start":"2026-12-02T19:00:00Z","minutesDuration":0"#,
            "minutesDuration",
        ),
        (
            r#","start":"2026-12-02T19:00:00Z","minutesDuration":"15""#,
            "minutesDuration",
        ),
        (r#","start":"tomorrow at nine""#, "start is not a date and time"),
        (
            r#","start":"2026-12-02T19:00:00Z","end":"soon""#,
            "end is not a date and time",
        ),
    ] {
        let (rows, errors) = parse(&one("", &format!(r#","id":"a1"{bad}"#), ""), &chicago).unwrap();
        assert!(rows.is_empty(), "{bad}");
        assert!(errors[0].reason.contains(reason), "{bad}: {:?}", errors[0]);
        assert!(!errors[0].reason.contains("soon") && !errors[0].reason.contains("tomorrow"));
    }
}

#[test]
fn identifiers_keep_their_own_system_and_the_patients_is_its_mrn() {
    let text = BUNDLE.replace("\"today", "\"2026-11-25");
    let (rows, _) = parse(&text, &in_zone("America/Chicago")).unwrap();
    let okafor = rows.iter().find(|r| r.last_name == "Okafor").unwrap();
    assert_eq!(
        okafor.patient_identifier,
        Some(Identifier {
            system: "urn:oid:2.16.840.1.113883.3.9999.1".into(),
            value: "MRN-1001".into()
        }),
        "the MR-typed identifier, not the first"
    );
    assert_eq!(
        (okafor.external_system.as_str(), okafor.external_id.as_str()),
        ("urn:oid:2.16.840.1.113883.3.9999.2", "DEMO-01")
    );
    assert_eq!(okafor.ends_at_instant, "2026-11-25T08:15:00-06:00");

    let start = r#","start":"2026-12-02T19:00:00Z""#;
    let read = |patient: &str, appointment: &str| {
        let (rows, errors) = parse(&one(patient, &format!("{start}{appointment}"), ""), &utc()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        rows.into_iter().next().unwrap()
    };
    // No type: the first identifier with a system and a value (an old one skipped).
    let row = read(
        r#","identifier":[{"value":"no-system"},{"use":"old","system":"urn:x:old","value":"1"},{"system":"https://ehr.example.org/mrn","value":"77 1"}]"#,
        r#","identifier":[{"system":"https://ehr.example.org/appt","value":"V-9"}],"id":"a1""#,
    );
    let identifier = row.patient_identifier.unwrap();
    assert_eq!(
        (identifier.system.as_str(), identifier.value.as_str()),
        ("https://ehr.example.org/mrn", "77 1")
    );
    assert_eq!(
        (row.external_system.as_str(), row.external_id.as_str()),
        ("https://ehr.example.org/appt", "V-9")
    );
    // An Appointment known only by its id is labelled with the configured system.
    let row = read("", r#","id":"a1""#);
    assert_eq!(row.patient_identifier, None);
    assert_eq!(
        (row.external_system.as_str(), row.external_id.as_str()),
        ("urn:arrive:practice-appointment", "a1")
    );
}

#[test]
fn hostile_identifiers_are_refused_by_entry_without_their_value_or_kept_for_encoding() {
    let start = r#","start":"2026-12-02T19:00:00Z""#;
    let appointment_id = |value: &str| format!(r#"{start},"identifier":[{{"system":"urn:x:appt","value":{value}}}]"#);
    let mrn = |value: &str| format!(r#","identifier":[{{"system":"urn:x:mrn","value":{value}}}]"#);
    let long = "é".repeat(65);
    for (patient, appointment, reason) in [
        (String::new(), appointment_id(r#""A\nB""#), "control characters"),
        (String::new(), appointment_id(r#""A|B""#), "control characters or |"),
        (
            String::new(),
            appointment_id(&format!("\"{long}\"")),
            "1 to 64 characters",
        ),
        (
            mrn(r#""M\u0000""#),
            appointment_id(r#""A1""#),
            "Patient's identifier must not",
        ),
        (
            mrn(r#""M|1""#),
            appointment_id(r#""A1""#),
            "Patient's identifier must not",
        ),
        (
            mrn(&format!("\"{long}\"")),
            appointment_id(r#""A1""#),
            "Patient's identifier must be",
        ),
        (
            r#","identifier":[{"system":"not a uri","value":"M1"}]"#.to_owned(),
            appointment_id(r#""A1""#),
            "identifier system is not a URI",
        ),
    ] {
        let (rows, errors) = parse(&one(&patient, &appointment, ""), &utc()).unwrap();
        assert!(rows.is_empty(), "{patient} {appointment}");
        assert_eq!(errors[0].entry, Some(2));
        assert!(errors[0].reason.contains(reason), "{:?}", errors[0]);
        assert!(!errors[0].reason.contains("éé") && !errors[0].reason.contains("M|1"));
    }
    // Counted in characters: 64 two-byte letters are 64, not 128.
    let (rows, errors) = parse(
        &one(
            &mrn(&format!("\"{}\"", "é".repeat(64))),
            &appointment_id(r#""A 1?x=1&y#2/3""#),
            "",
        ),
        &utc(),
    )
    .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        rows[0].external_id, "A 1?x=1&y#2/3",
        "kept as sent, to be URL-encoded where it goes in a URL"
    );
    assert_eq!(rows[0].patient_identifier.as_ref().unwrap().value.chars().count(), 64);
}

#[test]
fn a_bundle_without_an_appointment_is_not_a_schedule_and_other_resources_are_ignored() {
    for text in [
        r#"{"resourceType":"Bundle","type":"collection"}"#,
        r#"{"resourceType":"Bundle","type":"collection","entry":[]}"#,
        r#"{"resourceType":"Bundle","type":"collection","entry":{"resource":{"resourceType":"Appointment"}}}"#,
        r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p"}}]}"#,
    ] {
        assert!(parse(text, &utc()).is_err(), "{text}");
    }
    let others = r#",
      {"resource":{"resourceType":"Organization","id":"o1","name":"Clinic"}},
      {"resource":{"resourceType":"Encounter","id":"e1","status":"planned"}},
      {"resource":{"resourceType":"Practitioner","id":"x"}},
      {"resource":{"resourceType":"Location","id":"l1"}},
      {"resource":{"resourceType":"Observation","id":"ob1"}},
      {"fullUrl":"urn:uuid:nothing"}"#;
    let text = one("", r#","id":"a1","start":"2026-12-02T19:00:00Z""#, others);
    let (rows, errors) = parse(&text, &utc()).unwrap();
    assert_eq!((rows.len(), errors), (1, vec![]));
    // Windows tools start a UTF-8 file with a byte order mark.
    let (rows, errors) = parse(&format!("\u{feff}{text}"), &utc()).unwrap();
    assert_eq!((rows.len(), errors.len()), (1, 0));
}
