//! Insurance at check-in: the payer asked once per visit unless the coverage changes, a bad
//! member id refused by field, self-pay and new insurance replacing the coverage on file.

use crate::common;

use arrive_domain::verification::PaymentIntent;
use arrive_domain::ErrorCode;
use common::validators::assert_valid_fhir;
use common::*;
use reqwest::StatusCode;
use serde_json::json;

use super::{bundle, count, record_of, resources, verifications_of};

#[tokio::test(flavor = "multi_thread")]
async fn the_payer_is_asked_once_per_visit_unless_the_insurance_changes() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    // Straight to the check-in (as with a pass): nobody asked yet, so the check-in asks.
    let token = token_for(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    checked_in_verified(&kiosk, &server.url, &token, &idempotency_key(1), nothing_changed()).await;
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
    let events_before = count(&test_db(&data).await, events_sql, james.id).await;
    checked_in_verified(&kiosk, &server.url, &token, &idempotency_key(2), nothing_changed()).await;
    // A second ask would run right after the check-in's commit; give it ample time to show.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = desk_detail(&staff, &server.url, james.id)
        .await
        .eligibility
        .expect("still on file");
    assert_eq!(after.checked_at, first.checked_at, "not asked again");
    let events = count(&test_db(&data).await, events_sql, james.id).await;
    assert_eq!(events - events_before, 1, "the arrival's event only");
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
    let response = check_in_verified(&kiosk, &server.url, &token, &idempotency_key(3), verification.clone()).await;
    let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert_eq!(body.error.field.as_deref(), Some("insurance.primary.member_id"));
    assert!(!body.error.message.contains("1SG4"), "{}", body.error.message);

    // An unknown payer is named by its field too.
    verification["insurance"]["primary"]["payer_id"] = json!("NOPE1");
    let response = check_in_verified(&kiosk, &server.url, &token, &idempotency_key(3), verification).await;
    let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidField).await;
    assert_eq!(body.error.field.as_deref(), Some("insurance.primary.payer_id"));

    let row = board_row(&staff, &server.url, "Chidi O.").await;
    assert_eq!(row.status, arrive_domain::AppointmentStatus::Scheduled);
    let db = test_db(&data).await;
    assert_eq!(verifications_of(&db, row.id).await, 0);
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
    checked_in_verified(&kiosk, &server.url, &token, &idempotency_key(4), verification).await;

    let row = board_row(&staff, &server.url, "Sean O.").await;
    assert!(
        row.self_pay && !row.insurance_changed && !row.details_changed,
        "{row:?}"
    );
    let coverages = count(
        &test_db(&data).await,
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
    checked_in_verified(&kiosk, &server.url, &token, &idempotency_key(5), verification).await;

    let row = board_row(&staff, &server.url, "María G.").await;
    assert!(row.insurance_changed && !row.self_pay, "{row:?}");
    let rows: Vec<(i64, String, String, String, Option<String>)> = on_db!(&test_db(&data).await, |p| sqlx::query_as(
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
