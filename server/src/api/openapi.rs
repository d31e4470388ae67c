//! The OpenAPI document of `/api/v1`, generated from the code: each handler's
//! `#[utoipa::path]` and the request and response types' `ToSchema`. The routers register
//! their routes with `utoipa_axum::routes!`, which mounts a handler and documents it in one
//! step, so a route cannot be served without being in the document. Served, without patient
//! data, at `GET /api/v1/openapi.json`.

use std::sync::Arc;

use arrive_domain::ErrorBody;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Extension;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{CSRF_HEADER, KIOSK_TOKEN_HEADER, SESSION_COOKIE};
use crate::AppState;

/// Where `/api/v1` is mounted (the document's paths are absolute).
pub const PREFIX: &str = "/api/v1";

const KIOSK_TOKEN: &str = "kiosk_token";
const STAFF_SESSION: &str = "staff_session";
const CSRF_TOKEN: &str = "csrf_token";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Arrive API",
        description = "The JSON API of Arrive's kiosk, front desk board and administration. \
                       Every failure answers `{ \"error\": { \"code\", \"message\" } }`."
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "health", description = "Liveness and this document."),
        (name = "kiosk", description = "An enrolled lobby tablet (device token)."),
        (name = "pre-registration", description = "A patient at home, from their pre-registration link."),
        (name = "auth", description = "Staff sign-in, session and password."),
        (name = "desk", description = "The front desk board (signed-in staff)."),
        (name = "admin", description = "Administrators: staff, tablets, schedule, audit.")
    )
)]
struct ApiDoc;

/// Who may call a router: what its guard layer (in `api/mod.rs`) checks.
#[derive(Clone, Copy)]
pub enum Caller {
    /// An enrolled tablet's device token (`require_kiosk`).
    Kiosk,
    /// A staff session cookie, and the CSRF header on every state-changing request
    /// (`require_session`, `require_staff`, `require_admin`).
    Staff,
}

/// Marks every operation of `router` as needing `caller`'s credentials. Called together with
/// the guard layer, so the document states what the router enforces.
pub fn requires(mut router: OpenApiRouter<AppState>, caller: Caller) -> OpenApiRouter<AppState> {
    for item in router.get_openapi_mut().paths.paths.values_mut() {
        for (reads, operation) in operations(item) {
            let requirement = match caller {
                Caller::Kiosk => SecurityRequirement::new(KIOSK_TOKEN, Vec::<String>::new()),
                Caller::Staff if reads => SecurityRequirement::new(STAFF_SESSION, Vec::<String>::new()),
                Caller::Staff => {
                    SecurityRequirement::new(STAFF_SESSION, Vec::<String>::new()).add(CSRF_TOKEN, Vec::<String>::new())
                }
            };
            operation.security = Some(vec![requirement]);
        }
    }
    router
}

/// The finished document: `api`'s paths under `/api/v1`, the credentials they take, and the
/// one error shape as every operation's `default` answer.
pub fn document(api: OpenApi) -> OpenApi {
    let mut doc = ApiDoc::openapi().nest(PREFIX, api);
    let components = doc.components.get_or_insert_with(Default::default);
    let api_key = |kind: fn(ApiKeyValue) -> ApiKey, name: &str, what: &str| {
        SecurityScheme::ApiKey(kind(ApiKeyValue::with_description(name, what)))
    };
    components.add_security_scheme(
        KIOSK_TOKEN,
        api_key(
            ApiKey::Header,
            KIOSK_TOKEN_HEADER,
            "The enrolled tablet's device token.",
        ),
    );
    components.add_security_scheme(
        STAFF_SESSION,
        api_key(ApiKey::Cookie, SESSION_COOKIE, "Set by POST /api/v1/auth/login."),
    );
    components.add_security_scheme(
        CSRF_TOKEN,
        api_key(
            ApiKey::Header,
            CSRF_HEADER,
            "The session's csrf_token, on every request that is not a GET.",
        ),
    );
    let error = ResponseBuilder::new()
        .description("An error: `{ \"error\": { \"code\", \"message\", \"field\"? } }`.")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    for item in doc.paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            operation
                .responses
                .responses
                .entry("default".to_owned())
                .or_insert_with(|| error.clone().into());
        }
    }
    doc
}

/// Each operation of a path, and whether it only reads (GET or HEAD: no CSRF token needed).
fn operations(item: &mut PathItem) -> impl Iterator<Item = (bool, &mut Operation)> {
    [
        (true, &mut item.get),
        (true, &mut item.head),
        (false, &mut item.post),
        (false, &mut item.put),
        (false, &mut item.patch),
        (false, &mut item.delete),
        (false, &mut item.options),
        (false, &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(reads, operation)| operation.as_mut().map(|o| (reads, o)))
}

/// The document, serialised once at start.
#[derive(Clone)]
pub struct Document(pub Arc<str>);

/// This document (no patient data: it describes the API, not what flows through it).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "health",
    responses((status = 200, description = "The OpenAPI document of /api/v1.", content_type = "application/json"))
)]
pub async fn openapi_json(Extension(Document(json)): Extension<Document>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], json.to_string())
}
