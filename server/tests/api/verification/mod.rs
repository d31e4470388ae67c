//! The patient's verification at the kiosk: the record on file shown masked, each group
//! confirmed or replaced, whether the insurance changed and how they will pay. All of it
//! travels with the check-in: stored once, applied to the record in the arrival's transaction,
//! shown to staff in full, and handed to the EHR as FHIR R4.

mod card_images;
mod details;
mod insurance;
mod malformed;
mod record;
mod retries;

use crate::common;

use base64::Engine;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

fn url(server: &TestServer, path: &str) -> String {
    format!("{}{path}", server.url)
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

/// How many verifications appointment `id` has stored.
async fn verifications_of(db: &TestDb, id: i64) -> i64 {
    count(
        db,
        "SELECT COUNT(*) FROM visit_verification WHERE appointment_id = $1",
        id,
    )
    .await
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
