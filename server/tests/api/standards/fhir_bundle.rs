//! Each check-in as a FHIR R4 transaction Bundle, served to staff as it was built.

use crate::common;

use common::validators::assert_valid_fhir;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use super::demo_schedule_fhir;

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
    let pending = pending_consents(&kiosk, &server.url, &token).await;
    for (i, consent) in pending.iter().enumerate() {
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
    checked_in(&kiosk, &server.url, &token).await;

    let response = get_ok(&staff, &bundle_url, "application/fhir+json").await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let served = response.text().await.unwrap();
    let bundle: Value = serde_json::from_str(&served).unwrap();
    assert_valid_fhir(&bundle);
    let day = desk_day(&staff, &server.url).await.date;

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
    let moved = demo_schedule_fhir(&day, &format!("DEMO-{day}-")).replace("77 Elm Ave", "9 Moved Rd");
    let reimport = import_schedule(&admin, &server.url, "application/fhir+json", moved).await;
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
    let audit = audit_trail(&staff, &server.url).await;
    assert!(audit.to_string().contains("view_fhir_bundle"));
    server.stop().await;
}
