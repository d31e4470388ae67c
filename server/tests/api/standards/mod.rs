//! Arrive speaking healthcare's languages, checked by validators nobody on this team wrote:
//! the schedule as a FHIR Bundle in, each check-in as a FHIR R4 transaction Bundle out (served
//! to staff and delivered through the outbox to a real HTTP receiver that fails at first), and
//! eligibility as X12 270/271 with the sandbox payer.

mod fhir_bundle;
mod fhir_delivery;
mod fhir_ehr;
mod fhir_import;
mod x12;

use serde_json::{json, Value};

/// The demo clinic's FHIR schedule (the practice system's Bundle) for `day`, each appointment
/// identifier starting `ids` instead of `DEMO-`.
fn demo_schedule_fhir(day: &str, ids: &str) -> String {
    include_str!("../../../../demo/schedule.fhir.json")
        .replace("\"today", &format!("\"{day}"))
        .replace("\"DEMO-", &format!("\"{ids}"))
}

/// The demo day as the EHR holds it: the practice system's Bundle (the one the demo clinic
/// imports) created resource by resource in the engine, each coverage with its member number
/// as a typed identifier, as US Core asks.
fn demo_day_as_the_ehr_holds_it(day: &str) -> Value {
    let text = demo_schedule_fhir(day, &format!("DEMO-{day}-"));
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
