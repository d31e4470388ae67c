//! The schedule as a FHIR Bundle in: bad entries reported by number, the rest imported, and the
//! same day imported again changing nothing.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::demo_schedule_fhir;

#[tokio::test(flavor = "multi_thread")]
async fn a_fhir_schedule_imports_reports_bad_entries_and_imports_again_unchanged() {
    let (_data, server, _kiosk) = fresh_server().await;
    let admin = staff_client(&server.url).await;
    // The test servers' clinic is in UTC (the default).
    let day = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let bundle = demo_schedule_fhir(&day, "IMPORT-");
    let import = |text: String, content_type: &'static str| import_schedule(&admin, &server.url, content_type, text);
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
