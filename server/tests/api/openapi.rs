//! The OpenAPI document: served at /api/v1/openapi.json, OpenAPI 3.x, complete (every `$ref`
//! resolves), and true to the router: every documented operation is mounted, with the method
//! and the credentials it states, and the /api/v1 routers mount nothing the document misses.

use crate::common;

use common::{get_ok, kiosk_client, staff_client, TestServer};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn the_document_is_openapi_3_and_every_operation_in_it_is_mounted() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(&data).await;
    let base = &server.url;

    // Public: no tablet token, no session.
    let response = get_ok(
        &Client::new(),
        &format!("{base}/api/v1/openapi.json"),
        "application/json",
    )
    .await;
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Arrive API");

    // Complete: every schema referred to is defined.
    let schemas = doc["components"]["schemas"].as_object().expect("component schemas");
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        assert!(schemas.contains_key(name), "{reference} is not defined");
    }

    let paths = doc["paths"].as_object().expect("paths");
    for path in ["/api/v1/openapi.json", "/api/v1/health", "/api/v1/kiosk/identify"] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    let clients = Clients {
        public: Client::new(),
        kiosk: kiosk_client(),
        staff: staff_client(base).await,
    };
    let mut probed = 0;
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path} is outside /api/v1");
        // Any value will do: a route that exists answers for it (if only "no such thing").
        let concrete = fill_parameters(path);
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if !operation.is_object() || !operation["responses"].is_object() {
                continue;
            }
            let client = clients.for_operation(operation);
            // No body: a route that takes one refuses it before doing anything.
            let response = client
                .request(method.clone(), format!("{base}{concrete}"))
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not mounted");
            assert!(
                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
                "{method} {path}: the documented credentials were refused ({status})"
            );
            if status == StatusCode::NOT_FOUND {
                let body: Value = response.json().await.unwrap();
                assert_ne!(
                    body["error"]["message"],
                    arrive_server::api::NO_SUCH_ENDPOINT,
                    "{method} {path} is documented but not mounted"
                );
            }
            probed += 1;
        }
    }
    assert!(probed >= 30, "only {probed} operations documented");
    server.stop().await;
}

/// Mounted ⇒ documented. `utoipa_axum::routes!` mounts a handler and documents it in one step;
/// the routers under /api/v1 must use nothing else (a plain `.route` would be undocumented).
#[test]
fn the_api_v1_routers_mount_only_documented_routes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    for file in ["kiosk.rs", "desk.rs", "auth.rs", "admin.rs"] {
        let source = std::fs::read_to_string(dir.join(file))
            .unwrap()
            .replace("OpenApiRouter::new()", "");
        for bypass in [".route(", ".route_service(", ".nest_service(", "Router::new()"] {
            assert!(
                !source.contains(bypass),
                "api/{file} uses {bypass}: mount /api/v1 routes with .routes(routes!(handler))"
            );
        }
    }
    // In api/mod.rs, the /api/v1 router is the OpenApiRouter; anything else there is outside
    // /api/v1 (/healthz, /readyz, /metrics, /fhir/r4, the apps' files).
    let source = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
    let api = &source[source
        .find("let api = OpenApiRouter::new()")
        .expect("the /api/v1 router")..];
    let api = &api[..api.find("split_for_parts").expect("split")];
    assert!(
        !api.contains(".route("),
        "api/mod.rs: a plain .route in the /api/v1 router"
    );
}

struct Clients {
    public: Client,
    kiosk: Client,
    staff: Client,
}

impl Clients {
    /// The client with the credentials the operation says it takes.
    fn for_operation(&self, operation: &Value) -> &Client {
        let schemes: Vec<&str> = operation["security"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|requirement| requirement.keys().map(String::as_str))
            .collect();
        if schemes.contains(&"kiosk_token") {
            &self.kiosk
        } else if schemes.contains(&"staff_session") {
            &self.staff
        } else {
            &self.public
        }
    }
}

fn fill_parameters(path: &str) -> String {
    let mut out = String::new();
    let mut in_parameter = false;
    for c in path.chars() {
        match c {
            '{' => in_parameter = true,
            '}' => {
                in_parameter = false;
                out.push('0');
            }
            _ if in_parameter => {}
            _ => out.push(c),
        }
    }
    out
}

fn collect_refs<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => refs.push(reference),
                    _ => collect_refs(value, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}
