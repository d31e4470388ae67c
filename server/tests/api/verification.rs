//! Issue 3, server side: the kiosk shows the record on file masked, the patient confirms or
//! replaces each group, says whether their insurance changed and how they will pay, and all of
//! it travels with the check-in — stored once, applied to the record in the arrival's
//! transaction, shown to staff in full, and handed to the EHR as FHIR R4.

use crate::common;

use arrive_domain::api::{CardImageRef, CheckInResponse};
use arrive_domain::verification::{MemberIdFormat, Payer, PaymentIntent, RecordOnFile};
use arrive_domain::ErrorCode;
use base64::Engine;
use common::validators::assert_valid_fhir;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

fn url(server: &TestServer, path: &str) -> String {
    format!("{}{path}", server.url)
}

async fn db(data: &tempfile::TempDir) -> TestDb {
    test_db(data).await
}

/// A fresh idempotency key per visit, as the kiosk makes one.
fn key(n: u8) -> String {
    format!("{n:02x}").repeat(16)
}

async fn check_in_with(
    kiosk: &Client,
    server: &TestServer,
    token: &str,
    key: &str,
    verification: Value,
) -> reqwest::Response {
    post(
        kiosk,
        &url(server, "/api/v1/kiosk/check-in"),
        json!({"match_token": token, "idempotency_key": key, "verification": verification}),
    )
    .await
}

async fn bundle(staff: &Client, server: &TestServer, id: i64) -> Value {
    let response = staff
        .get(url(server, &format!("/fhir/r4/Bundle/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// What the Bundle changes in the EHR's Patient: each JSON Patch operation's path → value.
fn patient_changes(bundle: &Value) -> std::collections::HashMap<String, Value> {
    use base64::Engine;
    let entry = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["request"]["method"] == "PATCH" && e["request"]["url"].as_str().unwrap().starts_with("Patient?"))
        .expect("the Patient is patched");
    let data = entry["resource"]["data"].as_str().unwrap();
    let operations: Vec<Value> =
        serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(data).unwrap()).unwrap();
    operations
        .into_iter()
        .map(|op| (op["path"].as_str().unwrap().to_owned(), op["value"].clone()))
        .collect()
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

async fn record_of(kiosk: &Client, server: &TestServer, token: &str) -> (Value, String) {
    let response = post(
        kiosk,
        &url(server, "/api/v1/kiosk/record"),
        json!({"match_token": token}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

async fn count(db: &TestDb, sql: &str, id: i64) -> i64 {
    on_db!(db, |p| sqlx::query_scalar(sql).bind(id).fetch_one(p).await).unwrap()
}

async fn rows_in(db: &TestDb, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on_db!(db, |p| sqlx::query_scalar(&sql).fetch_one(p).await).unwrap()
}

/// The smallest byte string our JPEG check accepts: SOI, an APP0 marker, EOI.
fn tiny_jpeg(fill: u8) -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, fill];
    jpeg.extend([0xFF, 0xD9]);
    jpeg
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_record_on_file_reaches_the_kiosk_masked() {
    let (_data, server, kiosk) = fresh_server().await;
    let token = token_for(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    let (body, text) = record_of(&kiosk, &server, &token).await;
    let record: RecordOnFile = serde_json::from_value(body).unwrap();
    assert_eq!(record.address.as_deref(), Some("•••• Congress Ave, •••03"));
    assert_eq!(record.phone.as_deref(), Some("(•••) •••-0103"));
    assert_eq!(record.email, None, "none on file");
    assert_eq!(record.emergency_contact.as_deref(), Some("M••• (•••) •••-0153"));
    assert_eq!(record.language.as_deref(), Some("en"));
    assert_eq!(record.coverages.len(), 1);
    assert_eq!(record.coverages[0].payer_name, "Sandbox Health Plan");
    assert_eq!(record.coverages[0].member_id, "••••0300");
    // The sandbox payer was asked on the spot: Sean's plan has a $30 co-pay.
    assert_eq!(record.copay_cents, Some(3000));
    assert_eq!(record.prior_balance_cents, 4550);
    for secret in [
        "5550103",
        "555-0103",
        "0103)",
        "310",
        "Congress Ave, Austin",
        "78703",
        "SBX-100300",
        "100300",
        "Maeve",
        "5550153",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // A self-pay patient with no more than a phone: nothing to show, nothing to pay beforehand.
    let token = token_for(&kiosk, &server.url, "N'Diaye", "1995-02-28").await;
    let (body, _) = record_of(&kiosk, &server, &token).await;
    assert_eq!(body["coverages"], json!([]));
    assert_eq!(body["copay_cents"], Value::Null);
    assert_eq!(body["emergency_contact"], Value::Null);
    assert_eq!(body["prior_balance_cents"], 0);

    // Kiosks only; a token that is not (or no longer) a match finds nothing.
    let anonymous = post(
        &Client::new(),
        &url(&server, "/api/v1/kiosk/record"),
        json!({"match_token": token}),
    )
    .await;
    expect_error(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let unknown = post(
        &kiosk,
        &url(&server, "/api/v1/kiosk/record"),
        json!({"match_token": "0123456789abcdef0123456789abcdef"}),
    )
    .await;
    expect_error(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kiosk_lists_the_clinics_payers() {
    let (_data, server, kiosk) = fresh_server().await;
    let response = kiosk.get(url(&server, "/api/v1/kiosk/payers")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let payers: Vec<Payer> = response.json().await.unwrap();
    let medicare = payers.iter().find(|p| p.id == "MCR01").unwrap();
    assert_eq!(medicare.member_id_format, MemberIdFormat::Mbi);
    assert!(payers
        .iter()
        .any(|p| p.id == "SBX01" && p.name == "Sandbox Health Plan"));
    assert!(payers.len() >= 10);
    let anonymous = Client::new()
        .get(url(&server, "/api/v1/kiosk/payers"))
        .send()
        .await
        .unwrap();
    expect_error(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clinics_own_payers_file_replaces_the_list_and_a_bad_one_stops_the_server() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("payers.json");
    std::fs::write(
        &file,
        r#"[{"id":"LOCAL1","name":"Local Plan","member_id_format":"generic"}]"#,
    )
    .unwrap();
    let server = TestServer::start_with(arrive_server::Config {
        payers_file: Some(file.clone()),
        ..test_config(data.path())
    })
    .await;
    let payers: Value = kiosk_client()
        .get(url(&server, "/api/v1/kiosk/payers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        payers,
        json!([{"id": "LOCAL1", "name": "Local Plan", "member_id_format": "generic"}])
    );
    server.stop().await;

    std::fs::write(&file, r#"[{"id":"X1","name":"X","member_id_format":"ssn"}]"#).unwrap();
    let refused = arrive_server::run(
        arrive_server::Config {
            payers_file: Some(file),
            ..test_config(data.path())
        },
        async {},
        |_| {},
    )
    .await
    .expect_err("a malformed payers file stops the server");
    assert!(refused.to_string().contains("payers"), "{refused}");
}

#[tokio::test(flavor = "multi_thread")]
async fn confirming_everything_stores_one_verification_and_raises_no_flag() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    let response = check_in_with(&kiosk, &server, &token, &key(1), nothing_changed()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: CheckInResponse = response.json().await.unwrap();
    assert!(!answer.already_checked_in);

    let row = board_row(&staff, &server.url, "James S.").await;
    assert_eq!(row.status, arrive_domain::AppointmentStatus::Arrived);
    assert!(
        !row.details_changed && !row.insurance_changed && !row.self_pay,
        "{row:?}"
    );
    let db = db(&data).await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM visit_verification WHERE appointment_id = $1",
            row.id
        )
        .await,
        1
    );
    let (on_file, payment): (String, String) = on_db!(&db, |p| sqlx::query_as(
        "SELECT on_file_json, payment_intent FROM visit_verification WHERE appointment_id = $1"
    )
    .bind(row.id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(payment, "card_at_desk");
    let on_file: Value = serde_json::from_str(&on_file).unwrap();
    assert_eq!(on_file["phone"], "+15125550104", "the record as it was, for staff");
    assert_eq!(on_file["coverages"][0]["member_id"], "SBX-100400");

    let verification = desk_detail(&staff, &server.url, row.id)
        .await
        .verification
        .expect("a verification");
    assert!(verification.changes.is_empty());
    assert_eq!(verification.payment, PaymentIntent::CardAtDesk);
    assert!(verification.card_images.is_empty());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_payer_is_asked_once_per_visit_unless_the_insurance_changes() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    // Straight to the check-in (as with a pass): nobody asked yet, so the check-in asks.
    let token = token_for(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    let response = check_in_with(&kiosk, &server, &token, &key(1), nothing_changed()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let sean = board_row(&staff, &server.url, "Sean O.").await;
    let asked = eventually("the payer's answer", async || {
        desk_detail(&staff, &server.url, sean.id).await.eligibility
    })
    .await;
    assert_eq!(asked.copay_cents, Some(3000));

    // The record step asked; the same insurance at the check-in is not asked about again.
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    record_of(&kiosk, &server, &token).await;
    let james = board_row(&staff, &server.url, "James S.").await;
    let first = desk_detail(&staff, &server.url, james.id)
        .await
        .eligibility
        .expect("asked at the record step");
    let events_sql = "SELECT COUNT(*) FROM desk_event WHERE appointment_id = $1";
    let events_before = count(&db(&data).await, events_sql, james.id).await;
    let response = check_in_with(&kiosk, &server, &token, &key(2), nothing_changed()).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A second ask would run right after the check-in's commit; give it ample time to show.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = desk_detail(&staff, &server.url, james.id)
        .await
        .eligibility
        .expect("still on file");
    assert_eq!(after.checked_at, first.checked_at, "not asked again");
    let events = count(&db(&data).await, events_sql, james.id).await;
    assert_eq!(events - events_before, 1, "the arrival's event only");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_address_and_phone_are_stored_normalised_and_shown_to_staff_and_the_ehr() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    let mut verification = nothing_changed();
    verification["address"] = json!({"answer": "changed", "value":
        {"line": " 12 Elm St ", "city": "Austin", "state": "tx", "zip": "787011234"}});
    verification["phone"] = json!({"answer": "changed", "value": "(512) 555-0199"});
    verification["payment"] = json!("bill_me");
    let response = check_in_with(&kiosk, &server, &token, &key(2), verification).await;
    assert_eq!(response.status(), StatusCode::OK);

    let row = board_row(&staff, &server.url, "James S.").await;
    assert!(
        row.details_changed && !row.insurance_changed && !row.self_pay,
        "{row:?}"
    );
    let (line, zip, phone): (String, String, String) = on_db!(&db(&data).await, |p| sqlx::query_as(
        "SELECT p.address_line, p.postal_code, p.phone FROM patient p JOIN appointment a ON a.patient_id = p.id
         WHERE a.id = $1",
    )
    .bind(row.id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(
        (line.as_str(), zip.as_str(), phone.as_str()),
        ("12 Elm St", "78701-1234", "+15125550199")
    );

    let verification = desk_detail(&staff, &server.url, row.id).await.verification.unwrap();
    let changes: Vec<(&str, &str, &str)> = verification
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.before.as_str(), c.after.as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            (
                "address",
                "9 Pecan Ln, Austin, TX 78704",
                "12 Elm St, Austin, TX 78701-1234"
            ),
            ("phone", "+15125550104", "+15125550199"),
        ]
    );
    assert_eq!(verification.payment, PaymentIntent::BillMe);

    // The kiosk now shows the new details, masked.
    let (body, _) = record_of(&kiosk, &server, &token).await;
    assert_eq!(body["phone"], "(•••) •••-0199");
    assert_eq!(body["address"], "•••• Elm St, •••01");

    let bundle = bundle(&staff, &server, row.id).await;
    assert_valid_fhir(&bundle);
    // Only what changed is patched into the EHR's Patient.
    let patient = patient_changes(&bundle);
    assert_eq!(patient["/address"][0]["line"][0], "12 Elm St");
    assert_eq!(patient["/address"][0]["postalCode"], "78701-1234");
    assert_eq!(patient["/telecom"][0]["value"], "+15125550199");
    // His emergency contact and language did not change: the EHR's stay as they are.
    assert!(!patient.contains_key("/contact"));
    assert!(!patient.contains_key("/communication"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_medicare_id_is_refused_by_field_and_nothing_is_stored() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "Okafor", "1949-12-02").await;
    let mut verification = nothing_changed();
    verification["phone"] = json!({"answer": "changed", "value": "512-555-0177"});
    verification["insurance"] = json!({"answer": "changed", "primary": {
        "payer_id": "MCR01", "member_id": "1SG4-TE5-MK73", "group_number": null,
        "relationship": "self", "subscriber_name": null, "subscriber_dob": null}, "secondary": null});
    let response = check_in_with(&kiosk, &server, &token, &key(3), verification.clone()).await;
    let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert_eq!(body.error.field.as_deref(), Some("insurance.primary.member_id"));
    assert!(!body.error.message.contains("1SG4"), "{}", body.error.message);

    // An unknown payer is named by its field too.
    verification["insurance"]["primary"]["payer_id"] = json!("NOPE1");
    let response = check_in_with(&kiosk, &server, &token, &key(3), verification).await;
    let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert_eq!(body.error.field.as_deref(), Some("insurance.primary.payer_id"));

    let row = board_row(&staff, &server.url, "Chidi O.").await;
    assert_eq!(row.status, arrive_domain::AppointmentStatus::Scheduled);
    let db = db(&data).await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM visit_verification WHERE appointment_id = $1",
            row.id
        )
        .await,
        0
    );
    let (phone, member): (String, String) = on_db!(&db, |p| sqlx::query_as(
        "SELECT p.phone, c.member_id FROM appointment a JOIN patient p ON p.id = a.patient_id
         JOIN coverage c ON c.patient_id = p.id WHERE a.id = $1",
    )
    .bind(row.id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!((phone.as_str(), member.as_str()), ("+15125550101", "1EG4TE5MK73"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn self_pay_removes_the_coverage_and_flags_the_board() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    // The record asks the payer: an answer about the coverage Sean is about to drop.
    record_of(&kiosk, &server, &token).await;
    let mut verification = nothing_changed();
    verification["insurance"] = json!({"answer": "self_pay"});
    verification["payment"] = json!("financial_assistance");
    let response = check_in_with(&kiosk, &server, &token, &key(4), verification).await;
    assert_eq!(response.status(), StatusCode::OK);

    let row = board_row(&staff, &server.url, "Sean O.").await;
    assert!(
        row.self_pay && !row.insurance_changed && !row.details_changed,
        "{row:?}"
    );
    let coverages = count(
        &db(&data).await,
        "SELECT COUNT(*) FROM coverage c JOIN appointment a ON a.patient_id = c.patient_id WHERE a.id = $1",
        row.id,
    )
    .await;
    assert_eq!(coverages, 0);
    let detail = desk_detail(&staff, &server.url, row.id).await;
    assert_eq!(detail.eligibility, None, "the old coverage's answer is gone with it");
    let verification = detail.verification.unwrap();
    assert_eq!(verification.changes.len(), 1);
    assert_eq!(verification.changes[0].field, "insurance");
    assert_eq!(
        verification.changes[0].before,
        "Sandbox Health Plan · SBX-100300 · GRP-7781"
    );
    assert_eq!(verification.changes[0].after, "Self-pay (no insurance)");
    assert_eq!(verification.payment, PaymentIntent::FinancialAssistance);

    let bundle = bundle(&staff, &server, row.id).await;
    assert_valid_fhir(&bundle);
    // Self-pay is a Coverage of its own, so the EHR's billing sees it.
    let coverages = resources(&bundle, "Coverage");
    assert_eq!(coverages.len(), 1);
    assert_eq!(coverages[0]["type"]["coding"][0]["code"], "pay");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn new_insurance_replaces_the_coverage_and_the_payer_is_asked_again() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "García-López", "1958-04-12").await;
    let (before, _) = record_of(&kiosk, &server, &token).await;
    assert_eq!(before["coverages"].as_array().unwrap().len(), 2);
    assert_eq!(before["copay_cents"], 2500);
    let mut verification = nothing_changed();
    verification["insurance"] = json!({"answer": "changed", "primary": {
        "payer_id": "AETNA1", "member_id": "w123-456789", "group_number": "grp-7",
        "relationship": "self", "subscriber_name": null, "subscriber_dob": null}, "secondary": null});
    let response = check_in_with(&kiosk, &server, &token, &key(5), verification).await;
    assert_eq!(response.status(), StatusCode::OK);

    let row = board_row(&staff, &server.url, "María G.").await;
    assert!(row.insurance_changed && !row.self_pay, "{row:?}");
    let rows: Vec<(i64, String, String, String, Option<String>)> = on_db!(&db(&data).await, |p| sqlx::query_as(
        "SELECT c.rank, c.payer_id, c.payer_name, c.member_id, c.group_number FROM coverage c
         JOIN appointment a ON a.patient_id = c.patient_id WHERE a.id = $1 ORDER BY c.rank",
    )
    .bind(row.id)
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(
        rows,
        [(
            1,
            "AETNA1".into(),
            "Aetna".into(),
            "W123-456789".into(),
            Some("GRP-7".into())
        )],
        "the new primary, and no secondary"
    );
    // Asked again after the commit, about the new plan (which the sandbox does not know).
    let eligibility = eventually("the payer asked again", async || {
        desk_detail(&staff, &server.url, row.id)
            .await
            .eligibility
            .filter(|e| e.coverage == arrive_domain::api::CoverageCheck::Rejected)
    })
    .await;
    assert_eq!(eligibility.reason.as_deref(), Some("75"));
    let change = &desk_detail(&staff, &server.url, row.id)
        .await
        .verification
        .unwrap()
        .changes[0];
    assert_eq!(change.field, "insurance");
    assert_eq!(
        change.before,
        "Sandbox Health Plan · SBX-100200 · GRP-7781; Sandbox Dental & Vision · SDV-55120 · subscriber: Luis García-López (spouse, born 1956-08-30)"
    );
    assert_eq!(change.after, "Aetna · W123-456789 · GRP-7");
    let bundle = bundle(&staff, &server, row.id).await;
    assert_valid_fhir(&bundle);
    let coverages = resources(&bundle, "Coverage");
    assert_eq!(coverages.len(), 1);
    assert_eq!(coverages[0]["subscriberId"], "W123-456789");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_with_the_same_key_answers_the_same_and_stores_nothing_new() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "de la Cruz", "1962-07-19").await;
    let mut first_verification = nothing_changed();
    first_verification["email"] = json!({"answer": "changed", "value": "Ana@Example.ORG"});
    let first = check_in_with(&kiosk, &server, &token, &key(6), first_verification.clone()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let again = check_in_with(&kiosk, &server, &token, &key(6), first_verification).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first, "a lost answer, asked again, is the same answer");
    assert_eq!(first["already_checked_in"], false);

    // Another verification for a visit already checked in does not replace the first.
    let mut second_verification = nothing_changed();
    second_verification["email"] = json!({"answer": "changed", "value": "someone@else.org"});
    let other = check_in_with(&kiosk, &server, &token, &key(7), second_verification).await;
    let other: CheckInResponse = other.json().await.unwrap();
    assert!(other.already_checked_in);
    assert_eq!(Some(other.arrived_at.as_str()), first["arrived_at"].as_str());

    let row = board_row(&staff, &server.url, "Ana D.").await;
    let db = db(&data).await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM visit_verification WHERE appointment_id = $1",
            row.id
        )
        .await,
        1
    );
    assert_eq!(rows_in(&db, "visit_verification").await, 1);
    let email: String = on_db!(&db, |p| sqlx::query_scalar(
        "SELECT p.email FROM patient p JOIN appointment a ON a.patient_id = p.id WHERE a.id = $1"
    )
    .bind(row.id)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(email, "Ana@example.org");

    // The same key for another patient's visit is a mistake: refused, and nothing happens.
    let token = token_for(&kiosk, &server.url, "Johnson", "1980-11-05").await;
    let reused = check_in_with(&kiosk, &server, &token, &key(6), nothing_changed()).await;
    expect_error(reused, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let robert = board_row(&staff, &server.url, "Robert J.").await;
    assert_eq!(robert.status, arrive_domain::AppointmentStatus::Scheduled);
    assert_eq!(rows_in(&db, "visit_verification").await, 1);
    // A key that is not 32–64 hex characters is refused by name.
    for bad in ["abc", "zz".repeat(16).as_str(), "a".repeat(65).as_str()] {
        let response = check_in_with(&kiosk, &server, &token, bad, nothing_changed()).await;
        let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
        assert_eq!(body.error.field.as_deref(), Some("idempotency_key"));
    }
    // Without a key a verification is still stored (the check-in is idempotent by visit).
    let response = post(
        &kiosk,
        &url(&server, "/api/v1/kiosk/check-in"),
        json!({"match_token": token, "verification": nothing_changed()}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM visit_verification WHERE appointment_id = $1",
            robert.id
        )
        .await,
        1
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn card_photos_are_kept_for_staff_and_sent_to_the_ehr() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "Hernández", "1944-03-21").await;
    let upload = |rank: u8, side: &str, jpeg_base64: String| {
        let (kiosk, url, token, side) = (
            kiosk.clone(),
            url(&server, "/api/v1/kiosk/card-images"),
            token.clone(),
            side.to_owned(),
        );
        async move {
            post(
                &kiosk,
                &url,
                json!({"match_token": token, "rank": rank, "side": side, "jpeg_base64": jpeg_base64}),
            )
            .await
        }
    };
    assert_eq!(
        upload(1, "front", b64(&tiny_jpeg(1))).await.status(),
        StatusCode::NO_CONTENT
    );
    // Taken again: the new photo replaces the first.
    assert_eq!(
        upload(1, "front", b64(&tiny_jpeg(2))).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        upload(1, "back", b64(&tiny_jpeg(3))).await.status(),
        StatusCode::NO_CONTENT
    );

    // A full-size photo (well over the API's usual 64 KiB body) is welcome on this route.
    let mut large = vec![0x5Au8; 300 * 1024];
    large[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    let large_len = large.len();
    large[large_len - 2..].copy_from_slice(&[0xFF, 0xD9]);
    assert_eq!(upload(2, "front", b64(&large)).await.status(), StatusCode::NO_CONTENT);

    // Too big (300 KiB + 1 decoded) → 413; not a JPEG → 422; a card rank 3 → 422.
    let mut big = vec![0u8; 300 * 1024 + 1];
    big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    let big_len = big.len();
    big[big_len - 2..].copy_from_slice(&[0xFF, 0xD9]);
    expect_error(
        upload(1, "front", b64(&big)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::BodyTooLarge,
    )
    .await;
    let png = b64(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let body = expect_error(
        upload(1, "front", png).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidField,
    )
    .await;
    assert_eq!(body.error.field.as_deref(), Some("jpeg_base64"));
    let body = expect_error(
        upload(1, "front", "@@@".into()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidField,
    )
    .await;
    assert_eq!(body.error.field.as_deref(), Some("jpeg_base64"));
    let body = expect_error(
        upload(3, "front", b64(&tiny_jpeg(1))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidField,
    )
    .await;
    assert_eq!(body.error.field.as_deref(), Some("rank"));
    expect_error(
        upload(1, "top", b64(&tiny_jpeg(1))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidJson,
    )
    .await;

    let row = board_row(&staff, &server.url, "José H.").await;
    let image_url = url(
        &server,
        &format!("/api/v1/desk/appointments/{}/card-images/1/front", row.id),
    );
    let response = staff.get(&image_url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.bytes().await.unwrap().as_ref(), tiny_jpeg(2).as_slice());
    let audit: Value = staff
        .get(url(&server, "/api/v1/admin/audit"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(audit.to_string().contains("view_card_image"));
    // The tablet in the lobby cannot read them back.
    let as_kiosk = kiosk.get(&image_url).send().await.unwrap();
    expect_error(as_kiosk, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let secondary = staff
        .get(url(
            &server,
            &format!("/api/v1/desk/appointments/{}/card-images/2/front", row.id),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(secondary.bytes().await.unwrap().as_ref(), large.as_slice());
    for missing in [
        format!("/api/v1/desk/appointments/{}/card-images/2/back", row.id),
        format!("/api/v1/desk/appointments/{}/card-images/1/side", row.id),
        format!("/api/v1/desk/appointments/{}/card-images/9/front", row.id),
        "/api/v1/desk/appointments/abc/card-images/1/front".into(),
    ] {
        let response = staff.get(url(&server, &missing)).send().await.unwrap();
        expect_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }

    // José gives his new Medicare card with the check-in.
    let mut verification = nothing_changed();
    verification["insurance"] = json!({"answer": "changed", "primary": {
        "payer_id": "MCR01", "member_id": "1EG4-TE5-MK73", "group_number": null,
        "relationship": "self", "subscriber_name": null, "subscriber_dob": null}, "secondary": null});
    verification["emergency_contact"] =
        json!({"answer": "changed", "value": {"name": "Diego Hernández", "phone": "+1 512 555 0162"}});
    let response = check_in_with(&kiosk, &server, &token, &key(8), verification).await;
    assert_eq!(response.status(), StatusCode::OK);
    let verification = desk_detail(&staff, &server.url, row.id).await.verification.unwrap();
    assert_eq!(
        verification.card_images,
        [
            CardImageRef {
                rank: 1,
                side: "front".into()
            },
            CardImageRef {
                rank: 1,
                side: "back".into()
            },
            CardImageRef {
                rank: 2,
                side: "front".into()
            },
        ]
    );
    let contact = verification
        .changes
        .iter()
        .find(|c| c.field == "emergency_contact")
        .unwrap();
    assert_eq!(contact.before, "Carmen Hernández · +15125550161");
    assert_eq!(contact.after, "Diego Hernández · +15125550162");
    let bundle = bundle(&staff, &server, row.id).await;
    assert_valid_fhir(&bundle);
    let documents = resources(&bundle, "DocumentReference");
    assert_eq!(documents.len(), 3);
    assert_eq!(documents[0]["type"]["text"], "Insurance card front");
    assert_eq!(documents[0]["content"][0]["attachment"]["contentType"], "image/jpeg");
    assert_eq!(documents[0]["content"][0]["attachment"]["data"], b64(&tiny_jpeg(2)));
    assert_eq!(documents[1]["type"]["text"], "Insurance card back");
    assert_eq!(
        patient_changes(&bundle)["/contact"][0]["name"]["text"],
        "Diego Hernández"
    );
    let db = db(&data).await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM card_image WHERE appointment_id = $1", row.id).await,
        3
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_to_every_new_endpoint_get_a_json_4xx_never_a_500() {
    let (data, server, kiosk) = fresh_server().await;
    let token = token_for(&kiosk, &server.url, "St. John", "1977-10-10").await;
    let with_token = |mut body: Value| {
        body["match_token"] = json!(token);
        body.to_string()
    };
    let verification_with = |path: &str, value: Value| {
        let mut v = nothing_changed();
        v[path] = value;
        with_token(json!({"idempotency_key": key(9), "verification": v}))
    };
    let mut unknown_in_group = nothing_changed();
    unknown_in_group["address"] = json!({"answer": "same", "line": "1 Main St"});
    let mut unknown_top = nothing_changed();
    unknown_top["card_number"] = json!("4111111111111111");
    let cases: Vec<(&str, String)> = vec![
        ("record", "{,}".into()),
        ("record", "[]".into()),
        ("record", "null".into()),
        ("record", r#"{"match_token": 7}"#.into()),
        ("record", with_token(json!({"ssn": "1"}))),
        ("check-in", "{,}".into()),
        ("check-in", with_token(json!({"verification": []}))),
        ("check-in", with_token(json!({"verification": "yes"}))),
        ("check-in", with_token(json!({"idempotency_key": 12}))),
        ("check-in", with_token(json!({"verification": unknown_top}))),
        ("check-in", with_token(json!({"verification": unknown_in_group}))),
        (
            "check-in",
            with_token(json!({"verification": {"payment": "card_at_desk"}})),
        ),
        ("check-in", verification_with("payment", json!("bitcoin"))),
        ("check-in", verification_with("insurance", json!({"answer": "maybe"}))),
        ("check-in", verification_with("phone", json!({"answer": "changed"}))),
        (
            "check-in",
            verification_with("phone", json!({"answer": "changed", "value": 5125550199u64})),
        ),
        (
            "check-in",
            verification_with("address", json!({"answer": "changed", "value": {"line": "1 Main St"}})),
        ),
        (
            "check-in",
            verification_with("phone", json!({"answer": "changed", "value": "call me maybe"})),
        ),
        (
            "check-in",
            verification_with("language", json!({"answer": "changed", "value": "klingon"})),
        ),
        (
            "check-in",
            verification_with("email", json!({"answer": "changed", "value": "x".repeat(6000)})),
        ),
        ("card-images", "{,}".into()),
        (
            "card-images",
            with_token(json!({"rank": "1", "side": "front", "jpeg_base64": ""})),
        ),
        (
            "card-images",
            with_token(json!({"rank": 300, "side": "front", "jpeg_base64": ""})),
        ),
        ("card-images", with_token(json!({"rank": 1, "side": "front"}))),
        (
            "card-images",
            with_token(json!({"rank": 1, "side": "front", "jpeg_base64": "", "extra": 1})),
        ),
        (
            "card-images",
            with_token(json!({"rank": 1, "side": "front", "jpeg_base64": ""})),
        ),
    ];
    for (endpoint, body) in cases {
        let response = kiosk
            .post(url(&server, &format!("/api/v1/kiosk/{endpoint}")))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{endpoint} {body:.200}: {status}");
        let error: arrive_domain::ErrorBody = response.json().await.expect("the JSON error shape");
        assert!(!error.error.message.contains("klingon") && !error.error.message.contains("maybe"));
    }
    // Nothing of it was stored; St. John is still to check in.
    let db = db(&data).await;
    assert_eq!(rows_in(&db, "visit_verification").await, 0);
    assert_eq!(rows_in(&db, "card_image").await, 0);
    assert_eq!(
        rows_in(&db, "appointment a JOIN patient p ON p.id = a.patient_id WHERE a.status = 'arrived' AND p.last_name = 'St. John'").await,
        0
    );
    server.stop().await;
}
