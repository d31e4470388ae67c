//! Eligibility over a CAQH CORE real-time connection (Connectivity Rule vC2.2.0, HTTP MIME
//! multipart), against a CORE endpoint of our own on 127.0.0.1: it reads the envelope as the
//! rule defines it, refuses what the rule refuses, and answers with a real 271 from the
//! domain's builder (through the sandbox payer's members).

use crate::common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrive_domain::api::{CoverageCheck, EligibilityExchange};
use arrive_domain::x12::{self, Inquiry, ParsedInquiry};
use arrive_server::config::{CoreConnection, EligibilityService, EligibilitySettings};
use arrive_server::eligibility::core::{CoreClient, CoreError};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::*;
use serde_json::{json, Value};

const USERNAME: &str = "arrive-clinic";
const PASSWORD: &str = "correct-core-password";
/// The endpoint's own ID (the request's ReceiverID) and the clinic's (its SenderID).
const ENDPOINT_ID: &str = "SANDBOXCH";
const CLINIC_ID: &str = "ARRIVE01";
const NPI: &str = "1598765430";

const PAYLOAD_270: &str = "X12_270_Request_005010X279A1";
const PAYLOAD_271: &str = "X12_271_Response_005010X279A1";

// ---------------------------------------------------------------------------------------------
// The test endpoint

/// What the endpoint received: every well-formed envelope, and the 270s it answered.
#[derive(Default)]
struct Received {
    envelopes: Vec<HashMap<String, String>>,
    inquiries: Vec<ParsedInquiry>,
}

struct Endpoint {
    url: String,
    received: Arc<Mutex<Received>>,
}

async fn start_endpoint() -> Endpoint {
    let received = Arc::new(Mutex::new(Received::default()));
    let app = axum::Router::new()
        .route("/core/eligibility", axum::routing::post(core_endpoint))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Endpoint {
        url: format!("http://{addr}/core/eligibility"),
        received,
    }
}

/// A real-time request as the rule defines it. HTTP-level failures are HTTP statuses (400 a
/// body that is not a multipart/form-data message, 401 credentials refused); an envelope that
/// arrives but breaks the rule is answered with the rule's error envelope: PayloadType
/// `CoreEnvelopeError`, ErrorCode `<Field>Required`, `<Field>Illegal` or `VersionMismatch`.
async fn core_endpoint(State(received): State<Arc<Mutex<Received>>>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("multipart/form-data") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let Ok(fields) = multipart_fields(content_type, body).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let field = |name: &str| fields.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if field("UserName") != Some(USERNAME) || field("Password") != Some(PASSWORD) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let payload_id = field("PayloadID").unwrap_or("").to_owned();
    let error = |code: String| envelope_error(&payload_id, &code);
    for name in [
        "PayloadType",
        "ProcessingMode",
        "PayloadID",
        "TimeStamp",
        "SenderID",
        "ReceiverID",
        "CORERuleVersion",
        "Payload",
    ] {
        if field(name).is_none() {
            return error(format!("{name}Required"));
        }
    }
    if field("CORERuleVersion") != Some("2.2.0") {
        return error("VersionMismatch".into());
    }
    if field("ProcessingMode") != Some("RealTime") {
        return error("ProcessingModeIllegal".into());
    }
    if field("PayloadType") != Some(PAYLOAD_270) {
        return error("PayloadTypeIllegal".into());
    }
    if uuid::Uuid::parse_str(&payload_id).is_err() {
        return error("PayloadIDIllegal".into());
    }
    if chrono::DateTime::parse_from_rfc3339(field("TimeStamp").unwrap()).is_err() {
        return error("TimeStampIllegal".into());
    }
    if field("ReceiverID") != Some(ENDPOINT_ID) {
        return error("ReceiverIDIllegal".into());
    }
    let payload = field("Payload").unwrap().to_owned();
    // A payload that is not a 270 would get an X12 999 from a real receiver; this endpoint
    // only serves well-formed inquiries.
    let Ok(inquiry) = x12::parse_270(&payload) else {
        return error("PayloadIllegal".into());
    };
    let answer = arrive_server::eligibility::SandboxPayer::demo()
        .answer(&payload)
        .expect("the sandbox payer answers a 270 it can read");
    {
        let mut r = received.lock().unwrap();
        r.envelopes.push(fields.clone());
        r.inquiries.push(inquiry);
    }
    envelope(&[
        ("PayloadType", PAYLOAD_271),
        ("ProcessingMode", "RealTime"),
        ("PayloadID", &payload_id),
        (
            "TimeStamp",
            &chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
        ("SenderID", ENDPOINT_ID),
        ("ReceiverID", field("SenderID").unwrap()),
        ("CORERuleVersion", "2.2.0"),
        ("ErrorCode", "Success"),
        ("ErrorMessage", "None"),
        ("Payload", &answer),
    ])
}

fn envelope_error(payload_id: &str, code: &str) -> Response {
    envelope(&[
        ("PayloadType", "CoreEnvelopeError"),
        ("ProcessingMode", "RealTime"),
        ("PayloadID", payload_id),
        (
            "TimeStamp",
            &chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
        ("SenderID", ENDPOINT_ID),
        ("ReceiverID", CLINIC_ID),
        ("CORERuleVersion", "2.2.0"),
        ("ErrorCode", code),
        ("ErrorMessage", "The envelope does not follow the CORE rule."),
    ])
}

/// A multipart/form-data response body, written out as the rule's examples show it.
fn envelope(fields: &[(&str, &str)]) -> Response {
    const BOUNDARY: &str = "CORE-envelope-7f3a";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )],
        body,
    )
        .into_response()
}

/// The endpoint's own reading of the MIME body (multer, as axum's Multipart uses it).
async fn multipart_fields(content_type: &str, body: Bytes) -> Result<HashMap<String, String>, multer::Error> {
    let boundary = multer::parse_boundary(content_type)?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = HashMap::new();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        fields.insert(name, field.text().await?);
    }
    Ok(fields)
}

// ---------------------------------------------------------------------------------------------
// The transport, directly

fn connection(url: &str) -> CoreConnection {
    CoreConnection {
        url: url.to_owned(),
        username: USERNAME.into(),
        password: PASSWORD.into(),
        sender_id: CLINIC_ID.into(),
        receiver_id: ENDPOINT_ID.into(),
    }
}

fn inquiry_270() -> String {
    x12::build_270(&Inquiry {
        sender_id: CLINIC_ID.into(),
        receiver_id: ENDPOINT_ID.into(),
        provider_npi: NPI.into(),
        ..common::x12::inquiry("García-López", "María", "SBX-100200", (1958, 4, 12), "SBX01")
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_core_transport_sends_the_rule_s_envelope_and_reads_the_271() {
    let endpoint = start_endpoint().await;
    let client = CoreClient::new(connection(&endpoint.url));
    let request = inquiry_270();
    let answer = client.exchange(&request).await.expect("a 271");
    let eligibility = x12::parse_271(&answer).unwrap();
    assert_eq!(eligibility.coverage, x12::CoverageStatus::Active);
    assert_eq!(eligibility.trace.as_deref(), Some("ARRIVE42"));
    client.exchange(&request).await.expect("a second 271");

    let received = endpoint.received.lock().unwrap();
    let first = &received.envelopes[0];
    assert_eq!(first["ProcessingMode"], "RealTime");
    assert_eq!(first["PayloadType"], PAYLOAD_270);
    assert_eq!(first["CORERuleVersion"], "2.2.0");
    assert_eq!(first["SenderID"], CLINIC_ID);
    assert_eq!(first["ReceiverID"], ENDPOINT_ID);
    assert_eq!(first["Payload"], request, "the 270, byte for byte");
    let id = uuid::Uuid::parse_str(&first["PayloadID"]).unwrap();
    assert_eq!(id.get_version_num(), 4);
    assert!(first["TimeStamp"].ends_with('Z'), "UTC: {}", first["TimeStamp"]);
    assert_ne!(
        first["PayloadID"], received.envelopes[1]["PayloadID"],
        "a new PayloadID for every request"
    );
    assert_eq!(received.inquiries[0].provider_npi, NPI);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_core_transport_reports_refusals_by_kind_never_by_body() {
    let endpoint = start_endpoint().await;
    let request = inquiry_270();

    let wrong_password = CoreClient::new(CoreConnection {
        password: "not-it".into(),
        ..connection(&endpoint.url)
    });
    assert_eq!(wrong_password.exchange(&request).await, Err(CoreError::Status(401)));

    let wrong_receiver = CoreClient::new(CoreConnection {
        receiver_id: "SOMEONEELSE".into(),
        ..connection(&endpoint.url)
    });
    let refused = wrong_receiver.exchange(&request).await.unwrap_err();
    assert_eq!(refused, CoreError::Envelope("ReceiverIDIllegal".into()));
    assert_eq!(refused.to_string(), "CORE envelope error: ReceiverIDIllegal");

    // Nobody listens on the endpoint's port once it is taken and dropped.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/core", listener.local_addr().unwrap())
    };
    let unreachable = CoreClient::new(connection(&closed));
    assert_eq!(
        unreachable.exchange(&request).await,
        Err(CoreError::Transport("cannot connect"))
    );
    assert!(endpoint.received.lock().unwrap().envelopes.is_empty());
}

/// The endpoint itself refuses malformed envelopes as the rule says (so the tests above test
/// against something that would catch a wrong envelope).
#[tokio::test(flavor = "multi_thread")]
async fn the_endpoint_refuses_malformed_envelopes_as_the_rule_says() {
    let endpoint = start_endpoint().await;
    let http = reqwest::Client::new();
    let good = || -> Vec<(&'static str, String)> {
        vec![
            ("ProcessingMode", "RealTime".into()),
            ("PayloadType", PAYLOAD_270.into()),
            ("PayloadID", uuid::Uuid::new_v4().to_string()),
            ("TimeStamp", "2026-11-25T14:05:00Z".into()),
            ("UserName", USERNAME.into()),
            ("Password", PASSWORD.into()),
            ("SenderID", CLINIC_ID.into()),
            ("ReceiverID", ENDPOINT_ID.into()),
            ("CORERuleVersion", "2.2.0".into()),
            ("Payload", inquiry_270()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let (http, url) = (http.clone(), endpoint.url.clone());
        async move {
            let form = fields
                .into_iter()
                .fold(reqwest::multipart::Form::new(), |form, (name, value)| {
                    form.text(name, value)
                });
            let response = http.post(url).multipart(form).send().await.unwrap();
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let fields = multipart_fields(&content_type, response.bytes().await.unwrap())
                .await
                .unwrap_or_default();
            (status, fields)
        }
    };
    let (status, answer) = send(good()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["ErrorCode"], "Success");
    assert_eq!(answer["PayloadType"], PAYLOAD_271);
    assert!(answer["Payload"].contains("ST*271*"));

    let without = |name: &str| good().into_iter().filter(|(n, _)| *n != name).collect::<Vec<_>>();
    let with = |name: &str, value: &str| {
        good()
            .into_iter()
            .map(|(n, v)| if n == name { (n, value.to_owned()) } else { (n, v) })
            .collect::<Vec<_>>()
    };
    for (fields, code) in [
        (without("PayloadID"), "PayloadIDRequired"),
        (without("Payload"), "PayloadRequired"),
        (without("CORERuleVersion"), "CORERuleVersionRequired"),
        (with("CORERuleVersion", "2.1.0"), "VersionMismatch"),
        (with("ProcessingMode", "Batch"), "ProcessingModeIllegal"),
        (with("PayloadType", "X12_276_Request_005010X212"), "PayloadTypeIllegal"),
        (with("PayloadID", "not-a-uuid"), "PayloadIDIllegal"),
        (with("TimeStamp", "yesterday"), "TimeStampIllegal"),
    ] {
        let (status, answer) = send(fields).await;
        assert_eq!(status, StatusCode::OK, "{code}");
        assert_eq!(answer["ErrorCode"], code);
        assert_eq!(answer["PayloadType"], "CoreEnvelopeError");
        assert!(
            !answer.contains_key("Payload"),
            "{code}: no payload in an error envelope"
        );
    }
    let (status, _) = send(with("Password", "guess")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let not_mime = http
        .post(&endpoint.url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("PayloadType=X12_270_Request_005010X279A1")
        .send()
        .await
        .unwrap();
    assert_eq!(not_mime.status(), StatusCode::BAD_REQUEST);
    let cut_short = http
        .post(&endpoint.url)
        .header("content-type", "multipart/form-data; boundary=XbCY")
        .body("--XbCY\r\nContent-Disposition: form-data; name=\"PayloadType\"\r\n\r\nX12_270")
        .send()
        .await
        .unwrap();
    assert_eq!(cut_short.status(), StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------------
// The server, configured for CORE

fn core_settings(url: &str) -> EligibilitySettings {
    EligibilitySettings {
        service: EligibilityService::Core(connection(url)),
        provider_npi: NPI.into(),
        production: false,
    }
}

/// A CORE endpoint, and a server that asks it (with the data folder the server runs on).
async fn server_asking_over_core() -> (Endpoint, tempfile::TempDir, TestServer) {
    let endpoint = start_endpoint().await;
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(arrive_server::Config {
        eligibility: core_settings(&endpoint.url),
        ..test_config(data.path())
    })
    .await;
    (endpoint, data, server)
}

async fn recheck(staff: &reqwest::Client, base: &str, id: i64) -> arrive_domain::api::Eligibility {
    let response = desk_action(staff, base, id, "eligibility").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dependent_is_asked_over_core_and_staff_read_the_270_and_271_audited() {
    let (endpoint, data, server) = server_asking_over_core().await;
    let staff = staff_client(&server.url).await;
    // Zoë Müller is on her father's plan: she is the dependent, he the subscriber.
    let id = board_row(&staff, &server.url, "Zoë M.").await.id;
    let answer = recheck(&staff, &server.url, id).await;
    assert_eq!(answer.coverage, CoverageCheck::Active);
    assert_eq!(answer.copay_cents, Some(1500));

    let sent = endpoint.received.lock().unwrap().inquiries.last().cloned().unwrap();
    assert_eq!(sent.subscriber_last, "MULLER");
    assert_eq!(sent.subscriber_first, "HANS");
    let dependent = sent.dependent.expect("loop 2000D");
    assert_eq!((dependent.first.as_str(), dependent.last.as_str()), ("ZOE", "MULLER"));
    assert_eq!(dependent.dob, chrono::NaiveDate::from_ymd_opt(2001, 7, 4).unwrap());
    assert_eq!(sent.provider_npi, NPI);
    assert!(!sent.production, "ISA15 T by default");

    let exchanges_url = format!("{}/api/v1/desk/appointments/{id}/eligibility/exchanges", server.url);
    let exchanges: Vec<EligibilityExchange> = get_json(&staff, &exchanges_url).await;
    assert_eq!(exchanges.len(), 1);
    let exchange = &exchanges[0];
    assert_eq!(exchange.transport, "core");
    assert_eq!(exchange.error, None);
    assert!(exchange.request.contains("HL*4*3*23*0~"), "{}", exchange.request);
    assert!(exchange.request.contains("NM1*03*1*MULLER*ZOE~"));
    assert!(exchange
        .request
        .contains(&format!("NM1*1P*2*ARRIVE DEMO CLINIC*****XX*{NPI}~")));
    assert!(exchange.response.as_deref().unwrap().contains("ST*271*"));

    let audit = audit_trail(&staff, &server.url).await;
    assert!(audit.to_string().contains("view_eligibility_exchange"), "{audit}");

    // Our error shape, never a hint of the record, for a missing or malformed visit; and the
    // route is behind the staff guard.
    for bad in ["999999", "not-a-number"] {
        let response = staff
            .get(format!(
                "{}/api/v1/desk/appointments/{bad}/eligibility/exchanges",
                server.url
            ))
            .send()
            .await
            .unwrap();
        expect_error(response, StatusCode::NOT_FOUND, arrive_domain::ErrorCode::NotFound).await;
    }
    let anonymous = reqwest::get(&exchanges_url).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // The endpoint refusing the credentials: no 271, the kind of failure kept, no body.
    server.stop().await;
    let server = TestServer::start_with(arrive_server::Config {
        eligibility: EligibilitySettings {
            service: EligibilityService::Core(CoreConnection {
                password: "rotated-away".into(),
                ..connection(&endpoint.url)
            }),
            ..core_settings(&endpoint.url)
        },
        ..test_config(data.path())
    })
    .await;
    let staff = staff_client(&server.url).await;
    assert_eq!(
        recheck(&staff, &server.url, id).await.coverage,
        CoverageCheck::Unavailable
    );
    let exchanges_url = format!("{}/api/v1/desk/appointments/{id}/eligibility/exchanges", server.url);
    let exchanges: Vec<EligibilityExchange> = get_json(&staff, &exchanges_url).await;
    assert_eq!(exchanges.len(), 2);
    assert_eq!(exchanges[1].response, None);
    assert_eq!(exchanges[1].error.as_deref(), Some("CORE connection: HTTP 401"));
    server.stop().await;
}

/// A FHIR schedule of one appointment today for a patient whose name X12 cannot carry.
fn bundle_with_name(family: &str, given: &str) -> Value {
    let day = chrono::Local::now().date_naive().format("%Y-%m-%d").to_string();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:10000000-0000-4000-8000-000000000001", "resource": {
                "resourceType": "Patient", "id": "p1",
                "name": [{"use": "official", "family": family, "given": [given]}],
                "birthDate": "1984-05-06"}},
            {"resource": {
                "resourceType": "Coverage", "id": "c1", "status": "active", "subscriberId": "SBX-100900",
                "beneficiary": {"reference": "urn:uuid:10000000-0000-4000-8000-000000000001"},
                "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "self"}]},
                "payor": [{"identifier": {"system": "urn:arrive:payer-id", "value": "SBX01"}, "display": "Sandbox Health Plan"}],
                "order": 1}},
            {"resource": {
                "resourceType": "Appointment", "id": "a1",
                "identifier": [{"system": "urn:arrive:test", "value": "CORE-NAME-1"}],
                "status": "booked", "start": format!("{day}T16:30:00-06:00"),
                "appointmentType": {"coding": [{"system": "urn:arrive:visit-type", "code": "office-visit"}]},
                "participant": [
                    {"actor": {"reference": "urn:uuid:10000000-0000-4000-8000-000000000001"}, "status": "accepted"},
                    {"actor": {"reference": "Practitioner/dr-patel", "display": "Dr. Patel"}, "status": "accepted"}]}}
        ]
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_x12_cannot_carry_sends_nothing_and_the_board_says_ask_at_the_desk() {
    let (endpoint, _data, server) = server_asking_over_core().await;
    let staff = staff_client(&server.url).await;
    let imported: Value = import_schedule(
        &staff,
        &server.url,
        "application/fhir+json",
        bundle_with_name("Петрова", "Анна").to_string(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(imported["inserted"], 1, "{imported}");
    let id = board_row(&staff, &server.url, "Анна П.").await.id;

    let answer = recheck(&staff, &server.url, id).await;
    assert_eq!(answer.coverage, CoverageCheck::AskAtDesk);
    assert!(
        endpoint.received.lock().unwrap().envelopes.is_empty(),
        "no 270 was sent"
    );
    let row = board_row(&staff, &server.url, "Анна П.").await;
    assert!(row.insurance_ask_at_desk, "the board says ask at the desk");
    assert!(!row.insurance_problem);
    let exchanges: Vec<EligibilityExchange> = get_json(
        &staff,
        &format!("{}/api/v1/desk/appointments/{id}/eligibility/exchanges", server.url),
    )
    .await;
    assert!(exchanges.is_empty());
    // The detail keeps the outcome too.
    assert_eq!(
        desk_detail(&staff, &server.url, id).await.eligibility.unwrap().coverage,
        CoverageCheck::AskAtDesk
    );
    server.stop().await;
}
