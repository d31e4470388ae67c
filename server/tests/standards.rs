//! Arrive speaking healthcare's languages, checked by validators nobody on this team wrote:
//! the schedule as a FHIR Bundle in, each check-in as a FHIR R4 transaction Bundle out (served
//! to staff and delivered through the outbox to a real HTTP receiver that fails at first), and
//! eligibility as X12 270/271 with the sandbox payer.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrive_domain::api::{CoverageCheck, DeskDay, Eligibility};
use arrive_server::Config;
use axum::extract::State;
use axum::http::StatusCode as AxumStatus;
use axum::response::IntoResponse;
use axum::Json;
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
    let bundle: Value = response.json().await.unwrap();
    assert_valid_fhir(&bundle);

    assert_eq!(bundle["type"], "transaction");
    let patient = &entries_of(&bundle, "Patient")[0]["resource"];
    assert_eq!(patient["name"][0]["family"], "García-López");
    assert_eq!(patient["birthDate"], "1958-04-12");
    assert_eq!(patient["address"][0]["state"], "TX");
    assert_eq!(patient["communication"][0]["language"]["coding"][0]["code"], "es");
    let coverages = entries_of(&bundle, "Coverage");
    assert_eq!(coverages.len(), 2, "primary and secondary");
    assert_eq!(coverages[1]["resource"]["relationship"]["coding"][0]["code"], "spouse");
    let responses = entries_of(&bundle, "QuestionnaireResponse");
    assert_eq!(responses.len(), 1);
    assert!(responses[0]["resource"]["questionnaire"]
        .as_str()
        .unwrap()
        .contains("phq-2"));
    let consents = entries_of(&bundle, "Consent");
    assert_eq!(consents.len(), pending.consents.len());
    let appointment = &entries_of(&bundle, "Appointment")[0];
    assert_eq!(appointment["resource"]["status"], "arrived");
    assert_eq!(appointment["request"]["method"], "PUT");
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

/// What the receiving FHIR server holds, and how many deliveries it has seen.
#[derive(Default)]
struct Receiver {
    posts: usize,
    bundles: Vec<Value>,
    /// identifier "system|value" → resource, per resource type.
    stored: HashMap<String, HashMap<String, Value>>,
}

/// A FHIR server that fails the first two deliveries outright, commits the third but "loses"
/// its answer (500), and takes the rest: the worst an outbox meets.
async fn receive(State(receiver): State<Arc<Mutex<Receiver>>>, Json(bundle): Json<Value>) -> axum::response::Response {
    let mut r = receiver.lock().unwrap();
    r.posts += 1;
    if r.posts <= 2 {
        return AxumStatus::SERVICE_UNAVAILABLE.into_response();
    }
    r.bundles.push(bundle.clone());
    for entry in bundle["entry"].as_array().cloned().unwrap_or_default() {
        let kind = entry["resource"]["resourceType"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let request = &entry["request"];
        // Conditional create (ifNoneExist=identifier=s|v) and conditional update (url ?identifier=s|v).
        let key = request["ifNoneExist"]
            .as_str()
            .or_else(|| request["url"].as_str().and_then(|u| u.split_once('?').map(|(_, q)| q)))
            .unwrap_or_default()
            .trim_start_matches("identifier=")
            .to_owned();
        let of_kind = r.stored.entry(kind).or_default();
        match request["method"].as_str() {
            Some("POST") => {
                of_kind.entry(key).or_insert(entry["resource"].clone());
            }
            Some("PUT") => {
                of_kind.insert(key, entry["resource"].clone());
            }
            _ => return AxumStatus::BAD_REQUEST.into_response(),
        }
    }
    if r.posts == 3 {
        return AxumStatus::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [("content-type", "application/fhir+json")],
        Json(json!({"resourceType": "Bundle", "type": "transaction-response"})),
    )
        .into_response()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_delivers_each_check_in_once_in_effect_through_failures() {
    let receiver = Arc::new(Mutex::new(Receiver::default()));
    let app = axum::Router::new()
        .route("/fhir", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/fhir", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Config {
        fhir_endpoint: Some(endpoint),
        ..test_config(data.path())
    })
    .await;
    let (kiosk, staff) = (kiosk_client(), staff_client(&server.url).await);
    check_in(&kiosk, &server.url, "Smith", "1990-01-01").await;
    let id = board_row(&staff, &server.url, "James S.").await.id;

    let delivered = eventually("delivery to the FHIR server", async || {
        let d = desk_detail(&staff, &server.url, id).await.ehr_delivery?;
        d.delivered_at.is_some().then_some(d)
    })
    .await;
    assert_eq!(delivered.attempts, 4, "503, 503, 500 after commit, then 200");
    assert_eq!(delivered.last_error, None);

    {
        let r = receiver.lock().unwrap();
        assert_eq!(r.posts, 4);
        let count = |kind: &str| r.stored.get(kind).map_or(0, HashMap::len);
        assert_eq!(count("Patient"), 1, "delivered twice, stored once");
        assert_eq!(count("Coverage"), 1);
        assert_eq!(count("Appointment"), 1);
        let appointment = r.stored["Appointment"].values().next().unwrap();
        assert_eq!(appointment["status"], "arrived");
        for bundle in &r.bundles {
            assert_valid_fhir(bundle);
        }
    }
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
    let bundle = include_str!("../../demo/schedule.fhir.json")
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
    assert_eq!(first["inserted"], 12, "{first}");
    assert_eq!(first["errors"], json!([]));
    let again: Value = import(bundle.clone(), "application/fhir+json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["inserted"].clone(), again["unchanged"].clone()),
        (json!(0), json!(12))
    );

    // One entry broken: it is reported by number, the others still load.
    let mut broken: Value = serde_json::from_str(&bundle.replace("\"IMPORT-", "\"OTHER-")).unwrap();
    broken["entry"][0]["resource"]["address"][0]["postalCode"] = json!("7870");
    let report: Value = import(broken.to_string(), "application/fhir+json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["inserted"], 11, "{report}");
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
    assert_eq!(with_bom["unchanged"], 12, "{with_bom}");
    let wrong_type = import(bundle, "application/xml").await;
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    server.stop().await;
}
