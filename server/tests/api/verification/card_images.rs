//! Insurance card photos: taken at the kiosk, read back by staff only (audited), and sent to
//! the EHR with the check-in.

use crate::common;

use arrive_domain::api::CardImageRef;
use arrive_domain::ErrorCode;
use common::validators::assert_valid_fhir;
use common::*;
use reqwest::StatusCode;
use serde_json::json;

use super::{b64, bundle, count, patient_changes, resources, tiny_jpeg, url};

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
    let audit = audit_trail(&staff, &server.url).await;
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
    checked_in_verified(&kiosk, &server.url, &token, &idempotency_key(8), verification).await;
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
    let db = test_db(&data).await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM card_image WHERE appointment_id = $1", row.id).await,
        3
    );
    server.stop().await;
}
