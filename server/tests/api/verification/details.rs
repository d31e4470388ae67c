//! Contact details confirmed or changed at check-in: one verification stored, a change
//! normalised into the record, shown to staff and patched into the EHR's Patient.

use crate::common;

use arrive_domain::verification::PaymentIntent;
use common::validators::assert_valid_fhir;
use common::*;
use serde_json::{json, Value};

use super::{bundle, patient_changes, record_of, verifications_of};

#[tokio::test(flavor = "multi_thread")]
async fn confirming_everything_stores_one_verification_and_raises_no_flag() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    let answer = checked_in_verified(&kiosk, &server.url, &token, &idempotency_key(1), nothing_changed()).await;
    assert!(!answer.already_checked_in);

    let row = board_row(&staff, &server.url, "James S.").await;
    assert_eq!(row.status, arrive_domain::AppointmentStatus::Arrived);
    assert!(
        !row.details_changed && !row.insurance_changed && !row.self_pay,
        "{row:?}"
    );
    let db = test_db(&data).await;
    assert_eq!(verifications_of(&db, row.id).await, 1);
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
async fn a_new_address_and_phone_are_stored_normalised_and_shown_to_staff_and_the_ehr() {
    let (data, server, kiosk) = fresh_server().await;
    let staff = staff_client(&server.url).await;
    let token = token_for(&kiosk, &server.url, "Smith", "1990-01-01").await;
    let mut verification = nothing_changed();
    verification["address"] = json!({"answer": "changed", "value":
        {"line": " 12 Elm St ", "city": "Austin", "state": "tx", "zip": "787011234"}});
    verification["phone"] = json!({"answer": "changed", "value": "(512) 555-0199"});
    verification["payment"] = json!("bill_me");
    checked_in_verified(&kiosk, &server.url, &token, &idempotency_key(2), verification).await;

    let row = board_row(&staff, &server.url, "James S.").await;
    assert!(
        row.details_changed && !row.insurance_changed && !row.self_pay,
        "{row:?}"
    );
    let (line, zip, phone): (String, String, String) = on_db!(&test_db(&data).await, |p| sqlx::query_as(
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
