//! Arrive speaking healthcare's languages, checked by validators nobody on this team wrote:
//! the schedule as a FHIR Bundle in, each check-in as a FHIR R4 transaction Bundle out (served
//! to staff and delivered through the outbox to a real HTTP receiver that fails at first), and
//! eligibility as X12 270/271 with the sandbox payer.

use crate::common;

use std::collections::HashMap;

use arrive_domain::api::{CoverageCheck, DeskDay, Eligibility};
use arrive_server::Config;
use common::fhir_engine::FhirEngine;
use common::validators::{assert_valid_fhir, assert_valid_x12};
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn today(staff: &Client, base: &str) -> DeskDay {
    get_json(staff, &format!("{base}/api/v1/desk/appointments")).await
}

async fn check_in(kiosk: &Client, base: &str, last_name: &str, dob: &str) {
    let token = token_for(kiosk, base, last_name, dob).await;
    let response = post(
        kiosk,
        &format!("{base}/api/v1/kiosk/check-in"),
        json!({"match_token": token}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

fn entries_of<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_in_is_served_as_a_valid_fhir_r4_transaction_bundle() {
    let (_data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let id = board_row(&staff, &server.url, "María G.").await.id;
    let bundle_url = format!("{}/fhir/r4/Bundle/{id}", server.url);
    // Not checked in yet: there is no check-in to hand off.
    let early = staff.get(&bundle_url).send().await.unwrap();
    expect_error(early, StatusCode::NOT_FOUND, arrive_domain::ErrorCode::NotFound).await;

    // María answers the PHQ-2, signs the privacy notice, and checks in.
    let token = token_for(&kiosk, &server.url, "García-López", "1958-04-12").await;
    let answered = submit(&kiosk, &server.url, "phq-2", &token, phq_answers(&[1, 0])).await;
    assert_eq!(answered.status(), StatusCode::NO_CONTENT);
    let pending: arrive_domain::api::ConsentList = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/consents/pending", server.url),
        json!({"match_token": token}),
    )
    .await
    .json()
    .await
    .unwrap();
    for (i, consent) in pending.consents.iter().enumerate() {
        // The last one signed by typing alone (no drawing), as a patient who cannot draw would.
        let by_typing = i == 2;
        let path = if by_typing {
            ""
        } else {
            "M 10.0 150.0 L 60.0 40.0 L 120.0 160.0"
        };
        let signed = post(
            &kiosk,
            &format!("{}/api/v1/kiosk/consents/{}/signatures", server.url, consent.id),
            json!({"match_token": token, "version": consent.version, "typed_name": "María García-López",
                   "signature_path": path, "signed_by_typing": by_typing,
                   "language": "es"}),
        )
        .await;
        assert_eq!(signed.status(), StatusCode::NO_CONTENT, "{}", consent.id);
    }
    let checked_in = post(
        &kiosk,
        &format!("{}/api/v1/kiosk/check-in", server.url),
        json!({"match_token": token}),
    )
    .await;
    assert_eq!(checked_in.status(), StatusCode::OK);

    let response = staff.get(&bundle_url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/fhir+json"));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let served = response.text().await.unwrap();
    let bundle: Value = serde_json::from_str(&served).unwrap();
    assert_valid_fhir(&bundle);
    let day = today(&staff, &server.url).await.date;

    assert_eq!(bundle["type"], "transaction");
    // The EHR's Patient and Appointment are found by the practice system's identifiers and
    // patched; nothing María confirmed is sent as a change.
    let patched: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["request"]["method"] == "PATCH")
        .map(|e| e["request"]["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        patched,
        [
            "Patient?identifier=urn%3Aoid%3A2.16.840.1.113883.3.9999.1|MRN-1002",
            &*format!("Appointment?identifier=urn%3Aoid%3A2.16.840.1.113883.3.9999.2|DEMO-{day}-02"),
        ]
    );
    assert!(entries_of(&bundle, "Coverage").is_empty(), "insurance unchanged");
    let responses = entries_of(&bundle, "QuestionnaireResponse");
    assert_eq!(responses.len(), 1);
    let response = &responses[0]["resource"];
    assert!(response["questionnaire"].as_str().unwrap().contains("phq-2"));
    // Built from the form's definition: its texts and option displays.
    assert!(response["item"][0]["text"].as_str().unwrap().contains("interest"));
    assert_eq!(
        response["item"][0]["answer"][0]["valueCoding"]["display"],
        "Several days"
    );
    let phq2 = entries_of(&bundle, "Observation");
    assert_eq!(phq2.len(), 1);
    assert_eq!(phq2[0]["resource"]["code"]["coding"][0]["code"], "55758-7");
    assert_eq!(phq2[0]["resource"]["valueInteger"], 1);
    // Two consents; the financial agreement is a document, not a consent to care.
    let consents = entries_of(&bundle, "Consent");
    assert_eq!(consents.len(), 2);
    let agreement = entries_of(&bundle, "DocumentReference");
    assert_eq!(agreement.len(), 1);
    assert_eq!(
        agreement[0]["resource"]["type"]["coding"][0]["code"],
        "financial-responsibility"
    );
    assert_eq!(
        agreement[0]["resource"]["content"][0]["attachment"]["contentType"],
        "text/plain"
    );
    // Every reference inside the Bundle resolves to one of its entries.
    let full_urls: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    let text = bundle.to_string();
    for reference in text.split("\"reference\":\"").skip(1) {
        let reference = reference.split('"').next().unwrap();
        assert!(full_urls.contains(&reference), "dangling reference {reference}");
    }
    // Created resources are conditional: a second delivery must not duplicate them.
    for entry in bundle["entry"].as_array().unwrap() {
        if entry["request"]["method"] == "POST" {
            assert!(entry["request"]["ifNoneExist"]
                .as_str()
                .unwrap()
                .starts_with("identifier="));
        }
    }

    // Served as built: the practice system sending the day again, with a new address, does
    // not change what was handed off.
    let admin = staff_client(&server.url).await;
    let moved = include_str!("../../../demo/schedule.fhir.json")
        .replace("\"today", &format!("\"{day}"))
        .replace("\"DEMO-", &format!("\"DEMO-{day}-"))
        .replace("77 Elm Ave", "9 Moved Rd");
    let reimport = admin
        .post(format!("{}/api/v1/admin/schedule", server.url))
        .header("content-type", "application/fhir+json")
        .body(moved)
        .send()
        .await
        .unwrap();
    assert_eq!(reimport.status(), StatusCode::OK);
    let again = staff.get(&bundle_url).send().await.unwrap().text().await.unwrap();
    assert_eq!(again, served);

    // Staff only, and audited.
    let anonymous = Client::new().get(&bundle_url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let missing = staff
        .get(format!("{}/fhir/r4/Bundle/999999", server.url))
        .send()
        .await
        .unwrap();
    expect_error(missing, StatusCode::NOT_FOUND, arrive_domain::ErrorCode::NotFound).await;
    let audit: Value = staff
        .get(format!("{}/api/v1/admin/audit", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(audit.to_string().contains("view_fhir_bundle"));
    server.stop().await;
}

/// The demo day as the EHR holds it: the practice system's Bundle (the one the demo clinic
/// imports) created resource by resource in the engine, each coverage with its member number
/// as a typed identifier, as US Core asks.
fn demo_day_as_the_ehr_holds_it(day: &str) -> Value {
    let text = include_str!("../../../demo/schedule.fhir.json")
        .replace("\"today", &format!("\"{day}"))
        .replace("\"DEMO-", &format!("\"DEMO-{day}-"));
    let mut bundle: Value = serde_json::from_str(&text).unwrap();
    bundle["type"] = json!("transaction");
    for entry in bundle["entry"].as_array_mut().unwrap() {
        let kind = entry["resource"]["resourceType"].as_str().unwrap().to_owned();
        entry["resource"].as_object_mut().unwrap().remove("id");
        if kind == "Coverage" {
            let member = entry["resource"]["subscriberId"].clone();
            entry["resource"]["identifier"] = json!([{
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB"}]},
                "value": member,
            }]);
        }
        entry["request"] = json!({"method": "POST", "url": kind});
    }
    bundle
}

/// `identifier` of a patient in the demo's practice system.
const DEMO_MRN_SYSTEM: &str = "urn:oid:2.16.840.1.113883.3.9999.1";

fn key(n: u8) -> String {
    format!("{n:02x}").repeat(16)
}

async fn check_in_verified(kiosk: &Client, base: &str, token: &str, key: &str, verification: Value) {
    let response = post(
        kiosk,
        &format!("{base}/api/v1/kiosk/check-in"),
        json!({"match_token": token, "idempotency_key": key, "verification": verification}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
}

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
    today(staff, base)
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
    let day = today(&staff, base).await.date;
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
        check_in_verified(&kiosk, base, &token, &key(n), nothing_changed()).await;
    }
    // 3: a new address, and every consent signed.
    let token = token_for(&kiosk, base, "García-López", "1958-04-12").await;
    let signed = sign_all(&kiosk, base, &token, "María García-López").await;
    let mut moved = nothing_changed();
    moved["address"] =
        json!({"answer": "changed", "value": {"line": "12 Elm St", "city": "Austin", "state": "TX", "zip": "78702"}});
    check_in_verified(&kiosk, base, &token, &key(3), moved).await;
    // 4: new insurance, Medicare (an MBI) instead of a commercial plan.
    let token = token_for(&kiosk, base, "O'Brien", "1971-09-30").await;
    let mut medicare = nothing_changed();
    medicare["insurance"] = json!({"answer": "changed", "primary": {
        "payer_id": "MCR01", "member_id": "3AC4DE5FG67", "group_number": null,
        "relationship": "self", "subscriber_name": null, "subscriber_dob": null}, "secondary": null});
    check_in_verified(&kiosk, base, &token, &key(4), medicare).await;
    // 5: no insurance any more: self-pay.
    let token = token_for(&kiosk, base, "Smith", "1990-01-01").await;
    let mut self_pay = nothing_changed();
    self_pay["insurance"] = json!({"answer": "self_pay"});
    self_pay["payment"] = json!("bill_me");
    check_in_verified(&kiosk, base, &token, &key(5), self_pay).await;
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
    check_in_verified(&kiosk, base, &token, &key(6), nothing_changed()).await;
    // 7: the wrong phone at first; staff undo the check-in and she checks in again, corrected.
    let token = token_for(&kiosk, base, "de la Cruz", "1962-07-19").await;
    let mut typo = nothing_changed();
    typo["phone"] = json!({"answer": "changed", "value": "512-555-0170"});
    check_in_verified(&kiosk, base, &token, &key(7), typo).await;
    let ana = board_row(&staff, base, "Ana D.").await.id;
    let first = eventually("Ana's first delivery", async || {
        let d = desk_detail(&staff, base, ana).await.ehr_delivery?;
        (d.delivered_at.is_some() || d.rejection.is_some()).then_some(d)
    })
    .await;
    assert_eq!(first.rejection, None, "{first:?}");
    let undone = staff
        .post(format!("{base}/api/v1/desk/appointments/{ana}/undo-check-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(undone.status(), StatusCode::NO_CONTENT);
    let token = token_for(&kiosk, base, "de la Cruz", "1962-07-19").await;
    let mut corrected = nothing_changed();
    corrected["phone"] = json!({"answer": "changed", "value": "512-555-0177"});
    check_in_verified(&kiosk, base, &token, &key(8), corrected).await;
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
    check_in_verified(&kiosk, base, &token, &key(9), nothing_changed()).await;
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
    check_in_verified(&kiosk, base, &token, &key(10), contact).await;
    let token = token_for(&kiosk, base, "Hernández", "1944-03-21").await;
    let mut emergency = nothing_changed();
    emergency["emergency_contact"] =
        json!({"answer": "changed", "value": {"name": "Diego Hernández", "phone": "512-555-0162"}});
    check_in_verified(&kiosk, base, &token, &key(11), emergency).await;

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

/// An EHR that wants SMART Backend Services: each delivery carries the bearer token its token
/// endpoint gave for a signed client assertion, fetched once and reused.
#[tokio::test(flavor = "multi_thread")]
async fn deliveries_carry_a_smart_bearer_token() {
    let engine = FhirEngine::start_with(&["--require-bearer"]).await;
    let data = tempfile::tempdir().unwrap();
    // An EC P-384 key, made now: ES384 signs the assertion.
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 =
        ring::signature::EcdsaKeyPair::generate_pkcs8(&ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let key = data.path().join("smart-key.pem");
    std::fs::write(
        &key,
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        ),
    )
    .unwrap();
    let server = TestServer::start_with(Config {
        fhir_endpoint: Some(engine.url.clone()),
        fhir_smart: Some(arrive_server::config::SmartSettings {
            token_url: format!("{}/$token", engine.url),
            client_id: "arrive-test-clinic".into(),
            scope: arrive_server::config::DEFAULT_FHIR_SCOPE.into(),
            private_key: key,
            key_id: "test-key-1".into(),
        }),
        ..test_config(data.path())
    })
    .await;
    let (kiosk, staff) = (kiosk_client(), staff_client(&server.url).await);
    let day = today(&staff, &server.url).await.date;
    // Loading the day goes through the same door: with a token of its own.
    let anonymous = Client::new()
        .get(format!("{}/Patient", engine.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let token: Value = Client::new()
        .post(format!("{}/$token", engine.url))
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", "a.b.c"),
            ("scope", "system/*.cruds"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let loaded = Client::new()
        .post(format!("{}/", engine.url))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&demo_day_as_the_ehr_holds_it(&day))
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), StatusCode::OK);

    for (last, dob, name) in [
        ("Okafor", "1949-12-02", "Chidi O."),
        ("O'Brien", "1971-09-30", "Sean O."),
    ] {
        check_in(&kiosk, &server.url, last, dob).await;
        let id = board_row(&staff, &server.url, name).await.id;
        let delivery = eventually("a delivery with a bearer token", async || {
            let d = desk_detail(&staff, &server.url, id).await.ehr_delivery?;
            (d.delivered_at.is_some() || d.rejection.is_some()).then_some(d)
        })
        .await;
        assert_eq!((delivery.attempts, delivery.rejection), (1, None));
    }
    assert_eq!(
        engine.tokens_issued().await,
        2,
        "one for the loading above, one for Arrive, reused"
    );
    server.stop().await;
}

/// An EHR that does not hold the patient says so with a 4xx: that is final. Arrive stops
/// retrying, staff read the EHR's own words on the desk, and /metrics counts it.
#[tokio::test(flavor = "multi_thread")]
async fn a_bundle_the_ehr_refuses_is_not_retried_and_staff_read_why() {
    let engine = FhirEngine::start().await;
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Config {
        fhir_endpoint: Some(engine.url.clone()),
        ..test_config(data.path())
    })
    .await;
    let (kiosk, staff) = (kiosk_client(), staff_client(&server.url).await);
    // The engine is empty: it holds neither the patient nor the appointment.
    check_in(&kiosk, &server.url, "Smith", "1990-01-01").await;
    let id = board_row(&staff, &server.url, "James S.").await.id;
    let refused = eventually("the EHR's refusal", async || {
        let d = desk_detail(&staff, &server.url, id).await.ehr_delivery?;
        d.rejection.is_some().then_some(d)
    })
    .await;
    assert_eq!(refused.delivered_at, None);
    assert!(
        refused.last_error.as_deref().unwrap().starts_with("HTTP 4"),
        "{refused:?}"
    );
    assert!(
        refused.rejection.as_deref().unwrap().contains("did not match"),
        "{refused:?}"
    );
    // Not retried: another check-in is refused too, and by then James's is still at one try.
    check_in(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    let sean = board_row(&staff, &server.url, "Sean O.").await.id;
    eventually("the second refusal", async || {
        desk_detail(&staff, &server.url, sean).await.ehr_delivery?.rejection
    })
    .await;
    assert_eq!(
        desk_detail(&staff, &server.url, id)
            .await
            .ehr_delivery
            .unwrap()
            .attempts,
        1
    );
    let metrics = scrape_metrics(&server.url).await.text().await.unwrap();
    // The suite's servers share one process's metrics: at least these two.
    let rejected: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("arrive_fhir_deliveries_total{outcome=\"rejected\"} "))
        .expect("the rejections are counted")
        .parse()
        .unwrap();
    assert!(rejected >= 2.0, "{metrics}");
    assert!(engine.search("Patient").await.is_empty(), "no chart made up");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_payer_answers_eligibility_and_the_desk_sees_it() {
    let (_data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let eligibility_of = |name: &'static str| {
        let (staff, base) = (staff.clone(), server.url.clone());
        async move {
            let id = board_row(&staff, &base, name).await.id;
            eventually("the payer's answer", async || {
                desk_detail(&staff, &base, id).await.eligibility
            })
            .await
        }
    };

    check_in(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    let active = eligibility_of("Sean O.").await;
    assert_eq!(active.coverage, CoverageCheck::Active);
    assert_eq!(active.copay_cents, Some(3000));
    assert_eq!(active.plan_name.as_deref(), Some("SANDBOX HMO"));

    check_in(&kiosk, &server.url, "Johnson", "1980-11-05").await;
    assert_eq!(eligibility_of("Robert J.").await.coverage, CoverageCheck::Inactive);
    let flagged = eventually("the board's insurance flag", async || {
        today(&staff, &server.url)
            .await
            .appointments
            .into_iter()
            .find(|a| a.patient == "Robert J." && a.insurance_problem)
    })
    .await;
    assert!(!today(&staff, &server.url)
        .await
        .appointments
        .iter()
        .any(|a| a.patient == "Sean O." && a.insurance_problem));

    // Not on the sandbox payer's list: the 271 is a rejection, "subscriber not found".
    check_in(&kiosk, &server.url, "St. John", "1977-10-10").await;
    let rejected = eligibility_of("Grace S.").await;
    assert_eq!(rejected.coverage, CoverageCheck::Rejected);
    assert_eq!(rejected.reason.as_deref(), Some("75"));

    // Staff ask again; self-pay patients have nothing to ask about.
    let again: Eligibility = staff
        .post(format!(
            "{}/api/v1/desk/appointments/{}/eligibility",
            server.url, flagged.id
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again.coverage, CoverageCheck::Inactive);
    let self_pay = board_row(&staff, &server.url, "Aisha N.").await.id;
    let none = staff
        .post(format!(
            "{}/api/v1/desk/appointments/{self_pay}/eligibility",
            server.url
        ))
        .send()
        .await
        .unwrap();
    expect_error(none, StatusCode::CONFLICT, arrive_domain::ErrorCode::Conflict).await;
    server.stop().await;
}

#[test]
fn the_inquiries_we_send_and_the_sandbox_answers_pass_pyx12() {
    use arrive_domain::x12::{build_270, parse_271, CoverageStatus, Inquiry};
    let created = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(8, 5, 0)
        .unwrap();
    let inquiry = |last: &str, first: &str, member: &str, dob: (i32, u32, u32), payer: &str| Inquiry {
        sender_id: "ARRIVECLINIC".into(),
        receiver_id: payer.into(),
        payer_name: "Sandbox Health Plan".into(),
        payer_id: payer.into(),
        provider_name: "Arrive Demo Clinic".into(),
        provider_npi: "1234567893".into(),
        subscriber_first: first.into(),
        subscriber_last: last.into(),
        member_id: member.into(),
        subscriber_dob: chrono::NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2).unwrap(),
        service_date: created.date(),
        service_type: "30".into(),
        control_number: 42,
        trace: "ARRIVE42".into(),
        created,
        production: false,
        dependent: None,
    };
    let payer = arrive_server::eligibility::SandboxPayer::demo();
    let cases = [
        (
            inquiry("García-López", "María", "SBX-100200", (1958, 4, 12), "SBX01"),
            "active",
        ),
        (
            inquiry("Johnson", "Robert", "SBX-100800", (1980, 11, 5), "SBX01"),
            "inactive",
        ),
        (
            inquiry("St. John", "Grace", "SBX-101200", (1977, 10, 10), "SBX01"),
            "rejected",
        ),
        (
            inquiry("Okafor", "Chidi", "1EG4TE5MK73", (1949, 12, 2), "MCR01"),
            "active",
        ),
    ];
    // Zoë is on her father's plan: the 270 carries her in loop 2000D, and the 271 answers there.
    let child = Inquiry {
        dependent: Some(arrive_domain::x12::Dependent {
            first: "Zoë".into(),
            last: "Müller".into(),
            dob: chrono::NaiveDate::from_ymd_opt(2001, 7, 4).unwrap(),
        }),
        ..inquiry("Müller", "Hans", "SBX-101000", (1970, 3, 12), "SBX01")
    };
    let cases = cases.into_iter().chain([(child, "active")]);
    for (inquiry, expected) in cases {
        let request = build_270(&inquiry).unwrap();
        assert_valid_x12(&request);
        let answer = payer.answer(&request).unwrap();
        assert_valid_x12(&answer);
        let status = match parse_271(&answer).unwrap().coverage {
            CoverageStatus::Active => "active",
            CoverageStatus::Inactive => "inactive",
            CoverageStatus::Rejected(_) => "rejected",
        };
        assert_eq!(status, expected, "{}", inquiry.subscriber_last);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fhir_schedule_imports_reports_bad_entries_and_imports_again_unchanged() {
    let (_data, server, _kiosk) = fresh_server().await;
    let admin = staff_client(&server.url).await;
    // The test servers' clinic is in UTC (the default).
    let day = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let bundle = include_str!("../../../demo/schedule.fhir.json")
        .replace("\"today", &format!("\"{day}"))
        .replace("\"DEMO-", "\"IMPORT-");
    let import = |text: String, content_type: &'static str| {
        let (admin, url) = (admin.clone(), format!("{}/api/v1/admin/schedule", server.url));
        async move {
            admin
                .post(url)
                .header("content-type", content_type)
                .body(text)
                .send()
                .await
                .unwrap()
        }
    };
    let first: Value = import(bundle.clone(), "application/fhir+json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["inserted"], 13, "{first}");
    assert_eq!(first["errors"], json!([]));
    let again: Value = import(bundle.clone(), "application/fhir+json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["inserted"].clone(), again["unchanged"].clone()),
        (json!(0), json!(13))
    );

    // One entry broken: it is reported by number, the others still load.
    let mut broken: Value = serde_json::from_str(&bundle.replace("\"IMPORT-", "\"OTHER-")).unwrap();
    broken["entry"][0]["resource"]["address"][0]["postalCode"] = json!("7870");
    let report: Value = import(broken.to_string(), "application/fhir+json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["inserted"], 12, "{report}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["entry"].as_u64().unwrap() > 1);
    assert!(errors[0]["reason"].as_str().unwrap().contains("postalCode"));
    assert!(!report.to_string().contains("Okafor"));

    let not_a_bundle = import("{\"resourceType\":\"Patient\"}".into(), "application/fhir+json").await;
    assert_eq!(not_a_bundle.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A Bundle with nothing to schedule is a mistake, not an empty day.
    for empty in [
        json!({"resourceType": "Bundle", "type": "collection"}),
        json!({"resourceType": "Bundle", "type": "collection", "entry": []}),
        json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "Organization", "name": "Clinic"}}]}),
    ] {
        expect_error(
            import(empty.to_string(), "application/fhir+json").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            arrive_domain::ErrorCode::InvalidField,
        )
        .await;
    }
    // Saved by a Windows tool: a byte order mark first. Read, and the same day as before.
    let with_bom: Value = import(format!("\u{feff}{bundle}"), "application/fhir+json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(with_bom["unchanged"], 13, "{with_bom}");
    let wrong_type = import(bundle, "application/xml").await;
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    server.stop().await;
}
