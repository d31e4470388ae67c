//! Eligibility as X12 270/271: the sandbox payer answers each check-in and the desk sees the
//! answer; what we send and what it answers pass pyx12.

use crate::common;

use arrive_domain::api::{CoverageCheck, Eligibility};
use common::validators::assert_valid_x12;
use common::*;
use reqwest::StatusCode;

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

    arrive(&kiosk, &server.url, "O'Brien", "1971-09-30").await;
    let active = eligibility_of("Sean O.").await;
    assert_eq!(active.coverage, CoverageCheck::Active);
    assert_eq!(active.copay_cents, Some(3000));
    assert_eq!(active.plan_name.as_deref(), Some("SANDBOX HMO"));

    arrive(&kiosk, &server.url, "Johnson", "1980-11-05").await;
    assert_eq!(eligibility_of("Robert J.").await.coverage, CoverageCheck::Inactive);
    let flagged = eventually("the board's insurance flag", async || {
        desk_day(&staff, &server.url)
            .await
            .appointments
            .into_iter()
            .find(|a| a.patient == "Robert J." && a.insurance_problem)
    })
    .await;
    assert!(!desk_day(&staff, &server.url)
        .await
        .appointments
        .iter()
        .any(|a| a.patient == "Sean O." && a.insurance_problem));

    // Not on the sandbox payer's list: the 271 is a rejection, "subscriber not found".
    arrive(&kiosk, &server.url, "St. John", "1977-10-10").await;
    let rejected = eligibility_of("Grace S.").await;
    assert_eq!(rejected.coverage, CoverageCheck::Rejected);
    assert_eq!(rejected.reason.as_deref(), Some("75"));

    // Staff ask again; self-pay patients have nothing to ask about.
    let again = desk_action(&staff, &server.url, flagged.id, "eligibility").await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Eligibility = again.json().await.unwrap();
    assert_eq!(again.coverage, CoverageCheck::Inactive);
    let self_pay = board_row(&staff, &server.url, "Aisha N.").await.id;
    let none = desk_action(&staff, &server.url, self_pay, "eligibility").await;
    expect_error(none, StatusCode::CONFLICT, arrive_domain::ErrorCode::Conflict).await;
    server.stop().await;
}

#[test]
fn the_inquiries_we_send_and_the_sandbox_answers_pass_pyx12() {
    use arrive_domain::x12::{build_270, parse_271, CoverageStatus, Inquiry};
    use common::x12::inquiry;
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
