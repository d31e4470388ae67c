//! A real FHIR engine as the clinic's EHR, holding the practice system's day: every kind of
//! change a patient makes at check-in reaches it once, where it belongs.

use crate::common;

use std::collections::HashMap;

use arrive_server::Config;
use common::fhir_engine::FhirEngine;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use super::demo_day_as_the_ehr_holds_it;

/// `identifier` of a patient in the demo's practice system.
const DEMO_MRN_SYSTEM: &str = "urn:oid:2.16.840.1.113883.3.9999.1";

async fn sign_all(kiosk: &Client, base: &str, token: &str, name: &str) -> usize {
    let pending = pending_consents(kiosk, base, token).await;
    for consent in &pending {
        let signed = post(
            kiosk,
            &format!("{base}/api/v1/kiosk/consents/{}/signatures", consent.id),
            json!({"match_token": token, "version": consent.version, "typed_name": name,
                   "signature_path": "M 10.0 150.0 L 60.0 40.0", "signed_by_typing": false, "language": "en"}),
        )
        .await;
        assert_eq!(signed.status(), StatusCode::NO_CONTENT, "{}", consent.id);
    }
    pending.len()
}

async fn arrived_ids(staff: &Client, base: &str) -> Vec<i64> {
    desk_day(staff, base)
        .await
        .appointments
        .iter()
        .filter(|a| a.arrived_at.is_some())
        .map(|a| a.id)
        .collect()
}

/// The engine's one Patient with this MRN (asserting there is exactly one).
async fn chart(engine: &FhirEngine, mrn: &str) -> Value {
    let found = engine
        .search(&format!("Patient?identifier={DEMO_MRN_SYSTEM}|{mrn}"))
        .await;
    assert_eq!(found.len(), 1, "one chart for {mrn}");
    found[0].clone()
}

async fn coverages_of(engine: &FhirEngine, mrn: &str) -> Vec<Value> {
    engine
        .search(&format!("Coverage?beneficiary.identifier={DEMO_MRN_SYSTEM}|{mrn}"))
        .await
}

/// The clinic's IT connects Arrive to a real FHIR engine holding the practice system's day,
/// and patients check in with every kind of change; the engine's own searches then show one
/// chart and one appointment per visit, each change where it belongs, nothing twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_ehr_gets_one_chart_one_appointment_and_every_change() {
    let engine = FhirEngine::start().await;
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Config {
        fhir_endpoint: Some(engine.url.clone()),
        public_url: Some("https://checkin.clinic.example".into()),
        ..test_config(data.path())
    })
    .await;
    let (kiosk, staff) = (kiosk_client(), staff_client(&server.url).await);
    let base = server.url.as_str();
    let day = desk_day(&staff, base).await.date;
    let (status, answer) = engine.post_bundle(&demo_day_as_the_ehr_holds_it(&day)).await;
    assert_eq!(status, 200, "{answer}");
    let as_loaded: HashMap<String, Value> = engine
        .search("Appointment?_count=100")
        .await
        .into_iter()
        .map(|a| (a["identifier"][0]["value"].as_str().unwrap().to_owned(), a))
        .collect();
    assert_eq!(as_loaded.len(), 13);

    // 1, 2: nothing changed (Medicare; no insurance on file).
    for (last, dob, n) in [("Okafor", "1949-12-02", 1), ("N'Diaye", "1995-02-28", 2)] {
        let token = token_for(&kiosk, base, last, dob).await;
        checked_in_verified(&kiosk, base, &token, &idempotency_key(n), nothing_changed()).await;
    }
    // 3: a new address, and every consent signed.
    let token = token_for(&kiosk, base, "García-López", "1958-04-12").await;
    let signed = sign_all(&kiosk, base, &token, "María García-López").await;
    let mut moved = nothing_changed();
    moved["address"] =
        json!({"answer": "changed", "value": {"line": "12 Elm St", "city": "Austin", "state": "TX", "zip": "78702"}});
    checked_in_verified(&kiosk, base, &token, &idempotency_key(3), moved).await;
    // 4: new insurance, Medicare (an MBI) instead of a commercial plan.
    let token = token_for(&kiosk, base, "O'Brien", "1971-09-30").await;
    let mut medicare = nothing_changed();
    medicare["insurance"] = json!({"answer": "changed", "primary": {
        "payer_id": "MCR01", "member_id": "3AC4DE5FG67", "group_number": null,
        "relationship": "self", "subscriber_name": null, "subscriber_dob": null}, "secondary": null});
    checked_in_verified(&kiosk, base, &token, &idempotency_key(4), medicare).await;
    // 5: no insurance any more: self-pay.
    let token = token_for(&kiosk, base, "Smith", "1990-01-01").await;
    let mut self_pay = nothing_changed();
    self_pay["insurance"] = json!({"answer": "self_pay"});
    self_pay["payment"] = json!("bill_me");
    checked_in_verified(&kiosk, base, &token, &idempotency_key(5), self_pay).await;
    // 6: a PHQ-2 of 4, then a PHQ-9 with item 9 above "Not at all"; the tablet adds an
    // extension and rewords an option's display, which must not reach the EHR.
    let token = token_for(&kiosk, base, "Johnson", "1980-11-05").await;
    let phq2 = submit(&kiosk, base, "phq-2", &token, phq_answers(&[2, 2])).await;
    assert_eq!(phq2.status(), StatusCode::NO_CONTENT);
    let mut phq9 = phq_answers(&[2, 2, 1, 1, 0, 0, 1, 0, 1]);
    phq9["item"][0]["answer"][0]["valueCoding"]["display"] = json!("TABLET SAYS SO");
    phq9["item"][0]["answer"][0]["extension"] = json!([{"url": "https://tablet.example/x", "valueString": "hi"}]);
    let phq9 = submit(&kiosk, base, "phq-9", &token, phq9).await;
    assert_eq!(phq9.status(), StatusCode::NO_CONTENT, "{}", phq9.text().await.unwrap());
    checked_in_verified(&kiosk, base, &token, &idempotency_key(6), nothing_changed()).await;
    // 7: the wrong phone at first; staff undo the check-in and she checks in again, corrected.
    let token = token_for(&kiosk, base, "de la Cruz", "1962-07-19").await;
    let mut typo = nothing_changed();
    typo["phone"] = json!({"answer": "changed", "value": "512-555-0170"});
    checked_in_verified(&kiosk, base, &token, &idempotency_key(7), typo).await;
    let ana = board_row(&staff, base, "Ana D.").await.id;
    let first = eventually("Ana's first delivery", async || {
        let d = desk_detail(&staff, base, ana).await.ehr_delivery?;
        (d.delivered_at.is_some() || d.rejection.is_some()).then_some(d)
    })
    .await;
    assert_eq!(first.rejection, None, "{first:?}");
    let undone = desk_action(&staff, base, ana, "undo-check-in").await;
    assert_eq!(undone.status(), StatusCode::NO_CONTENT);
    let token = token_for(&kiosk, base, "de la Cruz", "1962-07-19").await;
    let mut corrected = nothing_changed();
    corrected["phone"] = json!({"answer": "changed", "value": "512-555-0177"});
    checked_in_verified(&kiosk, base, &token, &idempotency_key(8), corrected).await;
    // 8: the EHR answers 503 twice before it takes the delivery (once the others are in, so
    // the two 503s are this one's).
    for id in arrived_ids(&staff, base).await {
        eventually("the deliveries so far", async || {
            desk_detail(&staff, base, id).await.ehr_delivery?.delivered_at
        })
        .await;
    }
    engine.fail_next(503, 2).await;
    let token = token_for(&kiosk, base, "St. John", "1977-10-10").await;
    checked_in_verified(&kiosk, base, &token, &idempotency_key(9), nothing_changed()).await;
    let grace = board_row(&staff, base, "Grace S.").await.id;
    let delivery = eventually("Grace's delivery after two 503s", async || {
        let d = desk_detail(&staff, base, grace).await.ehr_delivery?;
        d.delivered_at.is_some().then_some(d)
    })
    .await;
    assert_eq!(delivery.attempts, 3, "503, 503, then taken");
    // 9, 10: a new phone and e-mail; a new emergency contact.
    let token = token_for(&kiosk, base, "Müller", "2001-07-04").await;
    let mut contact = nothing_changed();
    contact["phone"] = json!({"answer": "changed", "value": "512-555-0181"});
    contact["email"] = json!({"answer": "changed", "value": "zoe@example.org"});
    checked_in_verified(&kiosk, base, &token, &idempotency_key(10), contact).await;
    let token = token_for(&kiosk, base, "Hernández", "1944-03-21").await;
    let mut emergency = nothing_changed();
    emergency["emergency_contact"] =
        json!({"answer": "changed", "value": {"name": "Diego Hernández", "phone": "512-555-0162"}});
    checked_in_verified(&kiosk, base, &token, &idempotency_key(11), emergency).await;

    // Every check-in delivered.
    let arrived = arrived_ids(&staff, base).await;
    assert_eq!(arrived.len(), 10);
    for id in &arrived {
        let delivery = eventually("every delivery", async || {
            let d = desk_detail(&staff, base, *id).await.ehr_delivery?;
            d.delivered_at.is_some().then_some(d)
        })
        .await;
        assert_eq!(delivery.rejection, None);
    }

    // One chart per person, one appointment per visit, none created.
    assert_eq!(engine.search("Patient?_count=100").await.len(), 13);
    let appointments = engine.search("Appointment?_count=100").await;
    assert_eq!(appointments.len(), 13);
    let mut arrived_in_ehr = 0;
    for now in &appointments {
        let id = now["identifier"][0]["value"].as_str().unwrap();
        let mut before = as_loaded[id].clone();
        let mut after = now.clone();
        if after["status"] == "arrived" {
            arrived_in_ehr += 1;
            assert_eq!(before["status"], "booked");
        }
        // Everything but the status (and the engine's version stamp) is as loaded.
        for resource in [&mut before, &mut after] {
            let map = resource.as_object_mut().unwrap();
            map.remove("status");
            map.remove("meta");
        }
        assert_eq!(after, before, "{id}: only the status changed");
    }
    assert_eq!(arrived_in_ehr, 10);

    // The new address; the corrected phone, not the mistyped one; other elements kept.
    let maria = chart(&engine, "MRN-1002").await;
    assert_eq!(maria["address"][0]["line"][0], "12 Elm St");
    assert_eq!(maria["address"][0]["postalCode"], "78702");
    assert_eq!(maria["name"][0]["family"], "García-López");
    let ana = chart(&engine, "MRN-1007").await;
    assert_eq!(ana["telecom"][0]["value"], "+15125550177");
    let zoe = chart(&engine, "MRN-1010").await;
    assert_eq!(zoe["telecom"][0]["value"], "+15125550181");
    assert_eq!(zoe["telecom"][1]["value"], "zoe@example.org");
    let jose = chart(&engine, "MRN-1011").await;
    assert_eq!(jose["contact"][0]["name"]["text"], "Diego Hernández");
    let chidi = chart(&engine, "MRN-1001").await;
    assert_eq!(
        chidi["telecom"][0]["value"], "(512) 555-0101",
        "nothing changed: nothing touched"
    );

    // Insurance: Sean's Medicare is active under CMS's MBI system, his old plan cancelled.
    let sean = coverages_of(&engine, "MRN-1003").await;
    assert_eq!(sean.len(), 2, "{sean:?}");
    let medicare = sean.iter().find(|c| c["subscriberId"] == "3AC4DE5FG67").unwrap();
    assert_eq!(medicare["status"], "active");
    assert_eq!(medicare["identifier"][0]["system"], "http://hl7.org/fhir/sid/us-mbi");
    assert_eq!(medicare["identifier"][0]["type"]["coding"][0]["code"], "MB");
    let payor = medicare["payor"][0]["reference"].as_str().unwrap();
    assert!(payor.starts_with("Organization/"), "{payor}");
    let old = sean.iter().find(|c| c["subscriberId"] == "SBX-100300").unwrap();
    assert_eq!(old["status"], "cancelled");
    // James pays himself now: billing sees a self-pay Coverage; his plan is cancelled.
    let james = coverages_of(&engine, "MRN-1004").await;
    assert_eq!(james.len(), 2, "{james:?}");
    assert!(james
        .iter()
        .any(|c| c["status"] == "active" && c["type"]["coding"][0]["code"] == "pay"));
    assert!(james
        .iter()
        .any(|c| c["status"] == "cancelled" && c["subscriberId"] == "SBX-100400"));
    // Insurance confirmed as it was: nothing new.
    assert_eq!(coverages_of(&engine, "MRN-1001").await.len(), 1);

    // Robert's PHQ scores and the item-9 flag; his answers as the form defines them.
    let robert = chart(&engine, "MRN-1008").await;
    let robert_ref = format!("Patient/{}", robert["id"].as_str().unwrap());
    let phq9_total = engine
        .search(&format!(
            "Observation?code=http://loinc.org|44261-6&subject={robert_ref}"
        ))
        .await;
    assert_eq!(phq9_total.len(), 1);
    assert_eq!(phq9_total[0]["valueInteger"], 8);
    assert_eq!(phq9_total[0]["component"][0]["valueInteger"], 1, "item 9");
    let phq2_total = engine
        .search(&format!(
            "Observation?code=http://loinc.org|55758-7&subject={robert_ref}"
        ))
        .await;
    assert_eq!(phq2_total.len(), 1);
    assert_eq!(phq2_total[0]["valueInteger"], 4);
    let flags = engine.search(&format!("Flag?subject={robert_ref}")).await;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0]["status"], "active");
    let responses = engine
        .search(&format!("QuestionnaireResponse?subject={robert_ref}"))
        .await;
    assert_eq!(responses.len(), 2);
    let text = serde_json::to_string(&responses).unwrap();
    assert!(
        !text.contains("TABLET SAYS SO") && !text.contains("tablet.example"),
        "{text}"
    );
    let phq9_response = responses
        .iter()
        .find(|r| r["questionnaire"].as_str().unwrap().contains("phq-9"))
        .unwrap();
    assert!(phq9_response["item"][0]["text"].as_str().unwrap().len() > 10);
    assert_eq!(phq9_response["author"]["reference"], robert_ref);

    // María's signatures: the privacy notice and the consent to treat as Consents pointing at
    // the wording signed; the financial agreement as a document, not a consent to care.
    let maria_ref = format!("Patient/{}", maria["id"].as_str().unwrap());
    let consents = engine.search(&format!("Consent?patient={maria_ref}")).await;
    let agreements = engine.search(&format!("DocumentReference?subject={maria_ref}")).await;
    assert_eq!(consents.len() + agreements.len(), signed);
    let scopes: Vec<&str> = consents
        .iter()
        .map(|c| c["scope"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    assert!(
        scopes.contains(&"patient-privacy") && scopes.contains(&"treatment"),
        "{scopes:?}"
    );
    for consent in &consents {
        let policy = consent["policy"][0]["uri"].as_str().unwrap();
        let path = policy
            .strip_prefix("https://checkin.clinic.example")
            .expect("the wording at the clinic's public URL");
        let wording: Value = get_json(&Client::new(), &format!("{base}{path}")).await;
        assert!(wording["text"]["en"].as_str().unwrap().len() > 50);
    }

    // A delivery repeated changes nothing: deliver María's stored Bundle again, by hand.
    let maria_visit = board_row(&staff, base, "María G.").await.id;
    let stored: Value = get_json(&staff, &format!("{base}/fhir/r4/Bundle/{maria_visit}")).await;
    let counts = |engine: &FhirEngine| {
        let engine = engine.url.clone();
        async move {
            let client = Client::new();
            let mut counts = Vec::new();
            for kind in [
                "Patient",
                "Appointment",
                "Coverage",
                "Consent",
                "DocumentReference",
                "QuestionnaireResponse",
                "Observation",
                "Flag",
                "Organization",
            ] {
                let bundle: Value = get_json(&client, &format!("{engine}/{kind}?_count=1000")).await;
                counts.push(bundle["entry"].as_array().map_or(0, Vec::len));
            }
            counts
        }
    };
    let before = counts(&engine).await;
    let (status, answer) = engine.post_bundle(&stored).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(counts(&engine).await, before, "nothing created twice");

    // Everything the engine holds passes its validator and the R4 invariants (app-2 too).
    let (checked, failures) = engine.validate_all().await;
    let held: usize = counts(&engine).await.iter().sum();
    assert_eq!(checked as usize, held);
    assert!(failures.is_empty(), "{failures:#?}");
    server.stop().await;
}
