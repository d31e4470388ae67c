//! A schedule Bundle's Coverage as Arrive keeps it: payer, member id, group and subscriber.

use arrive_domain::date::parse_iso;
use arrive_domain::insurance::{validate_member_id, Relationship};
use arrive_domain::name::validate_name;
use serde_json::Value;

use super::super::CoverageRecord;

pub(super) fn coverage(coverage: &Value) -> Result<CoverageRecord, String> {
    let payor = &coverage["payor"][0];
    let payer_name = payor["display"]
        .as_str()
        .filter(|n| (1..=80).contains(&n.chars().count()))
        .ok_or("a Coverage has no payor display name")?;
    let payer_id = payor["identifier"]["value"]
        .as_str()
        .filter(|id| (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or("a Coverage's payor has no identifier (the payer id, letters and digits)")?;
    let member_id = validate_member_id(
        coverage["subscriberId"]
            .as_str()
            .or(coverage["identifier"][0]["value"].as_str())
            .unwrap_or_default(),
    )
    .map_err(|_| "a Coverage's subscriberId is not a member ID")?;
    let group_number = coverage["class"]
        .as_array()
        .and_then(|classes| classes.iter().find(|c| c["type"]["coding"][0]["code"] == "group"))
        .and_then(|c| c["value"].as_str())
        .filter(|g| (1..=30).contains(&g.len()))
        .map(str::to_owned);
    let relationship = match coverage["relationship"]["coding"][0]["code"].as_str().unwrap_or("self") {
        "self" => Relationship::Own,
        "spouse" | "common" => Relationship::Spouse,
        "child" => Relationship::Child,
        _ => Relationship::Other,
    };
    let (subscriber_name, subscriber_dob) = if relationship == Relationship::Own {
        (None, None)
    } else {
        let name = coverage["subscriber"]["display"]
            .as_str()
            .map(validate_name)
            .transpose()
            .map_err(|_| "a Coverage's subscriber display is not a name")?;
        let dob = coverage["extension"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["url"] == SUBSCRIBER_BIRTH_DATE))
            .and_then(|e| e["valueDate"].as_str())
            .map(|d| parse_iso(d).map(arrive_domain::date::iso))
            .map(|d| d.ok_or("a Coverage's subscriber birth date is not a date"))
            .transpose()?;
        (name, dob)
    };
    Ok(CoverageRecord {
        payer_id: payer_id.to_ascii_uppercase(),
        payer_name: payer_name.to_owned(),
        member_id,
        group_number,
        relationship,
        subscriber_name,
        subscriber_dob,
    })
}

/// FHIR's Coverage carries the subscriber as a reference; a flat export puts their birth date
/// in this extension (the one Arrive also writes on the way out).
pub const SUBSCRIBER_BIRTH_DATE: &str = "https://arrive.example.org/fhir/StructureDefinition/subscriber-birth-date";
